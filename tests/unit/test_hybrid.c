/* test_hybrid.c — dispatch decisions, presets, the adaptive threshold formula. */
#include <math.h>
#include <pthread.h>

#include "tests_common/rk_test.h"
#include "ringkernel/hybrid.h"

static rk_hybrid_dispatcher_t *make(rk_processing_mode_t mode, uint64_t threshold, bool gpu) {
  rk_hybrid_config_t c;
  rk_hybrid_config_init(&c);
  c.mode = mode;
  c.gpu_threshold = threshold;
  c.gpu_available = gpu;
  rk_hybrid_dispatcher_t *d = NULL;
  if (rk_hybrid_dispatcher_create(&c, &d) != RK_OK) return NULL;
  return d;
}

RK_TEST(config_defaults_and_presets) {
  rk_hybrid_config_t c;
  rk_hybrid_config_init(&c);
  CHECK_EQ_INT(c.mode, RK_PROCESSING_CPU_ONLY);
  CHECK_EQ_U64(c.gpu_threshold, 10000);
  CHECK_NEAR(c.learning_rate, 0.1, 0);
  CHECK(!c.gpu_available);
  rk_hybrid_config_cpu_only(&c);
  CHECK(c.mode == RK_PROCESSING_CPU_ONLY && c.gpu_threshold == 10000 && !c.gpu_available);
  rk_hybrid_config_gpu_only(&c);
  CHECK(c.mode == RK_PROCESSING_GPU_ONLY && c.gpu_threshold == 0 && c.gpu_available);
  rk_hybrid_config_adaptive(&c);
  CHECK(c.mode == RK_PROCESSING_ADAPTIVE && c.gpu_threshold == 10000 && c.gpu_available);
  CHECK_NEAR(c.learning_rate, 0.1, 0);
  CHECK_STR(rk_processing_mode_name(RK_PROCESSING_HYBRID), "Hybrid");
  CHECK_STR(rk_processing_mode_name((rk_processing_mode_t)9), "Unknown");
}

RK_TEST(create_rejects_bad_config) {
  rk_hybrid_config_t c;
  rk_hybrid_config_init(&c);
  rk_hybrid_dispatcher_t *d = (rk_hybrid_dispatcher_t *)&c;
  c.learning_rate = 1.5;
  CHECK_STATUS(rk_hybrid_dispatcher_create(&c, &d), RK_EINVAL);
  CHECK_STR(rk_last_error(), "learning_rate 1.5: must be 0..1");
  CHECK(d == NULL);
  c.learning_rate = NAN;
  CHECK_STATUS(rk_hybrid_dispatcher_create(&c, &d), RK_EINVAL);
  c.learning_rate = 0.1;
  c.mode = (rk_processing_mode_t)4;
  CHECK_STATUS(rk_hybrid_dispatcher_create(&c, &d), RK_EINVAL);
  CHECK_STR(rk_last_error(), "processing mode 4: must be 0..3");
  CHECK_OK(rk_hybrid_dispatcher_create(NULL, &d));
  rk_hybrid_config_t got;
  rk_hybrid_dispatcher_config(d, &got);
  CHECK_EQ_INT(got.mode, RK_PROCESSING_CPU_ONLY);
  rk_hybrid_dispatcher_destroy(d);
  rk_hybrid_dispatcher_destroy(NULL);
}

RK_TEST(should_use_gpu_per_mode) {
  rk_hybrid_dispatcher_t *d = make(RK_PROCESSING_CPU_ONLY, 10, true);
  CHECK(!rk_hybrid_dispatcher_should_use_gpu(d, 1000000));
  rk_hybrid_dispatcher_destroy(d);

  d = make(RK_PROCESSING_GPU_ONLY, 10000, true);
  CHECK(rk_hybrid_dispatcher_should_use_gpu(d, 1));
  rk_hybrid_dispatcher_set_gpu_available(d, false);
  CHECK(!rk_hybrid_dispatcher_should_use_gpu(d, 1));
  rk_hybrid_config_t c;
  rk_hybrid_dispatcher_config(d, &c);
  CHECK(!c.gpu_available);
  rk_hybrid_dispatcher_destroy(d);

  d = make(RK_PROCESSING_HYBRID, 10000, true);
  CHECK(!rk_hybrid_dispatcher_should_use_gpu(d, 9999));
  CHECK(rk_hybrid_dispatcher_should_use_gpu(d, 10000));
  rk_hybrid_dispatcher_set_gpu_available(d, false);
  CHECK(!rk_hybrid_dispatcher_should_use_gpu(d, 10000));
  rk_hybrid_dispatcher_destroy(d);

  d = make(RK_PROCESSING_ADAPTIVE, 10000, true);
  CHECK(rk_hybrid_dispatcher_should_use_gpu(d, 10000));
  CHECK_OK(rk_hybrid_dispatcher_update_adaptive_threshold(d, 50000, 100.0, 10.0));
  CHECK(!rk_hybrid_dispatcher_should_use_gpu(d, 10000)); /* threshold moved to 13000 */
  CHECK(rk_hybrid_dispatcher_should_use_gpu(d, 13000));
  rk_hybrid_dispatcher_destroy(d);
}

RK_TEST(adaptive_threshold_formula) {
  rk_hybrid_dispatcher_t *d = make(RK_PROCESSING_ADAPTIVE, 10000, true);
  CHECK_EQ_U64(rk_hybrid_dispatcher_adaptive_threshold(d), 10000);
  /* GPU faster: target 50000 * 0.8 = 40000; 0.9 * 10000 + 0.1 * 40000 = 13000 */
  CHECK_OK(rk_hybrid_dispatcher_update_adaptive_threshold(d, 50000, 100.0, 10.0));
  CHECK_EQ_U64(rk_hybrid_dispatcher_adaptive_threshold(d), 13000);
  /* GPU slower: target 60000; 0.9 * 13000 + 6000 = 17700 */
  CHECK_OK(rk_hybrid_dispatcher_update_adaptive_threshold(d, 50000, 10.0, 100.0));
  CHECK_EQ_U64(rk_hybrid_dispatcher_adaptive_threshold(d), 17700);
  /* equal times count as "GPU not faster": target 1.2 * size; truncation: 0.9*17700 + 0.1*1.2*7 */
  CHECK_OK(rk_hybrid_dispatcher_update_adaptive_threshold(d, 7, 5.0, 5.0));
  CHECK_EQ_U64(rk_hybrid_dispatcher_adaptive_threshold(d), 15930);
  CHECK_STATUS(rk_hybrid_dispatcher_update_adaptive_threshold(d, 1, -1.0, 1.0), RK_EINVAL);
  CHECK_STATUS(rk_hybrid_dispatcher_update_adaptive_threshold(d, 1, 1.0, NAN), RK_EINVAL);
  CHECK_EQ_U64(rk_hybrid_dispatcher_adaptive_threshold(d), 15930);
  rk_hybrid_dispatcher_destroy(d);
}

RK_TEST(adaptive_threshold_floor_of_100) {
  rk_hybrid_dispatcher_t *d = make(RK_PROCESSING_ADAPTIVE, 150, true);
  uint64_t expect[] = {135, 121, 108, 100, 100};
  for (int i = 0; i < 5; i++) {
    CHECK_OK(rk_hybrid_dispatcher_update_adaptive_threshold(d, 0, 2.0, 1.0));
    CHECK_EQ_U64(rk_hybrid_dispatcher_adaptive_threshold(d), expect[i]);
  }
  rk_hybrid_dispatcher_destroy(d);
  d = make(RK_PROCESSING_ADAPTIVE, 0, true);
  CHECK_OK(rk_hybrid_dispatcher_update_adaptive_threshold(d, 10, 2.0, 1.0));
  CHECK_EQ_U64(rk_hybrid_dispatcher_adaptive_threshold(d), 100);
  rk_hybrid_dispatcher_destroy(d);
}

RK_TEST(update_is_noop_outside_adaptive) {
  rk_hybrid_dispatcher_t *d = make(RK_PROCESSING_HYBRID, 10000, true);
  CHECK_OK(rk_hybrid_dispatcher_update_adaptive_threshold(d, 50000, 100.0, 10.0));
  CHECK_EQ_U64(rk_hybrid_dispatcher_adaptive_threshold(d), 10000);
  rk_hybrid_stats_t s;
  rk_hybrid_dispatcher_stats(d, &s);
  CHECK(!s.has_adaptive_threshold);
  rk_hybrid_dispatcher_destroy(d);
}

static void *record_worker(void *arg) {
  rk_hybrid_dispatcher_t *d = arg;
  for (int i = 0; i < 10000; i++) {
    if (i % 4 == 0)
      rk_hybrid_dispatcher_record_gpu(d);
    else
      rk_hybrid_dispatcher_record_cpu(d);
  }
  return NULL;
}

RK_TEST(stats_counts_exact_across_threads) {
  rk_hybrid_dispatcher_t *d = make(RK_PROCESSING_ADAPTIVE, 10000, true);
  pthread_t th[4];
  for (int i = 0; i < 4; i++) pthread_create(&th[i], NULL, record_worker, d);
  for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
  rk_hybrid_stats_t s;
  rk_hybrid_dispatcher_stats(d, &s);
  CHECK_EQ_U64(s.cpu_count, 30000);
  CHECK_EQ_U64(s.gpu_count, 10000);
  CHECK_EQ_U64(rk_hybrid_stats_total(&s), 40000);
  CHECK_NEAR(rk_hybrid_stats_gpu_ratio(&s), 0.25, 1e-12);
  CHECK(s.has_adaptive_threshold);
  CHECK_EQ_U64(s.adaptive_threshold, 10000);
  rk_hybrid_stats_t empty = {0, 0, 0, false};
  CHECK_NEAR(rk_hybrid_stats_gpu_ratio(&empty), 0.0, 0);
  rk_hybrid_dispatcher_destroy(d);
}

RK_TEST(record_timed_learns_once_both_sides_are_timed) {
  rk_hybrid_config_t c;
  rk_hybrid_config_adaptive(&c); /* threshold 10000, lr 0.1 */
  rk_hybrid_dispatcher_t *d = NULL;
  CHECK_OK(rk_hybrid_dispatcher_create(&c, &d));
  CHECK_OK(rk_hybrid_dispatcher_record_timed(d, 1000, false, 100.0));
  CHECK_EQ_U64(rk_hybrid_dispatcher_adaptive_threshold(d), 10000); /* GPU not timed yet */
  /* GPU 0.01 ms/item vs CPU 0.1 ms/item: GPU wins, target 800 -> 0.9*10000 + 0.1*800 */
  CHECK_OK(rk_hybrid_dispatcher_record_timed(d, 1000, true, 10.0));
  CHECK_EQ_U64(rk_hybrid_dispatcher_adaptive_threshold(d), 9080);
  /* a CPU run of 2000 items predicts GPU 20 ms vs CPU 400 ms: target 1600 */
  CHECK_OK(rk_hybrid_dispatcher_record_timed(d, 2000, false, 400.0));
  CHECK_EQ_U64(rk_hybrid_dispatcher_adaptive_threshold(d), 8332);
  rk_hybrid_stats_t st;
  rk_hybrid_dispatcher_stats(d, &st);
  CHECK_EQ_U64(st.cpu_count, 2);
  CHECK_EQ_U64(st.gpu_count, 1);
  CHECK_STATUS(rk_hybrid_dispatcher_record_timed(d, 10, true, -1.0), RK_EINVAL);
  CHECK_CONTAINS(rk_last_error(), "elapsed_ms");
  CHECK_STATUS(rk_hybrid_dispatcher_record_timed(d, 10, true, NAN), RK_EINVAL);
  rk_hybrid_dispatcher_stats(d, &st);
  CHECK_EQ_U64(st.gpu_count, 1); /* a refused time records nothing */
  rk_hybrid_dispatcher_destroy(d);
}

int main(void) {
  RK_RUN(config_defaults_and_presets);
  RK_RUN(create_rejects_bad_config);
  RK_RUN(should_use_gpu_per_mode);
  RK_RUN(adaptive_threshold_formula);
  RK_RUN(adaptive_threshold_floor_of_100);
  RK_RUN(update_is_noop_outside_adaptive);
  RK_RUN(stats_counts_exact_across_threads);
  RK_RUN(record_timed_learns_once_both_sides_are_timed);
  return rk_test_summary();
}
