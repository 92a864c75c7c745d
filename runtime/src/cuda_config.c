/* cuda_config.c — GPU size-class math, pool and stream presets, stream ids and the
 * profiling switch: pure C, built with or without the CUDA backend. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "ringkernel/cuda.h"
#include "rk_internal.h"

/* ---- size classes --------------------------------------------------------------------
 * Class c holds 256 * 4^c bytes: one table, six entries, 256 B .. 256 KiB. */
static const uint64_t rki_gpu_class_bytes[RK_GPU_SIZE_CLASS_COUNT] = {
    256u, 1024u, 4096u, 16384u, 65536u, 262144u};

uint64_t rk_gpu_size_class_bytes(int32_t size_class) {
  if (size_class < 0 || size_class >= RK_GPU_SIZE_CLASS_COUNT) return 0;
  return rki_gpu_class_bytes[size_class];
}

int32_t rk_gpu_size_class_for_size(uint64_t bytes) {
  for (int32_t c = 0; c < RK_GPU_SIZE_CLASS_COUNT; c++)
    if (bytes <= rki_gpu_class_bytes[c]) return c;
  return -1;
}

/* ---- pool presets (API spec §10) ----------------------------------------------------- */
static void rki_pool_preset(rk_gpu_pool_config_t *config, const uint32_t initial[6],
                            const uint32_t max[6], uint64_t max_pool_bytes) {
  if (!config) return;
  memset(config, 0, sizeof *config);
  memcpy(config->initial_counts, initial, sizeof config->initial_counts);
  memcpy(config->max_counts, max, sizeof config->max_counts);
  config->max_pool_bytes = max_pool_bytes;
  config->track_allocations = true;
  config->device = 0;
}

#define RKI_MIB (1024ull * 1024ull)
#define RKI_GIB (1024ull * RKI_MIB)

void rk_gpu_pool_config_init(rk_gpu_pool_config_t *config) {
  static const uint32_t initial[6] = {1000, 500, 200, 100, 50, 20};
  static const uint32_t max[6] = {10000, 5000, 2000, 1000, 500, 200};
  rki_pool_preset(config, initial, max, 1 * RKI_GIB);
}

void rk_gpu_pool_config_for_graph_analytics(rk_gpu_pool_config_t *config) {
  static const uint32_t initial[6] = {2000, 200, 500, 100, 50, 20};
  static const uint32_t max[6] = {20000, 2000, 2000, 500, 200, 100};
  rki_pool_preset(config, initial, max, 2 * RKI_GIB);
}

void rk_gpu_pool_config_for_simulation(rk_gpu_pool_config_t *config) {
  static const uint32_t initial[6] = {100, 200, 500, 500, 200, 50};
  static const uint32_t max[6] = {1000, 2000, 5000, 5000, 2000, 500};
  rki_pool_preset(config, initial, max, 4 * RKI_GIB);
}

void rk_gpu_pool_config_minimal(rk_gpu_pool_config_t *config) {
  static const uint32_t initial[6] = {10, 10, 10, 10, 10, 10};
  static const uint32_t max[6] = {100, 100, 100, 100, 100, 100};
  rki_pool_preset(config, initial, max, 64 * RKI_MIB);
}

rk_status_t rk_gpu_pool_config_validate(const rk_gpu_pool_config_t *config) {
  if (!config) return rki_fail(RK_EINVAL, "GPU pool config is NULL");
  if (config->max_pool_bytes == 0)
    return rki_fail(RK_EINVAL, "max_pool_bytes 0: must be at least 1");
  if (config->device < 0)
    return rki_fail(RK_EINVAL, "device %d: must be >= 0", (int)config->device);
  uint64_t initial_bytes = 0;
  for (int c = 0; c < RK_GPU_SIZE_CLASS_COUNT; c++) {
    if (config->initial_counts[c] > config->max_counts[c])
      return rki_fail(RK_EINVAL, "initial_counts[%d] %u > max_counts[%d] %u", c,
                      config->initial_counts[c], c, config->max_counts[c]);
    initial_bytes += (uint64_t)config->initial_counts[c] * rki_gpu_class_bytes[c];
  }
  if (initial_bytes > config->max_pool_bytes)
    return rki_fail(RK_EINVAL, "initial blocks need %llu bytes > max_pool_bytes %llu",
                    (unsigned long long)initial_bytes,
                    (unsigned long long)config->max_pool_bytes);
  return RK_OK;
}

/* ---- stream presets (API spec §10) --------------------------------------------------- */
static void rki_stream_preset(rk_stream_config_t *config, uint32_t compute, bool transfer,
                              bool graph) {
  if (!config) return;
  config->num_compute_streams = compute;
  config->use_transfer_stream = transfer;
  config->enable_graph_capture = graph;
}

void rk_stream_config_init(rk_stream_config_t *config) {
  rki_stream_preset(config, 4, true, false);
}
void rk_stream_config_minimal(rk_stream_config_t *config) {
  rki_stream_preset(config, 1, false, false);
}
void rk_stream_config_performance(rk_stream_config_t *config) {
  rki_stream_preset(config, 4, true, true);
}
void rk_stream_config_for_simulation(rk_stream_config_t *config) {
  rki_stream_preset(config, 2, true, false);
}

rk_stream_id_t rk_stream_id_compute(uint32_t index) {
  rk_stream_id_t id = {RK_STREAM_COMPUTE, index};
  return id;
}
rk_stream_id_t rk_stream_id_transfer(void) {
  rk_stream_id_t id = {RK_STREAM_TRANSFER, 0};
  return id;
}
rk_stream_id_t rk_stream_id_default(void) {
  rk_stream_id_t id = {RK_STREAM_DEFAULT, 0};
  return id;
}

/* ---- profiling switch ----------------------------------------------------------------
 * -1 = not decided yet; the first reader settles it from the environment (a build with
 * RK_CUDA_PROFILING=ON switches it on when the CUDA backend initialises). Relaxed is enough: the flag guards no other data. */
static atomic_int rki_profiling_state = -1;

bool rk_cuda_profiling_enabled(void) {
  int state = atomic_load_explicit(&rki_profiling_state, memory_order_relaxed);
  if (state < 0) {
    const char *env = getenv("RINGKERNEL_PROFILE");
    state = (env && strcmp(env, "1") == 0) ? 1 : 0;
    int expected = -1;
    if (!atomic_compare_exchange_strong_explicit(&rki_profiling_state, &expected, state,
                                                 memory_order_relaxed,
                                                 memory_order_relaxed))
      state = expected;
  }
  return state == 1;
}

void rk_cuda_profiling_set(bool enabled) {
  atomic_store_explicit(&rki_profiling_state, enabled ? 1 : 0, memory_order_relaxed);
}
