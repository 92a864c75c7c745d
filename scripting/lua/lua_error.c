/* lua_error.c — errors as values: kinds mirroring the Python exception hierarchy.
 *
 * An error value is a table {kind = "KernelStateError", message = "...", status =
 * "RK_ESTATE" (when it came from a C status)} whose metatable gives __tostring
 * "KernelStateError: message". A kind object (rk.exceptions.KernelStateError, also
 * rk.KernelStateError) has `name` and `parent`; calling it builds an error value, so
 * scripts raise their own with error(rk.ValueError("...")).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lua_util.h"

#define RKL_ERROR_MT "ringkernel.Error"
#define RKL_KIND_MT "ringkernel.ErrorKind"

typedef struct rkl_kind {
  const char *name;
  const char *parent;
  bool top_level; /* also exported as rk.<name> (every ringkernel exception is) */
} rkl_kind_t;

/* The Python hierarchy of spec §2 plus the builtins the binding raises. */
static const rkl_kind_t rkl_kinds[] = {
    {"Exception", NULL, false},
    {"ValueError", "Exception", false},
    {"TypeError", "Exception", false},
    {"TimeoutError", "OSError", false},
    {"OSError", "Exception", false},
    {"MemoryError", "Exception", false},
    {"KeyboardInterrupt", "Exception", false},
    {"AttributeError", "Exception", false},
    {"RingKernelError", "Exception", true},
    {"MemoryLimitError", "RingKernelError", true},
    {"KernelError", "RingKernelError", true},
    {"KernelStateError", "KernelError", true},
    {"CudaError", "RingKernelError", true},
    {"CudaDeviceError", "CudaError", true},
    {"CudaMemoryError", "CudaError", true},
    {"QueueError", "RingKernelError", true},
    {"QueueFullError", "QueueError", true},
    {"QueueEmptyError", "QueueError", true},
    {"K2KError", "RingKernelError", true},
    {"K2KDeliveryError", "K2KError", true},
    {"BenchmarkError", "RingKernelError", true},
    {"HybridError", "RingKernelError", true},
    {"GpuNotAvailableError", "HybridError", true},
    {"ResourceError", "RingKernelError", true},
    {"ReservationError", "ResourceError", true},
    {NULL, NULL, false},
};

static const rkl_kind_t *rkl_kind_find(const char *name) {
  for (const rkl_kind_t *k = rkl_kinds; k->name; k++)
    if (strcmp(k->name, name) == 0) return k;
  return NULL;
}

/* The kind name for a status. Never NULL. */
static const char *rkl_status_kind(rk_status_t status) {
  switch (status) {
  case RK_EINVAL:
  case RK_EVALIDATION:
  case RK_ETOOBIG: return "ValueError";
  case RK_ETIMEDOUT: return "TimeoutError";
  case RK_ENOMEM: return "MemoryError";
  case RK_EAGAIN: return "QueueFullError";
  case RK_ESTATE: return "KernelStateError";
  case RK_ENOTFOUND:
  case RK_EHANDLER:
  case RK_ESTUCK: return "KernelError";
  case RK_EMEMLIMIT: return "MemoryLimitError";
  case RK_ERESERVATION: return "ReservationError";
  case RK_ENODEVICE: return "CudaDeviceError";
  case RK_EGPUMEM: return "CudaMemoryError";
  case RK_ECUDA:
  case RK_ECOMPILE: return "CudaError";
  case RK_EMAXHOPS: return "K2KDeliveryError";
  case RK_EINTR: return "KeyboardInterrupt";
  case RK_EIO: return "OSError";
  case RK_OK:
  case RK_EEXIST:
  case RK_ESHUTDOWN:
  case RK_EMALFORMED:
  case RK_ECLOCKSKEW:
  case RK_EFAILED:
  case RK_EUNSUPPORTED: return "RingKernelError";
  }
  return "RingKernelError";
}

/* Pushes a new error value (not raised). */
static void rkl_push_error(lua_State *L, const char *kind, const char *message) {
  lua_createtable(L, 0, 3);
  lua_pushstring(L, kind);
  lua_setfield(L, -2, "kind");
  lua_pushstring(L, message);
  lua_setfield(L, -2, "message");
  luaL_getmetatable(L, RKL_ERROR_MT);
  lua_setmetatable(L, -2);
}

int rkl_error(lua_State *L, const char *kind, const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  rkl_push_error(L, kind, buf);
  return lua_error(L);
}

int rkl_error_status_as(lua_State *L, const char *kind, rk_status_t status) {
  const char *detail = rk_last_error();
  if (detail == NULL || detail[0] == '\0') detail = rk_status_str(status);
  rkl_push_error(L, kind, detail);
  lua_pushstring(L, rk_status_name(status));
  lua_setfield(L, -2, "status");
  return lua_error(L);
}

int rkl_error_status(lua_State *L, rk_status_t status) {
  return rkl_error_status_as(L, rkl_status_kind(status), status);
}

static int rkl_error_tostring(lua_State *L) {
  lua_getfield(L, 1, "kind");
  lua_getfield(L, 1, "message");
  lua_pushfstring(L, "%s: %s", lua_tostring(L, -2) ? lua_tostring(L, -2) : "Error",
                  lua_tostring(L, -1) ? lua_tostring(L, -1) : "");
  return 1;
}

/* The kind name a value designates: a kind object or a string. NULL otherwise. */
static const char *rkl_kind_name_of(lua_State *L, int idx) {
  if (lua_type(L, idx) == LUA_TSTRING) return lua_tostring(L, idx);
  if (lua_type(L, idx) != LUA_TTABLE || !lua_getmetatable(L, idx)) return NULL;
  luaL_getmetatable(L, RKL_KIND_MT);
  bool is_kind = lua_rawequal(L, -1, -2);
  lua_pop(L, 2);
  if (!is_kind) return NULL;
  lua_getfield(L, idx, "name");
  const char *name = lua_tostring(L, -1);
  lua_pop(L, 1);
  return name; /* anchored by the kind object's table */
}

static bool rkl_kind_descends(const char *kind, const char *ancestor) {
  const rkl_kind_t *k = rkl_kind_find(kind);
  while (k != NULL) {
    if (strcmp(k->name, ancestor) == 0) return true;
    k = k->parent ? rkl_kind_find(k->parent) : NULL;
  }
  return strcmp(kind, ancestor) == 0;
}

static bool rkl_is_error_value(lua_State *L, int idx) {
  if (lua_type(L, idx) != LUA_TTABLE || !lua_getmetatable(L, idx)) return false;
  luaL_getmetatable(L, RKL_ERROR_MT);
  bool yes = lua_rawequal(L, -1, -2);
  lua_pop(L, 2);
  return yes;
}

/* rk.is_error(e [, kind]): e is an error value of `kind` or of a kind below it. */
static int rkl_is_error(lua_State *L) {
  if (!rkl_is_error_value(L, 1)) {
    lua_pushboolean(L, 0);
    return 1;
  }
  if (lua_isnoneornil(L, 2)) {
    lua_pushboolean(L, 1);
    return 1;
  }
  const char *want = rkl_kind_name_of(L, 2);
  if (want == NULL)
    return rkl_error(L, "TypeError",
                     "is_error: kind must be a kind name or an "
                     "rk.exceptions entry, got %s",
                     luaL_typename(L, 2));
  lua_getfield(L, 1, "kind");
  const char *kind = lua_tostring(L, -1);
  lua_pushboolean(L, kind != NULL && rkl_kind_descends(kind, want));
  return 1;
}

/* kind(message): a new error value of that kind (not raised). */
static int rkl_kind_call(lua_State *L) {
  lua_getfield(L, 1, "name");
  const char *name = lua_tostring(L, -1);
  const char *msg = lua_isnoneornil(L, 2) ? "" : rkl_check_string(L, 2, "message", NULL);
  rkl_push_error(L, name, msg);
  return 1;
}

static int rkl_kind_tostring(lua_State *L) {
  lua_getfield(L, 1, "name");
  lua_pushfstring(L, "<class '%s'>", lua_tostring(L, -1));
  return 1;
}

static void rkl_make_metatables(lua_State *L) {
  luaL_newmetatable(L, RKL_ERROR_MT);
  lua_pushcfunction(L, rkl_error_tostring);
  lua_setfield(L, -2, "__tostring");
  lua_pop(L, 1);
  luaL_newmetatable(L, RKL_KIND_MT);
  lua_pushcfunction(L, rkl_kind_call);
  lua_setfield(L, -2, "__call");
  lua_pushcfunction(L, rkl_kind_tostring);
  lua_setfield(L, -2, "__tostring");
  lua_pop(L, 1);
}

void rkl_open_errors(lua_State *L, int mod) {
  rkl_make_metatables(L);
  lua_newtable(L);
  int exc = lua_gettop(L);
  /* Parents come before children in rkl_kinds, so each parent object already exists. */
  for (const rkl_kind_t *k = rkl_kinds; k->name; k++) {
    lua_createtable(L, 0, 2);
    lua_pushstring(L, k->name);
    lua_setfield(L, -2, "name");
    if (k->parent) {
      lua_getfield(L, exc, k->parent);
      lua_setfield(L, -2, "parent");
    }
    luaL_getmetatable(L, RKL_KIND_MT);
    lua_setmetatable(L, -2);
    if (k->top_level) {
      lua_pushvalue(L, -1);
      lua_setfield(L, mod, k->name);
    }
    lua_setfield(L, exc, k->name);
  }
  lua_setfield(L, mod, "exceptions");
  lua_pushcfunction(L, rkl_is_error);
  lua_setfield(L, mod, "is_error");
}
