/* test_ring_mpmc.c — 2 producers x 2 consumers on an MPMC ring, 1 M messages in all.
 * Each message (producer, seq, derived body) must be received exactly once across both
 * consumers, intact, and each consumer must see every producer's messages in increasing
 * order. Single and batch paths on both sides. Run under ThreadSanitizer in CI. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "ringkernel/ring.h"
#include "tests_common/rk_test.h"

enum {
  PRODUCERS = 2,
  CONSUMERS = 2,
  TOTAL = 1000000,
  PER = TOTAL / PRODUCERS,
  SLOT = 24,
  BATCH = 6
};

static rk_ring_t *ring;
static atomic_uchar seen[PRODUCERS][PER];
static atomic_uint_fast64_t received_total;

static size_t encode(unsigned char *m, uint32_t producer, uint32_t seq) {
  size_t len = 8 + (seq + producer * 5) % 17;
  memcpy(m, &producer, 4);
  memcpy(m + 4, &seq, 4);
  for (size_t i = 8; i < len; i++)
    m[i] = (unsigned char)(seq ^ (producer << 4) ^ i);
  return len;
}

static int decode(const unsigned char *m, size_t len, uint32_t *producer, uint32_t *seq) {
  if (len < 8) return 0;
  memcpy(producer, m, 4);
  memcpy(seq, m + 4, 4);
  if (*producer >= PRODUCERS || *seq >= PER || len != 8 + (*seq + *producer * 5) % 17) return 0;
  for (size_t i = 8; i < len; i++)
    if (m[i] != (unsigned char)(*seq ^ (*producer << 4) ^ i)) return 0;
  return 1;
}

static void *producer(void *arg) {
  uint32_t p = (uint32_t)(uintptr_t)arg;
  unsigned char m[BATCH][SLOT];
  const void *ptrs[BATCH];
  size_t lens[BATCH];
  uint32_t seq = 0;
  while (seq < PER) {
    uint32_t n = PER - seq < BATCH ? PER - seq : BATCH;
    if ((seq / BATCH) % 3 == p) n = 1; /* every third round a single push */
    for (uint32_t i = 0; i < n; i++) {
      lens[i] = encode(m[i], p, seq + i);
      ptrs[i] = m[i];
    }
    size_t pushed = 0;
    rk_status_t st = n == 1 ? rk_ring_try_push(ring, m[0], lens[0])
                            : rk_ring_push_many(ring, ptrs, lens, n, &pushed);
    if (n == 1 && st == RK_OK) pushed = 1;
    if (pushed == 0) sched_yield();
    seq += (uint32_t)pushed;
  }
  return NULL;
}

typedef struct consumer_result {
  int64_t last[PRODUCERS];
  uint64_t received, bad, duplicates, out_of_order;
} consumer_result_t;

static void take(consumer_result_t *r, const unsigned char *m, size_t len) {
  uint32_t p, seq;
  if (!decode(m, len, &p, &seq)) {
    r->bad++;
    return;
  }
  /* Relaxed: the flag only counts deliveries; thread joins order the final check. */
  if (atomic_exchange_explicit(&seen[p][seq], 1, memory_order_relaxed)) r->duplicates++;
  if ((int64_t)seq <= r->last[p]) r->out_of_order++;
  r->last[p] = seq;
  r->received++;
}

static void *consumer(void *arg) {
  consumer_result_t *r = arg;
  unsigned char buf[BATCH][SLOT];
  size_t lens[BATCH];
  uint64_t turn = 0;
  while (atomic_load_explicit(&received_total, memory_order_relaxed) < TOTAL) {
    size_t n = 0;
    if (turn++ % 2) {
      if (rk_ring_try_pop(ring, buf[0], SLOT, &lens[0]) == RK_OK) n = 1;
    } else {
      (void)rk_ring_pop_many(ring, buf, SLOT, lens, BATCH, &n);
    }
    if (n == 0) {
      sched_yield();
      continue;
    }
    for (size_t i = 0; i < n; i++)
      take(r, buf[i], lens[i]);
    atomic_fetch_add_explicit(&received_total, n, memory_order_relaxed);
  }
  return NULL;
}

RK_TEST(two_producers_two_consumers) {
  CHECK_OK(rk_ring_create(RK_RING_MPMC, 128, SLOT, &ring));
  pthread_t pt[PRODUCERS], ct[CONSUMERS];
  static consumer_result_t results[CONSUMERS];
  for (int c = 0; c < CONSUMERS; c++) {
    memset(&results[c], 0, sizeof results[c]);
    for (int p = 0; p < PRODUCERS; p++)
      results[c].last[p] = -1;
    pthread_create(&ct[c], NULL, consumer, &results[c]);
  }
  for (uint32_t p = 0; p < PRODUCERS; p++)
    pthread_create(&pt[p], NULL, producer, (void *)(uintptr_t)p);
  for (int p = 0; p < PRODUCERS; p++)
    pthread_join(pt[p], NULL);
  for (int c = 0; c < CONSUMERS; c++)
    pthread_join(ct[c], NULL);
  uint64_t total = 0;
  for (int c = 0; c < CONSUMERS; c++) {
    CHECK_EQ_U64(results[c].bad, 0);
    CHECK_EQ_U64(results[c].duplicates, 0);
    CHECK_EQ_U64(results[c].out_of_order, 0);
    total += results[c].received;
  }
  CHECK_EQ_U64(total, TOTAL);
  uint64_t missing = 0;
  for (int p = 0; p < PRODUCERS; p++)
    for (int s = 0; s < PER; s++)
      missing += !atomic_load(&seen[p][s]);
  CHECK_EQ_U64(missing, 0);
  rk_queue_stats_t st;
  CHECK_OK(rk_ring_stats(ring, &st));
  CHECK_EQ_U64(st.enqueued, TOTAL);
  CHECK_EQ_U64(st.dequeued, TOTAL);
  CHECK_EQ_U64(st.depth, 0);
  rk_ring_destroy(ring);
}

int main(void) {
  RK_RUN(two_producers_two_consumers);
  return rk_test_summary();
}
