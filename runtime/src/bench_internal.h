/* bench_internal.h — shared inside the benchmark subsystem: the object layouts and a
 * growable string used by the report writers. */
#ifndef RK_BENCH_INTERNAL_H
#define RK_BENCH_INTERNAL_H

#include <stdarg.h>

#include "ringkernel/bench.h"

typedef struct rki_bench_metric {
  char *key;
  double value;
} rki_bench_metric_t;

struct rk_bench_result {
  char *workload_id;
  uint64_t size;
  double total_time_secs;
  double throughput_ops;
  double *times; /* measurement times in seconds; at least one */
  size_t time_count;
  uint64_t iterations; /* 0 = not given */
  int converged;       /* -1 = not given */
  rki_bench_metric_t *metrics;
  size_t metric_count, metric_cap;
};

struct rk_bench_baseline {
  char *version;
  rk_bench_result_t **results;
  size_t count;
};

struct rk_bench_suite {
  rk_bench_config_t config;
  rk_bench_result_t **results;
  size_t count, cap;
  rk_bench_baseline_t *baseline; /* owned copy, or NULL */
};

/* Deep copy of a baseline; NULL on allocation failure. */
rk_bench_baseline_t *rki_bench_baseline_clone(const rk_bench_baseline_t *b);

/* strdup under -std=c11. NULL in → "" out; NULL only when out of memory. */
char *rki_strdup(const char *s);

/* A growable NUL-terminated string; `failed` sticks once an allocation fails. */
typedef struct rki_strbuf {
  char *data;
  size_t len, cap;
  bool failed;
} rki_strbuf_t;

void rki_sb_append(rki_strbuf_t *sb, const char *s);
void rki_sb_appendn(rki_strbuf_t *sb, const char *s, size_t n);
void rki_sb_printf(rki_strbuf_t *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Integer part of v with thousands separators (sep = "," or "{,}"); non-finite as "inf"/"nan". */
void rki_sb_thousands(rki_strbuf_t *sb, double v, const char *sep);
/* Hands the string to the caller (*out) or frees it and reports RK_ENOMEM. */
rk_status_t rki_sb_finish(rki_strbuf_t *sb, char **out);

#endif /* RK_BENCH_INTERNAL_H */
