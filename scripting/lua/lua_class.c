/* lua_class.c — one metatable per class, built from an rkl_class_t descriptor.
 *
 * The registry maps the descriptor's address (a light userdata) to the instance
 * metatable, so type checks are one table lookup and no name can collide.
 * Instances: __index looks up properties (getters run) first, then methods; __newindex
 * raises AttributeError because every property is read-only, as in Python.
 * Class tables: class functions as fields; __index falls back to the instance methods
 * (like Python's `Class.method`); __call constructs. Both metatables carry `__methods`
 * and `__getters`, which rk.members reads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua_util.h"

/* Index in an instance metatable of the light userdata of its rkl_class_t (rkl_test). */
#define RKL_META_CLASS_SLOT 1

int rkl_instance_index(lua_State *L) {
  lua_pushvalue(L, 2);
  lua_rawget(L, lua_upvalueindex(2));
  if (!lua_isnil(L, -1)) {
    lua_pushvalue(L, 1);
    lua_call(L, 1, 1);
    return 1;
  }
  lua_pop(L, 1);
  lua_pushvalue(L, 2);
  lua_rawget(L, lua_upvalueindex(1));
  return 1;
}

static int rkl_instance_newindex(lua_State *L) {
  lua_getfield(L, lua_upvalueindex(1), "__name");
  return rkl_error(L, "AttributeError", "'%s' object attribute '%s' is read-only",
                   lua_tostring(L, -1), lua_tostring(L, 2) ? lua_tostring(L, 2) : "?");
}

static int rkl_default_tostring(lua_State *L) {
  lua_getmetatable(L, 1);
  lua_getfield(L, -1, "__name");
  lua_pushfstring(L, "<%s>", lua_tostring(L, -1));
  return 1;
}

static int rkl_class_call(lua_State *L) {
  lua_CFunction ctor = lua_tocfunction(L, lua_upvalueindex(1));
  lua_remove(L, 1);
  return ctor(L);
}

static int rkl_class_not_callable(lua_State *L) {
  lua_getfield(L, 1, "__name");
  return rkl_error(L, "TypeError", "cannot create '%s' instances", lua_tostring(L, -1));
}

static int rkl_class_tostring(lua_State *L) {
  lua_getfield(L, 1, "__name");
  lua_pushfstring(L, "<class '%s'>", lua_tostring(L, -1));
  return 1;
}

void rkl_set_member_tables(lua_State *L, int t, int m, int g) {
  lua_pushvalue(L, m);
  lua_setfield(L, t, "__methods");
  lua_pushvalue(L, g);
  lua_setfield(L, t, "__getters");
}

void rkl_push_reg_table(lua_State *L, const luaL_Reg *regs) {
  lua_newtable(L);
  for (const luaL_Reg *r = regs; r && r->name; r++) {
    lua_pushcfunction(L, r->func);
    lua_setfield(L, -2, r->name);
  }
}

/* Instance metatable at the top of the stack; methods at m, getters at g. */
static void rkl_fill_instance_meta(lua_State *L, const rkl_class_t *cls, int m, int g) {
  int mt = lua_gettop(L);
  lua_pushstring(L, cls->name);
  lua_setfield(L, mt, "__name");
  lua_pushvalue(L, m);
  lua_pushvalue(L, g);
  lua_pushcclosure(L, rkl_instance_index, 2);
  lua_setfield(L, mt, "__index");
  lua_pushvalue(L, mt);
  lua_pushcclosure(L, rkl_instance_newindex, 1);
  lua_setfield(L, mt, "__newindex");
  lua_pushcfunction(L, cls->tostring ? cls->tostring : rkl_default_tostring);
  lua_setfield(L, mt, "__tostring");
  for (const luaL_Reg *r = cls->meta; r && r->name; r++) {
    lua_pushcfunction(L, r->func);
    lua_setfield(L, mt, r->name);
  }
  rkl_set_member_tables(L, mt, m, g);
  lua_pushlightuserdata(L, (void *)cls);
  lua_rawseti(L, mt, RKL_META_CLASS_SLOT);
}

void rkl_class_register(lua_State *L, const rkl_class_t *cls, int mod) {
  rkl_push_reg_table(L, cls->methods);
  int m = lua_gettop(L);
  rkl_push_reg_table(L, cls->getters);
  int g = lua_gettop(L);
  lua_newtable(L);
  rkl_fill_instance_meta(L, cls, m, g);
  lua_pushlightuserdata(L, (void *)cls);
  lua_insert(L, -2);
  lua_rawset(L, LUA_REGISTRYINDEX);

  rkl_push_reg_table(L, cls->statics); /* the class table */
  int c = lua_gettop(L);
  lua_pushstring(L, cls->name);
  lua_setfield(L, c, "__name");
  lua_createtable(L, 0, 5); /* its metatable */
  lua_pushvalue(L, m);
  lua_setfield(L, -2, "__index");
  rkl_set_member_tables(L, lua_gettop(L), m, g);
  if (cls->ctor) {
    lua_pushcfunction(L, cls->ctor);
    lua_pushcclosure(L, rkl_class_call, 1);
  } else {
    lua_pushcfunction(L, rkl_class_not_callable);
  }
  lua_setfield(L, -2, "__call");
  lua_pushcfunction(L, rkl_class_tostring);
  lua_setfield(L, -2, "__tostring");
  lua_setmetatable(L, c);
  lua_setfield(L, mod, cls->name);
  lua_pop(L, 2);
}

void *rkl_new(lua_State *L, const rkl_class_t *cls) {
  void *p = lua_newuserdata(L, cls->size);
  memset(p, 0, cls->size);
  lua_pushlightuserdata(L, (void *)cls);
  lua_rawget(L, LUA_REGISTRYINDEX);
  lua_setmetatable(L, -2);
  return p;
}

/* The metatable names its class in an array slot: reading it is an index, where looking
 * the class's metatable up in the registry (keyed by a light userdata) was a hash search
 * of some 450 instructions, paid by every method call through rkl_self. */
void *rkl_test(lua_State *L, int idx, const rkl_class_t *cls) {
  if (lua_type(L, idx) != LUA_TUSERDATA || !lua_getmetatable(L, idx)) return NULL;
  lua_rawgeti(L, -1, RKL_META_CLASS_SLOT);
  bool same = lua_type(L, -1) == LUA_TLIGHTUSERDATA && lua_touserdata(L, -1) == (void *)cls;
  lua_pop(L, 2);
  return same ? lua_touserdata(L, idx) : NULL;
}

void *rkl_check(lua_State *L, int idx, const rkl_class_t *cls, const char *what) {
  void *p = rkl_test(L, idx, cls);
  if (p == NULL)
    rkl_error(L, "TypeError", "%s must be %s, got %s", what, cls->name, rkl_typename(L, idx));
  return p;
}

void *rkl_self(lua_State *L, const rkl_class_t *cls) {
  void *p = rkl_test(L, 1, cls);
  if (p == NULL)
    rkl_error(L, "TypeError",
              "%s method needs a %s as self (call it as obj:method()), "
              "got %s",
              cls->name, cls->name, rkl_typename(L, 1));
  return p;
}

/* ---- rk.members ------------------------------------------------------------------------ */

static void rkl_collect_keys(lua_State *L, int src, int dst) {
  if (lua_type(L, src) != LUA_TTABLE) return;
  lua_pushnil(L);
  while (lua_next(L, src)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) == LUA_TSTRING && strncmp(lua_tostring(L, -1), "__", 2) != 0) {
      lua_pushvalue(L, -1);
      lua_pushboolean(L, 1);
      lua_rawset(L, dst);
    }
  }
}

static int rkl_cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* rk.members(cls): sorted list of statics, methods and properties of a class or enum. */
static int rkl_members(lua_State *L) {
  if (lua_type(L, 1) != LUA_TTABLE || !lua_getmetatable(L, 1))
    return rkl_error(L, "TypeError", "members: expected a class or enum table, got %s",
                     luaL_typename(L, 1));
  int mt = lua_gettop(L);
  lua_newtable(L);
  int set = lua_gettop(L);
  rkl_collect_keys(L, 1, set);
  lua_getfield(L, mt, "__methods");
  rkl_collect_keys(L, lua_gettop(L), set);
  lua_getfield(L, mt, "__getters");
  rkl_collect_keys(L, lua_gettop(L), set);
  lua_settop(L, set);
  size_t n = 0;
  lua_pushnil(L);
  while (lua_next(L, set)) {
    lua_pop(L, 1);
    n++;
  }
  const char **names = lua_newuserdata(L, (n ? n : 1) * sizeof *names);
  size_t i = 0;
  lua_pushnil(L);
  while (lua_next(L, set)) {
    lua_pop(L, 1);
    names[i++] = lua_tostring(L, -1); /* anchored as keys of `set` */
  }
  qsort(names, n, sizeof *names, rkl_cmp_str);
  lua_createtable(L, (int)n, 0);
  for (i = 0; i < n; i++) {
    lua_pushstring(L, names[i]);
    lua_rawseti(L, -2, (int)i + 1);
  }
  return 1;
}

void rkl_open_members(lua_State *L, int mod) {
  lua_pushcfunction(L, rkl_members);
  lua_setfield(L, mod, "members");
}
