/* bench_report.c — the suite's Markdown, JSON and LaTeX reports. */
#define _GNU_SOURCE /* gmtime_r under -std=c11 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_internal.h"
#include "rk_internal.h"

static void rki_utc_now(char *buf, size_t cap, const char *fmt) {
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(buf, cap, fmt, &tm);
}

static rk_status_t rki_report_args(const rk_bench_suite_t *s, char **out) {
  if (out) *out = NULL;
  if (!s || !out) return rki_fail(RK_EINVAL, "report writer: NULL argument");
  return RK_OK;
}

/* ---- Markdown ------------------------------------------------------------------------ */

/* Table cells: a '|' would end the cell and a newline the row. */
static void rki_md_text(rki_strbuf_t *sb, const char *s) {
  for (; *s; s++) {
    if (*s == '|')
      rki_sb_append(sb, "\\|");
    else if (*s == '\n' || *s == '\r')
      rki_sb_append(sb, " ");
    else
      rki_sb_appendn(sb, s, 1);
  }
}

static void rki_md_results(rki_strbuf_t *sb, const rk_bench_suite_t *s) {
  rki_sb_append(sb, "## Results\n\n");
  if (s->count == 0) {
    rki_sb_append(sb, "No results.\n\n");
    return;
  }
  rki_sb_append(sb, "| Workload | Size | Time (ms) | Throughput (ops/s) | Throughput (Mops/s) "
                    "| Std dev (ops/s) | Runs |\n"
                    "|---|---:|---:|---:|---:|---:|---:|\n");
  for (size_t i = 0; i < s->count; i++) {
    const rk_bench_result_t *r = s->results[i];
    rki_sb_append(sb, "| ");
    rki_md_text(sb, r->workload_id);
    rki_sb_append(sb, " | ");
    rki_sb_thousands(sb, (double)r->size, ",");
    rki_sb_printf(sb, " | %.3f | ", rk_bench_result_total_time_ms(r));
    rki_sb_thousands(sb, r->throughput_ops, ",");
    rki_sb_printf(sb, " | %.3f | ", rk_bench_result_throughput_mops(r));
    rki_sb_thousands(sb, rk_bench_result_throughput_stddev(r), ",");
    rki_sb_printf(sb, " | %zu |\n", r->time_count);
  }
  rki_sb_append(sb, "\n");
}

static void rki_md_metrics(rki_strbuf_t *sb, const rk_bench_suite_t *s) {
  bool any = false;
  for (size_t i = 0; i < s->count; i++) {
    const rk_bench_result_t *r = s->results[i];
    for (size_t k = 0; k < r->metric_count; k++) {
      if (!any) rki_sb_append(sb, "## Custom metrics\n\n| Workload | Size | Metric | Value |\n"
                                  "|---|---:|---|---:|\n");
      any = true;
      rki_sb_append(sb, "| ");
      rki_md_text(sb, r->workload_id);
      rki_sb_append(sb, " | ");
      rki_sb_thousands(sb, (double)r->size, ",");
      rki_sb_append(sb, " | ");
      rki_md_text(sb, r->metrics[k].key);
      rki_sb_printf(sb, " | %g |\n", r->metrics[k].value);
    }
  }
  if (any) rki_sb_append(sb, "\n");
}

static void rki_md_entry(rki_strbuf_t *sb, const rk_bench_report_entry_t *e) {
  rki_sb_append(sb, "| ");
  rki_md_text(sb, e->workload_id);
  rki_sb_append(sb, " | ");
  rki_sb_thousands(sb, (double)e->size, ",");
  rki_sb_append(sb, " | ");
  rki_sb_thousands(sb, e->baseline_throughput, ",");
  rki_sb_append(sb, " | ");
  rki_sb_thousands(sb, e->current_throughput, ",");
  rki_sb_printf(sb, " | %+.1f%% | %s %s |\n", e->percent_change * 100.0,
                rk_regression_status_symbol(e->status), rk_regression_status_text(e->status));
}

static rk_status_t rki_md_regressions(rki_strbuf_t *sb, const rk_bench_suite_t *s) {
  if (!s->baseline) return RK_OK;
  rk_bench_report_t *rep;
  rk_status_t st = rk_bench_suite_compare(s, &rep);
  if (st != RK_OK) return st;
  rki_sb_append(sb, "## Regression analysis\n\n");
  rki_md_text(sb, rk_bench_report_summary(rep));
  rki_sb_append(sb, "\n\n");
  if (rk_bench_report_entry_count(rep) > 0)
    rki_sb_append(sb, "| Workload | Size | Baseline (ops/s) | Current (ops/s) | Change | Status |\n"
                      "|---|---:|---:|---:|---:|---|\n");
  for (size_t i = 0; i < rk_bench_report_entry_count(rep); i++) {
    rk_bench_report_entry_t e;
    rk_bench_report_entry_at(rep, i, &e);
    rki_md_entry(sb, &e);
  }
  rki_sb_append(sb, "\n");
  rk_bench_report_destroy(rep);
  return RK_OK;
}

rk_status_t rk_bench_suite_report_markdown(const rk_bench_suite_t *s, char **out) {
  rk_status_t st = rki_report_args(s, out);
  if (st != RK_OK) return st;
  char when[64];
  rki_utc_now(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC");
  rki_strbuf_t sb = {0};
  rki_sb_printf(&sb, "# Benchmark Report\n\nGenerated: %s\n\n", when);
  rki_sb_printf(&sb, "Configuration: %u warmup, %u measurements, regression threshold %.1f%%\n\n",
                (unsigned)s->config.warmup_iterations, (unsigned)s->config.measurement_iterations,
                s->config.regression_threshold * 100.0);
  rki_md_results(&sb, s);
  rki_md_metrics(&sb, s);
  st = rki_md_regressions(&sb, s);
  if (st != RK_OK) {
    free(sb.data);
    return st;
  }
  return rki_sb_finish(&sb, out);
}

/* ---- JSON ----------------------------------------------------------------------------- */

static void rki_json_string(rki_strbuf_t *sb, const char *s) {
  rki_sb_append(sb, "\"");
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\')
      rki_sb_printf(sb, "\\%c", *p);
    else if (*p == '\n')
      rki_sb_append(sb, "\\n");
    else if (*p == '\t')
      rki_sb_append(sb, "\\t");
    else if (*p < 0x20 || *p == 0x7F)
      rki_sb_printf(sb, "\\u%04x", *p);
    else
      rki_sb_appendn(sb, (const char *)p, 1);
  }
  rki_sb_append(sb, "\"");
}

/* The shortest of %.15g..%.17g that reads back as the same double, so 0.1 prints as 0.1
 * and every value still round-trips. JSON has no NaN or infinity: they become null. */
static void rki_json_number(rki_strbuf_t *sb, double v) {
  if (!isfinite(v)) {
    rki_sb_append(sb, "null");
    return;
  }
  char buf[40];
  for (int digits = 15; digits <= 17; digits++) {
    snprintf(buf, sizeof buf, "%.*g", digits, v);
    if (strtod(buf, NULL) == v) break;
  }
  rki_sb_append(sb, buf);
}

static void rki_json_field(rki_strbuf_t *sb, const char *key, double v, bool last) {
  rki_json_string(sb, key);
  rki_sb_append(sb, ": ");
  rki_json_number(sb, v);
  rki_sb_append(sb, last ? "" : ", ");
}

static void rki_json_stats(rki_strbuf_t *sb, const rk_bench_result_t *r) {
  rk_bench_stats_t st;
  rk_bench_ci_t ci;
  rk_bench_stats_compute(r->times, r->time_count, &st);
  rk_bench_ci_compute(r->times, r->time_count, 0.95, &ci);
  rki_sb_printf(sb, "\"statistics\": {\"count\": %llu, ", (unsigned long long)st.count);
  rki_json_field(sb, "mean", st.mean, false);
  rki_json_field(sb, "std_dev", st.std_dev, false);
  rki_json_field(sb, "min", st.min, false);
  rki_json_field(sb, "max", st.max, false);
  rki_json_field(sb, "median", st.median, false);
  rki_json_field(sb, "p5", st.p5, false);
  rki_json_field(sb, "p25", st.p25, false);
  rki_json_field(sb, "p75", st.p75, false);
  rki_json_field(sb, "p95", st.p95, false);
  rki_json_field(sb, "p99", st.p99, true);
  rki_sb_append(sb, "},\n      \"confidence_interval\": {");
  rki_json_field(sb, "confidence", ci.confidence, false);
  rki_json_field(sb, "mean", ci.mean, false);
  rki_json_field(sb, "lower", ci.lower, false);
  rki_json_field(sb, "upper", ci.upper, false);
  rki_json_field(sb, "margin", ci.margin, true);
  rki_sb_append(sb, "}");
}

static void rki_json_result(rki_strbuf_t *sb, const rk_bench_result_t *r) {
  rki_sb_append(sb, "    {\n      \"workload_id\": ");
  rki_json_string(sb, r->workload_id);
  rki_sb_printf(sb, ",\n      \"size\": %llu,\n      ", (unsigned long long)r->size);
  rki_json_field(sb, "total_time_secs", r->total_time_secs, false);
  rki_json_field(sb, "throughput_ops", r->throughput_ops, false);
  rki_json_field(sb, "throughput_stddev", rk_bench_result_throughput_stddev(r), true);
  if (r->iterations)
    rki_sb_printf(sb, ",\n      \"iterations\": %llu", (unsigned long long)r->iterations);
  else
    rki_sb_append(sb, ",\n      \"iterations\": null");
  rki_sb_printf(sb, ",\n      \"converged\": %s,\n      \"measurements_secs\": [",
                r->converged < 0 ? "null" : r->converged ? "true" : "false");
  for (size_t i = 0; i < r->time_count; i++) {
    if (i) rki_sb_append(sb, ", ");
    rki_json_number(sb, r->times[i]);
  }
  rki_sb_append(sb, "],\n      ");
  rki_json_stats(sb, r);
  rki_sb_append(sb, ",\n      \"custom_metrics\": {");
  for (size_t k = 0; k < r->metric_count; k++)
    rki_json_field(sb, r->metrics[k].key, r->metrics[k].value, k + 1 == r->metric_count);
  rki_sb_append(sb, "}\n    }");
}

static void rki_json_config(rki_strbuf_t *sb, const rk_bench_config_t *c) {
  rki_sb_printf(sb, "  \"config\": {\"warmup_iterations\": %u, \"measurement_iterations\": %u, ",
                (unsigned)c->warmup_iterations, (unsigned)c->measurement_iterations);
  rki_json_field(sb, "regression_threshold", c->regression_threshold, false);
  rki_json_field(sb, "timeout_secs", c->timeout_secs, false);
  rki_sb_append(sb, "\"sizes\": [");
  for (uint32_t i = 0; i < c->size_count && i < RK_BENCH_MAX_SIZES; i++)
    rki_sb_printf(sb, "%s%llu", i ? ", " : "", (unsigned long long)c->sizes[i]);
  rki_sb_append(sb, "]},\n");
}

static void rki_json_entry(rki_strbuf_t *sb, const rk_bench_report_entry_t *e) {
  rki_sb_append(sb, "      {\"workload_id\": ");
  rki_json_string(sb, e->workload_id);
  rki_sb_printf(sb, ", \"size\": %llu, ", (unsigned long long)e->size);
  rki_json_field(sb, "baseline_throughput", e->baseline_throughput, false);
  rki_json_field(sb, "current_throughput", e->current_throughput, false);
  rki_json_field(sb, "percent_change", e->percent_change, false);
  rki_sb_printf(sb, "\"status\": \"%s\"}", rk_regression_status_text(e->status));
}

/* "regression": the comparison against the baseline, or null without one. */
static rk_status_t rki_json_regression(rki_strbuf_t *sb, const rk_bench_suite_t *s) {
  rki_sb_append(sb, ",\n  \"regression\": ");
  if (!s->baseline) {
    rki_sb_append(sb, "null");
    return RK_OK;
  }
  rk_bench_report_t *rep;
  rk_status_t st = rk_bench_suite_compare(s, &rep);
  if (st != RK_OK) return st;
  rki_sb_printf(sb, "{\n    \"regressed\": %zu, \"improved\": %zu, \"unchanged\": %zu, ",
                rk_bench_report_regression_count(rep), rk_bench_report_improvement_count(rep),
                rk_bench_report_unchanged_count(rep));
  rki_json_field(sb, "threshold", rk_bench_report_threshold(rep), false);
  rki_sb_append(sb, "\"summary\": ");
  rki_json_string(sb, rk_bench_report_summary(rep));
  rki_sb_append(sb, ",\n    \"entries\": [");
  for (size_t i = 0; i < rk_bench_report_entry_count(rep); i++) {
    rk_bench_report_entry_t e;
    rk_bench_report_entry_at(rep, i, &e);
    rki_sb_append(sb, i ? ",\n" : "\n");
    rki_json_entry(sb, &e);
  }
  rki_sb_append(sb, rk_bench_report_entry_count(rep) ? "\n    ]\n  }" : "]\n  }");
  rk_bench_report_destroy(rep);
  return RK_OK;
}

rk_status_t rk_bench_suite_report_json(const rk_bench_suite_t *s, char **out) {
  rk_status_t st = rki_report_args(s, out);
  if (st != RK_OK) return st;
  char when[64];
  rki_utc_now(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ");
  rki_strbuf_t sb = {0};
  rki_sb_printf(&sb, "{\n  \"generated_at\": \"%s\",\n", when);
  rki_json_config(&sb, &s->config);
  rki_sb_append(&sb, "  \"baseline_version\": ");
  if (s->baseline)
    rki_json_string(&sb, s->baseline->version);
  else
    rki_sb_append(&sb, "null");
  rki_sb_append(&sb, ",\n  \"results\": [");
  for (size_t i = 0; i < s->count; i++) {
    rki_sb_append(&sb, i ? ",\n" : "\n");
    rki_json_result(&sb, s->results[i]);
  }
  rki_sb_append(&sb, s->count ? "\n  ]" : "]");
  st = rki_json_regression(&sb, s);
  if (st != RK_OK) {
    free(sb.data);
    return st;
  }
  rki_sb_append(&sb, "\n}\n");
  return rki_sb_finish(&sb, out);
}

/* ---- LaTeX ---------------------------------------------------------------------------- */

static void rki_tex_text(rki_strbuf_t *sb, const char *s) {
  for (; *s; s++) {
    switch (*s) {
    case '\\': rki_sb_append(sb, "\\textbackslash{}"); break;
    case '~': rki_sb_append(sb, "\\textasciitilde{}"); break;
    case '^': rki_sb_append(sb, "\\textasciicircum{}"); break;
    case '&': case '%': case '$': case '#': case '_': case '{': case '}':
      rki_sb_printf(sb, "\\%c", *s);
      break;
    case '\n': case '\r': rki_sb_append(sb, " "); break;
    default: rki_sb_appendn(sb, s, 1);
    }
  }
}

rk_status_t rk_bench_suite_report_latex(const rk_bench_suite_t *s, char **out) {
  rk_status_t st = rki_report_args(s, out);
  if (st != RK_OK) return st;
  rki_strbuf_t sb = {0};
  rki_sb_append(&sb, "% Requires \\usepackage{booktabs}\n"
                     "\\begin{table}[htbp]\n\\centering\n\\caption{Benchmark results}\n"
                     "\\label{tab:benchmark-results}\n\\begin{tabular}{lrrrr}\n\\toprule\n"
                     "Workload & Size & Time (ms) & Throughput (Mops/s) & "
                     "Std.\\ dev.\\ (Mops/s) \\\\\n\\midrule\n");
  for (size_t i = 0; i < s->count; i++) {
    const rk_bench_result_t *r = s->results[i];
    rki_tex_text(&sb, r->workload_id);
    rki_sb_append(&sb, " & ");
    rki_sb_thousands(&sb, (double)r->size, "{,}");
    rki_sb_printf(&sb, " & %.3f & %.3f & %.3f \\\\\n", rk_bench_result_total_time_ms(r),
                  rk_bench_result_throughput_mops(r),
                  rk_bench_result_throughput_stddev(r) / 1e6);
  }
  rki_sb_append(&sb, "\\bottomrule\n\\end{tabular}\n\\end{table}\n");
  return rki_sb_finish(&sb, out);
}
