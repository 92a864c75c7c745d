/* ring_mpmc.c — the multi-consumer side of MPMC rings (producers: ring_mpsc.c).
 *
 * Consumers race for positions with a CAS on tail, but only after the slot's sequence
 * word shows the message published, so the winner never waits on a slow producer and a
 * half-written slot is never claimed. A batch checks a run of published slots and claims
 * the whole run with one CAS.
 */
#include <string.h>

#include "ring_internal.h"

/* Claims up to want published positions; 0 = empty. Release on success pairs with the
 * acquire load of tail in depth/stats readers; the slot itself is handed back through its
 * seq word. */
static uint64_t rki_mc_claim(rk_ring_t *r, uint64_t want, uint64_t *first) {
  return rki_seq_claim(r, &r->tail, true, memory_order_release, want, first);
}

static void rki_mc_take(rk_ring_t *r, uint64_t pos, unsigned char *out, size_t *len) {
  rki_slot_t *s = rki_ring_slot(r, pos);
  size_t n = atomic_load_explicit(&s->len, memory_order_relaxed);
  *len = n;
  if (n) memcpy(out, rki_slot_data(s), n);
  /* Release pairs with the producer's acquire load of seq: our copy is done before the
   * next lap's producer writes the slot. */
  atomic_store_explicit(&s->seq, rki_seq_free(pos + r->capacity), memory_order_release);
}

rk_status_t rki_mc_pop(rk_ring_t *r, void *buf, size_t *len) {
  uint64_t pos;
  if (rki_mc_claim(r, 1, &pos) == 0) return RK_EAGAIN;
  rki_mc_take(r, pos, buf, len);
  return RK_OK;
}

size_t rki_mc_pop_many(rk_ring_t *r, void *buf, size_t stride, size_t *lens, size_t max) {
  uint64_t pos;
  uint64_t n = rki_mc_claim(r, max, &pos);
  unsigned char *out = buf;
  for (uint64_t i = 0; i < n; i++)
    rki_mc_take(r, pos + i, out + i * stride, &lens[i]);
  return (size_t)n;
}
