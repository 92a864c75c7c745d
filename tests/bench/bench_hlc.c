/* bench_hlc.c — cost of an HLC tick against its floor, a plain
 * clock_gettime(CLOCK_REALTIME), measured in the same run; plus ticks under contention.
 *
 * Each figure is the per-operation time of a batch of BATCH calls; we report the median
 * and the minimum over BATCHES batches after a warm-up, and the ratio of the medians.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "tests_common/rk_test.h"
#include "ringkernel/hlc.h"

#define BATCH 200000
#define BATCHES 21

typedef enum { OP_CLOCK_GETTIME, OP_WALL_MICROS, OP_TICK, OP_NOW } op_t;

static rk_hlc_clock_t *g_clock;
static volatile uint64_t g_sink;

static double run_batch(op_t op) {
  uint64_t acc = 0, t0 = rk_test_now_ns();
  for (int i = 0; i < BATCH; i++) {
    switch (op) {
    case OP_CLOCK_GETTIME: {
      struct timespec ts;
      clock_gettime(CLOCK_REALTIME, &ts);
      acc += (uint64_t)ts.tv_nsec;
      break;
    }
    case OP_WALL_MICROS: acc += rk_hlc_wall_micros(); break;
    case OP_TICK: acc += rk_hlc_clock_tick(g_clock).logical; break;
    case OP_NOW: acc += rk_hlc_clock_now(g_clock).logical; break;
    }
  }
  uint64_t t1 = rk_test_now_ns();
  g_sink = acc;
  return (double)(t1 - t0) / BATCH;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Median ns/op over BATCHES batches; *min_out gets the fastest batch. */
static double measure(op_t op, double *min_out) {
  double v[BATCHES];
  run_batch(op); /* warm-up */
  for (int i = 0; i < BATCHES; i++) v[i] = run_batch(op);
  qsort(v, BATCHES, sizeof v[0], cmp_double);
  *min_out = v[0];
  return v[BATCHES / 2];
}

static void *contended_worker(void *arg) {
  uint64_t n = *(uint64_t *)arg, acc = 0;
  for (uint64_t i = 0; i < n; i++) acc += rk_hlc_clock_tick(g_clock).logical;
  g_sink = acc;
  return NULL;
}

/* Ticks per second with `threads` threads ticking one clock at once. */
static double contended_rate(int threads) {
  enum { PER_THREAD = 500000 };
  uint64_t n = PER_THREAD;
  pthread_t th[64];
  uint64_t t0 = rk_test_now_ns();
  for (int i = 0; i < threads; i++) pthread_create(&th[i], NULL, contended_worker, &n);
  for (int i = 0; i < threads; i++) pthread_join(th[i], NULL);
  uint64_t t1 = rk_test_now_ns();
  return (double)threads * PER_THREAD / ((double)(t1 - t0) / 1e9);
}

int main(void) {
  if (rk_hlc_clock_create(1, RK_HLC_DEFAULT_MAX_DRIFT_MS, &g_clock) != RK_OK) return 1;
  double mins[4], med[4];
  const char *names[4] = {"clock_gettime(CLOCK_REALTIME) [baseline]", "rk_hlc_wall_micros",
                          "rk_hlc_clock_tick", "rk_hlc_clock_now"};
  for (int op = 0; op < 4; op++) med[op] = measure((op_t)op, &mins[op]);
  printf("HLC timing, %d batches x %d calls, ns/op (median, min)\n", BATCHES, BATCH);
  for (int op = 0; op < 4; op++)
    printf("  %-42s %8.2f  %8.2f   ratio to baseline %.2fx\n", names[op], med[op], mins[op],
           med[op] / med[OP_CLOCK_GETTIME]);
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  int max_threads = cpus > 64 ? 64 : cpus < 1 ? 1 : (int)cpus;
  double single = contended_rate(1);
  printf("contended rk_hlc_clock_tick on one clock (baseline: 1 thread %.2f M ticks/s)\n",
         single / 1e6);
  for (int t = 2; t <= max_threads; t *= 2) {
    double r = contended_rate(t);
    printf("  %2d threads: %8.2f M ticks/s   ratio to 1 thread %.2fx\n", t, r / 1e6, r / single);
  }
  rk_hlc_clock_destroy(g_clock);
  return 0;
}
