/* ring_internal.h — the in-memory layout of rk_ring and the per-kind operations.
 *
 * Layout: a slot is a 16-byte frame header (length, then the sequence word used by the
 * MPSC/MPMC kinds) followed by slot_size bytes rounded up to 16, so the message area is
 * 16-byte aligned. Positions are 64-bit counters that never wrap in practice; a position
 * maps to slot (pos & mask).
 *
 * Sequence protocol (MPSC/MPMC, after Vyukov's bounded queue, counted in half steps):
 * slot i starts with seq = 2i, "free for position i". A producer that wins position p
 * (seq == 2p) writes the slot and publishes seq = 2p + 1; the consumer that takes p reads
 * it once seq == 2p + 1 and frees it with seq = 2(p + capacity), the free value for the
 * producer of the next lap.
 *
 * Why half steps: with Vyukov's values (free p, published p + 1, freed p + capacity) a
 * ring of one slot publishes position p with the very value that means "free for p + 1",
 * so a second producer overwrote the unread message and an MPMC consumer spun forever
 * waiting for p + 1. Here free values are even and published ones odd, so they never meet
 * at any capacity; the price is a shift that folds into the address arithmetic (bench_ring
 * is unchanged). Two slots behind a ring of one would have needed a depth check against
 * the consumer's index on every push instead.
 */
#ifndef RK_RING_INTERNAL_H
#define RK_RING_INTERNAL_H

#include <stdalign.h>
#include <stdatomic.h>
#include <string.h>

#include "ringkernel/ring.h"
#include "rk_internal.h"

typedef struct rki_slot {
  _Atomic uint32_t len; /* message length; written before the slot is published */
  uint32_t reserved;
  _Atomic uint64_t seq; /* MPSC/MPMC publication word, see above */
} rki_slot_t;

enum { RKI_SLOT_HEADER = 16 };

struct rk_ring {
  /* Read-only after creation. */
  rk_ring_kind_t kind;
  uint64_t capacity;
  uint64_t mask;
  size_t slot_size;
  size_t stride;
  unsigned char *slots;

  /* Producer line: the head position and what only producers write. */
  alignas(RKI_CACHELINE) _Atomic uint64_t head;
  uint64_t cached_tail;       /* SPSC producer's copy of tail */
  _Atomic uint64_t seen_tail; /* MP producers: a tail they read (ring_mpsc.c note_depth) */
  _Atomic uint64_t max_depth; /* raised by producers only */
  _Atomic uint64_t rejected;  /* pushes refused while full */
  bool reserved_slot;         /* SPSC reserve() outstanding */

  /* Consumer line: the tail position and what only consumers write. */
  alignas(RKI_CACHELINE) _Atomic uint64_t tail;
  uint64_t cached_head; /* SPSC consumer's copy of head */
  bool peeked;          /* peek() outstanding */
};

static inline rki_slot_t *rki_ring_slot(const rk_ring_t *r, uint64_t pos) {
  return (rki_slot_t *)(void *)(r->slots + (size_t)(pos & r->mask) * r->stride);
}

/* The seq value meaning "free for the producer of position pos". */
static inline uint64_t rki_seq_free(uint64_t pos) {
  return pos << 1;
}

/* The seq value meaning "the message of position pos is published". */
static inline uint64_t rki_seq_ready(uint64_t pos) {
  return (pos << 1) | 1;
}

/* rki_seq_ready(pos) when published, else rki_seq_free(pos). */
static inline uint64_t rki_seq_wanted(uint64_t pos, bool published) {
  return published ? rki_seq_ready(pos) : rki_seq_free(pos);
}

static inline uint64_t rki_seq_load(rki_slot_t *s) {
  /* Acquire pairs with the release store of seq by the other side (the consumer's
   * free-for-next-lap store when a producer loads it, the producer's publish store when
   * a consumer loads it), so the slot bytes the other side touched are settled. */
  return atomic_load_explicit(&s->seq, memory_order_acquire);
}

/* The claim shared by MP producers (index = head, claiming slots free for their
 * position) and MPMC consumers (index = tail, claiming published slots): takes up to
 * want consecutive positions whose seq reads the wanted value with one CAS on *index.
 * Returns how many (0 when the slot at *index still holds the previous lap: full for a
 * producer, empty for a consumer) and the first position in *first. `won` is the CAS's
 * success order (a constant at every call, so it folds once inlined). */
static inline uint64_t rki_seq_claim(rk_ring_t *r, _Atomic uint64_t *index, bool published,
                                     memory_order won, uint64_t want, uint64_t *first) {
  uint64_t pos = atomic_load_explicit(index, memory_order_relaxed);
  for (;;) {
    uint64_t n = 0;
    while (n < want && n < r->capacity &&
           rki_seq_load(rki_ring_slot(r, pos + n)) == rki_seq_wanted(pos + n, published))
      n++;
    if (n == 0) {
      uint64_t seq = rki_seq_load(rki_ring_slot(r, pos));
      if ((int64_t)(seq - rki_seq_wanted(pos, published)) < 0) return 0; /* a lap behind */
      pos = atomic_load_explicit(index, memory_order_relaxed);
      continue;
    }
    if (atomic_compare_exchange_weak_explicit(index, &pos, pos + n, won, memory_order_relaxed)) {
      *first = pos;
      return n;
    }
  }
}

static inline unsigned char *rki_slot_data(rki_slot_t *s) {
  return (unsigned char *)s + RKI_SLOT_HEADER;
}

/* Raises max_depth to depth if it is higher (relaxed: a statistic, orders nothing). */
void rki_ring_note_depth(rk_ring_t *r, uint64_t depth);

/* Counts n refused messages (relaxed: a statistic). */
void rki_ring_note_rejected(rk_ring_t *r, uint64_t n);

/* Index of the first message longer than slot_size among lens[0..count), or count. */
size_t rki_ring_first_oversize(const rk_ring_t *r, const size_t *lens, size_t count);

/* Writes one message (a then b) into a slot the caller owns; the length is published
 * with the slot (by the caller's release of head or seq). */
static inline void rki_ring_fill(rki_slot_t *s, const void *a, size_t alen, const void *b,
                                 size_t blen) {
  unsigned char *d = rki_slot_data(s);
  if (alen) memcpy(d, a, alen);
  if (blen) memcpy(d + alen, b, blen);
  atomic_store_explicit(&s->len, (uint32_t)(alen + blen), memory_order_relaxed);
}

/* SPSC (ring_spsc.c). */
rk_status_t rki_spsc_push2(rk_ring_t *r, const void *a, size_t alen, const void *b, size_t blen);
rk_status_t rki_spsc_pop(rk_ring_t *r, void *buf, size_t cap, size_t *len);
size_t rki_spsc_push_many(rk_ring_t *r, const void *const *data, const size_t *lens, size_t count);
size_t rki_spsc_pop_many(rk_ring_t *r, void *buf, size_t stride, size_t *lens, size_t max);
rk_status_t rki_spsc_reserve(rk_ring_t *r, void **slot);
rk_status_t rki_spsc_commit(rk_ring_t *r, size_t len);
rk_status_t rki_spsc_peek(rk_ring_t *r, const void **data, size_t *len);
void rki_spsc_release(rk_ring_t *r);

/* Multiple producers, and the single sequence-checked consumer (ring_mpsc.c). */
rk_status_t rki_mp_push2(rk_ring_t *r, const void *a, size_t alen, const void *b, size_t blen);
size_t rki_mp_push_many(rk_ring_t *r, const void *const *data, const size_t *lens, size_t count);
rk_status_t rki_sc_pop(rk_ring_t *r, void *buf, size_t cap, size_t *len);
size_t rki_sc_pop_many(rk_ring_t *r, void *buf, size_t stride, size_t *lens, size_t max);
rk_status_t rki_sc_peek(rk_ring_t *r, const void **data, size_t *len);
void rki_sc_release(rk_ring_t *r);

/* Multiple consumers (ring_mpmc.c). */
rk_status_t rki_mc_pop(rk_ring_t *r, void *buf, size_t *len);
size_t rki_mc_pop_many(rk_ring_t *r, void *buf, size_t stride, size_t *lens, size_t max);

#endif /* RK_RING_INTERNAL_H */
