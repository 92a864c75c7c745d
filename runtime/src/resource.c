/* resource.c — memory estimates, the resource guard and reservations.
 *
 * The guard's counters change together (a reservation checks current + reserved against
 * the limit and then adds), so one short mutex keeps them exact; a lock-free variant
 * would need a 128-bit word for no measurable gain at these call rates. The reference
 * count that lets reservations outlive their guard is a separate atomic.
 */
#define _GNU_SOURCE /* clock_gettime, sysconf(_SC_PHYS_PAGES) under -std=c11 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "ringkernel/resource.h"
#include "rk_internal.h"

struct rk_resource_guard {
  pthread_mutex_t lock;
  uint64_t max_bytes;
  double margin;
  uint64_t margin_bytes; /* floor(max_bytes * margin), fixed at create */
  uint64_t current;
  uint64_t reserved;
  bool enforce;
  _Atomic uint32_t refs;
};

struct rk_reservation {
  rk_resource_guard_t *guard;
  uint64_t bytes;
  bool committed;
  bool released;
};

static uint64_t rki_sat_add(uint64_t a, uint64_t b) {
  return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t rki_sat_sub(uint64_t a, uint64_t b) { return a > b ? a - b : 0; }

/* ---- estimates ------------------------------------------------------------------------- */

rk_status_t rk_memory_estimate_init(rk_memory_estimate_t *e, uint64_t primary_bytes,
                                    uint64_t auxiliary_bytes, uint64_t peak_bytes,
                                    double confidence) {
  if (!e) return rki_fail(RK_EINVAL, "rk_memory_estimate_init: estimate is NULL");
  if (isnan(confidence)) return rki_fail(RK_EINVAL, "confidence NaN: must be 0..1");
  e->primary_bytes = primary_bytes;
  e->auxiliary_bytes = auxiliary_bytes;
  e->peak_bytes = peak_bytes ? peak_bytes : rki_sat_add(primary_bytes, auxiliary_bytes);
  e->confidence = confidence < 0.0 ? 0.0 : confidence > 1.0 ? 1.0 : confidence;
  return RK_OK;
}

rk_status_t rk_memory_estimate_for_elements(uint64_t count, uint64_t bytes_per_element,
                                            rk_memory_estimate_t *out) {
  if (!out) return rki_fail(RK_EINVAL, "rk_memory_estimate_for_elements: out is NULL");
  if (bytes_per_element != 0 && count > UINT64_MAX / bytes_per_element)
    return rki_fail(RK_ETOOBIG, "%llu elements of %llu bytes: product exceeds 2^64",
                    (unsigned long long)count, (unsigned long long)bytes_per_element);
  return rk_memory_estimate_init(out, count * bytes_per_element, 0, 0, 1.0);
}

uint64_t rk_memory_estimate_total(const rk_memory_estimate_t *e) {
  return rki_sat_add(e->primary_bytes, e->auxiliary_bytes);
}

/* ---- the guard ------------------------------------------------------------------------- */

static rk_status_t rki_guard_new(uint64_t max_bytes, double margin, bool enforce,
                                 rk_resource_guard_t **out) {
  if (!out) return rki_fail(RK_EINVAL, "resource guard: out is NULL");
  *out = NULL;
  if (isnan(margin)) return rki_fail(RK_EINVAL, "safety_margin NaN: must be 0..0.9");
  rk_resource_guard_t *g = calloc(1, sizeof *g);
  if (!g) return rki_fail(RK_ENOMEM, "resource guard: out of memory");
  pthread_mutex_init(&g->lock, NULL);
  g->max_bytes = max_bytes;
  g->margin = margin < 0.0 ? 0.0 : margin > RK_RESOURCE_MAX_MARGIN ? RK_RESOURCE_MAX_MARGIN
                                                                   : margin;
  g->margin_bytes = (uint64_t)floor((double)max_bytes * g->margin);
  g->enforce = enforce;
  atomic_init(&g->refs, 1);
  *out = g;
  return RK_OK;
}

rk_status_t rk_resource_guard_create(uint64_t max_bytes, double safety_margin,
                                     rk_resource_guard_t **out) {
  return rki_guard_new(max_bytes ? max_bytes : RK_RESOURCE_DEFAULT_MAX_BYTES, safety_margin,
                       true, out);
}

rk_status_t rk_resource_guard_create_default(rk_resource_guard_t **out) {
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  uint64_t phys = pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page
                                        : RK_RESOURCE_DEFAULT_MAX_BYTES;
  /* floor(phys * 0.8) without overflow or floating-point rounding */
  return rki_guard_new(phys / 5 * 4 + phys % 5 * 4 / 5, RK_RESOURCE_DEFAULT_MARGIN, true, out);
}

rk_status_t rk_resource_guard_create_unguarded(rk_resource_guard_t **out) {
  return rki_guard_new(UINT64_MAX, 0.0, false, out);
}

static void rki_guard_unref(rk_resource_guard_t *g) {
  /* acq_rel: the last owner's free happens after every other owner's release-decrement,
   * so their final accesses to the guard are complete. */
  if (atomic_fetch_sub_explicit(&g->refs, 1, memory_order_acq_rel) != 1) return;
  pthread_mutex_destroy(&g->lock);
  free(g);
}

void rk_resource_guard_destroy(rk_resource_guard_t *guard) {
  if (guard) rki_guard_unref(guard);
}

/* Caller holds the lock. */
static uint64_t rki_available_locked(const rk_resource_guard_t *g) {
  uint64_t used = rki_sat_add(rki_sat_add(g->current, g->reserved), g->margin_bytes);
  return rki_sat_sub(g->max_bytes, used);
}

/* Getters take a const guard: the mutex is bookkeeping, not part of the guard's value,
 * so locking casts the const away. */
static void rki_lock(const rk_resource_guard_t *g) {
  pthread_mutex_lock(&((rk_resource_guard_t *)g)->lock);
}

static void rki_unlock(const rk_resource_guard_t *g) {
  pthread_mutex_unlock(&((rk_resource_guard_t *)g)->lock);
}

uint64_t rk_resource_guard_max_memory(const rk_resource_guard_t *guard) {
  return guard->max_bytes;
}

double rk_resource_guard_safety_margin(const rk_resource_guard_t *guard) {
  return guard->margin;
}

uint64_t rk_resource_guard_current_memory(const rk_resource_guard_t *guard) {
  rki_lock(guard);
  uint64_t v = guard->current;
  rki_unlock(guard);
  return v;
}

uint64_t rk_resource_guard_reserved_memory(const rk_resource_guard_t *guard) {
  rki_lock(guard);
  uint64_t v = guard->reserved;
  rki_unlock(guard);
  return v;
}

uint64_t rk_resource_guard_available(const rk_resource_guard_t *guard) {
  rki_lock(guard);
  uint64_t v = rki_available_locked(guard);
  rki_unlock(guard);
  return v;
}

bool rk_resource_guard_can_allocate(const rk_resource_guard_t *guard, uint64_t bytes) {
  rki_lock(guard);
  bool ok = !guard->enforce || bytes <= rki_available_locked(guard);
  rki_unlock(guard);
  return ok;
}

void rk_resource_guard_record_allocation(rk_resource_guard_t *guard, uint64_t bytes) {
  rki_lock(guard);
  guard->current = rki_sat_add(guard->current, bytes);
  rki_unlock(guard);
}

void rk_resource_guard_record_deallocation(rk_resource_guard_t *guard, uint64_t bytes) {
  rki_lock(guard);
  guard->current = rki_sat_sub(guard->current, bytes);
  rki_unlock(guard);
}

rk_status_t rk_resource_guard_validate(const rk_resource_guard_t *guard,
                                       const rk_memory_estimate_t *e) {
  if (!guard || !e) return rki_fail(RK_EINVAL, "rk_resource_guard_validate: NULL argument");
  rki_lock(guard);
  bool enforce = guard->enforce;
  uint64_t avail = rki_available_locked(guard);
  rki_unlock(guard);
  if (enforce && e->peak_bytes > avail)
    return rki_fail(RK_EMEMLIMIT,
                    "Memory limit exceeded: estimated peak %llu bytes, available %llu bytes",
                    (unsigned long long)e->peak_bytes, (unsigned long long)avail);
  return RK_OK;
}

rk_status_t rk_resource_guard_max_safe_elements(const rk_resource_guard_t *guard,
                                                uint64_t bytes_per_element, uint64_t *out) {
  if (!guard || !out)
    return rki_fail(RK_EINVAL, "rk_resource_guard_max_safe_elements: NULL argument");
  if (bytes_per_element == 0)
    return rki_fail(RK_EINVAL, "bytes_per_element 0: must be at least 1");
  *out = rk_resource_guard_available(guard) / bytes_per_element;
  return RK_OK;
}

double rk_resource_guard_utilization(const rk_resource_guard_t *guard) {
  rki_lock(guard);
  uint64_t used = rki_sat_add(guard->current, guard->reserved);
  rki_unlock(guard);
  return guard->max_bytes == 0 ? 0.0 : (double)used / (double)guard->max_bytes;
}

void rk_resource_guard_set_enforce(rk_resource_guard_t *guard, bool enforce) {
  rki_lock(guard);
  guard->enforce = enforce;
  rki_unlock(guard);
}

bool rk_resource_guard_is_enforcing(const rk_resource_guard_t *guard) {
  rki_lock(guard);
  bool v = guard->enforce;
  rki_unlock(guard);
  return v;
}

/* ---- reservations ---------------------------------------------------------------------- */

/* Adds bytes to reserved if they fit; *avail receives what was available. */
static bool rki_try_reserve(rk_resource_guard_t *g, uint64_t bytes, uint64_t *avail) {
  rki_lock(g);
  *avail = rki_available_locked(g);
  bool ok = !g->enforce || bytes <= *avail;
  if (ok) g->reserved = rki_sat_add(g->reserved, bytes);
  rki_unlock(g);
  return ok;
}

rk_status_t rk_resource_reserve(rk_resource_guard_t *guard, uint64_t bytes,
                                rk_reservation_t **out) {
  if (!guard || !out) return rki_fail(RK_EINVAL, "rk_resource_reserve: NULL argument");
  *out = NULL;
  rk_reservation_t *r = calloc(1, sizeof *r);
  if (!r) return rki_fail(RK_ENOMEM, "reservation: out of memory");
  uint64_t avail;
  if (!rki_try_reserve(guard, bytes, &avail)) {
    free(r);
    return rki_fail(RK_ERESERVATION,
                    "Reservation failed: requested %llu bytes, available %llu bytes",
                    (unsigned long long)bytes, (unsigned long long)avail);
  }
  /* relaxed: the caller already holds a reference, so the count cannot reach 0 here. */
  atomic_fetch_add_explicit(&guard->refs, 1, memory_order_relaxed);
  r->guard = guard;
  r->bytes = bytes;
  *out = r;
  return RK_OK;
}

rk_status_t rk_reservation_commit(rk_reservation_t *r) {
  if (!r) return rki_fail(RK_EINVAL, "rk_reservation_commit: reservation is NULL");
  if (r->committed) return RK_OK;
  if (r->released)
    return rki_fail(RK_ESTATE, "reservation of %llu bytes already released: cannot commit",
                    (unsigned long long)r->bytes);
  rk_resource_guard_t *g = r->guard;
  rki_lock(g);
  g->reserved = rki_sat_sub(g->reserved, r->bytes);
  g->current = rki_sat_add(g->current, r->bytes);
  rki_unlock(g);
  r->committed = true;
  return RK_OK;
}

void rk_reservation_release(rk_reservation_t *r) {
  if (!r || r->committed || r->released) return;
  rk_resource_guard_t *g = r->guard;
  rki_lock(g);
  g->reserved = rki_sat_sub(g->reserved, r->bytes);
  rki_unlock(g);
  r->released = true;
}

uint64_t rk_reservation_bytes(const rk_reservation_t *r) { return r->bytes; }
bool rk_reservation_is_committed(const rk_reservation_t *r) { return r->committed; }
bool rk_reservation_is_released(const rk_reservation_t *r) { return r->released; }

void rk_reservation_destroy(rk_reservation_t *r) {
  if (!r) return;
  rk_reservation_release(r);
  rki_guard_unref(r->guard);
  free(r);
}
