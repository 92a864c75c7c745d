/* ringkernel/cuda.h — CUDA devices, GPU size-class pools, stream configuration and
 * profiling switches.
 *
 * Always built: without the CUDA backend (or without a driver or device at run time)
 * the device functions report zero devices / RK_ENODEVICE with a reason, while the
 * configuration structs, presets and size-class math keep working, so bindings can
 * offer them everywhere.
 */
#ifndef RINGKERNEL_CUDA_H
#define RINGKERNEL_CUDA_H

#include "ringkernel/api.h"
#include "ringkernel/status.h"

RK_EXTERN_C_BEGIN

/* ---- devices ------------------------------------------------------------------------ */

#define RK_CUDA_DEVICE_NAME_MAX 256

typedef struct rk_cuda_device_info {
  int32_t ordinal;
  char name[RK_CUDA_DEVICE_NAME_MAX]; /* NUL-terminated */
  int32_t cc_major;                   /* compute capability */
  int32_t cc_minor;
  uint64_t total_memory;              /* bytes */
  int32_t multiprocessor_count;
  bool supports_persistent;           /* cc_major >= 7 */
  bool supports_cooperative;          /* cooperative launch attribute */
} rk_cuda_device_info_t;

/* True when the CUDA backend is built, a driver loads and at least one device is usable.
 * Any thread; the first call initialises the CUDA runtime (may take ~100 ms); never
 * fails (errors read as false, detail in rk_last_error). */
RK_API bool rk_cuda_is_available(void);

/* Number of usable devices (0 without backend, driver or device). Any thread. */
RK_API int32_t rk_cuda_device_count(void);

/* Fills *out for device `ordinal`. RK_ENODEVICE without backend/driver; RK_EINVAL for
 * an ordinal outside 0..count-1 (the detail names both). Any thread. */
RK_API rk_status_t rk_cuda_device_info(int32_t ordinal, rk_cuda_device_info_t *out);

/* Waits until all work on device `ordinal` is done (cudaDeviceSynchronize). Blocks.
 * Persistent actors never finish on their own, so while any GPU actor of this process
 * runs it returns RK_ESTATE at once instead of waiting forever. */
RK_API rk_status_t rk_cuda_device_synchronize(int32_t ordinal);

/* ---- GPU size classes --------------------------------------------------------------- */

/* Six classes, each 4x the previous: 256 B, 1 KiB, 4 KiB, 16 KiB, 64 KiB, 256 KiB. An
 * allocation takes the smallest class that holds it; larger ones go straight to
 * cudaMalloc and count as "large allocations". */
typedef enum rk_gpu_size_class {
  RK_GPU_SIZE_256B = 0,
  RK_GPU_SIZE_1KB = 1,
  RK_GPU_SIZE_4KB = 2,
  RK_GPU_SIZE_16KB = 3,
  RK_GPU_SIZE_64KB = 4,
  RK_GPU_SIZE_256KB = 5,
} rk_gpu_size_class_t;

#define RK_GPU_SIZE_CLASS_COUNT 6
#define RK_GPU_SIZE_CLASS_MAX_BYTES 262144u

/* Bytes of a class; 0 for a value outside the enum. Pure, any thread. */
RK_API uint64_t rk_gpu_size_class_bytes(int32_t size_class);
/* Smallest class holding `bytes` (0 -> RK_GPU_SIZE_256B); -1 above 262144. Pure. */
RK_API int32_t rk_gpu_size_class_for_size(uint64_t bytes);

/* ---- GPU pool configuration --------------------------------------------------------- */

typedef struct rk_gpu_pool_config {
  uint32_t initial_counts[RK_GPU_SIZE_CLASS_COUNT]; /* blocks carved at create */
  uint32_t max_counts[RK_GPU_SIZE_CLASS_COUNT];     /* per-class ceiling */
  uint64_t max_pool_bytes;                          /* all classes + large, together */
  bool track_allocations;                           /* keep per-pointer records */
  int32_t device;                                   /* ordinal, default 0 */
} rk_gpu_pool_config_t;

/* Presets of the API spec §10 (counts per class in the enum's order). Pure. */
RK_API void rk_gpu_pool_config_init(rk_gpu_pool_config_t *config); /* = default */
RK_API void rk_gpu_pool_config_for_graph_analytics(rk_gpu_pool_config_t *config);
RK_API void rk_gpu_pool_config_for_simulation(rk_gpu_pool_config_t *config);
RK_API void rk_gpu_pool_config_minimal(rk_gpu_pool_config_t *config);

/* RK_OK or RK_EINVAL naming the offending field (initial > max for a class, initial
 * bytes above max_pool_bytes, max_pool_bytes 0, negative device). Pure. */
RK_API rk_status_t rk_gpu_pool_config_validate(const rk_gpu_pool_config_t *config);

/* ---- live GPU pool ------------------------------------------------------------------ */

typedef struct rk_gpu_pool rk_gpu_pool_t;

typedef struct rk_gpu_bucket_stats {
  int32_t size_class;
  uint64_t block_bytes;
  uint64_t total_blocks;   /* carved from device memory so far */
  uint64_t free_blocks;
  uint64_t in_use_blocks;
  uint64_t max_blocks;
  uint64_t hits;           /* allocations served from the free list */
  uint64_t misses;         /* allocations that had to carve a new block */
} rk_gpu_bucket_stats_t;

typedef struct rk_gpu_pool_diagnostics {
  uint64_t total_cuda_bytes;       /* device memory held (classes + large) */
  uint64_t in_use_bytes;           /* class bytes of live blocks + live large bytes */
  uint64_t free_bytes;             /* total_cuda_bytes - in_use_bytes */
  double fragmentation;            /* free_bytes / total_cuda_bytes (0 when empty) */
  uint64_t large_allocation_count; /* live allocations above 256 KiB */
  uint64_t total_allocations;
  uint64_t total_deallocations;
  double hit_rate;                 /* hits / class allocations (0 when none) */
  double utilization;              /* in_use_bytes / total_cuda_bytes (0 when empty) */
  rk_gpu_bucket_stats_t buckets[RK_GPU_SIZE_CLASS_COUNT];
} rk_gpu_pool_diagnostics_t;

/* Creates a pool on config->device and carves the initial blocks. The caller owns *out
 * (rk_gpu_pool_destroy). RK_EINVAL (bad config), RK_ENODEVICE, RK_EGPUMEM. Blocks while
 * allocating. */
RK_API rk_status_t rk_gpu_pool_create(const rk_gpu_pool_config_t *config,
                                      rk_gpu_pool_t **out);
/* Device memory of at least `bytes` (1..max_pool_bytes) in *out_ptr, 256-byte aligned.
 * RK_EINVAL for 0, RK_EGPUMEM when a class ceiling or max_pool_bytes would be passed
 * (detail names which). Thread-safe. */
RK_API rk_status_t rk_gpu_pool_alloc(rk_gpu_pool_t *pool, uint64_t bytes, void **out_ptr);
/* Returns a block to its class (or cudaFree for large ones). RK_EINVAL for a pointer the
 * pool did not hand out or freed twice (checked when track_allocations is on).
 * Thread-safe. */
RK_API rk_status_t rk_gpu_pool_free(rk_gpu_pool_t *pool, void *ptr);
/* A consistent snapshot. Thread-safe. */
RK_API rk_status_t rk_gpu_pool_diagnostics(rk_gpu_pool_t *pool,
                                           rk_gpu_pool_diagnostics_t *out);
/* Frees all device memory of the pool, live blocks included. NULL-tolerant; no other
 * thread may use the pool during or after the call. */
RK_API void rk_gpu_pool_destroy(rk_gpu_pool_t *pool);

/* ---- streams ------------------------------------------------------------------------ */

typedef struct rk_stream_config {
  uint32_t num_compute_streams; /* 1..32 */
  bool use_transfer_stream;
  bool enable_graph_capture;
} rk_stream_config_t;

/* Presets of the API spec §10: default 4/true/false, minimal 1/false/false,
 * performance 4/true/true, for_simulation 2/true/false. Pure. */
RK_API void rk_stream_config_init(rk_stream_config_t *config); /* = default */
RK_API void rk_stream_config_minimal(rk_stream_config_t *config);
RK_API void rk_stream_config_performance(rk_stream_config_t *config);
RK_API void rk_stream_config_for_simulation(rk_stream_config_t *config);

typedef enum rk_stream_kind {
  RK_STREAM_DEFAULT = 0,
  RK_STREAM_COMPUTE = 1,
  RK_STREAM_TRANSFER = 2,
} rk_stream_kind_t;

typedef struct rk_stream_id {
  int32_t kind;   /* rk_stream_kind_t */
  uint32_t index; /* compute stream index; 0 otherwise */
} rk_stream_id_t;

RK_API rk_stream_id_t rk_stream_id_compute(uint32_t index);
RK_API rk_stream_id_t rk_stream_id_transfer(void);
RK_API rk_stream_id_t rk_stream_id_default(void);

/* A live set of non-blocking streams on one device, as a config describes. */
typedef struct rk_stream_set rk_stream_set_t;

/* Creates the streams. Caller owns *out. RK_EINVAL, RK_ENODEVICE, RK_ECUDA. */
RK_API rk_status_t rk_stream_set_create(const rk_stream_config_t *config, int32_t device,
                                        rk_stream_set_t **out);
/* The cudaStream_t behind `id` as an opaque pointer (NULL for the default stream).
 * RK_EINVAL for a compute index >= num_compute_streams or a transfer stream the config
 * left out. Any thread. */
RK_API rk_status_t rk_stream_set_get(rk_stream_set_t *set, rk_stream_id_t id,
                                     void **out_stream);
/* Waits for every stream of the set. Blocks. */
RK_API rk_status_t rk_stream_set_synchronize(rk_stream_set_t *set);
/* NULL-tolerant; waits for the streams' work first. */
RK_API void rk_stream_set_destroy(rk_stream_set_t *set);

/* ---- profiling ---------------------------------------------------------------------- */

/* Device-side per-actor counters, readable while the actor runs. busy_cycles counts SM
 * clock cycles spent running handlers; zero unless profiling is on. */
typedef struct rk_cuda_actor_profile {
  uint64_t messages;     /* messages the handler ran on */
  uint64_t replies;      /* replies written to K2H */
  uint64_t k2k_sent;     /* messages sent to other GPU actors */
  uint64_t k2k_received;
  uint64_t k2k_full;     /* sends refused because the destination inbox was full */
  uint64_t busy_cycles;
  uint64_t idle_polls;   /* polls that found nothing (back-off steps) */
} rk_cuda_actor_profile_t;

/* True when NVTX ranges and busy-cycle counters are recorded: built with
 * RK_CUDA_PROFILING=ON, or RINGKERNEL_PROFILE=1 in the environment at first use, or
 * switched on with rk_cuda_profiling_set. Any thread. */
RK_API bool rk_cuda_profiling_enabled(void);
/* Applies to actors launched after the call. Any thread. */
RK_API void rk_cuda_profiling_set(bool enabled);

RK_EXTERN_C_END

#endif /* RINGKERNEL_CUDA_H */
