/* hybrid.c — the CPU/GPU dispatcher.
 *
 * Counters and the threshold are independent words, so each is its own atomic and no
 * lock is needed. Relaxed order throughout: nothing else in memory is published through
 * these words; readers only need each value itself.
 */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "ringkernel/hybrid.h"
#include "rk_internal.h"

struct rk_hybrid_dispatcher {
  rk_hybrid_config_t config; /* immutable after create, except gpu_available below */
  _Atomic bool gpu_available;
  _Atomic uint64_t adaptive_threshold;
  _Atomic uint64_t cpu_count;
  _Atomic uint64_t gpu_count;
  /* Latest time per item of each side, as double bits; all-ones (a NaN) until timed. */
  _Atomic uint64_t cpu_ms_per_item_bits;
  _Atomic uint64_t gpu_ms_per_item_bits;
};

#define RKI_UNTIMED_BITS UINT64_MAX

static uint64_t rki_double_bits(double v) {
  uint64_t b;
  memcpy(&b, &v, sizeof b);
  return b;
}

static double rki_bits_double(uint64_t b) {
  double v;
  memcpy(&v, &b, sizeof v);
  return v;
}

static void rki_config_set(rk_hybrid_config_t *c, rk_processing_mode_t mode,
                           uint64_t threshold, bool gpu) {
  c->mode = mode;
  c->gpu_threshold = threshold;
  c->learning_rate = 0.1;
  c->gpu_available = gpu;
}

void rk_hybrid_config_init(rk_hybrid_config_t *c) {
  rki_config_set(c, RK_PROCESSING_CPU_ONLY, 10000, false);
}
void rk_hybrid_config_cpu_only(rk_hybrid_config_t *c) {
  rki_config_set(c, RK_PROCESSING_CPU_ONLY, 10000, false);
}
void rk_hybrid_config_gpu_only(rk_hybrid_config_t *c) {
  rki_config_set(c, RK_PROCESSING_GPU_ONLY, 0, true);
}
void rk_hybrid_config_adaptive(rk_hybrid_config_t *c) {
  rki_config_set(c, RK_PROCESSING_ADAPTIVE, 10000, true);
}

const char *rk_processing_mode_name(rk_processing_mode_t mode) {
  switch (mode) {
  case RK_PROCESSING_CPU_ONLY: return "CpuOnly";
  case RK_PROCESSING_GPU_ONLY: return "GpuOnly";
  case RK_PROCESSING_HYBRID: return "Hybrid";
  case RK_PROCESSING_ADAPTIVE: return "Adaptive";
  }
  return "Unknown";
}

static rk_status_t rki_config_check(const rk_hybrid_config_t *c) {
  if ((int)c->mode < RK_PROCESSING_CPU_ONLY || (int)c->mode > RK_PROCESSING_ADAPTIVE)
    return rki_fail(RK_EINVAL, "processing mode %d: must be 0..3", (int)c->mode);
  if (!(c->learning_rate >= 0.0 && c->learning_rate <= 1.0))
    return rki_fail(RK_EINVAL, "learning_rate %g: must be 0..1", c->learning_rate);
  return RK_OK;
}

rk_status_t rk_hybrid_dispatcher_create(const rk_hybrid_config_t *config,
                                        rk_hybrid_dispatcher_t **out) {
  if (!out) return rki_fail(RK_EINVAL, "rk_hybrid_dispatcher_create: out is NULL");
  *out = NULL;
  rk_hybrid_config_t c;
  if (config)
    c = *config;
  else
    rk_hybrid_config_init(&c);
  rk_status_t st = rki_config_check(&c);
  if (st != RK_OK) return st;
  rk_hybrid_dispatcher_t *d = calloc(1, sizeof *d);
  if (!d) return rki_fail(RK_ENOMEM, "hybrid dispatcher: out of memory");
  d->config = c;
  atomic_init(&d->gpu_available, c.gpu_available);
  atomic_init(&d->adaptive_threshold, c.gpu_threshold);
  atomic_init(&d->cpu_count, 0);
  atomic_init(&d->gpu_count, 0);
  atomic_init(&d->cpu_ms_per_item_bits, RKI_UNTIMED_BITS);
  atomic_init(&d->gpu_ms_per_item_bits, RKI_UNTIMED_BITS);
  *out = d;
  return RK_OK;
}

void rk_hybrid_dispatcher_destroy(rk_hybrid_dispatcher_t *d) { free(d); }

bool rk_hybrid_dispatcher_should_use_gpu(const rk_hybrid_dispatcher_t *d,
                                         uint64_t workload_size) {
  bool gpu = atomic_load_explicit(&d->gpu_available, memory_order_relaxed);
  switch (d->config.mode) {
  case RK_PROCESSING_CPU_ONLY: return false;
  case RK_PROCESSING_GPU_ONLY: return gpu;
  case RK_PROCESSING_HYBRID: return gpu && workload_size >= d->config.gpu_threshold;
  case RK_PROCESSING_ADAPTIVE:
    return gpu &&
           workload_size >= atomic_load_explicit(&d->adaptive_threshold, memory_order_relaxed);
  }
  return false;
}

void rk_hybrid_dispatcher_record_cpu(rk_hybrid_dispatcher_t *d) {
  atomic_fetch_add_explicit(&d->cpu_count, 1, memory_order_relaxed);
}

void rk_hybrid_dispatcher_record_gpu(rk_hybrid_dispatcher_t *d) {
  atomic_fetch_add_explicit(&d->gpu_count, 1, memory_order_relaxed);
}

/* trunc((1 - lr) * current + lr * target), floored at RK_HYBRID_MIN_THRESHOLD. */
static uint64_t rki_next_threshold(uint64_t current, double lr, uint64_t size, bool gpu_wins) {
  double target = (double)size * (gpu_wins ? 0.8 : 1.2);
  double next = (1.0 - lr) * (double)current + lr * target;
  if (next < (double)RK_HYBRID_MIN_THRESHOLD) return RK_HYBRID_MIN_THRESHOLD;
  if (next >= 18446744073709551615.0) return UINT64_MAX;
  return (uint64_t)next;
}

rk_status_t rk_hybrid_dispatcher_update_adaptive_threshold(rk_hybrid_dispatcher_t *d,
                                                           uint64_t workload_size,
                                                           double cpu_time_ms,
                                                           double gpu_time_ms) {
  if (!(cpu_time_ms >= 0.0) || !(gpu_time_ms >= 0.0))
    return rki_fail(RK_EINVAL, "cpu_time_ms %g, gpu_time_ms %g: times must be >= 0",
                    cpu_time_ms, gpu_time_ms);
  if (d->config.mode != RK_PROCESSING_ADAPTIVE) return RK_OK;
  bool gpu_wins = gpu_time_ms < cpu_time_ms;
  uint64_t cur = atomic_load_explicit(&d->adaptive_threshold, memory_order_relaxed);
  /* CAS so concurrent updates each apply to the value the other left. */
  while (!atomic_compare_exchange_weak_explicit(
      &d->adaptive_threshold, &cur,
      rki_next_threshold(cur, d->config.learning_rate, workload_size, gpu_wins),
      memory_order_relaxed, memory_order_relaxed)) {
  }
  return RK_OK;
}

rk_status_t rk_hybrid_dispatcher_record_timed(rk_hybrid_dispatcher_t *d, uint64_t workload_size,
                                              bool on_gpu, double elapsed_ms) {
  if (!d) return rki_fail(RK_EINVAL, "dispatcher is NULL");
  if (!(elapsed_ms >= 0.0))
    return rki_fail(RK_EINVAL, "elapsed_ms %g: must be >= 0", elapsed_ms);
  double items = workload_size ? (double)workload_size : 1.0;
  uint64_t per_item = rki_double_bits(elapsed_ms / items);
  if (on_gpu) {
    rk_hybrid_dispatcher_record_gpu(d);
    atomic_store_explicit(&d->gpu_ms_per_item_bits, per_item, memory_order_relaxed);
  } else {
    rk_hybrid_dispatcher_record_cpu(d);
    atomic_store_explicit(&d->cpu_ms_per_item_bits, per_item, memory_order_relaxed);
  }
  double cpu = rki_bits_double(atomic_load_explicit(&d->cpu_ms_per_item_bits, memory_order_relaxed));
  double gpu = rki_bits_double(atomic_load_explicit(&d->gpu_ms_per_item_bits, memory_order_relaxed));
  if (isnan(cpu) || isnan(gpu)) return RK_OK;
  return rk_hybrid_dispatcher_update_adaptive_threshold(d, workload_size, cpu * items, gpu * items);
}

uint64_t rk_hybrid_dispatcher_adaptive_threshold(const rk_hybrid_dispatcher_t *d) {
  return atomic_load_explicit(&d->adaptive_threshold, memory_order_relaxed);
}

void rk_hybrid_dispatcher_stats(const rk_hybrid_dispatcher_t *d, rk_hybrid_stats_t *out) {
  out->cpu_count = atomic_load_explicit(&d->cpu_count, memory_order_relaxed);
  out->gpu_count = atomic_load_explicit(&d->gpu_count, memory_order_relaxed);
  out->has_adaptive_threshold = d->config.mode == RK_PROCESSING_ADAPTIVE;
  out->adaptive_threshold =
      out->has_adaptive_threshold ? rk_hybrid_dispatcher_adaptive_threshold(d) : 0;
}

void rk_hybrid_dispatcher_config(const rk_hybrid_dispatcher_t *d, rk_hybrid_config_t *out) {
  *out = d->config;
  out->gpu_available = atomic_load_explicit(&d->gpu_available, memory_order_relaxed);
}

void rk_hybrid_dispatcher_set_gpu_available(rk_hybrid_dispatcher_t *d, bool available) {
  atomic_store_explicit(&d->gpu_available, available, memory_order_relaxed);
}

uint64_t rk_hybrid_stats_total(const rk_hybrid_stats_t *s) {
  return s->cpu_count + s->gpu_count;
}

double rk_hybrid_stats_gpu_ratio(const rk_hybrid_stats_t *s) {
  uint64_t total = rk_hybrid_stats_total(s);
  return total == 0 ? 0.0 : (double)s->gpu_count / (double)total;
}
