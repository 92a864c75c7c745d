/* lua_queue.c — QueueTier, QueueHealth, QueueStats, QueueMonitor, QueueMetrics.
 *
 * Thin over ringkernel/queue.h: every rule (tiers, thresholds, health) is the C one.
 * Where Python returns None (no suggested upgrade) Lua returns nil.
 */
#include <math.h>
#include <stdio.h>

#include "lua_util.h"
#include "ringkernel/queue.h"

static const rkl_class_t rkl_qstats_class;
static const rkl_class_t rkl_qmonitor_class;
static const rkl_class_t rkl_qmetrics_class;

/* ---- QueueTier / QueueHealth ------------------------------------------------------------ */

static int rkl_tier_capacity(lua_State *L) {
  int64_t v = rkl_enum_self(L, &rkl_queue_tier_enum);
  lua_pushnumber(L, (lua_Number)rk_queue_tier_capacity((rk_queue_tier_t)v));
  return 1;
}

static int rkl_tier_upgrade(lua_State *L) {
  int64_t v = rkl_enum_self(L, &rkl_queue_tier_enum);
  rkl_enum_push(L, &rkl_queue_tier_enum, rk_queue_tier_upgrade((rk_queue_tier_t)v));
  return 1;
}

static int rkl_tier_downgrade(lua_State *L) {
  int64_t v = rkl_enum_self(L, &rkl_queue_tier_enum);
  rkl_enum_push(L, &rkl_queue_tier_enum, rk_queue_tier_downgrade((rk_queue_tier_t)v));
  return 1;
}

static int rkl_tier_for_throughput(lua_State *L) {
  static const char *const names[] = {"messages_per_second", "headroom_ms", NULL};
  rkl_args(L, "QueueTier.for_throughput", 1, names, false);
  uint64_t mps = rkl_check_u64(L, 1, "messages_per_second", UINT64_MAX);
  uint64_t headroom = rkl_opt_u64(L, 2, "headroom_ms", UINT64_MAX, 100);
  rkl_enum_push(L, &rkl_queue_tier_enum, rk_queue_tier_for_throughput(mps, headroom));
  return 1;
}

static const rkl_enum_member_t rkl_tier_members[] = {
    {"Small", RK_QUEUE_TIER_SMALL},
    {"Medium", RK_QUEUE_TIER_MEDIUM},
    {"Large", RK_QUEUE_TIER_LARGE},
    {"ExtraLarge", RK_QUEUE_TIER_EXTRA_LARGE},
    {NULL, 0},
};
static const luaL_Reg rkl_tier_methods[] = {
    {"upgrade", rkl_tier_upgrade}, {"downgrade", rkl_tier_downgrade}, {NULL, NULL}};
static const luaL_Reg rkl_tier_getters[] = {{"capacity", rkl_tier_capacity}, {NULL, NULL}};
static const luaL_Reg rkl_tier_statics[] = {{"for_throughput", rkl_tier_for_throughput},
                                            {NULL, NULL}};
const rkl_enum_t rkl_queue_tier_enum = {"QueueTier", rkl_tier_members, rkl_tier_methods,
                                        rkl_tier_getters, rkl_tier_statics};

static const rkl_enum_member_t rkl_health_members[] = {
    {"Healthy", RK_QUEUE_HEALTHY},
    {"Warning", RK_QUEUE_WARNING},
    {"Critical", RK_QUEUE_CRITICAL},
    {NULL, 0},
};
const rkl_enum_t rkl_queue_health_enum = {"QueueHealth", rkl_health_members, NULL, NULL, NULL};

/* ---- QueueStats ------------------------------------------------------------------------- */

void rkl_push_queue_stats(lua_State *L, const rk_queue_stats_t *stats) {
  *(rk_queue_stats_t *)rkl_new(L, &rkl_qstats_class) = *stats;
}

static rk_queue_stats_t *rkl_qstats_self(lua_State *L) {
  return rkl_self(L, &rkl_qstats_class);
}

static const char *const rkl_qstats_fields[] = {"enqueued",  "dequeued", "dropped", "depth",
                                                "max_depth", "rejected", NULL};

static int rkl_qstats_new(lua_State *L) {
  rkl_args(L, "QueueStats", 1, rkl_qstats_fields, false);
  rk_queue_stats_t s;
  uint64_t *fields[] = {&s.enqueued, &s.dequeued, &s.dropped, &s.depth, &s.max_depth, &s.rejected};
  for (int i = 0; i < 6; i++)
    *fields[i] = rkl_opt_u64(L, i + 1, rkl_qstats_fields[i], UINT64_MAX, 0);
  rkl_push_queue_stats(L, &s);
  return 1;
}

#define RKL_QSTATS_GETTER(field)                                                                   \
  static int rkl_qstats_##field(lua_State *L) {                                                    \
    rkl_push_u64(L, rkl_qstats_self(L)->field);                                                    \
    return 1;                                                                                      \
  }
RKL_QSTATS_GETTER(enqueued)
RKL_QSTATS_GETTER(dequeued)
RKL_QSTATS_GETTER(dropped)
RKL_QSTATS_GETTER(depth)
RKL_QSTATS_GETTER(max_depth)
RKL_QSTATS_GETTER(rejected)

static int rkl_qstats_utilization(lua_State *L) {
  rk_queue_stats_t *s = rkl_qstats_self(L);
  static const char *const names[] = {"capacity", NULL};
  rkl_args(L, "QueueStats.utilization", 2, names, false);
  lua_pushnumber(L, rk_queue_stats_utilization(s, rkl_check_u64(L, 2, "capacity", UINT64_MAX)));
  return 1;
}

static int rkl_qstats_drop_rate(lua_State *L) {
  lua_pushnumber(L, rk_queue_stats_drop_rate(rkl_qstats_self(L)));
  return 1;
}

static int rkl_qstats_tostring(lua_State *L) {
  const rk_queue_stats_t *s = lua_touserdata(L, 1);
  char buf[200];
  snprintf(buf, sizeof buf,
           "QueueStats(enqueued=%llu, dequeued=%llu, dropped=%llu, depth=%llu, "
           "max_depth=%llu)",
           (unsigned long long)s->enqueued, (unsigned long long)s->dequeued,
           (unsigned long long)s->dropped, (unsigned long long)s->depth,
           (unsigned long long)s->max_depth);
  lua_pushstring(L, buf);
  return 1;
}

static int rkl_qstats_eq(lua_State *L) {
  const rk_queue_stats_t *a = lua_touserdata(L, 1), *b = lua_touserdata(L, 2);
  lua_pushboolean(L, a->enqueued == b->enqueued && a->dequeued == b->dequeued &&
                         a->dropped == b->dropped && a->depth == b->depth &&
                         a->max_depth == b->max_depth && a->rejected == b->rejected);
  return 1;
}

static const luaL_Reg rkl_qstats_methods[] = {
    {"utilization", rkl_qstats_utilization}, {"drop_rate", rkl_qstats_drop_rate}, {NULL, NULL}};
static const luaL_Reg rkl_qstats_getters[] = {{"enqueued", rkl_qstats_enqueued},
                                              {"dequeued", rkl_qstats_dequeued},
                                              {"dropped", rkl_qstats_dropped},
                                              {"depth", rkl_qstats_depth},
                                              {"max_depth", rkl_qstats_max_depth},
                                              {"rejected", rkl_qstats_rejected},
                                              {NULL, NULL}};
static const luaL_Reg rkl_qstats_meta[] = {{"__eq", rkl_qstats_eq}, {NULL, NULL}};
static const rkl_class_t rkl_qstats_class = {
    "QueueStats",       sizeof(rk_queue_stats_t), rkl_qstats_new,
    rkl_qstats_methods, rkl_qstats_getters,       NULL,
    rkl_qstats_meta,    rkl_qstats_tostring,
};

/* ---- QueueMonitor ----------------------------------------------------------------------- */

static rk_queue_monitor_t *rkl_qmon_self(lua_State *L) {
  return rkl_self(L, &rkl_qmonitor_class);
}

static void rkl_push_monitor(lua_State *L, const rk_queue_monitor_t *m) {
  rk_status_t st = rk_queue_monitor_validate(m);
  if (st != RK_OK) rkl_error_status(L, st);
  *(rk_queue_monitor_t *)rkl_new(L, &rkl_qmonitor_class) = *m;
}

static int rkl_qmon_new(lua_State *L) {
  static const char *const names[] = {"warning_threshold", "critical_threshold", NULL};
  rkl_args(L, "QueueMonitor", 1, names, false);
  rk_queue_monitor_t m;
  rk_queue_monitor_init(&m);
  m.warning_threshold =
      rkl_opt_double(L, 1, "warning_threshold", -HUGE_VAL, HUGE_VAL, m.warning_threshold);
  m.critical_threshold =
      rkl_opt_double(L, 2, "critical_threshold", -HUGE_VAL, HUGE_VAL, m.critical_threshold);
  rkl_push_monitor(L, &m);
  return 1;
}

static int rkl_qmon_default(lua_State *L) {
  rk_queue_monitor_t m;
  rk_queue_monitor_init(&m);
  rkl_push_monitor(L, &m);
  return 1;
}

static const char *const rkl_depth_capacity[] = {"depth", "capacity", NULL};

static int rkl_qmon_utilization(lua_State *L) {
  rkl_qmon_self(L);
  rkl_args(L, "QueueMonitor.utilization", 2, rkl_depth_capacity, false);
  lua_pushnumber(L, rk_queue_monitor_utilization(rkl_check_u64(L, 2, "depth", UINT64_MAX),
                                                 rkl_check_u64(L, 3, "capacity", UINT64_MAX)));
  return 1;
}

static int rkl_qmon_check_health(lua_State *L) {
  rk_queue_monitor_t *m = rkl_qmon_self(L);
  rkl_args(L, "QueueMonitor.check_health", 2, rkl_depth_capacity, false);
  uint64_t depth = rkl_check_u64(L, 2, "depth", UINT64_MAX);
  uint64_t cap = rkl_check_u64(L, 3, "capacity", UINT64_MAX);
  rkl_enum_push(L, &rkl_queue_health_enum, rk_queue_monitor_check_health(m, depth, cap));
  return 1;
}

static int rkl_qmon_suggest_upgrade(lua_State *L) {
  static const char *const names[] = {"depth", "capacity", "current_tier", NULL};
  rk_queue_monitor_t *m = rkl_qmon_self(L);
  rkl_args(L, "QueueMonitor.suggest_upgrade", 2, names, false);
  uint64_t depth = rkl_check_u64(L, 2, "depth", UINT64_MAX);
  uint64_t cap = rkl_check_u64(L, 3, "capacity", UINT64_MAX);
  int64_t tier = rkl_enum_check(L, 4, &rkl_queue_tier_enum, "current_tier");
  rk_queue_tier_t t = rk_queue_monitor_suggest_upgrade(m, depth, cap, (rk_queue_tier_t)tier);
  if (t == RK_QUEUE_TIER_NONE)
    lua_pushnil(L);
  else
    rkl_enum_push(L, &rkl_queue_tier_enum, t);
  return 1;
}

static int rkl_qmon_metrics(lua_State *L) {
  static const char *const names[] = {"stats", "capacity", NULL};
  rk_queue_monitor_t *m = rkl_qmon_self(L);
  rkl_args(L, "QueueMonitor.metrics", 2, names, false);
  const rk_queue_stats_t *s = rkl_check(L, 2, &rkl_qstats_class, "stats");
  rk_queue_metrics_t out;
  rk_status_t st =
      rk_queue_metrics_compute(m, s, rkl_check_u64(L, 3, "capacity", UINT64_MAX), &out);
  if (st != RK_OK) return rkl_error_status(L, st);
  rkl_push_queue_metrics(L, &out);
  return 1;
}

static int rkl_qmon_warning(lua_State *L) {
  lua_pushnumber(L, rkl_qmon_self(L)->warning_threshold);
  return 1;
}

static int rkl_qmon_critical(lua_State *L) {
  lua_pushnumber(L, rkl_qmon_self(L)->critical_threshold);
  return 1;
}

static int rkl_qmon_tostring(lua_State *L) {
  const rk_queue_monitor_t *m = lua_touserdata(L, 1);
  char buf[96];
  snprintf(buf, sizeof buf, "QueueMonitor(warning=%g%%, critical=%g%%)",
           m->warning_threshold * 100.0, m->critical_threshold * 100.0);
  lua_pushstring(L, buf);
  return 1;
}

static const luaL_Reg rkl_qmon_methods[] = {
    {"utilization", rkl_qmon_utilization},
    {"check_health", rkl_qmon_check_health},
    {"suggest_upgrade", rkl_qmon_suggest_upgrade},
    {"metrics", rkl_qmon_metrics},
    {NULL, NULL},
};
static const luaL_Reg rkl_qmon_getters[] = {
    {"warning_threshold", rkl_qmon_warning},
    {"critical_threshold", rkl_qmon_critical},
    {NULL, NULL},
};
static const luaL_Reg rkl_qmon_statics[] = {{"default", rkl_qmon_default}, {NULL, NULL}};
static const rkl_class_t rkl_qmonitor_class = {
    "QueueMonitor",   sizeof(rk_queue_monitor_t), rkl_qmon_new, rkl_qmon_methods,
    rkl_qmon_getters, rkl_qmon_statics,           NULL,         rkl_qmon_tostring,
};

/* ---- QueueMetrics ----------------------------------------------------------------------- */

void rkl_push_queue_metrics(lua_State *L, const rk_queue_metrics_t *metrics) {
  *(rk_queue_metrics_t *)rkl_new(L, &rkl_qmetrics_class) = *metrics;
}

static rk_queue_metrics_t *rkl_qmet_self(lua_State *L) {
  return rkl_self(L, &rkl_qmetrics_class);
}

static int rkl_qmet_health(lua_State *L) {
  rkl_enum_push(L, &rkl_queue_health_enum, rkl_qmet_self(L)->health);
  return 1;
}

static int rkl_qmet_utilization(lua_State *L) {
  lua_pushnumber(L, rkl_qmet_self(L)->utilization);
  return 1;
}

static int rkl_qmet_capacity(lua_State *L) {
  rkl_push_u64(L, rkl_qmet_self(L)->capacity);
  return 1;
}

static int rkl_qmet_stats(lua_State *L) {
  rkl_push_queue_stats(L, &rkl_qmet_self(L)->stats);
  return 1;
}

static int rkl_qmet_tier(lua_State *L) {
  rkl_enum_push_or_nil(L, &rkl_queue_tier_enum, rkl_qmet_self(L)->tier);
  return 1;
}

static int rkl_qmet_suggested(lua_State *L) {
  rkl_enum_push_or_nil(L, &rkl_queue_tier_enum, rkl_qmet_self(L)->suggested_upgrade);
  return 1;
}

static int rkl_qmet_tostring(lua_State *L) {
  const rk_queue_metrics_t *m = lua_touserdata(L, 1);
  rkl_push_pyfloat(L, m->utilization);
  lua_pushfstring(L,
                  "QueueMetrics(health=%s, utilization=%s, depth=", rk_queue_health_name(m->health),
                  lua_tostring(L, -1));
  char buf[128];
  snprintf(buf, sizeof buf, "%llu, capacity=%llu, tier=%s)", (unsigned long long)m->stats.depth,
           (unsigned long long)m->capacity, rk_queue_tier_name(m->tier));
  lua_pushstring(L, buf);
  lua_concat(L, 2);
  return 1;
}

static const luaL_Reg rkl_qmet_getters[] = {
    {"health", rkl_qmet_health},
    {"utilization", rkl_qmet_utilization},
    {"capacity", rkl_qmet_capacity},
    {"stats", rkl_qmet_stats},
    {"tier", rkl_qmet_tier},
    {"suggested_upgrade", rkl_qmet_suggested},
    {NULL, NULL},
};
static const rkl_class_t rkl_qmetrics_class = {
    "QueueMetrics", sizeof(rk_queue_metrics_t), NULL, NULL, rkl_qmet_getters, NULL,
    NULL,           rkl_qmet_tostring,
};

void rkl_open_queue(lua_State *L, int mod) {
  rkl_enum_register(L, &rkl_queue_tier_enum, mod);
  rkl_enum_register(L, &rkl_queue_health_enum, mod);
  rkl_class_register(L, &rkl_qstats_class, mod);
  rkl_class_register(L, &rkl_qmonitor_class, mod);
  rkl_class_register(L, &rkl_qmetrics_class, mod);
}
