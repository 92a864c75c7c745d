/* bench_stats.c — descriptive statistics, Student-t quantiles, confidence intervals and
 * the scaling fit.
 *
 * Design note (t quantile): the t CDF is written through the regularized incomplete beta
 * function, P(|T| > t) = I_x(v/2, 1/2) with x = v / (v + t²), evaluated by its continued
 * fraction (modified Lentz). The CDF is monotone in t, so bisection on a bracket that
 * doubles until it holds p converges to full double precision in a fixed number of steps
 * with no derivative and no failure mode.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench_internal.h"
#include "rk_internal.h"

static rk_status_t rki_check_values(const double *values, size_t n) {
  if (n > 0 && !values) return rki_fail(RK_EINVAL, "values is NULL with count %zu", n);
  for (size_t i = 0; i < n; i++)
    if (!isfinite(values[i]))
      return rki_fail(RK_EINVAL, "value %zu is %g: values must be finite", i, values[i]);
  return RK_OK;
}

static int rki_cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Nearest rank: sorted[round(p / 100 * (n - 1))]. */
static double rki_percentile(const double *sorted, size_t n, double p) {
  size_t idx = (size_t)round(p / 100.0 * (double)(n - 1));
  return sorted[idx < n ? idx : n - 1];
}

static double rki_mean(const double *v, size_t n) {
  double sum = 0.0;
  for (size_t i = 0; i < n; i++) sum += v[i];
  return sum / (double)n;
}

static double rki_sample_sd(const double *v, size_t n, double mean) {
  if (n < 2) return 0.0;
  double ss = 0.0;
  for (size_t i = 0; i < n; i++) ss += (v[i] - mean) * (v[i] - mean);
  return sqrt(ss / (double)(n - 1));
}

rk_status_t rk_bench_stats_compute(const double *values, size_t n, rk_bench_stats_t *out) {
  if (!out) return rki_fail(RK_EINVAL, "rk_bench_stats_compute: out is NULL");
  memset(out, 0, sizeof *out);
  rk_status_t st = rki_check_values(values, n);
  if (st != RK_OK || n == 0) return st;
  double *s = malloc(n * sizeof *s);
  if (!s) return rki_fail(RK_ENOMEM, "statistics over %zu values: out of memory", n);
  memcpy(s, values, n * sizeof *s);
  qsort(s, n, sizeof *s, rki_cmp_double);
  out->count = n;
  out->mean = rki_mean(s, n);
  out->std_dev = rki_sample_sd(s, n, out->mean);
  out->min = s[0];
  out->max = s[n - 1];
  out->median = rki_percentile(s, n, 50);
  out->p5 = rki_percentile(s, n, 5);
  out->p25 = rki_percentile(s, n, 25);
  out->p75 = rki_percentile(s, n, 75);
  out->p95 = rki_percentile(s, n, 95);
  out->p99 = rki_percentile(s, n, 99);
  free(s);
  return RK_OK;
}

double rk_bench_stats_iqr(const rk_bench_stats_t *s) { return s->p75 - s->p25; }

double rk_bench_stats_cv(const rk_bench_stats_t *s) {
  return s->mean == 0.0 ? 0.0 : s->std_dev / s->mean;
}

/* ---- Student t --------------------------------------------------------------------- */

/* Continued fraction of the incomplete beta function (modified Lentz). */
static double rki_beta_cf(double a, double b, double x) {
  const double tiny = 1e-300;
  double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0);
  if (fabs(d) < tiny) d = tiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m <= 1000; m++) {
    double m2 = 2.0 * m;
    double step[2] = {m * (b - m) * x / ((a - 1.0 + m2) * (a + m2)),
                      -(a + m) * (a + b + m) * x / ((a + m2) * (a + 1.0 + m2))};
    double del = 1.0;
    for (int k = 0; k < 2; k++) {
      d = 1.0 + step[k] * d;
      if (fabs(d) < tiny) d = tiny;
      c = 1.0 + step[k] / c;
      if (fabs(c) < tiny) c = tiny;
      d = 1.0 / d;
      del = d * c;
      h *= del;
    }
    if (fabs(del - 1.0) < 1e-16) break;
  }
  return h;
}

/* Regularized incomplete beta I_x(a, b). */
static double rki_beta_inc(double a, double b, double x) {
  if (x <= 0.0) return 0.0;
  if (x >= 1.0) return 1.0;
  double front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x));
  if (x < (a + 1.0) / (a + b + 2.0)) return front * rki_beta_cf(a, b, x) / a;
  return 1.0 - front * rki_beta_cf(b, a, 1.0 - x) / b;
}

/* P(T <= t) for t >= 0. */
static double rki_t_cdf_upper_half(double t, double dof) {
  return 1.0 - 0.5 * rki_beta_inc(dof / 2.0, 0.5, dof / (dof + t * t));
}

rk_status_t rk_bench_t_quantile(double p, double dof, double *out) {
  if (!out) return rki_fail(RK_EINVAL, "rk_bench_t_quantile: out is NULL");
  if (!(p > 0.0 && p < 1.0)) return rki_fail(RK_EINVAL, "probability %g: must be in (0, 1)", p);
  if (!(dof > 0.0) || isinf(dof))
    return rki_fail(RK_EINVAL, "degrees of freedom %g: must be finite and > 0", dof);
  double q = p < 0.5 ? 1.0 - p : p;
  double lo = 0.0, hi = 1.0;
  while (rki_t_cdf_upper_half(hi, dof) < q && hi < 1e300) {
    lo = hi;
    hi *= 2.0;
  }
  for (int i = 0; i < 200 && hi - lo > DBL_EPSILON * hi; i++) {
    double mid = 0.5 * (lo + hi);
    if (rki_t_cdf_upper_half(mid, dof) < q)
      lo = mid;
    else
      hi = mid;
  }
  double t = 0.5 * (lo + hi);
  *out = p < 0.5 ? -t : t;
  return RK_OK;
}

rk_status_t rk_bench_ci_compute(const double *values, size_t n, double confidence,
                                rk_bench_ci_t *out) {
  if (!out) return rki_fail(RK_EINVAL, "rk_bench_ci_compute: out is NULL");
  memset(out, 0, sizeof *out);
  if (!(confidence > 0.0 && confidence < 1.0))
    return rki_fail(RK_EINVAL, "confidence %g: must be in (0, 1)", confidence);
  rk_status_t st = rki_check_values(values, n);
  if (st != RK_OK) return st;
  out->confidence = confidence;
  out->count = n;
  if (n == 0) return RK_OK;
  out->mean = rki_mean(values, n);
  if (n >= 2) {
    double t;
    st = rk_bench_t_quantile((1.0 + confidence) / 2.0, (double)(n - 1), &t);
    if (st != RK_OK) return st;
    out->margin = t * rki_sample_sd(values, n, out->mean) / sqrt((double)n);
  }
  out->lower = out->mean - out->margin;
  out->upper = out->mean + out->margin;
  return RK_OK;
}

double rk_bench_ci_width(const rk_bench_ci_t *ci) { return ci->upper - ci->lower; }

/* ---- scaling ------------------------------------------------------------------------- */

static rk_status_t rki_check_positive(const double *v, size_t n, const char *what) {
  for (size_t i = 0; i < n; i++)
    if (!(v[i] > 0.0) || isinf(v[i]))
      return rki_fail(RK_EINVAL, "%s[%zu] = %g: must be finite and > 0", what, i, v[i]);
  return RK_OK;
}

rk_status_t rk_bench_scaling_fit(const double *sizes, const double *throughputs, size_t n,
                                 rk_bench_scaling_t *out) {
  if (!out || !sizes || !throughputs)
    return rki_fail(RK_EINVAL, "rk_bench_scaling_fit: NULL argument");
  memset(out, 0, sizeof *out);
  if (n < 2) return rki_fail(RK_EINVAL, "scaling fit over %zu points: need at least 2", n);
  rk_status_t st = rki_check_positive(sizes, n, "sizes");
  if (st == RK_OK) st = rki_check_positive(throughputs, n, "throughputs");
  if (st != RK_OK) return st;
  double mx = 0.0, my = 0.0;
  for (size_t i = 0; i < n; i++) {
    mx += log(sizes[i]);
    my += log(throughputs[i]);
  }
  mx /= (double)n;
  my /= (double)n;
  double sxx = 0.0, sxy = 0.0, syy = 0.0;
  for (size_t i = 0; i < n; i++) {
    double dx = log(sizes[i]) - mx, dy = log(throughputs[i]) - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (sxx == 0.0) return rki_fail(RK_EINVAL, "scaling fit: all %zu sizes are equal", n);
  out->exponent = sxy / sxx;
  /* Residual sum of squares of a least-squares line is syy - slope * sxy. */
  out->r_squared = syy == 0.0 ? 1.0 : 1.0 - (syy - out->exponent * sxy) / syy;
  out->count = n;
  return RK_OK;
}

const char *rk_bench_scaling_quality(const rk_bench_scaling_t *s) {
  if (s->r_squared < 0.5) return "Poor";
  if (s->exponent > 0.9) return "Excellent";
  if (s->exponent > 0.7) return "Good";
  if (s->exponent > 0.5) return "Fair";
  return "Sub-linear";
}
