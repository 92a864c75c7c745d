/* ringkernel/bench.h — benchmark statistics, results, suites, baselines, regression
 * reports and report writers (Markdown, JSON, LaTeX).
 *
 * Objects here are not internally locked: use each from one thread at a time. Strings
 * returned by the report writers are malloc'd and freed with rk_string_free; other
 * const char * results are borrowed from the object that returned them.
 */
#ifndef RINGKERNEL_BENCH_H
#define RINGKERNEL_BENCH_H

#include "ringkernel/api.h"
#include "ringkernel/status.h"

RK_EXTERN_C_BEGIN

/* Frees a string returned by a ringkernel report writer; NULL-tolerant. */
RK_API void rk_string_free(char *s);

/* ---- statistics --------------------------------------------------------------------- */

/* Percentiles use nearest rank: sorted[round(p / 100 * (n - 1))]. std_dev is the sample
 * standard deviation (n - 1), 0 when n < 2. */
typedef struct rk_bench_stats {
  uint64_t count;
  double mean, std_dev, min, max, median, p5, p25, p75, p95, p99;
} rk_bench_stats_t;

/* n == 0 gives all zeros. RK_EINVAL for NULL values with n > 0, or a NaN/inf value. */
RK_API rk_status_t rk_bench_stats_compute(const double *values, size_t n,
                                          rk_bench_stats_t *out);
RK_API double rk_bench_stats_iqr(const rk_bench_stats_t *s);  /* p75 - p25 */
RK_API double rk_bench_stats_cv(const rk_bench_stats_t *s);   /* std_dev / mean; 0 if mean 0 */

/* Quantile of Student's t distribution: P(T <= *out) = p with dof degrees of freedom.
 * RK_EINVAL unless 0 < p < 1 and dof > 0. */
RK_API rk_status_t rk_bench_t_quantile(double p, double dof, double *out);

/* mean ± t((1 + confidence) / 2, n - 1) · s / √n. */
typedef struct rk_bench_ci {
  double mean, lower, upper, margin, confidence;
  uint64_t count;
} rk_bench_ci_t;

/* n < 2 gives lower = upper = mean (n == 0: all zeros). RK_EINVAL unless
 * 0 < confidence < 1, or for a NaN/inf value. */
RK_API rk_status_t rk_bench_ci_compute(const double *values, size_t n, double confidence,
                                       rk_bench_ci_t *out);
RK_API double rk_bench_ci_width(const rk_bench_ci_t *ci); /* upper - lower */

/* Least squares of ln(throughput) on ln(size). */
typedef struct rk_bench_scaling {
  double exponent;  /* slope */
  double r_squared; /* 1 when every y is equal (a perfect horizontal fit) */
  uint64_t count;
} rk_bench_scaling_t;

/* RK_EINVAL for n < 2, a non-positive or non-finite value, or all sizes equal. */
RK_API rk_status_t rk_bench_scaling_fit(const double *sizes, const double *throughputs,
                                        size_t n, rk_bench_scaling_t *out);
/* r² < 0.5 "Poor", else exponent > 0.9 "Excellent", > 0.7 "Good", > 0.5 "Fair", else
 * "Sub-linear". Static string. */
RK_API const char *rk_bench_scaling_quality(const rk_bench_scaling_t *s);

/* ---- configuration ------------------------------------------------------------------ */

#define RK_BENCH_MAX_SIZES 64

typedef struct rk_bench_config {
  uint32_t warmup_iterations;
  uint32_t measurement_iterations;
  double regression_threshold; /* fraction: 0.10 = 10% */
  double timeout_secs;
  uint32_t size_count;
  uint64_t sizes[64]; /* RK_BENCH_MAX_SIZES; the first size_count are used */
} rk_bench_config_t;

/* Defaults: warmup 5, measurements 10, threshold 0.10, timeout 60 s,
 * sizes [1000, 10000, 100000]. */
RK_API void rk_bench_config_init(rk_bench_config_t *c);
/* quick 1/3/[10k,50k]/0.15/30 s; comprehensive 5/10/[10k,25k,50k,75k,100k,150k]/0.05/
 * 300 s; ci 2/5/[10k,50k]/0.10/120 s. */
RK_API void rk_bench_config_quick(rk_bench_config_t *c);
RK_API void rk_bench_config_comprehensive(rk_bench_config_t *c);
RK_API void rk_bench_config_ci(rk_bench_config_t *c);
/* RK_EINVAL above RK_BENCH_MAX_SIZES sizes (config unchanged). */
RK_API rk_status_t rk_bench_config_set_sizes(rk_bench_config_t *c, const uint64_t *sizes,
                                             size_t n);
/* RK_EINVAL with detail for measurement_iterations 0, a negative/NaN threshold, a
 * non-positive/NaN timeout or size_count > RK_BENCH_MAX_SIZES. */
RK_API rk_status_t rk_bench_config_validate(const rk_bench_config_t *c);

/* ---- results ------------------------------------------------------------------------ */

typedef struct rk_bench_result rk_bench_result_t;

/* One run: throughput = size / total_time_secs. RK_EINVAL for a NULL id or a time that
 * is not finite and > 0. The caller owns *out. */
RK_API rk_status_t rk_bench_result_create(const char *workload_id, uint64_t size,
                                          double total_time_secs, rk_bench_result_t **out);
/* Several runs: total time = mean of times, throughput = size * (iterations or 1) / mean.
 * iterations 0 = not given; converged -1 = not given, 0 = false, 1 = true.
 * RK_EINVAL for n == 0 or any time that is not finite and > 0. */
RK_API rk_status_t rk_bench_result_from_measurements(const char *workload_id, uint64_t size,
                                                     const double *times_secs, size_t n,
                                                     uint64_t iterations, int converged,
                                                     rk_bench_result_t **out);
RK_API rk_status_t rk_bench_result_clone(const rk_bench_result_t *r, rk_bench_result_t **out);
RK_API void rk_bench_result_destroy(rk_bench_result_t *r);
/* Sets (or replaces) a custom metric; keys keep insertion order. RK_EINVAL for NULL key. */
RK_API rk_status_t rk_bench_result_set_metric(rk_bench_result_t *r, const char *key,
                                              double value);

RK_API const char *rk_bench_result_workload_id(const rk_bench_result_t *r);
RK_API uint64_t rk_bench_result_size(const rk_bench_result_t *r);
RK_API double rk_bench_result_total_time_secs(const rk_bench_result_t *r);
RK_API double rk_bench_result_total_time_ms(const rk_bench_result_t *r);
RK_API double rk_bench_result_throughput_ops(const rk_bench_result_t *r);
RK_API double rk_bench_result_throughput_mops(const rk_bench_result_t *r);
/* Sample std dev of the per-measurement throughputs size * (iterations or 1) / t_i;
 * 0 with fewer than two measurements. */
RK_API double rk_bench_result_throughput_stddev(const rk_bench_result_t *r);
/* Measurement times in seconds (a single-run result has one: its total time). */
RK_API size_t rk_bench_result_measurement_count(const rk_bench_result_t *r);
RK_API const double *rk_bench_result_measurements(const rk_bench_result_t *r);
RK_API uint64_t rk_bench_result_iterations(const rk_bench_result_t *r); /* 0 = not given */
RK_API int rk_bench_result_converged(const rk_bench_result_t *r);       /* -1 = not given */
RK_API size_t rk_bench_result_metric_count(const rk_bench_result_t *r);
/* i-th metric in insertion order; RK_ENOTFOUND past the end. */
RK_API rk_status_t rk_bench_result_metric_at(const rk_bench_result_t *r, size_t i,
                                             const char **key, double *value);

/* ---- baselines and regression reports ---------------------------------------------- */

typedef enum rk_regression_status {
  RK_REGRESSION_IMPROVED = 0,
  RK_REGRESSION_UNCHANGED = 1,
  RK_REGRESSION_REGRESSED = 2,
} rk_regression_status_t;

RK_API const char *rk_regression_status_symbol(rk_regression_status_t s); /* "+", "=", "-" */
RK_API const char *rk_regression_status_text(rk_regression_status_t s);   /* "IMPROVED"... */

typedef struct rk_bench_baseline rk_bench_baseline_t;

RK_API void rk_bench_baseline_destroy(rk_bench_baseline_t *b);
RK_API const char *rk_bench_baseline_version(const rk_bench_baseline_t *b);
RK_API size_t rk_bench_baseline_count(const rk_bench_baseline_t *b);
RK_API const rk_bench_result_t *rk_bench_baseline_result_at(const rk_bench_baseline_t *b,
                                                            size_t i);
/* The baseline's result for (workload id, size), or NULL. Borrowed from b. */
RK_API const rk_bench_result_t *rk_bench_baseline_get(const rk_bench_baseline_t *b,
                                                      const char *workload_id, uint64_t size);

typedef struct rk_bench_report_entry {
  const char *workload_id; /* borrowed from the report */
  uint64_t size;
  double current_throughput;
  double baseline_throughput;
  double percent_change; /* fraction: -0.2 = -20%; 0 when the baseline throughput is 0 */
  rk_regression_status_t status;
} rk_bench_report_entry_t;

typedef struct rk_bench_report rk_bench_report_t;

RK_API void rk_bench_report_destroy(rk_bench_report_t *rep);
RK_API size_t rk_bench_report_entry_count(const rk_bench_report_t *rep);
RK_API rk_status_t rk_bench_report_entry_at(const rk_bench_report_t *rep, size_t i,
                                            rk_bench_report_entry_t *out);
RK_API size_t rk_bench_report_regression_count(const rk_bench_report_t *rep);
RK_API size_t rk_bench_report_improvement_count(const rk_bench_report_t *rep);
RK_API size_t rk_bench_report_unchanged_count(const rk_bench_report_t *rep);
RK_API bool rk_bench_report_has_regressions(const rk_bench_report_t *rep);
/* Most negative change among regressions / most positive among improvements;
 * RK_ENOTFOUND when there is none. */
RK_API rk_status_t rk_bench_report_worst_regression(const rk_bench_report_t *rep,
                                                    rk_bench_report_entry_t *out);
RK_API rk_status_t rk_bench_report_best_improvement(const rk_bench_report_t *rep,
                                                    rk_bench_report_entry_t *out);
/* One line: "Baseline v1.0.0: 1 regressed, 0 improved, 2 unchanged (threshold 10.0%)".
 * Borrowed from rep. */
RK_API const char *rk_bench_report_summary(const rk_bench_report_t *rep);
RK_API const char *rk_bench_report_baseline_version(const rk_bench_report_t *rep);
RK_API double rk_bench_report_threshold(const rk_bench_report_t *rep);

/* ---- suite -------------------------------------------------------------------------- */

typedef struct rk_bench_suite rk_bench_suite_t;

/* Copies *config (NULL = defaults); RK_EINVAL when rk_bench_config_validate fails. */
RK_API rk_status_t rk_bench_suite_create(const rk_bench_config_t *config,
                                         rk_bench_suite_t **out);
RK_API void rk_bench_suite_destroy(rk_bench_suite_t *s);
RK_API void rk_bench_suite_config(const rk_bench_suite_t *s, rk_bench_config_t *out);
/* Stores a copy of r. */
RK_API rk_status_t rk_bench_suite_add_result(rk_bench_suite_t *s, const rk_bench_result_t *r);
RK_API size_t rk_bench_suite_result_count(const rk_bench_suite_t *s);
/* Borrowed; valid until the suite is cleared or destroyed. NULL past the end. */
RK_API const rk_bench_result_t *rk_bench_suite_result_at(const rk_bench_suite_t *s, size_t i);
RK_API void rk_bench_suite_clear(rk_bench_suite_t *s);

/* A new baseline holding copies of the current results; the caller owns it. */
RK_API rk_status_t rk_bench_suite_create_baseline(const rk_bench_suite_t *s,
                                                  const char *version,
                                                  rk_bench_baseline_t **out);
/* Stores a copy of b (NULL clears the baseline). */
RK_API rk_status_t rk_bench_suite_set_baseline(rk_bench_suite_t *s, const rk_bench_baseline_t *b);
/* Borrowed; NULL when no baseline is set. */
RK_API const rk_bench_baseline_t *rk_bench_suite_baseline(const rk_bench_suite_t *s);
/* Compares each result that has a baseline entry with the same (id, size):
 * regressed when change < -threshold, improved when change > threshold.
 * RK_ENOTFOUND when no baseline is set. The caller owns *out. */
RK_API rk_status_t rk_bench_suite_compare(const rk_bench_suite_t *s, rk_bench_report_t **out);

/* Report writers: *out is a malloc'd NUL-terminated string, freed with rk_string_free. */
RK_API rk_status_t rk_bench_suite_report_markdown(const rk_bench_suite_t *s, char **out);
RK_API rk_status_t rk_bench_suite_report_json(const rk_bench_suite_t *s, char **out);
RK_API rk_status_t rk_bench_suite_report_latex(const rk_bench_suite_t *s, char **out);

RK_EXTERN_C_END

#endif /* RINGKERNEL_BENCH_H */
