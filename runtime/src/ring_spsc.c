/* ring_spsc.c — single-producer single-consumer ring.
 *
 * Each side owns its index and keeps a private copy of the other side's index, rereading
 * the shared one only when the copy says full (producer) or empty (consumer). In steady
 * flow that means one shared-line read per many messages instead of one per message.
 * A batch writes all its slots and then publishes the index once.
 */
#include <string.h>

#include "ring_internal.h"

/* Free slots as far as the producer knows, refreshing its copy of tail when fewer than
 * `want` seem free. */
static uint64_t rki_spsc_free(rk_ring_t *r, uint64_t head, uint64_t want) {
  uint64_t free_slots = r->capacity - (head - r->cached_tail);
  if (free_slots < want) {
    /* Acquire pairs with the consumer's release store of tail: its reads of the slots
     * it gave back happen before we overwrite them. */
    r->cached_tail = atomic_load_explicit(&r->tail, memory_order_acquire);
    free_slots = r->capacity - (head - r->cached_tail);
  }
  return free_slots;
}

/* Messages available as far as the consumer knows, refreshing its copy of head when
 * fewer than `want` seem available. */
static uint64_t rki_spsc_avail(rk_ring_t *r, uint64_t tail, uint64_t want) {
  uint64_t avail = r->cached_head - tail;
  if (avail < want) {
    /* Acquire pairs with the producer's release store of head: the slot bytes written
     * before it are visible to us. */
    r->cached_head = atomic_load_explicit(&r->head, memory_order_acquire);
    avail = r->cached_head - tail;
  }
  return avail;
}

/* Raises max_depth after publishing head; reads the real tail only when the cached one
 * would set a new maximum, so the common push stays off the consumer's line. */
static void rki_spsc_note_depth(rk_ring_t *r, uint64_t head) {
  uint64_t max = atomic_load_explicit(&r->max_depth, memory_order_relaxed);
  if (head - r->cached_tail <= max) return;
  /* Acquire: same pairing as in rki_spsc_free (this refreshes the same copy). */
  r->cached_tail = atomic_load_explicit(&r->tail, memory_order_acquire);
  if (head - r->cached_tail > max)
    atomic_store_explicit(&r->max_depth, head - r->cached_tail, memory_order_relaxed);
}

static void rki_spsc_publish(rk_ring_t *r, uint64_t head) {
  /* Release pairs with the consumer's acquire load of head in rki_spsc_avail. */
  atomic_store_explicit(&r->head, head, memory_order_release);
  rki_spsc_note_depth(r, head);
}

static void rki_spsc_consume(rk_ring_t *r, uint64_t tail) {
  /* Release pairs with the producer's acquire load of tail in rki_spsc_free. */
  atomic_store_explicit(&r->tail, tail, memory_order_release);
}

rk_status_t rki_spsc_push2(rk_ring_t *r, const void *a, size_t alen, const void *b, size_t blen) {
  uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
  if (rki_spsc_free(r, head, 1) == 0) {
    rki_ring_note_rejected(r, 1);
    return RK_EAGAIN;
  }
  r->reserved_slot = false;
  rki_ring_fill(rki_ring_slot(r, head), a, alen, b, blen);
  rki_spsc_publish(r, head + 1);
  return RK_OK;
}

rk_status_t rki_spsc_pop(rk_ring_t *r, void *buf, size_t cap, size_t *len) {
  uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
  if (rki_spsc_avail(r, tail, 1) == 0) return RK_EAGAIN;
  rki_slot_t *s = rki_ring_slot(r, tail);
  size_t n = atomic_load_explicit(&s->len, memory_order_relaxed);
  *len = n;
  if (n > cap) return rki_fail(RK_ETOOBIG, "message of %zu bytes: pop buffer holds %zu", n, cap);
  if (n) memcpy(buf, rki_slot_data(s), n);
  r->peeked = false;
  rki_spsc_consume(r, tail + 1);
  return RK_OK;
}

size_t rki_spsc_push_many(rk_ring_t *r, const void *const *data, const size_t *lens, size_t count) {
  uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
  uint64_t n = rki_spsc_free(r, head, count);
  if (n > count) n = count;
  if (n == 0) return 0;
  r->reserved_slot = false;
  for (uint64_t i = 0; i < n; i++)
    rki_ring_fill(rki_ring_slot(r, head + i), data[i], lens[i], NULL, 0);
  rki_spsc_publish(r, head + n);
  return (size_t)n;
}

size_t rki_spsc_pop_many(rk_ring_t *r, void *buf, size_t stride, size_t *lens, size_t max) {
  uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
  uint64_t n = rki_spsc_avail(r, tail, max);
  if (n > max) n = max;
  if (n == 0) return 0;
  unsigned char *out = buf;
  for (uint64_t i = 0; i < n; i++) {
    rki_slot_t *s = rki_ring_slot(r, tail + i);
    size_t len = atomic_load_explicit(&s->len, memory_order_relaxed);
    lens[i] = len;
    if (len) memcpy(out + i * stride, rki_slot_data(s), len);
  }
  r->peeked = false;
  rki_spsc_consume(r, tail + n);
  return (size_t)n;
}

rk_status_t rki_spsc_reserve(rk_ring_t *r, void **slot) {
  uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
  if (rki_spsc_free(r, head, 1) == 0) {
    rki_ring_note_rejected(r, 1);
    return RK_EAGAIN;
  }
  r->reserved_slot = true;
  *slot = rki_slot_data(rki_ring_slot(r, head));
  return RK_OK;
}

rk_status_t rki_spsc_commit(rk_ring_t *r, size_t len) {
  uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
  atomic_store_explicit(&rki_ring_slot(r, head)->len, (uint32_t)len, memory_order_relaxed);
  r->reserved_slot = false;
  rki_spsc_publish(r, head + 1);
  return RK_OK;
}

rk_status_t rki_spsc_peek(rk_ring_t *r, const void **data, size_t *len) {
  uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
  if (rki_spsc_avail(r, tail, 1) == 0) return RK_EAGAIN;
  rki_slot_t *s = rki_ring_slot(r, tail);
  *len = atomic_load_explicit(&s->len, memory_order_relaxed);
  *data = rki_slot_data(s);
  r->peeked = true;
  return RK_OK;
}

void rki_spsc_release(rk_ring_t *r) {
  uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
  r->peeked = false;
  rki_spsc_consume(r, tail + 1);
}
