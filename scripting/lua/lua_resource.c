/* lua_resource.c — MemoryEstimate, ResourceGuard, Reservation.
 *
 * Python's `with guard.reserve(n) as r:` becomes `guard:reserve(n, function(r) ... end)`:
 * with a function argument, reserve runs it and releases whatever was not committed when
 * it returns or raises (the error is re-raised unchanged). Without one it returns the
 * reservation; __gc releases an uncommitted reservation too.
 */
#include <math.h>
#include <stdio.h>

#include "lua_util.h"
#include "ringkernel/resource.h"

typedef struct rkl_guard {
  rk_resource_guard_t *g;
} rkl_guard_t;

typedef struct rkl_reservation {
  rk_reservation_t *r;
} rkl_reservation_t;

static const rkl_class_t rkl_estimate_class;
static const rkl_class_t rkl_guard_class;
static const rkl_class_t rkl_reservation_class;

/* ---- MemoryEstimate --------------------------------------------------------------------- */

static rk_memory_estimate_t *rkl_est_self(lua_State *L) {
  return rkl_self(L, &rkl_estimate_class);
}

static int rkl_est_make(lua_State *L, uint64_t primary, uint64_t aux, uint64_t peak,
                        double confidence) {
  rk_memory_estimate_t e;
  rk_status_t st = rk_memory_estimate_init(&e, primary, aux, peak, confidence);
  if (st != RK_OK) return rkl_error_status(L, st);
  *(rk_memory_estimate_t *)rkl_new(L, &rkl_estimate_class) = e;
  return 1;
}

static int rkl_est_new(lua_State *L) {
  static const char *const names[] = {"primary_bytes", "auxiliary_bytes", "peak_bytes",
                                      "confidence", NULL};
  rkl_args(L, "MemoryEstimate", 1, names, false);
  uint64_t primary = rkl_opt_u64(L, 1, "primary_bytes", UINT64_MAX, 0);
  uint64_t aux = rkl_opt_u64(L, 2, "auxiliary_bytes", UINT64_MAX, 0);
  uint64_t peak = rkl_opt_u64(L, 3, "peak_bytes", UINT64_MAX, 0);
  double conf = rkl_opt_double(L, 4, "confidence", -HUGE_VAL, HUGE_VAL, 1.0);
  return rkl_est_make(L, primary, aux, peak, conf);
}

static int rkl_est_for_elements(lua_State *L) {
  static const char *const names[] = {"count", "bytes_per_element", NULL};
  rkl_args(L, "MemoryEstimate.for_elements", 1, names, false);
  rk_memory_estimate_t e;
  rk_status_t st =
      rk_memory_estimate_for_elements(rkl_check_u64(L, 1, "count", UINT64_MAX),
                                      rkl_check_u64(L, 2, "bytes_per_element", UINT64_MAX), &e);
  if (st != RK_OK) return rkl_error_status(L, st);
  *(rk_memory_estimate_t *)rkl_new(L, &rkl_estimate_class) = e;
  return 1;
}

static int rkl_est_total(lua_State *L) {
  rkl_push_u64(L, rk_memory_estimate_total(rkl_est_self(L)));
  return 1;
}

/* A new estimate with primary replaced; the peak never drops below the new total. */
static int rkl_est_with_primary(lua_State *L) {
  static const char *const names[] = {"primary_bytes", NULL};
  rk_memory_estimate_t probe = *rkl_est_self(L);
  rkl_args(L, "MemoryEstimate.with_primary", 2, names, false);
  uint64_t old_peak = probe.peak_bytes;
  probe.primary_bytes = rkl_check_u64(L, 2, "primary_bytes", UINT64_MAX);
  uint64_t total = rk_memory_estimate_total(&probe);
  return rkl_est_make(L, probe.primary_bytes, probe.auxiliary_bytes,
                      old_peak > total ? old_peak : total, probe.confidence);
}

#define RKL_EST_GETTER(field)                                                                      \
  static int rkl_est_##field(lua_State *L) {                                                       \
    rkl_push_u64(L, rkl_est_self(L)->field);                                                       \
    return 1;                                                                                      \
  }
RKL_EST_GETTER(primary_bytes)
RKL_EST_GETTER(auxiliary_bytes)
RKL_EST_GETTER(peak_bytes)

static int rkl_est_confidence(lua_State *L) {
  lua_pushnumber(L, rkl_est_self(L)->confidence);
  return 1;
}

static int rkl_est_tostring(lua_State *L) {
  const rk_memory_estimate_t *e = lua_touserdata(L, 1);
  char buf[160];
  snprintf(buf, sizeof buf,
           "MemoryEstimate(primary=%llu, auxiliary=%llu, peak=%llu, "
           "confidence=",
           (unsigned long long)e->primary_bytes, (unsigned long long)e->auxiliary_bytes,
           (unsigned long long)e->peak_bytes);
  lua_pushstring(L, buf);
  rkl_push_pyfloat(L, e->confidence);
  lua_pushliteral(L, ")");
  lua_concat(L, 3);
  return 1;
}

static int rkl_est_eq(lua_State *L) {
  const rk_memory_estimate_t *a = lua_touserdata(L, 1), *b = lua_touserdata(L, 2);
  lua_pushboolean(L, a->primary_bytes == b->primary_bytes &&
                         a->auxiliary_bytes == b->auxiliary_bytes &&
                         a->peak_bytes == b->peak_bytes && a->confidence == b->confidence);
  return 1;
}

static const luaL_Reg rkl_est_methods[] = {
    {"total_bytes", rkl_est_total}, {"with_primary", rkl_est_with_primary}, {NULL, NULL}};
static const luaL_Reg rkl_est_getters[] = {
    {"primary_bytes", rkl_est_primary_bytes},
    {"auxiliary_bytes", rkl_est_auxiliary_bytes},
    {"peak_bytes", rkl_est_peak_bytes},
    {"confidence", rkl_est_confidence},
    {NULL, NULL},
};
static const luaL_Reg rkl_est_statics[] = {{"for_elements", rkl_est_for_elements}, {NULL, NULL}};
static const luaL_Reg rkl_est_meta[] = {{"__eq", rkl_est_eq}, {NULL, NULL}};
static const rkl_class_t rkl_estimate_class = {
    "MemoryEstimate", sizeof(rk_memory_estimate_t),
    rkl_est_new,      rkl_est_methods,
    rkl_est_getters,  rkl_est_statics,
    rkl_est_meta,     rkl_est_tostring,
};

/* ---- Reservation ------------------------------------------------------------------------ */

static rk_reservation_t *rkl_rsv_self(lua_State *L) {
  return ((rkl_reservation_t *)rkl_self(L, &rkl_reservation_class))->r;
}

static int rkl_rsv_gc(lua_State *L) {
  rkl_reservation_t *r = lua_touserdata(L, 1);
  rk_reservation_destroy(r->r);
  r->r = NULL;
  return 0;
}

static int rkl_rsv_bytes(lua_State *L) {
  rkl_push_u64(L, rk_reservation_bytes(rkl_rsv_self(L)));
  return 1;
}

static int rkl_rsv_is_committed(lua_State *L) {
  lua_pushboolean(L, rk_reservation_is_committed(rkl_rsv_self(L)));
  return 1;
}

static int rkl_rsv_is_released(lua_State *L) {
  lua_pushboolean(L, rk_reservation_is_released(rkl_rsv_self(L)));
  return 1;
}

static int rkl_rsv_commit(lua_State *L) {
  rk_status_t st = rk_reservation_commit(rkl_rsv_self(L));
  if (st != RK_OK) return rkl_error_status_as(L, "ReservationError", st);
  return 0;
}

static int rkl_rsv_release(lua_State *L) {
  rk_reservation_release(rkl_rsv_self(L));
  return 0;
}

static int rkl_rsv_tostring(lua_State *L) {
  rk_reservation_t *r = ((rkl_reservation_t *)lua_touserdata(L, 1))->r;
  const char *state = rk_reservation_is_committed(r)  ? "committed"
                      : rk_reservation_is_released(r) ? "released"
                                                      : "held";
  char buf[96];
  snprintf(buf, sizeof buf, "Reservation(bytes=%llu, %s)",
           (unsigned long long)rk_reservation_bytes(r), state);
  lua_pushstring(L, buf);
  return 1;
}

static const luaL_Reg rkl_rsv_methods[] = {
    {"is_committed", rkl_rsv_is_committed},
    {"is_released", rkl_rsv_is_released},
    {"commit", rkl_rsv_commit},
    {"release", rkl_rsv_release},
    {NULL, NULL},
};
static const luaL_Reg rkl_rsv_getters[] = {{"bytes", rkl_rsv_bytes}, {NULL, NULL}};
static const luaL_Reg rkl_rsv_meta[] = {{"__gc", rkl_rsv_gc}, {NULL, NULL}};
static const rkl_class_t rkl_reservation_class = {
    "Reservation", sizeof(rkl_reservation_t), NULL, rkl_rsv_methods, rkl_rsv_getters, NULL,
    rkl_rsv_meta,  rkl_rsv_tostring,
};

/* ---- ResourceGuard ---------------------------------------------------------------------- */

static rk_resource_guard_t *rkl_guard_self(lua_State *L) {
  return ((rkl_guard_t *)rkl_self(L, &rkl_guard_class))->g;
}

static int rkl_guard_wrap(lua_State *L, rk_status_t (*create)(rk_resource_guard_t **)) {
  rkl_guard_t *g = rkl_new(L, &rkl_guard_class);
  rk_status_t st = create(&g->g);
  if (st != RK_OK) return rkl_error_status(L, st);
  return 1;
}

static int rkl_guard_new(lua_State *L) {
  static const char *const names[] = {"max_memory_bytes", "safety_margin", NULL};
  rkl_args(L, "ResourceGuard", 1, names, false);
  uint64_t max = RK_RESOURCE_DEFAULT_MAX_BYTES;
  if (!lua_isnil(L, 1)) {
    max = rkl_check_u64(L, 1, "max_memory_bytes", UINT64_MAX);
    if (max == 0)
      return rkl_error(L, "ValueError", "max_memory_bytes must be >= 1 (nil means 4 GiB), got 0");
  }
  double margin =
      rkl_opt_double(L, 2, "safety_margin", -HUGE_VAL, HUGE_VAL, RK_RESOURCE_DEFAULT_MARGIN);
  rkl_guard_t *g = rkl_new(L, &rkl_guard_class);
  rk_status_t st = rk_resource_guard_create(max, margin, &g->g);
  if (st != RK_OK) return rkl_error_status(L, st);
  return 1;
}

static int rkl_guard_default(lua_State *L) {
  return rkl_guard_wrap(L, rk_resource_guard_create_default);
}

static int rkl_guard_unguarded(lua_State *L) {
  return rkl_guard_wrap(L, rk_resource_guard_create_unguarded);
}

static int rkl_guard_gc(lua_State *L) {
  rkl_guard_t *g = lua_touserdata(L, 1);
  rk_resource_guard_destroy(g->g);
  g->g = NULL;
  return 0;
}

#define RKL_GUARD_U64(fname, cfn)                                                                  \
  static int fname(lua_State *L) {                                                                 \
    rkl_push_u64(L, cfn(rkl_guard_self(L)));                                                       \
    return 1;                                                                                      \
  }
RKL_GUARD_U64(rkl_guard_max, rk_resource_guard_max_memory)
RKL_GUARD_U64(rkl_guard_current, rk_resource_guard_current_memory)
RKL_GUARD_U64(rkl_guard_reserved, rk_resource_guard_reserved_memory)
RKL_GUARD_U64(rkl_guard_available, rk_resource_guard_available)

static int rkl_guard_margin(lua_State *L) {
  lua_pushnumber(L, rk_resource_guard_safety_margin(rkl_guard_self(L)));
  return 1;
}

static uint64_t rkl_guard_bytes_arg(lua_State *L, const char *fn) {
  static const char *const names[] = {"bytes", NULL};
  rkl_args(L, fn, 2, names, false);
  return rkl_check_u64(L, 2, "bytes", UINT64_MAX);
}

static int rkl_guard_can_allocate(lua_State *L) {
  rk_resource_guard_t *g = rkl_guard_self(L);
  lua_pushboolean(
      L, rk_resource_guard_can_allocate(g, rkl_guard_bytes_arg(L, "ResourceGuard.can_allocate")));
  return 1;
}

static int rkl_guard_record_allocation(lua_State *L) {
  rk_resource_guard_t *g = rkl_guard_self(L);
  rk_resource_guard_record_allocation(g, rkl_guard_bytes_arg(L, "ResourceGuard.record_allocation"));
  return 0;
}

static int rkl_guard_record_deallocation(lua_State *L) {
  rk_resource_guard_t *g = rkl_guard_self(L);
  rk_resource_guard_record_deallocation(
      g, rkl_guard_bytes_arg(L, "ResourceGuard.record_deallocation"));
  return 0;
}

/* Runs fn(reservation) under pcall, releases what was not committed, re-raises. */
static int rkl_guard_reserve_scoped(lua_State *L, int fn, int rsv) {
  lua_pushvalue(L, fn);
  lua_pushvalue(L, rsv);
  int base = lua_gettop(L) - 2;
  int rc = lua_pcall(L, 1, LUA_MULTRET, 0);
  rk_reservation_release(((rkl_reservation_t *)lua_touserdata(L, rsv))->r);
  if (rc != 0) return lua_error(L);
  return lua_gettop(L) - base;
}

static int rkl_guard_reserve(lua_State *L) {
  static const char *const names[] = {"bytes", "fn", NULL};
  rk_resource_guard_t *g = rkl_guard_self(L);
  rkl_args(L, "ResourceGuard.reserve", 2, names, false);
  uint64_t bytes = rkl_check_u64(L, 2, "bytes", UINT64_MAX);
  if (!lua_isnil(L, 3) && lua_type(L, 3) != LUA_TFUNCTION)
    return rkl_error(L, "TypeError", "fn must be a function, got %s", luaL_typename(L, 3));
  rkl_reservation_t *r = rkl_new(L, &rkl_reservation_class);
  rk_status_t st = rk_resource_reserve(g, bytes, &r->r);
  if (st != RK_OK) return rkl_error_status(L, st);
  if (lua_isnil(L, 3)) return 1;
  return rkl_guard_reserve_scoped(L, 3, lua_gettop(L));
}

static int rkl_guard_validate(lua_State *L) {
  static const char *const names[] = {"estimate", NULL};
  rk_resource_guard_t *g = rkl_guard_self(L);
  rkl_args(L, "ResourceGuard.validate", 2, names, false);
  const rk_memory_estimate_t *e = rkl_check(L, 2, &rkl_estimate_class, "estimate");
  rk_status_t st = rk_resource_guard_validate(g, e);
  if (st != RK_OK) return rkl_error_status(L, st);
  return 0;
}

static int rkl_guard_max_safe_elements(lua_State *L) {
  static const char *const names[] = {"bytes_per_element", NULL};
  rk_resource_guard_t *g = rkl_guard_self(L);
  rkl_args(L, "ResourceGuard.max_safe_elements", 2, names, false);
  uint64_t n = 0;
  rk_status_t st = rk_resource_guard_max_safe_elements(
      g, rkl_check_u64(L, 2, "bytes_per_element", UINT64_MAX), &n);
  if (st != RK_OK) return rkl_error_status(L, st);
  rkl_push_u64(L, n);
  return 1;
}

static int rkl_guard_utilization(lua_State *L) {
  lua_pushnumber(L, rk_resource_guard_utilization(rkl_guard_self(L)));
  return 1;
}

static int rkl_guard_set_enforce(lua_State *L) {
  static const char *const names[] = {"enforce", NULL};
  rk_resource_guard_t *g = rkl_guard_self(L);
  rkl_args(L, "ResourceGuard.set_enforce_limits", 2, names, false);
  rk_resource_guard_set_enforce(g, rkl_check_bool(L, 2, "enforce"));
  return 0;
}

static int rkl_guard_is_enforcing(lua_State *L) {
  lua_pushboolean(L, rk_resource_guard_is_enforcing(rkl_guard_self(L)));
  return 1;
}

static int rkl_guard_tostring(lua_State *L) {
  rk_resource_guard_t *g = ((rkl_guard_t *)lua_touserdata(L, 1))->g;
  char buf[200];
  snprintf(buf, sizeof buf, "ResourceGuard(max=%llu, current=%llu, reserved=%llu, margin=",
           (unsigned long long)rk_resource_guard_max_memory(g),
           (unsigned long long)rk_resource_guard_current_memory(g),
           (unsigned long long)rk_resource_guard_reserved_memory(g));
  lua_pushstring(L, buf);
  rkl_push_pyfloat(L, rk_resource_guard_safety_margin(g));
  lua_pushfstring(L, ", enforcing=%s)", rkl_bool_text(rk_resource_guard_is_enforcing(g)));
  lua_concat(L, 3);
  return 1;
}

static const luaL_Reg rkl_guard_methods[] = {
    {"available_memory", rkl_guard_available},
    {"can_allocate", rkl_guard_can_allocate},
    {"record_allocation", rkl_guard_record_allocation},
    {"record_deallocation", rkl_guard_record_deallocation},
    {"reserve", rkl_guard_reserve},
    {"validate", rkl_guard_validate},
    {"max_safe_elements", rkl_guard_max_safe_elements},
    {"utilization", rkl_guard_utilization},
    {"set_enforce_limits", rkl_guard_set_enforce},
    {"is_enforcing", rkl_guard_is_enforcing},
    {NULL, NULL},
};
static const luaL_Reg rkl_guard_getters[] = {
    {"max_memory", rkl_guard_max},
    {"current_memory", rkl_guard_current},
    {"reserved_memory", rkl_guard_reserved},
    {"safety_margin", rkl_guard_margin},
    {NULL, NULL},
};
static const luaL_Reg rkl_guard_statics[] = {
    {"default", rkl_guard_default}, {"unguarded", rkl_guard_unguarded}, {NULL, NULL}};
static const luaL_Reg rkl_guard_meta[] = {{"__gc", rkl_guard_gc}, {NULL, NULL}};
static const rkl_class_t rkl_guard_class = {
    "ResourceGuard",   sizeof(rkl_guard_t), rkl_guard_new,  rkl_guard_methods,
    rkl_guard_getters, rkl_guard_statics,   rkl_guard_meta, rkl_guard_tostring,
};

void rkl_open_resource(lua_State *L, int mod) {
  rkl_class_register(L, &rkl_estimate_class, mod);
  rkl_class_register(L, &rkl_reservation_class, mod);
  rkl_class_register(L, &rkl_guard_class, mod);
}
