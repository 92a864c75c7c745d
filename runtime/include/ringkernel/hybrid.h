/* ringkernel/hybrid.h — routes workloads between CPU and GPU by size, and learns the
 * size threshold from measured times in Adaptive mode. */
#ifndef RINGKERNEL_HYBRID_H
#define RINGKERNEL_HYBRID_H

#include "ringkernel/api.h"
#include "ringkernel/status.h"

RK_EXTERN_C_BEGIN

typedef enum rk_processing_mode {
  RK_PROCESSING_CPU_ONLY = 0,
  RK_PROCESSING_GPU_ONLY = 1,
  RK_PROCESSING_HYBRID = 2,
  RK_PROCESSING_ADAPTIVE = 3,
} rk_processing_mode_t;

/* The adaptive threshold never drops below this many elements. */
#define RK_HYBRID_MIN_THRESHOLD 100

typedef struct rk_hybrid_config {
  rk_processing_mode_t mode;
  uint64_t gpu_threshold; /* workloads of at least this size go to the GPU */
  double learning_rate;   /* 0..1: weight of each new measurement in Adaptive mode */
  bool gpu_available;
} rk_hybrid_config_t;

/* Defaults: CpuOnly, threshold 10000, learning rate 0.1, no GPU. */
RK_API void rk_hybrid_config_init(rk_hybrid_config_t *config);
/* Presets: CpuOnly/10000/0.1/no GPU; GpuOnly/0/0.1/GPU; Adaptive/10000/0.1/GPU. */
RK_API void rk_hybrid_config_cpu_only(rk_hybrid_config_t *config);
RK_API void rk_hybrid_config_gpu_only(rk_hybrid_config_t *config);
RK_API void rk_hybrid_config_adaptive(rk_hybrid_config_t *config);
/* Name of a mode ("CpuOnly", "GpuOnly", "Hybrid", "Adaptive"; "Unknown" otherwise). */
RK_API const char *rk_processing_mode_name(rk_processing_mode_t mode);

typedef struct rk_hybrid_stats {
  uint64_t cpu_count;
  uint64_t gpu_count;
  uint64_t adaptive_threshold;  /* meaningful only when has_adaptive_threshold */
  bool has_adaptive_threshold;  /* true only in Adaptive mode */
} rk_hybrid_stats_t;

/* Thread-safe dispatcher: every function below may be called from any thread at once;
 * none blocks. */
typedef struct rk_hybrid_dispatcher rk_hybrid_dispatcher_t;

/* Copies *config (NULL = defaults). RK_EINVAL with detail for an unknown mode or a
 * learning rate outside [0, 1] (or NaN). *out is NULL on failure. The caller owns the
 * dispatcher. The adaptive threshold starts at config->gpu_threshold. */
RK_API rk_status_t rk_hybrid_dispatcher_create(const rk_hybrid_config_t *config,
                                               rk_hybrid_dispatcher_t **out);
RK_API void rk_hybrid_dispatcher_destroy(rk_hybrid_dispatcher_t *d);

/* CpuOnly: false. GpuOnly: GPU available. Hybrid: GPU available and size >= the
 * configured threshold. Adaptive: GPU available and size >= the adaptive threshold. */
RK_API bool rk_hybrid_dispatcher_should_use_gpu(const rk_hybrid_dispatcher_t *d,
                                                uint64_t workload_size);
RK_API void rk_hybrid_dispatcher_record_cpu(rk_hybrid_dispatcher_t *d);
RK_API void rk_hybrid_dispatcher_record_gpu(rk_hybrid_dispatcher_t *d);

/* Adaptive mode only (a no-op returning RK_OK otherwise): target = size * 0.8 when
 * gpu_time_ms < cpu_time_ms else size * 1.2; new threshold =
 * trunc((1 - lr) * current + lr * target), at least RK_HYBRID_MIN_THRESHOLD.
 * RK_EINVAL for negative or NaN times. */
RK_API rk_status_t rk_hybrid_dispatcher_update_adaptive_threshold(
    rk_hybrid_dispatcher_t *d, uint64_t workload_size, double cpu_time_ms,
    double gpu_time_ms);

/* Records one timed run of workload_size items on one side (as record_cpu/record_gpu
 * do) and learns from it: the latest time per item seen on each side predicts the other
 * side's time at this size, and once both sides have been timed every run feeds
 * update_adaptive_threshold with (this run, that prediction). What dispatch() in the
 * bindings calls after running the chosen side. RK_EINVAL for a negative or NaN time.
 * Any thread. */
RK_API rk_status_t rk_hybrid_dispatcher_record_timed(rk_hybrid_dispatcher_t *d,
                                                     uint64_t workload_size, bool on_gpu,
                                                     double elapsed_ms);

/* Current adaptive threshold (equals the configured threshold until updated). */
RK_API uint64_t rk_hybrid_dispatcher_adaptive_threshold(const rk_hybrid_dispatcher_t *d);
RK_API void rk_hybrid_dispatcher_stats(const rk_hybrid_dispatcher_t *d,
                                       rk_hybrid_stats_t *out);
/* The configuration, with gpu_available as last set. */
RK_API void rk_hybrid_dispatcher_config(const rk_hybrid_dispatcher_t *d,
                                        rk_hybrid_config_t *out);
/* The runtime tells the dispatcher whether a GPU is present. */
RK_API void rk_hybrid_dispatcher_set_gpu_available(rk_hybrid_dispatcher_t *d,
                                                   bool available);

/* total = cpu + gpu; gpu ratio = gpu / total (0 when total is 0). */
RK_API uint64_t rk_hybrid_stats_total(const rk_hybrid_stats_t *s);
RK_API double rk_hybrid_stats_gpu_ratio(const rk_hybrid_stats_t *s);

RK_EXTERN_C_END

#endif /* RINGKERNEL_HYBRID_H */
