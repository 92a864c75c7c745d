/* lua_options.c — LaunchOptions, KernelMode and KernelState.
 *
 * LaunchOptions is an immutable rk_launch_options_t; the strings and the Lua handler
 * function it names live in the userdata's environment table, so a builder copies the
 * struct and the table. with_handler takes a registered C handler's name or a Lua
 * function; a function makes the kernel a "script" kernel served by rt:serve().
 */
#include <stdio.h>
#include <string.h>

#include "lua_runtime.h"

enum { RKL_GRID_MAX = 0x7FFFFFFF, RKL_BLOCK_MAX = 1024 };

static const rkl_class_t rkl_options_class;

/* ---- KernelMode / KernelState ----------------------------------------------------------- */

static const rkl_enum_member_t rkl_mode_members[] = {{"Persistent", RK_KERNEL_MODE_PERSISTENT},
                                                     {"EventDriven", RK_KERNEL_MODE_EVENT_DRIVEN},
                                                     {NULL, 0}};
const rkl_enum_t rkl_kernel_mode_enum = {"KernelMode", rkl_mode_members, NULL, NULL, NULL};

static int rkl_state_is(lua_State *L, unsigned mask) {
  int64_t v = rkl_enum_self(L, &rkl_kernel_state_enum);
  lua_pushboolean(L, (mask >> v) & 1u);
  return 1;
}

#define RKL_BIT(s) (1u << (s))
static int rkl_state_can_activate(lua_State *L) {
  return rkl_state_is(L, RKL_BIT(RK_KERNEL_LAUNCHED) | RKL_BIT(RK_KERNEL_DEACTIVATED));
}
static int rkl_state_can_deactivate(lua_State *L) {
  return rkl_state_is(L, RKL_BIT(RK_KERNEL_ACTIVE));
}
static int rkl_state_can_terminate(lua_State *L) {
  return rkl_state_is(L, RKL_BIT(RK_KERNEL_LAUNCHED) | RKL_BIT(RK_KERNEL_ACTIVE) |
                             RKL_BIT(RK_KERNEL_DEACTIVATED));
}
static int rkl_state_is_running(lua_State *L) {
  return rkl_state_is(L, RKL_BIT(RK_KERNEL_ACTIVE));
}
static int rkl_state_is_finished(lua_State *L) {
  return rkl_state_is(L, RKL_BIT(RK_KERNEL_TERMINATED));
}
#undef RKL_BIT

static const rkl_enum_member_t rkl_state_members[] = {
    {"Created", RK_KERNEL_CREATED},
    {"Launched", RK_KERNEL_LAUNCHED},
    {"Active", RK_KERNEL_ACTIVE},
    {"Deactivated", RK_KERNEL_DEACTIVATED},
    {"Terminating", RK_KERNEL_TERMINATING},
    {"Terminated", RK_KERNEL_TERMINATED},
    {NULL, 0},
};
static const luaL_Reg rkl_state_methods[] = {
    {"can_activate", rkl_state_can_activate},   {"can_deactivate", rkl_state_can_deactivate},
    {"can_terminate", rkl_state_can_terminate}, {"is_running", rkl_state_is_running},
    {"is_finished", rkl_state_is_finished},     {NULL, NULL},
};
const rkl_enum_t rkl_kernel_state_enum = {"KernelState", rkl_state_members, rkl_state_methods, NULL,
                                          NULL};

/* ---- LaunchOptions ---------------------------------------------------------------------- */

/* A new options userdata with a copy of `src` (NULL: defaults) and of the environment
 * table of the options at src_idx (0: an empty one). */
static rk_launch_options_t *rkl_opt_push(lua_State *L, const rk_launch_options_t *src,
                                         int src_idx) {
  rk_launch_options_t *o = rkl_new(L, &rkl_options_class);
  if (src)
    *o = *src;
  else
    rk_launch_options_init(o);
  lua_newtable(L);
  if (src_idx) {
    lua_getfenv(L, src_idx);
    lua_pushnil(L);
    while (lua_next(L, -2)) {
      lua_pushvalue(L, -2);
      lua_insert(L, -2);
      lua_rawset(L, -5);
    }
    lua_pop(L, 1);
  }
  lua_setfenv(L, -2);
  return o;
}

static rk_launch_options_t *rkl_opt_self(lua_State *L) {
  return rkl_self(L, &rkl_options_class);
}

/* Copy of self (at 1) for a builder. */
static rk_launch_options_t *rkl_opt_copy(lua_State *L) {
  return rkl_opt_push(L, rkl_opt_self(L), 1);
}

static int rkl_opt_new(lua_State *L) {
  if (lua_gettop(L) > 0)
    return rkl_error(L, "TypeError",
                     "LaunchOptions() takes no arguments: use the with_* "
                     "builders");
  rkl_opt_push(L, NULL, 0);
  return 1;
}

static uint32_t rkl_capacity_arg(lua_State *L, int idx, const char *what) {
  uint64_t v = rkl_check_u64(L, idx, what, UINT64_MAX);
  if (v == 0 || v > RK_QUEUE_CAPACITY_MAX)
    rkl_error(L, "ValueError", "%s %llu: must be 1..%d", what, (unsigned long long)v,
              (int)RK_QUEUE_CAPACITY_MAX);
  uint32_t p = 1;
  while (p < v)
    p <<= 1;
  return p;
}

static uint32_t rkl_range_arg(lua_State *L, int idx, const char *what, uint64_t hi) {
  uint64_t v = rkl_check_u64(L, idx, what, UINT64_MAX);
  if (v < 1 || v > hi)
    rkl_error(L, "ValueError", "%s %llu: must be 1..%llu", what, (unsigned long long)v,
              (unsigned long long)hi);
  return (uint32_t)v;
}

/* Builders taking one argument named `what`; the argument is checked before the copy. */
static int rkl_opt_with_u32(lua_State *L, const char *fn, const char *what, size_t offset,
                            uint64_t hi) {
  const char *names[] = {what, NULL};
  rkl_opt_self(L);
  rkl_args(L, fn, 2, names, false);
  uint32_t v = hi == 0 ? rkl_capacity_arg(L, 2, what) : rkl_range_arg(L, 2, what, hi);
  rk_launch_options_t *o = rkl_opt_copy(L);
  memcpy((char *)o + offset, &v, sizeof v);
  return 1;
}

#define RKL_OPT_U32(fname, field, what, hi)                                                        \
  static int rkl_##fname(lua_State *L) {                                                           \
    return rkl_opt_with_u32(L, "LaunchOptions." #fname, what,                                      \
                            offsetof(rk_launch_options_t, field), hi);                             \
  }
RKL_OPT_U32(with_input_queue_capacity, input_capacity, "input_queue_capacity", 0)
RKL_OPT_U32(with_output_queue_capacity, output_capacity, "output_queue_capacity", 0)
RKL_OPT_U32(with_grid_size, grid_size, "grid_size", RKL_GRID_MAX)
RKL_OPT_U32(with_block_size, block_size, "block_size", RKL_BLOCK_MAX)
RKL_OPT_U32(with_payload_capacity, payload_capacity, "payload_capacity", RK_PAYLOAD_CAPACITY_MAX)
#undef RKL_OPT_U32

static int rkl_with_queue_capacity(lua_State *L) {
  static const char *const names[] = {"queue_capacity", NULL};
  rkl_opt_self(L);
  rkl_args(L, "LaunchOptions.with_queue_capacity", 2, names, false);
  uint32_t v = rkl_capacity_arg(L, 2, "queue_capacity");
  rk_launch_options_t *o = rkl_opt_copy(L);
  o->input_capacity = o->output_capacity = v;
  return 1;
}

static int rkl_with_mode(lua_State *L) {
  static const char *const names[] = {"mode", NULL};
  rkl_opt_self(L);
  rkl_args(L, "LaunchOptions.with_mode", 2, names, false);
  int64_t mode = rkl_enum_check(L, 2, &rkl_kernel_mode_enum, "mode");
  rkl_opt_copy(L)->mode = (rk_kernel_mode_t)mode;
  return 1;
}

static int rkl_with_flag(lua_State *L, const char *fn, size_t offset) {
  static const char *const names[] = {"on", NULL};
  rkl_opt_self(L);
  rkl_args(L, fn, 2, names, false);
  bool on = rkl_opt_bool(L, 2, "on", true);
  rk_launch_options_t *o = rkl_opt_copy(L);
  *(bool *)((char *)o + offset) = on;
  return 1;
}

static int rkl_with_k2k(lua_State *L) {
  return rkl_with_flag(L, "LaunchOptions.with_k2k", offsetof(rk_launch_options_t, enable_k2k));
}

static int rkl_with_cooperative(lua_State *L) {
  return rkl_with_flag(L, "LaunchOptions.with_cooperative",
                       offsetof(rk_launch_options_t, cooperative));
}

static int rkl_without_auto_activate(lua_State *L) {
  rkl_opt_copy(L)->auto_activate = false;
  return 1;
}

/* Copy of self with env[key] = the value at idx. */
static int rkl_opt_with_env(lua_State *L, const char *key, int idx) {
  rkl_opt_copy(L);
  lua_getfenv(L, -1);
  lua_pushvalue(L, idx);
  lua_setfield(L, -2, key);
  lua_pop(L, 1);
  return 1;
}

static int rkl_with_handler(lua_State *L) {
  static const char *const names[] = {"handler", NULL};
  rkl_opt_self(L);
  rkl_args(L, "LaunchOptions.with_handler", 2, names, false);
  if (lua_type(L, 2) == LUA_TSTRING) {
    size_t len = lua_objlen(L, 2);
    if (len < 1 || len > 64)
      return rkl_error(L, "ValueError", "handler name '%s': must be 1..64 characters",
                       lua_tostring(L, 2));
  } else if (lua_type(L, 2) != LUA_TFUNCTION) {
    return rkl_error(L, "TypeError",
                     "handler must be a handler name (string) or a "
                     "function, got %s",
                     luaL_typename(L, 2));
  }
  return rkl_opt_with_env(L, "handler", 2);
}

static int rkl_with_forward_to(lua_State *L) {
  static const char *const names[] = {"kernel_id", NULL};
  rkl_opt_self(L);
  rkl_args(L, "LaunchOptions.with_forward_to", 2, names, false);
  rkl_check_string(L, 2, "forward_to", NULL);
  return rkl_opt_with_env(L, "forward_to", 2);
}

static int rkl_with_cuda_source(lua_State *L) {
  static const char *const names[] = {"source", "entry", NULL};
  rkl_opt_self(L);
  rkl_args(L, "LaunchOptions.with_cuda_source", 2, names, false);
  rkl_check_string(L, 2, "source", NULL);
  if (!lua_isnil(L, 3)) rkl_check_string(L, 3, "entry", NULL);
  rkl_opt_with_env(L, "cuda_source", 2);
  lua_getfenv(L, -1);
  lua_pushvalue(L, 3);
  lua_setfield(L, -2, "cuda_entry");
  lua_pop(L, 1);
  return 1;
}

static int rkl_single_block(lua_State *L) {
  static const char *const names[] = {"threads", NULL};
  rkl_args(L, "LaunchOptions.single_block", 1, names, false);
  uint32_t threads = rkl_range_arg(L, 1, "block_size", RKL_BLOCK_MAX);
  rkl_opt_push(L, NULL, 0)->block_size = threads;
  return 1;
}

static int rkl_multi_block(lua_State *L) {
  static const char *const names[] = {"grid_size", "block_size", NULL};
  rkl_args(L, "LaunchOptions.multi_block", 1, names, false);
  uint32_t grid = rkl_range_arg(L, 1, "grid_size", RKL_GRID_MAX);
  uint32_t block = rkl_range_arg(L, 2, "block_size", RKL_BLOCK_MAX);
  rk_launch_options_t *o = rkl_opt_push(L, NULL, 0);
  o->grid_size = grid;
  o->block_size = block;
  return 1;
}

void rkl_options_get(lua_State *L, int idx, rk_launch_options_t *out) {
  if (lua_isnoneornil(L, idx)) {
    rk_launch_options_init(out);
    lua_pushnil(L);
    return;
  }
  *out = *(rk_launch_options_t *)rkl_check(L, idx, &rkl_options_class, "options");
  lua_getfenv(L, idx);
  lua_getfield(L, -1, "cuda_source");
  out->cuda_source = lua_tostring(L, -1);
  lua_getfield(L, -2, "cuda_entry");
  out->cuda_entry = lua_tostring(L, -1);
  lua_getfield(L, -3, "forward_to");
  out->forward_to = lua_tostring(L, -1);
  lua_getfield(L, -4, "handler");
  if (lua_type(L, -1) == LUA_TFUNCTION) {
    out->handler = "script";
  } else {
    out->handler = lua_tostring(L, -1);
    lua_pop(L, 1);
    lua_pushnil(L);
  }
  lua_replace(L, -5);
  lua_pop(L, 3);
}

#define RKL_OPT_GET_U32(fname, field)                                                              \
  static int fname(lua_State *L) {                                                                 \
    lua_pushnumber(L, rkl_opt_self(L)->field);                                                     \
    return 1;                                                                                      \
  }
RKL_OPT_GET_U32(rkl_opt_grid, grid_size)
RKL_OPT_GET_U32(rkl_opt_block, block_size)
RKL_OPT_GET_U32(rkl_opt_input, input_capacity)
RKL_OPT_GET_U32(rkl_opt_output, output_capacity)
RKL_OPT_GET_U32(rkl_opt_payload, payload_capacity)
#undef RKL_OPT_GET_U32

#define RKL_OPT_GET_BOOL(fname, field)                                                             \
  static int fname(lua_State *L) {                                                                 \
    lua_pushboolean(L, rkl_opt_self(L)->field);                                                    \
    return 1;                                                                                      \
  }
RKL_OPT_GET_BOOL(rkl_opt_auto, auto_activate)
RKL_OPT_GET_BOOL(rkl_opt_coop, cooperative)
RKL_OPT_GET_BOOL(rkl_opt_k2k, enable_k2k)
#undef RKL_OPT_GET_BOOL

static int rkl_opt_mode(lua_State *L) {
  rkl_enum_push(L, &rkl_kernel_mode_enum, rkl_opt_self(L)->mode);
  return 1;
}

static int rkl_opt_env_field(lua_State *L, const char *key) {
  rkl_opt_self(L);
  lua_getfenv(L, 1);
  lua_getfield(L, -1, key);
  return 1;
}

static int rkl_opt_handler(lua_State *L) {
  return rkl_opt_env_field(L, "handler");
}
static int rkl_opt_cuda_source(lua_State *L) {
  return rkl_opt_env_field(L, "cuda_source");
}
static int rkl_opt_cuda_entry(lua_State *L) {
  return rkl_opt_env_field(L, "cuda_entry");
}
static int rkl_opt_forward_to(lua_State *L) {
  return rkl_opt_env_field(L, "forward_to");
}

static int rkl_opt_tostring(lua_State *L) {
  const rk_launch_options_t *o = lua_touserdata(L, 1);
  char buf[96];
  snprintf(buf, sizeof buf, "LaunchOptions(grid=%u, block=%u, queues=%u)", o->grid_size,
           o->block_size, o->input_capacity);
  lua_pushstring(L, buf);
  return 1;
}

static const luaL_Reg rkl_opt_methods[] = {
    {"with_mode", rkl_with_mode},
    {"with_queue_capacity", rkl_with_queue_capacity},
    {"with_input_queue_capacity", rkl_with_input_queue_capacity},
    {"with_output_queue_capacity", rkl_with_output_queue_capacity},
    {"with_grid_size", rkl_with_grid_size},
    {"with_block_size", rkl_with_block_size},
    {"with_payload_capacity", rkl_with_payload_capacity},
    {"without_auto_activate", rkl_without_auto_activate},
    {"with_cooperative", rkl_with_cooperative},
    {"with_k2k", rkl_with_k2k},
    {"with_handler", rkl_with_handler},
    {"with_forward_to", rkl_with_forward_to},
    {"with_cuda_source", rkl_with_cuda_source},
    {NULL, NULL},
};
static const luaL_Reg rkl_opt_getters[] = {
    {"mode", rkl_opt_mode},
    {"grid_size", rkl_opt_grid},
    {"block_size", rkl_opt_block},
    {"input_queue_capacity", rkl_opt_input},
    {"output_queue_capacity", rkl_opt_output},
    {"payload_capacity", rkl_opt_payload},
    {"auto_activate", rkl_opt_auto},
    {"cooperative", rkl_opt_coop},
    {"enable_k2k", rkl_opt_k2k},
    {"handler", rkl_opt_handler},
    {"cuda_source", rkl_opt_cuda_source},
    {"cuda_entry", rkl_opt_cuda_entry},
    {"forward_to", rkl_opt_forward_to},
    {NULL, NULL},
};
static const luaL_Reg rkl_opt_statics[] = {
    {"single_block", rkl_single_block}, {"multi_block", rkl_multi_block}, {NULL, NULL}};
static const rkl_class_t rkl_options_class = {
    "LaunchOptions",
    sizeof(rk_launch_options_t),
    rkl_opt_new,
    rkl_opt_methods,
    rkl_opt_getters,
    rkl_opt_statics,
    NULL,
    rkl_opt_tostring,
};

void rkl_open_options(lua_State *L, int mod) {
  rkl_enum_register(L, &rkl_kernel_mode_enum, mod);
  rkl_enum_register(L, &rkl_kernel_state_enum, mod);
  rkl_class_register(L, &rkl_options_class, mod);
}
