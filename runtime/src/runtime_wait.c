/* runtime_wait.c — futex-based sleeping for host-side waits, and the generic wait loop.
 *
 * Blocking host calls sleep on one of the runtime's two words: `events` (receive,
 * request, next_script_work: bumped when output is published or script work queued) or
 * `space` (a send on a full queue: bumped when input slots are freed). Interrupt,
 * shutdown, failure and terminate bump both. Waiters re-check their own condition after
 * each wake, so a shared word only costs spurious wake-ups, never missed ones.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "runtime_internal.h"

uint64_t rki_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t rki_deadline(int64_t timeout_ns) {
  if (timeout_ns < 0) return UINT64_MAX;
  uint64_t now = rki_now_ns();
  if ((uint64_t)timeout_ns > UINT64_MAX - now) return UINT64_MAX;
  return now + (uint64_t)timeout_ns;
}

void rki_waitset_notify(rki_waitset_t *w) {
  /* seq_cst pairs with the seq_cst waiters increment in rki_wait_begin (Dekker). */
  atomic_fetch_add_explicit(&w->seq, 1, memory_order_seq_cst);
  if (atomic_load_explicit(&w->waiters, memory_order_seq_cst) != 0)
    syscall(SYS_futex, &w->seq, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

void rki_waitset_notify_one(rki_waitset_t *w) {
  /* seq_cst: as in rki_waitset_notify. */
  atomic_fetch_add_explicit(&w->seq, 1, memory_order_seq_cst);
  if (atomic_load_explicit(&w->waiters, memory_order_seq_cst) != 0)
    syscall(SYS_futex, &w->seq, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

uint32_t rki_wait_begin(rki_waitset_t *w) {
  atomic_fetch_add_explicit(&w->waiters, 1, memory_order_seq_cst);
  return atomic_load_explicit(&w->seq, memory_order_seq_cst);
}

void rki_wait_end(rki_waitset_t *w) {
  atomic_fetch_sub_explicit(&w->waiters, 1, memory_order_relaxed);
}

void rki_wait_sleep(rki_waitset_t *w, uint32_t seen, uint64_t deadline_ns) {
  struct timespec rel, *relp = NULL;
  if (deadline_ns != UINT64_MAX) {
    uint64_t now = rki_now_ns();
    if (now >= deadline_ns) return;
    uint64_t d = deadline_ns - now;
    rel.tv_sec = (time_t)(d / 1000000000ull);
    rel.tv_nsec = (long)(d % 1000000000ull);
    relp = &rel;
  }
  /* The kernel compares seq with `seen` atomically before sleeping, so a notify between
   * our check and this call makes it return at once. EINTR/EAGAIN/ETIMEDOUT all just
   * mean "look again". */
  syscall(SYS_futex, &w->seq, FUTEX_WAIT_PRIVATE, seen, relp, NULL, 0);
}

/* The bounded poll before sleeping (wait_spin_ns): retries try_fn whenever the waitset
 * moves (every producer of host-visible work bumps it) and every few rounds anyway, so a
 * device backend's output is seen directly, without waiting for the poller's signal. */
static rk_status_t spin_phase(rk_runtime_t *rt, uint32_t intr, rki_waitset_t *ws, rki_try_fn try_fn,
                              void *arg, uint64_t until) {
  /* A device backend's output is only seen by looking (a read of host memory the device
   * writes, no other thread's cache line): look every round, rounds a couple of pauses
   * long (16 pauses and a look every 8th round cost a GPU round trip ~1 µs, measured).
   * Such a round does not read the waitset, which the poller bumps for the very reply
   * this thread is about to find: that read would pull the line from the poller's core
   * at the moment the reply arrives. Nor does it read the clock each time: a clock read
   * (~35 ns on the GPU host) is a large part of a round, and 8 rounds overshoot the spin
   * budget by well under a microsecond. A CPU worker's reply bumps the waitset, so there the look waits for
   * that or every 8th round, and the pauses keep this thread off the worker's lines. */
  const bool device = rt->ops->poll != NULL;
  /* acquire: pairs with the seq_cst increment in rki_waitset_notify. */
  uint32_t seen = device ? 0 : atomic_load_explicit(&ws->seq, memory_order_acquire);
  const int pauses = device ? 2 : 16;
  const unsigned clock_every = device ? 8u : 1u;
  for (unsigned round = 0;; round++) {
    if (round % clock_every == 0 && rki_now_ns() >= until) return RK_EAGAIN;
    for (int i = 0; i < pauses; i++)
      rki_cpu_relax();
    /* acquire: pairs with the increment in rk_runtime_interrupt. */
    if (atomic_load_explicit(&rt->interrupt_gen, memory_order_acquire) != intr)
      return rki_fail(RK_EINTR, "wait interrupted (rk_runtime_interrupt)");
    if (!device) {
      /* acquire: pairs with the seq_cst increment in rki_waitset_notify. */
      uint32_t now = atomic_load_explicit(&ws->seq, memory_order_acquire);
      if (now == seen && (round + 1) % 8u != 0) continue;
      seen = now;
    }
    rk_status_t st = try_fn(arg);
    if (st != RK_EAGAIN) return st;
  }
}

void rki_runtime_wake_all(rk_runtime_t *rt) {
  rki_waitset_notify(&rt->events);
  rki_waitset_notify(&rt->space);
}

rk_status_t rki_runtime_wait(rk_runtime_t *rt, rki_waitset_t *ws, int64_t timeout_ns,
                             bool stop_on_shutdown, rki_try_fn try_fn, void *arg) {
  /* Read before the first attempt, so an interrupt arriving at any point of this call
   * (even during the spin phase) ends it. */
  uint32_t intr = atomic_load_explicit(&rt->interrupt_gen, memory_order_acquire);
  rk_status_t st = try_fn(arg);
  if (st != RK_EAGAIN || timeout_ns == 0) return st;
  uint64_t deadline = rki_deadline(timeout_ns);
  if (rt->cfg.wait_spin_ns) {
    uint64_t until = rki_now_ns() + rt->cfg.wait_spin_ns;
    st = spin_phase(rt, intr, ws, try_fn, arg, until < deadline ? until : deadline);
    if (st != RK_EAGAIN) return st;
  }
  for (;;) {
    uint32_t seen = rki_wait_begin(ws);
    st = try_fn(arg);
    if (st == RK_EAGAIN) {
      if (atomic_load_explicit(&rt->interrupt_gen, memory_order_acquire) != intr)
        st = rki_fail(RK_EINTR, "wait interrupted (rk_runtime_interrupt)");
      else if (stop_on_shutdown && atomic_load_explicit(&rt->shutdown, memory_order_acquire))
        st = rki_fail(RK_ESHUTDOWN, "runtime shut down while waiting");
      else if (rki_now_ns() >= deadline)
        st = rki_fail(RK_ETIMEDOUT, "timed out after %lld ns", (long long)timeout_ns);
      else
        rki_wait_sleep(ws, seen, deadline);
    }
    rki_wait_end(ws);
    if (st != RK_EAGAIN) return st;
  }
}
