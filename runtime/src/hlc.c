/* hlc.c — hybrid logical clocks: the pure tick/merge rules and a lock-free clock.
 *
 * The clock's state is (physical, logical) in one 128-bit word, physical in the high
 * half, so comparing the words compares the timestamps and a single compare-and-swap
 * moves the clock. The node id is fixed per clock and never stored in the word.
 *
 * Design note (128-bit atomics): C11 _Atomic on 16 bytes goes through libatomic under
 * GCC (an external call, not always lock-free), and neither GCC nor clang inline a
 * 16-byte compare-and-swap without -mcx16 for the whole file. So on x86-64 we issue
 * lock cmpxchg16b directly (present on every x86-64 CPU that can run CUDA 13). Other
 * architectures take a mutex, which keeps the same guarantees at a higher cost.
 */
#define _GNU_SOURCE /* clock_gettime, sysconf(_SC_PHYS_PAGES) under -std=c11 */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "hlc_internal.h"
#include "rk_internal.h"

#define RKI_PACK_LOGICAL_MASK ((UINT64_C(1) << 48) - 1)

typedef unsigned __int128 rki_u128;

struct rk_hlc_clock {
  union {
    _Alignas(16) rki_u128 word; /* physical << 64 | logical; cmpxchg16b needs 16-aligned */
    uint64_t half[2];           /* little-endian: [0] = logical, [1] = physical */
  } state;
  uint64_t node_id;
  uint64_t max_drift_ms;
#if !defined(__x86_64__)
  pthread_mutex_t lock;
#endif
};

uint64_t rk_hlc_wall_micros(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

rk_hlc_timestamp_t rk_hlc_timestamp_now(uint64_t node_id) {
  rk_hlc_timestamp_t ts = {rk_hlc_wall_micros(), 0, node_id};
  return ts;
}

static int rki_cmp_u64(uint64_t a, uint64_t b) { return (a > b) - (a < b); }

int rk_hlc_timestamp_compare(rk_hlc_timestamp_t a, rk_hlc_timestamp_t b) {
  int c = rki_cmp_u64(a.physical, b.physical);
  if (c == 0) c = rki_cmp_u64(a.logical, b.logical);
  if (c == 0) c = rki_cmp_u64(a.node_id, b.node_id);
  return c;
}

bool rk_hlc_timestamp_is_zero(rk_hlc_timestamp_t ts) {
  return ts.physical == 0 && ts.logical == 0;
}

void rk_hlc_timestamp_pack(rk_hlc_timestamp_t ts, uint64_t *hi, uint64_t *lo) {
  *hi = ts.physical;
  *lo = (ts.logical & RKI_PACK_LOGICAL_MASK) << 16 | (ts.node_id & 0xFFFFu);
}

rk_hlc_timestamp_t rk_hlc_timestamp_unpack(uint64_t hi, uint64_t lo) {
  rk_hlc_timestamp_t ts = {hi, lo >> 16, lo & 0xFFFFu};
  return ts;
}

rk_hlc_timestamp_t rk_hlc_advance(rk_hlc_timestamp_t local, uint64_t wall_micros,
                                  uint64_t node_id) {
  rk_hlc_timestamp_t next = {local.physical, local.logical + 1, node_id};
  if (wall_micros > local.physical) {
    next.physical = wall_micros;
    next.logical = 0;
  } else if (local.logical == UINT64_MAX) {
    /* A full logical counter moves physical one microsecond ahead of the wall rather than
     * wrapping, so the result still exceeds local. */
    next.physical = local.physical + 1;
    next.logical = 0;
  }
  return next;
}

static uint64_t rki_max_u64(uint64_t a, uint64_t b) { return a > b ? a : b; }

static uint64_t rki_drift_limit(uint64_t wall_micros, uint64_t max_drift_ms) {
  uint64_t drift_us = max_drift_ms > UINT64_MAX / 1000u ? UINT64_MAX : max_drift_ms * 1000u;
  return wall_micros > UINT64_MAX - drift_us ? UINT64_MAX : wall_micros + drift_us;
}

/* The logical counter of the merge rule in *logical; false when it would overflow. */
static bool rki_merge_logical(uint64_t m, rk_hlc_timestamp_t local,
                              rk_hlc_timestamp_t received, uint64_t *logical) {
  uint64_t base;
  if (m == local.physical && m == received.physical)
    base = rki_max_u64(local.logical, received.logical);
  else if (m == local.physical)
    base = local.logical;
  else if (m == received.physical)
    base = received.logical;
  else {
    *logical = 0;
    return true;
  }
  *logical = base + 1;
  return base != UINT64_MAX;
}

rk_status_t rk_hlc_merge(rk_hlc_timestamp_t local, rk_hlc_timestamp_t received,
                         uint64_t wall_micros, uint64_t max_drift_ms, uint64_t node_id,
                         rk_hlc_timestamp_t *out) {
  if (!out) return rki_fail(RK_EINVAL, "rk_hlc_merge: out is NULL");
  if (received.physical > rki_drift_limit(wall_micros, max_drift_ms))
    return rki_fail(RK_ECLOCKSKEW, "Clock skew too large: %llums (max: %llums)",
                    (unsigned long long)((received.physical - wall_micros) / 1000u),
                    (unsigned long long)max_drift_ms);
  uint64_t m = rki_max_u64(wall_micros, rki_max_u64(local.physical, received.physical));
  uint64_t logical;
  if (!rki_merge_logical(m, local, received, &logical))
    return rki_fail(RK_EINVAL, "HLC logical counter overflow: logical must be below %llu",
                    (unsigned long long)UINT64_MAX);
  out->physical = m;
  out->logical = logical;
  out->node_id = node_id;
  return RK_OK;
}

/* ---- the 128-bit state ----------------------------------------------------------------- */

static rki_u128 rki_state_word(rk_hlc_timestamp_t ts) {
  return (rki_u128)ts.physical << 64 | ts.logical;
}

static rk_hlc_timestamp_t rki_state_ts(rki_u128 w, uint64_t node_id) {
  rk_hlc_timestamp_t ts = {(uint64_t)(w >> 64), (uint64_t)w, node_id};
  return ts;
}

#if defined(__x86_64__)
/* lock cmpxchg16b: swaps in desired iff *p == *expected; otherwise loads *p into
 * *expected. A locked instruction is a full barrier (seq_cst), so it orders the clock
 * reads around it with every use of the result. */
static bool rki_cas128(rki_u128 *p, rki_u128 *expected, rki_u128 desired) {
  uint64_t lo = (uint64_t)*expected, hi = (uint64_t)(*expected >> 64);
  bool swapped;
  __asm__ __volatile__("lock cmpxchg16b %1"
                       : "=@ccz"(swapped), "+m"(*p), "+a"(lo), "+d"(hi)
                       : "b"((uint64_t)desired), "c"((uint64_t)(desired >> 64))
                       : "memory");
  *expected = (rki_u128)hi << 64 | lo;
  return swapped;
}

/* A consistent 16-byte snapshot without a locked instruction: read physical, logical,
 * physical again. The state only ever grows, so physical cannot change and change back;
 * equal reads mean logical was read while physical held that value. The acquire loads
 * pair with the locked cmpxchg16b in rki_cas128 (a full barrier on the writer side). */
static rki_u128 rki_load128(rk_hlc_clock_t *c) {
  for (;;) {
    uint64_t hi = __atomic_load_n(&c->state.half[1], __ATOMIC_ACQUIRE);
    uint64_t lo = __atomic_load_n(&c->state.half[0], __ATOMIC_ACQUIRE);
    if (__atomic_load_n(&c->state.half[1], __ATOMIC_ACQUIRE) == hi)
      return (rki_u128)hi << 64 | lo;
  }
}

static bool rki_try_store(rk_hlc_clock_t *c, rki_u128 *seen, rki_u128 next) {
  return rki_cas128(&c->state.word, seen, next);
}

static void rki_lock_init(rk_hlc_clock_t *c) { (void)c; }
static void rki_lock_destroy(rk_hlc_clock_t *c) { (void)c; }
#else
static rki_u128 rki_load128(rk_hlc_clock_t *c) {
  pthread_mutex_lock(&c->lock);
  rki_u128 w = c->state.word;
  pthread_mutex_unlock(&c->lock);
  return w;
}

static bool rki_try_store(rk_hlc_clock_t *c, rki_u128 *seen, rki_u128 next) {
  pthread_mutex_lock(&c->lock);
  bool ok = c->state.word == *seen;
  if (ok) c->state.word = next;
  *seen = c->state.word;
  pthread_mutex_unlock(&c->lock);
  return ok;
}

static void rki_lock_init(rk_hlc_clock_t *c) { pthread_mutex_init(&c->lock, NULL); }
static void rki_lock_destroy(rk_hlc_clock_t *c) { pthread_mutex_destroy(&c->lock); }
#endif

/* ---- the clock ------------------------------------------------------------------------- */

rk_status_t rk_hlc_clock_create(uint64_t node_id, uint64_t max_drift_ms,
                                rk_hlc_clock_t **out) {
  if (!out) return rki_fail(RK_EINVAL, "rk_hlc_clock_create: out is NULL");
  *out = NULL;
  /* A whole cache line of its own: kernels' clocks are created one after another and
   * written per message by different workers, so two sharing a line would bounce it. */
  size_t size = (sizeof(rk_hlc_clock_t) + RKI_CACHELINE - 1) / RKI_CACHELINE * RKI_CACHELINE;
  rk_hlc_clock_t *c = aligned_alloc(RKI_CACHELINE, size);
  if (!c) return rki_fail(RK_ENOMEM, "HLC clock: out of memory");
  c->state.word = 0;
  c->node_id = node_id;
  c->max_drift_ms = max_drift_ms;
  rki_lock_init(c);
  *out = c;
  return RK_OK;
}

void rk_hlc_clock_destroy(rk_hlc_clock_t *clock) {
  if (!clock) return;
  rki_lock_destroy(clock);
  free(clock);
}

uint64_t rk_hlc_clock_node_id(const rk_hlc_clock_t *clock) { return clock->node_id; }

uint64_t rk_hlc_clock_max_drift_ms(const rk_hlc_clock_t *clock) {
  return clock->max_drift_ms;
}

rk_hlc_timestamp_t rk_hlc_clock_now(rk_hlc_clock_t *clock) {
  rk_hlc_timestamp_t ts = rki_state_ts(rki_load128(clock), clock->node_id);
  uint64_t wall = rk_hlc_wall_micros();
  if (wall > ts.physical) {
    ts.physical = wall;
    ts.logical = 0;
  }
  return ts;
}

rk_hlc_timestamp_t rki_hlc_clock_tick_at(rk_hlc_clock_t *clock, uint64_t wall_micros) {
  rki_u128 seen = rki_load128(clock);
  for (;;) {
    rk_hlc_timestamp_t next =
        rk_hlc_advance(rki_state_ts(seen, clock->node_id), wall_micros, clock->node_id);
    if (rki_try_store(clock, &seen, rki_state_word(next))) return next;
  }
}

/* What n rk_hlc_advance calls in a row give: after the first, the wall reading is never
 * ahead of physical, so each next stamp is the previous one's logical + 1. Written out so,
 * instead of n calls, unless the logical counter would overflow within the batch (then
 * rk_hlc_advance's carry into physical applies, one call per stamp). */
static void rki_hlc_advance_many(rk_hlc_timestamp_t ts, uint64_t wall_micros, uint64_t node_id,
                                 size_t n, rk_hlc_timestamp_t *out) {
  rk_hlc_timestamp_t first = rk_hlc_advance(ts, wall_micros, node_id);
  if (first.logical > UINT64_MAX - (uint64_t)(n - 1)) {
    out[0] = first;
    for (size_t i = 1; i < n; i++)
      out[i] = rk_hlc_advance(out[i - 1], wall_micros, node_id);
    return;
  }
  for (size_t i = 0; i < n; i++) {
    out[i].physical = first.physical;
    out[i].logical = first.logical + i;
    out[i].node_id = node_id;
  }
}

void rki_hlc_clock_tick_many(rk_hlc_clock_t *clock, uint64_t wall_micros, size_t n,
                             rk_hlc_timestamp_t *out) {
  if (n == 0) return;
  rki_u128 seen = rki_load128(clock);
  for (;;) {
    rk_hlc_timestamp_t ts = rki_state_ts(seen, clock->node_id);
    rki_hlc_advance_many(ts, wall_micros, clock->node_id, n, out);
    if (rki_try_store(clock, &seen, rki_state_word(out[n - 1]))) return;
  }
}

rk_hlc_timestamp_t rk_hlc_clock_tick(rk_hlc_clock_t *clock) {
  return rki_hlc_clock_tick_at(clock, rk_hlc_wall_micros());
}

rk_status_t rki_hlc_clock_update_at(rk_hlc_clock_t *clock, rk_hlc_timestamp_t received,
                                    uint64_t wall_micros, rk_hlc_timestamp_t *out) {
  rki_u128 seen = rki_load128(clock);
  for (;;) {
    rk_hlc_timestamp_t next;
    rk_status_t st = rk_hlc_merge(rki_state_ts(seen, clock->node_id), received, wall_micros,
                                  clock->max_drift_ms, clock->node_id, &next);
    if (st != RK_OK) return st;
    if (rki_try_store(clock, &seen, rki_state_word(next))) {
      *out = next;
      return RK_OK;
    }
  }
}

#if defined(__x86_64__)
rk_status_t rki_hlc_clock_update_single(rk_hlc_clock_t *clock, rk_hlc_timestamp_t received,
                                        uint64_t wall_micros, rk_hlc_timestamp_t *out) {
  /* Relaxed: the caller's hand-over of the clock between threads orders these accesses
   * (hlc_internal.h); no other thread reads the clock meanwhile. */
  rk_hlc_timestamp_t local = {__atomic_load_n(&clock->state.half[1], __ATOMIC_RELAXED),
                              __atomic_load_n(&clock->state.half[0], __ATOMIC_RELAXED),
                              clock->node_id};
  rk_status_t st = rk_hlc_merge(local, received, wall_micros, clock->max_drift_ms, clock->node_id,
                                out);
  if (st != RK_OK) return st;
  __atomic_store_n(&clock->state.half[0], out->logical, __ATOMIC_RELAXED);
  __atomic_store_n(&clock->state.half[1], out->physical, __ATOMIC_RELAXED);
  return RK_OK;
}
#else
rk_status_t rki_hlc_clock_update_single(rk_hlc_clock_t *clock, rk_hlc_timestamp_t received,
                                        uint64_t wall_micros, rk_hlc_timestamp_t *out) {
  return rki_hlc_clock_update_at(clock, received, wall_micros, out);
}
#endif

rk_status_t rk_hlc_clock_update(rk_hlc_clock_t *clock, rk_hlc_timestamp_t received,
                                rk_hlc_timestamp_t *out) {
  if (!clock || !out) return rki_fail(RK_EINVAL, "rk_hlc_clock_update: NULL argument");
  return rki_hlc_clock_update_at(clock, received, rk_hlc_wall_micros(), out);
}
