/* lua_bench.c — the rk.benchmark submodule: configs, results, statistics, suites,
 * baselines and regression reports, thin over ringkernel/bench.h.
 *
 * Classes carry the Py prefix of the user's document (rk.benchmark.PyBenchmarkSuite) and
 * a short alias without it. Python lists are Lua arrays, dicts are Lua tables, None is
 * nil; `len(x)` is `#x`.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lua_util.h"
#include "ringkernel/bench.h"

typedef struct rkl_bresult {
  rk_bench_result_t *r;
} rkl_bresult_t;

typedef struct rkl_bsuite {
  rk_bench_suite_t *s;
} rkl_bsuite_t;

typedef struct rkl_bbaseline {
  rk_bench_baseline_t *b;
} rkl_bbaseline_t;

typedef struct rkl_breport {
  rk_bench_report_t *r;
} rkl_breport_t;

typedef struct rkl_bentry {
  rk_bench_report_entry_t e; /* e.workload_id is unused: the id lives in `id` */
  char id[];
} rkl_bentry_t;

static const rkl_class_t rkl_bconfig_class;
static const rkl_class_t rkl_bresult_class;
static const rkl_class_t rkl_bstats_class;
static const rkl_class_t rkl_bci_class;
static const rkl_class_t rkl_bscaling_class;
static const rkl_class_t rkl_bsuite_class;
static const rkl_class_t rkl_bbaseline_class;
static const rkl_class_t rkl_breport_class;
static const rkl_class_t rkl_bentry_class;

/* ---- PyRegressionStatus ----------------------------------------------------------------- */

static const rkl_enum_member_t rkl_rs_members[] = {
    {"Improved", RK_REGRESSION_IMPROVED},
    {"Unchanged", RK_REGRESSION_UNCHANGED},
    {"Regressed", RK_REGRESSION_REGRESSED},
    {NULL, 0},
};
extern const rkl_enum_t rkl_regression_status_enum;

static int rkl_rs_symbol(lua_State *L) {
  int64_t v = rkl_enum_self(L, &rkl_regression_status_enum);
  lua_pushstring(L, rk_regression_status_symbol((rk_regression_status_t)v));
  return 1;
}

static int rkl_rs_text(lua_State *L) {
  int64_t v = rkl_enum_self(L, &rkl_regression_status_enum);
  lua_pushstring(L, rk_regression_status_text((rk_regression_status_t)v));
  return 1;
}

static const luaL_Reg rkl_rs_methods[] = {
    {"symbol", rkl_rs_symbol}, {"text", rkl_rs_text}, {NULL, NULL}};
const rkl_enum_t rkl_regression_status_enum = {"PyRegressionStatus", rkl_rs_members, rkl_rs_methods,
                                               NULL, NULL};

/* ---- PyBenchmarkConfig ------------------------------------------------------------------ */

static rk_bench_config_t *rkl_bc_self(lua_State *L) {
  return rkl_self(L, &rkl_bconfig_class);
}

static int rkl_bc_push(lua_State *L, const rk_bench_config_t *c) {
  rk_status_t st = rk_bench_config_validate(c);
  if (st != RK_OK) return rkl_error_status(L, st);
  *(rk_bench_config_t *)rkl_new(L, &rkl_bconfig_class) = *c;
  return 1;
}

static void rkl_bc_sizes_arg(lua_State *L, int idx, rk_bench_config_t *c) {
  if (lua_type(L, idx) != LUA_TTABLE)
    rkl_error(L, "TypeError", "sizes must be a list of integers, got %s", luaL_typename(L, idx));
  size_t n = lua_objlen(L, idx);
  if (n > RK_BENCH_MAX_SIZES)
    rkl_error(L, "ValueError", "sizes has %zu entries: at most %d", n, RK_BENCH_MAX_SIZES);
  uint64_t sizes[RK_BENCH_MAX_SIZES];
  for (size_t i = 0; i < n; i++) {
    lua_rawgeti(L, idx, (int)i + 1);
    sizes[i] = rkl_check_u64(L, -1, "sizes[i]", UINT64_MAX);
    lua_pop(L, 1);
  }
  rk_status_t st = rk_bench_config_set_sizes(c, sizes, n);
  if (st != RK_OK) rkl_error_status(L, st);
}

static int rkl_bc_new(lua_State *L) {
  static const char *const names[] = {"warmup_iterations",    "measurement_iterations",
                                      "regression_threshold", "sizes",
                                      "timeout_secs",         NULL};
  rkl_args(L, "PyBenchmarkConfig", 1, names, false);
  rk_bench_config_t c;
  rk_bench_config_init(&c);
  c.warmup_iterations =
      (uint32_t)rkl_opt_u64(L, 1, "warmup_iterations", UINT32_MAX, c.warmup_iterations);
  c.measurement_iterations =
      (uint32_t)rkl_opt_u64(L, 2, "measurement_iterations", UINT32_MAX, c.measurement_iterations);
  c.regression_threshold =
      rkl_opt_double(L, 3, "regression_threshold", -HUGE_VAL, HUGE_VAL, c.regression_threshold);
  if (!lua_isnil(L, 4)) rkl_bc_sizes_arg(L, 4, &c);
  c.timeout_secs = rkl_opt_double(L, 5, "timeout_secs", -HUGE_VAL, HUGE_VAL, c.timeout_secs);
  return rkl_bc_push(L, &c);
}

static int rkl_bc_preset(lua_State *L, void (*preset)(rk_bench_config_t *)) {
  rk_bench_config_t c;
  preset(&c);
  return rkl_bc_push(L, &c);
}

static int rkl_bc_default(lua_State *L) {
  return rkl_bc_preset(L, rk_bench_config_init);
}
static int rkl_bc_quick(lua_State *L) {
  return rkl_bc_preset(L, rk_bench_config_quick);
}
static int rkl_bc_comprehensive(lua_State *L) {
  return rkl_bc_preset(L, rk_bench_config_comprehensive);
}
static int rkl_bc_ci(lua_State *L) {
  return rkl_bc_preset(L, rk_bench_config_ci);
}

/* A builder: a copy of self with one field set from the argument named `what`. */
static int rkl_bc_with(lua_State *L, const char *fn, const char *what) {
  const char *names[] = {what, NULL};
  rk_bench_config_t c = *rkl_bc_self(L);
  rkl_args(L, fn, 2, names, strcmp(what, "sizes") == 0);
  if (strcmp(what, "sizes") == 0)
    rkl_bc_sizes_arg(L, 2, &c);
  else if (strcmp(what, "warmup_iterations") == 0)
    c.warmup_iterations = (uint32_t)rkl_check_u64(L, 2, what, UINT32_MAX);
  else if (strcmp(what, "measurement_iterations") == 0)
    c.measurement_iterations = (uint32_t)rkl_check_u64(L, 2, what, UINT32_MAX);
  else if (strcmp(what, "regression_threshold") == 0)
    c.regression_threshold = rkl_check_double(L, 2, what, -HUGE_VAL, HUGE_VAL);
  else
    c.timeout_secs = rkl_check_double(L, 2, what, -HUGE_VAL, HUGE_VAL);
  return rkl_bc_push(L, &c);
}

static int rkl_bc_with_warmup(lua_State *L) {
  return rkl_bc_with(L, "PyBenchmarkConfig.with_warmup", "warmup_iterations");
}
static int rkl_bc_with_measurements(lua_State *L) {
  return rkl_bc_with(L, "PyBenchmarkConfig.with_measurements", "measurement_iterations");
}
static int rkl_bc_with_sizes(lua_State *L) {
  return rkl_bc_with(L, "PyBenchmarkConfig.with_sizes", "sizes");
}
static int rkl_bc_with_threshold(lua_State *L) {
  return rkl_bc_with(L, "PyBenchmarkConfig.with_regression_threshold", "regression_threshold");
}
static int rkl_bc_with_timeout(lua_State *L) {
  return rkl_bc_with(L, "PyBenchmarkConfig.with_timeout_secs", "timeout_secs");
}

static int rkl_bc_warmup(lua_State *L) {
  lua_pushnumber(L, rkl_bc_self(L)->warmup_iterations);
  return 1;
}
static int rkl_bc_measurements(lua_State *L) {
  lua_pushnumber(L, rkl_bc_self(L)->measurement_iterations);
  return 1;
}
static int rkl_bc_threshold(lua_State *L) {
  lua_pushnumber(L, rkl_bc_self(L)->regression_threshold);
  return 1;
}
static int rkl_bc_timeout(lua_State *L) {
  lua_pushnumber(L, rkl_bc_self(L)->timeout_secs);
  return 1;
}

static void rkl_push_sizes_list(lua_State *L, const rk_bench_config_t *c) {
  lua_createtable(L, (int)c->size_count, 0);
  for (uint32_t i = 0; i < c->size_count; i++) {
    rkl_push_u64(L, c->sizes[i]);
    lua_rawseti(L, -2, (int)i + 1);
  }
}

static int rkl_bc_sizes(lua_State *L) {
  rkl_push_sizes_list(L, rkl_bc_self(L));
  return 1;
}

static int rkl_bc_tostring(lua_State *L) {
  const rk_bench_config_t *c = lua_touserdata(L, 1);
  luaL_Buffer b;
  char buf[64];
  int top = lua_gettop(L);
  snprintf(buf, sizeof buf, "PyBenchmarkConfig(warmup=%u, measurements=%u, threshold=",
           (unsigned)c->warmup_iterations, (unsigned)c->measurement_iterations);
  lua_pushstring(L, buf);
  rkl_push_pyfloat(L, c->regression_threshold);
  lua_pushliteral(L, ", sizes=[");
  luaL_buffinit(L, &b);
  for (uint32_t i = 0; i < c->size_count; i++) {
    snprintf(buf, sizeof buf, "%s%llu", i ? ", " : "", (unsigned long long)c->sizes[i]);
    luaL_addstring(&b, buf);
  }
  luaL_pushresult(&b);
  lua_pushliteral(L, "], timeout_secs=");
  rkl_push_pyfloat(L, c->timeout_secs);
  lua_pushliteral(L, ")");
  lua_concat(L, lua_gettop(L) - top);
  return 1;
}

static const luaL_Reg rkl_bc_methods[] = {
    {"with_warmup", rkl_bc_with_warmup},
    {"with_measurements", rkl_bc_with_measurements},
    {"with_sizes", rkl_bc_with_sizes},
    {"with_regression_threshold", rkl_bc_with_threshold},
    {"with_timeout_secs", rkl_bc_with_timeout},
    {NULL, NULL},
};
static const luaL_Reg rkl_bc_getters[] = {
    {"warmup_iterations", rkl_bc_warmup},
    {"measurement_iterations", rkl_bc_measurements},
    {"regression_threshold", rkl_bc_threshold},
    {"timeout_secs", rkl_bc_timeout},
    {"sizes", rkl_bc_sizes},
    {NULL, NULL},
};
static const luaL_Reg rkl_bc_statics[] = {
    {"default", rkl_bc_default},
    {"quick", rkl_bc_quick},
    {"comprehensive", rkl_bc_comprehensive},
    {"ci", rkl_bc_ci},
    {NULL, NULL},
};
static const rkl_class_t rkl_bconfig_class = {
    "PyBenchmarkConfig",
    sizeof(rk_bench_config_t),
    rkl_bc_new,
    rkl_bc_methods,
    rkl_bc_getters,
    rkl_bc_statics,
    NULL,
    rkl_bc_tostring,
};

/* ---- PyBenchmarkResult ------------------------------------------------------------------ */

static const rk_bench_result_t *rkl_res_self(lua_State *L) {
  return ((rkl_bresult_t *)rkl_self(L, &rkl_bresult_class))->r;
}

/* Pushes a result userdata that will own what create() stores in *slot. */
static rk_bench_result_t **rkl_res_slot(lua_State *L) {
  return &((rkl_bresult_t *)rkl_new(L, &rkl_bresult_class))->r;
}

static void rkl_res_push_copy(lua_State *L, const rk_bench_result_t *r) {
  rk_status_t st = rk_bench_result_clone(r, rkl_res_slot(L));
  if (st != RK_OK) rkl_error_status(L, st);
}

static const char *rkl_workload_id_arg(lua_State *L, int idx) {
  size_t len;
  const char *id = rkl_check_string(L, idx, "workload_id", &len);
  if (strlen(id) != len) rkl_error(L, "ValueError", "workload_id must not contain NUL characters");
  return id;
}

static int rkl_res_new(lua_State *L) {
  static const char *const names[] = {"workload_id", "size", "total_time_secs", NULL};
  rkl_args(L, "PyBenchmarkResult", 1, names, false);
  const char *id = rkl_workload_id_arg(L, 1);
  uint64_t size = rkl_check_u64(L, 2, "size", UINT64_MAX);
  double secs = rkl_check_double(L, 3, "total_time_secs", -HUGE_VAL, HUGE_VAL);
  rk_status_t st = rk_bench_result_create(id, size, secs, rkl_res_slot(L));
  if (st != RK_OK) return rkl_error_status(L, st);
  return 1;
}

static int rkl_res_from_measurements(lua_State *L) {
  static const char *const names[] = {"workload_id", "size",      "measurement_times_secs",
                                      "iterations",  "converged", NULL};
  rkl_args(L, "PyBenchmarkResult.from_measurements", 1, names, false);
  const char *id = rkl_workload_id_arg(L, 1);
  uint64_t size = rkl_check_u64(L, 2, "size", UINT64_MAX);
  size_t n;
  const double *times = rkl_check_number_list(L, 3, "measurement_times_secs", &n);
  uint64_t iterations = rkl_opt_u64(L, 4, "iterations", UINT64_MAX, 0);
  if (!lua_isnil(L, 4) && iterations == 0)
    return rkl_error(L, "ValueError", "iterations must be >= 1 (or nil), got 0");
  int converged = lua_isnil(L, 5) ? -1 : rkl_check_bool(L, 5, "converged");
  rk_status_t st =
      rk_bench_result_from_measurements(id, size, times, n, iterations, converged, rkl_res_slot(L));
  if (st != RK_OK) return rkl_error_status(L, st);
  return 1;
}

static int rkl_res_gc(lua_State *L) {
  rkl_bresult_t *r = lua_touserdata(L, 1);
  rk_bench_result_destroy(r->r);
  r->r = NULL;
  return 0;
}

static int rkl_res_with_metric(lua_State *L) {
  static const char *const names[] = {"key", "value", NULL};
  const rk_bench_result_t *r = rkl_res_self(L);
  rkl_args(L, "PyBenchmarkResult.with_metric", 2, names, false);
  size_t len;
  const char *key = rkl_check_string(L, 2, "key", &len);
  if (strlen(key) != len)
    return rkl_error(L, "ValueError", "metric key must not contain NUL characters");
  double value = rkl_check_double(L, 3, "value", -HUGE_VAL, HUGE_VAL);
  rkl_res_push_copy(L, r);
  rk_status_t st =
      rk_bench_result_set_metric(((rkl_bresult_t *)lua_touserdata(L, -1))->r, key, value);
  if (st != RK_OK) return rkl_error_status(L, st);
  return 1;
}

static int rkl_res_custom_metrics(lua_State *L) {
  const rk_bench_result_t *r = rkl_res_self(L);
  size_t n = rk_bench_result_metric_count(r);
  lua_createtable(L, 0, (int)n);
  for (size_t i = 0; i < n; i++) {
    const char *key = NULL;
    double value = 0;
    if (rk_bench_result_metric_at(r, i, &key, &value) != RK_OK) break;
    lua_pushnumber(L, value);
    lua_setfield(L, -2, key);
  }
  return 1;
}

#define RKL_RES_NUM(fname, cfn)                                                                    \
  static int fname(lua_State *L) {                                                                 \
    lua_pushnumber(L, cfn(rkl_res_self(L)));                                                       \
    return 1;                                                                                      \
  }
RKL_RES_NUM(rkl_res_total_time_secs, rk_bench_result_total_time_secs)
RKL_RES_NUM(rkl_res_throughput_ops, rk_bench_result_throughput_ops)
RKL_RES_NUM(rkl_res_mops, rk_bench_result_throughput_mops)
RKL_RES_NUM(rkl_res_ms, rk_bench_result_total_time_ms)
RKL_RES_NUM(rkl_res_stddev, rk_bench_result_throughput_stddev)
#undef RKL_RES_NUM

static int rkl_res_workload_id(lua_State *L) {
  lua_pushstring(L, rk_bench_result_workload_id(rkl_res_self(L)));
  return 1;
}

static int rkl_res_size(lua_State *L) {
  rkl_push_u64(L, rk_bench_result_size(rkl_res_self(L)));
  return 1;
}

static int rkl_res_iterations(lua_State *L) {
  uint64_t it = rk_bench_result_iterations(rkl_res_self(L));
  if (it == 0)
    lua_pushnil(L);
  else
    rkl_push_u64(L, it);
  return 1;
}

static int rkl_res_converged(lua_State *L) {
  int c = rk_bench_result_converged(rkl_res_self(L));
  if (c < 0)
    lua_pushnil(L);
  else
    lua_pushboolean(L, c);
  return 1;
}

static int rkl_res_times(lua_State *L) {
  const rk_bench_result_t *r = rkl_res_self(L);
  size_t n = rk_bench_result_measurement_count(r);
  const double *t = rk_bench_result_measurements(r);
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    lua_pushnumber(L, t[i]);
    lua_rawseti(L, -2, (int)i + 1);
  }
  return 1;
}

static int rkl_res_tostring(lua_State *L) {
  const rk_bench_result_t *r = ((rkl_bresult_t *)lua_touserdata(L, 1))->r;
  const char *id = rk_bench_result_workload_id(r);
  char buf[64];
  int top = lua_gettop(L);
  lua_pushliteral(L, "PyBenchmarkResult(workload_id=");
  rkl_push_pyrepr_str(L, id, strlen(id));
  snprintf(buf, sizeof buf,
           ", size=%llu, total_time_secs=", (unsigned long long)rk_bench_result_size(r));
  lua_pushstring(L, buf);
  rkl_push_pyfloat(L, rk_bench_result_total_time_secs(r));
  lua_pushliteral(L, ", throughput_ops=");
  rkl_push_pyfloat(L, rk_bench_result_throughput_ops(r));
  lua_pushliteral(L, ")");
  lua_concat(L, lua_gettop(L) - top);
  return 1;
}

static const luaL_Reg rkl_res_methods[] = {
    {"with_metric", rkl_res_with_metric},
    {"throughput_mops", rkl_res_mops},
    {"total_time_ms", rkl_res_ms},
    {"throughput_stddev", rkl_res_stddev},
    {"custom_metrics", rkl_res_custom_metrics},
    {NULL, NULL},
};
static const luaL_Reg rkl_res_getters[] = {
    {"workload_id", rkl_res_workload_id},         {"size", rkl_res_size},
    {"total_time_secs", rkl_res_total_time_secs}, {"throughput_ops", rkl_res_throughput_ops},
    {"iterations", rkl_res_iterations},           {"converged", rkl_res_converged},
    {"measurement_times_secs", rkl_res_times},    {NULL, NULL},
};
static const luaL_Reg rkl_res_statics[] = {{"from_measurements", rkl_res_from_measurements},
                                           {NULL, NULL}};
static const luaL_Reg rkl_res_meta[] = {{"__gc", rkl_res_gc}, {NULL, NULL}};
static const rkl_class_t rkl_bresult_class = {
    "PyBenchmarkResult", sizeof(rkl_bresult_t), rkl_res_new,  rkl_res_methods,
    rkl_res_getters,     rkl_res_statics,       rkl_res_meta, rkl_res_tostring,
};

/* ---- PyDetailedStatistics / PyConfidenceInterval / PyScalingMetrics --------------------- */

static rk_bench_stats_t *rkl_bs_self(lua_State *L) {
  return rkl_self(L, &rkl_bstats_class);
}

static int rkl_bs_from_values(lua_State *L) {
  static const char *const names[] = {"values", NULL};
  rkl_args(L, "PyDetailedStatistics.from_values", 1, names, true);
  size_t n;
  const double *v = rkl_check_number_list(L, 1, "values", &n);
  rk_bench_stats_t *s = rkl_new(L, &rkl_bstats_class);
  rk_status_t st = rk_bench_stats_compute(v, n, s);
  if (st != RK_OK) return rkl_error_status(L, st);
  return 1;
}

#define RKL_BS_NUM(field)                                                                          \
  static int rkl_bs_##field(lua_State *L) {                                                        \
    lua_pushnumber(L, rkl_bs_self(L)->field);                                                      \
    return 1;                                                                                      \
  }
RKL_BS_NUM(mean)
RKL_BS_NUM(std_dev)
RKL_BS_NUM(min)
RKL_BS_NUM(max)
RKL_BS_NUM(median)
RKL_BS_NUM(p5)
RKL_BS_NUM(p25)
RKL_BS_NUM(p75)
RKL_BS_NUM(p95)
RKL_BS_NUM(p99)
#undef RKL_BS_NUM

static int rkl_bs_count(lua_State *L) {
  rkl_push_u64(L, rkl_bs_self(L)->count);
  return 1;
}

static int rkl_bs_iqr(lua_State *L) {
  lua_pushnumber(L, rk_bench_stats_iqr(rkl_bs_self(L)));
  return 1;
}

static int rkl_bs_cv(lua_State *L) {
  lua_pushnumber(L, rk_bench_stats_cv(rkl_bs_self(L)));
  return 1;
}

static int rkl_bs_tostring(lua_State *L) {
  const rk_bench_stats_t *s = lua_touserdata(L, 1);
  int top = lua_gettop(L);
  lua_pushfstring(L, "PyDetailedStatistics(count=%d, mean=", (int)s->count);
  rkl_push_pyfloat(L, s->mean);
  lua_pushliteral(L, ", std_dev=");
  rkl_push_pyfloat(L, s->std_dev);
  lua_pushliteral(L, ", median=");
  rkl_push_pyfloat(L, s->median);
  lua_pushliteral(L, ")");
  lua_concat(L, lua_gettop(L) - top);
  return 1;
}

static const luaL_Reg rkl_bs_methods[] = {
    {"iqr", rkl_bs_iqr}, {"coefficient_of_variation", rkl_bs_cv}, {NULL, NULL}};
static const luaL_Reg rkl_bs_getters[] = {
    {"count", rkl_bs_count}, {"mean", rkl_bs_mean}, {"std_dev", rkl_bs_std_dev},
    {"min", rkl_bs_min},     {"max", rkl_bs_max},   {"median", rkl_bs_median},
    {"p5", rkl_bs_p5},       {"p25", rkl_bs_p25},   {"p75", rkl_bs_p75},
    {"p95", rkl_bs_p95},     {"p99", rkl_bs_p99},   {NULL, NULL},
};
static const luaL_Reg rkl_bs_statics[] = {{"from_values", rkl_bs_from_values}, {NULL, NULL}};
static const rkl_class_t rkl_bstats_class = {
    "PyDetailedStatistics", sizeof(rk_bench_stats_t), NULL, rkl_bs_methods,
    rkl_bs_getters,         rkl_bs_statics,           NULL, rkl_bs_tostring,
};

static rk_bench_ci_t *rkl_ci_self(lua_State *L) {
  return rkl_self(L, &rkl_bci_class);
}

static int rkl_ci_from_values(lua_State *L) {
  static const char *const names[] = {"values", "confidence", NULL};
  rkl_args(L, "PyConfidenceInterval.from_values", 1, names, true);
  double confidence = rkl_opt_double(L, 2, "confidence", -HUGE_VAL, HUGE_VAL, 0.95);
  size_t n;
  const double *v = rkl_check_number_list(L, 1, "values", &n);
  rk_bench_ci_t *ci = rkl_new(L, &rkl_bci_class);
  rk_status_t st = rk_bench_ci_compute(v, n, confidence, ci);
  if (st != RK_OK) return rkl_error_status(L, st);
  return 1;
}

#define RKL_CI_NUM(field)                                                                          \
  static int rkl_ci_##field(lua_State *L) {                                                        \
    lua_pushnumber(L, rkl_ci_self(L)->field);                                                      \
    return 1;                                                                                      \
  }
RKL_CI_NUM(mean)
RKL_CI_NUM(lower)
RKL_CI_NUM(upper)
RKL_CI_NUM(margin)
RKL_CI_NUM(confidence)
#undef RKL_CI_NUM

static int rkl_ci_count(lua_State *L) {
  rkl_push_u64(L, rkl_ci_self(L)->count);
  return 1;
}

static int rkl_ci_width(lua_State *L) {
  lua_pushnumber(L, rk_bench_ci_width(rkl_ci_self(L)));
  return 1;
}

static int rkl_ci_contains(lua_State *L) {
  static const char *const names[] = {"value", NULL};
  rk_bench_ci_t *ci = rkl_ci_self(L);
  rkl_args(L, "PyConfidenceInterval.contains", 2, names, false);
  double v = rkl_check_double(L, 2, "value", -HUGE_VAL, HUGE_VAL);
  lua_pushboolean(L, v >= ci->lower && v <= ci->upper);
  return 1;
}

static int rkl_ci_tostring(lua_State *L) {
  const rk_bench_ci_t *ci = lua_touserdata(L, 1);
  int top = lua_gettop(L);
  lua_pushliteral(L, "PyConfidenceInterval(lower=");
  rkl_push_pyfloat(L, ci->lower);
  lua_pushliteral(L, ", upper=");
  rkl_push_pyfloat(L, ci->upper);
  lua_pushliteral(L, ", confidence=");
  rkl_push_pyfloat(L, ci->confidence);
  lua_pushliteral(L, ")");
  lua_concat(L, lua_gettop(L) - top);
  return 1;
}

static const luaL_Reg rkl_ci_methods[] = {
    {"width", rkl_ci_width}, {"contains", rkl_ci_contains}, {NULL, NULL}};
static const luaL_Reg rkl_ci_getters[] = {
    {"mean", rkl_ci_mean},
    {"lower", rkl_ci_lower},
    {"upper", rkl_ci_upper},
    {"margin", rkl_ci_margin},
    {"confidence", rkl_ci_confidence},
    {"count", rkl_ci_count},
    {NULL, NULL},
};
static const luaL_Reg rkl_ci_statics[] = {{"from_values", rkl_ci_from_values}, {NULL, NULL}};
static const rkl_class_t rkl_bci_class = {
    "PyConfidenceInterval", sizeof(rk_bench_ci_t), NULL, rkl_ci_methods,
    rkl_ci_getters,         rkl_ci_statics,        NULL, rkl_ci_tostring,
};

static rk_bench_scaling_t *rkl_sc_self(lua_State *L) {
  return rkl_self(L, &rkl_bscaling_class);
}

static int rkl_sc_from(lua_State *L) {
  static const char *const names[] = {"sizes", "throughputs", NULL};
  rkl_args(L, "PyScalingMetrics.from_sizes_and_throughputs", 1, names, true);
  size_t ns, nt;
  const double *sizes = rkl_check_number_list(L, 1, "sizes", &ns);
  const double *tps = rkl_check_number_list(L, 2, "throughputs", &nt);
  if (ns != nt)
    return rkl_error(L, "ValueError", "sizes has %zu values but throughputs has %zu", ns, nt);
  rk_bench_scaling_t *s = rkl_new(L, &rkl_bscaling_class);
  rk_status_t st = rk_bench_scaling_fit(sizes, tps, ns, s);
  if (st != RK_OK) return rkl_error_status(L, st);
  return 1;
}

static int rkl_sc_exponent(lua_State *L) {
  lua_pushnumber(L, rkl_sc_self(L)->exponent);
  return 1;
}

static int rkl_sc_r2(lua_State *L) {
  lua_pushnumber(L, rkl_sc_self(L)->r_squared);
  return 1;
}

static int rkl_sc_count(lua_State *L) {
  rkl_push_u64(L, rkl_sc_self(L)->count);
  return 1;
}

static int rkl_sc_quality(lua_State *L) {
  lua_pushstring(L, rk_bench_scaling_quality(rkl_sc_self(L)));
  return 1;
}

static int rkl_sc_tostring(lua_State *L) {
  const rk_bench_scaling_t *s = lua_touserdata(L, 1);
  int top = lua_gettop(L);
  lua_pushliteral(L, "PyScalingMetrics(exponent=");
  rkl_push_pyfloat(L, s->exponent);
  lua_pushliteral(L, ", r_squared=");
  rkl_push_pyfloat(L, s->r_squared);
  lua_pushfstring(L, ", quality=%s)", rk_bench_scaling_quality(s));
  lua_concat(L, lua_gettop(L) - top);
  return 1;
}

static const luaL_Reg rkl_sc_methods[] = {{"scaling_quality", rkl_sc_quality}, {NULL, NULL}};
static const luaL_Reg rkl_sc_getters[] = {
    {"exponent", rkl_sc_exponent}, {"r_squared", rkl_sc_r2}, {"count", rkl_sc_count}, {NULL, NULL}};
static const luaL_Reg rkl_sc_statics[] = {{"from_sizes_and_throughputs", rkl_sc_from},
                                          {NULL, NULL}};
static const rkl_class_t rkl_bscaling_class = {
    "PyScalingMetrics",
    sizeof(rk_bench_scaling_t),
    NULL,
    rkl_sc_methods,
    rkl_sc_getters,
    rkl_sc_statics,
    NULL,
    rkl_sc_tostring,
};

/* ---- PyRegressionEntry / PyRegressionReport --------------------------------------------- */

static void rkl_push_entry(lua_State *L, const rk_bench_report_entry_t *e) {
  size_t len = strlen(e->workload_id);
  rkl_bentry_t *u = lua_newuserdata(L, sizeof *u + len + 1);
  u->e = *e;
  u->e.workload_id = NULL;
  memcpy(u->id, e->workload_id, len + 1);
  lua_pushlightuserdata(L, (void *)&rkl_bentry_class);
  lua_rawget(L, LUA_REGISTRYINDEX);
  lua_setmetatable(L, -2);
}

static rkl_bentry_t *rkl_be_self(lua_State *L) {
  return rkl_self(L, &rkl_bentry_class);
}

static int rkl_be_workload_id(lua_State *L) {
  lua_pushstring(L, rkl_be_self(L)->id);
  return 1;
}

static int rkl_be_size(lua_State *L) {
  rkl_push_u64(L, rkl_be_self(L)->e.size);
  return 1;
}

static int rkl_be_current(lua_State *L) {
  lua_pushnumber(L, rkl_be_self(L)->e.current_throughput);
  return 1;
}

static int rkl_be_baseline(lua_State *L) {
  lua_pushnumber(L, rkl_be_self(L)->e.baseline_throughput);
  return 1;
}

static int rkl_be_change(lua_State *L) {
  lua_pushnumber(L, rkl_be_self(L)->e.percent_change);
  return 1;
}

static int rkl_be_status(lua_State *L) {
  rkl_enum_push(L, &rkl_regression_status_enum, rkl_be_self(L)->e.status);
  return 1;
}

static int rkl_be_tostring(lua_State *L) {
  const rkl_bentry_t *b = lua_touserdata(L, 1);
  int top = lua_gettop(L);
  lua_pushliteral(L, "PyRegressionEntry(workload_id=");
  rkl_push_pyrepr_str(L, b->id, strlen(b->id));
  char buf[64];
  snprintf(buf, sizeof buf, ", size=%llu, percent_change=", (unsigned long long)b->e.size);
  lua_pushstring(L, buf);
  rkl_push_pyfloat(L, b->e.percent_change);
  lua_pushfstring(L, ", status=%s)", rk_regression_status_text(b->e.status));
  lua_concat(L, lua_gettop(L) - top);
  return 1;
}

static const luaL_Reg rkl_be_getters[] = {
    {"workload_id", rkl_be_workload_id},
    {"size", rkl_be_size},
    {"current_throughput", rkl_be_current},
    {"baseline_throughput", rkl_be_baseline},
    {"percent_change", rkl_be_change},
    {"status", rkl_be_status},
    {NULL, NULL},
};
static const rkl_class_t rkl_bentry_class = {
    "PyRegressionEntry", sizeof(rkl_bentry_t), NULL, NULL, rkl_be_getters, NULL, NULL,
    rkl_be_tostring,
};

static const rk_bench_report_t *rkl_rep_self(lua_State *L) {
  return ((rkl_breport_t *)rkl_self(L, &rkl_breport_class))->r;
}

static int rkl_rep_gc(lua_State *L) {
  rkl_breport_t *r = lua_touserdata(L, 1);
  rk_bench_report_destroy(r->r);
  r->r = NULL;
  return 0;
}

#define RKL_REP_COUNT(fname, cfn)                                                                  \
  static int fname(lua_State *L) {                                                                 \
    lua_pushnumber(L, (lua_Number)cfn(rkl_rep_self(L)));                                           \
    return 1;                                                                                      \
  }
RKL_REP_COUNT(rkl_rep_regressions, rk_bench_report_regression_count)
RKL_REP_COUNT(rkl_rep_improvements, rk_bench_report_improvement_count)
RKL_REP_COUNT(rkl_rep_unchanged, rk_bench_report_unchanged_count)
RKL_REP_COUNT(rkl_rep_threshold, rk_bench_report_threshold)
#undef RKL_REP_COUNT

static int rkl_rep_version(lua_State *L) {
  lua_pushstring(L, rk_bench_report_baseline_version(rkl_rep_self(L)));
  return 1;
}

static int rkl_rep_has_regressions(lua_State *L) {
  lua_pushboolean(L, rk_bench_report_has_regressions(rkl_rep_self(L)));
  return 1;
}

static int rkl_rep_pick(lua_State *L,
                        rk_status_t (*pick)(const rk_bench_report_t *, rk_bench_report_entry_t *)) {
  rk_bench_report_entry_t e;
  if (pick(rkl_rep_self(L), &e) != RK_OK)
    lua_pushnil(L);
  else
    rkl_push_entry(L, &e);
  return 1;
}

static int rkl_rep_worst(lua_State *L) {
  return rkl_rep_pick(L, rk_bench_report_worst_regression);
}
static int rkl_rep_best(lua_State *L) {
  return rkl_rep_pick(L, rk_bench_report_best_improvement);
}

static int rkl_rep_summary(lua_State *L) {
  lua_pushstring(L, rk_bench_report_summary(rkl_rep_self(L)));
  return 1;
}

static int rkl_rep_entries(lua_State *L) {
  const rk_bench_report_t *rep = rkl_rep_self(L);
  size_t n = rk_bench_report_entry_count(rep);
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    rk_bench_report_entry_t e;
    rk_status_t st = rk_bench_report_entry_at(rep, i, &e);
    if (st != RK_OK) return rkl_error_status(L, st);
    rkl_push_entry(L, &e);
    lua_rawseti(L, -2, (int)i + 1);
  }
  return 1;
}

static int rkl_rep_tostring(lua_State *L) {
  lua_pushfstring(L, "PyRegressionReport(%s)",
                  rk_bench_report_summary(((rkl_breport_t *)lua_touserdata(L, 1))->r));
  return 1;
}

static const luaL_Reg rkl_rep_methods[] = {
    {"has_regressions", rkl_rep_has_regressions},
    {"worst_regression", rkl_rep_worst},
    {"best_improvement", rkl_rep_best},
    {"summary", rkl_rep_summary},
    {"entries", rkl_rep_entries},
    {NULL, NULL},
};
static const luaL_Reg rkl_rep_getters[] = {
    {"regression_count", rkl_rep_regressions}, {"improvement_count", rkl_rep_improvements},
    {"unchanged_count", rkl_rep_unchanged},    {"baseline_version", rkl_rep_version},
    {"threshold", rkl_rep_threshold},          {NULL, NULL},
};
static const luaL_Reg rkl_rep_meta[] = {{"__gc", rkl_rep_gc}, {NULL, NULL}};
static const rkl_class_t rkl_breport_class = {
    "PyRegressionReport", sizeof(rkl_breport_t), NULL, rkl_rep_methods, rkl_rep_getters, NULL,
    rkl_rep_meta,         rkl_rep_tostring,
};

/* ---- PyBenchmarkBaseline ---------------------------------------------------------------- */

static const rk_bench_baseline_t *rkl_bl_self(lua_State *L) {
  return ((rkl_bbaseline_t *)rkl_self(L, &rkl_bbaseline_class))->b;
}

static int rkl_bl_gc(lua_State *L) {
  rkl_bbaseline_t *b = lua_touserdata(L, 1);
  rk_bench_baseline_destroy(b->b);
  b->b = NULL;
  return 0;
}

static int rkl_bl_version(lua_State *L) {
  lua_pushstring(L, rk_bench_baseline_version(rkl_bl_self(L)));
  return 1;
}

static int rkl_bl_len(lua_State *L) {
  lua_pushnumber(L, (lua_Number)rk_bench_baseline_count(rkl_bl_self(L)));
  return 1;
}

static int rkl_bl_is_empty(lua_State *L) {
  lua_pushboolean(L, rk_bench_baseline_count(rkl_bl_self(L)) == 0);
  return 1;
}

static int rkl_bl_get(lua_State *L) {
  static const char *const names[] = {"workload_id", "size", NULL};
  const rk_bench_baseline_t *b = rkl_bl_self(L);
  rkl_args(L, "PyBenchmarkBaseline.get", 2, names, false);
  const char *id = rkl_workload_id_arg(L, 2);
  const rk_bench_result_t *r =
      rk_bench_baseline_get(b, id, rkl_check_u64(L, 3, "size", UINT64_MAX));
  if (r == NULL)
    lua_pushnil(L);
  else
    rkl_res_push_copy(L, r);
  return 1;
}

static int rkl_bl_results(lua_State *L) {
  const rk_bench_baseline_t *b = rkl_bl_self(L);
  size_t n = rk_bench_baseline_count(b);
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    rkl_res_push_copy(L, rk_bench_baseline_result_at(b, i));
    lua_rawseti(L, -2, (int)i + 1);
  }
  return 1;
}

static int rkl_bl_tostring(lua_State *L) {
  const rk_bench_baseline_t *b = ((rkl_bbaseline_t *)lua_touserdata(L, 1))->b;
  const char *v = rk_bench_baseline_version(b);
  lua_pushliteral(L, "PyBenchmarkBaseline(version=");
  rkl_push_pyrepr_str(L, v, strlen(v));
  lua_pushfstring(L, ", results=%d)", (int)rk_bench_baseline_count(b));
  lua_concat(L, 3);
  return 1;
}

static const luaL_Reg rkl_bl_methods[] = {
    {"is_empty", rkl_bl_is_empty}, {"get", rkl_bl_get}, {"results", rkl_bl_results}, {NULL, NULL}};
static const luaL_Reg rkl_bl_getters[] = {{"version", rkl_bl_version}, {NULL, NULL}};
static const luaL_Reg rkl_bl_meta[] = {{"__gc", rkl_bl_gc}, {"__len", rkl_bl_len}, {NULL, NULL}};
static const rkl_class_t rkl_bbaseline_class = {
    "PyBenchmarkBaseline", sizeof(rkl_bbaseline_t), NULL, rkl_bl_methods, rkl_bl_getters, NULL,
    rkl_bl_meta,           rkl_bl_tostring,
};

/* ---- PyBenchmarkSuite ------------------------------------------------------------------- */

static rk_bench_suite_t *rkl_su_self(lua_State *L) {
  return ((rkl_bsuite_t *)rkl_self(L, &rkl_bsuite_class))->s;
}

static int rkl_su_new(lua_State *L) {
  static const char *const names[] = {"config", NULL};
  rkl_args(L, "PyBenchmarkSuite", 1, names, false);
  const rk_bench_config_t *c = NULL;
  if (!lua_isnil(L, 1)) c = rkl_check(L, 1, &rkl_bconfig_class, "config");
  rkl_bsuite_t *s = rkl_new(L, &rkl_bsuite_class);
  rk_status_t st = rk_bench_suite_create(c, &s->s);
  if (st != RK_OK) return rkl_error_status(L, st);
  return 1;
}

static int rkl_su_gc(lua_State *L) {
  rkl_bsuite_t *s = lua_touserdata(L, 1);
  rk_bench_suite_destroy(s->s);
  s->s = NULL;
  return 0;
}

static int rkl_su_config(lua_State *L) {
  rk_bench_config_t *c = rkl_new(L, &rkl_bconfig_class);
  rk_bench_suite_config(rkl_su_self(L), c);
  return 1;
}

static int rkl_su_add_result(lua_State *L) {
  static const char *const names[] = {"result", NULL};
  rk_bench_suite_t *s = rkl_su_self(L);
  rkl_args(L, "PyBenchmarkSuite.add_result", 2, names, false);
  const rkl_bresult_t *r = rkl_check(L, 2, &rkl_bresult_class, "result");
  rk_status_t st = rk_bench_suite_add_result(s, r->r);
  if (st != RK_OK) return rkl_error_status(L, st);
  return 0;
}

static int rkl_su_results(lua_State *L) {
  rk_bench_suite_t *s = rkl_su_self(L);
  size_t n = rk_bench_suite_result_count(s);
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    rkl_res_push_copy(L, rk_bench_suite_result_at(s, i));
    lua_rawseti(L, -2, (int)i + 1);
  }
  return 1;
}

static int rkl_su_len(lua_State *L) {
  lua_pushnumber(L, (lua_Number)rk_bench_suite_result_count(rkl_su_self(L)));
  return 1;
}

static int rkl_su_is_empty(lua_State *L) {
  lua_pushboolean(L, rk_bench_suite_result_count(rkl_su_self(L)) == 0);
  return 1;
}

static int rkl_su_clear(lua_State *L) {
  rk_bench_suite_clear(rkl_su_self(L));
  return 0;
}

static int rkl_su_create_baseline(lua_State *L) {
  static const char *const names[] = {"version", NULL};
  rk_bench_suite_t *s = rkl_su_self(L);
  rkl_args(L, "PyBenchmarkSuite.create_baseline", 2, names, false);
  const char *version = rkl_check_string(L, 2, "version", NULL);
  rkl_bbaseline_t *b = rkl_new(L, &rkl_bbaseline_class);
  rk_status_t st = rk_bench_suite_create_baseline(s, version, &b->b);
  if (st != RK_OK) return rkl_error_status(L, st);
  return 1;
}

static int rkl_su_set_baseline(lua_State *L) {
  static const char *const names[] = {"baseline", NULL};
  rk_bench_suite_t *s = rkl_su_self(L);
  rkl_args(L, "PyBenchmarkSuite.set_baseline", 2, names, false);
  const rk_bench_baseline_t *b = NULL;
  if (!lua_isnil(L, 2))
    b = ((rkl_bbaseline_t *)rkl_check(L, 2, &rkl_bbaseline_class, "baseline"))->b;
  rk_status_t st = rk_bench_suite_set_baseline(s, b);
  if (st != RK_OK) return rkl_error_status(L, st);
  return 0;
}

static int rkl_su_compare(lua_State *L) {
  rk_bench_suite_t *s = rkl_su_self(L);
  if (rk_bench_suite_baseline(s) == NULL) {
    lua_pushnil(L);
    return 1;
  }
  rkl_breport_t *r = rkl_new(L, &rkl_breport_class);
  rk_status_t st = rk_bench_suite_compare(s, &r->r);
  if (st != RK_OK) return rkl_error_status(L, st);
  return 1;
}

static int rkl_su_report(lua_State *L, rk_status_t (*writer)(const rk_bench_suite_t *, char **)) {
  char *text = NULL;
  rk_status_t st = writer(rkl_su_self(L), &text);
  if (st != RK_OK) return rkl_error_status(L, st);
  lua_pushstring(L, text); /* only an out-of-memory raise here could leak text */
  rk_string_free(text);
  return 1;
}

static int rkl_su_markdown(lua_State *L) {
  return rkl_su_report(L, rk_bench_suite_report_markdown);
}
static int rkl_su_json(lua_State *L) {
  return rkl_su_report(L, rk_bench_suite_report_json);
}
static int rkl_su_latex(lua_State *L) {
  return rkl_su_report(L, rk_bench_suite_report_latex);
}

static int rkl_su_tostring(lua_State *L) {
  rk_bench_suite_t *s = ((rkl_bsuite_t *)lua_touserdata(L, 1))->s;
  lua_pushfstring(L, "PyBenchmarkSuite(results=%d, baseline=%s)",
                  (int)rk_bench_suite_result_count(s), rk_bench_suite_baseline(s) ? "set" : "none");
  return 1;
}

static const luaL_Reg rkl_su_methods[] = {
    {"add_result", rkl_su_add_result},
    {"results", rkl_su_results},
    {"is_empty", rkl_su_is_empty},
    {"clear_results", rkl_su_clear},
    {"create_baseline", rkl_su_create_baseline},
    {"set_baseline", rkl_su_set_baseline},
    {"compare_to_baseline", rkl_su_compare},
    {"generate_markdown_report", rkl_su_markdown},
    {"generate_json_export", rkl_su_json},
    {"generate_latex_table", rkl_su_latex},
    {NULL, NULL},
};
static const luaL_Reg rkl_su_getters[] = {{"config", rkl_su_config}, {NULL, NULL}};
static const luaL_Reg rkl_su_meta[] = {{"__gc", rkl_su_gc}, {"__len", rkl_su_len}, {NULL, NULL}};
static const rkl_class_t rkl_bsuite_class = {
    "PyBenchmarkSuite", sizeof(rkl_bsuite_t), rkl_su_new, rkl_su_methods, rkl_su_getters, NULL,
    rkl_su_meta,        rkl_su_tostring,
};

/* ---- the submodule ---------------------------------------------------------------------- */

void rkl_open_bench(lua_State *L, int mod) {
  static const rkl_class_t *const classes[] = {
      &rkl_bconfig_class,   &rkl_bresult_class,
      &rkl_bstats_class,    &rkl_bci_class,
      &rkl_bscaling_class,  &rkl_bsuite_class,
      &rkl_bbaseline_class, &rkl_breport_class,
      &rkl_bentry_class,    NULL,
  };
  lua_newtable(L);
  int t = lua_gettop(L);
  rkl_enum_register(L, &rkl_regression_status_enum, t);
  lua_getfield(L, t, rkl_regression_status_enum.name);
  lua_setfield(L, t, rkl_regression_status_enum.name + 2);
  for (const rkl_class_t *const *c = classes; *c; c++) {
    rkl_class_register(L, *c, t);
    lua_getfield(L, t, (*c)->name);
    lua_setfield(L, t, (*c)->name + 2); /* the short alias */
  }
  lua_setfield(L, mod, "benchmark");
}
