/* ring.c — rk_ring creation, argument checks, and dispatch to the per-kind code. */
#include <string.h>

#include "ring_internal.h"

static bool rki_is_pow2(size_t v) {
  return v != 0 && (v & (v - 1)) == 0;
}

static rk_status_t rki_ring_check_args(rk_ring_kind_t kind, size_t capacity, size_t slot_size) {
  if (kind != RK_RING_SPSC && kind != RK_RING_MPSC && kind != RK_RING_MPMC)
    return rki_fail(RK_EINVAL, "ring kind %d: must be SPSC (0), MPSC (1) or MPMC (2)", (int)kind);
  if (capacity == 0 || capacity > RK_RING_MAX_CAPACITY || !rki_is_pow2(capacity))
    return rki_fail(RK_EINVAL, "ring capacity %zu: must be a power of two in 1..%d", capacity,
                    RK_RING_MAX_CAPACITY);
  if (slot_size == 0 || slot_size > RK_RING_MAX_SLOT_SIZE)
    return rki_fail(RK_EINVAL, "ring slot size %zu: must be 1..%d", slot_size,
                    RK_RING_MAX_SLOT_SIZE);
  return RK_OK;
}

rk_status_t rk_ring_create(rk_ring_kind_t kind, size_t capacity, size_t slot_size,
                           rk_ring_t **out) {
  if (!out) return rki_fail(RK_EINVAL, "rk_ring_create: out is NULL");
  *out = NULL;
  rk_status_t st = rki_ring_check_args(kind, capacity, slot_size);
  if (st != RK_OK) return st;
  size_t stride = RKI_SLOT_HEADER + ((slot_size + 15) & ~(size_t)15);
  rk_ring_t *r = aligned_alloc(RKI_CACHELINE, sizeof *r);
  size_t bytes = (capacity * stride + RKI_CACHELINE - 1) & ~(size_t)(RKI_CACHELINE - 1);
  unsigned char *slots = aligned_alloc(RKI_CACHELINE, bytes);
  if (!r || !slots) {
    free(r);
    free(slots);
    return rki_fail(RK_ENOMEM, "ring of %zu slots x %zu bytes: out of memory", capacity, stride);
  }
  memset(r, 0, sizeof *r);
  r->kind = kind;
  r->capacity = capacity;
  r->mask = capacity - 1;
  r->slot_size = slot_size;
  r->stride = stride;
  r->slots = slots;
  atomic_init(&r->head, 0);
  atomic_init(&r->tail, 0);
  atomic_init(&r->seen_tail, 0);
  atomic_init(&r->max_depth, 0);
  atomic_init(&r->rejected, 0);
  for (uint64_t i = 0; i < capacity; i++) {
    rki_slot_t *s = rki_ring_slot(r, i);
    atomic_init(&s->len, 0);
    s->reserved = 0;
    atomic_init(&s->seq, rki_seq_free(i));
  }
  *out = r;
  return RK_OK;
}

void rk_ring_destroy(rk_ring_t *ring) {
  if (!ring) return;
  free(ring->slots);
  free(ring);
}

rk_ring_kind_t rk_ring_kind(const rk_ring_t *ring) {
  return ring ? ring->kind : RK_RING_SPSC;
}
size_t rk_ring_capacity(const rk_ring_t *ring) {
  return ring ? ring->capacity : 0;
}
size_t rk_ring_slot_size(const rk_ring_t *ring) {
  return ring ? ring->slot_size : 0;
}

void rki_ring_note_depth(rk_ring_t *r, uint64_t depth) {
  uint64_t cur = atomic_load_explicit(&r->max_depth, memory_order_relaxed);
  while (depth > cur &&
         !atomic_compare_exchange_weak_explicit(&r->max_depth, &cur, depth, memory_order_relaxed,
                                                memory_order_relaxed)) {
  }
}

void rki_ring_note_rejected(rk_ring_t *r, uint64_t n) {
  atomic_fetch_add_explicit(&r->rejected, n, memory_order_relaxed);
}

size_t rki_ring_first_oversize(const rk_ring_t *r, const size_t *lens, size_t count) {
  for (size_t i = 0; i < count; i++)
    if (lens[i] > r->slot_size) return i;
  return count;
}

static rk_status_t rki_ring_push(rk_ring_t *ring, const void *a, size_t alen, const void *b,
                                 size_t blen) {
  if (!ring || (!a && alen) || (!b && blen))
    return rki_fail(RK_EINVAL, "rk_ring_try_push: NULL ring or data");
  if (alen > ring->slot_size || blen > ring->slot_size - alen)
    return rki_fail(RK_ETOOBIG, "message of %zu bytes: ring slot holds at most %zu", alen + blen,
                    ring->slot_size);
  if (ring->kind == RK_RING_SPSC) return rki_spsc_push2(ring, a, alen, b, blen);
  return rki_mp_push2(ring, a, alen, b, blen);
}

rk_status_t rk_ring_try_push2(rk_ring_t *ring, const void *a, size_t alen, const void *b,
                              size_t blen) {
  return rki_ring_push(ring, a, alen, b, blen);
}

rk_status_t rk_ring_try_push(rk_ring_t *ring, const void *data, size_t len) {
  return rki_ring_push(ring, data, len, NULL, 0);
}

rk_status_t rk_ring_try_pop(rk_ring_t *ring, void *buf, size_t cap, size_t *len) {
  if (!ring || !len || (!buf && cap))
    return rki_fail(RK_EINVAL, "rk_ring_try_pop: NULL ring, buffer or length");
  switch (ring->kind) {
  case RK_RING_SPSC: return rki_spsc_pop(ring, buf, cap, len);
  case RK_RING_MPSC: return rki_sc_pop(ring, buf, cap, len);
  case RK_RING_MPMC: break;
  }
  if (cap < ring->slot_size)
    return rki_fail(RK_EINVAL, "MPMC ring pop buffer of %zu bytes: must be >= slot size %zu", cap,
                    ring->slot_size);
  return rki_mc_pop(ring, buf, len);
}

rk_status_t rk_ring_push_many(rk_ring_t *ring, const void *const *data, const size_t *lens,
                              size_t count, size_t *pushed) {
  if (pushed) *pushed = 0;
  if (!ring || !pushed || (count && (!data || !lens)))
    return rki_fail(RK_EINVAL, "rk_ring_push_many: NULL ring, data, lengths or count out");
  for (size_t i = 0; i < count; i++)
    if (!data[i] && lens[i])
      return rki_fail(RK_EINVAL, "rk_ring_push_many: message %zu is NULL", i);
  if (count == 0) return RK_OK;
  size_t ok = rki_ring_first_oversize(ring, lens, count);
  size_t n = 0;
  if (ok > 0)
    n = ring->kind == RK_RING_SPSC ? rki_spsc_push_many(ring, data, lens, ok)
                                   : rki_mp_push_many(ring, data, lens, ok);
  *pushed = n;
  if (n < ok) rki_ring_note_rejected(ring, ok - n);
  if (n == ok && ok < count)
    return rki_fail(RK_ETOOBIG, "message %zu of %zu bytes: ring slot holds at most %zu", ok,
                    lens[ok], ring->slot_size);
  return n > 0 ? RK_OK : RK_EAGAIN;
}

rk_status_t rk_ring_pop_many(rk_ring_t *ring, void *buf, size_t stride, size_t *lens, size_t max,
                             size_t *popped) {
  if (popped) *popped = 0;
  if (!ring || !popped || (max && (!buf || !lens)))
    return rki_fail(RK_EINVAL, "rk_ring_pop_many: NULL ring, buffer, lengths or count out");
  if (stride < ring->slot_size)
    return rki_fail(RK_EINVAL, "pop stride %zu: must be >= slot size %zu", stride, ring->slot_size);
  if (max == 0) return RK_OK;
  size_t n = 0;
  switch (ring->kind) {
  case RK_RING_SPSC: n = rki_spsc_pop_many(ring, buf, stride, lens, max); break;
  case RK_RING_MPSC: n = rki_sc_pop_many(ring, buf, stride, lens, max); break;
  case RK_RING_MPMC: n = rki_mc_pop_many(ring, buf, stride, lens, max); break;
  }
  *popped = n;
  return n > 0 ? RK_OK : RK_EAGAIN;
}

rk_status_t rk_ring_reserve(rk_ring_t *ring, void **slot) {
  if (slot) *slot = NULL;
  if (!ring || !slot) return rki_fail(RK_EINVAL, "rk_ring_reserve: NULL ring or slot out");
  if (ring->kind != RK_RING_SPSC)
    return rki_fail(RK_EUNSUPPORTED, "rk_ring_reserve: only SPSC rings (this one is %s)",
                    ring->kind == RK_RING_MPSC ? "MPSC" : "MPMC");
  return rki_spsc_reserve(ring, slot);
}

rk_status_t rk_ring_commit(rk_ring_t *ring, size_t len) {
  if (!ring) return rki_fail(RK_EINVAL, "rk_ring_commit: NULL ring");
  if (ring->kind != RK_RING_SPSC || !ring->reserved_slot)
    return rki_fail(RK_ESTATE, "rk_ring_commit: no slot reserved");
  if (len > ring->slot_size)
    return rki_fail(RK_ETOOBIG, "commit of %zu bytes: ring slot holds at most %zu", len,
                    ring->slot_size);
  return rki_spsc_commit(ring, len);
}

rk_status_t rk_ring_peek(rk_ring_t *ring, const void **data, size_t *len) {
  if (data) *data = NULL;
  if (!ring || !data || !len)
    return rki_fail(RK_EINVAL, "rk_ring_peek: NULL ring, data or length out");
  switch (ring->kind) {
  case RK_RING_SPSC: return rki_spsc_peek(ring, data, len);
  case RK_RING_MPSC: return rki_sc_peek(ring, data, len);
  case RK_RING_MPMC: break;
  }
  return rki_fail(RK_EUNSUPPORTED, "rk_ring_peek: not on MPMC rings (several consumers)");
}

rk_status_t rk_ring_release(rk_ring_t *ring) {
  if (!ring) return rki_fail(RK_EINVAL, "rk_ring_release: NULL ring");
  if (!ring->peeked) return rki_fail(RK_ESTATE, "rk_ring_release: nothing peeked");
  if (ring->kind == RK_RING_SPSC)
    rki_spsc_release(ring);
  else
    rki_sc_release(ring);
  return RK_OK;
}

static void rki_ring_positions(const rk_ring_t *r, uint64_t *head, uint64_t *tail) {
  /* Acquire keeps the head load after the tail load, so head >= tail as read. */
  *tail = atomic_load_explicit(&((rk_ring_t *)r)->tail, memory_order_acquire);
  *head = atomic_load_explicit(&((rk_ring_t *)r)->head, memory_order_relaxed);
  if (*head < *tail) *head = *tail;
}

size_t rk_ring_depth(const rk_ring_t *ring) {
  if (!ring) return 0;
  uint64_t head, tail;
  rki_ring_positions(ring, &head, &tail);
  return (size_t)(head - tail);
}

rk_status_t rk_ring_stats(const rk_ring_t *ring, rk_queue_stats_t *out) {
  if (!ring || !out) return rki_fail(RK_EINVAL, "rk_ring_stats: NULL ring or output");
  uint64_t head, tail;
  rki_ring_positions(ring, &head, &tail);
  rk_ring_t *r = (rk_ring_t *)ring;
  *out = (rk_queue_stats_t){
      .enqueued = head,
      .dequeued = tail,
      .dropped = 0,
      .depth = head - tail,
      .max_depth = atomic_load_explicit(&r->max_depth, memory_order_relaxed),
      .rejected = atomic_load_explicit(&r->rejected, memory_order_relaxed),
  };
  if (out->max_depth < out->depth) out->max_depth = out->depth;
  return RK_OK;
}
