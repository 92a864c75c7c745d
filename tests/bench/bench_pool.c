/* bench_pool.c — rk_pool allocate + free against malloc + free measured in the same run.
 *
 * Patterns: one block allocated and freed at a time (the small class, 64 B, and a
 * 320-byte message: 256-byte header + 64-byte payload); a burst of 64 blocks allocated
 * then freed; and two threads doing single pairs at once. Best of REPEATS runs; prints
 * ns per alloc+free and ratio = malloc / pool. */
#include <pthread.h>
#include <stdlib.h>

#include "ringkernel/pool.h"
#include "tests_common/rk_test.h"

enum { N = 10000000, BURST = 64, REPEATS = 5, THREADS = 2 };

static rk_pool_t *pool;
/* Results are summed locally and stored here once per run: a store per iteration would
 * make two threads fight over this cache line (and the one holding `pool`). */
static volatile uintptr_t sink;

static double pool_pairs(size_t size) {
  rk_pool_t *pl = pool;
  uintptr_t acc = 0;
  uint64_t t0 = rk_test_now_ns();
  for (int i = 0; i < N; i++) {
    unsigned char *p = rk_pool_alloc(pl, size);
    p[0] = (unsigned char)i;
    acc += (uintptr_t)p;
    rk_pool_free(pl, p, size);
  }
  uint64_t t1 = rk_test_now_ns();
  sink += acc;
  return (double)(t1 - t0) / N;
}

static double malloc_pairs(size_t size) {
  uintptr_t acc = 0;
  uint64_t t0 = rk_test_now_ns();
  for (int i = 0; i < N; i++) {
    unsigned char *p = malloc(size);
    p[0] = (unsigned char)i;
    acc += (uintptr_t)p; /* the address escapes: the pair cannot be elided */
    free(p);
  }
  uint64_t t1 = rk_test_now_ns();
  sink += acc;
  return (double)(t1 - t0) / N;
}

/* Big bursts are slow with malloc (heap trimming): fewer rounds keep the run short. */
static int burst_count(size_t size) {
  return size >= 4096 ? N / 50 : N;
}

static double pool_bursts(size_t size) {
  rk_pool_t *pl = pool;
  void *b[BURST];
  uintptr_t acc = 0;
  int n = burst_count(size);
  uint64_t t0 = rk_test_now_ns();
  for (int i = 0; i < n; i += BURST) {
    for (int j = 0; j < BURST; j++) {
      b[j] = rk_pool_alloc(pl, size);
      acc += (uintptr_t)b[j];
    }
    for (int j = 0; j < BURST; j++)
      rk_pool_free(pl, b[j], size);
  }
  uint64_t t1 = rk_test_now_ns();
  sink += acc;
  return (double)(t1 - t0) / n;
}

static double malloc_bursts(size_t size) {
  void *b[BURST];
  uintptr_t acc = 0;
  int n = burst_count(size);
  uint64_t t0 = rk_test_now_ns();
  for (int i = 0; i < n; i += BURST) {
    for (int j = 0; j < BURST; j++) {
      b[j] = malloc(size);
      acc += (uintptr_t)b[j];
    }
    for (int j = 0; j < BURST; j++)
      free(b[j]);
  }
  uint64_t t1 = rk_test_now_ns();
  sink += acc;
  return (double)(t1 - t0) / n;
}

static int threaded_use_pool;

static void *thread_pairs(void *arg) {
  double *out = arg;
  *out = threaded_use_pool ? pool_pairs(64) : malloc_pairs(64);
  return NULL;
}

/* Wall time per pair with THREADS threads at once, divided by total pairs. */
static double threaded(size_t size) {
  (void)size;
  pthread_t th[THREADS];
  double each[THREADS];
  uint64_t t0 = rk_test_now_ns();
  for (int t = 0; t < THREADS; t++)
    pthread_create(&th[t], NULL, thread_pairs, &each[t]);
  for (int t = 0; t < THREADS; t++)
    pthread_join(th[t], NULL);
  return (double)(rk_test_now_ns() - t0) / ((double)N * THREADS);
}

static double pool_threaded(size_t size) {
  threaded_use_pool = 1;
  return threaded(size);
}

static double malloc_threaded(size_t size) {
  threaded_use_pool = 0;
  return threaded(size);
}

static double best(double (*fn)(size_t), size_t size) {
  double b = 1e30;
  for (int i = 0; i < REPEATS; i++) {
    double v = fn(size);
    if (v < b) b = v;
  }
  return b;
}

static void row(const char *what, double (*pool_fn)(size_t), double (*malloc_fn)(size_t),
                size_t size) {
  double m = best(malloc_fn, size), p = best(pool_fn, size);
  printf("  %-34s malloc+free %6.2f ns   pool %6.2f ns   ratio %5.2fx\n", what, m, p, m / p);
}

int main(void) {
  pool = rk_pool_default();
  if (!pool) {
    fprintf(stderr, "bench_pool: %s\n", rk_last_error());
    return 1;
  }
  printf("bench_pool: slabs from %s; ns per alloc+free, best of %d runs; "
         "ratio = malloc / pool\n",
         rk_pool_uses_jemalloc(pool) ? "a jemalloc arena" : "the system allocator", REPEATS);
  row("single pair, 64 B (small class)", pool_pairs, malloc_pairs, 64);
  row("single pair, 320 B (hdr + 64 B)", pool_pairs, malloc_pairs, 320);
  row("burst of 64, 64 B", pool_bursts, malloc_bursts, 64);
  row("burst of 64, 4 KiB", pool_bursts, malloc_bursts, 4096);
  row("2 threads, 64 B (wall / all pairs)", pool_threaded, malloc_threaded, 64);
  return 0;
}
