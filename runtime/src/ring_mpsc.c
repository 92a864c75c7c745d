/* ring_mpsc.c — the multi-producer side (shared by MPSC and MPMC) and the single
 * consumer of MPSC rings. See ring_internal.h for the sequence protocol.
 *
 * Producers never read the consumer's index to find room: the slot's sequence word says
 * whether the slot is free for this lap, so a push touches the head line and one slot.
 */
#include <string.h>

#include "ring_internal.h"

static void rki_seq_store(rki_slot_t *s, uint64_t seq) {
  /* Release pairs with the acquire load in rki_seq_load (ring_internal.h) on the other
   * side. */
  atomic_store_explicit(&s->seq, seq, memory_order_release);
}

/* Claims up to want positions; 0 = full. Relaxed on success: winning the position
 * orders nothing; the slot's seq carries the data. */
static uint64_t rki_mp_claim(rk_ring_t *r, uint64_t want, uint64_t *first) {
  return rki_seq_claim(r, &r->head, false, memory_order_relaxed, want, first);
}

/* Raises max_depth after a push that ended at `end`. seen_tail is a tail some producer
 * read earlier, never above the real one, so end - seen_tail bounds the depth from above:
 * while that bound is not above max_depth the consumer's line (written on every pop) is
 * not read at all; reading it on every push moved it between cores per message.
 * (end - seen_tail wraps to a huge value when the consumer passed end: then tail is read.)
 * Relaxed: statistics, they order nothing. */
static void rki_mp_note_depth(rk_ring_t *r, uint64_t end) {
  uint64_t max = atomic_load_explicit(&r->max_depth, memory_order_relaxed);
  if (end - atomic_load_explicit(&r->seen_tail, memory_order_relaxed) <= max) return;
  uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
  atomic_store_explicit(&r->seen_tail, tail, memory_order_relaxed);
  rki_ring_note_depth(r, end > tail ? end - tail : 0);
}

rk_status_t rki_mp_push2(rk_ring_t *r, const void *a, size_t alen, const void *b, size_t blen) {
  uint64_t pos;
  if (rki_mp_claim(r, 1, &pos) == 0) {
    rki_ring_note_rejected(r, 1);
    return RK_EAGAIN;
  }
  rki_slot_t *s = rki_ring_slot(r, pos);
  rki_ring_fill(s, a, alen, b, blen);
  rki_seq_store(s, rki_seq_ready(pos));
  rki_mp_note_depth(r, pos + 1);
  return RK_OK;
}

size_t rki_mp_push_many(rk_ring_t *r, const void *const *data, const size_t *lens, size_t count) {
  uint64_t pos;
  uint64_t n = rki_mp_claim(r, count, &pos);
  for (uint64_t i = 0; i < n; i++) {
    rki_slot_t *s = rki_ring_slot(r, pos + i);
    rki_ring_fill(s, data[i], lens[i], NULL, 0);
    rki_seq_store(s, rki_seq_ready(pos + i));
  }
  if (n) rki_mp_note_depth(r, pos + n);
  return (size_t)n;
}

/* The slot at tail when its message is published, else NULL. */
static rki_slot_t *rki_sc_front(rk_ring_t *r, uint64_t tail) {
  rki_slot_t *s = rki_ring_slot(r, tail);
  return rki_seq_load(s) == rki_seq_ready(tail) ? s : NULL;
}

static void rki_sc_free_slot(rk_ring_t *r, rki_slot_t *s, uint64_t pos) {
  rki_seq_store(s, rki_seq_free(pos + r->capacity));
}

/* Called before the slots are freed: a producer that sees a slot free (acquire on its
 * seq) then also sees this tail, so its depth reading never exceeds the capacity.
 * Release pairs with the acquire load of tail in rk_ring_stats/depth readers. */
static void rki_sc_advance(rk_ring_t *r, uint64_t tail) {
  atomic_store_explicit(&r->tail, tail, memory_order_release);
}

rk_status_t rki_sc_pop(rk_ring_t *r, void *buf, size_t cap, size_t *len) {
  uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
  rki_slot_t *s = rki_sc_front(r, tail);
  if (!s) return RK_EAGAIN;
  size_t n = atomic_load_explicit(&s->len, memory_order_relaxed);
  *len = n;
  if (n > cap) return rki_fail(RK_ETOOBIG, "message of %zu bytes: pop buffer holds %zu", n, cap);
  if (n) memcpy(buf, rki_slot_data(s), n);
  r->peeked = false;
  rki_sc_advance(r, tail + 1);
  rki_sc_free_slot(r, s, tail);
  return RK_OK;
}

size_t rki_sc_pop_many(rk_ring_t *r, void *buf, size_t stride, size_t *lens, size_t max) {
  uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
  unsigned char *out = buf;
  size_t n = 0;
  rki_slot_t *s;
  while (n < max && (s = rki_sc_front(r, tail + n)) != NULL) {
    size_t len = atomic_load_explicit(&s->len, memory_order_relaxed);
    lens[n] = len;
    if (len) memcpy(out + n * stride, rki_slot_data(s), len);
    n++;
  }
  if (n == 0) return 0;
  r->peeked = false;
  rki_sc_advance(r, tail + n);
  for (size_t i = 0; i < n; i++)
    rki_sc_free_slot(r, rki_ring_slot(r, tail + i), tail + i);
  return n;
}

rk_status_t rki_sc_peek(rk_ring_t *r, const void **data, size_t *len) {
  uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
  rki_slot_t *s = rki_sc_front(r, tail);
  if (!s) return RK_EAGAIN;
  *len = atomic_load_explicit(&s->len, memory_order_relaxed);
  *data = rki_slot_data(s);
  r->peeked = true;
  return RK_OK;
}

void rki_sc_release(rk_ring_t *r) {
  uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
  r->peeked = false;
  rki_sc_advance(r, tail + 1);
  rki_sc_free_slot(r, rki_ring_slot(r, tail), tail);
}
