/* ringkernel/ring.h — bounded lock-free rings of fixed-size slots (host memory).
 *
 * Three kinds, chosen at creation:
 *   RK_RING_SPSC  one producer thread, one consumer thread. Each side keeps a cached copy
 *                 of the other side's index and rereads the real one only when the cache
 *                 says full/empty.
 *   RK_RING_MPSC  any number of producer threads, one consumer thread.
 *   RK_RING_MPMC  any number of producers and consumers.
 * MPSC and MPMC slots carry a sequence number that the producer publishes after writing
 * the slot, so a consumer never reads a half-written one. "One producer" means one thread
 * at a time: calls from several threads need their own ordering (a lock, or a join).
 *
 * Capacity is a power of two in 1..RK_RING_MAX_CAPACITY. Each slot holds one message of
 * 0..slot_size bytes: the slot starts with a 4-byte length written by the producer, then
 * the bytes, so variable-length messages fit a fixed slot. The producer and consumer
 * indices live on separate 64-byte cache lines.
 *
 * Full and empty are not errors in the usual sense: push returns RK_EAGAIN and the caller
 * still owns its message (counted in stats.rejected, never in stats.dropped — a ring never
 * discards an accepted message). pop returns RK_EAGAIN when empty.
 *
 * Statistics are cheap: enqueued and dequeued are the producer and consumer positions
 * themselves, max_depth is kept by producers, rejected by producers. A snapshot taken
 * while both sides run is a consistent-enough reading, exact once they stop.
 */
#ifndef RINGKERNEL_RING_H
#define RINGKERNEL_RING_H

#include "ringkernel/api.h"
#include "ringkernel/status.h"
#include "ringkernel/queue.h"

RK_EXTERN_C_BEGIN

typedef enum rk_ring_kind {
  RK_RING_SPSC = 0,
  RK_RING_MPSC = 1,
  RK_RING_MPMC = 2,
} rk_ring_kind_t;

enum {
  RK_RING_MAX_CAPACITY = 16777216, /* 2^24 slots */
  RK_RING_MAX_SLOT_SIZE = 1048576, /* bytes of message per slot */
};

typedef struct rk_ring rk_ring_t;

/* Creates a ring. capacity must be a power of two in 1..2^24 and slot_size in
 * 1..RK_RING_MAX_SLOT_SIZE, else RK_EINVAL with the value and the limit in the detail;
 * RK_ENOMEM when memory runs out. *out is the new ring (caller owns it; free with
 * rk_ring_destroy) or NULL on failure. Any thread. */
RK_API rk_status_t rk_ring_create(rk_ring_kind_t kind, size_t capacity, size_t slot_size,
                                  rk_ring_t **out);

/* Frees the ring and any messages still in it. NULL is a no-op. No other thread may be
 * using the ring. */
RK_API void rk_ring_destroy(rk_ring_t *ring);

RK_API rk_ring_kind_t rk_ring_kind(const rk_ring_t *ring);
RK_API size_t rk_ring_capacity(const rk_ring_t *ring);
RK_API size_t rk_ring_slot_size(const rk_ring_t *ring);

/* Copies len bytes (0..slot_size) into the next slot and publishes it. RK_OK; RK_EAGAIN
 * when full; RK_ETOOBIG when len > slot_size; RK_EINVAL for NULL ring or NULL data with
 * len > 0. On any error the ring is unchanged and the caller keeps its message.
 * Producer threads only (per the ring's kind); never blocks. */
RK_API rk_status_t rk_ring_try_push(rk_ring_t *ring, const void *data, size_t len);

/* Like rk_ring_try_push for the message made of a[0..alen) followed by b[0..blen) (a
 * header and its payload), without assembling it first. RK_ETOOBIG when alen + blen >
 * slot_size. */
RK_API rk_status_t rk_ring_try_push2(rk_ring_t *ring, const void *a, size_t alen, const void *b,
                                     size_t blen);

/* Copies the oldest message into buf (capacity cap bytes) and writes its length to *len.
 * RK_OK; RK_EAGAIN when empty; RK_ETOOBIG when the message is longer than cap (the
 * message stays in the ring and *len holds its length); RK_EINVAL for NULL arguments
 * (buf may be NULL when cap is 0). MPMC rings need cap >= slot_size (RK_EINVAL
 * otherwise): with several consumers a message cannot be inspected before it is claimed.
 * Consumer threads only; never blocks. */
RK_API rk_status_t rk_ring_try_pop(rk_ring_t *ring, void *buf, size_t cap, size_t *len);

/* Pushes up to count messages (data[i], lens[i]) in order, claiming their slots and
 * publishing them together. *pushed = how many went in (a prefix of the list). RK_OK when
 * at least one did; RK_EAGAIN when the ring was full (*pushed = 0); RK_ETOOBIG when
 * lens[*pushed] > slot_size (the messages before it went in); RK_EINVAL for NULL
 * arguments. Producer threads only; never blocks. */
RK_API rk_status_t rk_ring_push_many(rk_ring_t *ring, const void *const *data, const size_t *lens,
                                     size_t count, size_t *pushed);

/* Pops up to max messages in order: message i goes to buf + i * stride and its length to
 * lens[i]; *popped = how many. stride must be >= slot_size (RK_EINVAL otherwise). RK_OK
 * when at least one moved; RK_EAGAIN when empty (*popped = 0). Consumer threads only;
 * never blocks. */
RK_API rk_status_t rk_ring_pop_many(rk_ring_t *ring, void *buf, size_t stride, size_t *lens,
                                    size_t max, size_t *popped);

/* Zero-copy produce, SPSC rings only (RK_EUNSUPPORTED otherwise): *slot points at the
 * next free slot's message area (slot_size bytes, 8-byte aligned). RK_EAGAIN when full.
 * The producer writes the message there, then rk_ring_commit(ring, len) publishes it.
 * Reserving again before committing returns the same slot. */
RK_API rk_status_t rk_ring_reserve(rk_ring_t *ring, void **slot);

/* Publishes the reserved slot with len bytes. RK_ESTATE when nothing is reserved,
 * RK_ETOOBIG when len > slot_size (the reservation stays). A push or push_many made
 * while a slot is reserved writes that slot and ends the reservation. */
RK_API rk_status_t rk_ring_commit(rk_ring_t *ring, size_t len);

/* Zero-copy consume, SPSC and MPSC rings (single consumer; RK_EUNSUPPORTED for MPMC):
 * *data points at the oldest message inside the ring and *len is its length; RK_EAGAIN
 * when empty. The bytes stay valid and unchanged until rk_ring_release. Peeking again
 * before releasing returns the same message. */
RK_API rk_status_t rk_ring_peek(rk_ring_t *ring, const void **data, size_t *len);

/* Frees the peeked slot for producers. RK_ESTATE when nothing is peeked. A pop or
 * pop_many made while a message is peeked takes that message and ends the peek. */
RK_API rk_status_t rk_ring_release(rk_ring_t *ring);

/* Messages in the ring now (a snapshot when others are running): positions claimed by
 * producers minus positions taken by consumers, so on MPSC/MPMC rings it includes a
 * message still being written, which a pop cannot see yet. Any thread. */
RK_API size_t rk_ring_depth(const rk_ring_t *ring);

/* Fills *out (see queue.h for the counting rule). RK_EINVAL for NULL. Any thread. */
RK_API rk_status_t rk_ring_stats(const rk_ring_t *ring, rk_queue_stats_t *out);

RK_EXTERN_C_END

#endif /* RINGKERNEL_RING_H */
