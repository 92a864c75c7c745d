/* rk_test.h — the minimal assertion kit every C test and benchmark shares.
 *
 * A test file defines cases with RK_TEST(name) and lists them in main() through
 * RK_RUN(name). A failed check prints file:line and the values, marks the case failed
 * and continues with the next case; main returns rk_test_summary() (0, 1, or 77 when the
 * test called rk_test_skip()).
 */
#ifndef RK_TEST_H
#define RK_TEST_H

#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <inttypes.h>

extern int rk_test_failures;
extern int rk_test_case_failed;

void rk_test_begin(const char *name);
void rk_test_end(const char *name);
int rk_test_summary(void);
/* Marks the whole program as skipped (exit 77) with a reason, e.g. "no CUDA device". */
int rk_test_skip(const char *reason);
/* Monotonic time in nanoseconds, for benchmarks. */
uint64_t rk_test_now_ns(void);

#define RK_TEST(name) static void name(void)
#define RK_RUN(name)                                                                     \
  do {                                                                                   \
    rk_test_begin(#name);                                                                \
    name();                                                                              \
    rk_test_end(#name);                                                                  \
  } while (0)

#define RK_FAIL_AT(...)                                                                  \
  do {                                                                                   \
    fprintf(stderr, "  FAIL %s:%d: ", __FILE__, __LINE__);                               \
    fprintf(stderr, __VA_ARGS__);                                                        \
    fputc('\n', stderr);                                                                 \
    rk_test_case_failed = 1;                                                             \
  } while (0)

#define CHECK(cond)                                                                      \
  do {                                                                                   \
    if (!(cond)) RK_FAIL_AT("CHECK(%s)", #cond);                                         \
  } while (0)

#define CHECK_EQ_INT(a, b)                                                               \
  do {                                                                                   \
    long long rk_a_ = (long long)(a), rk_b_ = (long long)(b);                            \
    if (rk_a_ != rk_b_) RK_FAIL_AT("%s == %s (%lld != %lld)", #a, #b, rk_a_, rk_b_);     \
  } while (0)

#define CHECK_EQ_U64(a, b)                                                               \
  do {                                                                                   \
    unsigned long long rk_a_ = (unsigned long long)(a), rk_b_ = (unsigned long long)(b); \
    if (rk_a_ != rk_b_) RK_FAIL_AT("%s == %s (%llu != %llu)", #a, #b, rk_a_, rk_b_);     \
  } while (0)

#define CHECK_NEAR(a, b, tol)                                                            \
  do {                                                                                   \
    double rk_a_ = (double)(a), rk_b_ = (double)(b);                                     \
    double rk_d_ = rk_a_ > rk_b_ ? rk_a_ - rk_b_ : rk_b_ - rk_a_;                        \
    if (!(rk_d_ <= (tol))) RK_FAIL_AT("%s ~= %s (%.9g vs %.9g)", #a, #b, rk_a_, rk_b_);  \
  } while (0)

#define CHECK_STR(a, b)                                                                  \
  do {                                                                                   \
    const char *rk_a_ = (a), *rk_b_ = (b);                                               \
    if (!rk_a_ || !rk_b_ || strcmp(rk_a_, rk_b_) != 0)                                   \
      RK_FAIL_AT("%s == %s (\"%s\" vs \"%s\")", #a, #b, rk_a_ ? rk_a_ : "(null)",        \
                 rk_b_ ? rk_b_ : "(null)");                                              \
  } while (0)

#define CHECK_CONTAINS(hay, needle)                                                      \
  do {                                                                                   \
    const char *rk_h_ = (hay), *rk_n_ = (needle);                                        \
    if (!rk_h_ || !strstr(rk_h_, rk_n_))                                                 \
      RK_FAIL_AT("\"%s\" contains \"%s\"", rk_h_ ? rk_h_ : "(null)", rk_n_);             \
  } while (0)

/* Checks a status code and prints both names on mismatch. */
#define CHECK_STATUS(expr, expected)                                                     \
  do {                                                                                   \
    int rk_s_ = (int)(expr), rk_e_ = (int)(expected);                                    \
    if (rk_s_ != rk_e_)                                                                  \
      RK_FAIL_AT("%s -> %s, expected %s (%s)", #expr, rk_status_name(rk_s_),             \
                 rk_status_name(rk_e_), rk_last_error());                                \
  } while (0)

#define CHECK_OK(expr) CHECK_STATUS(expr, RK_OK)

#endif /* RK_TEST_H */
