/* hlc_internal.h — clock operations that take the wall clock reading from the caller, so
 * one that stamps a batch reads the clock once for the whole batch (rki_* prefix).
 *
 * The wall reading only feeds the physical part: every result is still strictly greater
 * than every earlier one from the same clock (the CAS on the clock's state guarantees
 * that, whatever wall says), and a merge still orders after the received timestamp. An
 * older reading only makes physical lag the wall clock by that much.
 */
#ifndef RK_HLC_INTERNAL_H
#define RK_HLC_INTERNAL_H

#include <stddef.h>

#include "ringkernel/hlc.h"

/* rk_hlc_clock_tick with wall_micros in place of a clock read. */
rk_hlc_timestamp_t rki_hlc_clock_tick_at(rk_hlc_clock_t *clock, uint64_t wall_micros);

/* n consecutive ticks (out[0] < out[1] < ... < out[n-1]) with one wall reading and one
 * compare-and-swap: a batch of sends is stamped for the price of one tick. */
void rki_hlc_clock_tick_many(rk_hlc_clock_t *clock, uint64_t wall_micros, size_t n,
                             rk_hlc_timestamp_t *out);

/* rk_hlc_clock_update with wall_micros in place of a clock read (the skew check uses it
 * too, so a caller with an old reading retries with a fresh one on RK_ECLOCKSKEW). */
rk_status_t rki_hlc_clock_update_at(rk_hlc_clock_t *clock, rk_hlc_timestamp_t received,
                                    uint64_t wall_micros, rk_hlc_timestamp_t *out);

/* rki_hlc_clock_update_at for a clock that one thread at a time uses and nobody reads
 * meanwhile, with the hand-over between threads ordered by the caller (a worker-run
 * kernel's clock: only the worker holding the kernel stamps with it, and the next
 * holder's claim orders after the last one's release). Plain loads and stores instead of
 * a locked 16-byte compare-and-swap (a full barrier, about a tenth of a K2K hop); the
 * results are the same merges, strictly increasing as before. */
rk_status_t rki_hlc_clock_update_single(rk_hlc_clock_t *clock, rk_hlc_timestamp_t received,
                                        uint64_t wall_micros, rk_hlc_timestamp_t *out);

#endif /* RK_HLC_INTERNAL_H */
