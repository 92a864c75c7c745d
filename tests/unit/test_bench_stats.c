/* test_bench_stats.c — descriptive statistics, t quantiles, confidence intervals,
 * scaling fits and result arithmetic against hand-computed values. */
#include <math.h>
#include <stdlib.h>

#include "tests_common/rk_test.h"
#include "ringkernel/bench.h"

static const double five[] = {0.48, 0.52, 0.49, 0.51, 0.50};

RK_TEST(stats_of_five_values) {
  rk_bench_stats_t s;
  CHECK_OK(rk_bench_stats_compute(five, 5, &s));
  CHECK_EQ_U64(s.count, 5);
  CHECK_NEAR(s.mean, 0.50, 1e-15);
  CHECK_NEAR(s.std_dev, sqrt(0.001 / 4), 1e-15);
  CHECK_NEAR(s.min, 0.48, 0);
  CHECK_NEAR(s.max, 0.52, 0);
  CHECK_NEAR(s.median, 0.50, 0);
  CHECK_NEAR(s.p5, 0.48, 0);  /* round(0.2) = 0 */
  CHECK_NEAR(s.p25, 0.49, 0); /* round(1.0) = 1 */
  CHECK_NEAR(s.p75, 0.51, 0);
  CHECK_NEAR(s.p95, 0.52, 0); /* round(3.8) = 4 */
  CHECK_NEAR(s.p99, 0.52, 0);
  CHECK_NEAR(rk_bench_stats_iqr(&s), 0.02, 1e-15);
  CHECK_NEAR(rk_bench_stats_cv(&s), sqrt(0.001 / 4) / 0.5, 1e-14);
}

RK_TEST(percentiles_use_nearest_rank) {
  double v[100];
  for (int i = 0; i < 100; i++) v[i] = 100 - i; /* unsorted: 100..1 */
  rk_bench_stats_t s;
  CHECK_OK(rk_bench_stats_compute(v, 100, &s));
  CHECK_NEAR(s.p99, 99, 0);    /* round(98.01) = 98 → 99 */
  CHECK_NEAR(s.p95, 95, 0);    /* round(94.05) = 94 → 95 */
  CHECK_NEAR(s.p5, 6, 0);      /* round(4.95) = 5 → 6 */
  CHECK_NEAR(s.median, 51, 0); /* round(49.5) = 50 → 51 */
  CHECK_NEAR(s.mean, 50.5, 1e-12);
  double eleven[11];
  for (int i = 0; i < 11; i++) eleven[i] = i;
  CHECK_OK(rk_bench_stats_compute(eleven, 11, &s));
  CHECK_NEAR(s.p25, 3, 0); /* round(2.5) = 3: halves round away from zero */
  CHECK_NEAR(s.p75, 8, 0); /* round(7.5) = 8 */
}

RK_TEST(stats_edges) {
  rk_bench_stats_t s;
  CHECK_OK(rk_bench_stats_compute(NULL, 0, &s));
  CHECK_EQ_U64(s.count, 0);
  CHECK_NEAR(s.mean, 0, 0);
  CHECK_NEAR(rk_bench_stats_cv(&s), 0, 0);
  double one = 3.0;
  CHECK_OK(rk_bench_stats_compute(&one, 1, &s));
  CHECK_NEAR(s.std_dev, 0, 0);
  CHECK_NEAR(s.p99, 3.0, 0);
  double bad[] = {1.0, NAN};
  CHECK_STATUS(rk_bench_stats_compute(bad, 2, &s), RK_EINVAL);
  CHECK_STR(rk_last_error(), "value 1 is nan: values must be finite");
  CHECK_STATUS(rk_bench_stats_compute(NULL, 2, &s), RK_EINVAL);
}

RK_TEST(t_quantiles_match_tables) {
  double t;
  CHECK_OK(rk_bench_t_quantile(0.975, 4, &t));
  CHECK_NEAR(t, 2.776445105197793, 1e-9);
  CHECK_OK(rk_bench_t_quantile(0.975, 1, &t));
  CHECK_NEAR(t, 12.706204736174698, 1e-8);
  CHECK_OK(rk_bench_t_quantile(0.95, 10, &t));
  CHECK_NEAR(t, 1.812461122811676, 1e-9);
  CHECK_OK(rk_bench_t_quantile(0.995, 30, &t));
  CHECK_NEAR(t, 2.749995653567, 1e-8);
  CHECK_OK(rk_bench_t_quantile(0.9, 2, &t));
  CHECK_NEAR(t, 1.885618083164127, 1e-9);
  CHECK_OK(rk_bench_t_quantile(0.975, 1e6, &t));
  CHECK_NEAR(t, 1.959966, 1e-5); /* approaches the normal quantile */
  CHECK_OK(rk_bench_t_quantile(0.5, 7, &t));
  CHECK_NEAR(t, 0.0, 1e-12);
  CHECK_OK(rk_bench_t_quantile(0.025, 4, &t));
  CHECK_NEAR(t, -2.776445105197793, 1e-9);
  CHECK_OK(rk_bench_t_quantile(0.9995, 1, &t));
  CHECK_NEAR(t, 636.6192487, 1e-4);
  CHECK_STATUS(rk_bench_t_quantile(1.0, 4, &t), RK_EINVAL);
  CHECK_STR(rk_last_error(), "probability 1: must be in (0, 1)");
  CHECK_STATUS(rk_bench_t_quantile(0.5, 0, &t), RK_EINVAL);
  CHECK_STATUS(rk_bench_t_quantile(NAN, 3, &t), RK_EINVAL);
}

RK_TEST(confidence_interval) {
  rk_bench_ci_t ci;
  CHECK_OK(rk_bench_ci_compute(five, 5, 0.95, &ci));
  double margin = 2.776445105197793 * sqrt(0.001 / 4) / sqrt(5.0);
  CHECK_NEAR(ci.mean, 0.5, 1e-15);
  CHECK_NEAR(ci.margin, margin, 1e-12);
  CHECK_NEAR(ci.lower, 0.5 - margin, 1e-12);
  CHECK_NEAR(ci.upper, 0.5 + margin, 1e-12);
  CHECK_NEAR(rk_bench_ci_width(&ci), 2 * margin, 1e-12);
  CHECK_NEAR(ci.confidence, 0.95, 0);
  CHECK_OK(rk_bench_ci_compute(five, 5, 0.99, &ci));
  CHECK_NEAR(ci.margin, 4.604094871415897 * sqrt(0.001 / 4) / sqrt(5.0), 1e-11);
  CHECK_OK(rk_bench_ci_compute(five, 1, 0.95, &ci));
  CHECK_NEAR(ci.lower, 0.48, 0);
  CHECK_NEAR(ci.upper, 0.48, 0);
  CHECK_STATUS(rk_bench_ci_compute(five, 5, 1.0, &ci), RK_EINVAL);
  CHECK_STR(rk_last_error(), "confidence 1: must be in (0, 1)");
}

RK_TEST(scaling_fit_example) {
  double sizes[] = {1e3, 1e4, 1e5}, tp[] = {1e6, 8e6, 5e7};
  rk_bench_scaling_t s;
  CHECK_OK(rk_bench_scaling_fit(sizes, tp, 3, &s));
  CHECK_NEAR(s.exponent, 0.8494850021680094, 1e-12);
  CHECK_NEAR(s.r_squared, 0.9986744332544194, 1e-12);
  CHECK_STR(rk_bench_scaling_quality(&s), "Good");
  double lin[] = {1e6, 1e7, 1e8};
  CHECK_OK(rk_bench_scaling_fit(sizes, lin, 3, &s));
  CHECK_NEAR(s.exponent, 1.0, 1e-12);
  CHECK_NEAR(s.r_squared, 1.0, 1e-12);
  CHECK_STR(rk_bench_scaling_quality(&s), "Excellent");
  double flat[] = {5, 5, 5};
  CHECK_OK(rk_bench_scaling_fit(sizes, flat, 3, &s));
  CHECK_NEAR(s.exponent, 0.0, 0);
  CHECK_STR(rk_bench_scaling_quality(&s), "Sub-linear");
  rk_bench_scaling_t q = {0.6, 0.9, 3};
  CHECK_STR(rk_bench_scaling_quality(&q), "Fair");
  q.r_squared = 0.49;
  CHECK_STR(rk_bench_scaling_quality(&q), "Poor");
  double zero[] = {1, 0, 3};
  CHECK_STATUS(rk_bench_scaling_fit(sizes, zero, 3, &s), RK_EINVAL);
  CHECK_STR(rk_last_error(), "throughputs[1] = 0: must be finite and > 0");
  CHECK_STATUS(rk_bench_scaling_fit(sizes, tp, 1, &s), RK_EINVAL);
  double same[] = {10, 10, 10};
  CHECK_STATUS(rk_bench_scaling_fit(same, tp, 3, &s), RK_EINVAL);
}

RK_TEST(config_presets) {
  rk_bench_config_t c;
  rk_bench_config_init(&c);
  CHECK(c.warmup_iterations == 5 && c.measurement_iterations == 10);
  CHECK_NEAR(c.regression_threshold, 0.10, 0);
  rk_bench_config_quick(&c);
  CHECK(c.warmup_iterations == 1 && c.measurement_iterations == 3 && c.size_count == 2);
  CHECK(c.sizes[0] == 10000 && c.sizes[1] == 50000);
  CHECK_NEAR(c.regression_threshold, 0.15, 0);
  CHECK_NEAR(c.timeout_secs, 30, 0);
  rk_bench_config_comprehensive(&c);
  CHECK(c.warmup_iterations == 5 && c.measurement_iterations == 10 && c.size_count == 6);
  CHECK(c.sizes[5] == 150000 && c.sizes[3] == 75000);
  CHECK_NEAR(c.regression_threshold, 0.05, 0);
  CHECK_NEAR(c.timeout_secs, 300, 0);
  rk_bench_config_ci(&c);
  CHECK(c.warmup_iterations == 2 && c.measurement_iterations == 5 && c.size_count == 2);
  CHECK_NEAR(c.timeout_secs, 120, 0);
  CHECK_OK(rk_bench_config_validate(&c));
  uint64_t sizes[65] = {1, 2, 3};
  CHECK_OK(rk_bench_config_set_sizes(&c, sizes, 3));
  CHECK_EQ_U64(c.size_count, 3);
  CHECK_STATUS(rk_bench_config_set_sizes(&c, sizes, 65), RK_EINVAL);
  CHECK_EQ_U64(c.size_count, 3);
  c.measurement_iterations = 0;
  CHECK_STATUS(rk_bench_config_validate(&c), RK_EINVAL);
  CHECK_STR(rk_last_error(), "measurement_iterations 0: must be at least 1");
  c.measurement_iterations = 1;
  c.timeout_secs = -1;
  CHECK_STATUS(rk_bench_config_validate(&c), RK_EINVAL);
}

RK_TEST(result_arithmetic) {
  rk_bench_result_t *r = NULL;
  CHECK_OK(rk_bench_result_create("matrix_multiply", 1000, 0.5, &r));
  CHECK_NEAR(rk_bench_result_throughput_ops(r), 2000, 0);
  CHECK_NEAR(rk_bench_result_throughput_mops(r), 0.002, 1e-18);
  CHECK_NEAR(rk_bench_result_total_time_ms(r), 500, 0);
  CHECK_NEAR(rk_bench_result_throughput_stddev(r), 0, 0);
  CHECK_EQ_U64(rk_bench_result_iterations(r), 0);
  CHECK_EQ_INT(rk_bench_result_converged(r), -1);
  CHECK_STR(rk_bench_result_workload_id(r), "matrix_multiply");
  rk_bench_result_destroy(r);

  CHECK_OK(rk_bench_result_from_measurements("mm", 1000, five, 5, 100, 1, &r));
  CHECK_NEAR(rk_bench_result_total_time_secs(r), 0.5, 1e-15);
  CHECK_NEAR(rk_bench_result_throughput_ops(r), 1000.0 * 100 / 0.5, 1e-6);
  CHECK_EQ_U64(rk_bench_result_measurement_count(r), 5);
  CHECK_NEAR(rk_bench_result_measurements(r)[1], 0.52, 0);
  CHECK_EQ_INT(rk_bench_result_converged(r), 1);
  double tp[5], mean = 0, ss = 0;
  for (int i = 0; i < 5; i++) mean += (tp[i] = 1e5 / five[i]) / 5;
  for (int i = 0; i < 5; i++) ss += (tp[i] - mean) * (tp[i] - mean);
  CHECK_NEAR(rk_bench_result_throughput_stddev(r), sqrt(ss / 4), 1e-6);
  CHECK_OK(rk_bench_result_set_metric(r, "memory_mb", 256.5));
  CHECK_OK(rk_bench_result_set_metric(r, "gflops", 1.5));
  CHECK_OK(rk_bench_result_set_metric(r, "memory_mb", 300));
  CHECK_EQ_U64(rk_bench_result_metric_count(r), 2);
  const char *k;
  double v;
  CHECK_OK(rk_bench_result_metric_at(r, 0, &k, &v));
  CHECK_STR(k, "memory_mb");
  CHECK_NEAR(v, 300, 0);
  CHECK_STATUS(rk_bench_result_metric_at(r, 2, &k, &v), RK_ENOTFOUND);
  rk_bench_result_t *c = NULL;
  CHECK_OK(rk_bench_result_clone(r, &c));
  rk_bench_result_destroy(r);
  CHECK_OK(rk_bench_result_metric_at(c, 1, &k, &v));
  CHECK_STR(k, "gflops");
  CHECK_EQ_U64(rk_bench_result_iterations(c), 100);
  rk_bench_result_destroy(c);

  r = (rk_bench_result_t *)&r;
  CHECK_STATUS(rk_bench_result_create("x", 1, 0.0, &r), RK_EINVAL);
  CHECK_STR(rk_last_error(), "total_time_secs 0: must be finite and > 0");
  CHECK(r == NULL);
  CHECK_STATUS(rk_bench_result_create("x", 1, NAN, &r), RK_EINVAL);
  CHECK_STATUS(rk_bench_result_from_measurements("x", 1, five, 0, 0, -1, &r), RK_EINVAL);
  double neg[] = {0.1, -0.1};
  CHECK_STATUS(rk_bench_result_from_measurements("x", 1, neg, 2, 0, -1, &r), RK_EINVAL);
  CHECK_STATUS(rk_bench_result_create(NULL, 1, 1.0, &r), RK_EINVAL);
}

int main(void) {
  RK_RUN(stats_of_five_values);
  RK_RUN(percentiles_use_nearest_rank);
  RK_RUN(stats_edges);
  RK_RUN(t_quantiles_match_tables);
  RK_RUN(confidence_interval);
  RK_RUN(scaling_fit_example);
  RK_RUN(config_presets);
  RK_RUN(result_arithmetic);
  return rk_test_summary();
}
