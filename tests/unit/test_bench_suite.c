/* test_bench_suite.c — suite storage, baselines, regression classification and the
 * three report writers (the JSON is checked by a strict recursive-descent parser). */
#include <ctype.h>
#include <stdlib.h>

#include "tests_common/rk_test.h"
#include "ringkernel/bench.h"

/* ---- a strict JSON checker ------------------------------------------------------------ */

static const char *json_value(const char *p);

static const char *json_ws(const char *p) {
  while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r') p++;
  return p;
}

static const char *json_string(const char *p) {
  if (*p++ != '"') return NULL;
  for (; *p != '"'; p++) {
    if ((unsigned char)*p < 0x20) return NULL;
    if (*p == '\\') {
      p++;
      if (*p == 'u') {
        for (int i = 1; i <= 4; i++)
          if (!isxdigit((unsigned char)p[i])) return NULL;
        p += 4;
      } else if (!strchr("\"\\/bfnrt", *p) || !*p) {
        return NULL;
      }
    }
  }
  return p + 1;
}

static const char *json_number(const char *p) {
  const char *start = p;
  if (*p == '-') p++;
  if (!isdigit((unsigned char)*p)) return NULL;
  while (isdigit((unsigned char)*p) || strchr(".eE+-", *p)) p++;
  return p > start ? p : NULL;
}

static const char *json_container(const char *p, char close, int keyed) {
  p = json_ws(p + 1);
  if (*p == close) return p + 1;
  for (;;) {
    if (keyed) {
      p = json_string(json_ws(p));
      if (!p || *(p = json_ws(p)) != ':') return NULL;
      p++;
    }
    p = json_value(p);
    if (!p) return NULL;
    p = json_ws(p);
    if (*p == close) return p + 1;
    if (*p++ != ',') return NULL;
  }
}

static const char *json_value(const char *p) {
  p = json_ws(p);
  if (*p == '{') return json_container(p, '}', 1);
  if (*p == '[') return json_container(p, ']', 0);
  if (*p == '"') return json_string(p);
  if (!strncmp(p, "true", 4)) return p + 4;
  if (!strncmp(p, "false", 5)) return p + 5;
  if (!strncmp(p, "null", 4)) return p + 4;
  return json_number(p);
}

static int json_valid(const char *s) {
  const char *end = json_value(s);
  return end && *json_ws(end) == '\0';
}

/* ---- fixtures --------------------------------------------------------------------------- */

static rk_bench_suite_t *suite_with(const double *throughputs, int n) {
  rk_bench_config_t c;
  rk_bench_config_init(&c);
  rk_bench_suite_t *s = NULL;
  if (rk_bench_suite_create(&c, &s) != RK_OK) return NULL;
  const char *ids[] = {"alpha", "beta", "gamma", "delta"};
  for (int i = 0; i < n; i++) {
    rk_bench_result_t *r = NULL;
    rk_bench_result_create(ids[i], 1000, 1000.0 / throughputs[i], &r);
    rk_bench_suite_add_result(s, r);
    rk_bench_result_destroy(r);
  }
  return s;
}

RK_TEST(suite_stores_copies) {
  rk_bench_suite_t *s = NULL;
  CHECK_OK(rk_bench_suite_create(NULL, &s));
  rk_bench_result_t *r = NULL;
  CHECK_OK(rk_bench_result_create("a", 10, 1.0, &r));
  CHECK_OK(rk_bench_suite_add_result(s, r));
  rk_bench_result_destroy(r); /* the suite kept its own copy */
  CHECK_EQ_U64(rk_bench_suite_result_count(s), 1);
  CHECK_STR(rk_bench_result_workload_id(rk_bench_suite_result_at(s, 0)), "a");
  CHECK(rk_bench_suite_result_at(s, 1) == NULL);
  rk_bench_suite_clear(s);
  CHECK_EQ_U64(rk_bench_suite_result_count(s), 0);
  rk_bench_report_t *rep = (rk_bench_report_t *)&rep;
  CHECK_STATUS(rk_bench_suite_compare(s, &rep), RK_ENOTFOUND);
  CHECK(rep == NULL);
  rk_bench_suite_destroy(s);
  rk_bench_config_t bad;
  rk_bench_config_init(&bad);
  bad.regression_threshold = -0.1;
  CHECK_STATUS(rk_bench_suite_create(&bad, &s), RK_EINVAL);
  CHECK(s == NULL);
}

RK_TEST(baseline_and_regression_classification) {
  double base_tp[] = {1000, 1000, 1000, 1000};
  rk_bench_suite_t *s = suite_with(base_tp, 4);
  rk_bench_baseline_t *b = NULL;
  CHECK_OK(rk_bench_suite_create_baseline(s, "v1.0.0", &b));
  CHECK_STR(rk_bench_baseline_version(b), "v1.0.0");
  CHECK_EQ_U64(rk_bench_baseline_count(b), 4);
  const rk_bench_result_t *got = rk_bench_baseline_get(b, "beta", 1000);
  CHECK(got != NULL);
  CHECK_NEAR(rk_bench_result_throughput_ops(got), 1000, 1e-9);
  CHECK(rk_bench_baseline_get(b, "beta", 999) == NULL);
  CHECK(rk_bench_baseline_get(b, "nope", 1000) == NULL);
  rk_bench_suite_destroy(s);

  /* -20% regressed, +5% unchanged, +30% improved, -10% exactly: unchanged (not < -0.1) */
  double cur_tp[] = {800, 1050, 1300, 900};
  s = suite_with(cur_tp, 4);
  CHECK_OK(rk_bench_suite_set_baseline(s, b));
  rk_bench_baseline_destroy(b); /* the suite holds a copy */
  CHECK_STR(rk_bench_baseline_version(rk_bench_suite_baseline(s)), "v1.0.0");
  rk_bench_report_t *rep = NULL;
  CHECK_OK(rk_bench_suite_compare(s, &rep));
  CHECK_EQ_U64(rk_bench_report_entry_count(rep), 4);
  CHECK_EQ_U64(rk_bench_report_regression_count(rep), 1);
  CHECK_EQ_U64(rk_bench_report_improvement_count(rep), 1);
  CHECK_EQ_U64(rk_bench_report_unchanged_count(rep), 2);
  CHECK(rk_bench_report_has_regressions(rep));
  rk_bench_report_entry_t e;
  CHECK_OK(rk_bench_report_entry_at(rep, 0, &e));
  CHECK_STR(e.workload_id, "alpha");
  CHECK_NEAR(e.percent_change, -0.2, 1e-12);
  CHECK_NEAR(e.baseline_throughput, 1000, 1e-9);
  CHECK_NEAR(e.current_throughput, 800, 1e-9);
  CHECK_EQ_INT(e.status, RK_REGRESSION_REGRESSED);
  CHECK_OK(rk_bench_report_entry_at(rep, 3, &e));
  CHECK_EQ_INT(e.status, RK_REGRESSION_UNCHANGED);
  CHECK_OK(rk_bench_report_worst_regression(rep, &e));
  CHECK_STR(e.workload_id, "alpha");
  CHECK_OK(rk_bench_report_best_improvement(rep, &e));
  CHECK_STR(e.workload_id, "gamma");
  CHECK_NEAR(e.percent_change, 0.3, 1e-12);
  CHECK_STR(rk_bench_report_summary(rep),
            "Baseline v1.0.0: 1 regressed, 1 improved, 2 unchanged (threshold 10.0%)");
  CHECK_STATUS(rk_bench_report_entry_at(rep, 4, &e), RK_ENOTFOUND);
  rk_bench_report_destroy(rep);

  /* entries only for matching (id, size); no regressions → worst is ENOTFOUND */
  rk_bench_suite_clear(s);
  rk_bench_result_t *r = NULL;
  rk_bench_result_create("alpha", 1000, 0.5, &r);
  rk_bench_suite_add_result(s, r);
  rk_bench_result_destroy(r);
  rk_bench_result_create("alpha", 2000, 0.5, &r);
  rk_bench_suite_add_result(s, r);
  rk_bench_result_destroy(r);
  CHECK_OK(rk_bench_suite_compare(s, &rep));
  CHECK_EQ_U64(rk_bench_report_entry_count(rep), 1);
  CHECK(!rk_bench_report_has_regressions(rep));
  CHECK_STATUS(rk_bench_report_worst_regression(rep, &e), RK_ENOTFOUND);
  rk_bench_report_destroy(rep);
  CHECK_OK(rk_bench_suite_set_baseline(s, NULL));
  CHECK(rk_bench_suite_baseline(s) == NULL);
  rk_bench_suite_destroy(s);
  CHECK_STR(rk_regression_status_symbol(RK_REGRESSION_REGRESSED), "-");
  CHECK_STR(rk_regression_status_text(RK_REGRESSION_IMPROVED), "IMPROVED");
  CHECK_STR(rk_regression_status_symbol(RK_REGRESSION_UNCHANGED), "=");
}

static rk_bench_suite_t *report_suite(void) {
  rk_bench_suite_t *s = NULL;
  rk_bench_suite_create(NULL, &s);
  double t[] = {0.48, 0.52, 0.49, 0.51, 0.50};
  rk_bench_result_t *r = NULL;
  rk_bench_result_from_measurements("matrix_multiply", 1000, t, 5, 100, 1, &r);
  rk_bench_result_set_metric(r, "memory_mb", 256.5);
  rk_bench_suite_add_result(s, r);
  rk_bench_result_destroy(r);
  rk_bench_result_create("odd \"id\" \\ 50% & a_b\n|x", 1234567, 2.0, &r);
  rk_bench_suite_add_result(s, r);
  rk_bench_result_destroy(r);
  return s;
}

RK_TEST(markdown_report) {
  rk_bench_suite_t *s = report_suite();
  char *md = NULL;
  CHECK_OK(rk_bench_suite_report_markdown(s, &md));
  CHECK_CONTAINS(md, "# Benchmark Report");
  CHECK_CONTAINS(md, " UTC");
  CHECK_CONTAINS(md, "| matrix_multiply | 1,000 | 500.000 | 200,000 | 0.200 |");
  CHECK_CONTAINS(md, "| 1,234,567 |");
  CHECK_CONTAINS(md, "odd \"id\" \\ 50% & a_b \\|x"); /* pipe escaped, newline folded */
  CHECK_CONTAINS(md, "| matrix_multiply | 1,000 | memory_mb | 256.5 |");
  CHECK(strstr(md, "Regression") == NULL);
  rk_string_free(md);
  rk_bench_baseline_t *b = NULL;
  rk_bench_suite_create_baseline(s, "v0.9", &b);
  rk_bench_suite_set_baseline(s, b);
  rk_bench_baseline_destroy(b);
  CHECK_OK(rk_bench_suite_report_markdown(s, &md));
  CHECK_CONTAINS(md, "## Regression analysis");
  CHECK_CONTAINS(md, "Baseline v0.9: 0 regressed, 0 improved, 2 unchanged (threshold 10.0%)");
  CHECK_CONTAINS(md, "| +0.0% | = UNCHANGED |");
  rk_string_free(md);
  rk_string_free(NULL);
  rk_bench_suite_destroy(s);
}

RK_TEST(json_export) {
  rk_bench_suite_t *s = report_suite();
  char *js = NULL;
  CHECK_OK(rk_bench_suite_report_json(s, &js));
  CHECK(json_valid(js));
  CHECK_CONTAINS(js, "\"workload_id\": \"matrix_multiply\"");
  CHECK_CONTAINS(js, "\"workload_id\": \"odd \\\"id\\\" \\\\ 50% & a_b\\n|x\"");
  CHECK_CONTAINS(js, "\"size\": 1000,");
  CHECK_CONTAINS(js, "\"iterations\": 100");
  CHECK_CONTAINS(js, "\"converged\": true");
  CHECK_CONTAINS(js, "\"converged\": null");
  CHECK_CONTAINS(js, "\"statistics\": {\"count\": 5, \"mean\": 0.5");
  CHECK_CONTAINS(js, "\"p99\": 0.52");
  CHECK_CONTAINS(js, "\"confidence_interval\": {\"confidence\": 0.95, \"mean\": 0.5");
  CHECK_CONTAINS(js, "\"custom_metrics\": {\"memory_mb\": 256.5}");
  CHECK_CONTAINS(js, "\"baseline_version\": null");
  CHECK_CONTAINS(js, "\"sizes\": [1000, 10000, 100000]");
  CHECK_CONTAINS(js, "\"regression\": null");
  CHECK_CONTAINS(js, "\"measurements_secs\": [0.48, 0.52, 0.49, 0.51, 0.5]");
  rk_string_free(js);
  rk_bench_baseline_t *b = NULL;
  rk_bench_suite_create_baseline(s, "v\"2\"", &b);
  rk_bench_suite_set_baseline(s, b);
  rk_bench_baseline_destroy(b);
  CHECK_OK(rk_bench_suite_report_json(s, &js));
  CHECK(json_valid(js));
  CHECK_CONTAINS(js, "\"baseline_version\": \"v\\\"2\\\"\"");
  CHECK_CONTAINS(js, "\"regressed\": 0, \"improved\": 0, \"unchanged\": 2, \"threshold\": 0.1");
  CHECK_CONTAINS(js, "\"percent_change\": 0, \"status\": \"UNCHANGED\"}");
  rk_string_free(js);
  rk_bench_suite_clear(s);
  CHECK_OK(rk_bench_suite_report_json(s, &js));
  CHECK(json_valid(js));
  CHECK_CONTAINS(js, "\"results\": []");
  rk_string_free(js);
  CHECK(!json_valid("{\"a\": 1,}")); /* the checker itself rejects bad JSON */
  CHECK(!json_valid("{\"a\": [1, 2}"));
  rk_bench_suite_destroy(s);
}

RK_TEST(latex_table) {
  rk_bench_suite_t *s = report_suite();
  char *tex = NULL;
  CHECK_OK(rk_bench_suite_report_latex(s, &tex));
  CHECK_CONTAINS(tex, "\\begin{tabular}{lrrrr}");
  CHECK_CONTAINS(tex, "\\toprule");
  CHECK_CONTAINS(tex, "\\midrule");
  CHECK_CONTAINS(tex, "\\bottomrule");
  CHECK_CONTAINS(tex, "Time (ms) & Throughput (Mops/s)");
  CHECK_CONTAINS(tex, "matrix\\_multiply & 1{,}000 & 500.000 & 0.200 &");
  CHECK_CONTAINS(tex, "odd \"id\" \\textbackslash{} 50\\% \\& a\\_b |x & "
                      "1{,}234{,}567 & 2000.000 & 0.617 &");
  rk_string_free(tex);
  rk_bench_suite_destroy(s);
}

int main(void) {
  RK_RUN(suite_stores_copies);
  RK_RUN(baseline_and_regression_classification);
  RK_RUN(markdown_report);
  RK_RUN(json_export);
  RK_RUN(latex_table);
  return rk_test_summary();
}
