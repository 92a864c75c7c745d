/* counter_internal.h — statistics counters that many threads bump per message (rki_*).
 *
 * One atomic word that every worker adds to moves its cache line between cores on each
 * add (measured: the runtime's messages_sent and the broker's delivered count were each
 * about a tenth of a K2K hop). A striped counter gives each thread its own word, so an
 * add stays on a line that thread keeps, and, while the thread owns its stripe, is a
 * plain load and store (counter.c); a read sums the words. Reads are exact once the adds
 * they should see happened before them (the sum is of relaxed loads, as a single relaxed
 * counter would be).
 *
 * A stripe is 128 bytes with its word first, so no two words share a cache line whatever
 * the alignment of the struct that holds the counter (and adjacent-line prefetch does not
 * pair them either).
 */
#ifndef RK_COUNTER_INTERNAL_H
#define RK_COUNTER_INTERNAL_H

#include <stdatomic.h>
#include <stdint.h>

enum { RKI_COUNTER_STRIPES = 16, RKI_COUNTER_STRIPE_BYTES = 128 };

typedef struct rki_counter_stripe {
  _Atomic uint64_t value;
  unsigned char pad[RKI_COUNTER_STRIPE_BYTES - sizeof(uint64_t)];
} rki_counter_stripe_t;

typedef struct rki_counter {
  rki_counter_stripe_t stripe[RKI_COUNTER_STRIPES];
} rki_counter_t;

/* Adds n to the calling thread's stripe. */
void rki_counter_add(rki_counter_t *c, uint64_t n);
/* The sum of every stripe. */
uint64_t rki_counter_read(const rki_counter_t *c);

#endif /* RK_COUNTER_INTERNAL_H */
