/* ringkernel/hlc.h — hybrid logical clocks.
 *
 * A timestamp is (physical µs since the Unix epoch, logical counter, node id). Timestamps
 * order by physical, then logical, then node id. The packed 128-bit form is
 *   physical << 64 | (logical & (2^48 - 1)) << 16 | (node_id & 0xFFFF)
 * returned as two 64-bit halves: hi = physical, lo = the rest. Masking keeps logical from
 * spilling into physical.
 *
 * rk_hlc_advance and rk_hlc_merge are the pure rules the clock object applies; the CUDA
 * side mirrors them so host and device stamp messages the same way.
 */
#ifndef RINGKERNEL_HLC_H
#define RINGKERNEL_HLC_H

#include "ringkernel/api.h"
#include "ringkernel/status.h"

RK_EXTERN_C_BEGIN

typedef struct rk_hlc_timestamp {
  uint64_t physical; /* microseconds since the Unix epoch */
  uint64_t logical;  /* orders events within one physical microsecond */
  uint64_t node_id;  /* tie breaker: the node that stamped it */
} rk_hlc_timestamp_t;

/* Default allowed clock skew for rk_hlc_clock_create (the Python default). */
#define RK_HLC_DEFAULT_MAX_DRIFT_MS 60000

/* Wall clock (CLOCK_REALTIME) in microseconds since the Unix epoch. Any thread. */
RK_API uint64_t rk_hlc_wall_micros(void);

/* (wall µs, 0, node_id). Any thread; does not block. */
RK_API rk_hlc_timestamp_t rk_hlc_timestamp_now(uint64_t node_id);

/* -1, 0 or 1 comparing (physical, logical, node_id) lexicographically. */
RK_API int rk_hlc_timestamp_compare(rk_hlc_timestamp_t a, rk_hlc_timestamp_t b);

/* True when physical and logical are both 0 (node id is ignored). */
RK_API bool rk_hlc_timestamp_is_zero(rk_hlc_timestamp_t ts);

/* Packs into the 128-bit form above; hi and lo must not be NULL. */
RK_API void rk_hlc_timestamp_pack(rk_hlc_timestamp_t ts, uint64_t *hi, uint64_t *lo);

/* Inverse of pack: physical = hi, logical = lo >> 16, node_id = lo & 0xFFFF. */
RK_API rk_hlc_timestamp_t rk_hlc_timestamp_unpack(uint64_t hi, uint64_t lo);

/* The tick rule: wall > local.physical → (wall, 0, node_id), else
 * (local.physical, local.logical + 1, node_id); a logical counter at UINT64_MAX moves to
 * (local.physical + 1, 0) instead of wrapping. Pure function. */
RK_API rk_hlc_timestamp_t rk_hlc_advance(rk_hlc_timestamp_t local, uint64_t wall_micros,
                                         uint64_t node_id);

/* The receive rule. Fails with RK_ECLOCKSKEW ("Clock skew too large: Xms (max: Yms)",
 * X = how far received.physical is ahead of wall, rounded down to ms) when
 * received.physical > wall + max_drift_ms * 1000. Otherwise m = max(wall, local.physical,
 * received.physical) and logical = max(local.logical, received.logical) + 1 when m equals
 * both, local.logical + 1 when m == local.physical, received.logical + 1 when
 * m == received.physical, else 0; *out = (m, logical, node_id), which is greater than
 * both local and received. RK_EINVAL when the logical counter would pass UINT64_MAX.
 * Pure function; *out untouched on error. */
RK_API rk_status_t rk_hlc_merge(rk_hlc_timestamp_t local, rk_hlc_timestamp_t received,
                                uint64_t wall_micros, uint64_t max_drift_ms,
                                uint64_t node_id, rk_hlc_timestamp_t *out);

/* A clock shared by any number of threads. Every tick/update result is strictly greater
 * than every earlier one from the same clock, across threads (lock-free 128-bit state). */
typedef struct rk_hlc_clock rk_hlc_clock_t;

/* Creates a clock starting at zero. *out is NULL on failure (RK_ENOMEM). The caller owns
 * the clock and frees it with rk_hlc_clock_destroy. */
RK_API rk_status_t rk_hlc_clock_create(uint64_t node_id, uint64_t max_drift_ms,
                                       rk_hlc_clock_t **out);
/* Frees the clock; NULL-tolerant. No other thread may be using it. */
RK_API void rk_hlc_clock_destroy(rk_hlc_clock_t *clock);

RK_API uint64_t rk_hlc_clock_node_id(const rk_hlc_clock_t *clock);
RK_API uint64_t rk_hlc_clock_max_drift_ms(const rk_hlc_clock_t *clock);

/* max(stored state, (wall, 0)) stamped with this node's id; changes nothing. Any thread. */
RK_API rk_hlc_timestamp_t rk_hlc_clock_now(rk_hlc_clock_t *clock);

/* Advances the clock by the tick rule and returns the new state. Any thread; lock-free,
 * never returns the same value twice. */
RK_API rk_hlc_timestamp_t rk_hlc_clock_tick(rk_hlc_clock_t *clock);

/* Merges a received timestamp (rk_hlc_merge with this clock's state, wall clock, drift
 * and node id), stores and returns it in *out. RK_ECLOCKSKEW leaves the clock as it was.
 * Any thread; lock-free. */
RK_API rk_status_t rk_hlc_clock_update(rk_hlc_clock_t *clock, rk_hlc_timestamp_t received,
                                       rk_hlc_timestamp_t *out);

RK_EXTERN_C_END

#endif /* RINGKERNEL_HLC_H */
