/* test_queue.c — queue tiers, monitor thresholds (every edge), stats and metrics. */
#include <math.h>

#include "ringkernel/queue.h"
#include "tests_common/rk_test.h"

RK_TEST(tier_values_and_names) {
  CHECK_EQ_U64(rk_queue_tier_capacity(RK_QUEUE_TIER_SMALL), 256);
  CHECK_EQ_U64(rk_queue_tier_capacity(RK_QUEUE_TIER_MEDIUM), 1024);
  CHECK_EQ_U64(rk_queue_tier_capacity(RK_QUEUE_TIER_LARGE), 4096);
  CHECK_EQ_U64(rk_queue_tier_capacity(RK_QUEUE_TIER_EXTRA_LARGE), 16384);
  CHECK_EQ_U64(rk_queue_tier_capacity(RK_QUEUE_TIER_NONE), 0);
  CHECK_EQ_U64(rk_queue_tier_capacity((rk_queue_tier_t)512), 0);
  CHECK_STR(rk_queue_tier_name(RK_QUEUE_TIER_EXTRA_LARGE), "ExtraLarge");
  CHECK_STR(rk_queue_tier_name(RK_QUEUE_TIER_SMALL), "Small");
  CHECK_STR(rk_queue_tier_name((rk_queue_tier_t)3), "None");
  CHECK(rk_queue_tier_is_valid(1024));
  CHECK(!rk_queue_tier_is_valid(0));
  CHECK(!rk_queue_tier_is_valid(-256));
  CHECK(!rk_queue_tier_is_valid(2048));
  CHECK(!rk_queue_tier_is_valid(INT64_MAX));
}

RK_TEST(tier_for_throughput_edges) {
  /* need = mps * headroom_ms / 1000 */
  CHECK_EQ_INT(rk_queue_tier_for_throughput(0, 100), RK_QUEUE_TIER_SMALL);
  CHECK_EQ_INT(rk_queue_tier_for_throughput(2560, 100), RK_QUEUE_TIER_SMALL);   /* 256 */
  CHECK_EQ_INT(rk_queue_tier_for_throughput(2570, 100), RK_QUEUE_TIER_MEDIUM);  /* 257 */
  CHECK_EQ_INT(rk_queue_tier_for_throughput(10000, 100), RK_QUEUE_TIER_MEDIUM); /* 1000 */
  CHECK_EQ_INT(rk_queue_tier_for_throughput(10240, 100), RK_QUEUE_TIER_MEDIUM); /* 1024 */
  CHECK_EQ_INT(rk_queue_tier_for_throughput(10250, 100), RK_QUEUE_TIER_LARGE);  /* 1025 */
  CHECK_EQ_INT(rk_queue_tier_for_throughput(40960, 100), RK_QUEUE_TIER_LARGE);  /* 4096 */
  CHECK_EQ_INT(rk_queue_tier_for_throughput(40970, 100), RK_QUEUE_TIER_EXTRA_LARGE);
  CHECK_EQ_INT(rk_queue_tier_for_throughput(1000000, 1000), RK_QUEUE_TIER_EXTRA_LARGE);
  /* 1025 * 1 / 1000 = 1 (integer division) */
  CHECK_EQ_INT(rk_queue_tier_for_throughput(1025, 1), RK_QUEUE_TIER_SMALL);
  CHECK_EQ_INT(rk_queue_tier_for_throughput(257999, 1), RK_QUEUE_TIER_MEDIUM);
  CHECK_EQ_INT(rk_queue_tier_for_throughput(256999, 1), RK_QUEUE_TIER_SMALL);
  CHECK_EQ_INT(rk_queue_tier_for_throughput(UINT64_MAX, UINT64_MAX), RK_QUEUE_TIER_EXTRA_LARGE);
  CHECK_EQ_INT(rk_queue_tier_for_throughput(UINT64_MAX, 0), RK_QUEUE_TIER_SMALL);
}

RK_TEST(tier_upgrade_downgrade_saturate) {
  CHECK_EQ_INT(rk_queue_tier_upgrade(RK_QUEUE_TIER_SMALL), RK_QUEUE_TIER_MEDIUM);
  CHECK_EQ_INT(rk_queue_tier_upgrade(RK_QUEUE_TIER_MEDIUM), RK_QUEUE_TIER_LARGE);
  CHECK_EQ_INT(rk_queue_tier_upgrade(RK_QUEUE_TIER_LARGE), RK_QUEUE_TIER_EXTRA_LARGE);
  CHECK_EQ_INT(rk_queue_tier_upgrade(RK_QUEUE_TIER_EXTRA_LARGE), RK_QUEUE_TIER_EXTRA_LARGE);
  CHECK_EQ_INT(rk_queue_tier_downgrade(RK_QUEUE_TIER_EXTRA_LARGE), RK_QUEUE_TIER_LARGE);
  CHECK_EQ_INT(rk_queue_tier_downgrade(RK_QUEUE_TIER_LARGE), RK_QUEUE_TIER_MEDIUM);
  CHECK_EQ_INT(rk_queue_tier_downgrade(RK_QUEUE_TIER_MEDIUM), RK_QUEUE_TIER_SMALL);
  CHECK_EQ_INT(rk_queue_tier_downgrade(RK_QUEUE_TIER_SMALL), RK_QUEUE_TIER_SMALL);
  CHECK_EQ_INT(rk_queue_tier_upgrade(RK_QUEUE_TIER_NONE), RK_QUEUE_TIER_NONE);
}

RK_TEST(tier_for_capacity) {
  CHECK_EQ_INT(rk_queue_tier_for_capacity(0), RK_QUEUE_TIER_SMALL);
  CHECK_EQ_INT(rk_queue_tier_for_capacity(256), RK_QUEUE_TIER_SMALL);
  CHECK_EQ_INT(rk_queue_tier_for_capacity(257), RK_QUEUE_TIER_MEDIUM);
  CHECK_EQ_INT(rk_queue_tier_for_capacity(1024), RK_QUEUE_TIER_MEDIUM);
  CHECK_EQ_INT(rk_queue_tier_for_capacity(2048), RK_QUEUE_TIER_LARGE);
  CHECK_EQ_INT(rk_queue_tier_for_capacity(16384), RK_QUEUE_TIER_EXTRA_LARGE);
  CHECK_EQ_INT(rk_queue_tier_for_capacity(1 << 20), RK_QUEUE_TIER_EXTRA_LARGE);
}

RK_TEST(monitor_defaults_and_validation) {
  rk_queue_monitor_t m;
  rk_queue_monitor_init(&m);
  CHECK_NEAR(m.warning_threshold, 0.75, 0);
  CHECK_NEAR(m.critical_threshold, 0.90, 0);
  CHECK_OK(rk_queue_monitor_validate(&m));
  m.critical_threshold = 1.0;
  CHECK_OK(rk_queue_monitor_validate(&m));
  const double bad[][2] = {{0.0, 0.9},  {-0.1, 0.9}, {0.9, 0.9}, {0.95, 0.9},
                           {0.5, 1.01}, {NAN, 0.9},  {0.5, NAN}, {0.5, INFINITY}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    m.warning_threshold = bad[i][0];
    m.critical_threshold = bad[i][1];
    CHECK_STATUS(rk_queue_monitor_validate(&m), RK_EINVAL);
    CHECK_CONTAINS(rk_last_error(), "0 < warning < critical <= 1");
  }
  m.warning_threshold = 0.95;
  m.critical_threshold = 0.9;
  CHECK_STATUS(rk_queue_monitor_validate(&m), RK_EINVAL);
  CHECK_CONTAINS(rk_last_error(), "warning 0.95, critical 0.9");
  CHECK_STATUS(rk_queue_monitor_validate(NULL), RK_EINVAL);
}

RK_TEST(utilization) {
  CHECK_NEAR(rk_queue_monitor_utilization(800, 1000), 0.8, 1e-15);
  CHECK_NEAR(rk_queue_monitor_utilization(5, 0), 0.0, 0);
  CHECK_NEAR(rk_queue_monitor_utilization(0, 10), 0.0, 0);
  CHECK_NEAR(rk_queue_monitor_utilization(20, 10), 2.0, 0);
}

RK_TEST(health_edges_inclusive) {
  rk_queue_monitor_t m;
  rk_queue_monitor_init(&m);
  CHECK_EQ_INT(rk_queue_monitor_check_health(&m, 0, 100), RK_QUEUE_HEALTHY);
  CHECK_EQ_INT(rk_queue_monitor_check_health(&m, 74, 100), RK_QUEUE_HEALTHY);
  CHECK_EQ_INT(rk_queue_monitor_check_health(&m, 75, 100), RK_QUEUE_WARNING);
  CHECK_EQ_INT(rk_queue_monitor_check_health(&m, 89, 100), RK_QUEUE_WARNING);
  CHECK_EQ_INT(rk_queue_monitor_check_health(&m, 90, 100), RK_QUEUE_CRITICAL);
  CHECK_EQ_INT(rk_queue_monitor_check_health(&m, 100, 100), RK_QUEUE_CRITICAL);
  CHECK_EQ_INT(rk_queue_monitor_check_health(&m, 800, 1000), RK_QUEUE_WARNING);
  CHECK_EQ_INT(rk_queue_monitor_check_health(&m, 5, 0), RK_QUEUE_HEALTHY);
  /* 767/1024 < 0.75 <= 768/1024 */
  CHECK_EQ_INT(rk_queue_monitor_check_health(&m, 767, 1024), RK_QUEUE_HEALTHY);
  CHECK_EQ_INT(rk_queue_monitor_check_health(&m, 768, 1024), RK_QUEUE_WARNING);
  CHECK_EQ_INT(rk_queue_monitor_check_health(NULL, 95, 100), RK_QUEUE_CRITICAL);
  m.warning_threshold = 0.5;
  m.critical_threshold = 1.0;
  CHECK_EQ_INT(rk_queue_monitor_check_health(&m, 99, 100), RK_QUEUE_WARNING);
  CHECK_EQ_INT(rk_queue_monitor_check_health(&m, 100, 100), RK_QUEUE_CRITICAL);
  CHECK_STR(rk_queue_health_name(RK_QUEUE_WARNING), "Warning");
  CHECK_STR(rk_queue_health_name((rk_queue_health_t)9), "Unknown");
}

RK_TEST(suggest_upgrade_edges) {
  rk_queue_monitor_t m;
  rk_queue_monitor_init(&m);
  CHECK_EQ_INT(rk_queue_monitor_suggest_upgrade(&m, 900, 1000, RK_QUEUE_TIER_MEDIUM),
               RK_QUEUE_TIER_LARGE);
  CHECK_EQ_INT(rk_queue_monitor_suggest_upgrade(&m, 750, 1000, RK_QUEUE_TIER_SMALL),
               RK_QUEUE_TIER_MEDIUM);
  CHECK_EQ_INT(rk_queue_monitor_suggest_upgrade(&m, 749, 1000, RK_QUEUE_TIER_SMALL),
               RK_QUEUE_TIER_NONE);
  CHECK_EQ_INT(rk_queue_monitor_suggest_upgrade(&m, 1000, 1000, RK_QUEUE_TIER_EXTRA_LARGE),
               RK_QUEUE_TIER_NONE);
  CHECK_EQ_INT(rk_queue_monitor_suggest_upgrade(&m, 999, 1000, RK_QUEUE_TIER_LARGE),
               RK_QUEUE_TIER_EXTRA_LARGE);
  CHECK_EQ_INT(rk_queue_monitor_suggest_upgrade(&m, 10, 0, RK_QUEUE_TIER_SMALL),
               RK_QUEUE_TIER_NONE);
}

RK_TEST(stats_rates) {
  rk_queue_stats_t s = {
      .enqueued = 90, .dequeued = 40, .dropped = 10, .depth = 50, .max_depth = 60};
  CHECK_NEAR(rk_queue_stats_utilization(&s, 100), 0.5, 0);
  CHECK_NEAR(rk_queue_stats_utilization(&s, 0), 0.0, 0);
  CHECK_NEAR(rk_queue_stats_drop_rate(&s), 0.1, 1e-15);
  rk_queue_stats_t z = {0};
  CHECK_NEAR(rk_queue_stats_drop_rate(&z), 0.0, 0);
  CHECK_NEAR(rk_queue_stats_drop_rate(NULL), 0.0, 0);
}

RK_TEST(metrics_compute) {
  rk_queue_monitor_t m;
  rk_queue_monitor_init(&m);
  rk_queue_stats_t s = {.enqueued = 1000, .dequeued = 80, .depth = 922, .max_depth = 950};
  rk_queue_metrics_t out;
  CHECK_OK(rk_queue_metrics_compute(&m, &s, 1024, &out));
  CHECK_EQ_INT(out.health, RK_QUEUE_CRITICAL);
  CHECK_NEAR(out.utilization, 922.0 / 1024.0, 1e-15);
  CHECK_EQ_U64(out.stats.max_depth, 950);
  CHECK_EQ_U64(out.capacity, 1024);
  CHECK_EQ_INT(out.tier, RK_QUEUE_TIER_MEDIUM);
  CHECK_EQ_INT(out.suggested_upgrade, RK_QUEUE_TIER_LARGE);
  s.depth = 10;
  CHECK_OK(rk_queue_metrics_compute(&m, &s, 1024, &out));
  CHECK_EQ_INT(out.health, RK_QUEUE_HEALTHY);
  CHECK_EQ_INT(out.suggested_upgrade, RK_QUEUE_TIER_NONE);
  m.warning_threshold = 2.0;
  CHECK_STATUS(rk_queue_metrics_compute(&m, &s, 1024, &out), RK_EINVAL);
  CHECK_STATUS(rk_queue_metrics_compute(&m, NULL, 1024, &out), RK_EINVAL);
}

int main(void) {
  RK_RUN(tier_values_and_names);
  RK_RUN(tier_for_throughput_edges);
  RK_RUN(tier_upgrade_downgrade_saturate);
  RK_RUN(tier_for_capacity);
  RK_RUN(monitor_defaults_and_validation);
  RK_RUN(utilization);
  RK_RUN(health_edges_inclusive);
  RK_RUN(suggest_upgrade_edges);
  RK_RUN(stats_rates);
  RK_RUN(metrics_compute);
  return rk_test_summary();
}
