/* ringkernel/queue.h — queue statistics, capacity tiers and health monitoring.
 *
 * Everything here is plain data and pure functions: any thread may call any of them,
 * none blocks, none allocates. Live queues (rk_ring, kernel input/output queues) fill an
 * rk_queue_stats_t; the monitor turns (stats, capacity) into health and advice.
 *
 * Counting rule shared by every queue: `enqueued` and `dequeued` count messages that
 * entered and left; `rejected` counts pushes refused because the queue was full (the
 * caller kept the message, so it is not lost); `dropped` counts messages the queue itself
 * discarded after accepting them — rings never do, so for a bare ring it stays 0, and
 * layers above (dead letters, overwrite policies) add theirs.
 */
#ifndef RINGKERNEL_QUEUE_H
#define RINGKERNEL_QUEUE_H

#include "ringkernel/api.h"
#include "ringkernel/status.h"

RK_EXTERN_C_BEGIN

typedef struct rk_queue_stats {
  uint64_t enqueued;  /* messages accepted */
  uint64_t dequeued;  /* messages taken out */
  uint64_t dropped;   /* accepted, then discarded by the queue (never, for rings) */
  uint64_t depth;     /* enqueued - dequeued at the time of the snapshot */
  uint64_t max_depth; /* highest depth seen since creation */
  uint64_t rejected;  /* pushes refused while full; the caller kept the message */
} rk_queue_stats_t;

/* depth / capacity; 0.0 when capacity is 0. */
RK_API double rk_queue_stats_utilization(const rk_queue_stats_t *stats, uint64_t capacity);

/* dropped / (enqueued + dropped): the share of accepted-or-dropped messages that were
 * dropped; 0.0 when both are 0. */
RK_API double rk_queue_stats_drop_rate(const rk_queue_stats_t *stats);

/* Capacity tiers; the value is the capacity. RK_QUEUE_TIER_NONE means "no tier" (e.g. no
 * upgrade suggested). */
typedef enum rk_queue_tier {
  RK_QUEUE_TIER_NONE = 0,
  RK_QUEUE_TIER_SMALL = 256,
  RK_QUEUE_TIER_MEDIUM = 1024,
  RK_QUEUE_TIER_LARGE = 4096,
  RK_QUEUE_TIER_EXTRA_LARGE = 16384,
} rk_queue_tier_t;

/* The tier's capacity (its value); 0 for RK_QUEUE_TIER_NONE or a value not in the list. */
RK_API uint64_t rk_queue_tier_capacity(rk_queue_tier_t tier);

/* True when `value` is one of the four real tiers. */
RK_API bool rk_queue_tier_is_valid(int64_t value);

/* Short name: "Small", "Medium", "Large", "ExtraLarge"; "None" otherwise. */
RK_API const char *rk_queue_tier_name(rk_queue_tier_t tier);

/* need = messages_per_second * headroom_ms / 1000 (integer division; the product
 * saturates at UINT64_MAX instead of wrapping); need <= 256 Small, <= 1024 Medium,
 * <= 4096 Large, else ExtraLarge. The Python default headroom is 100 ms. */
RK_API rk_queue_tier_t rk_queue_tier_for_throughput(uint64_t messages_per_second,
                                                    uint64_t headroom_ms);

/* The smallest tier whose capacity is >= capacity; ExtraLarge above 16384. Used to name
 * the tier of a live queue whose capacity is not exactly a tier. */
RK_API rk_queue_tier_t rk_queue_tier_for_capacity(uint64_t capacity);

/* Next larger / smaller tier, saturating at the ends. A value that is not a real tier
 * is returned unchanged. */
RK_API rk_queue_tier_t rk_queue_tier_upgrade(rk_queue_tier_t tier);
RK_API rk_queue_tier_t rk_queue_tier_downgrade(rk_queue_tier_t tier);

typedef enum rk_queue_health {
  RK_QUEUE_HEALTHY = 0,
  RK_QUEUE_WARNING = 1,
  RK_QUEUE_CRITICAL = 2,
} rk_queue_health_t;

/* "Healthy", "Warning", "Critical"; "Unknown" otherwise. */
RK_API const char *rk_queue_health_name(rk_queue_health_t health);

/* Monitor thresholds, fractions of capacity. Initialise with rk_queue_monitor_init. */
typedef struct rk_queue_monitor {
  double warning_threshold;  /* default 0.75 */
  double critical_threshold; /* default 0.90 */
} rk_queue_monitor_t;

/* Writes the defaults (0.75, 0.90). */
RK_API void rk_queue_monitor_init(rk_queue_monitor_t *monitor);

/* RK_OK when 0 < warning < critical <= 1 (NaN fails); otherwise RK_EINVAL with a detail
 * naming both values and the rule. */
RK_API rk_status_t rk_queue_monitor_validate(const rk_queue_monitor_t *monitor);

/* depth / capacity; 0.0 when capacity is 0. */
RK_API double rk_queue_monitor_utilization(uint64_t depth, uint64_t capacity);

/* Critical when utilization >= critical, Warning when >= warning, else Healthy (both
 * comparisons inclusive). */
RK_API rk_queue_health_t rk_queue_monitor_check_health(const rk_queue_monitor_t *monitor,
                                                       uint64_t depth, uint64_t capacity);

/* The next tier up when utilization >= warning and current_tier is not ExtraLarge;
 * otherwise RK_QUEUE_TIER_NONE. */
RK_API rk_queue_tier_t rk_queue_monitor_suggest_upgrade(const rk_queue_monitor_t *monitor,
                                                        uint64_t depth, uint64_t capacity,
                                                        rk_queue_tier_t current_tier);

/* A complete snapshot: what the monitor says about one queue. */
typedef struct rk_queue_metrics {
  rk_queue_health_t health;
  double utilization; /* stats.depth / capacity */
  rk_queue_stats_t stats;
  uint64_t capacity;
  rk_queue_tier_t tier;              /* rk_queue_tier_for_capacity(capacity) */
  rk_queue_tier_t suggested_upgrade; /* RK_QUEUE_TIER_NONE when none */
} rk_queue_metrics_t;

/* Fills *out from stats and capacity with the monitor's rules. RK_EINVAL when an
 * argument is NULL or the monitor fails rk_queue_monitor_validate. Pure function. */
RK_API rk_status_t rk_queue_metrics_compute(const rk_queue_monitor_t *monitor,
                                            const rk_queue_stats_t *stats, uint64_t capacity,
                                            rk_queue_metrics_t *out);

RK_EXTERN_C_END

#endif /* RINGKERNEL_QUEUE_H */
