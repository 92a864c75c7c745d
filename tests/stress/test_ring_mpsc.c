/* test_ring_mpsc.c — 4 producers x 1 consumer on an MPSC ring, 1 M messages in all.
 * Every message carries (producer, seq) and a body derived from them: the consumer checks
 * that each arrives exactly once, in per-producer order, and never half-written.
 * Producers alternate single pushes and batches; the consumer alternates pop and
 * pop_many, so both paths race. Run under ThreadSanitizer in CI. */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#include "ringkernel/ring.h"
#include "tests_common/rk_test.h"

enum { PRODUCERS = 4, TOTAL = 1000000, PER = TOTAL / PRODUCERS, SLOT = 40, BATCH = 8 };

static rk_ring_t *ring;

/* 8-byte (producer, seq) then 0..31 body bytes derived from both. */
static size_t encode(unsigned char *m, uint32_t producer, uint32_t seq) {
  size_t len = 8 + (seq * 7 + producer) % 32;
  memcpy(m, &producer, 4);
  memcpy(m + 4, &seq, 4);
  for (size_t i = 8; i < len; i++)
    m[i] = (unsigned char)(producer * 31 + seq + i);
  return len;
}

static int decode(const unsigned char *m, size_t len, uint32_t *producer, uint32_t *seq) {
  if (len < 8) return 0;
  memcpy(producer, m, 4);
  memcpy(seq, m + 4, 4);
  if (*producer >= PRODUCERS || len != 8 + (*seq * 7 + *producer) % 32) return 0;
  for (size_t i = 8; i < len; i++)
    if (m[i] != (unsigned char)(*producer * 31 + *seq + i)) return 0;
  return 1;
}

static void push_one(uint32_t p, uint32_t seq) {
  unsigned char m[SLOT];
  size_t len = encode(m, p, seq);
  while (rk_ring_try_push(ring, m, len) == RK_EAGAIN)
    sched_yield();
}

static void push_batch(uint32_t p, uint32_t seq, uint32_t n) {
  unsigned char m[BATCH][SLOT];
  const void *ptrs[BATCH];
  size_t lens[BATCH];
  for (uint32_t i = 0; i < n; i++) {
    lens[i] = encode(m[i], p, seq + i);
    ptrs[i] = m[i];
  }
  uint32_t done = 0;
  while (done < n) {
    size_t pushed = 0;
    if (rk_ring_push_many(ring, ptrs + done, lens + done, n - done, &pushed) == RK_EAGAIN)
      sched_yield();
    done += (uint32_t)pushed;
  }
}

static void *producer(void *arg) {
  uint32_t p = (uint32_t)(uintptr_t)arg;
  uint32_t seq = 0;
  while (seq < PER) {
    uint32_t n = PER - seq < BATCH ? PER - seq : BATCH;
    if ((seq / BATCH + p) % 2) {
      push_batch(p, seq, n);
      seq += n;
    } else {
      push_one(p, seq++);
    }
  }
  return NULL;
}

typedef struct consumer_result {
  uint32_t next[PRODUCERS];
  uint64_t received, bad, out_of_order;
} consumer_result_t;

static void take(consumer_result_t *r, const unsigned char *m, size_t len) {
  uint32_t p, seq;
  if (!decode(m, len, &p, &seq)) {
    r->bad++;
    return;
  }
  if (seq != r->next[p]) r->out_of_order++;
  r->next[p] = seq + 1;
  r->received++;
}

static void consume(consumer_result_t *r) {
  unsigned char buf[BATCH][SLOT];
  size_t lens[BATCH];
  uint64_t turn = 0;
  while (r->received + r->bad < TOTAL) {
    size_t n = 0;
    if (turn++ % 2) {
      if (rk_ring_try_pop(ring, buf[0], SLOT, &lens[0]) == RK_OK) n = 1;
    } else {
      (void)rk_ring_pop_many(ring, buf, SLOT, lens, BATCH, &n);
    }
    if (n == 0) sched_yield();
    for (size_t i = 0; i < n; i++)
      take(r, buf[i], lens[i]);
  }
}

RK_TEST(four_producers_one_consumer) {
  CHECK_OK(rk_ring_create(RK_RING_MPSC, 256, SLOT, &ring));
  pthread_t th[PRODUCERS];
  for (uint32_t p = 0; p < PRODUCERS; p++)
    pthread_create(&th[p], NULL, producer, (void *)(uintptr_t)p);
  consumer_result_t r;
  memset(&r, 0, sizeof r);
  consume(&r);
  for (uint32_t p = 0; p < PRODUCERS; p++)
    pthread_join(th[p], NULL);
  CHECK_EQ_U64(r.bad, 0);
  CHECK_EQ_U64(r.out_of_order, 0);
  CHECK_EQ_U64(r.received, TOTAL);
  for (uint32_t p = 0; p < PRODUCERS; p++)
    CHECK_EQ_U64(r.next[p], PER);
  size_t len;
  unsigned char extra[SLOT];
  CHECK_STATUS(rk_ring_try_pop(ring, extra, SLOT, &len), RK_EAGAIN);
  rk_queue_stats_t st;
  CHECK_OK(rk_ring_stats(ring, &st));
  CHECK_EQ_U64(st.enqueued, TOTAL);
  CHECK_EQ_U64(st.dequeued, TOTAL);
  CHECK_EQ_U64(st.depth, 0);
  CHECK_EQ_U64(st.dropped, 0);
  CHECK(st.max_depth >= 1 && st.max_depth <= 256);
  rk_ring_destroy(ring);
}

int main(void) {
  RK_RUN(four_producers_one_consumer);
  return rk_test_summary();
}
