/* lua_hybrid.c — ProcessingMode, HybridConfig, HybridStats, HybridDispatcher.
 *
 * dispatch(size, cpu_fn, gpu_fn) runs the chosen Lua function on the calling thread,
 * times it and hands the time to rk_hybrid_dispatcher_record_timed, as Python does.
 */
#define _POSIX_C_SOURCE 200809L

#include <math.h>
#include <stdio.h>
#include <time.h>

#include "lua_util.h"
#include "ringkernel/hybrid.h"

typedef struct rkl_dispatcher {
  rk_hybrid_dispatcher_t *d;
} rkl_dispatcher_t;

static const rkl_class_t rkl_hconfig_class;
static const rkl_class_t rkl_hstats_class;
static const rkl_class_t rkl_dispatcher_class;

static const rkl_enum_member_t rkl_mode_members[] = {
    {"CpuOnly", RK_PROCESSING_CPU_ONLY},
    {"GpuOnly", RK_PROCESSING_GPU_ONLY},
    {"Hybrid", RK_PROCESSING_HYBRID},
    {"Adaptive", RK_PROCESSING_ADAPTIVE},
    {NULL, 0},
};
static const rkl_enum_t rkl_mode_enum = {"ProcessingMode", rkl_mode_members, NULL, NULL, NULL};

/* ---- HybridConfig ----------------------------------------------------------------------- */

static void rkl_push_hconfig(lua_State *L, const rk_hybrid_config_t *c) {
  *(rk_hybrid_config_t *)rkl_new(L, &rkl_hconfig_class) = *c;
}

static rk_hybrid_config_t *rkl_hconfig_self(lua_State *L) {
  return rkl_self(L, &rkl_hconfig_class);
}

static int rkl_hconfig_new(lua_State *L) {
  static const char *const names[] = {"mode", "gpu_threshold", "learning_rate", "gpu_available",
                                      NULL};
  rkl_args(L, "HybridConfig", 1, names, false);
  rk_hybrid_config_t c;
  rk_hybrid_config_init(&c);
  if (!lua_isnil(L, 1)) c.mode = (rk_processing_mode_t)rkl_enum_check(L, 1, &rkl_mode_enum, "mode");
  c.gpu_threshold = rkl_opt_u64(L, 2, "gpu_threshold", UINT64_MAX, c.gpu_threshold);
  c.learning_rate = rkl_opt_double(L, 3, "learning_rate", 0.0, 1.0, c.learning_rate);
  c.gpu_available = rkl_opt_bool(L, 4, "gpu_available", false);
  rkl_push_hconfig(L, &c);
  return 1;
}

static int rkl_hconfig_preset(lua_State *L, void (*preset)(rk_hybrid_config_t *)) {
  rk_hybrid_config_t c;
  preset(&c);
  rkl_push_hconfig(L, &c);
  return 1;
}

static int rkl_hconfig_cpu_only(lua_State *L) {
  return rkl_hconfig_preset(L, rk_hybrid_config_cpu_only);
}
static int rkl_hconfig_gpu_only(lua_State *L) {
  return rkl_hconfig_preset(L, rk_hybrid_config_gpu_only);
}
static int rkl_hconfig_adaptive(lua_State *L) {
  return rkl_hconfig_preset(L, rk_hybrid_config_adaptive);
}

static int rkl_hconfig_mode(lua_State *L) {
  rkl_enum_push(L, &rkl_mode_enum, rkl_hconfig_self(L)->mode);
  return 1;
}

static int rkl_hconfig_threshold(lua_State *L) {
  rkl_push_u64(L, rkl_hconfig_self(L)->gpu_threshold);
  return 1;
}

static int rkl_hconfig_lr(lua_State *L) {
  lua_pushnumber(L, rkl_hconfig_self(L)->learning_rate);
  return 1;
}

static int rkl_hconfig_gpu(lua_State *L) {
  lua_pushboolean(L, rkl_hconfig_self(L)->gpu_available);
  return 1;
}

static int rkl_hconfig_tostring(lua_State *L) {
  const rk_hybrid_config_t *c = lua_touserdata(L, 1);
  char buf[128];
  snprintf(buf, sizeof buf, "HybridConfig(mode=%s, threshold=%llu, gpu=%s)",
           rk_processing_mode_name(c->mode), (unsigned long long)c->gpu_threshold,
           rkl_bool_text(c->gpu_available));
  lua_pushstring(L, buf);
  return 1;
}

static int rkl_hconfig_eq(lua_State *L) {
  const rk_hybrid_config_t *a = lua_touserdata(L, 1), *b = lua_touserdata(L, 2);
  lua_pushboolean(L, a->mode == b->mode && a->gpu_threshold == b->gpu_threshold &&
                         a->learning_rate == b->learning_rate &&
                         a->gpu_available == b->gpu_available);
  return 1;
}

static const luaL_Reg rkl_hconfig_getters[] = {
    {"mode", rkl_hconfig_mode},
    {"gpu_threshold", rkl_hconfig_threshold},
    {"learning_rate", rkl_hconfig_lr},
    {"gpu_available", rkl_hconfig_gpu},
    {NULL, NULL},
};
static const luaL_Reg rkl_hconfig_statics[] = {
    {"cpu_only", rkl_hconfig_cpu_only},
    {"gpu_only", rkl_hconfig_gpu_only},
    {"adaptive", rkl_hconfig_adaptive},
    {NULL, NULL},
};
static const luaL_Reg rkl_hconfig_meta[] = {{"__eq", rkl_hconfig_eq}, {NULL, NULL}};
static const rkl_class_t rkl_hconfig_class = {
    "HybridConfig",      sizeof(rk_hybrid_config_t), rkl_hconfig_new,  NULL,
    rkl_hconfig_getters, rkl_hconfig_statics,        rkl_hconfig_meta, rkl_hconfig_tostring,
};

/* ---- HybridStats ------------------------------------------------------------------------ */

static rk_hybrid_stats_t *rkl_hstats_self(lua_State *L) {
  return rkl_self(L, &rkl_hstats_class);
}

static int rkl_hstats_new(lua_State *L) {
  static const char *const names[] = {"cpu_count", "gpu_count", "adaptive_threshold", NULL};
  rkl_args(L, "HybridStats", 1, names, false);
  rk_hybrid_stats_t s = {0, 0, 0, false};
  s.cpu_count = rkl_opt_u64(L, 1, "cpu_count", UINT64_MAX, 0);
  s.gpu_count = rkl_opt_u64(L, 2, "gpu_count", UINT64_MAX, 0);
  if (!lua_isnil(L, 3)) {
    s.adaptive_threshold = rkl_check_u64(L, 3, "adaptive_threshold", UINT64_MAX);
    s.has_adaptive_threshold = true;
  }
  *(rk_hybrid_stats_t *)rkl_new(L, &rkl_hstats_class) = s;
  return 1;
}

static int rkl_hstats_cpu(lua_State *L) {
  rkl_push_u64(L, rkl_hstats_self(L)->cpu_count);
  return 1;
}

static int rkl_hstats_gpu(lua_State *L) {
  rkl_push_u64(L, rkl_hstats_self(L)->gpu_count);
  return 1;
}

static int rkl_hstats_threshold(lua_State *L) {
  rk_hybrid_stats_t *s = rkl_hstats_self(L);
  if (s->has_adaptive_threshold)
    rkl_push_u64(L, s->adaptive_threshold);
  else
    lua_pushnil(L);
  return 1;
}

static int rkl_hstats_total(lua_State *L) {
  rkl_push_u64(L, rk_hybrid_stats_total(rkl_hstats_self(L)));
  return 1;
}

static int rkl_hstats_gpu_ratio(lua_State *L) {
  lua_pushnumber(L, rk_hybrid_stats_gpu_ratio(rkl_hstats_self(L)));
  return 1;
}

static int rkl_hstats_tostring(lua_State *L) {
  const rk_hybrid_stats_t *s = lua_touserdata(L, 1);
  char thr[32] = "None";
  if (s->has_adaptive_threshold)
    snprintf(thr, sizeof thr, "%llu", (unsigned long long)s->adaptive_threshold);
  char buf[128];
  snprintf(buf, sizeof buf, "HybridStats(cpu=%llu, gpu=%llu, threshold=%s)",
           (unsigned long long)s->cpu_count, (unsigned long long)s->gpu_count, thr);
  lua_pushstring(L, buf);
  return 1;
}

static const luaL_Reg rkl_hstats_methods[] = {
    {"total", rkl_hstats_total}, {"gpu_ratio", rkl_hstats_gpu_ratio}, {NULL, NULL}};
static const luaL_Reg rkl_hstats_getters[] = {
    {"cpu_count", rkl_hstats_cpu},
    {"gpu_count", rkl_hstats_gpu},
    {"adaptive_threshold", rkl_hstats_threshold},
    {NULL, NULL},
};
static const rkl_class_t rkl_hstats_class = {
    "HybridStats",
    sizeof(rk_hybrid_stats_t),
    rkl_hstats_new,
    rkl_hstats_methods,
    rkl_hstats_getters,
    NULL,
    NULL,
    rkl_hstats_tostring,
};

/* ---- HybridDispatcher ------------------------------------------------------------------- */

static rkl_dispatcher_t *rkl_disp_self(lua_State *L) {
  rkl_dispatcher_t *d = rkl_self(L, &rkl_dispatcher_class);
  return d;
}

static int rkl_disp_make(lua_State *L, const rk_hybrid_config_t *c) {
  rkl_dispatcher_t *d = rkl_new(L, &rkl_dispatcher_class);
  rk_status_t st = rk_hybrid_dispatcher_create(c, &d->d);
  if (st != RK_OK) return rkl_error_status(L, st);
  return 1;
}

static int rkl_disp_new(lua_State *L) {
  static const char *const names[] = {"config", NULL};
  rkl_args(L, "HybridDispatcher", 1, names, false);
  rk_hybrid_config_t c;
  rk_hybrid_config_init(&c);
  if (!lua_isnil(L, 1)) c = *(rk_hybrid_config_t *)rkl_check(L, 1, &rkl_hconfig_class, "config");
  return rkl_disp_make(L, &c);
}

static int rkl_disp_with_defaults(lua_State *L) {
  rk_hybrid_config_t c;
  rk_hybrid_config_init(&c);
  return rkl_disp_make(L, &c);
}

static int rkl_disp_gc(lua_State *L) {
  rkl_dispatcher_t *d = lua_touserdata(L, 1);
  rk_hybrid_dispatcher_destroy(d->d);
  d->d = NULL;
  return 0;
}

static int rkl_disp_should_use_gpu(lua_State *L) {
  static const char *const names[] = {"workload_size", NULL};
  rkl_dispatcher_t *d = rkl_disp_self(L);
  rkl_args(L, "HybridDispatcher.should_use_gpu", 2, names, false);
  lua_pushboolean(L, rk_hybrid_dispatcher_should_use_gpu(
                         d->d, rkl_check_u64(L, 2, "workload_size", UINT64_MAX)));
  return 1;
}

static int rkl_disp_record_cpu(lua_State *L) {
  rk_hybrid_dispatcher_record_cpu(rkl_disp_self(L)->d);
  return 0;
}

static int rkl_disp_record_gpu(lua_State *L) {
  rk_hybrid_dispatcher_record_gpu(rkl_disp_self(L)->d);
  return 0;
}

static int rkl_disp_update(lua_State *L) {
  static const char *const names[] = {"workload_size", "cpu_time_ms", "gpu_time_ms", NULL};
  rkl_dispatcher_t *d = rkl_disp_self(L);
  rkl_args(L, "HybridDispatcher.update_adaptive_threshold", 2, names, false);
  uint64_t size = rkl_check_u64(L, 2, "workload_size", UINT64_MAX);
  double cpu = rkl_check_double(L, 3, "cpu_time_ms", 0.0, HUGE_VAL);
  double gpu = rkl_check_double(L, 4, "gpu_time_ms", 0.0, HUGE_VAL);
  rk_status_t st = rk_hybrid_dispatcher_update_adaptive_threshold(d->d, size, cpu, gpu);
  if (st != RK_OK) return rkl_error_status(L, st);
  return 0;
}

static double rkl_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Records one timed run; the learning rule is C's (rk_hybrid_dispatcher_record_timed),
 * shared with the Python binding. */
static void rkl_disp_learn(lua_State *L, rkl_dispatcher_t *d, uint64_t size, bool on_gpu,
                           double ms) {
  rk_status_t st = rk_hybrid_dispatcher_record_timed(d->d, size, on_gpu, ms);
  if (st != RK_OK) rkl_error_status(L, st);
}

static int rkl_disp_dispatch(lua_State *L) {
  static const char *const names[] = {"size", "cpu_fn", "gpu_fn", NULL};
  rkl_dispatcher_t *d = rkl_disp_self(L);
  rkl_args(L, "HybridDispatcher.dispatch", 2, names, false);
  uint64_t size = rkl_check_u64(L, 2, "size", UINT64_MAX);
  if (lua_type(L, 3) != LUA_TFUNCTION || lua_type(L, 4) != LUA_TFUNCTION)
    return rkl_error(L, "TypeError", "dispatch: cpu_fn and gpu_fn must be functions");
  bool on_gpu = rk_hybrid_dispatcher_should_use_gpu(d->d, size);
  int base = lua_gettop(L);
  lua_pushvalue(L, on_gpu ? 4 : 3);
  double t0 = rkl_now_ms();
  lua_call(L, 0, LUA_MULTRET);
  rkl_disp_learn(L, d, size, on_gpu, rkl_now_ms() - t0);
  return lua_gettop(L) - base;
}

static int rkl_disp_threshold(lua_State *L) {
  rkl_push_u64(L, rk_hybrid_dispatcher_adaptive_threshold(rkl_disp_self(L)->d));
  return 1;
}

static int rkl_disp_stats(lua_State *L) {
  rk_hybrid_stats_t *s = rkl_new(L, &rkl_hstats_class);
  rk_hybrid_dispatcher_stats(rkl_disp_self(L)->d, s);
  return 1;
}

static int rkl_disp_config(lua_State *L) {
  rk_hybrid_config_t c;
  rk_hybrid_dispatcher_config(rkl_disp_self(L)->d, &c);
  rkl_push_hconfig(L, &c);
  return 1;
}

static int rkl_disp_set_gpu(lua_State *L) {
  static const char *const names[] = {"available", NULL};
  rkl_dispatcher_t *d = rkl_disp_self(L);
  rkl_args(L, "HybridDispatcher.set_gpu_available", 2, names, false);
  rk_hybrid_dispatcher_set_gpu_available(d->d, rkl_check_bool(L, 2, "available"));
  return 0;
}

static int rkl_disp_tostring(lua_State *L) {
  rkl_dispatcher_t *d = lua_touserdata(L, 1);
  rk_hybrid_config_t c;
  rk_hybrid_stats_t s;
  rk_hybrid_dispatcher_config(d->d, &c);
  rk_hybrid_dispatcher_stats(d->d, &s);
  char buf[160];
  snprintf(buf, sizeof buf, "HybridDispatcher(mode=%s, threshold=%llu, cpu=%llu, gpu=%llu)",
           rk_processing_mode_name(c.mode),
           (unsigned long long)rk_hybrid_dispatcher_adaptive_threshold(d->d),
           (unsigned long long)s.cpu_count, (unsigned long long)s.gpu_count);
  lua_pushstring(L, buf);
  return 1;
}

static const luaL_Reg rkl_disp_methods[] = {
    {"should_use_gpu", rkl_disp_should_use_gpu},
    {"record_cpu_execution", rkl_disp_record_cpu},
    {"record_gpu_execution", rkl_disp_record_gpu},
    {"update_adaptive_threshold", rkl_disp_update},
    {"dispatch", rkl_disp_dispatch},
    {"stats", rkl_disp_stats},
    {"config", rkl_disp_config},
    {"set_gpu_available", rkl_disp_set_gpu},
    {NULL, NULL},
};
static const luaL_Reg rkl_disp_getters[] = {{"adaptive_threshold", rkl_disp_threshold},
                                            {NULL, NULL}};
static const luaL_Reg rkl_disp_statics[] = {{"with_defaults", rkl_disp_with_defaults},
                                            {NULL, NULL}};
static const luaL_Reg rkl_disp_meta[] = {{"__gc", rkl_disp_gc}, {NULL, NULL}};
static const rkl_class_t rkl_dispatcher_class = {
    "HybridDispatcher", sizeof(rkl_dispatcher_t), rkl_disp_new,  rkl_disp_methods,
    rkl_disp_getters,   rkl_disp_statics,         rkl_disp_meta, rkl_disp_tostring,
};

void rkl_open_hybrid(lua_State *L, int mod) {
  rkl_enum_register(L, &rkl_mode_enum, mod);
  rkl_class_register(L, &rkl_hconfig_class, mod);
  rkl_class_register(L, &rkl_hstats_class, mod);
  rkl_class_register(L, &rkl_dispatcher_class, mod);
}
