/* bench_suite.c — the benchmark suite, baselines and regression reports. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_internal.h"
#include "rk_internal.h"

struct rk_bench_report {
  rk_bench_report_entry_t *entries; /* workload_id strings owned here */
  size_t count;
  size_t regressed, improved, unchanged;
  char *version;
  char *summary;
  double threshold;
};

/* ---- regression status -------------------------------------------------------------- */

const char *rk_regression_status_symbol(rk_regression_status_t s) {
  switch (s) {
  case RK_REGRESSION_IMPROVED: return "+";
  case RK_REGRESSION_UNCHANGED: return "=";
  case RK_REGRESSION_REGRESSED: return "-";
  }
  return "?";
}

const char *rk_regression_status_text(rk_regression_status_t s) {
  switch (s) {
  case RK_REGRESSION_IMPROVED: return "IMPROVED";
  case RK_REGRESSION_UNCHANGED: return "UNCHANGED";
  case RK_REGRESSION_REGRESSED: return "REGRESSED";
  }
  return "UNKNOWN";
}

/* ---- baselines ---------------------------------------------------------------------- */

static rk_bench_baseline_t *rki_baseline_new(const char *version,
                                             rk_bench_result_t *const *results, size_t n) {
  rk_bench_baseline_t *b = calloc(1, sizeof *b);
  if (!b) return NULL;
  b->version = rki_strdup(version);
  b->results = calloc(n ? n : 1, sizeof *b->results);
  if (!b->version || !b->results) {
    rk_bench_baseline_destroy(b);
    return NULL;
  }
  for (size_t i = 0; i < n; i++, b->count++) {
    if (rk_bench_result_clone(results[i], &b->results[i]) != RK_OK) {
      rk_bench_baseline_destroy(b);
      return NULL;
    }
  }
  return b;
}

rk_bench_baseline_t *rki_bench_baseline_clone(const rk_bench_baseline_t *b) {
  return rki_baseline_new(b->version, b->results, b->count);
}

void rk_bench_baseline_destroy(rk_bench_baseline_t *b) {
  if (!b) return;
  for (size_t i = 0; i < b->count; i++) rk_bench_result_destroy(b->results[i]);
  free(b->results);
  free(b->version);
  free(b);
}

const char *rk_bench_baseline_version(const rk_bench_baseline_t *b) { return b->version; }
size_t rk_bench_baseline_count(const rk_bench_baseline_t *b) { return b->count; }

const rk_bench_result_t *rk_bench_baseline_result_at(const rk_bench_baseline_t *b, size_t i) {
  return i < b->count ? b->results[i] : NULL;
}

const rk_bench_result_t *rk_bench_baseline_get(const rk_bench_baseline_t *b,
                                               const char *workload_id, uint64_t size) {
  if (!b || !workload_id) return NULL;
  for (size_t i = 0; i < b->count; i++)
    if (b->results[i]->size == size && strcmp(b->results[i]->workload_id, workload_id) == 0)
      return b->results[i];
  return NULL;
}

/* ---- suite ------------------------------------------------------------------------- */

rk_status_t rk_bench_suite_create(const rk_bench_config_t *config, rk_bench_suite_t **out) {
  if (!out) return rki_fail(RK_EINVAL, "rk_bench_suite_create: out is NULL");
  *out = NULL;
  rk_bench_config_t c;
  if (config)
    c = *config;
  else
    rk_bench_config_init(&c);
  rk_status_t st = rk_bench_config_validate(&c);
  if (st != RK_OK) return st;
  rk_bench_suite_t *s = calloc(1, sizeof *s);
  if (!s) return rki_fail(RK_ENOMEM, "benchmark suite: out of memory");
  s->config = c;
  *out = s;
  return RK_OK;
}

void rk_bench_suite_destroy(rk_bench_suite_t *s) {
  if (!s) return;
  rk_bench_suite_clear(s);
  free(s->results);
  rk_bench_baseline_destroy(s->baseline);
  free(s);
}

void rk_bench_suite_config(const rk_bench_suite_t *s, rk_bench_config_t *out) {
  *out = s->config;
}

rk_status_t rk_bench_suite_add_result(rk_bench_suite_t *s, const rk_bench_result_t *r) {
  if (!s || !r) return rki_fail(RK_EINVAL, "rk_bench_suite_add_result: NULL argument");
  if (s->count == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 8;
    rk_bench_result_t **v = realloc(s->results, cap * sizeof *v);
    if (!v) return rki_fail(RK_ENOMEM, "benchmark suite: out of memory");
    s->results = v;
    s->cap = cap;
  }
  rk_status_t st = rk_bench_result_clone(r, &s->results[s->count]);
  if (st == RK_OK) s->count++;
  return st;
}

size_t rk_bench_suite_result_count(const rk_bench_suite_t *s) { return s->count; }

const rk_bench_result_t *rk_bench_suite_result_at(const rk_bench_suite_t *s, size_t i) {
  return i < s->count ? s->results[i] : NULL;
}

void rk_bench_suite_clear(rk_bench_suite_t *s) {
  for (size_t i = 0; i < s->count; i++) rk_bench_result_destroy(s->results[i]);
  s->count = 0;
}

rk_status_t rk_bench_suite_create_baseline(const rk_bench_suite_t *s, const char *version,
                                           rk_bench_baseline_t **out) {
  if (!s || !version || !out)
    return rki_fail(RK_EINVAL, "rk_bench_suite_create_baseline: NULL argument");
  *out = rki_baseline_new(version, s->results, s->count);
  return *out ? RK_OK : rki_fail(RK_ENOMEM, "benchmark baseline: out of memory");
}

rk_status_t rk_bench_suite_set_baseline(rk_bench_suite_t *s, const rk_bench_baseline_t *b) {
  if (!s) return rki_fail(RK_EINVAL, "rk_bench_suite_set_baseline: suite is NULL");
  rk_bench_baseline_t *copy = NULL;
  if (b && !(copy = rki_bench_baseline_clone(b)))
    return rki_fail(RK_ENOMEM, "benchmark baseline: out of memory");
  rk_bench_baseline_destroy(s->baseline);
  s->baseline = copy;
  return RK_OK;
}

const rk_bench_baseline_t *rk_bench_suite_baseline(const rk_bench_suite_t *s) {
  return s->baseline;
}

/* ---- comparison --------------------------------------------------------------------- */

static rk_regression_status_t rki_classify(double change, double threshold) {
  if (change < -threshold) return RK_REGRESSION_REGRESSED;
  if (change > threshold) return RK_REGRESSION_IMPROVED;
  return RK_REGRESSION_UNCHANGED;
}

static rk_status_t rki_report_add(rk_bench_report_t *rep, const rk_bench_result_t *cur,
                                  const rk_bench_result_t *base) {
  rk_bench_report_entry_t *e = &rep->entries[rep->count];
  char *id = rki_strdup(cur->workload_id);
  if (!id) return rki_fail(RK_ENOMEM, "regression report: out of memory");
  e->workload_id = id;
  e->size = cur->size;
  e->current_throughput = cur->throughput_ops;
  e->baseline_throughput = base->throughput_ops;
  e->percent_change = base->throughput_ops == 0.0
                          ? 0.0
                          : (cur->throughput_ops - base->throughput_ops) / base->throughput_ops;
  e->status = rki_classify(e->percent_change, rep->threshold);
  rep->regressed += e->status == RK_REGRESSION_REGRESSED;
  rep->improved += e->status == RK_REGRESSION_IMPROVED;
  rep->unchanged += e->status == RK_REGRESSION_UNCHANGED;
  rep->count++;
  return RK_OK;
}

static rk_status_t rki_report_summarize(rk_bench_report_t *rep) {
  const char *fmt = "Baseline %s: %zu regressed, %zu improved, %zu unchanged (threshold %.1f%%)";
  int n = snprintf(NULL, 0, fmt, rep->version, rep->regressed, rep->improved, rep->unchanged,
                   rep->threshold * 100.0);
  rep->summary = n < 0 ? NULL : malloc((size_t)n + 1);
  if (!rep->summary) return rki_fail(RK_ENOMEM, "regression report: out of memory");
  snprintf(rep->summary, (size_t)n + 1, fmt, rep->version, rep->regressed, rep->improved,
           rep->unchanged, rep->threshold * 100.0);
  return RK_OK;
}

static rk_status_t rki_report_fill(const rk_bench_suite_t *s, rk_bench_report_t *rep) {
  rep->threshold = s->config.regression_threshold;
  rep->version = rki_strdup(s->baseline->version);
  rep->entries = calloc(s->count ? s->count : 1, sizeof *rep->entries);
  if (!rep->version || !rep->entries)
    return rki_fail(RK_ENOMEM, "regression report: out of memory");
  for (size_t i = 0; i < s->count; i++) {
    const rk_bench_result_t *base =
        rk_bench_baseline_get(s->baseline, s->results[i]->workload_id, s->results[i]->size);
    rk_status_t st = base ? rki_report_add(rep, s->results[i], base) : RK_OK;
    if (st != RK_OK) return st;
  }
  return rki_report_summarize(rep);
}

rk_status_t rk_bench_suite_compare(const rk_bench_suite_t *s, rk_bench_report_t **out) {
  if (!s || !out) return rki_fail(RK_EINVAL, "rk_bench_suite_compare: NULL argument");
  *out = NULL;
  if (!s->baseline) return rki_fail(RK_ENOTFOUND, "no baseline set: call set_baseline first");
  rk_bench_report_t *rep = calloc(1, sizeof *rep);
  if (!rep) return rki_fail(RK_ENOMEM, "regression report: out of memory");
  rk_status_t st = rki_report_fill(s, rep);
  if (st != RK_OK) {
    rk_bench_report_destroy(rep);
    return st;
  }
  *out = rep;
  return RK_OK;
}

void rk_bench_report_destroy(rk_bench_report_t *rep) {
  if (!rep) return;
  for (size_t i = 0; i < rep->count; i++) free((char *)rep->entries[i].workload_id);
  free(rep->entries);
  free(rep->version);
  free(rep->summary);
  free(rep);
}

size_t rk_bench_report_entry_count(const rk_bench_report_t *rep) { return rep->count; }

rk_status_t rk_bench_report_entry_at(const rk_bench_report_t *rep, size_t i,
                                     rk_bench_report_entry_t *out) {
  if (!rep || !out) return rki_fail(RK_EINVAL, "rk_bench_report_entry_at: NULL argument");
  if (i >= rep->count)
    return rki_fail(RK_ENOTFOUND, "entry index %zu: report has %zu entries", i, rep->count);
  *out = rep->entries[i];
  return RK_OK;
}

size_t rk_bench_report_regression_count(const rk_bench_report_t *rep) { return rep->regressed; }
size_t rk_bench_report_improvement_count(const rk_bench_report_t *rep) { return rep->improved; }
size_t rk_bench_report_unchanged_count(const rk_bench_report_t *rep) { return rep->unchanged; }
bool rk_bench_report_has_regressions(const rk_bench_report_t *rep) { return rep->regressed > 0; }

/* The entry with status `want` whose change is most extreme in direction `sign`. */
static rk_status_t rki_report_extreme(const rk_bench_report_t *rep, rk_regression_status_t want,
                                      double sign, rk_bench_report_entry_t *out) {
  const rk_bench_report_entry_t *best = NULL;
  for (size_t i = 0; i < rep->count; i++) {
    const rk_bench_report_entry_t *e = &rep->entries[i];
    if (e->status == want && (!best || sign * e->percent_change > sign * best->percent_change))
      best = e;
  }
  if (!best)
    return rki_fail(RK_ENOTFOUND, "no %s entry in the report", rk_regression_status_text(want));
  *out = *best;
  return RK_OK;
}

rk_status_t rk_bench_report_worst_regression(const rk_bench_report_t *rep,
                                             rk_bench_report_entry_t *out) {
  if (!rep || !out) return rki_fail(RK_EINVAL, "rk_bench_report_worst_regression: NULL argument");
  return rki_report_extreme(rep, RK_REGRESSION_REGRESSED, -1.0, out);
}

rk_status_t rk_bench_report_best_improvement(const rk_bench_report_t *rep,
                                             rk_bench_report_entry_t *out) {
  if (!rep || !out) return rki_fail(RK_EINVAL, "rk_bench_report_best_improvement: NULL argument");
  return rki_report_extreme(rep, RK_REGRESSION_IMPROVED, 1.0, out);
}

const char *rk_bench_report_summary(const rk_bench_report_t *rep) { return rep->summary; }
const char *rk_bench_report_baseline_version(const rk_bench_report_t *rep) { return rep->version; }
double rk_bench_report_threshold(const rk_bench_report_t *rep) { return rep->threshold; }
