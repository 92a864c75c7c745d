/* runtime.c — runtime creation, shutdown, destruction, failure state, getters, metrics. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "runtime_internal.h"

void rk_runtime_config_init(rk_runtime_config_t *cfg) {
  if (!cfg) return;
  memset(cfg, 0, sizeof *cfg);
  cfg->backend = RK_BACKEND_AUTO;
  cfg->node_id = 1;
  cfg->enable_k2k = true;
  cfg->worker_count = 0;
  cfg->cuda_device = 0;
  cfg->wait_spin_ns = RK_WAIT_SPIN_AUTO;
  rk_k2k_config_init(&cfg->k2k);
}

static rk_status_t check_config(const rk_runtime_config_t *cfg) {
  if ((unsigned)cfg->backend > RK_BACKEND_WGPU)
    return rki_fail(RK_EINVAL, "backend %d: must be 0..4", (int)cfg->backend);
  if (cfg->node_id > 0xFFFF)
    return rki_fail(RK_EINVAL, "node id %llu: must be 0..65535", (unsigned long long)cfg->node_id);
  if (cfg->wait_spin_ns > 1000000 && cfg->wait_spin_ns != RK_WAIT_SPIN_AUTO)
    return rki_fail(RK_EINVAL, "wait_spin_ns %u: must be 0..1000000", cfg->wait_spin_ns);
  if (cfg->worker_count > 256)
    return rki_fail(RK_EINVAL, "worker count %u: must be 0..256", cfg->worker_count);
  return cfg->enable_k2k ? rk_k2k_config_validate(&cfg->k2k) : RK_OK;
}

/* The device poller: back-to-back polls while replies keep coming (for a little while
 * after the last one, RKI_POLL_HOT_NS), so a reply is seen within one poll; once idle,
 * a 20 µs sleep between polls so an idle runtime costs almost nothing. */
enum { RKI_POLL_HOT_NS = 200000 };

static void *poller_main(void *arg) {
  rk_runtime_t *rt = arg;
  struct timespec idle = {0, 20000};
  uint64_t last_event = 0;
  while (!atomic_load_explicit(&rt->poller_stop, memory_order_acquire)) {
    if (rt->ops->poll(rt->backend_state) > 0) {
      last_event = rki_now_ns();
    } else if (rki_now_ns() - last_event < RKI_POLL_HOT_NS) {
      rki_cpu_relax();
    } else {
      nanosleep(&idle, NULL);
    }
  }
  return NULL;
}

static rk_status_t start_threads(rk_runtime_t *rt) {
  rk_status_t st = rki_backend_start(rt);
  if (st != RK_OK || !rt->ops->poll) return st;
  if (rki_thread_start(&rt->poller, poller_main, rt) != 0)
    return rki_fail(RK_EIO, "cannot start the backend poller thread");
  rt->poller_running = true;
  return RK_OK;
}

static void runtime_free(rk_runtime_t *rt) {
  for (size_t i = 0; i < rt->kernel_count; i++)
    rki_kernel_free(rt->kernels[i]);
  free(rt->kernels);
  rki_backend_fini(rt);
  rki_k2k_broker_free(rt->broker);
  rki_ready_close(rt);
  rk_hlc_clock_destroy(rt->clock);
  /* Messages the host still holds came from this pool and stay valid after destroy (a
   * binding may free them later, e.g. at garbage collection): keep the pool then. */
  if (rt->pool && rk_pool_bytes_in_use(rt->pool) == 0) rk_pool_destroy(rt->pool);
  pthread_mutex_destroy(&rt->kernels_lock);
  pthread_mutex_destroy(&rt->shutdown_lock);
  pthread_mutex_destroy(&rt->script_lock);
  free(rt);
}

/* Polling before sleeping pays where a core can be spared for it: a futex wake-up costs
 * microseconds and device replies are only ever seen by polling. On a small machine the
 * poll would steal the core the CPU worker needs to produce the reply. */
static uint32_t resolve_wait_spin(uint32_t requested) {
  if (requested != RK_WAIT_SPIN_AUTO) return requested;
  return sysconf(_SC_NPROCESSORS_ONLN) >= 4 ? 20000u : 0u;
}

rk_status_t rk_runtime_create(const rk_runtime_config_t *cfg_in, rk_runtime_t **out) {
  if (out) *out = NULL;
  if (!out) return rki_fail(RK_EINVAL, "out is NULL");
  rk_runtime_config_t cfg;
  if (cfg_in)
    cfg = *cfg_in;
  else
    rk_runtime_config_init(&cfg);
  rk_status_t st = check_config(&cfg);
  if (st != RK_OK) return st;
  rk_runtime_t *rt = calloc(1, sizeof *rt);
  if (!rt) return rki_fail(RK_ENOMEM, "runtime: out of memory");
  cfg.wait_spin_ns = resolve_wait_spin(cfg.wait_spin_ns);
  rt->cfg = cfg;
  rt->ready_fd = -1;
  rt->next_num = 1;
  pthread_mutex_init(&rt->kernels_lock, NULL);
  pthread_mutex_init(&rt->shutdown_lock, NULL);
  pthread_mutex_init(&rt->script_lock, NULL);
  st = rk_pool_create(NULL, &rt->pool);
  if (st == RK_OK) st = rk_hlc_clock_create(cfg.node_id, RK_HLC_DEFAULT_MAX_DRIFT_MS, &rt->clock);
  if (st == RK_OK) st = rki_ready_open(rt);
  if (st == RK_OK && cfg.enable_k2k) st = rki_k2k_broker_new(&cfg.k2k, rt, &rt->broker);
  if (st == RK_OK) st = start_threads(rt);
  if (st != RK_OK) {
    char detail[256];
    snprintf(detail, sizeof detail, "%s", rk_last_error());
    rki_backend_stop(rt);
    runtime_free(rt);
    return rki_fail(st, "%s", detail);
  }
  *out = rt;
  return RK_OK;
}

rk_status_t rki_runtime_check(const rk_runtime_t *rt) {
  if (!rt) return rki_fail(RK_EINVAL, "runtime is NULL");
  /* acquire: pairs with the release store in rki_runtime_fail (fail_detail is written
   * before it). */
  if (atomic_load_explicit(&rt->failed, memory_order_acquire))
    return rki_fail(RK_EFAILED, "%s", rt->fail_detail);
  return RK_OK;
}

void rki_runtime_fail(void *arg, rk_status_t status, const char *detail) {
  rk_runtime_t *rt = arg;
  pthread_mutex_lock(&rt->shutdown_lock);
  if (!atomic_load_explicit(&rt->failed, memory_order_relaxed)) {
    snprintf(rt->fail_detail, sizeof rt->fail_detail, "%s: %s", rk_status_name(status),
             detail ? detail : rk_status_str(status));
    atomic_store_explicit(&rt->failed, true, memory_order_release);
  }
  pthread_mutex_unlock(&rt->shutdown_lock);
  rki_runtime_wake_all(rt);
}

static size_t snapshot_kernels(rk_runtime_t *rt, rk_kernel_t ***out) {
  pthread_mutex_lock(&rt->kernels_lock);
  size_t n = rt->kernel_count;
  *out = n ? malloc(n * sizeof **out) : NULL;
  if (*out) memcpy(*out, rt->kernels, n * sizeof **out);
  pthread_mutex_unlock(&rt->kernels_lock);
  return *out ? n : 0;
}

rk_status_t rk_runtime_shutdown(rk_runtime_t *rt) {
  if (!rt) return rki_fail(RK_EINVAL, "runtime is NULL");
  /* Shutdown joins the workers, one of which is running this very handler. */
  if (rki_current_handler_kernel())
    return rki_fail(RK_ESTATE, "rk_runtime_shutdown called from a handler of kernel %s",
                    rk_kernel_id(rki_current_handler_kernel()));
  pthread_mutex_lock(&rt->shutdown_lock);
  bool first = !atomic_load_explicit(&rt->shutdown, memory_order_relaxed);
  /* seq_cst: pairs with admit() in kernel_send.c (shutdown flag vs. senders count). */
  atomic_store_explicit(&rt->shutdown, true, memory_order_seq_cst);
  pthread_mutex_unlock(&rt->shutdown_lock);
  if (!first) return RK_OK;
  rk_kernel_t **ks;
  size_t n = snapshot_kernels(rt, &ks);
  for (size_t i = 0; i < n; i++) {
    rk_kernel_state_t s = rk_kernel_state(ks[i]);
    if (s == RK_KERNEL_LAUNCHED || s == RK_KERNEL_ACTIVE || s == RK_KERNEL_DEACTIVATED)
      rki_kernel_terminate(ks[i], false, 0);
  }
  free(ks);
  if (rt->poller_running) {
    atomic_store_explicit(&rt->poller_stop, true, memory_order_release);
    pthread_join(rt->poller, NULL);
    rt->poller_running = false;
  }
  rki_backend_stop(rt);
  rki_runtime_wake_all(rt);
  rki_ready_signal(rt);
  return RK_OK;
}

void rk_runtime_destroy(rk_runtime_t *rt) {
  if (!rt) return;
  rk_runtime_shutdown(rt);
  runtime_free(rt);
}

rk_backend_kind_t rk_runtime_backend(const rk_runtime_t *rt) {
  return rt ? rt->kind : RK_BACKEND_AUTO;
}
uint64_t rk_runtime_node_id(const rk_runtime_t *rt) {
  return rt ? rt->cfg.node_id : 0;
}
bool rk_runtime_is_k2k_enabled(const rk_runtime_t *rt) {
  return rt && rt->broker;
}
bool rk_runtime_is_shutdown(const rk_runtime_t *rt) {
  return !rt || atomic_load_explicit(&rt->shutdown, memory_order_acquire);
}
uint32_t rk_runtime_worker_count(const rk_runtime_t *rt) {
  if (!rt) return 0;
  return rt->cfg.worker_count ? rt->cfg.worker_count : (uint32_t)sysconf(_SC_NPROCESSORS_ONLN);
}

const char *rk_runtime_last_error(const rk_runtime_t *rt) {
  if (rt && atomic_load_explicit(&rt->failed, memory_order_acquire)) return rt->fail_detail;
  return rk_last_error();
}

rk_k2k_broker_t *rk_runtime_k2k_broker(rk_runtime_t *rt) {
  return rt ? rt->broker : NULL;
}

void rk_runtime_interrupt(rk_runtime_t *rt) {
  if (!rt) return;
  /* release: pairs with the acquire loads of interrupt_gen in rki_runtime_wait. */
  atomic_fetch_add_explicit(&rt->interrupt_gen, 1, memory_order_release);
  rki_runtime_wake_all(rt);
}

rk_status_t rk_runtime_metrics(rk_runtime_t *rt, rk_runtime_metrics_t *out) {
  if (!rt || !out) return rki_fail(RK_EINVAL, "runtime or out is NULL");
  memset(out, 0, sizeof *out);
  pthread_mutex_lock(&rt->kernels_lock);
  for (size_t i = 0; i < rt->kernel_count; i++)
    if (rk_kernel_state(rt->kernels[i]) == RK_KERNEL_ACTIVE) out->active_kernels++;
  pthread_mutex_unlock(&rt->kernels_lock);
  out->total_launched = atomic_load_explicit(&rt->total_launched, memory_order_relaxed);
  out->messages_sent = rki_counter_read(&rt->messages_sent);
  out->messages_received = atomic_load_explicit(&rt->messages_received, memory_order_relaxed);
  if (rt->ops && rt->backend_state && !atomic_load_explicit(&rt->shutdown, memory_order_acquire))
    out->gpu_memory_used = rt->ops->device_memory_used(rt->backend_state);
  /* What the pool holds from the system (slabs and large blocks), not just the blocks
   * out right now: that is the memory the runtime costs the process. */
  rk_pool_stats_t pool;
  if (rk_pool_stats(rt->pool, &pool, NULL, 0) == RK_OK)
    out->host_memory_used = pool.slab_bytes + pool.large_bytes_in_use;
  return RK_OK;
}
