/* bench_result.c — benchmark configuration presets and single benchmark results. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench_internal.h"
#include "rk_internal.h"

_Static_assert(sizeof(((rk_bench_config_t *)0)->sizes) / sizeof(uint64_t) == RK_BENCH_MAX_SIZES,
               "rk_bench_config_t.sizes holds RK_BENCH_MAX_SIZES entries");

char *rki_strdup(const char *s) {
  if (!s) s = "";
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

/* ---- configuration ------------------------------------------------------------------ */

static void rki_config_set(rk_bench_config_t *c, uint32_t warmup, uint32_t measurements,
                           double threshold, double timeout, const uint64_t *sizes,
                           size_t n) {
  memset(c, 0, sizeof *c);
  c->warmup_iterations = warmup;
  c->measurement_iterations = measurements;
  c->regression_threshold = threshold;
  c->timeout_secs = timeout;
  c->size_count = (uint32_t)n;
  memcpy(c->sizes, sizes, n * sizeof *sizes);
}

void rk_bench_config_init(rk_bench_config_t *c) {
  static const uint64_t sizes[] = {1000, 10000, 100000};
  rki_config_set(c, 5, 10, 0.10, 60.0, sizes, 3);
}

void rk_bench_config_quick(rk_bench_config_t *c) {
  static const uint64_t sizes[] = {10000, 50000};
  rki_config_set(c, 1, 3, 0.15, 30.0, sizes, 2);
}

void rk_bench_config_comprehensive(rk_bench_config_t *c) {
  static const uint64_t sizes[] = {10000, 25000, 50000, 75000, 100000, 150000};
  rki_config_set(c, 5, 10, 0.05, 300.0, sizes, 6);
}

void rk_bench_config_ci(rk_bench_config_t *c) {
  static const uint64_t sizes[] = {10000, 50000};
  rki_config_set(c, 2, 5, 0.10, 120.0, sizes, 2);
}

rk_status_t rk_bench_config_set_sizes(rk_bench_config_t *c, const uint64_t *sizes, size_t n) {
  if (!c || (!sizes && n > 0))
    return rki_fail(RK_EINVAL, "rk_bench_config_set_sizes: NULL argument");
  if (n > RK_BENCH_MAX_SIZES)
    return rki_fail(RK_EINVAL, "%zu sizes: at most %d", n, RK_BENCH_MAX_SIZES);
  c->size_count = (uint32_t)n;
  if (n > 0) memcpy(c->sizes, sizes, n * sizeof *sizes);
  return RK_OK;
}

rk_status_t rk_bench_config_validate(const rk_bench_config_t *c) {
  if (!c) return rki_fail(RK_EINVAL, "benchmark config is NULL");
  if (c->measurement_iterations == 0)
    return rki_fail(RK_EINVAL, "measurement_iterations 0: must be at least 1");
  if (!(c->regression_threshold >= 0.0) || isinf(c->regression_threshold))
    return rki_fail(RK_EINVAL, "regression_threshold %g: must be finite and >= 0",
                    c->regression_threshold);
  if (!(c->timeout_secs > 0.0) || isinf(c->timeout_secs))
    return rki_fail(RK_EINVAL, "timeout_secs %g: must be finite and > 0", c->timeout_secs);
  if (c->size_count > RK_BENCH_MAX_SIZES)
    return rki_fail(RK_EINVAL, "size_count %u: at most %d", (unsigned)c->size_count,
                    RK_BENCH_MAX_SIZES);
  return RK_OK;
}

/* ---- results ------------------------------------------------------------------------ */

static rk_status_t rki_check_time(double t, const char *what) {
  if (!(t > 0.0) || isinf(t))
    return rki_fail(RK_EINVAL, "%s %g: must be finite and > 0", what, t);
  return RK_OK;
}

static rk_status_t rki_result_new(const char *id, uint64_t size, const double *times,
                                  size_t n, rk_bench_result_t **out) {
  rk_bench_result_t *r = calloc(1, sizeof *r);
  if (r) r->workload_id = rki_strdup(id);
  if (r && r->workload_id) r->times = malloc(n * sizeof *r->times);
  if (!r || !r->workload_id || !r->times) {
    rk_bench_result_destroy(r);
    return rki_fail(RK_ENOMEM, "benchmark result: out of memory");
  }
  memcpy(r->times, times, n * sizeof *times);
  r->time_count = n;
  r->size = size;
  r->converged = -1;
  *out = r;
  return RK_OK;
}

rk_status_t rk_bench_result_create(const char *workload_id, uint64_t size,
                                   double total_time_secs, rk_bench_result_t **out) {
  if (!out) return rki_fail(RK_EINVAL, "rk_bench_result_create: out is NULL");
  *out = NULL;
  if (!workload_id) return rki_fail(RK_EINVAL, "workload_id is NULL");
  rk_status_t st = rki_check_time(total_time_secs, "total_time_secs");
  if (st == RK_OK) st = rki_result_new(workload_id, size, &total_time_secs, 1, out);
  if (st != RK_OK) return st;
  (*out)->total_time_secs = total_time_secs;
  (*out)->throughput_ops = (double)size / total_time_secs;
  return RK_OK;
}

rk_status_t rk_bench_result_from_measurements(const char *workload_id, uint64_t size,
                                              const double *times_secs, size_t n,
                                              uint64_t iterations, int converged,
                                              rk_bench_result_t **out) {
  if (!out) return rki_fail(RK_EINVAL, "rk_bench_result_from_measurements: out is NULL");
  *out = NULL;
  if (!workload_id || !times_secs) return rki_fail(RK_EINVAL, "workload_id or times is NULL");
  if (n == 0) return rki_fail(RK_EINVAL, "measurement_times_secs is empty: need at least 1");
  if (converged < -1 || converged > 1)
    return rki_fail(RK_EINVAL, "converged %d: must be -1, 0 or 1", converged);
  double sum = 0.0;
  for (size_t i = 0; i < n; i++) {
    rk_status_t st = rki_check_time(times_secs[i], "measurement time");
    if (st != RK_OK) return st;
    sum += times_secs[i];
  }
  rk_status_t st = rki_result_new(workload_id, size, times_secs, n, out);
  if (st != RK_OK) return st;
  rk_bench_result_t *r = *out;
  r->total_time_secs = sum / (double)n;
  r->iterations = iterations;
  r->converged = converged;
  r->throughput_ops = (double)size * (double)(iterations ? iterations : 1) / r->total_time_secs;
  return RK_OK;
}

rk_status_t rk_bench_result_clone(const rk_bench_result_t *r, rk_bench_result_t **out) {
  if (!r || !out) return rki_fail(RK_EINVAL, "rk_bench_result_clone: NULL argument");
  *out = NULL;
  rk_bench_result_t *c;
  rk_status_t st = rki_result_new(r->workload_id, r->size, r->times, r->time_count, &c);
  if (st != RK_OK) return st;
  c->total_time_secs = r->total_time_secs;
  c->throughput_ops = r->throughput_ops;
  c->iterations = r->iterations;
  c->converged = r->converged;
  for (size_t i = 0; i < r->metric_count && st == RK_OK; i++)
    st = rk_bench_result_set_metric(c, r->metrics[i].key, r->metrics[i].value);
  if (st != RK_OK) {
    rk_bench_result_destroy(c);
    return st;
  }
  *out = c;
  return RK_OK;
}

void rk_bench_result_destroy(rk_bench_result_t *r) {
  if (!r) return;
  for (size_t i = 0; i < r->metric_count; i++) free(r->metrics[i].key);
  free(r->metrics);
  free(r->times);
  free(r->workload_id);
  free(r);
}

static rk_status_t rki_metric_append(rk_bench_result_t *r, const char *key, double value) {
  if (r->metric_count == r->metric_cap) {
    size_t cap = r->metric_cap ? r->metric_cap * 2 : 4;
    rki_bench_metric_t *m = realloc(r->metrics, cap * sizeof *m);
    if (!m) return rki_fail(RK_ENOMEM, "custom metric: out of memory");
    r->metrics = m;
    r->metric_cap = cap;
  }
  char *k = rki_strdup(key);
  if (!k) return rki_fail(RK_ENOMEM, "custom metric: out of memory");
  r->metrics[r->metric_count].key = k;
  r->metrics[r->metric_count].value = value;
  r->metric_count++;
  return RK_OK;
}

rk_status_t rk_bench_result_set_metric(rk_bench_result_t *r, const char *key, double value) {
  if (!r || !key) return rki_fail(RK_EINVAL, "rk_bench_result_set_metric: NULL argument");
  for (size_t i = 0; i < r->metric_count; i++) {
    if (strcmp(r->metrics[i].key, key) == 0) {
      r->metrics[i].value = value;
      return RK_OK;
    }
  }
  return rki_metric_append(r, key, value);
}

const char *rk_bench_result_workload_id(const rk_bench_result_t *r) { return r->workload_id; }
uint64_t rk_bench_result_size(const rk_bench_result_t *r) { return r->size; }
double rk_bench_result_total_time_secs(const rk_bench_result_t *r) { return r->total_time_secs; }
double rk_bench_result_total_time_ms(const rk_bench_result_t *r) {
  return r->total_time_secs * 1000.0;
}
double rk_bench_result_throughput_ops(const rk_bench_result_t *r) { return r->throughput_ops; }
double rk_bench_result_throughput_mops(const rk_bench_result_t *r) {
  return r->throughput_ops / 1e6;
}

double rk_bench_result_throughput_stddev(const rk_bench_result_t *r) {
  size_t n = r->time_count;
  if (n < 2) return 0.0;
  double work = (double)r->size * (double)(r->iterations ? r->iterations : 1);
  double mean = 0.0, ss = 0.0;
  for (size_t i = 0; i < n; i++) mean += work / r->times[i];
  mean /= (double)n;
  for (size_t i = 0; i < n; i++) {
    double d = work / r->times[i] - mean;
    ss += d * d;
  }
  return sqrt(ss / (double)(n - 1));
}

size_t rk_bench_result_measurement_count(const rk_bench_result_t *r) { return r->time_count; }
const double *rk_bench_result_measurements(const rk_bench_result_t *r) { return r->times; }
uint64_t rk_bench_result_iterations(const rk_bench_result_t *r) { return r->iterations; }
int rk_bench_result_converged(const rk_bench_result_t *r) { return r->converged; }
size_t rk_bench_result_metric_count(const rk_bench_result_t *r) { return r->metric_count; }

rk_status_t rk_bench_result_metric_at(const rk_bench_result_t *r, size_t i, const char **key,
                                      double *value) {
  if (!r || !key || !value) return rki_fail(RK_EINVAL, "rk_bench_result_metric_at: NULL argument");
  if (i >= r->metric_count)
    return rki_fail(RK_ENOTFOUND, "metric index %zu: result has %zu metrics", i, r->metric_count);
  *key = r->metrics[i].key;
  *value = r->metrics[i].value;
  return RK_OK;
}
