/* lua_args.c — argument normalisation and strict checkers.
 *
 * Lua has no keyword arguments; the binding's rule (docs/lua.md) is that a function takes
 * its parameters positionally or as ONE table of named arguments, so rkl_args rewrites
 * the second form into the first and every function then reads parameters by position.
 * The checkers never coerce (a string is not a number, a number is not a boolean) and
 * raise TypeError / ValueError values naming the argument and the limit, as the Python
 * binding does.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua_util.h"

#define RKL_U64_MAKE "ringkernel.u64.make"
#define RKL_U64_SPLIT "ringkernel.u64.split"
#define RKL_TWO53 9007199254740992.0
#define RKL_TWO64 18446744073709551616.0

const char *rkl_typename(lua_State *L, int idx) {
  if (lua_getmetatable(L, idx)) {
    lua_getfield(L, -1, "__name");
    const char *name = lua_tostring(L, -1);
    lua_pop(L, 2);
    if (name) return name; /* interned in the metatable, which the registry anchors */
  }
  return luaL_typename(L, idx);
}

const char *rkl_num_text(char *buf, size_t cap, double d) {
  if (isnan(d))
    snprintf(buf, cap, "nan");
  else if (isinf(d))
    snprintf(buf, cap, "%sinf", d < 0 ? "-" : "");
  else if (d == floor(d) && fabs(d) < 1e17)
    snprintf(buf, cap, "%.0f", d);
  else
    snprintf(buf, cap, "%.17g", d);
  return buf;
}

static bool rkl_is_named_table(lua_State *L, int idx, bool list_first) {
  if (lua_type(L, idx) != LUA_TTABLE) return false;
  if (lua_getmetatable(L, idx)) {
    lua_pop(L, 1);
    return false;
  }
  if (!list_first) return true;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) == LUA_TSTRING) {
      lua_pop(L, 1);
      return true;
    }
  }
  return false;
}

static int rkl_name_index(const char *const *names, const char *key) {
  for (int i = 0; names[i]; i++)
    if (strcmp(names[i], key) == 0) return i;
  return -1;
}

static void rkl_check_named_keys(lua_State *L, const char *fn, int t, const char *const *names) {
  lua_pushnil(L);
  while (lua_next(L, t)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING)
      rkl_error(L, "TypeError",
                "%s(): a table of named arguments takes only string keys, "
                "got a %s key",
                fn, luaL_typename(L, -1));
    if (rkl_name_index(names, lua_tostring(L, -1)) < 0)
      rkl_error(L, "TypeError", "%s() got an unexpected keyword argument '%s'", fn,
                lua_tostring(L, -1));
  }
}

void rkl_args(lua_State *L, const char *fn, int first, const char *const *names, bool list_first) {
  int n = 0;
  while (names[n])
    n++;
  int top = lua_gettop(L);
  if (top == first && rkl_is_named_table(L, first, list_first)) {
    rkl_check_named_keys(L, fn, first, names);
    for (int i = 0; i < n; i++)
      lua_getfield(L, first, names[i]);
    lua_remove(L, first);
  } else if (top - first + 1 > n) {
    rkl_error(L, "TypeError", "%s() takes at most %d argument%s (%d given)", fn, n,
              n == 1 ? "" : "s", top - first + 1);
  }
  lua_settop(L, first + n - 1);
}

/* Splits a 64-bit integer cdata into two 32-bit halves through the FFI helper. Returns
 * false when idx is not such a cdata; raises ValueError for a negative int64_t. */
static bool rkl_cdata_u64(lua_State *L, int idx, const char *what, uint64_t *out) {
  lua_getfield(L, LUA_REGISTRYINDEX, RKL_U64_SPLIT);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    return false;
  }
  lua_pushvalue(L, idx);
  lua_call(L, 1, 2);
  if (lua_isnil(L, -2)) {
    lua_pop(L, 2);
    return false;
  }
  if (lua_toboolean(L, -2) == 0)
    rkl_error(L, "ValueError", "%s must be >= 0, got a negative int64_t", what);
  *out = ((uint64_t)lua_tonumber(L, -2) << 32) | (uint64_t)lua_tonumber(L, -1);
  lua_pop(L, 2);
  return true;
}

/* The Lua number at idx; ValueError naming `what` unless it is a finite integer. */
static double rkl_check_integral(lua_State *L, int idx, const char *what) {
  double d = lua_tonumber(L, idx);
  char num[48];
  if (!isfinite(d) || d != floor(d))
    rkl_error(L, "ValueError", "%s must be an integer, got %s", what,
              rkl_num_text(num, sizeof num, d));
  return d;
}

uint64_t rkl_check_u64(lua_State *L, int idx, const char *what, uint64_t max) {
  uint64_t v = 0;
  if (lua_type(L, idx) == LUA_TNUMBER) {
    double d = rkl_check_integral(L, idx, what);
    char num[48];
    if (d < 0 || d >= RKL_TWO64 || (uint64_t)d > max)
      rkl_error(L, "ValueError", "%s must be 0..%llu, got %s", what, (unsigned long long)max,
                rkl_num_text(num, sizeof num, d));
    return (uint64_t)d;
  }
  if (lua_type(L, idx) != LUA_TNIL && lua_type(L, idx) != LUA_TSTRING &&
      lua_type(L, idx) != LUA_TTABLE && lua_type(L, idx) != LUA_TBOOLEAN &&
      rkl_cdata_u64(L, idx, what, &v)) {
    if (v > max)
      rkl_error(L, "ValueError", "%s must be 0..%llu, got %llu", what, (unsigned long long)max,
                (unsigned long long)v);
    return v;
  }
  rkl_error(L, "TypeError", "%s must be an integer, got %s", what, rkl_typename(L, idx));
  return 0;
}

uint64_t rkl_opt_u64(lua_State *L, int idx, const char *what, uint64_t max, uint64_t def) {
  return lua_isnoneornil(L, idx) ? def : rkl_check_u64(L, idx, what, max);
}

int64_t rkl_check_i64(lua_State *L, int idx, const char *what, int64_t min, int64_t max) {
  if (lua_type(L, idx) != LUA_TNUMBER) {
    uint64_t v = rkl_check_u64(L, idx, what, max < 0 ? 0 : (uint64_t)max);
    if ((int64_t)v < min)
      rkl_error(L, "ValueError", "%s must be %lld..%lld, got %llu", what, (long long)min,
                (long long)max, (unsigned long long)v);
    return (int64_t)v;
  }
  double d = rkl_check_integral(L, idx, what);
  char num[48];
  if (d < (double)min || d > (double)max)
    rkl_error(L, "ValueError", "%s must be %lld..%lld, got %s", what, (long long)min,
              (long long)max, rkl_num_text(num, sizeof num, d));
  return (int64_t)d;
}

double rkl_check_double(lua_State *L, int idx, const char *what, double lo, double hi) {
  if (lua_type(L, idx) != LUA_TNUMBER)
    rkl_error(L, "TypeError", "%s must be a number, got %s", what, rkl_typename(L, idx));
  double d = lua_tonumber(L, idx);
  char num[48];
  if (isnan(d)) rkl_error(L, "ValueError", "%s must be a number, got nan", what);
  if (d < lo || d > hi)
    rkl_error(L, "ValueError", "%s must be a number in [%g, %g], got %s", what, lo, hi,
              rkl_num_text(num, sizeof num, d));
  return d;
}

double rkl_opt_double(lua_State *L, int idx, const char *what, double lo, double hi, double def) {
  return lua_isnoneornil(L, idx) ? def : rkl_check_double(L, idx, what, lo, hi);
}

bool rkl_check_bool(lua_State *L, int idx, const char *what) {
  if (lua_type(L, idx) != LUA_TBOOLEAN)
    rkl_error(L, "TypeError", "%s must be a boolean, got %s", what, rkl_typename(L, idx));
  return lua_toboolean(L, idx) != 0;
}

bool rkl_opt_bool(lua_State *L, int idx, const char *what, bool def) {
  return lua_isnoneornil(L, idx) ? def : rkl_check_bool(L, idx, what);
}

const char *rkl_check_string(lua_State *L, int idx, const char *what, size_t *len) {
  if (lua_type(L, idx) != LUA_TSTRING)
    rkl_error(L, "TypeError", "%s must be a string, got %s", what, rkl_typename(L, idx));
  return lua_tolstring(L, idx, len);
}

int64_t rkl_opt_timeout(lua_State *L, int idx, const char *what, int64_t def_ns) {
  if (lua_isnoneornil(L, idx)) return def_ns;
  if (lua_type(L, idx) != LUA_TNUMBER)
    rkl_error(L, "TypeError", "%s must be a number of seconds, got %s", what, rkl_typename(L, idx));
  double s = lua_tonumber(L, idx);
  char num[48];
  if (isnan(s) || s < 0)
    rkl_error(L, "ValueError", "%s must be a finite number of seconds >= 0, got %s", what,
              rkl_num_text(num, sizeof num, s));
  if (s * 1e9 >= 9.2e18) return INT64_MAX;
  return (int64_t)(s * 1e9);
}

double *rkl_check_number_list(lua_State *L, int idx, const char *what, size_t *n) {
  if (lua_type(L, idx) != LUA_TTABLE)
    rkl_error(L, "TypeError", "%s must be a list of numbers, got %s", what, rkl_typename(L, idx));
  size_t count = lua_objlen(L, idx);
  double *buf = lua_newuserdata(L, (count ? count : 1) * sizeof(double));
  for (size_t i = 0; i < count; i++) {
    lua_rawgeti(L, idx, (int)i + 1);
    if (lua_type(L, -1) != LUA_TNUMBER)
      rkl_error(L, "TypeError", "%s[%zu] must be a number, got %s", what, i + 1,
                rkl_typename(L, -1));
    buf[i] = lua_tonumber(L, -1);
    lua_pop(L, 1);
    char num[48];
    if (!isfinite(buf[i]))
      rkl_error(L, "ValueError", "%s[%zu] must be finite, got %s", what, i + 1,
                rkl_num_text(num, sizeof num, buf[i]));
  }
  *n = count;
  return buf;
}

void rkl_push_u64(lua_State *L, uint64_t v) {
  if ((double)v <= RKL_TWO53) {
    lua_pushnumber(L, (lua_Number)v);
    return;
  }
  lua_getfield(L, LUA_REGISTRYINDEX, RKL_U64_MAKE);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    lua_pushnumber(L, (lua_Number)v);
    return;
  }
  lua_pushnumber(L, (lua_Number)(v >> 32));
  lua_pushnumber(L, (lua_Number)(v & 0xFFFFFFFFu));
  lua_call(L, 2, 1);
}

/* FFI glue for 64-bit values: make(hi, lo) builds a uint64_t cdata; split(x) returns
 * (hi, lo) for a uint64_t/int64_t cdata (false for a negative int64_t), nil otherwise. */
static const char rkl_u64_chunk[] =
    "local ok, ffi = pcall(require, 'ffi')\n"
    "if not ok then return nil, nil end\n"
    "local u64, i64 = ffi.typeof('uint64_t'), ffi.typeof('int64_t')\n"
    "local base = u64(4294967296)\n"
    "local function make(hi, lo) return u64(hi) * base + lo end\n"
    "local function split(x)\n"
    "  if ffi.istype(i64, x) then\n"
    "    if x < 0 then return false, 0 end\n"
    "    x = u64(x)\n"
    "  elseif not ffi.istype(u64, x) then return nil end\n"
    "  return tonumber(x / base), tonumber(x % base)\n"
    "end\n"
    "return make, split\n";

void rkl_open_u64(lua_State *L) {
  if (luaL_loadbuffer(L, rkl_u64_chunk, sizeof rkl_u64_chunk - 1, "=ringkernel.u64") != 0) {
    lua_pop(L, 1);
    return;
  }
  lua_call(L, 0, 2);
  lua_setfield(L, LUA_REGISTRYINDEX, RKL_U64_SPLIT);
  lua_setfield(L, LUA_REGISTRYINDEX, RKL_U64_MAKE);
}

const char *rkl_bool_text(bool b) {
  return b ? "true" : "false";
}

/* Python's repr of a str: single quotes unless the text holds ' and no ", backslash
 * escapes for the quote, backslash and control characters; other bytes as they are. */
void rkl_push_pyrepr_str(lua_State *L, const char *s, size_t len) {
  bool has_single = memchr(s, '\'', len) != NULL, has_double = memchr(s, '"', len) != NULL;
  char quote = has_single && !has_double ? '"' : '\'';
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  luaL_addchar(&b, quote);
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    char tmp[8];
    if (c == (unsigned char)quote || c == '\\') {
      luaL_addchar(&b, '\\');
      luaL_addchar(&b, (char)c);
    } else if (c == '\n' || c == '\r' || c == '\t') {
      luaL_addstring(&b, c == '\n' ? "\\n" : c == '\r' ? "\\r" : "\\t");
    } else if (c < 0x20 || c == 0x7f) {
      snprintf(tmp, sizeof tmp, "\\x%02x", c);
      luaL_addstring(&b, tmp);
    } else {
      luaL_addchar(&b, (char)c);
    }
  }
  luaL_addchar(&b, quote);
  luaL_pushresult(&b);
}

/* Shortest %.*e form of d that parses back to d: digits (no point) and decimal exponent. */
static void rkl_shortest_digits(double d, char *digits, size_t cap, int *exp10) {
  char buf[40];
  for (int prec = 0; prec < 17; prec++) {
    snprintf(buf, sizeof buf, "%.*e", prec, d);
    if (strtod(buf, NULL) == d) break;
  }
  char *e = strchr(buf, 'e');
  *exp10 = atoi(e + 1);
  *e = '\0';
  size_t n = 0;
  for (const char *p = buf; *p && n + 1 < cap; p++)
    if (*p >= '0' && *p <= '9') digits[n++] = *p;
  while (n > 1 && digits[n - 1] == '0')
    n--;
  digits[n] = '\0';
}

static void rkl_fixed_from_digits(luaL_Buffer *b, const char *digits, int exp10) {
  int n = (int)strlen(digits);
  if (exp10 < 0) {
    luaL_addstring(b, "0.");
    for (int i = 0; i < -exp10 - 1; i++)
      luaL_addchar(b, '0');
    luaL_addstring(b, digits);
    return;
  }
  for (int i = 0; i <= exp10; i++)
    luaL_addchar(b, i < n ? digits[i] : '0');
  luaL_addchar(b, '.');
  if (exp10 + 1 >= n)
    luaL_addchar(b, '0');
  else
    luaL_addstring(b, digits + exp10 + 1);
}

void rkl_push_pyfloat(lua_State *L, double d) {
  if (isnan(d)) {
    lua_pushstring(L, "nan");
    return;
  }
  if (isinf(d)) {
    lua_pushstring(L, d < 0 ? "-inf" : "inf");
    return;
  }
  char digits[32];
  int exp10 = 0;
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  if (signbit(d)) luaL_addchar(&b, '-');
  rkl_shortest_digits(fabs(d), digits, sizeof digits, &exp10);
  if (exp10 >= -4 && exp10 < 16) {
    rkl_fixed_from_digits(&b, digits, exp10);
  } else {
    char tail[16];
    luaL_addchar(&b, digits[0]);
    if (digits[1]) {
      luaL_addchar(&b, '.');
      luaL_addstring(&b, digits + 1);
    }
    snprintf(tail, sizeof tail, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
    luaL_addstring(&b, tail);
  }
  luaL_pushresult(&b);
}
