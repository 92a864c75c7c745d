/* counter.c — striped statistics counters (see counter_internal.h).
 *
 * Stripe ownership: a thread takes a free stripe index (a bit of `taken`) on its first
 * add and gives it back when it exits (a pthread key destructor), so while it owns the
 * index it is the only writer of that stripe in every counter: an add is a plain load and
 * store, no locked instruction (a locked add drains the store buffer, which after writing
 * a message costs as much as a cache miss). Threads beyond RKI_COUNTER_STRIPES - 1 at
 * once share the last stripe with locked adds. A stripe handed from an exiting thread to
 * a new one keeps its value: the sum never loses an add.
 */
#include <pthread.h>

#include "counter_internal.h"

enum { RKI_SHARED_STRIPE = RKI_COUNTER_STRIPES - 1 };

static _Atomic uint32_t rki_taken; /* bit i: stripe i is owned by a live thread */
static pthread_key_t rki_owner_key;
static pthread_once_t rki_owner_once = PTHREAD_ONCE_INIT;
static _Thread_local unsigned rki_stripe_plus_one; /* 0: none chosen yet */

/* Runs on the exiting thread; adds it makes after this (other exit hooks) go to the
 * shared stripe, as the index may already have a new owner. */
static void rki_give_back(void *arg) {
  unsigned i = (unsigned)(uintptr_t)arg - 1;
  rki_stripe_plus_one = RKI_SHARED_STRIPE + 1;
  /* release: pairs with the acquire CAS in rki_claim, so the next owner's plain
   * load + store continue from this thread's last store. */
  atomic_fetch_and_explicit(&rki_taken, ~(UINT32_C(1) << i), memory_order_release);
}

static void rki_make_key(void) {
  if (pthread_key_create(&rki_owner_key, rki_give_back) != 0) rki_owner_key = (pthread_key_t)-1;
}

/* A free owned stripe, or the shared one when none is free or the exit hook is missing. */
static unsigned rki_claim(void) {
  pthread_once(&rki_owner_once, rki_make_key);
  if (rki_owner_key == (pthread_key_t)-1) return RKI_SHARED_STRIPE;
  uint32_t cur = atomic_load_explicit(&rki_taken, memory_order_relaxed);
  for (;;) {
    uint32_t free_bits = ~cur & ((UINT32_C(1) << RKI_SHARED_STRIPE) - 1);
    if (!free_bits) return RKI_SHARED_STRIPE;
    unsigned i = (unsigned)__builtin_ctz(free_bits);
    /* acquire: pairs with the release in rki_give_back (see above). */
    if (atomic_compare_exchange_weak_explicit(&rki_taken, &cur, cur | (UINT32_C(1) << i),
                                              memory_order_acquire, memory_order_relaxed)) {
      if (pthread_setspecific(rki_owner_key, (void *)(uintptr_t)(i + 1)) == 0) return i;
      rki_give_back((void *)(uintptr_t)(i + 1));
      return RKI_SHARED_STRIPE;
    }
  }
}

void rki_counter_add(rki_counter_t *c, uint64_t n) {
  if (!rki_stripe_plus_one) rki_stripe_plus_one = rki_claim() + 1;
  unsigned i = rki_stripe_plus_one - 1;
  _Atomic uint64_t *v = &c->stripe[i].value;
  /* Relaxed: a statistic; it orders nothing. */
  if (i == RKI_SHARED_STRIPE)
    atomic_fetch_add_explicit(v, n, memory_order_relaxed);
  else
    atomic_store_explicit(v, atomic_load_explicit(v, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

uint64_t rki_counter_read(const rki_counter_t *c) {
  uint64_t sum = 0;
  for (unsigned i = 0; i < RKI_COUNTER_STRIPES; i++)
    sum += atomic_load_explicit(&c->stripe[i].value, memory_order_relaxed);
  return sum;
}
