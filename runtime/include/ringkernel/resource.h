/* ringkernel/resource.h — memory estimates, a resource guard with exact thread-safe
 * accounting, and reservations against it.
 *
 *   available = max - current - reserved - floor(max * safety_margin), never below 0.
 *
 * A reservation holds a reference on its guard, so the guard and its reservations may
 * be destroyed in either order.
 */
#ifndef RINGKERNEL_RESOURCE_H
#define RINGKERNEL_RESOURCE_H

#include "ringkernel/api.h"
#include "ringkernel/status.h"

RK_EXTERN_C_BEGIN

#define RK_RESOURCE_DEFAULT_MAX_BYTES 4294967296ULL /* 4 GiB */
#define RK_RESOURCE_DEFAULT_MARGIN 0.1
#define RK_RESOURCE_MAX_MARGIN 0.9

typedef struct rk_memory_estimate {
  uint64_t primary_bytes;
  uint64_t auxiliary_bytes;
  uint64_t peak_bytes; /* what validate compares against available */
  double confidence;   /* 0..1 */
} rk_memory_estimate_t;

/* peak 0 → primary + auxiliary (saturating); confidence clamped to [0, 1].
 * RK_EINVAL for a NaN confidence or NULL. */
RK_API rk_status_t rk_memory_estimate_init(rk_memory_estimate_t *e, uint64_t primary_bytes,
                                           uint64_t auxiliary_bytes, uint64_t peak_bytes,
                                           double confidence);
/* primary = count * bytes_per_element, auxiliary 0, peak = primary, confidence 1.
 * RK_ETOOBIG when the product overflows 64 bits. */
RK_API rk_status_t rk_memory_estimate_for_elements(uint64_t count, uint64_t bytes_per_element,
                                                   rk_memory_estimate_t *out);
/* primary + auxiliary (saturating). */
RK_API uint64_t rk_memory_estimate_total(const rk_memory_estimate_t *e);

typedef struct rk_resource_guard rk_resource_guard_t;
typedef struct rk_reservation rk_reservation_t;

/* max_bytes 0 → 4 GiB; margin clamped to [0, 0.9] (NaN: RK_EINVAL). Enforcing. *out is
 * NULL on failure. The caller owns one reference, dropped by rk_resource_guard_destroy. */
RK_API rk_status_t rk_resource_guard_create(uint64_t max_bytes, double safety_margin,
                                            rk_resource_guard_t **out);
/* 80% of physical memory (sysconf), margin 0.1, enforcing. */
RK_API rk_status_t rk_resource_guard_create_default(rk_resource_guard_t **out);
/* max = UINT64_MAX, margin 0, not enforcing: every check passes. */
RK_API rk_status_t rk_resource_guard_create_unguarded(rk_resource_guard_t **out);
/* Drops the caller's reference; the guard lives on while reservations hold it.
 * NULL-tolerant. */
RK_API void rk_resource_guard_destroy(rk_resource_guard_t *guard);

/* All functions on a guard may be called from any thread at once; none blocks for long
 * (a short internal mutex keeps the counters exact). */
RK_API uint64_t rk_resource_guard_max_memory(const rk_resource_guard_t *guard);
RK_API double rk_resource_guard_safety_margin(const rk_resource_guard_t *guard);
RK_API uint64_t rk_resource_guard_current_memory(const rk_resource_guard_t *guard);
RK_API uint64_t rk_resource_guard_reserved_memory(const rk_resource_guard_t *guard);
RK_API uint64_t rk_resource_guard_available(const rk_resource_guard_t *guard);
/* bytes <= available, or always true when not enforcing. */
RK_API bool rk_resource_guard_can_allocate(const rk_resource_guard_t *guard, uint64_t bytes);
/* current += bytes (saturating); records, never refuses. */
RK_API void rk_resource_guard_record_allocation(rk_resource_guard_t *guard, uint64_t bytes);
/* current -= bytes, never below 0. */
RK_API void rk_resource_guard_record_deallocation(rk_resource_guard_t *guard, uint64_t bytes);
/* RK_EMEMLIMIT with detail "Memory limit exceeded: estimated peak X bytes, available Y
 * bytes" when enforcing and e->peak_bytes > available. */
RK_API rk_status_t rk_resource_guard_validate(const rk_resource_guard_t *guard,
                                              const rk_memory_estimate_t *e);
/* available / bytes_per_element in *out; RK_EINVAL for bytes_per_element 0. */
RK_API rk_status_t rk_resource_guard_max_safe_elements(const rk_resource_guard_t *guard,
                                                       uint64_t bytes_per_element,
                                                       uint64_t *out);
/* (current + reserved) / max; 0 when max is 0. */
RK_API double rk_resource_guard_utilization(const rk_resource_guard_t *guard);
RK_API void rk_resource_guard_set_enforce(rk_resource_guard_t *guard, bool enforce);
RK_API bool rk_resource_guard_is_enforcing(const rk_resource_guard_t *guard);

/* Reserves bytes (reserved += bytes). RK_ERESERVATION with detail "Reservation failed:
 * requested X bytes, available Y bytes" when enforcing and bytes > available. *out is
 * NULL on failure; the caller owns the reservation. */
RK_API rk_status_t rk_resource_reserve(rk_resource_guard_t *guard, uint64_t bytes,
                                       rk_reservation_t **out);
/* Moves the bytes from reserved to current. Committing twice is a no-op; committing a
 * released reservation is RK_ESTATE. */
RK_API rk_status_t rk_reservation_commit(rk_reservation_t *r);
/* Returns uncommitted bytes to the guard; idempotent; no effect after commit. */
RK_API void rk_reservation_release(rk_reservation_t *r);
RK_API uint64_t rk_reservation_bytes(const rk_reservation_t *r);
RK_API bool rk_reservation_is_committed(const rk_reservation_t *r);
RK_API bool rk_reservation_is_released(const rk_reservation_t *r);
/* Releases if uncommitted, drops the guard reference, frees. NULL-tolerant. One thread
 * at a time per reservation. */
RK_API void rk_reservation_destroy(rk_reservation_t *r);

RK_EXTERN_C_END

#endif /* RINGKERNEL_RESOURCE_H */
