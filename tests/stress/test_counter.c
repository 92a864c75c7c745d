/* Striped counters (runtime/src/counter.c): threads own a stripe and add with a plain load
 * and store, more threads than stripes share one with locked adds, and an exiting thread's
 * stripe passes to a new one. Waves of more threads than stripes, each wave started after
 * the last one exited, must leave the exact total: no add lost at a hand-over or on the
 * shared stripe. */
#include <pthread.h>

#include "counter_internal.h"
#include "tests_common/rk_test.h"

enum { WAVES = 6, THREADS = RKI_COUNTER_STRIPES + 8, ADDS = 20000 };

static rki_counter_t counter;

static void *adder(void *arg) {
  uint64_t n = (uint64_t)(uintptr_t)arg;
  for (int i = 0; i < ADDS; i++)
    rki_counter_add(&counter, n);
  return NULL;
}

RK_TEST(waves_of_threads_lose_no_add) {
  uint64_t expect = 0;
  for (int w = 0; w < WAVES; w++) {
    pthread_t th[THREADS];
    for (int t = 0; t < THREADS; t++) {
      uint64_t n = (uint64_t)(t % 3 + 1);
      expect += n * ADDS;
      CHECK(pthread_create(&th[t], NULL, adder, (void *)(uintptr_t)n) == 0);
    }
    for (int t = 0; t < THREADS; t++)
      pthread_join(th[t], NULL);
    CHECK_EQ_U64(rki_counter_read(&counter), expect);
  }
}

int main(void) {
  RK_RUN(waves_of_threads_lose_no_add);
  return rk_test_summary();
}
