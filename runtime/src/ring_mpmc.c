/* ring_mpmc.c — the multi-consumer side of MPMC rings (producers: ring_mpsc.c).
 *
 * Consumers race for positions with a CAS on tail, but only after the slot's sequence
 * word shows the message published, so the winner never waits on a slow producer and a
 * half-written slot is never claimed. A batch checks a run of published slots and claims
 * the whole run with one CAS.
 */
#include <string.h>

#include "ring_internal.h"

static uint64_t rki_mc_seq_load(rki_slot_t *s) {
  /* Acquire pairs with the producer's release store of the published value
   * (rki_seq_ready, ring_mpsc.c), so the slot's length and bytes are visible. */
  return atomic_load_explicit(&s->seq, memory_order_acquire);
}

/* Number of consecutive published messages from pos (at most want). */
static uint64_t rki_mc_ready_run(rk_ring_t *r, uint64_t pos, uint64_t want) {
  uint64_t n = 0;
  while (n < want && rki_mc_seq_load(rki_ring_slot(r, pos + n)) == rki_seq_ready(pos + n))
    n++;
  return n;
}

/* Claims up to want published positions with one CAS on tail; 0 when empty. */
static uint64_t rki_mc_claim(rk_ring_t *r, uint64_t want, uint64_t *first) {
  uint64_t pos = atomic_load_explicit(&r->tail, memory_order_relaxed);
  for (;;) {
    uint64_t n = rki_mc_ready_run(r, pos, want);
    if (n == 0) {
      uint64_t seq = rki_mc_seq_load(rki_ring_slot(r, pos));
      if ((int64_t)(seq - rki_seq_ready(pos)) < 0) return 0; /* not published yet: empty */
      pos = atomic_load_explicit(&r->tail, memory_order_relaxed);
      continue;
    }
    /* Release on success pairs with the acquire load of tail in depth/stats readers;
     * the slot itself is handed back through its seq word. */
    if (atomic_compare_exchange_weak_explicit(&r->tail, &pos, pos + n, memory_order_release,
                                              memory_order_relaxed)) {
      *first = pos;
      return n;
    }
  }
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
