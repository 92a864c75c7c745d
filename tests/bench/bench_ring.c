/* bench_ring.c — rk_ring cost per message against a mutex + condition-variable queue
 * measured in the same run (the baseline), single-threaded and across two threads.
 *
 * Each figure is the best of REPEATS runs (least disturbed by other processes). 64-byte
 * messages. Prints ns/message or messages/s, and ratio = baseline / ring. */
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>

#include "ringkernel/ring.h"
#include "tests_common/rk_test.h"

enum { MSG = 64, CAP = 1024, BATCH = 32, REPEATS = 5 };
enum { SINGLE_N = 2000000, PAIR_N = 4000000 };

/* ---- baseline: bounded queue under one mutex with two condition variables --------- */

typedef struct locked_queue {
  pthread_mutex_t lock;
  pthread_cond_t not_empty, not_full;
  unsigned char slots[CAP][MSG];
  size_t lens[CAP];
  uint64_t head, tail;
} locked_queue_t;

static void lq_init(locked_queue_t *q) {
  pthread_mutex_init(&q->lock, NULL);
  pthread_cond_init(&q->not_empty, NULL);
  pthread_cond_init(&q->not_full, NULL);
  q->head = q->tail = 0;
}

static void lq_destroy(locked_queue_t *q) {
  pthread_mutex_destroy(&q->lock);
  pthread_cond_destroy(&q->not_empty);
  pthread_cond_destroy(&q->not_full);
}

static void lq_push(locked_queue_t *q, const void *m, size_t len) {
  pthread_mutex_lock(&q->lock);
  while (q->head - q->tail == CAP)
    pthread_cond_wait(&q->not_full, &q->lock);
  memcpy(q->slots[q->head % CAP], m, len);
  q->lens[q->head % CAP] = len;
  q->head++;
  pthread_cond_signal(&q->not_empty);
  pthread_mutex_unlock(&q->lock);
}

static size_t lq_pop(locked_queue_t *q, void *buf) {
  pthread_mutex_lock(&q->lock);
  while (q->head == q->tail)
    pthread_cond_wait(&q->not_empty, &q->lock);
  size_t len = q->lens[q->tail % CAP];
  memcpy(buf, q->slots[q->tail % CAP], len);
  q->tail++;
  pthread_cond_signal(&q->not_full);
  pthread_mutex_unlock(&q->lock);
  return len;
}

static locked_queue_t lq;
static volatile uint64_t sink;

/* ---- single thread: push then pop, per message --------------------------------------- */

static double single_locked(void) {
  unsigned char m[MSG] = {1}, out[MSG];
  lq_init(&lq);
  uint64_t t0 = rk_test_now_ns();
  for (int i = 0; i < SINGLE_N; i++) {
    lq_push(&lq, m, MSG);
    sink += lq_pop(&lq, out) + out[0];
  }
  uint64_t t1 = rk_test_now_ns();
  lq_destroy(&lq);
  return (double)(t1 - t0) / SINGLE_N;
}

static double single_ring(rk_ring_kind_t kind) {
  rk_ring_t *r;
  if (rk_ring_create(kind, CAP, MSG, &r) != RK_OK) return -1;
  unsigned char m[MSG] = {1}, out[MSG];
  size_t len;
  uint64_t t0 = rk_test_now_ns();
  for (int i = 0; i < SINGLE_N; i++) {
    (void)rk_ring_try_push(r, m, MSG);
    (void)rk_ring_try_pop(r, out, MSG, &len);
    sink += len + out[0];
  }
  uint64_t t1 = rk_test_now_ns();
  rk_ring_destroy(r);
  return (double)(t1 - t0) / SINGLE_N;
}

static double single_ring_batched(rk_ring_kind_t kind) {
  rk_ring_t *r;
  if (rk_ring_create(kind, CAP, MSG, &r) != RK_OK) return -1;
  static unsigned char m[BATCH][MSG], out[BATCH][MSG];
  const void *ptrs[BATCH];
  size_t lens[BATCH], olens[BATCH], n;
  for (int i = 0; i < BATCH; i++) {
    ptrs[i] = m[i];
    lens[i] = MSG;
  }
  uint64_t t0 = rk_test_now_ns();
  for (int i = 0; i < SINGLE_N; i += BATCH) {
    (void)rk_ring_push_many(r, ptrs, lens, BATCH, &n);
    (void)rk_ring_pop_many(r, out, MSG, olens, BATCH, &n);
    sink += n + out[0][0];
  }
  uint64_t t1 = rk_test_now_ns();
  rk_ring_destroy(r);
  return (double)(t1 - t0) / SINGLE_N;
}

/* ---- two threads: one producer, one consumer ------------------------------------------ */

static rk_ring_t *pair_ring;
static int pair_batch;

static void *locked_producer(void *arg) {
  (void)arg;
  unsigned char m[MSG] = {2};
  for (int i = 0; i < PAIR_N; i++)
    lq_push(&lq, m, MSG);
  return NULL;
}

static void ring_push_all(void) {
  static unsigned char m[BATCH][MSG];
  const void *ptrs[BATCH];
  size_t lens[BATCH];
  for (int i = 0; i < BATCH; i++) {
    ptrs[i] = m[i];
    lens[i] = MSG;
  }
  for (int sent = 0; sent < PAIR_N;) {
    size_t n = 0;
    if (pair_batch)
      (void)rk_ring_push_many(pair_ring, ptrs, lens, BATCH, &n);
    else
      n = rk_ring_try_push(pair_ring, m[0], MSG) == RK_OK;
    if (n == 0) sched_yield();
    sent += (int)n;
  }
}

static void *ring_producer(void *arg) {
  (void)arg;
  ring_push_all();
  return NULL;
}

static void ring_pop_all(void) {
  static unsigned char out[BATCH][MSG];
  size_t lens[BATCH];
  for (int got = 0; got < PAIR_N;) {
    size_t n = 0;
    if (pair_batch)
      (void)rk_ring_pop_many(pair_ring, out, MSG, lens, BATCH, &n);
    else
      n = rk_ring_try_pop(pair_ring, out[0], MSG, &lens[0]) == RK_OK;
    if (n == 0) sched_yield();
    got += (int)n;
  }
}

static double pair_locked(void) {
  unsigned char out[MSG];
  lq_init(&lq);
  pthread_t th;
  uint64_t t0 = rk_test_now_ns();
  pthread_create(&th, NULL, locked_producer, NULL);
  for (int i = 0; i < PAIR_N; i++)
    sink += lq_pop(&lq, out);
  pthread_join(th, NULL);
  uint64_t t1 = rk_test_now_ns();
  lq_destroy(&lq);
  return PAIR_N / ((double)(t1 - t0) / 1e9);
}

static double pair_ring_run(rk_ring_kind_t kind, int batch) {
  if (rk_ring_create(kind, CAP, MSG, &pair_ring) != RK_OK) return -1;
  pair_batch = batch;
  pthread_t th;
  uint64_t t0 = rk_test_now_ns();
  pthread_create(&th, NULL, ring_producer, NULL);
  ring_pop_all();
  pthread_join(th, NULL);
  uint64_t t1 = rk_test_now_ns();
  rk_ring_destroy(pair_ring);
  return PAIR_N / ((double)(t1 - t0) / 1e9);
}

/* ---- reporting ------------------------------------------------------------------------ */

static double best_min(double (*fn)(rk_ring_kind_t), rk_ring_kind_t kind) {
  double best = 1e30;
  for (int i = 0; i < REPEATS; i++) {
    double v = fn(kind);
    if (v < best) best = v;
  }
  return best;
}

static double best_locked_single(void) {
  double best = 1e30;
  for (int i = 0; i < REPEATS; i++) {
    double v = single_locked();
    if (v < best) best = v;
  }
  return best;
}

static double best_pair(rk_ring_kind_t kind, int batch, int locked) {
  double best = 0;
  for (int i = 0; i < REPEATS; i++) {
    double v = locked ? pair_locked() : pair_ring_run(kind, batch);
    if (v > best) best = v;
  }
  return best;
}

static const char *kind_name(rk_ring_kind_t k) {
  return k == RK_RING_SPSC ? "SPSC" : k == RK_RING_MPSC ? "MPSC" : "MPMC";
}

int main(void) {
  const rk_ring_kind_t kinds[] = {RK_RING_SPSC, RK_RING_MPSC, RK_RING_MPMC};
  printf("bench_ring: %d-byte messages, capacity %d, best of %d runs\n", MSG, CAP, REPEATS);
  double base = best_locked_single();
  printf("single thread, push+pop per message (ns/msg; ratio = mutex+condvar / ring)\n");
  printf("  %-28s %8.1f ns\n", "baseline mutex+condvar", base);
  for (int k = 0; k < 3; k++) {
    double one = best_min(single_ring, kinds[k]);
    double many = best_min(single_ring_batched, kinds[k]);
    char label[40];
    snprintf(label, sizeof label, "%s batched x%d", kind_name(kinds[k]), BATCH);
    printf("  %-28s %8.1f ns   ratio %5.1fx\n", kind_name(kinds[k]), one, base / one);
    printf("  %-28s %8.1f ns   ratio %5.1fx\n", label, many, base / many);
  }
  double pbase = best_pair(RK_RING_SPSC, 0, 1);
  printf("two threads, producer -> consumer (M msg/s; ratio = ring / mutex+condvar)\n");
  printf("  %-28s %8.2f M/s\n", "baseline mutex+condvar", pbase / 1e6);
  for (int k = 0; k < 3; k++)
    for (int b = 0; b < 2; b++) {
      double v = best_pair(kinds[k], b, 0);
      printf("  %-4s %-23s %8.2f M/s   ratio %5.1fx\n", kind_name(kinds[k]),
             b ? "batched x32" : "per message", v / 1e6, v / pbase);
    }
  return 0;
}
