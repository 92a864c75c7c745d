#define _POSIX_C_SOURCE 200809L
#include "rk_test.h"

#include <stdlib.h>
#include <time.h>

int rk_test_failures = 0;
int rk_test_case_failed = 0;
static int rk_test_skipped = 0;

void rk_test_begin(const char *name) {
  rk_test_case_failed = 0;
  fprintf(stderr, "[ RUN  ] %s\n", name);
}

void rk_test_end(const char *name) {
  if (rk_test_case_failed) rk_test_failures++;
  fprintf(stderr, "[ %s ] %s\n", rk_test_case_failed ? "FAIL" : " OK ", name);
}

int rk_test_summary(void) {
  if (rk_test_skipped) return 77;
  if (rk_test_failures) fprintf(stderr, "%d case(s) failed\n", rk_test_failures);
  return rk_test_failures ? 1 : 0;
}

int rk_test_skip(const char *reason) {
  fprintf(stderr, "SKIP: %s\n", reason);
  rk_test_skipped = 1;
  return 77;
}

uint64_t rk_test_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
