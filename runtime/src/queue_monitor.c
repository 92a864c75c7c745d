/* queue_monitor.c — queue tiers, health thresholds and metrics (pure functions). */
#include "ringkernel/queue.h"
#include "rk_internal.h"

static const rk_queue_tier_t rki_tiers[] = {RK_QUEUE_TIER_SMALL, RK_QUEUE_TIER_MEDIUM,
                                            RK_QUEUE_TIER_LARGE, RK_QUEUE_TIER_EXTRA_LARGE};
enum { RKI_TIER_COUNT = sizeof rki_tiers / sizeof rki_tiers[0] };

double rk_queue_stats_utilization(const rk_queue_stats_t *stats, uint64_t capacity) {
  if (!stats) return 0.0;
  return rk_queue_monitor_utilization(stats->depth, capacity);
}

double rk_queue_stats_drop_rate(const rk_queue_stats_t *stats) {
  if (!stats) return 0.0;
  double total = (double)stats->enqueued + (double)stats->dropped;
  return total == 0.0 ? 0.0 : (double)stats->dropped / total;
}

static int rki_tier_position(rk_queue_tier_t tier) {
  for (int i = 0; i < RKI_TIER_COUNT; i++)
    if (rki_tiers[i] == tier) return i;
  return -1;
}

bool rk_queue_tier_is_valid(int64_t value) {
  return value >= 0 && value <= RK_QUEUE_TIER_EXTRA_LARGE &&
         rki_tier_position((rk_queue_tier_t)value) >= 0;
}

uint64_t rk_queue_tier_capacity(rk_queue_tier_t tier) {
  return rki_tier_position(tier) >= 0 ? (uint64_t)tier : 0;
}

const char *rk_queue_tier_name(rk_queue_tier_t tier) {
  switch (tier) {
  case RK_QUEUE_TIER_SMALL: return "Small";
  case RK_QUEUE_TIER_MEDIUM: return "Medium";
  case RK_QUEUE_TIER_LARGE: return "Large";
  case RK_QUEUE_TIER_EXTRA_LARGE: return "ExtraLarge";
  case RK_QUEUE_TIER_NONE: break;
  }
  return "None";
}

rk_queue_tier_t rk_queue_tier_for_capacity(uint64_t capacity) {
  for (int i = 0; i < RKI_TIER_COUNT; i++)
    if (capacity <= (uint64_t)rki_tiers[i]) return rki_tiers[i];
  return RK_QUEUE_TIER_EXTRA_LARGE;
}

rk_queue_tier_t rk_queue_tier_for_throughput(uint64_t messages_per_second, uint64_t headroom_ms) {
  uint64_t product;
  if (__builtin_mul_overflow(messages_per_second, headroom_ms, &product)) product = UINT64_MAX;
  return rk_queue_tier_for_capacity(product / 1000);
}

rk_queue_tier_t rk_queue_tier_upgrade(rk_queue_tier_t tier) {
  int i = rki_tier_position(tier);
  if (i < 0) return tier;
  return rki_tiers[i + 1 < RKI_TIER_COUNT ? i + 1 : i];
}

rk_queue_tier_t rk_queue_tier_downgrade(rk_queue_tier_t tier) {
  int i = rki_tier_position(tier);
  if (i < 0) return tier;
  return rki_tiers[i > 0 ? i - 1 : 0];
}

const char *rk_queue_health_name(rk_queue_health_t health) {
  switch (health) {
  case RK_QUEUE_HEALTHY: return "Healthy";
  case RK_QUEUE_WARNING: return "Warning";
  case RK_QUEUE_CRITICAL: return "Critical";
  }
  return "Unknown";
}

void rk_queue_monitor_init(rk_queue_monitor_t *monitor) {
  if (!monitor) return;
  monitor->warning_threshold = 0.75;
  monitor->critical_threshold = 0.90;
}

rk_status_t rk_queue_monitor_validate(const rk_queue_monitor_t *monitor) {
  if (!monitor) return rki_fail(RK_EINVAL, "queue monitor: NULL");
  double w = monitor->warning_threshold, c = monitor->critical_threshold;
  /* Written so that NaN fails every comparison and lands in the error branch. */
  if (!(w > 0.0 && w < c && c <= 1.0))
    return rki_fail(RK_EINVAL,
                    "queue monitor thresholds warning %g, critical %g: must satisfy "
                    "0 < warning < critical <= 1",
                    w, c);
  return RK_OK;
}

double rk_queue_monitor_utilization(uint64_t depth, uint64_t capacity) {
  return capacity == 0 ? 0.0 : (double)depth / (double)capacity;
}

rk_queue_health_t rk_queue_monitor_check_health(const rk_queue_monitor_t *monitor, uint64_t depth,
                                                uint64_t capacity) {
  rk_queue_monitor_t defaults;
  if (!monitor) {
    rk_queue_monitor_init(&defaults);
    monitor = &defaults;
  }
  double u = rk_queue_monitor_utilization(depth, capacity);
  if (u >= monitor->critical_threshold) return RK_QUEUE_CRITICAL;
  if (u >= monitor->warning_threshold) return RK_QUEUE_WARNING;
  return RK_QUEUE_HEALTHY;
}

rk_queue_tier_t rk_queue_monitor_suggest_upgrade(const rk_queue_monitor_t *monitor, uint64_t depth,
                                                 uint64_t capacity, rk_queue_tier_t current_tier) {
  rk_queue_monitor_t defaults;
  if (!monitor) {
    rk_queue_monitor_init(&defaults);
    monitor = &defaults;
  }
  if (!(rk_queue_monitor_utilization(depth, capacity) >= monitor->warning_threshold))
    return RK_QUEUE_TIER_NONE;
  if (current_tier == RK_QUEUE_TIER_EXTRA_LARGE || rki_tier_position(current_tier) < 0)
    return RK_QUEUE_TIER_NONE;
  return rk_queue_tier_upgrade(current_tier);
}

rk_status_t rk_queue_metrics_compute(const rk_queue_monitor_t *monitor,
                                     const rk_queue_stats_t *stats, uint64_t capacity,
                                     rk_queue_metrics_t *out) {
  if (!stats || !out) return rki_fail(RK_EINVAL, "queue metrics: NULL stats or output");
  rk_status_t st = rk_queue_monitor_validate(monitor);
  if (st != RK_OK) return st;
  out->stats = *stats;
  out->capacity = capacity;
  out->utilization = rk_queue_monitor_utilization(stats->depth, capacity);
  out->health = rk_queue_monitor_check_health(monitor, stats->depth, capacity);
  out->tier = rk_queue_tier_for_capacity(capacity);
  out->suggested_upgrade =
      rk_queue_monitor_suggest_upgrade(monitor, stats->depth, capacity, out->tier);
  return RK_OK;
}
