/* lua_enum.c — enums as tables of singleton member userdata.
 *
 * Python's enums are IntEnum; the closest Lua shape that keeps parity is one userdata
 * per member, created once: `==` is identity (so equal values are equal members),
 * `<`/`<=` compare values, `m.name`/`m.value` read like Python's, member methods are
 * called with ':' (rk.KernelState.Active:is_running()), and tostring gives
 * "KernelState.Active". The enum table holds the members by name and in value order at
 * 1..n (ipairs iterates them); calling it maps a value to its member like
 * `KernelState(2)`.
 */
#include <string.h>

#include "lua_util.h"

typedef struct rkl_member {
  const rkl_enum_t *e;
  int64_t value;
  const char *name; /* static storage of the descriptor */
} rkl_member_t;

static rkl_member_t *rkl_member_test(lua_State *L, int idx) {
  if (lua_type(L, idx) != LUA_TUSERDATA || !lua_getmetatable(L, idx)) return NULL;
  lua_getfield(L, -1, "__enum");
  bool is_member = lua_islightuserdata(L, -1);
  lua_pop(L, 2);
  return is_member ? lua_touserdata(L, idx) : NULL;
}

static int rkl_member_name(lua_State *L) {
  lua_pushstring(L, rkl_member_test(L, 1)->name);
  return 1;
}

static int rkl_member_value(lua_State *L) {
  lua_pushnumber(L, (lua_Number)rkl_member_test(L, 1)->value);
  return 1;
}

static int rkl_member_newindex(lua_State *L) {
  rkl_member_t *m = lua_touserdata(L, 1);
  return rkl_error(L, "AttributeError", "%s members are read-only", m->e->name);
}

static int rkl_member_tostring(lua_State *L) {
  rkl_member_t *m = lua_touserdata(L, 1);
  lua_pushfstring(L, "%s.%s", m->e->name, m->name);
  return 1;
}

static void rkl_member_pair(lua_State *L, rkl_member_t **a, rkl_member_t **b) {
  *a = rkl_member_test(L, 1);
  *b = rkl_member_test(L, 2);
  if (*a == NULL || *b == NULL || (*a)->e != (*b)->e)
    rkl_error(L, "TypeError", "'<' is only defined between members of the same enum");
}

static int rkl_member_lt(lua_State *L) {
  rkl_member_t *a, *b;
  rkl_member_pair(L, &a, &b);
  lua_pushboolean(L, a->value < b->value);
  return 1;
}

static int rkl_member_le(lua_State *L) {
  rkl_member_t *a, *b;
  rkl_member_pair(L, &a, &b);
  lua_pushboolean(L, a->value <= b->value);
  return 1;
}

static void rkl_push_enum_meta(lua_State *L, const rkl_enum_t *e) {
  lua_pushlightuserdata(L, (void *)e);
  lua_rawget(L, LUA_REGISTRYINDEX);
}

void rkl_enum_push_or_nil(lua_State *L, const rkl_enum_t *e, int64_t value) {
  rkl_push_enum_meta(L, e);
  lua_getfield(L, -1, "__byvalue");
  lua_pushnumber(L, (lua_Number)value);
  lua_rawget(L, -2);
  lua_replace(L, -3);
  lua_pop(L, 1);
}

void rkl_enum_push(lua_State *L, const rkl_enum_t *e, int64_t value) {
  rkl_enum_push_or_nil(L, e, value);
  if (lua_isnil(L, -1))
    rkl_error(L, "ValueError", "%lld is not a valid %s", (long long)value, e->name);
}

int64_t rkl_enum_check(lua_State *L, int idx, const rkl_enum_t *e, const char *what) {
  rkl_member_t *m = rkl_member_test(L, idx);
  if (m != NULL) {
    if (m->e != e)
      rkl_error(L, "TypeError", "%s must be %s, got %s.%s", what, e->name, m->e->name, m->name);
    return m->value;
  }
  if (lua_type(L, idx) == LUA_TNUMBER) {
    int64_t v = rkl_check_i64(L, idx, what, INT32_MIN, INT32_MAX);
    rkl_enum_push(L, e, v);
    lua_pop(L, 1);
    return v;
  }
  if (lua_type(L, idx) == LUA_TSTRING) {
    for (const rkl_enum_member_t *mm = e->members; mm->name; mm++)
      if (strcmp(mm->name, lua_tostring(L, idx)) == 0) return mm->value;
    rkl_error(L, "TypeError", "%s must be %s (a member, its value or its name), got '%s'", what,
              e->name, lua_tostring(L, idx));
  }
  rkl_error(L, "TypeError", "%s must be %s, got %s", what, e->name, luaL_typename(L, idx));
  return 0;
}

int64_t rkl_enum_self(lua_State *L, const rkl_enum_t *e) {
  rkl_member_t *m = rkl_member_test(L, 1);
  if (m == NULL || m->e != e)
    rkl_error(L, "TypeError",
              "%s method needs a %s member as self (call it as "
              "member:method())",
              e->name, e->name);
  return m->value;
}

/* Enum table __call: KernelState(2) -> KernelState.Active. */
static int rkl_enum_call(lua_State *L) {
  lua_getmetatable(L, 1);
  lua_getfield(L, -1, "__enum");
  const rkl_enum_t *e = lua_touserdata(L, -1);
  rkl_enum_push(L, e, rkl_check_i64(L, 2, "value", INT32_MIN, INT32_MAX));
  return 1;
}

static int rkl_enum_tostring(lua_State *L) {
  lua_getfield(L, 1, "__name");
  lua_pushfstring(L, "<enum '%s'>", lua_tostring(L, -1));
  return 1;
}

/* The member metatable (left on the stack), with methods at m and getters at g. */
static int rkl_make_member_meta(lua_State *L, const rkl_enum_t *e, int m, int g) {
  lua_newtable(L);
  int mt = lua_gettop(L);
  lua_pushstring(L, e->name);
  lua_setfield(L, mt, "__name");
  lua_pushlightuserdata(L, (void *)e);
  lua_setfield(L, mt, "__enum");
  lua_pushvalue(L, m);
  lua_pushvalue(L, g);
  lua_pushcclosure(L, rkl_instance_index, 2);
  lua_setfield(L, mt, "__index");
  lua_pushcfunction(L, rkl_member_newindex);
  lua_setfield(L, mt, "__newindex");
  lua_pushcfunction(L, rkl_member_tostring);
  lua_setfield(L, mt, "__tostring");
  lua_pushcfunction(L, rkl_member_lt);
  lua_setfield(L, mt, "__lt");
  lua_pushcfunction(L, rkl_member_le);
  lua_setfield(L, mt, "__le");
  lua_newtable(L);
  lua_setfield(L, mt, "__byvalue");
  lua_pushlightuserdata(L, (void *)e);
  lua_pushvalue(L, mt);
  lua_rawset(L, LUA_REGISTRYINDEX);
  return mt;
}

static void rkl_make_members(lua_State *L, const rkl_enum_t *e, int mt, int t) {
  lua_getfield(L, mt, "__byvalue");
  int byvalue = lua_gettop(L);
  int i = 1;
  for (const rkl_enum_member_t *mm = e->members; mm->name; mm++, i++) {
    rkl_member_t *u = lua_newuserdata(L, sizeof *u);
    u->e = e;
    u->value = mm->value;
    u->name = mm->name;
    lua_pushvalue(L, mt);
    lua_setmetatable(L, -2);
    lua_pushnumber(L, (lua_Number)mm->value);
    lua_pushvalue(L, -2);
    lua_rawset(L, byvalue);
    lua_pushvalue(L, -1);
    lua_rawseti(L, t, i);
    lua_setfield(L, t, mm->name);
  }
  lua_pop(L, 1);
}

void rkl_enum_register(lua_State *L, const rkl_enum_t *e, int mod) {
  rkl_push_reg_table(L, e->methods);
  int m = lua_gettop(L);
  rkl_push_reg_table(L, e->getters);
  int g = lua_gettop(L);
  lua_pushcfunction(L, rkl_member_name);
  lua_setfield(L, g, "name");
  lua_pushcfunction(L, rkl_member_value);
  lua_setfield(L, g, "value");
  int mt = rkl_make_member_meta(L, e, m, g);

  rkl_push_reg_table(L, e->statics);
  int t = lua_gettop(L);
  lua_pushstring(L, e->name);
  lua_setfield(L, t, "__name");
  rkl_make_members(L, e, mt, t);
  lua_createtable(L, 0, 5);
  lua_pushlightuserdata(L, (void *)e);
  lua_setfield(L, -2, "__enum");
  rkl_set_member_tables(L, lua_gettop(L), m, g);
  lua_pushcfunction(L, rkl_enum_call);
  lua_setfield(L, -2, "__call");
  lua_pushcfunction(L, rkl_enum_tostring);
  lua_setfield(L, -2, "__tostring");
  lua_setmetatable(L, t);
  lua_setfield(L, mod, e->name);
  lua_settop(L, m - 1);
}
