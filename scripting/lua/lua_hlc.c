/* lua_hlc.c — HlcTimestamp and HlcClock.
 *
 * Timestamps are immutable value userdata compared with ==, <, <= like Python's. pack()
 * returns the 128-bit packed value as a decimal string (Lua numbers hold 53 bits), and
 * unpack() takes that string back, or a number / uint64_t cdata when the value fits.
 */
#include <string.h>

#include "lua_util.h"
#include "ringkernel/hlc.h"

typedef struct rkl_clock {
  rk_hlc_clock_t *clock;
} rkl_clock_t;

static const rkl_class_t rkl_timestamp_class;
static const rkl_class_t rkl_clock_class;

void rkl_push_timestamp(lua_State *L, rk_hlc_timestamp_t ts) {
  *(rk_hlc_timestamp_t *)rkl_new(L, &rkl_timestamp_class) = ts;
}

rk_hlc_timestamp_t rkl_check_timestamp(lua_State *L, int idx, const char *what) {
  return *(rk_hlc_timestamp_t *)rkl_check(L, idx, &rkl_timestamp_class, what);
}

static rk_hlc_timestamp_t *rkl_ts_self(lua_State *L) {
  return rkl_self(L, &rkl_timestamp_class);
}

static int rkl_ts_new(lua_State *L) {
  static const char *const names[] = {"physical", "logical", "node_id", NULL};
  rkl_args(L, "HlcTimestamp", 1, names, false);
  rk_hlc_timestamp_t ts;
  ts.physical = rkl_check_u64(L, 1, "physical", UINT64_MAX);
  ts.logical = rkl_check_u64(L, 2, "logical", UINT64_MAX);
  ts.node_id = rkl_check_u64(L, 3, "node_id", UINT64_MAX);
  rkl_push_timestamp(L, ts);
  return 1;
}

static int rkl_ts_now(lua_State *L) {
  static const char *const names[] = {"node_id", NULL};
  rkl_args(L, "HlcTimestamp.now", 1, names, false);
  rkl_push_timestamp(L, rk_hlc_timestamp_now(rkl_check_u64(L, 1, "node_id", UINT64_MAX)));
  return 1;
}

static int rkl_ts_zero(lua_State *L) {
  rk_hlc_timestamp_t ts = {0, 0, 0};
  rkl_push_timestamp(L, ts);
  return 1;
}

/* Decimal text of hi * 2^64 + lo. */
static void rkl_push_u128(lua_State *L, uint64_t hi, uint64_t lo) {
  unsigned __int128 v = ((unsigned __int128)hi << 64) | lo;
  char buf[48];
  char *p = buf + sizeof buf;
  *--p = '\0';
  do {
    *--p = (char)('0' + (int)(v % 10));
    v /= 10;
  } while (v != 0);
  lua_pushstring(L, p);
}

static void rkl_check_u128(lua_State *L, int idx, uint64_t *hi, uint64_t *lo) {
  if (lua_type(L, idx) != LUA_TSTRING) {
    *hi = 0;
    *lo = rkl_check_u64(L, idx, "packed", UINT64_MAX);
    return;
  }
  size_t len;
  const char *s = lua_tolstring(L, idx, &len);
  unsigned __int128 v = 0;
  const unsigned __int128 max = ~(unsigned __int128)0;
  if (len == 0) rkl_error(L, "ValueError", "packed must be a decimal string, got ''");
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9')
      rkl_error(L, "ValueError", "packed must be a decimal string, got '%s'", s);
    unsigned d = (unsigned)(s[i] - '0');
    if (v > (max - d) / 10) rkl_error(L, "ValueError", "packed must be 0..2^128-1, got %s", s);
    v = v * 10 + d;
  }
  *hi = (uint64_t)(v >> 64);
  *lo = (uint64_t)v;
}

static int rkl_ts_unpack(lua_State *L) {
  static const char *const names[] = {"packed", NULL};
  rkl_args(L, "HlcTimestamp.unpack", 1, names, false);
  uint64_t hi, lo;
  rkl_check_u128(L, 1, &hi, &lo);
  rkl_push_timestamp(L, rk_hlc_timestamp_unpack(hi, lo));
  return 1;
}

static int rkl_ts_pack(lua_State *L) {
  uint64_t hi, lo;
  rk_hlc_timestamp_pack(*rkl_ts_self(L), &hi, &lo);
  rkl_push_u128(L, hi, lo);
  return 1;
}

static int rkl_ts_is_zero(lua_State *L) {
  lua_pushboolean(L, rk_hlc_timestamp_is_zero(*rkl_ts_self(L)));
  return 1;
}

static int rkl_ts_physical(lua_State *L) {
  rkl_push_u64(L, rkl_ts_self(L)->physical);
  return 1;
}

static int rkl_ts_logical(lua_State *L) {
  rkl_push_u64(L, rkl_ts_self(L)->logical);
  return 1;
}

static int rkl_ts_node_id(lua_State *L) {
  rkl_push_u64(L, rkl_ts_self(L)->node_id);
  return 1;
}

static int rkl_ts_as_millis(lua_State *L) {
  rkl_push_u64(L, rkl_ts_self(L)->physical / 1000);
  return 1;
}

static int rkl_ts_tostring(lua_State *L) {
  rk_hlc_timestamp_t *ts = lua_touserdata(L, 1);
  char buf[128];
  snprintf(buf, sizeof buf, "HlcTimestamp(physical=%llu, logical=%llu, node_id=%llu)",
           (unsigned long long)ts->physical, (unsigned long long)ts->logical,
           (unsigned long long)ts->node_id);
  lua_pushstring(L, buf);
  return 1;
}

/* Python's str(): HLC(P.L.N). */
static int rkl_ts_str(lua_State *L) {
  rk_hlc_timestamp_t *ts = rkl_ts_self(L);
  char buf[96];
  snprintf(buf, sizeof buf, "HLC(%llu.%llu.%llu)", (unsigned long long)ts->physical,
           (unsigned long long)ts->logical, (unsigned long long)ts->node_id);
  lua_pushstring(L, buf);
  return 1;
}

static int rkl_ts_cmp(lua_State *L) {
  rk_hlc_timestamp_t *a = rkl_test(L, 1, &rkl_timestamp_class);
  rk_hlc_timestamp_t *b = rkl_test(L, 2, &rkl_timestamp_class);
  if (a == NULL || b == NULL)
    rkl_error(L, "TypeError", "HlcTimestamp compares only with HlcTimestamp");
  return rk_hlc_timestamp_compare(*a, *b);
}

static int rkl_ts_eq(lua_State *L) {
  lua_pushboolean(L, rkl_ts_cmp(L) == 0);
  return 1;
}

static int rkl_ts_lt(lua_State *L) {
  lua_pushboolean(L, rkl_ts_cmp(L) < 0);
  return 1;
}

static int rkl_ts_le(lua_State *L) {
  lua_pushboolean(L, rkl_ts_cmp(L) <= 0);
  return 1;
}

static const luaL_Reg rkl_ts_methods[] = {
    {"pack", rkl_ts_pack},           {"is_zero", rkl_ts_is_zero}, {"as_micros", rkl_ts_physical},
    {"as_millis", rkl_ts_as_millis}, {"str", rkl_ts_str},         {NULL, NULL},
};
static const luaL_Reg rkl_ts_getters[] = {
    {"physical", rkl_ts_physical},
    {"logical", rkl_ts_logical},
    {"node_id", rkl_ts_node_id},
    {NULL, NULL},
};
static const luaL_Reg rkl_ts_statics[] = {
    {"now", rkl_ts_now},
    {"zero", rkl_ts_zero},
    {"unpack", rkl_ts_unpack},
    {NULL, NULL},
};
static const luaL_Reg rkl_ts_meta[] = {
    {"__eq", rkl_ts_eq},
    {"__lt", rkl_ts_lt},
    {"__le", rkl_ts_le},
    {NULL, NULL},
};
static const rkl_class_t rkl_timestamp_class = {
    "HlcTimestamp", sizeof(rk_hlc_timestamp_t),
    rkl_ts_new,     rkl_ts_methods,
    rkl_ts_getters, rkl_ts_statics,
    rkl_ts_meta,    rkl_ts_tostring,
};

/* ---- HlcClock -------------------------------------------------------------------------- */

static rk_hlc_clock_t *rkl_clock_self(lua_State *L) {
  return ((rkl_clock_t *)rkl_self(L, &rkl_clock_class))->clock;
}

static int rkl_clock_new(lua_State *L) {
  static const char *const names[] = {"node_id", "max_drift_ms", NULL};
  rkl_args(L, "HlcClock", 1, names, false);
  uint64_t node = rkl_check_u64(L, 1, "node_id", UINT64_MAX);
  uint64_t drift =
      rkl_opt_u64(L, 2, "max_drift_ms", UINT64_MAX / 1000, RK_HLC_DEFAULT_MAX_DRIFT_MS);
  rkl_clock_t *c = rkl_new(L, &rkl_clock_class);
  rk_status_t st = rk_hlc_clock_create(node, drift, &c->clock);
  if (st != RK_OK) return rkl_error_status(L, st);
  return 1;
}

static int rkl_clock_gc(lua_State *L) {
  rkl_clock_t *c = lua_touserdata(L, 1);
  rk_hlc_clock_destroy(c->clock);
  c->clock = NULL;
  return 0;
}

static int rkl_clock_now(lua_State *L) {
  rkl_push_timestamp(L, rk_hlc_clock_now(rkl_clock_self(L)));
  return 1;
}

static int rkl_clock_tick(lua_State *L) {
  rkl_push_timestamp(L, rk_hlc_clock_tick(rkl_clock_self(L)));
  return 1;
}

static int rkl_clock_update(lua_State *L) {
  static const char *const names[] = {"received", NULL};
  rk_hlc_clock_t *clock = rkl_clock_self(L);
  rkl_args(L, "HlcClock.update", 2, names, false);
  rk_hlc_timestamp_t out;
  rk_status_t st = rk_hlc_clock_update(clock, rkl_check_timestamp(L, 2, "received"), &out);
  if (st != RK_OK) return rkl_error_status(L, st);
  rkl_push_timestamp(L, out);
  return 1;
}

static int rkl_clock_node_id(lua_State *L) {
  rkl_push_u64(L, rk_hlc_clock_node_id(rkl_clock_self(L)));
  return 1;
}

static int rkl_clock_max_drift(lua_State *L) {
  rkl_push_u64(L, rk_hlc_clock_max_drift_ms(rkl_clock_self(L)));
  return 1;
}

static int rkl_clock_tostring(lua_State *L) {
  rkl_clock_t *c = lua_touserdata(L, 1);
  char buf[96];
  snprintf(buf, sizeof buf, "HlcClock(node_id=%llu, max_drift_ms=%llu)",
           (unsigned long long)rk_hlc_clock_node_id(c->clock),
           (unsigned long long)rk_hlc_clock_max_drift_ms(c->clock));
  lua_pushstring(L, buf);
  return 1;
}

static const luaL_Reg rkl_clock_methods[] = {
    {"now", rkl_clock_now},
    {"tick", rkl_clock_tick},
    {"update", rkl_clock_update},
    {NULL, NULL},
};
static const luaL_Reg rkl_clock_getters[] = {
    {"node_id", rkl_clock_node_id},
    {"max_drift_ms", rkl_clock_max_drift},
    {NULL, NULL},
};
static const luaL_Reg rkl_clock_meta[] = {{"__gc", rkl_clock_gc}, {NULL, NULL}};
static const rkl_class_t rkl_clock_class = {
    "HlcClock", sizeof(rkl_clock_t), rkl_clock_new,      rkl_clock_methods, rkl_clock_getters,
    NULL,       rkl_clock_meta,      rkl_clock_tostring,
};

void rkl_open_hlc(lua_State *L, int mod) {
  rkl_class_register(L, &rkl_timestamp_class, mod);
  rkl_class_register(L, &rkl_clock_class, mod);
}
