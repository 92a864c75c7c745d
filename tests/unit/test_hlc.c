/* test_hlc.c — HLC rules, packing, and the clock's strict monotonicity across threads. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>

#include "tests_common/rk_test.h"
#include "hlc_internal.h"
#include "ringkernel/hlc.h"

static rk_hlc_timestamp_t ts(uint64_t p, uint64_t l, uint64_t n) {
  rk_hlc_timestamp_t t = {p, l, n};
  return t;
}

/* Evaluates t once, so it may be a call that advances the clock. */
#define CHECK_TS(t, p, l, n)                                                             \
  do {                                                                                   \
    rk_hlc_timestamp_t ts_ = (t);                                                        \
    CHECK_EQ_U64(ts_.physical, p);                                                       \
    CHECK_EQ_U64(ts_.logical, l);                                                        \
    CHECK_EQ_U64(ts_.node_id, n);                                                        \
  } while (0)

RK_TEST(compare_orders_physical_logical_node) {
  CHECK_EQ_INT(rk_hlc_timestamp_compare(ts(1, 9, 9), ts(2, 0, 0)), -1);
  CHECK_EQ_INT(rk_hlc_timestamp_compare(ts(2, 1, 0), ts(2, 0, 9)), 1);
  CHECK_EQ_INT(rk_hlc_timestamp_compare(ts(2, 1, 3), ts(2, 1, 4)), -1);
  CHECK_EQ_INT(rk_hlc_timestamp_compare(ts(2, 1, 4), ts(2, 1, 4)), 0);
  CHECK(rk_hlc_timestamp_is_zero(ts(0, 0, 7)));
  CHECK(!rk_hlc_timestamp_is_zero(ts(0, 1, 0)));
}

RK_TEST(pack_unpack_round_trip_and_masking) {
  uint64_t hi, lo;
  rk_hlc_timestamp_pack(ts(1000000, 5, 1), &hi, &lo);
  CHECK_EQ_U64(hi, 1000000);
  CHECK_EQ_U64(lo, (5ull << 16) | 1);
  CHECK_TS(rk_hlc_timestamp_unpack(hi, lo), 1000000, 5, 1);
  /* logical above 48 bits and node above 16 bits are masked, never spill into physical */
  rk_hlc_timestamp_pack(ts(7, (1ull << 48) | 3, 0x12345), &hi, &lo);
  CHECK_EQ_U64(hi, 7);
  CHECK_TS(rk_hlc_timestamp_unpack(hi, lo), 7, 3, 0x2345);
  rk_hlc_timestamp_pack(ts(UINT64_MAX, (1ull << 48) - 1, 0xFFFF), &hi, &lo);
  CHECK_EQ_U64(hi, UINT64_MAX);
  CHECK_EQ_U64(lo, UINT64_MAX);
}

RK_TEST(now_is_wall_clock_micros) {
  uint64_t before = rk_hlc_wall_micros();
  rk_hlc_timestamp_t t = rk_hlc_timestamp_now(42);
  uint64_t after = rk_hlc_wall_micros();
  CHECK(t.physical >= before && t.physical <= after);
  CHECK_EQ_U64(t.logical, 0);
  CHECK_EQ_U64(t.node_id, 42);
  CHECK(before > 1600000000ull * 1000000ull); /* microseconds since the epoch */
}

RK_TEST(advance_rules) {
  CHECK_TS(rk_hlc_advance(ts(100, 7, 1), 200, 3), 200, 0, 3);
  CHECK_TS(rk_hlc_advance(ts(100, 7, 1), 100, 3), 100, 8, 3);
  CHECK_TS(rk_hlc_advance(ts(100, 7, 1), 50, 3), 100, 8, 3);
  CHECK_TS(rk_hlc_advance(ts(100, UINT64_MAX, 1), 50, 3), 101, 0, 3);
}

RK_TEST(merge_rules_each_branch) {
  rk_hlc_timestamp_t out;
  /* all three equal physical: max logical + 1 */
  CHECK_OK(rk_hlc_merge(ts(100, 4, 1), ts(100, 9, 2), 100, 1000, 1, &out));
  CHECK_TS(out, 100, 10, 1);
  CHECK_OK(rk_hlc_merge(ts(100, 12, 1), ts(100, 9, 2), 50, 1000, 1, &out));
  CHECK_TS(out, 100, 13, 1);
  /* local physical wins */
  CHECK_OK(rk_hlc_merge(ts(300, 4, 1), ts(200, 9, 2), 100, 1000, 1, &out));
  CHECK_TS(out, 300, 5, 1);
  /* received physical wins */
  CHECK_OK(rk_hlc_merge(ts(200, 4, 1), ts(300, 9, 2), 100, 1000, 1, &out));
  CHECK_TS(out, 300, 10, 1);
  /* wall wins: logical 0 */
  CHECK_OK(rk_hlc_merge(ts(200, 4, 1), ts(300, 9, 2), 400, 1000, 1, &out));
  CHECK_TS(out, 400, 0, 1);
  /* wall equal to the winner still uses the winner's logical */
  CHECK_OK(rk_hlc_merge(ts(200, 4, 1), ts(400, 9, 2), 400, 1000, 1, &out));
  CHECK_TS(out, 400, 10, 1);
}

RK_TEST(merge_skew_error_text) {
  rk_hlc_timestamp_t out = ts(1, 2, 3);
  uint64_t wall = 1000000000;
  /* exactly at the limit is accepted */
  CHECK_OK(rk_hlc_merge(ts(0, 0, 1), ts(wall + 60000000, 0, 2), wall, 60000, 1, &out));
  out = ts(1, 2, 3);
  CHECK_STATUS(rk_hlc_merge(ts(0, 0, 1), ts(wall + 90000000, 0, 2), wall, 60000, 1, &out),
               RK_ECLOCKSKEW);
  CHECK_STR(rk_last_error(), "Clock skew too large: 90000ms (max: 60000ms)");
  CHECK_TS(out, 1, 2, 3);
  CHECK_STATUS(rk_hlc_merge(ts(0, 0, 1), ts(wall + 1500, 0, 2), wall, 1, 1, &out),
               RK_ECLOCKSKEW);
  CHECK_STR(rk_last_error(), "Clock skew too large: 1ms (max: 1ms)");
  CHECK_STATUS(rk_hlc_merge(ts(5, UINT64_MAX, 1), ts(5, 0, 2), 1, 10, 1, &out), RK_EINVAL);
}

RK_TEST(clock_tick_now_update) {
  rk_hlc_clock_t *c = NULL;
  CHECK_OK(rk_hlc_clock_create(1, RK_HLC_DEFAULT_MAX_DRIFT_MS, &c));
  CHECK_EQ_U64(rk_hlc_clock_node_id(c), 1);
  CHECK_EQ_U64(rk_hlc_clock_max_drift_ms(c), 60000);
  rk_hlc_timestamp_t a = rk_hlc_clock_tick(c), b = rk_hlc_clock_tick(c);
  CHECK(rk_hlc_timestamp_compare(b, a) > 0);
  CHECK_EQ_U64(a.node_id, 1);
  /* a received stamp 10 s ahead moves the clock there; ticks then count logically */
  uint64_t wall = rk_hlc_wall_micros();
  rk_hlc_timestamp_t recv = ts(wall + 10000000, 5, 2), m;
  CHECK_OK(rk_hlc_clock_update(c, recv, &m));
  CHECK_TS(m, wall + 10000000, 6, 1);
  CHECK(rk_hlc_timestamp_compare(m, recv) > 0);
  rk_hlc_timestamp_t n = rk_hlc_clock_now(c);
  CHECK_TS(n, wall + 10000000, 6, 1);
  CHECK_TS(rk_hlc_clock_tick(c), wall + 10000000, 7, 1);
  CHECK_TS(rk_hlc_clock_now(c), wall + 10000000, 7, 1); /* now() does not advance */
  /* too far ahead: error, clock unchanged */
  CHECK_STATUS(rk_hlc_clock_update(c, ts(rk_hlc_wall_micros() + 120000000, 0, 2), &m),
               RK_ECLOCKSKEW);
  CHECK_CONTAINS(rk_last_error(), "Clock skew too large: ");
  CHECK_CONTAINS(rk_last_error(), "ms (max: 60000ms)");
  CHECK_TS(rk_hlc_clock_tick(c), wall + 10000000, 8, 1);
  rk_hlc_clock_destroy(c);
  rk_hlc_clock_destroy(NULL);
  CHECK_STATUS(rk_hlc_clock_create(1, 1, NULL), RK_EINVAL);
}

RK_TEST(clock_with_a_given_wall_reading) {
  rk_hlc_clock_t *c = NULL;
  CHECK_OK(rk_hlc_clock_create(3, 1000, &c));
  /* a batch of ticks from one reading: consecutive, and the clock ends at the last */
  rk_hlc_timestamp_t batch[5];
  rki_hlc_clock_tick_many(c, 5000, 5, batch);
  CHECK_TS(batch[0], 5000, 0, 3);
  for (int i = 1; i < 5; i++)
    CHECK_TS(batch[i], 5000, (uint64_t)i, 3);
  rki_hlc_clock_tick_many(c, 5000, 0, batch); /* nothing */
  CHECK_TS(rki_hlc_clock_tick_at(c, 5000), 5000, 5, 3);
  /* an old reading still gives stamps above the clock and the received one */
  rk_hlc_timestamp_t m;
  CHECK_OK(rki_hlc_clock_update_at(c, ts(5000, 9, 1), 4000, &m));
  CHECK_TS(m, 5000, 10, 3);
  CHECK_TS(rki_hlc_clock_tick_at(c, 1), 5000, 11, 3);
  /* skew is judged against the reading given: 1 s of drift from wall 4000 */
  CHECK_STATUS(rki_hlc_clock_update_at(c, ts(1004001, 0, 1), 4000, &m), RK_ECLOCKSKEW);
  CHECK_OK(rki_hlc_clock_update_at(c, ts(1004001, 0, 1), 5000, &m));
  CHECK_TS(m, 1004001, 1, 3);
  rk_hlc_clock_destroy(c);
}

/* A batch whose logical values would pass UINT64_MAX carries into physical exactly where
 * single ticks would: every stamp still above the one before it. */
RK_TEST(clock_batch_of_ticks_across_a_full_logical_counter) {
  rk_hlc_clock_t *c = NULL;
  CHECK_OK(rk_hlc_clock_create(3, 1000, &c));
  rk_hlc_timestamp_t m;
  CHECK_OK(rki_hlc_clock_update_at(c, ts(5000, UINT64_MAX - 3, 1), 5000, &m));
  CHECK_TS(m, 5000, UINT64_MAX - 2, 3);
  rk_hlc_timestamp_t batch[5];
  rki_hlc_clock_tick_many(c, 5000, 5, batch);
  CHECK_TS(batch[0], 5000, UINT64_MAX - 1, 3);
  CHECK_TS(batch[1], 5000, UINT64_MAX, 3);
  CHECK_TS(batch[2], 5001, 0, 3);
  CHECK_TS(batch[3], 5001, 1, 3);
  CHECK_TS(batch[4], 5001, 2, 3);
  CHECK_TS(rki_hlc_clock_tick_at(c, 5000), 5001, 3, 3);
  /* a wall reading ahead of the clock restarts logical at 0, then counts up */
  rki_hlc_clock_tick_many(c, 7000, 3, batch);
  CHECK_TS(batch[0], 7000, 0, 3);
  CHECK_TS(batch[2], 7000, 2, 3);
  rk_hlc_clock_destroy(c);
}

RK_TEST(clock_now_tracks_wall_when_idle) {
  rk_hlc_clock_t *c = NULL;
  CHECK_OK(rk_hlc_clock_create(9, 1000, &c));
  uint64_t before = rk_hlc_wall_micros();
  rk_hlc_timestamp_t n = rk_hlc_clock_now(c);
  CHECK(n.physical >= before);
  CHECK_EQ_U64(n.logical, 0);
  CHECK_EQ_U64(n.node_id, 9);
  rk_hlc_clock_destroy(c);
}

#define THREADS 4
#define PER_THREAD 50000

typedef struct {
  rk_hlc_clock_t *clock;
  rk_hlc_timestamp_t *out;
  int use_update;
} tick_job_t;

static void *tick_worker(void *arg) {
  tick_job_t *job = arg;
  for (int i = 0; i < PER_THREAD; i++) {
    if (job->use_update && i % 8 == 0) {
      rk_hlc_timestamp_t r = rk_hlc_timestamp_now(77);
      if (rk_hlc_clock_update(job->clock, r, &job->out[i]) != RK_OK) job->out[i] = r;
    } else {
      job->out[i] = rk_hlc_clock_tick(job->clock);
    }
  }
  return NULL;
}

static int cmp_ts(const void *a, const void *b) {
  return rk_hlc_timestamp_compare(*(const rk_hlc_timestamp_t *)a,
                                  *(const rk_hlc_timestamp_t *)b);
}

RK_TEST(tick_strictly_increasing_across_threads) {
  rk_hlc_clock_t *c = NULL;
  CHECK_OK(rk_hlc_clock_create(3, 60000, &c));
  rk_hlc_timestamp_t *all = calloc((size_t)THREADS * PER_THREAD, sizeof *all);
  pthread_t th[THREADS];
  tick_job_t jobs[THREADS];
  for (int t = 0; t < THREADS; t++) {
    jobs[t] = (tick_job_t){c, all + (size_t)t * PER_THREAD, t % 2};
    pthread_create(&th[t], NULL, tick_worker, &jobs[t]);
  }
  for (int t = 0; t < THREADS; t++) pthread_join(th[t], NULL);
  /* each thread sees its own results strictly increasing */
  for (int t = 0; t < THREADS; t++)
    for (int i = 1; i < PER_THREAD; i++)
      if (cmp_ts(&jobs[t].out[i], &jobs[t].out[i - 1]) <= 0) {
        RK_FAIL_AT("thread %d result %d not increasing", t, i);
        break;
      }
  /* across threads: no duplicates (node id is the same, so (physical, logical) unique) */
  size_t n = (size_t)THREADS * PER_THREAD, dups = 0;
  qsort(all, n, sizeof *all, cmp_ts);
  for (size_t i = 1; i < n; i++) dups += cmp_ts(&all[i], &all[i - 1]) == 0;
  CHECK_EQ_U64(dups, 0);
  free(all);
  rk_hlc_clock_destroy(c);
}

int main(void) {
  RK_RUN(compare_orders_physical_logical_node);
  RK_RUN(pack_unpack_round_trip_and_masking);
  RK_RUN(now_is_wall_clock_micros);
  RK_RUN(advance_rules);
  RK_RUN(merge_rules_each_branch);
  RK_RUN(merge_skew_error_text);
  RK_RUN(clock_tick_now_update);
  RK_RUN(clock_with_a_given_wall_reading);
  RK_RUN(clock_batch_of_ticks_across_a_full_logical_counter);
  RK_RUN(clock_now_tracks_wall_when_idle);
  RK_RUN(tick_strictly_increasing_across_threads);
  return rk_test_summary();
}
