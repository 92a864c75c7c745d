/* lua_module.c — luaopen_ringkernel: the module table, its submodules and constants.
 *
 * `local rk = require "ringkernel"` gives one table holding every top-level name of the
 * Python package, plus the submodules as tables (rk.hlc, rk.k2k, rk.queue, rk.hybrid,
 * rk.resource, rk.exceptions, rk.cuda, rk.benchmark). Opening the module twice in one
 * lua_State returns the first table, so objects made earlier keep passing type checks.
 */
#include "lua_util.h"
#include "ringkernel/cuda.h"
#include "ringkernel/message.h"

#define RKL_MODULE_KEY "ringkernel.module"

#ifndef RK_VERSION_STRING
#define RK_VERSION_STRING "0.0.0"
#endif

typedef struct rkl_submodule {
  const char *name;
  const char *const *members;
} rkl_submodule_t;

static const char *const rkl_hlc_names[] = {"HlcTimestamp", "HlcClock", NULL};
static const char *const rkl_k2k_names[] = {
    "K2KBroker",       "K2KConfig", "K2KStats",         "DeliveryStatus",
    "DeliveryReceipt", "K2KError",  "K2KDeliveryError", NULL};
static const char *const rkl_queue_names[] = {"QueueStats",     "QueueTier",       "QueueHealth",
                                              "QueueMonitor",   "QueueMetrics",    "QueueError",
                                              "QueueFullError", "QueueEmptyError", NULL};
static const char *const rkl_hybrid_names[] = {
    "HybridDispatcher", "HybridConfig",         "HybridStats", "ProcessingMode",
    "HybridError",      "GpuNotAvailableError", NULL};
static const char *const rkl_resource_names[] = {
    "ResourceGuard",    "MemoryEstimate",   "Reservation", "ResourceError",
    "ReservationError", "MemoryLimitError", NULL};
static const char *const rkl_cuda_names[] = {"CudaError", "CudaDeviceError", "CudaMemoryError",
                                             NULL};
static const char *const rkl_bench_names[] = {"BenchmarkError", NULL};

static const rkl_submodule_t rkl_submodules[] = {
    {"hlc", rkl_hlc_names},           {"k2k", rkl_k2k_names},
    {"queue", rkl_queue_names},       {"hybrid", rkl_hybrid_names},
    {"resource", rkl_resource_names}, {"cuda", rkl_cuda_names},
    {"benchmark", rkl_bench_names},   {NULL, NULL},
};

/* Submodules re-export top-level names, as the Python submodules re-export theirs; cuda
 * and benchmark already hold their own classes and get the exceptions added. */
static void rkl_make_submodules(lua_State *L, int mod) {
  for (const rkl_submodule_t *s = rkl_submodules; s->name; s++) {
    lua_getfield(L, mod, s->name);
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
      lua_newtable(L);
      lua_pushvalue(L, -1);
      lua_setfield(L, mod, s->name);
    }
    for (const char *const *n = s->members; *n; n++) {
      lua_getfield(L, mod, *n);
      lua_setfield(L, -2, *n);
    }
    lua_pop(L, 1);
  }
}

static int rkl_is_cuda_available(lua_State *L) {
  lua_pushboolean(L, rk_cuda_is_available());
  return 1;
}

static void rkl_set_constants(lua_State *L, int mod) {
  lua_pushstring(L, RK_VERSION_STRING);
  lua_setfield(L, mod, "__version__");
  lua_pushnumber(L, RK_MAX_PAYLOAD_SIZE);
  lua_setfield(L, mod, "MAX_PAYLOAD_SIZE");
  rkl_push_u64(L, RK_MESSAGE_MAGIC);
  lua_setfield(L, mod, "MESSAGE_MAGIC");
  lua_pushnumber(L, RK_MESSAGE_VERSION);
  lua_setfield(L, mod, "MESSAGE_VERSION");
  lua_pushcfunction(L, rkl_is_cuda_available);
  lua_setfield(L, mod, "is_cuda_available");
}

__attribute__((visibility("default"))) int luaopen_ringkernel(lua_State *L) {
  lua_getfield(L, LUA_REGISTRYINDEX, RKL_MODULE_KEY);
  if (!lua_isnil(L, -1)) return 1;
  lua_pop(L, 1);
  lua_newtable(L);
  int mod = lua_gettop(L);
  rkl_open_u64(L);
  rkl_open_errors(L, mod);
  rkl_open_members(L, mod);
  rkl_open_hlc(L, mod);
  rkl_open_message(L, mod);
  rkl_open_options(L, mod);
  rkl_open_kernel(L, mod);
  rkl_open_runtime(L, mod);
  rkl_open_k2k(L, mod);
  rkl_open_hybrid(L, mod);
  rkl_open_resource(L, mod);
  rkl_open_queue(L, mod);
  rkl_open_cuda(L, mod);
  rkl_open_bench(L, mod);
  rkl_open_selftime(L, mod);
  rkl_make_submodules(L, mod);
  rkl_set_constants(L, mod);
  lua_pushvalue(L, mod);
  lua_setfield(L, LUA_REGISTRYINDEX, RKL_MODULE_KEY);
  return 1;
}
