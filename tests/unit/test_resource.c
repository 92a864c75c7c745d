/* test_resource.c — estimates, guard arithmetic, margins, reservations and their guard
 * lifetime, exact totals under concurrency. */
#define _GNU_SOURCE /* sysconf(_SC_PHYS_PAGES) */
#include <math.h>
#include <pthread.h>
#include <unistd.h>

#include "tests_common/rk_test.h"
#include "ringkernel/resource.h"

RK_TEST(estimate_rules) {
  rk_memory_estimate_t e;
  CHECK_OK(rk_memory_estimate_init(&e, 1000000, 500000, 2000000, 0.9));
  CHECK_EQ_U64(rk_memory_estimate_total(&e), 1500000);
  CHECK_EQ_U64(e.peak_bytes, 2000000);
  CHECK_NEAR(e.confidence, 0.9, 0);
  CHECK_OK(rk_memory_estimate_init(&e, 10, 5, 0, 7.0));
  CHECK_EQ_U64(e.peak_bytes, 15);
  CHECK_NEAR(e.confidence, 1.0, 0);
  CHECK_OK(rk_memory_estimate_init(&e, UINT64_MAX, 5, 0, -1.0));
  CHECK_EQ_U64(e.peak_bytes, UINT64_MAX);
  CHECK_EQ_U64(rk_memory_estimate_total(&e), UINT64_MAX);
  CHECK_NEAR(e.confidence, 0.0, 0);
  CHECK_STATUS(rk_memory_estimate_init(&e, 1, 1, 1, NAN), RK_EINVAL);
  CHECK_OK(rk_memory_estimate_for_elements(1000, 8, &e));
  CHECK_EQ_U64(e.primary_bytes, 8000);
  CHECK_EQ_U64(e.auxiliary_bytes, 0);
  CHECK_EQ_U64(e.peak_bytes, 8000);
  CHECK_STATUS(rk_memory_estimate_for_elements(UINT64_MAX, 2, &e), RK_ETOOBIG);
}

RK_TEST(guard_arithmetic) {
  rk_resource_guard_t *g = NULL;
  CHECK_OK(rk_resource_guard_create(1000, 0.1, &g));
  CHECK_EQ_U64(rk_resource_guard_max_memory(g), 1000);
  CHECK_EQ_U64(rk_resource_guard_available(g), 900);
  CHECK(rk_resource_guard_can_allocate(g, 900));
  CHECK(!rk_resource_guard_can_allocate(g, 901));
  rk_resource_guard_record_allocation(g, 300);
  CHECK_EQ_U64(rk_resource_guard_current_memory(g), 300);
  CHECK_EQ_U64(rk_resource_guard_available(g), 600);
  CHECK_NEAR(rk_resource_guard_utilization(g), 0.3, 1e-12);
  uint64_t n;
  CHECK_OK(rk_resource_guard_max_safe_elements(g, 8, &n));
  CHECK_EQ_U64(n, 75);
  CHECK_STATUS(rk_resource_guard_max_safe_elements(g, 0, &n), RK_EINVAL);
  CHECK_STR(rk_last_error(), "bytes_per_element 0: must be at least 1");
  rk_resource_guard_record_allocation(g, 5000); /* recording never refuses */
  CHECK_EQ_U64(rk_resource_guard_available(g), 0);  /* never below 0 */
  rk_resource_guard_record_deallocation(g, 100000);
  CHECK_EQ_U64(rk_resource_guard_current_memory(g), 0); /* never below 0 */
  rk_resource_guard_destroy(g);
}

RK_TEST(guard_defaults_and_margin_clamp) {
  rk_resource_guard_t *g = NULL;
  CHECK_OK(rk_resource_guard_create(0, 5.0, &g));
  CHECK_EQ_U64(rk_resource_guard_max_memory(g), 4294967296ull);
  CHECK_NEAR(rk_resource_guard_safety_margin(g), 0.9, 0);
  CHECK_EQ_U64(rk_resource_guard_available(g), 4294967296ull - 3865470566ull);
  rk_resource_guard_destroy(g);
  CHECK_OK(rk_resource_guard_create(1000, -1.0, &g));
  CHECK_NEAR(rk_resource_guard_safety_margin(g), 0.0, 0);
  CHECK_EQ_U64(rk_resource_guard_available(g), 1000);
  rk_resource_guard_destroy(g);
  g = (rk_resource_guard_t *)&g;
  CHECK_STATUS(rk_resource_guard_create(1000, NAN, &g), RK_EINVAL);
  CHECK(g == NULL);
  CHECK_OK(rk_resource_guard_create_default(&g));
  uint64_t phys = (uint64_t)sysconf(_SC_PHYS_PAGES) * (uint64_t)sysconf(_SC_PAGESIZE);
  CHECK_EQ_U64(rk_resource_guard_max_memory(g), (uint64_t)((unsigned __int128)phys * 4 / 5));
  CHECK(rk_resource_guard_is_enforcing(g));
  CHECK_NEAR(rk_resource_guard_safety_margin(g), 0.1, 0);
  rk_resource_guard_destroy(g);
  CHECK_OK(rk_resource_guard_create_unguarded(&g));
  CHECK(!rk_resource_guard_is_enforcing(g));
  CHECK_EQ_U64(rk_resource_guard_max_memory(g), UINT64_MAX);
  CHECK(rk_resource_guard_can_allocate(g, UINT64_MAX));
  rk_resource_guard_destroy(g);
  rk_resource_guard_destroy(NULL);
}

RK_TEST(validate_and_enforce) {
  rk_resource_guard_t *g = NULL;
  CHECK_OK(rk_resource_guard_create(1000, 0.1, &g));
  rk_memory_estimate_t e;
  rk_memory_estimate_init(&e, 800, 100, 0, 1.0);
  CHECK_OK(rk_resource_guard_validate(g, &e)); /* peak 900 == available */
  rk_memory_estimate_init(&e, 800, 100, 901, 1.0);
  CHECK_STATUS(rk_resource_guard_validate(g, &e), RK_EMEMLIMIT);
  CHECK_STR(rk_last_error(),
            "Memory limit exceeded: estimated peak 901 bytes, available 900 bytes");
  rk_resource_guard_set_enforce(g, false);
  CHECK(!rk_resource_guard_is_enforcing(g));
  CHECK_OK(rk_resource_guard_validate(g, &e));
  CHECK(rk_resource_guard_can_allocate(g, 5000));
  rk_resource_guard_destroy(g);
}

RK_TEST(reservation_commit_release) {
  rk_resource_guard_t *g = NULL;
  CHECK_OK(rk_resource_guard_create(1000, 0.1, &g));
  rk_reservation_t *a = NULL, *b = NULL, *c = (rk_reservation_t *)&c;
  CHECK_OK(rk_resource_reserve(g, 400, &a));
  CHECK_EQ_U64(rk_reservation_bytes(a), 400);
  CHECK_EQ_U64(rk_resource_guard_reserved_memory(g), 400);
  CHECK_EQ_U64(rk_resource_guard_available(g), 500);
  CHECK_NEAR(rk_resource_guard_utilization(g), 0.4, 1e-12);
  CHECK_STATUS(rk_resource_reserve(g, 501, &c), RK_ERESERVATION);
  CHECK_STR(rk_last_error(), "Reservation failed: requested 501 bytes, available 500 bytes");
  CHECK(c == NULL);
  CHECK_OK(rk_resource_reserve(g, 500, &b));
  CHECK_EQ_U64(rk_resource_guard_available(g), 0);
  /* commit moves reserved → current */
  CHECK_OK(rk_reservation_commit(a));
  CHECK(rk_reservation_is_committed(a));
  CHECK_EQ_U64(rk_resource_guard_current_memory(g), 400);
  CHECK_EQ_U64(rk_resource_guard_reserved_memory(g), 500);
  CHECK_OK(rk_reservation_commit(a)); /* twice: no-op */
  CHECK_EQ_U64(rk_resource_guard_current_memory(g), 400);
  rk_reservation_release(a); /* after commit: no effect */
  CHECK_EQ_U64(rk_resource_guard_current_memory(g), 400);
  /* release is idempotent */
  rk_reservation_release(b);
  rk_reservation_release(b);
  CHECK(rk_reservation_is_released(b));
  CHECK_EQ_U64(rk_resource_guard_reserved_memory(g), 0);
  CHECK_STATUS(rk_reservation_commit(b), RK_ESTATE);
  CHECK_EQ_U64(rk_resource_guard_current_memory(g), 400);
  rk_reservation_destroy(a);
  rk_reservation_destroy(b);
  CHECK_EQ_U64(rk_resource_guard_current_memory(g), 400);
  /* destroy releases an uncommitted reservation */
  CHECK_OK(rk_resource_reserve(g, 100, &a));
  rk_reservation_destroy(a);
  CHECK_EQ_U64(rk_resource_guard_reserved_memory(g), 0);
  rk_reservation_destroy(NULL);
  rk_resource_guard_destroy(g);
}

RK_TEST(reservation_outlives_guard) {
  rk_resource_guard_t *g = NULL;
  CHECK_OK(rk_resource_guard_create(1000, 0.0, &g));
  rk_reservation_t *a = NULL, *b = NULL;
  CHECK_OK(rk_resource_reserve(g, 100, &a));
  CHECK_OK(rk_resource_reserve(g, 200, &b));
  rk_resource_guard_destroy(g); /* reservations keep it alive */
  CHECK_OK(rk_reservation_commit(a));
  rk_reservation_release(b);
  rk_reservation_destroy(a);
  rk_reservation_destroy(b); /* last reference: the guard is freed here (ASan checks) */
}

RK_TEST(unguarded_reserve_never_fails) {
  rk_resource_guard_t *g = NULL;
  CHECK_OK(rk_resource_guard_create(100, 0.0, &g));
  rk_resource_guard_set_enforce(g, false);
  rk_reservation_t *r = NULL;
  CHECK_OK(rk_resource_reserve(g, 1000, &r));
  CHECK_EQ_U64(rk_resource_guard_reserved_memory(g), 1000);
  CHECK_EQ_U64(rk_resource_guard_available(g), 0);
  rk_reservation_destroy(r);
  rk_resource_guard_destroy(g);
}

#define THREADS 4
#define ROUNDS 20000

static void *churn(void *arg) {
  rk_resource_guard_t *g = arg;
  for (int i = 0; i < ROUNDS; i++) {
    rk_resource_guard_record_allocation(g, 3);
    rk_reservation_t *r = NULL;
    if (rk_resource_reserve(g, 5, &r) == RK_OK) {
      if (i % 2)
        rk_reservation_commit(r); /* +5 current */
      rk_reservation_destroy(r);
      if (i % 2) rk_resource_guard_record_deallocation(g, 5);
    }
    rk_resource_guard_record_deallocation(g, 2);
  }
  return NULL;
}

RK_TEST(concurrent_accounting_is_exact) {
  rk_resource_guard_t *g = NULL;
  CHECK_OK(rk_resource_guard_create(1ull << 40, 0.1, &g));
  pthread_t th[THREADS];
  for (int i = 0; i < THREADS; i++) pthread_create(&th[i], NULL, churn, g);
  for (int i = 0; i < THREADS; i++) pthread_join(th[i], NULL);
  CHECK_EQ_U64(rk_resource_guard_current_memory(g), (uint64_t)THREADS * ROUNDS);
  CHECK_EQ_U64(rk_resource_guard_reserved_memory(g), 0);
  rk_resource_guard_destroy(g);
}

typedef struct {
  rk_resource_guard_t *guard;
  rk_reservation_t *held[1000];
  int count;
} grab_job_t;

static void *grab(void *arg) {
  grab_job_t *job = arg;
  for (int i = 0; i < 1000; i++)
    if (rk_resource_reserve(job->guard, 1, &job->held[job->count]) == RK_OK) job->count++;
  return NULL;
}

RK_TEST(concurrent_reserve_never_overcommits) {
  rk_resource_guard_t *g = NULL;
  CHECK_OK(rk_resource_guard_create(1000, 0.1, &g)); /* 900 available */
  static grab_job_t jobs[THREADS];
  pthread_t th[THREADS];
  for (int i = 0; i < THREADS; i++) {
    jobs[i].guard = g;
    jobs[i].count = 0;
    pthread_create(&th[i], NULL, grab, &jobs[i]);
  }
  int total = 0;
  for (int i = 0; i < THREADS; i++) {
    pthread_join(th[i], NULL);
    total += jobs[i].count;
  }
  CHECK_EQ_INT(total, 900);
  CHECK_EQ_U64(rk_resource_guard_reserved_memory(g), 900);
  rk_resource_guard_destroy(g); /* reservations still hold it */
  for (int i = 0; i < THREADS; i++)
    for (int k = 0; k < jobs[i].count; k++) rk_reservation_destroy(jobs[i].held[k]);
}

int main(void) {
  RK_RUN(estimate_rules);
  RK_RUN(guard_arithmetic);
  RK_RUN(guard_defaults_and_margin_clamp);
  RK_RUN(validate_and_enforce);
  RK_RUN(reservation_commit_release);
  RK_RUN(reservation_outlives_guard);
  RK_RUN(unguarded_reserve_never_fails);
  RK_RUN(concurrent_accounting_is_exact);
  RK_RUN(concurrent_reserve_never_overcommits);
  return rk_test_summary();
}
