/* cpu_internal.h — the CPU backend: actors on a worker pool.
 *
 * An actor has an MPSC input ring and an MPSC output ring of message pointers (owned
 * rk_message_t). Producers of the input: any sender. Consumer of the input: the one worker
 * that holds the actor's `scheduled` flag (or, for script actors, the script loop under
 * the runtime's script_lock). Producers of the output: the worker running the handler and
 * script threads replying; consumer: the runtime under the kernel's recv_lock.
 *
 * Scheduling: an actor with work is in the run queue at most once, guarded by
 * `scheduled` (exchange 0 -> 1 claims the right to queue it; the worker that popped it
 * clears it after its batch and re-checks for work, so nothing is left behind). A worker
 * runs at most RKI_CPU_BATCH messages of one actor, then puts it at the back of the run
 * queue (fairness between actors).
 *
 * Back-pressure: when an actor's output is full the worker stops it with `out_blocked`
 * set instead of dead-lettering replies; the receiver that frees output space clears the
 * flag and reschedules the actor (for a script actor, it wakes the script loop, which
 * holds the reply that found the output full: script_work.c). When a handler returns RK_EAGAIN (its K2K destination
 * was full) the worker keeps the message as `held`, parks the actor on the retry list
 * (still `scheduled`), and a worker puts it back in the run queue after
 * RKI_CPU_RETRY_NS; the held message runs first then. Idle workers sleep with that
 * timeout only while something is parked, so nothing spins.
 *
 * Lost-wakeup freedom without fences: each "publish, then check the other side" pair
 * uses a read-modify-write on the shared flag (`scheduled`, `active`, `out_blocked`,
 * `space_wanted`). RMWs on one variable are totally ordered, and the later one reads from
 * the earlier, so whichever side comes second also sees what the first published before
 * its RMW.
 *
 * Input space: a sender that finds the input full sets `space_wanted` and then tries
 * once more before it gives up (and sleeps on the runtime's `space` word); a worker
 * notifies `space` after a batch only when it takes the flag (exchange). Either the
 * worker's exchange comes after the sender's set and the worker notifies, or it comes
 * before, and then the sender's retry sees the slots the batch freed. So a batch whose
 * input nobody waits for costs no notify (a futex wake-up, microseconds in a VM, each time
 * a host thread waits for any other actor's input).
 */
#ifndef RK_CPU_INTERNAL_H
#define RK_CPU_INTERNAL_H

#include <stdalign.h>

#include "ringkernel/ring.h"
#include "runtime_internal.h"

enum { RKI_CPU_BATCH = 64, RKI_CPU_RETRY_NS = 100000 };

typedef struct rki_cpu rki_cpu_t;

typedef struct rki_cpu_actor {
  rki_cpu_t *be;
  rk_kernel_t *kernel;
  rk_pool_t *pool;
  rk_ring_t *in;
  rk_ring_t *out;
  uint32_t in_cap;
  uint32_t out_cap;
  bool external; /* script actor: served by the script loop, never a worker */
  /* Own cache line for the flags that senders read-modify-write only when they have to
   * queue the actor (or find its input full) and that the running worker reads per
   * message (may_run): kept apart from `scheduled`, which a sender exchanges on every
   * message, so those exchanges do not turn each of the worker's reads into a miss. */
  alignas(RKI_CACHELINE) _Atomic int active; /* changed by exchange, see cpu_backend.c enqueue */
  _Atomic bool stopping;
  _Atomic int running; /* 1 while a worker is inside the batch */
  _Atomic bool out_blocked;
  _Atomic int space_wanted; /* a sender found the input full (see above) */
  /* Own cache line: exchanged by every sender per message (rki_cpu_schedule_if_active). */
  alignas(RKI_CACHELINE) _Atomic int scheduled; /* 1 while queued or running (see above) */
  /* Own cache line: bumped per message, read by status calls from other threads. */
  alignas(RKI_CACHELINE) _Atomic uint64_t processed;
  /* A message whose handler asked for a retry (RK_EAGAIN); written by the running worker
   * only, read by activate/terminate/counters. */
  _Atomic(rk_message_t *) held;
  _Atomic uint64_t rejected;        /* enqueues refused while the input was full */
  struct rki_cpu_actor *retry_next; /* retry list link (retry_lock) */
} rki_cpu_actor_t;

struct rki_cpu {
  const rk_backend_host_t *host;
  uint32_t nworkers;
  pthread_t *workers;
  _Atomic bool stop;
  rki_waitset_t wake;

  pthread_mutex_t rq_lock; /* the run queue: a ring of actors, each at most once */
  rki_cpu_actor_t **rq;
  size_t rq_cap;
  size_t rq_head;
  size_t rq_count;
  _Atomic size_t rq_len; /* rq_count mirrored for lock-free peeking by idle workers */
  size_t actors;

  pthread_mutex_t retry_lock; /* actors parked after a handler's RK_EAGAIN */
  rki_cpu_actor_t *retry_head;
  _Atomic size_t retry_len;
  uint64_t retry_since; /* when the oldest parked actor was parked (retry_lock) */
};

/* True when the actor has input: queued in its ring or held for a retry. */
bool rki_cpu_has_input(rki_cpu_actor_t *a);
/* Queues a (non-external) actor unless it is already queued or running. */
void rki_cpu_schedule(rki_cpu_actor_t *a);
/* The same after a sender published input, for an actor that may be inactive: queues it
 * only while active. When it is queued or running already this costs one exchange (the
 * common case under load), instead of a read of `active` through an RMW and then the
 * exchange. */
void rki_cpu_schedule_if_active(rki_cpu_actor_t *a);
/* Makes room in the run queue for one more actor (actor_create). */
rk_status_t rki_cpu_rq_reserve(rki_cpu_t *be);
rk_status_t rki_cpu_workers_start(rki_cpu_t *be);
void rki_cpu_workers_stop(rki_cpu_t *be);

#endif /* RK_CPU_INTERNAL_H */
