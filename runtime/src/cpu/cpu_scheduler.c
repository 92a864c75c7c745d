/* cpu_scheduler.c — the worker pool and run queue of the CPU backend (see cpu_internal.h).
 *
 * Idle workers poll the run queue length briefly (a few microseconds, so a message that
 * arrives right after a batch finishes is picked up without a futex round trip), then
 * sleep on `wake`, which every rki_cpu_schedule bumps.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdlib.h>

#include "cpu_internal.h"

enum { RKI_CPU_IDLE_POLLS = 2000 };

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

rk_status_t rki_cpu_rq_reserve(rki_cpu_t *be) {
  pthread_mutex_lock(&be->rq_lock);
  rk_status_t st = RK_OK;
  if (be->actors + 1 > be->rq_cap) {
    size_t cap = be->rq_cap ? be->rq_cap * 2 : 16;
    rki_cpu_actor_t **rq = calloc(cap, sizeof *rq);
    if (!rq) {
      st = rki_fail(RK_ENOMEM, "run queue of %zu actors: out of memory", cap);
    } else {
      for (size_t i = 0; i < be->rq_count; i++)
        rq[i] = be->rq[(be->rq_head + i) % be->rq_cap];
      free(be->rq);
      be->rq = rq;
      be->rq_cap = cap;
      be->rq_head = 0;
    }
  }
  if (st == RK_OK) be->actors++;
  pthread_mutex_unlock(&be->rq_lock);
  return st;
}

static void rq_push(rki_cpu_t *be, rki_cpu_actor_t *a) {
  pthread_mutex_lock(&be->rq_lock);
  RKI_ASSERT(be->rq_count < be->rq_cap);
  be->rq[(be->rq_head + be->rq_count) % be->rq_cap] = a;
  be->rq_count++;
  atomic_store_explicit(&be->rq_len, be->rq_count, memory_order_relaxed);
  pthread_mutex_unlock(&be->rq_lock);
  rki_waitset_notify_one(&be->wake);
}

static rki_cpu_actor_t *rq_pop(rki_cpu_t *be) {
  rki_cpu_actor_t *a = NULL;
  pthread_mutex_lock(&be->rq_lock);
  if (be->rq_count) {
    a = be->rq[be->rq_head];
    be->rq_head = (be->rq_head + 1) % be->rq_cap;
    be->rq_count--;
    atomic_store_explicit(&be->rq_len, be->rq_count, memory_order_relaxed);
  }
  pthread_mutex_unlock(&be->rq_lock);
  return a;
}

void rki_cpu_schedule(rki_cpu_actor_t *a) {
  if (a->external) return;
  /* seq_cst: pairs with the worker's seq_cst clear of `scheduled` followed by its re-check
   * of the input (run_batch), so either we queue the actor or the worker sees our message. */
  if (atomic_exchange_explicit(&a->scheduled, 1, memory_order_seq_cst) == 0) rq_push(a->be, a);
}

static bool output_full(const rki_cpu_actor_t *a) {
  return rk_ring_depth(a->out) >= a->out_cap;
}

/* Runs up to one batch of a's messages. Returns true when the actor still has work it
 * could do now. */
static bool run_batch(rki_cpu_actor_t *a) {
  const rk_backend_host_t *host = a->be->host;
  bool produced = false;
  size_t popped = 0;
  for (int i = 0; i < RKI_CPU_BATCH; i++) {
    if (!atomic_load_explicit(&a->active, memory_order_acquire) ||
        atomic_load_explicit(&a->stopping, memory_order_seq_cst))
      break;
    if (output_full(a)) {
      /* seq_cst store + fence pair with the receiver's pop, then exchange (cpu_backend.c
       * dequeue): either it sees the flag and reschedules, or we see its free slot. */
      atomic_store_explicit(&a->out_blocked, true, memory_order_seq_cst);
      atomic_thread_fence(memory_order_seq_cst);
      if (output_full(a)) break;
      atomic_store_explicit(&a->out_blocked, false, memory_order_relaxed);
    }
    rk_message_t *m = rki_cpu_pop_input((rk_backend_actor_t *)a);
    if (!m) break;
    popped++;
    uint64_t before = atomic_load_explicit(&a->processed, memory_order_relaxed);
    produced |= rki_kernel_process(a->kernel, m, before);
    rk_message_free(m);
  }
  if (produced) host->output_ready(a->kernel);
  if (popped) host->input_space(a->kernel);
  return popped == RKI_CPU_BATCH;
}

static bool has_work(rki_cpu_actor_t *a) {
  return atomic_load_explicit(&a->active, memory_order_acquire) &&
         !atomic_load_explicit(&a->stopping, memory_order_acquire) &&
         rk_ring_depth(a->in) > 0 && !output_full(a);
}

static void run_actor(rki_cpu_actor_t *a) {
  /* seq_cst: pairs with actor_terminate's stopping store and running load. */
  atomic_store_explicit(&a->running, 1, memory_order_seq_cst);
  if (!atomic_load_explicit(&a->stopping, memory_order_seq_cst)) run_batch(a);
  atomic_store_explicit(&a->running, 0, memory_order_seq_cst);
  atomic_store_explicit(&a->scheduled, 0, memory_order_seq_cst);
  atomic_thread_fence(memory_order_seq_cst);
  if (has_work(a)) rki_cpu_schedule(a);
}

static void idle_wait(rki_cpu_t *be) {
  for (int i = 0; i < RKI_CPU_IDLE_POLLS; i++) {
    if (atomic_load_explicit(&be->rq_len, memory_order_relaxed) ||
        atomic_load_explicit(&be->stop, memory_order_relaxed))
      return;
    cpu_relax();
  }
  uint32_t seen = rki_wait_begin(&be->wake);
  if (!atomic_load_explicit(&be->rq_len, memory_order_seq_cst) &&
      !atomic_load_explicit(&be->stop, memory_order_seq_cst))
    rki_wait_sleep(&be->wake, seen, UINT64_MAX);
  rki_wait_end(&be->wake);
}

static void *worker_main(void *arg) {
  rki_cpu_t *be = arg;
  while (!atomic_load_explicit(&be->stop, memory_order_acquire)) {
    rki_cpu_actor_t *a = rq_pop(be);
    if (a)
      run_actor(a);
    else
      idle_wait(be);
  }
  return NULL;
}

rk_status_t rki_cpu_workers_start(rki_cpu_t *be) {
  if (!be->nworkers) return RK_OK;
  be->workers = calloc(be->nworkers, sizeof *be->workers);
  if (!be->workers) return rki_fail(RK_ENOMEM, "%u worker handles: out of memory", be->nworkers);
  for (uint32_t i = 0; i < be->nworkers; i++) {
    if (pthread_create(&be->workers[i], NULL, worker_main, be) != 0) {
      be->nworkers = i;
      rki_cpu_workers_stop(be);
      return rki_fail(RK_EIO, "cannot start CPU worker %u", i);
    }
  }
  return RK_OK;
}

void rki_cpu_workers_stop(rki_cpu_t *be) {
  /* release: pairs with the workers' acquire loads of `stop`. */
  atomic_store_explicit(&be->stop, true, memory_order_seq_cst);
  rki_waitset_notify(&be->wake);
  for (uint32_t i = 0; i < be->nworkers; i++) pthread_join(be->workers[i], NULL);
  free(be->workers);
  be->workers = NULL;
  be->nworkers = 0;
}
