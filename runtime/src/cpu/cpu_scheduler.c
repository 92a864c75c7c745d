/* cpu_scheduler.c — the worker pool and run queue of the CPU backend (see cpu_internal.h).
 *
 * Idle workers poll the run queue length for RKI_CPU_IDLE_POLL_NS (so a message that
 * arrives right after a batch finishes is picked up without a futex round trip, which
 * costs several microseconds, more in a VM), then sleep on `wake`, which every
 * rki_cpu_schedule bumps. The poll is timed, not counted: a pause instruction lasts
 * anywhere from 10 to 150 cycles depending on the CPU.
 *
 * Hand-off slot: when a handler makes another actor runnable (a K2K send), the worker
 * keeps that actor in its own `next` slot and runs it right after the current batch,
 * while the message is still in its cache, instead of queueing it where another core
 * would pick it up. At most RKI_CPU_NEXT_STREAK hand-offs in a row, then the slot's actor
 * goes to the shared run queue, so a ping-ponging pair cannot starve the others.
 *
 * Wall clock for stamps: a worker reads the clock once when it takes an actor from the
 * run queue, and the HLC stamps of that turn and of the hand-offs that follow it (at most
 * RKI_CPU_NEXT_STREAK turns of RKI_CPU_BATCH messages) use that reading
 * (rki_cpu_wall_micros). A clock read costs about as much as the rest of a stamp; the
 * stamps stay strictly increasing per clock (hlc_internal.h), only their physical part
 * may lag by the length of that run.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdlib.h>

#include "cpu_internal.h"

enum { RKI_CPU_IDLE_POLL_NS = 50000, RKI_CPU_NEXT_STREAK = 16 };

typedef struct worker_local {
  rki_cpu_t *be;
  rki_cpu_actor_t *current; /* the actor whose batch runs now (NULL between batches) */
  rki_cpu_actor_t *next;    /* hand-off slot, see above */
  unsigned streak;
  uint64_t wall_micros; /* read when the current run of turns began, see above */
} worker_local_t;

/* Set for a worker thread's whole life; NULL on every other thread. */
static _Thread_local worker_local_t *tl_worker;

uint64_t rki_cpu_wall_micros(void) {
  worker_local_t *w = tl_worker;
  return w ? w->wall_micros : rk_hlc_wall_micros();
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

/* Queues a, whose `scheduled` flag the caller has just taken. */
static void queue_claimed(rki_cpu_actor_t *a) {
  worker_local_t *w = tl_worker;
  if (w && w->be == a->be && w->current && w->current != a && !w->next) {
    w->next = a;
    return;
  }
  rq_push(a->be, a);
}

void rki_cpu_schedule(rki_cpu_actor_t *a) {
  if (a->external) return;
  /* RMW: pairs with run_actor's exchange that clears `scheduled` before it re-checks the
   * input, so either we queue the actor or the worker sees our message. */
  if (atomic_exchange_explicit(&a->scheduled, 1, memory_order_seq_cst) != 0) return;
  queue_claimed(a);
}

void rki_cpu_schedule_if_active(rki_cpu_actor_t *a) {
  for (;;) {
    /* RMW: pairs with finish_turn's exchange, as in rki_cpu_schedule. Taken first: an
     * actor already queued or running needs nothing more, as its holder re-checks
     * `active` and the input after clearing the flag. */
    if (atomic_exchange_explicit(&a->scheduled, 1, memory_order_seq_cst) != 0) return;
    /* RMW read: pairs with set_active's exchange (cpu_backend.c). */
    if (atomic_fetch_add_explicit(&a->active, 0, memory_order_seq_cst)) {
      queue_claimed(a);
      return;
    }
    /* Inactive: give the claim back, then look again. An activation whose schedule
     * found our claim (and left it to us) comes before our exchange in `scheduled`'s
     * order, so its store to `active` happens before the second read below. */
    atomic_exchange_explicit(&a->scheduled, 0, memory_order_seq_cst);
    if (!atomic_fetch_add_explicit(&a->active, 0, memory_order_seq_cst)) return;
  }
}

static bool output_full(const rki_cpu_actor_t *a) {
  return rk_ring_depth(a->out) >= a->out_cap;
}

bool rki_cpu_has_input(rki_cpu_actor_t *a) {
  return rk_ring_depth(a->in) > 0 || atomic_load_explicit(&a->held, memory_order_acquire);
}

/* The next message: the held one first (its retry), else the oldest in the ring. */
static rk_message_t *next_message(rki_cpu_actor_t *a, size_t *popped) {
  /* Only the running worker ever sets `held`, so a plain load that sees NULL is final;
   * the exchange (a locked instruction) is paid only when there is a message to take.
   * acquire: pairs with the release store in run_batch (an earlier turn, maybe on
   * another worker). */
  rk_message_t *m = atomic_load_explicit(&a->held, memory_order_acquire)
                        ? atomic_exchange_explicit(&a->held, NULL, memory_order_acq_rel)
                        : NULL;
  if (m) return m;
  m = rki_cpu_pop_input((rk_backend_actor_t *)a);
  if (m) (*popped)++;
  return m;
}

/* True when the output is full and the receiver has been asked (out_blocked) to
 * reschedule the actor once it frees a slot. */
static bool output_blocks(rki_cpu_actor_t *a) {
  if (!output_full(a)) return false;
  /* RMW: pairs with the receiver's pops then exchange (cpu_backend.c dequeue): either it
   * sees the flag and reschedules, or we see its free slot. */
  atomic_exchange_explicit(&a->out_blocked, true, memory_order_seq_cst);
  return output_full(a);
}

/* *room: output slots known to be free. Only the worker running a pushes to its output
 * (kernel_process.c; script kernels never run here) and the receiver only frees slots, so
 * a count taken once and lowered by each reply never claims a slot that is not there;
 * the output's indices (the receiver writes the tail line on every receive) are read
 * again only when the count runs out. */
static bool may_run(rki_cpu_actor_t *a, size_t *room) {
  if (!atomic_load_explicit(&a->active, memory_order_acquire) ||
      atomic_load_explicit(&a->stopping, memory_order_seq_cst))
    return false;
  if (*room) return true;
  if (output_blocks(a)) return false;
  size_t depth = rk_ring_depth(a->out);
  *room = depth < a->out_cap ? a->out_cap - depth : 0;
  return true;
}

/* Runs up to one batch of a's messages. */
static void run_batch(rki_cpu_actor_t *a) {
  const rk_backend_host_t *host = a->be->host;
  bool produced = false;
  size_t popped = 0, room = 0;
  for (int i = 0; i < RKI_CPU_BATCH && may_run(a, &room); i++) {
    rk_message_t *m = next_message(a, &popped);
    if (!m) break;
    uint64_t before = atomic_load_explicit(&a->processed, memory_order_relaxed);
    uint32_t out = 0;
    bool consumed = false;
    rk_status_t st = rki_kernel_process(a->kernel, m, before, &out, &consumed);
    room = out < room ? room - out : 0;
    /* This worker is the only writer while it holds `scheduled` (the next holder's claim
     * reads from our release of it), so a load and a store count without a locked
     * instruction; status readers only want a recent value. */
    if (st == RK_OK) atomic_store_explicit(&a->processed, before + 1, memory_order_relaxed);
    produced |= out != 0;
    if (st == RK_EAGAIN) {
      atomic_store_explicit(&a->held, m, memory_order_release);
      break;
    }
    if (!consumed) rk_message_free(m);
  }
  if (produced) host->output_ready(a->kernel);
  /* RMW: pairs with want_space in cpu_backend.c (see cpu_internal.h). */
  if (popped && atomic_exchange_explicit(&a->space_wanted, 0, memory_order_seq_cst))
    host->input_space(a->kernel);
}

static void park(rki_cpu_t *be, rki_cpu_actor_t *a) {
  pthread_mutex_lock(&be->retry_lock);
  if (!be->retry_head) be->retry_since = rki_now_ns();
  a->retry_next = be->retry_head;
  be->retry_head = a;
  atomic_fetch_add_explicit(&be->retry_len, 1, memory_order_relaxed);
  pthread_mutex_unlock(&be->retry_lock);
}

/* Moves parked actors back to the run queue once they waited RKI_CPU_RETRY_NS. */
static void unpark(rki_cpu_t *be) {
  if (!atomic_load_explicit(&be->retry_len, memory_order_relaxed)) return;
  pthread_mutex_lock(&be->retry_lock);
  rki_cpu_actor_t *list = NULL;
  if (be->retry_head && rki_now_ns() - be->retry_since >= RKI_CPU_RETRY_NS) {
    list = be->retry_head;
    be->retry_head = NULL;
    atomic_store_explicit(&be->retry_len, 0, memory_order_relaxed);
  }
  pthread_mutex_unlock(&be->retry_lock);
  while (list) {
    rki_cpu_actor_t *next = list->retry_next;
    rq_push(be, list); /* still `scheduled` from before it was parked */
    list = next;
  }
}

/* After a batch: gives up `scheduled`, then re-checks for work so that nothing published
 * meanwhile is left behind. Each check pairs with one waker: the input with enqueuers
 * (through `scheduled`), a full output with the receiver (through `out_blocked`),
 * activation with set_active (through `active`). */
static void finish_turn(rki_cpu_actor_t *a) {
  /* RMW: pairs with the exchange in rki_cpu_schedule (see cpu_internal.h). */
  atomic_exchange_explicit(&a->scheduled, 0, memory_order_seq_cst);
  if (!atomic_load_explicit(&a->active, memory_order_acquire) ||
      atomic_load_explicit(&a->stopping, memory_order_acquire) || !rki_cpu_has_input(a))
    return;
  if (output_blocks(a)) return; /* the receiver reschedules */
  if (atomic_load_explicit(&a->held, memory_order_acquire)) {
    /* A retry waits RKI_CPU_RETRY_NS on the retry list, holding `scheduled` again; if an
     * enqueuer took it first, the actor is queued already and runs the held one first. */
    if (atomic_exchange_explicit(&a->scheduled, 1, memory_order_seq_cst) == 0) park(a->be, a);
    return;
  }
  rki_cpu_schedule(a);
}

static void run_actor(rki_cpu_actor_t *a) {
  /* seq_cst: pairs with actor_terminate's stopping store and running load. */
  atomic_store_explicit(&a->running, 1, memory_order_seq_cst);
  if (!atomic_load_explicit(&a->stopping, memory_order_seq_cst)) run_batch(a);
  atomic_store_explicit(&a->running, 0, memory_order_seq_cst);
  finish_turn(a);
}

static bool idle_poll(rki_cpu_t *be) {
  uint64_t until = rki_now_ns() + RKI_CPU_IDLE_POLL_NS;
  do {
    for (int i = 0; i < 256; i++) {
      if (atomic_load_explicit(&be->rq_len, memory_order_relaxed) ||
          atomic_load_explicit(&be->stop, memory_order_relaxed))
        return true;
      rki_cpu_relax();
    }
  } while (rki_now_ns() < until);
  return false;
}

static void idle_wait(rki_cpu_t *be) {
  if (idle_poll(be)) return;
  uint64_t deadline = atomic_load_explicit(&be->retry_len, memory_order_relaxed)
                          ? rki_now_ns() + RKI_CPU_RETRY_NS
                          : UINT64_MAX;
  uint32_t seen = rki_wait_begin(&be->wake);
  if (!atomic_load_explicit(&be->rq_len, memory_order_seq_cst) &&
      !atomic_load_explicit(&be->stop, memory_order_seq_cst))
    rki_wait_sleep(&be->wake, seen, deadline);
  rki_wait_end(&be->wake);
}

/* The hand-off slot's actor while the streak lasts, else the run queue's head. */
static rki_cpu_actor_t *next_actor(worker_local_t *w) {
  rki_cpu_actor_t *a = w->next;
  w->next = NULL;
  if (a && w->streak < RKI_CPU_NEXT_STREAK) {
    w->streak++;
    return a;
  }
  if (a) rq_push(w->be, a);
  w->streak = 0;
  a = rq_pop(w->be);
  if (a) w->wall_micros = rk_hlc_wall_micros();
  return a;
}

static void *worker_main(void *arg) {
  rki_cpu_t *be = arg;
  worker_local_t self = {be, NULL, NULL, 0, 0};
  tl_worker = &self;
  while (!atomic_load_explicit(&be->stop, memory_order_acquire)) {
    rki_cpu_actor_t *a = next_actor(&self);
    if (a) {
      self.current = a;
      run_actor(a);
      self.current = NULL;
    } else {
      idle_wait(be);
    }
    unpark(be);
  }
  tl_worker = NULL;
  return NULL;
}

rk_status_t rki_cpu_workers_start(rki_cpu_t *be) {
  if (!be->nworkers) return RK_OK;
  be->workers = calloc(be->nworkers, sizeof *be->workers);
  if (!be->workers) return rki_fail(RK_ENOMEM, "%u worker handles: out of memory", be->nworkers);
  for (uint32_t i = 0; i < be->nworkers; i++) {
    if (rki_thread_start(&be->workers[i], worker_main, be) != 0) {
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
  for (uint32_t i = 0; i < be->nworkers; i++)
    pthread_join(be->workers[i], NULL);
  free(be->workers);
  be->workers = NULL;
  be->nworkers = 0;
}
