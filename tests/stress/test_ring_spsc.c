/* test_ring_spsc.c — one producer, one consumer on a small SPSC ring (constant
 * wrap-around), 1 M messages. The producer rotates through push, push_many and
 * reserve/commit; the consumer through pop, pop_many and peek/release. Every message
 * must arrive once, in order, intact. Run under ThreadSanitizer in CI. */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#include "ringkernel/ring.h"
#include "tests_common/rk_test.h"

enum { TOTAL = 1000000, SLOT = 32, BATCH = 5, CAPACITY = 16 };

static rk_ring_t *ring;

static size_t encode(unsigned char *m, uint32_t seq) {
  size_t len = 4 + seq % 29;
  memcpy(m, &seq, 4);
  for (size_t i = 4; i < len; i++)
    m[i] = (unsigned char)(seq * 13 + i);
  return len;
}

static int check(const unsigned char *m, size_t len, uint32_t expect) {
  uint32_t seq;
  if (len < 4) return 0;
  memcpy(&seq, m, 4);
  if (seq != expect || len != 4 + seq % 29) return 0;
  for (size_t i = 4; i < len; i++)
    if (m[i] != (unsigned char)(seq * 13 + i)) return 0;
  return 1;
}

static uint32_t produce_batch(uint32_t seq) {
  unsigned char m[BATCH][SLOT];
  const void *ptrs[BATCH];
  size_t lens[BATCH];
  uint32_t n = TOTAL - seq < BATCH ? TOTAL - seq : BATCH;
  for (uint32_t i = 0; i < n; i++) {
    lens[i] = encode(m[i], seq + i);
    ptrs[i] = m[i];
  }
  size_t pushed = 0;
  (void)rk_ring_push_many(ring, ptrs, lens, n, &pushed);
  return (uint32_t)pushed;
}

static uint32_t produce_reserved(uint32_t seq) {
  void *slot;
  if (rk_ring_reserve(ring, &slot) != RK_OK) return 0;
  size_t len = encode(slot, seq);
  return rk_ring_commit(ring, len) == RK_OK;
}

static void *producer(void *arg) {
  (void)arg;
  uint32_t seq = 0;
  unsigned char m[SLOT];
  for (uint32_t turn = 0; seq < TOTAL; turn++) {
    uint32_t moved;
    switch (turn % 3) {
    case 0: moved = rk_ring_try_push(ring, m, encode(m, seq)) == RK_OK; break;
    case 1: moved = produce_batch(seq); break;
    default: moved = produce_reserved(seq); break;
    }
    if (moved == 0) sched_yield();
    seq += moved;
  }
  return NULL;
}

typedef struct consumer_state {
  uint32_t next;
  uint64_t bad;
} consumer_state_t;

static uint32_t consume_peek(consumer_state_t *c) {
  const void *data;
  size_t len;
  if (rk_ring_peek(ring, &data, &len) != RK_OK) return 0;
  c->bad += !check(data, len, c->next);
  CHECK_OK(rk_ring_release(ring));
  return 1;
}

static uint32_t consume_batch(consumer_state_t *c) {
  unsigned char buf[BATCH][SLOT];
  size_t lens[BATCH], n = 0;
  (void)rk_ring_pop_many(ring, buf, SLOT, lens, BATCH, &n);
  for (size_t i = 0; i < n; i++)
    c->bad += !check(buf[i], lens[i], c->next + (uint32_t)i);
  return (uint32_t)n;
}

static uint32_t consume_one(consumer_state_t *c) {
  unsigned char buf[SLOT];
  size_t len;
  if (rk_ring_try_pop(ring, buf, SLOT, &len) != RK_OK) return 0;
  c->bad += !check(buf, len, c->next);
  return 1;
}

RK_TEST(one_producer_one_consumer_all_paths) {
  CHECK_OK(rk_ring_create(RK_RING_SPSC, CAPACITY, SLOT, &ring));
  pthread_t th;
  pthread_create(&th, NULL, producer, NULL);
  consumer_state_t c = {0, 0};
  for (uint32_t turn = 0; c.next < TOTAL; turn++) {
    uint32_t got;
    switch (turn % 3) {
    case 0: got = consume_one(&c); break;
    case 1: got = consume_batch(&c); break;
    default: got = consume_peek(&c); break;
    }
    if (got == 0) sched_yield();
    c.next += got;
  }
  pthread_join(th, NULL);
  CHECK_EQ_U64(c.bad, 0);
  CHECK_EQ_U64(c.next, TOTAL);
  rk_queue_stats_t st;
  CHECK_OK(rk_ring_stats(ring, &st));
  CHECK_EQ_U64(st.enqueued, TOTAL);
  CHECK_EQ_U64(st.dequeued, TOTAL);
  CHECK_EQ_U64(st.depth, 0);
  CHECK(st.max_depth <= CAPACITY);
  rk_ring_destroy(ring);
}

int main(void) {
  RK_RUN(one_producer_one_consumer_all_paths);
  return rk_test_summary();
}
