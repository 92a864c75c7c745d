/* lua_runtime.c — Backend, RingKernel and RuntimeMetrics.
 *
 * Python's create()/create_sync(), launch()/launch_sync() and shutdown()/shutdown_sync()
 * are one function each here (the synchronous one, under the plain name): Lua scripts
 * have no event loop to await on. `rk.RingKernel{...}` equals `rk.RingKernel.create{...}`.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "lua_runtime.h"

#define RKL_WAIT_SLICE_NS 50000000LL
#define RKL_POLL_KEY "ringkernel.poll"

static const rkl_class_t rkl_metrics_class;

static const rkl_enum_member_t rkl_backend_members[] = {
    {"Auto", RK_BACKEND_AUTO},   {"Cpu", RK_BACKEND_CPU},   {"Cuda", RK_BACKEND_CUDA},
    {"Metal", RK_BACKEND_METAL}, {"Wgpu", RK_BACKEND_WGPU}, {NULL, 0},
};
static const rkl_enum_t rkl_backend_enum = {"Backend", rkl_backend_members, NULL, NULL, NULL};

/* ---- waiting ---------------------------------------------------------------------------- */

int64_t rkl_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t rkl_deadline_ns(int64_t timeout_ns) {
  if (timeout_ns < 0) return -1; /* before the clock read: waits without one are common */
  int64_t now = rkl_now_ns();
  if (timeout_ns > INT64_MAX - now) return -1;
  return now + timeout_ns;
}

int64_t rkl_left_ns(int64_t deadline_ns) {
  if (deadline_ns < 0) return -1;
  int64_t left = deadline_ns - rkl_now_ns();
  return left > 0 ? left : 0;
}

static void rkl_poll(lua_State *L) {
  lua_getfield(L, LUA_REGISTRYINDEX, RKL_POLL_KEY);
  lua_call(L, 0, 0);
}

/* The first slice reads no clock: it is bounded by the timeout itself (a slice that
 * timed out lasted at least its length), and an answer usually ends it: a request's
 * reply, a receive's message. The deadline is read only when the first slice ends
 * without one (counting none of it when the runtime's wait was interrupted early). */
rk_status_t rkl_wait(lua_State *L, rkl_wait_step step, void *ctx, int64_t timeout_ns) {
  bool bounded = timeout_ns >= 0 && timeout_ns <= RKL_WAIT_SLICE_NS;
  int64_t first = bounded ? timeout_ns : RKL_WAIT_SLICE_NS;
  rk_status_t st = step(ctx, first);
  if (st != RK_ETIMEDOUT && st != RK_EAGAIN && st != RK_EINTR) return st;
  if (bounded && st != RK_EINTR) {
    rk_last_error_set_timeout(timeout_ns); /* name the caller's timeout */
    return RK_ETIMEDOUT;
  }
  int64_t deadline =
      rkl_deadline_ns(timeout_ns < 0 ? -1 : timeout_ns - (st == RK_EINTR ? 0 : first));
  for (;;) {
    rkl_poll(L);
    int64_t slice = RKL_WAIT_SLICE_NS;
    if (deadline >= 0) {
      int64_t left = rkl_left_ns(deadline);
      if (left < slice) slice = left;
    }
    st = step(ctx, slice);
    if (st != RK_ETIMEDOUT && st != RK_EAGAIN && st != RK_EINTR) return st;
    if (deadline >= 0 && rkl_now_ns() >= deadline) {
      rk_last_error_set_timeout(timeout_ns); /* name the caller's timeout, not the slice */
      return RK_ETIMEDOUT;
    }
  }
}

/* ---- RingKernel ------------------------------------------------------------------------- */

rkl_runtime_t *rkl_rt_self(lua_State *L) {
  rkl_runtime_t *r = rkl_self(L, &rkl_runtime_class);
  if (r->rt == NULL) rkl_error(L, "RingKernelError", "runtime is closed");
  return r;
}

static rk_backend_kind_t rkl_backend_arg(lua_State *L, int idx) {
  if (lua_isnil(L, idx)) return RK_BACKEND_CPU;
  if (lua_type(L, idx) == LUA_TSTRING) {
    rk_backend_kind_t kind;
    rk_status_t st = rk_backend_parse(lua_tostring(L, idx), &kind);
    if (st != RK_OK) rkl_error_status(L, st);
    return kind;
  }
  return (rk_backend_kind_t)rkl_enum_check(L, idx, &rkl_backend_enum, "backend");
}

static int rkl_rt_create(lua_State *L) {
  static const char *const names[] = {"backend", "node_id", "enable_k2k", "workers", NULL};
  rkl_args(L, "RingKernel.create", 1, names, false);
  rk_runtime_config_t cfg;
  rk_runtime_config_init(&cfg);
  cfg.backend = rkl_backend_arg(L, 1);
  cfg.node_id = rkl_opt_u64(L, 2, "node_id", 65535, cfg.node_id);
  cfg.enable_k2k = rkl_opt_bool(L, 3, "enable_k2k", true);
  cfg.worker_count = (uint32_t)rkl_opt_u64(L, 4, "workers", 256, 0);
  rkl_runtime_t *r = rkl_new(L, &rkl_runtime_class);
  lua_createtable(L, 0, 2);
  lua_newtable(L);
  lua_setfield(L, -2, "kernels");
  lua_newtable(L);
  lua_setfield(L, -2, "handlers");
  lua_setfenv(L, -2);
  rk_status_t st = rk_runtime_create(&cfg, &r->rt);
  if (st != RK_OK) return rkl_error_status(L, st);
  return 1;
}

static int rkl_rt_gc(lua_State *L) {
  rkl_runtime_t *r = lua_touserdata(L, 1);
  rk_runtime_destroy(r->rt);
  r->rt = NULL;
  return 0;
}

/* env[field] of the runtime at 1, pushed. */
static void rkl_rt_env_table(lua_State *L, const char *field) {
  lua_getfenv(L, 1);
  lua_getfield(L, -1, field);
  lua_remove(L, -2);
}

void rkl_push_kernel(lua_State *L, int rt_idx, rk_kernel_t *k) {
  lua_getfenv(L, rt_idx);
  lua_getfield(L, -1, "kernels");
  lua_getfield(L, -1, rk_kernel_id(k));
  if (!lua_isnil(L, -1)) {
    lua_replace(L, -3);
    lua_pop(L, 1);
    return;
  }
  lua_pop(L, 1);
  ((rkl_kernel_t *)rkl_new(L, &rkl_kernel_class))->k = k;
  lua_createtable(L, 1, 1); /* the array slot: the reply stash (lua_kernel.c) */
  lua_pushvalue(L, rt_idx);
  lua_setfield(L, -2, "runtime");
  lua_setfenv(L, -2);
  lua_pushvalue(L, -1);
  lua_setfield(L, -3, rk_kernel_id(k));
  lua_replace(L, -3);
  lua_pop(L, 1);
}

static int rkl_rt_launch(lua_State *L) {
  static const char *const names[] = {"kernel_id", "options", NULL};
  rkl_runtime_t *r = rkl_rt_self(L);
  rkl_args(L, "RingKernel.launch", 2, names, false);
  const char *id = rkl_check_string(L, 2, "kernel_id", NULL);
  rk_launch_options_t opts;
  rkl_options_get(L, 3, &opts); /* pushes the script handler or nil (at 4) */
  rk_kernel_t *k = NULL;
  rk_status_t st = rk_runtime_launch(r->rt, id, &opts, &k);
  if (st != RK_OK) return rkl_error_status(L, st);
  if (!lua_isnil(L, 4)) {
    rkl_rt_env_table(L, "handlers");
    lua_pushvalue(L, 4);
    lua_setfield(L, -2, id);
    lua_pop(L, 1);
  }
  rkl_push_kernel(L, 1, k);
  return 1;
}

static int rkl_rt_get_kernel(lua_State *L) {
  static const char *const names[] = {"kernel_id", NULL};
  rkl_runtime_t *r = rkl_rt_self(L);
  rkl_args(L, "RingKernel.get_kernel", 2, names, false);
  rk_kernel_t *k = rk_runtime_get_kernel(r->rt, rkl_check_string(L, 2, "kernel_id", NULL));
  if (k == NULL)
    lua_pushnil(L);
  else
    rkl_push_kernel(L, 1, k);
  return 1;
}

static int rkl_rt_list_kernels(lua_State *L) {
  static const char *const names[] = {"include_terminated", NULL};
  rkl_runtime_t *r = rkl_rt_self(L);
  rkl_args(L, "RingKernel.list_kernels", 2, names, false);
  bool all = rkl_opt_bool(L, 2, "include_terminated", false);
  size_t n = rk_runtime_list_kernels(r->rt, NULL, 0, all);
  const char **ids = lua_newuserdata(L, (n ? n : 1) * sizeof *ids);
  n = rk_runtime_list_kernels(r->rt, ids, n, all);
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    lua_pushstring(L, ids[i]);
    lua_rawseti(L, -2, (int)i + 1);
  }
  return 1;
}

static int rkl_rt_metrics(lua_State *L) {
  rkl_runtime_t *r = rkl_rt_self(L);
  rk_runtime_metrics_t *m = rkl_new(L, &rkl_metrics_class);
  rk_status_t st = rk_runtime_metrics(r->rt, m);
  if (st != RK_OK) return rkl_error_status(L, st);
  return 1;
}

static int rkl_rt_shutdown(lua_State *L) {
  rkl_runtime_t *r = rkl_rt_self(L);
  rk_status_t st = rk_runtime_shutdown(r->rt);
  if (st != RK_OK) return rkl_error_status(L, st);
  return 0;
}

static int rkl_rt_k2k_broker(lua_State *L) {
  rk_k2k_broker_t *b = rk_runtime_k2k_broker(rkl_rt_self(L)->rt);
  if (b == NULL)
    lua_pushnil(L);
  else
    rkl_push_runtime_broker(L, b, 1);
  return 1;
}

static int rkl_rt_script_work_pending(lua_State *L) {
  lua_pushnumber(L, (lua_Number)rk_runtime_script_work_pending(rkl_rt_self(L)->rt));
  return 1;
}

/* For event loops (luv, cqueues): the eventfd that turns readable when replies or script
 * work wait; after it does, call _ready_clear() and then drain with timeout 0. */
static int rkl_rt_ready_fd(lua_State *L) {
  lua_pushnumber(L, rk_runtime_ready_fd(rkl_rt_self(L)->rt));
  return 1;
}

static int rkl_rt_ready_clear(lua_State *L) {
  rk_runtime_ready_clear(rkl_rt_self(L)->rt);
  return 0;
}

static int rkl_rt_backend(lua_State *L) {
  rkl_enum_push(L, &rkl_backend_enum, rk_runtime_backend(rkl_rt_self(L)->rt));
  return 1;
}

static int rkl_rt_node_id(lua_State *L) {
  rkl_push_u64(L, rk_runtime_node_id(rkl_rt_self(L)->rt));
  return 1;
}

static int rkl_rt_is_shutdown(lua_State *L) {
  rkl_runtime_t *r = rkl_self(L, &rkl_runtime_class);
  lua_pushboolean(L, r->rt == NULL || rk_runtime_is_shutdown(r->rt));
  return 1;
}

static int rkl_rt_is_k2k_enabled(lua_State *L) {
  lua_pushboolean(L, rk_runtime_is_k2k_enabled(rkl_rt_self(L)->rt));
  return 1;
}

static int rkl_rt_tostring(lua_State *L) {
  rkl_runtime_t *r = lua_touserdata(L, 1);
  if (r->rt == NULL) {
    lua_pushliteral(L, "RingKernel(closed)");
    return 1;
  }
  char buf[96];
  snprintf(buf, sizeof buf, "RingKernel(backend=%s, kernels=%zu, k2k=%s)",
           rk_backend_name(rk_runtime_backend(r->rt)),
           rk_runtime_list_kernels(r->rt, NULL, 0, false),
           rkl_bool_text(rk_runtime_is_k2k_enabled(r->rt)));
  lua_pushstring(L, buf);
  return 1;
}

static const luaL_Reg rkl_rt_methods[] = {
    {"launch", rkl_rt_launch},
    {"get_kernel", rkl_rt_get_kernel},
    {"list_kernels", rkl_rt_list_kernels},
    {"metrics", rkl_rt_metrics},
    {"shutdown", rkl_rt_shutdown},
    {"k2k_broker", rkl_rt_k2k_broker},
    {"serve", rkl_runtime_serve},
    {"run_until_idle", rkl_runtime_run_until_idle},
    {"script_work_pending", rkl_rt_script_work_pending},
    {"_ready_fd", rkl_rt_ready_fd},
    {"_ready_clear", rkl_rt_ready_clear},
    {NULL, NULL},
};
static const luaL_Reg rkl_rt_getters[] = {
    {"backend", rkl_rt_backend},
    {"node_id", rkl_rt_node_id},
    {"is_shutdown", rkl_rt_is_shutdown},
    {"is_k2k_enabled", rkl_rt_is_k2k_enabled},
    {NULL, NULL},
};
static const luaL_Reg rkl_rt_statics[] = {{"create", rkl_rt_create}, {NULL, NULL}};
static const luaL_Reg rkl_rt_meta[] = {{"__gc", rkl_rt_gc}, {NULL, NULL}};
const rkl_class_t rkl_runtime_class = {
    "RingKernel",   sizeof(rkl_runtime_t), rkl_rt_create, rkl_rt_methods,
    rkl_rt_getters, rkl_rt_statics,        rkl_rt_meta,   rkl_rt_tostring,
};

/* ---- RuntimeMetrics --------------------------------------------------------------------- */

#define RKL_METRIC(field)                                                                          \
  static int rkl_metric_##field(lua_State *L) {                                                    \
    rkl_push_u64(L, ((rk_runtime_metrics_t *)rkl_self(L, &rkl_metrics_class))->field);             \
    return 1;                                                                                      \
  }
RKL_METRIC(active_kernels)
RKL_METRIC(total_launched)
RKL_METRIC(messages_sent)
RKL_METRIC(messages_received)
RKL_METRIC(gpu_memory_used)
RKL_METRIC(host_memory_used)
#undef RKL_METRIC

static int rkl_metrics_tostring(lua_State *L) {
  const rk_runtime_metrics_t *m = lua_touserdata(L, 1);
  char buf[160];
  snprintf(buf, sizeof buf,
           "RuntimeMetrics(kernels=%llu, launched=%llu, sent=%llu, "
           "recv=%llu)",
           (unsigned long long)m->active_kernels, (unsigned long long)m->total_launched,
           (unsigned long long)m->messages_sent, (unsigned long long)m->messages_received);
  lua_pushstring(L, buf);
  return 1;
}

static const luaL_Reg rkl_metrics_getters[] = {
    {"active_kernels", rkl_metric_active_kernels},
    {"total_launched", rkl_metric_total_launched},
    {"messages_sent", rkl_metric_messages_sent},
    {"messages_received", rkl_metric_messages_received},
    {"gpu_memory_used", rkl_metric_gpu_memory_used},
    {"host_memory_used", rkl_metric_host_memory_used},
    {NULL, NULL},
};
static const rkl_class_t rkl_metrics_class = {
    "RuntimeMetrics",     sizeof(rk_runtime_metrics_t), NULL, NULL, rkl_metrics_getters, NULL, NULL,
    rkl_metrics_tostring,
};

void rkl_open_runtime(lua_State *L, int mod) {
  luaL_loadbuffer(L, "return", 6, "=ringkernel wait");
  lua_setfield(L, LUA_REGISTRYINDEX, RKL_POLL_KEY);
  rkl_enum_register(L, &rkl_backend_enum, mod);
  rkl_class_register(L, &rkl_runtime_class, mod);
  rkl_class_register(L, &rkl_metrics_class, mod);
}
