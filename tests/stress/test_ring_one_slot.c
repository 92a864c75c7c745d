/* test_ring_one_slot.c — rings of capacity 1 under contention. Three producers push
 * (producer, seq) into one slot; consumers check that every message arrives exactly once,
 * in per-producer order, and that the depth never exceeds the one slot. MPSC and MPMC
 * with one consumer, MPMC with two, SPSC with one producer. Producers alternate single
 * pushes and batches of two, so a batch meets a full ring on every try. Run under
 * ThreadSanitizer in CI. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "ringkernel/ring.h"
#include "tests_common/rk_test.h"

enum { MAX_PRODUCERS = 3, PER = 50000, MAX_CONSUMERS = 2 };

typedef struct msg {
  uint32_t producer, seq;
} msg_t;

static rk_ring_t *ring;
static uint32_t producers, consumers;
static _Atomic uint64_t taken; /* messages popped by all consumers together */

static void push_one(msg_t m) {
  while (rk_ring_try_push(ring, &m, sizeof m) == RK_EAGAIN)
    sched_yield();
}

static void push_two(msg_t a, msg_t b) {
  const void *ptrs[2] = {&a, &b};
  size_t lens[2] = {sizeof a, sizeof b};
  size_t done = 0;
  while (done < 2) {
    size_t pushed = 0;
    if (rk_ring_push_many(ring, ptrs + done, lens + done, 2 - done, &pushed) == RK_EAGAIN)
      sched_yield();
    done += pushed;
  }
}

static void *producer(void *arg) {
  uint32_t p = (uint32_t)(uintptr_t)arg;
  for (uint32_t seq = 0; seq < PER;) {
    if ((seq + p) % 3 == 0 && seq + 1 < PER) {
      push_two((msg_t){p, seq}, (msg_t){p, seq + 1});
      seq += 2;
    } else {
      push_one((msg_t){p, seq++});
    }
  }
  return NULL;
}

typedef struct consumer {
  uint32_t count[MAX_PRODUCERS]; /* messages seen per producer */
  uint32_t next[MAX_PRODUCERS];  /* lowest seq this consumer may still see */
  uint64_t bad, out_of_order, over_capacity;
} consumer_t;

static void take(consumer_t *c, const msg_t *m, size_t len) {
  if (len != sizeof *m || m->producer >= producers || m->seq >= PER) {
    c->bad++;
    return;
  }
  /* Several consumers each see a subsequence of a producer's messages, still ascending. */
  if (m->seq < c->next[m->producer]) c->out_of_order++;
  c->next[m->producer] = m->seq + 1;
  c->count[m->producer]++;
}

static void *consumer(void *arg) {
  consumer_t *c = arg;
  uint64_t total = (uint64_t)producers * PER;
  for (uint64_t turn = 0; atomic_load_explicit(&taken, memory_order_relaxed) < total; turn++) {
    msg_t buf[2];
    size_t lens[2], n = 0;
    /* A lone consumer's tail cannot move while it reads the depth, so the reading is
     * exact; with two, the other one's pop can skew it. */
    if (consumers == 1 && rk_ring_depth(ring) > 1) c->over_capacity++;
    if (turn % 2)
      n = rk_ring_try_pop(ring, &buf[0], sizeof buf[0], &lens[0]) == RK_OK;
    else
      (void)rk_ring_pop_many(ring, buf, sizeof buf[0], lens, 2, &n);
    if (n == 0) sched_yield();
    for (size_t i = 0; i < n; i++)
      take(c, &buf[i], lens[i]);
    /* Relaxed: a counter to stop on; the messages themselves came through the ring. */
    atomic_fetch_add_explicit(&taken, n, memory_order_relaxed);
  }
  return NULL;
}

static void run(rk_ring_kind_t kind, uint32_t nprod, uint32_t ncons) {
  CHECK_OK(rk_ring_create(kind, 1, sizeof(msg_t), &ring));
  producers = nprod;
  consumers = ncons;
  atomic_store_explicit(&taken, 0, memory_order_relaxed); /* threads start after it */
  pthread_t pt[MAX_PRODUCERS], ct[MAX_CONSUMERS];
  consumer_t c[MAX_CONSUMERS];
  memset(c, 0, sizeof c);
  for (uint32_t p = 0; p < nprod; p++)
    pthread_create(&pt[p], NULL, producer, (void *)(uintptr_t)p);
  for (uint32_t i = 0; i < ncons; i++)
    pthread_create(&ct[i], NULL, consumer, &c[i]);
  for (uint32_t p = 0; p < nprod; p++)
    pthread_join(pt[p], NULL);
  for (uint32_t i = 0; i < ncons; i++)
    pthread_join(ct[i], NULL);
  for (uint32_t p = 0; p < nprod; p++) {
    uint64_t got = 0;
    for (uint32_t i = 0; i < ncons; i++)
      got += c[i].count[p];
    CHECK_EQ_U64(got, PER);
  }
  for (uint32_t i = 0; i < ncons; i++) {
    CHECK_EQ_U64(c[i].bad, 0);
    CHECK_EQ_U64(c[i].out_of_order, 0);
    CHECK_EQ_U64(c[i].over_capacity, 0);
  }
  rk_queue_stats_t st;
  CHECK_OK(rk_ring_stats(ring, &st));
  CHECK_EQ_U64(st.enqueued, (uint64_t)nprod * PER);
  CHECK_EQ_U64(st.dequeued, (uint64_t)nprod * PER);
  CHECK_EQ_U64(st.depth, 0);
  CHECK_EQ_U64(st.max_depth, 1);
  CHECK_EQ_U64(st.dropped, 0);
  CHECK_EQ_U64(rk_ring_capacity(ring), 1);
  rk_ring_destroy(ring);
}

RK_TEST(mpsc_three_producers) {
  run(RK_RING_MPSC, 3, 1);
}
RK_TEST(mpmc_three_producers_one_consumer) {
  run(RK_RING_MPMC, 3, 1);
}
RK_TEST(mpmc_three_producers_two_consumers) {
  run(RK_RING_MPMC, 3, 2);
}
RK_TEST(spsc_one_producer) {
  run(RK_RING_SPSC, 1, 1);
}

int main(void) {
  RK_RUN(mpsc_three_producers);
  RK_RUN(mpmc_three_producers_one_consumer);
  RK_RUN(mpmc_three_producers_two_consumers);
  RK_RUN(spsc_one_producer);
  return rk_test_summary();
}
