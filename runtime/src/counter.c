/* counter.c — striped statistics counters (see counter_internal.h). */
#include "counter_internal.h"

/* The calling thread's stripe index plus one (0: not given one yet). */
static _Thread_local unsigned rki_stripe_plus_one;

static unsigned rki_my_stripe(void) {
  if (!rki_stripe_plus_one) {
    /* Relaxed: only the spread matters, no memory is published with the number. */
    static _Atomic unsigned next;
    unsigned n = atomic_fetch_add_explicit(&next, 1, memory_order_relaxed);
    rki_stripe_plus_one = n % RKI_COUNTER_STRIPES + 1;
  }
  return rki_stripe_plus_one - 1;
}

void rki_counter_add(rki_counter_t *c, uint64_t n) {
  /* Relaxed: a statistic; it orders nothing. An RMW, not load + store: two threads may
   * share a stripe. */
  atomic_fetch_add_explicit(&c->stripe[rki_my_stripe()].value, n, memory_order_relaxed);
}

uint64_t rki_counter_read(const rki_counter_t *c) {
  uint64_t sum = 0;
  for (unsigned i = 0; i < RKI_COUNTER_STRIPES; i++)
    sum += atomic_load_explicit(&c->stripe[i].value, memory_order_relaxed);
  return sum;
}
