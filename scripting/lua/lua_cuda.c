/* lua_cuda.c — the rk.cuda submodule: devices, GPU size classes, GPU pools, streams.
 *
 * Classes carry the Py prefix of the user's document (rk.cuda.PyCudaDevice) and a short
 * alias without it (rk.cuda.CudaDevice). Without a CUDA build, driver or device every
 * device call reports zero devices or raises CudaDeviceError; configs and presets work.
 * Python tuples (compute_capability, counts) are Lua arrays.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <string.h>

#include "lua_util.h"
#include "ringkernel/cuda.h"

#define RKL_MAX_COMPUTE_STREAMS 32

typedef struct rkl_gpu_pool {
  rk_gpu_pool_t *pool;
} rkl_gpu_pool_t;

static const rkl_class_t rkl_devinfo_class;
static const rkl_class_t rkl_device_class;
static const rkl_class_t rkl_poolcfg_class;
static const rkl_class_t rkl_pool_class;
static const rkl_class_t rkl_pooldiag_class;
static const rkl_class_t rkl_streamcfg_class;
static const rkl_class_t rkl_streamid_class;

/* ---- PyGpuSizeClass --------------------------------------------------------------------- */

static const rkl_enum_member_t rkl_sizeclass_members[] = {
    {"Size256B", RK_GPU_SIZE_256B},
    {"Size1KB", RK_GPU_SIZE_1KB},
    {"Size4KB", RK_GPU_SIZE_4KB},
    {"Size16KB", RK_GPU_SIZE_16KB},
    {"Size64KB", RK_GPU_SIZE_64KB},
    {"Size256KB", RK_GPU_SIZE_256KB},
    {NULL, 0},
};
extern const rkl_enum_t rkl_sizeclass_enum;

static int rkl_sizeclass_bytes(lua_State *L) {
  rkl_push_u64(L, rk_gpu_size_class_bytes((int32_t)rkl_enum_self(L, &rkl_sizeclass_enum)));
  return 1;
}

static int rkl_sizeclass_for_size(lua_State *L) {
  static const char *const names[] = {"n", NULL};
  rkl_args(L, "PyGpuSizeClass.for_size", 1, names, false);
  int32_t c = rk_gpu_size_class_for_size(rkl_check_u64(L, 1, "size", UINT64_MAX));
  rkl_enum_push_or_nil(L, &rkl_sizeclass_enum, c);
  return 1;
}

static const luaL_Reg rkl_sizeclass_methods[] = {{"bytes", rkl_sizeclass_bytes}, {NULL, NULL}};
static const luaL_Reg rkl_sizeclass_statics[] = {{"for_size", rkl_sizeclass_for_size},
                                                 {NULL, NULL}};
const rkl_enum_t rkl_sizeclass_enum = {"PyGpuSizeClass", rkl_sizeclass_members,
                                       rkl_sizeclass_methods, NULL, rkl_sizeclass_statics};

/* ---- devices ---------------------------------------------------------------------------- */

static int rkl_cuda_is_available(lua_State *L) {
  lua_pushboolean(L, rk_cuda_is_available());
  return 1;
}

static int rkl_cuda_device_count(lua_State *L) {
  lua_pushnumber(L, rk_cuda_device_count());
  return 1;
}

static void rkl_cuda_query(lua_State *L, int32_t ordinal, rk_cuda_device_info_t *out) {
  rk_status_t st = rk_cuda_device_info(ordinal, out);
  if (st == RK_OK) return;
  const char *why = rk_last_error();
  rkl_error(L, "CudaDeviceError", "CUDA device %d is not available: %s", (int)ordinal,
            (why && why[0]) ? why : rk_status_str(st));
}

static int rkl_cuda_enumerate(lua_State *L) {
  int32_t n = rk_cuda_device_count();
  lua_createtable(L, n, 0);
  for (int32_t i = 0; i < n; i++) {
    rk_cuda_device_info_t *info = rkl_new(L, &rkl_devinfo_class);
    rkl_cuda_query(L, i, info);
    lua_rawseti(L, -2, i + 1);
  }
  return 1;
}

/* Both device classes hold an rk_cuda_device_info_t; getters take either. */
static const rk_cuda_device_info_t *rkl_dev_info(lua_State *L) {
  void *p = rkl_test(L, 1, &rkl_devinfo_class);
  return p ? p : rkl_self(L, &rkl_device_class);
}

static int rkl_dev_ordinal(lua_State *L) {
  lua_pushnumber(L, rkl_dev_info(L)->ordinal);
  return 1;
}

static int rkl_dev_name(lua_State *L) {
  const rk_cuda_device_info_t *i = rkl_dev_info(L);
  lua_pushlstring(L, i->name, strnlen(i->name, RK_CUDA_DEVICE_NAME_MAX));
  return 1;
}

static int rkl_dev_cc(lua_State *L) {
  const rk_cuda_device_info_t *i = rkl_dev_info(L);
  lua_createtable(L, 2, 0);
  lua_pushnumber(L, i->cc_major);
  lua_rawseti(L, -2, 1);
  lua_pushnumber(L, i->cc_minor);
  lua_rawseti(L, -2, 2);
  return 1;
}

static int rkl_dev_total_memory(lua_State *L) {
  rkl_push_u64(L, rkl_dev_info(L)->total_memory);
  return 1;
}

static int rkl_dev_mp_count(lua_State *L) {
  lua_pushnumber(L, rkl_dev_info(L)->multiprocessor_count);
  return 1;
}

static int rkl_dev_persistent(lua_State *L) {
  lua_pushboolean(L, rkl_dev_info(L)->supports_persistent);
  return 1;
}

static int rkl_dev_cooperative(lua_State *L) {
  lua_pushboolean(L, rkl_dev_info(L)->supports_cooperative);
  return 1;
}

static int rkl_dev_memory_mb(lua_State *L) {
  lua_pushnumber(L, (double)rkl_dev_info(L)->total_memory / (1024.0 * 1024.0));
  return 1;
}

static int rkl_dev_memory_gb(lua_State *L) {
  lua_pushnumber(L, (double)rkl_dev_info(L)->total_memory / (1024.0 * 1024.0 * 1024.0));
  return 1;
}

static int rkl_dev_tostring_as(lua_State *L, const char *type_name) {
  const rk_cuda_device_info_t *i = lua_touserdata(L, 1);
  char head[64], tail[96];
  snprintf(head, sizeof head, "%s(ordinal=%d, name=", type_name, (int)i->ordinal);
  snprintf(tail, sizeof tail, ", cc=%d.%d, memory_mb=%llu)", (int)i->cc_major, (int)i->cc_minor,
           (unsigned long long)(i->total_memory >> 20));
  lua_pushstring(L, head);
  rkl_push_pyrepr_str(L, i->name, strnlen(i->name, RK_CUDA_DEVICE_NAME_MAX));
  lua_pushstring(L, tail);
  lua_concat(L, 3);
  return 1;
}

static int rkl_devinfo_tostring(lua_State *L) {
  return rkl_dev_tostring_as(L, "PyCudaDeviceInfo");
}
static int rkl_device_tostring(lua_State *L) {
  return rkl_dev_tostring_as(L, "PyCudaDevice");
}

static int rkl_device_new(lua_State *L) {
  static const char *const names[] = {"ordinal", NULL};
  rkl_args(L, "PyCudaDevice", 1, names, false);
  int32_t ordinal = (int32_t)rkl_opt_u64(L, 1, "ordinal", INT32_MAX, 0);
  rk_cuda_device_info_t info;
  rkl_cuda_query(L, ordinal, &info);
  *(rk_cuda_device_info_t *)rkl_new(L, &rkl_device_class) = info;
  return 1;
}

static int rkl_device_synchronize(lua_State *L) {
  rk_status_t st = rk_cuda_device_synchronize(rkl_dev_info(L)->ordinal);
  if (st != RK_OK) return rkl_error_status(L, st);
  return 0;
}

static int rkl_device_info(lua_State *L) {
  const rk_cuda_device_info_t *i = rkl_dev_info(L);
  *(rk_cuda_device_info_t *)rkl_new(L, &rkl_devinfo_class) = *i;
  return 1;
}

static const luaL_Reg rkl_dev_getters[] = {
    {"ordinal", rkl_dev_ordinal},
    {"name", rkl_dev_name},
    {"compute_capability", rkl_dev_cc},
    {"total_memory", rkl_dev_total_memory},
    {"multiprocessor_count", rkl_dev_mp_count},
    {NULL, NULL},
};
static const luaL_Reg rkl_devinfo_getters[] = {
    {"ordinal", rkl_dev_ordinal},
    {"name", rkl_dev_name},
    {"compute_capability", rkl_dev_cc},
    {"total_memory", rkl_dev_total_memory},
    {"multiprocessor_count", rkl_dev_mp_count},
    {"supports_persistent", rkl_dev_persistent},
    {"supports_cooperative", rkl_dev_cooperative},
    {NULL, NULL},
};
static const luaL_Reg rkl_devinfo_methods[] = {
    {"total_memory_mb", rkl_dev_memory_mb}, {"total_memory_gb", rkl_dev_memory_gb}, {NULL, NULL}};
static const rkl_class_t rkl_devinfo_class = {
    "PyCudaDeviceInfo",
    sizeof(rk_cuda_device_info_t),
    NULL,
    rkl_devinfo_methods,
    rkl_devinfo_getters,
    NULL,
    NULL,
    rkl_devinfo_tostring,
};
static const luaL_Reg rkl_device_methods[] = {
    {"total_memory_mb", rkl_dev_memory_mb},
    {"total_memory_gb", rkl_dev_memory_gb},
    {"supports_persistent_kernels", rkl_dev_persistent},
    {"supports_cooperative_groups", rkl_dev_cooperative},
    {"synchronize", rkl_device_synchronize},
    {"info", rkl_device_info},
    {NULL, NULL},
};
static const rkl_class_t rkl_device_class = {
    "PyCudaDevice",
    sizeof(rk_cuda_device_info_t),
    rkl_device_new,
    rkl_device_methods,
    rkl_dev_getters,
    NULL,
    NULL,
    rkl_device_tostring,
};

/* ---- PyGpuPoolConfig -------------------------------------------------------------------- */

static rk_gpu_pool_config_t *rkl_pc_self(lua_State *L) {
  return rkl_self(L, &rkl_poolcfg_class);
}

static void rkl_counts_arg(lua_State *L, int idx, const char *what, uint32_t out[]) {
  if (lua_type(L, idx) != LUA_TTABLE)
    rkl_error(L, "TypeError", "%s must be a list of %d integers, got %s", what,
              RK_GPU_SIZE_CLASS_COUNT, luaL_typename(L, idx));
  if (lua_objlen(L, idx) != RK_GPU_SIZE_CLASS_COUNT)
    rkl_error(L, "ValueError", "%s must have %d entries (256B..256KB), got %d", what,
              RK_GPU_SIZE_CLASS_COUNT, (int)lua_objlen(L, idx));
  for (int i = 0; i < RK_GPU_SIZE_CLASS_COUNT; i++) {
    lua_rawgeti(L, idx, i + 1);
    out[i] = (uint32_t)rkl_check_u64(L, -1, what, UINT32_MAX);
    lua_pop(L, 1);
  }
}

static int rkl_pc_push(lua_State *L, const rk_gpu_pool_config_t *c) {
  rk_status_t st = rk_gpu_pool_config_validate(c);
  if (st != RK_OK) return rkl_error_status(L, st);
  *(rk_gpu_pool_config_t *)rkl_new(L, &rkl_poolcfg_class) = *c;
  return 1;
}

static int rkl_pc_new(lua_State *L) {
  static const char *const names[] = {"initial_counts",    "max_counts", "max_pool_bytes",
                                      "track_allocations", "device",     NULL};
  rkl_args(L, "PyGpuPoolConfig", 1, names, true);
  rk_gpu_pool_config_t c;
  rk_gpu_pool_config_init(&c);
  if (!lua_isnil(L, 1)) rkl_counts_arg(L, 1, "initial_counts", c.initial_counts);
  if (!lua_isnil(L, 2)) rkl_counts_arg(L, 2, "max_counts", c.max_counts);
  c.max_pool_bytes = rkl_opt_u64(L, 3, "max_pool_bytes", UINT64_MAX, c.max_pool_bytes);
  c.track_allocations = rkl_opt_bool(L, 4, "track_allocations", true);
  c.device = (int32_t)rkl_opt_u64(L, 5, "device", INT32_MAX, 0);
  return rkl_pc_push(L, &c);
}

static int rkl_pc_preset(lua_State *L, void (*preset)(rk_gpu_pool_config_t *)) {
  rk_gpu_pool_config_t c;
  preset(&c);
  return rkl_pc_push(L, &c);
}

static int rkl_pc_default(lua_State *L) {
  return rkl_pc_preset(L, rk_gpu_pool_config_init);
}
static int rkl_pc_graph(lua_State *L) {
  return rkl_pc_preset(L, rk_gpu_pool_config_for_graph_analytics);
}
static int rkl_pc_simulation(lua_State *L) {
  return rkl_pc_preset(L, rk_gpu_pool_config_for_simulation);
}
static int rkl_pc_minimal(lua_State *L) {
  return rkl_pc_preset(L, rk_gpu_pool_config_minimal);
}

static void rkl_push_counts(lua_State *L, const uint32_t counts[]) {
  lua_createtable(L, RK_GPU_SIZE_CLASS_COUNT, 0);
  for (int i = 0; i < RK_GPU_SIZE_CLASS_COUNT; i++) {
    lua_pushnumber(L, counts[i]);
    lua_rawseti(L, -2, i + 1);
  }
}

static int rkl_pc_initial(lua_State *L) {
  rkl_push_counts(L, rkl_pc_self(L)->initial_counts);
  return 1;
}

static int rkl_pc_max(lua_State *L) {
  rkl_push_counts(L, rkl_pc_self(L)->max_counts);
  return 1;
}

static int rkl_pc_bytes(lua_State *L) {
  rkl_push_u64(L, rkl_pc_self(L)->max_pool_bytes);
  return 1;
}

static int rkl_pc_track(lua_State *L) {
  lua_pushboolean(L, rkl_pc_self(L)->track_allocations);
  return 1;
}

static int rkl_pc_device(lua_State *L) {
  lua_pushnumber(L, rkl_pc_self(L)->device);
  return 1;
}

static void rkl_counts_text(char *buf, size_t cap, const uint32_t c[]) {
  snprintf(buf, cap, "(%u, %u, %u, %u, %u, %u)", c[0], c[1], c[2], c[3], c[4], c[5]);
}

static int rkl_pc_tostring(lua_State *L) {
  const rk_gpu_pool_config_t *c = lua_touserdata(L, 1);
  char init[96], max[96], buf[320];
  rkl_counts_text(init, sizeof init, c->initial_counts);
  rkl_counts_text(max, sizeof max, c->max_counts);
  snprintf(buf, sizeof buf,
           "PyGpuPoolConfig(initial_counts=%s, max_counts=%s, "
           "max_pool_bytes=%llu, track_allocations=%s)",
           init, max, (unsigned long long)c->max_pool_bytes,
           c->track_allocations ? "True" : "False");
  lua_pushstring(L, buf);
  return 1;
}

static int rkl_pc_eq(lua_State *L) {
  const rk_gpu_pool_config_t *a = lua_touserdata(L, 1), *b = lua_touserdata(L, 2);
  lua_pushboolean(L,
                  a->max_pool_bytes == b->max_pool_bytes &&
                      a->track_allocations == b->track_allocations && a->device == b->device &&
                      memcmp(a->initial_counts, b->initial_counts, sizeof a->initial_counts) == 0 &&
                      memcmp(a->max_counts, b->max_counts, sizeof a->max_counts) == 0);
  return 1;
}

static const luaL_Reg rkl_pc_getters[] = {
    {"initial_counts", rkl_pc_initial}, {"max_counts", rkl_pc_max},
    {"max_pool_bytes", rkl_pc_bytes},   {"track_allocations", rkl_pc_track},
    {"device", rkl_pc_device},          {NULL, NULL},
};
static const luaL_Reg rkl_pc_statics[] = {
    {"default", rkl_pc_default},
    {"for_graph_analytics", rkl_pc_graph},
    {"for_simulation", rkl_pc_simulation},
    {"minimal", rkl_pc_minimal},
    {NULL, NULL},
};
static const luaL_Reg rkl_pc_meta[] = {{"__eq", rkl_pc_eq}, {NULL, NULL}};
static const rkl_class_t rkl_poolcfg_class = {
    "PyGpuPoolConfig", sizeof(rk_gpu_pool_config_t),
    rkl_pc_new,        NULL,
    rkl_pc_getters,    rkl_pc_statics,
    rkl_pc_meta,       rkl_pc_tostring,
};

/* ---- PyGpuPool and PyGpuPoolDiagnostics ------------------------------------------------- */

static rk_gpu_pool_t *rkl_pool_open(lua_State *L) {
  rkl_gpu_pool_t *p = rkl_self(L, &rkl_pool_class);
  if (p->pool == NULL) rkl_error(L, "ValueError", "PyGpuPool is closed");
  return p->pool;
}

static int rkl_pool_new(lua_State *L) {
  static const char *const names[] = {"config", NULL};
  rkl_args(L, "PyGpuPool", 1, names, false);
  rk_gpu_pool_config_t c;
  rk_gpu_pool_config_init(&c);
  if (!lua_isnil(L, 1)) c = *(rk_gpu_pool_config_t *)rkl_check(L, 1, &rkl_poolcfg_class, "config");
  rkl_gpu_pool_t *p = rkl_new(L, &rkl_pool_class);
  rk_status_t st = rk_gpu_pool_create(&c, &p->pool);
  if (st != RK_OK) return rkl_error_status(L, st);
  return 1;
}

static int rkl_pool_close(lua_State *L) {
  rkl_gpu_pool_t *p = lua_touserdata(L, 1);
  rk_gpu_pool_destroy(p->pool);
  p->pool = NULL;
  return 0;
}

static int rkl_pool_close_method(lua_State *L) {
  rkl_self(L, &rkl_pool_class);
  return rkl_pool_close(L);
}

static int rkl_pool_allocate(lua_State *L) {
  static const char *const names[] = {"bytes", NULL};
  rk_gpu_pool_t *p = rkl_pool_open(L);
  rkl_args(L, "PyGpuPool.allocate", 2, names, false);
  void *ptr = NULL;
  rk_status_t st = rk_gpu_pool_alloc(p, rkl_check_u64(L, 2, "bytes", UINT64_MAX), &ptr);
  if (st != RK_OK) return rkl_error_status(L, st);
  rkl_push_u64(L, (uint64_t)(uintptr_t)ptr);
  return 1;
}

static int rkl_pool_free(lua_State *L) {
  static const char *const names[] = {"ptr", NULL};
  rk_gpu_pool_t *p = rkl_pool_open(L);
  rkl_args(L, "PyGpuPool.free", 2, names, false);
  uint64_t addr = rkl_check_u64(L, 2, "ptr", UINTPTR_MAX);
  rk_status_t st = rk_gpu_pool_free(p, (void *)(uintptr_t)addr);
  if (st != RK_OK) return rkl_error_status(L, st);
  return 0;
}

static int rkl_pool_diagnostics(lua_State *L) {
  rk_gpu_pool_t *p = rkl_pool_open(L);
  rk_gpu_pool_diagnostics_t *d = rkl_new(L, &rkl_pooldiag_class);
  rk_status_t st = rk_gpu_pool_diagnostics(p, d);
  if (st != RK_OK) return rkl_error_status(L, st);
  return 1;
}

static const luaL_Reg rkl_pool_methods[] = {
    {"allocate", rkl_pool_allocate},
    {"free", rkl_pool_free},
    {"diagnostics", rkl_pool_diagnostics},
    {"close", rkl_pool_close_method},
    {NULL, NULL},
};
static const luaL_Reg rkl_pool_meta[] = {{"__gc", rkl_pool_close}, {NULL, NULL}};
static const rkl_class_t rkl_pool_class = {
    "PyGpuPool", sizeof(rkl_gpu_pool_t), rkl_pool_new, rkl_pool_methods, NULL,
    NULL,        rkl_pool_meta,          NULL,
};

static rk_gpu_pool_diagnostics_t *rkl_pd_self(lua_State *L) {
  return rkl_self(L, &rkl_pooldiag_class);
}

#define RKL_PD_U64(field)                                                                          \
  static int rkl_pd_##field(lua_State *L) {                                                        \
    rkl_push_u64(L, rkl_pd_self(L)->field);                                                        \
    return 1;                                                                                      \
  }
RKL_PD_U64(total_cuda_bytes)
RKL_PD_U64(in_use_bytes)
RKL_PD_U64(free_bytes)
RKL_PD_U64(large_allocation_count)
RKL_PD_U64(total_allocations)
RKL_PD_U64(total_deallocations)
#undef RKL_PD_U64

static int rkl_pd_fragmentation(lua_State *L) {
  lua_pushnumber(L, rkl_pd_self(L)->fragmentation);
  return 1;
}

static int rkl_pd_hit_rate(lua_State *L) {
  lua_pushnumber(L, rkl_pd_self(L)->hit_rate);
  return 1;
}

static int rkl_pd_utilization(lua_State *L) {
  lua_pushnumber(L, rkl_pd_self(L)->utilization);
  return 1;
}

static void rkl_bucket_field(lua_State *L, const char *name, uint64_t v) {
  rkl_push_u64(L, v);
  lua_setfield(L, -2, name);
}

static int rkl_pd_bucket_stats(lua_State *L) {
  const rk_gpu_pool_diagnostics_t *d = rkl_pd_self(L);
  lua_createtable(L, RK_GPU_SIZE_CLASS_COUNT, 0);
  for (int i = 0; i < RK_GPU_SIZE_CLASS_COUNT; i++) {
    const rk_gpu_bucket_stats_t *b = &d->buckets[i];
    lua_createtable(L, 0, 8);
    rkl_enum_push(L, &rkl_sizeclass_enum, b->size_class);
    lua_setfield(L, -2, "size_class");
    rkl_bucket_field(L, "block_bytes", b->block_bytes);
    rkl_bucket_field(L, "total_blocks", b->total_blocks);
    rkl_bucket_field(L, "free_blocks", b->free_blocks);
    rkl_bucket_field(L, "in_use_blocks", b->in_use_blocks);
    rkl_bucket_field(L, "max_blocks", b->max_blocks);
    rkl_bucket_field(L, "hits", b->hits);
    rkl_bucket_field(L, "misses", b->misses);
    lua_rawseti(L, -2, i + 1);
  }
  return 1;
}

static int rkl_pd_tostring(lua_State *L) {
  const rk_gpu_pool_diagnostics_t *d = lua_touserdata(L, 1);
  char buf[160];
  snprintf(buf, sizeof buf,
           "PyGpuPoolDiagnostics(total_cuda_bytes=%llu, in_use_bytes=%llu, "
           "allocations=%llu)",
           (unsigned long long)d->total_cuda_bytes, (unsigned long long)d->in_use_bytes,
           (unsigned long long)d->total_allocations);
  lua_pushstring(L, buf);
  return 1;
}

static const luaL_Reg rkl_pd_methods[] = {
    {"bucket_stats", rkl_pd_bucket_stats}, {"utilization", rkl_pd_utilization}, {NULL, NULL}};
static const luaL_Reg rkl_pd_getters[] = {
    {"total_cuda_bytes", rkl_pd_total_cuda_bytes},
    {"in_use_bytes", rkl_pd_in_use_bytes},
    {"free_bytes", rkl_pd_free_bytes},
    {"fragmentation", rkl_pd_fragmentation},
    {"large_allocation_count", rkl_pd_large_allocation_count},
    {"total_allocations", rkl_pd_total_allocations},
    {"total_deallocations", rkl_pd_total_deallocations},
    {"hit_rate", rkl_pd_hit_rate},
    {NULL, NULL},
};
static const rkl_class_t rkl_pooldiag_class = {
    "PyGpuPoolDiagnostics",
    sizeof(rk_gpu_pool_diagnostics_t),
    NULL,
    rkl_pd_methods,
    rkl_pd_getters,
    NULL,
    NULL,
    rkl_pd_tostring,
};

/* ---- PyStreamConfig and PyStreamId ------------------------------------------------------ */

static rk_stream_config_t *rkl_sc_self(lua_State *L) {
  return rkl_self(L, &rkl_streamcfg_class);
}

static void rkl_sc_push(lua_State *L, const rk_stream_config_t *c) {
  *(rk_stream_config_t *)rkl_new(L, &rkl_streamcfg_class) = *c;
}

static int rkl_sc_new(lua_State *L) {
  static const char *const names[] = {"num_compute_streams", "use_transfer_stream",
                                      "enable_graph_capture", NULL};
  rkl_args(L, "PyStreamConfig", 1, names, false);
  rk_stream_config_t c;
  rk_stream_config_init(&c);
  if (!lua_isnil(L, 1)) {
    uint64_t n = rkl_check_u64(L, 1, "num_compute_streams", RKL_MAX_COMPUTE_STREAMS);
    if (n == 0)
      return rkl_error(L, "ValueError", "num_compute_streams must be 1..%d, got 0",
                       RKL_MAX_COMPUTE_STREAMS);
    c.num_compute_streams = (uint32_t)n;
  }
  c.use_transfer_stream = rkl_opt_bool(L, 2, "use_transfer_stream", c.use_transfer_stream);
  c.enable_graph_capture = rkl_opt_bool(L, 3, "enable_graph_capture", c.enable_graph_capture);
  rkl_sc_push(L, &c);
  return 1;
}

static int rkl_sc_preset(lua_State *L, void (*preset)(rk_stream_config_t *)) {
  rk_stream_config_t c;
  preset(&c);
  rkl_sc_push(L, &c);
  return 1;
}

static int rkl_sc_default(lua_State *L) {
  return rkl_sc_preset(L, rk_stream_config_init);
}
static int rkl_sc_minimal(lua_State *L) {
  return rkl_sc_preset(L, rk_stream_config_minimal);
}
static int rkl_sc_performance(lua_State *L) {
  return rkl_sc_preset(L, rk_stream_config_performance);
}
static int rkl_sc_simulation(lua_State *L) {
  return rkl_sc_preset(L, rk_stream_config_for_simulation);
}

static int rkl_sc_num(lua_State *L) {
  lua_pushnumber(L, rkl_sc_self(L)->num_compute_streams);
  return 1;
}

static int rkl_sc_transfer(lua_State *L) {
  lua_pushboolean(L, rkl_sc_self(L)->use_transfer_stream);
  return 1;
}

static int rkl_sc_graph(lua_State *L) {
  lua_pushboolean(L, rkl_sc_self(L)->enable_graph_capture);
  return 1;
}

static int rkl_sc_tostring(lua_State *L) {
  const rk_stream_config_t *c = lua_touserdata(L, 1);
  char buf[160];
  snprintf(buf, sizeof buf,
           "PyStreamConfig(num_compute_streams=%u, use_transfer_stream=%s, "
           "enable_graph_capture=%s)",
           (unsigned)c->num_compute_streams, c->use_transfer_stream ? "True" : "False",
           c->enable_graph_capture ? "True" : "False");
  lua_pushstring(L, buf);
  return 1;
}

static int rkl_sc_eq(lua_State *L) {
  const rk_stream_config_t *a = lua_touserdata(L, 1), *b = lua_touserdata(L, 2);
  lua_pushboolean(L, a->num_compute_streams == b->num_compute_streams &&
                         a->use_transfer_stream == b->use_transfer_stream &&
                         a->enable_graph_capture == b->enable_graph_capture);
  return 1;
}

static const luaL_Reg rkl_sc_getters[] = {
    {"num_compute_streams", rkl_sc_num},
    {"use_transfer_stream", rkl_sc_transfer},
    {"enable_graph_capture", rkl_sc_graph},
    {NULL, NULL},
};
static const luaL_Reg rkl_sc_statics[] = {
    {"default", rkl_sc_default},
    {"minimal", rkl_sc_minimal},
    {"performance", rkl_sc_performance},
    {"for_simulation", rkl_sc_simulation},
    {NULL, NULL},
};
static const luaL_Reg rkl_sc_meta[] = {{"__eq", rkl_sc_eq}, {NULL, NULL}};
static const rkl_class_t rkl_streamcfg_class = {
    "PyStreamConfig", sizeof(rk_stream_config_t),
    rkl_sc_new,       NULL,
    rkl_sc_getters,   rkl_sc_statics,
    rkl_sc_meta,      rkl_sc_tostring,
};

static rk_stream_id_t *rkl_sid_self(lua_State *L) {
  return rkl_self(L, &rkl_streamid_class);
}

static void rkl_sid_push(lua_State *L, rk_stream_id_t id) {
  *(rk_stream_id_t *)rkl_new(L, &rkl_streamid_class) = id;
}

static int rkl_sid_compute(lua_State *L) {
  static const char *const names[] = {"index", NULL};
  rkl_args(L, "PyStreamId.compute", 1, names, false);
  uint64_t i = rkl_check_u64(L, 1, "index", RKL_MAX_COMPUTE_STREAMS - 1);
  rkl_sid_push(L, rk_stream_id_compute((uint32_t)i));
  return 1;
}

static int rkl_sid_transfer(lua_State *L) {
  rkl_sid_push(L, rk_stream_id_transfer());
  return 1;
}

static int rkl_sid_default(lua_State *L) {
  rkl_sid_push(L, rk_stream_id_default());
  return 1;
}

static const char *rkl_sid_kind_name(int32_t kind) {
  switch ((rk_stream_kind_t)kind) {
  case RK_STREAM_COMPUTE: return "compute";
  case RK_STREAM_TRANSFER: return "transfer";
  case RK_STREAM_DEFAULT: return "default";
  }
  return "default";
}

static int rkl_sid_kind(lua_State *L) {
  lua_pushstring(L, rkl_sid_kind_name(rkl_sid_self(L)->kind));
  return 1;
}

static int rkl_sid_index(lua_State *L) {
  lua_pushnumber(L, rkl_sid_self(L)->index);
  return 1;
}

static int rkl_sid_is(lua_State *L, rk_stream_kind_t kind) {
  lua_pushboolean(L, rkl_sid_self(L)->kind == (int32_t)kind);
  return 1;
}

static int rkl_sid_is_compute(lua_State *L) {
  return rkl_sid_is(L, RK_STREAM_COMPUTE);
}
static int rkl_sid_is_transfer(lua_State *L) {
  return rkl_sid_is(L, RK_STREAM_TRANSFER);
}
static int rkl_sid_is_default(lua_State *L) {
  return rkl_sid_is(L, RK_STREAM_DEFAULT);
}

static int rkl_sid_tostring(lua_State *L) {
  const rk_stream_id_t *id = lua_touserdata(L, 1);
  switch ((rk_stream_kind_t)id->kind) {
  case RK_STREAM_COMPUTE: lua_pushfstring(L, "PyStreamId.compute(%d)", (int)id->index); break;
  case RK_STREAM_TRANSFER: lua_pushliteral(L, "PyStreamId.transfer()"); break;
  case RK_STREAM_DEFAULT: lua_pushliteral(L, "PyStreamId.default_stream()"); break;
  }
  return 1;
}

static int rkl_sid_eq(lua_State *L) {
  const rk_stream_id_t *a = lua_touserdata(L, 1), *b = lua_touserdata(L, 2);
  lua_pushboolean(L, a->kind == b->kind && a->index == b->index);
  return 1;
}

static const luaL_Reg rkl_sid_methods[] = {
    {"is_compute", rkl_sid_is_compute},
    {"is_transfer", rkl_sid_is_transfer},
    {"is_default", rkl_sid_is_default},
    {NULL, NULL},
};
static const luaL_Reg rkl_sid_getters[] = {
    {"kind", rkl_sid_kind}, {"index", rkl_sid_index}, {NULL, NULL}};
static const luaL_Reg rkl_sid_statics[] = {
    {"compute", rkl_sid_compute},
    {"transfer", rkl_sid_transfer},
    {"default_stream", rkl_sid_default},
    {NULL, NULL},
};
static const luaL_Reg rkl_sid_meta[] = {{"__eq", rkl_sid_eq}, {NULL, NULL}};
static const rkl_class_t rkl_streamid_class = {
    "PyStreamId",    sizeof(rk_stream_id_t), NULL,         rkl_sid_methods,
    rkl_sid_getters, rkl_sid_statics,        rkl_sid_meta, rkl_sid_tostring,
};

/* ---- the submodule ---------------------------------------------------------------------- */

static const luaL_Reg rkl_cuda_functions[] = {
    {"is_cuda_available", rkl_cuda_is_available},
    {"cuda_device_count", rkl_cuda_device_count},
    {"enumerate_devices", rkl_cuda_enumerate},
    {NULL, NULL},
};

/* t[alias] = t[name] for each Py-prefixed name: the short aliases. */
static void rkl_cuda_aliases(lua_State *L, int t) {
  static const char *const names[] = {"PyCudaDevice",   "PyCudaDeviceInfo",     "PyGpuPoolConfig",
                                      "PyGpuPool",      "PyGpuPoolDiagnostics", "PyGpuSizeClass",
                                      "PyStreamConfig", "PyStreamId",           NULL};
  for (const char *const *n = names; *n; n++) {
    lua_getfield(L, t, *n);
    lua_setfield(L, t, *n + 2);
  }
}

/* rk.CudaDevice is Python's: the device class when a device is usable, else None (false
 * here, so the name stays present). Resolved on first access, as Python does, so that
 * require "ringkernel" does not initialise CUDA. Upvalue 1: the cuda table. */
static int rkl_module_index(lua_State *L) {
  if (lua_type(L, 2) != LUA_TSTRING || strcmp(lua_tostring(L, 2), "CudaDevice") != 0) return 0;
  if (rk_cuda_is_available())
    lua_getfield(L, lua_upvalueindex(1), "PyCudaDevice");
  else
    lua_pushboolean(L, 0);
  lua_pushvalue(L, -1);
  lua_setfield(L, 1, "CudaDevice");
  return 1;
}

static void rkl_lazy_cuda_device(lua_State *L, int mod, int cuda) {
  lua_createtable(L, 0, 1);
  lua_pushvalue(L, cuda);
  lua_pushcclosure(L, rkl_module_index, 1);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, mod);
}

void rkl_open_cuda(lua_State *L, int mod) {
  lua_newtable(L);
  int t = lua_gettop(L);
  for (const luaL_Reg *r = rkl_cuda_functions; r->name; r++) {
    lua_pushcfunction(L, r->func);
    lua_setfield(L, t, r->name);
  }
  rkl_enum_register(L, &rkl_sizeclass_enum, t);
  rkl_class_register(L, &rkl_devinfo_class, t);
  rkl_class_register(L, &rkl_device_class, t);
  rkl_class_register(L, &rkl_poolcfg_class, t);
  rkl_class_register(L, &rkl_pool_class, t);
  rkl_class_register(L, &rkl_pooldiag_class, t);
  rkl_class_register(L, &rkl_streamcfg_class, t);
  rkl_class_register(L, &rkl_streamid_class, t);
  rkl_cuda_aliases(L, t);
  rkl_lazy_cuda_device(L, mod, t);
  lua_setfield(L, mod, "cuda");
}
