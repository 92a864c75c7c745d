/* test_grid.c — GPU actors launched with more than one block: the other blocks help
 * handle batches of the staged handlers (here the sum and count built-ins), and every
 * message is still answered once, right, and in order; a grid larger than the device
 * holds is refused with the limit named. Label gpu (exit 77 without a device). */
#include <stdio.h>
#include <string.h>

#include "rk_test.h"
#include "ringkernel/cuda.h"
#include "ringkernel/message.h"

#ifdef RK_HAVE_CUDA
#include "rk_test_gpu.h"
#include "cuda_nvrtc.h"

static rkc_directory_t *dir;

static rk_status_t launch(uint64_t id, uint32_t handler, uint32_t grid, uint32_t block,
                          rkc_actor_t **out) {
  rkc_actor_config_t cfg = rk_test_actor_config(id, handler, block, 4096, 256, dir);
  cfg.grid = grid;
  return rkc_actor_launch(&cfg, out);
}

typedef struct {
  uint64_t next; /* replies seen */
  uint64_t bad;  /* replies with a wrong value or out of order */
  uint64_t dead;
} check_t;

/* Sum replies: message k carried {k, 2k, 0.5} as doubles, so its sum is 3k + 0.5, and
 * replies arrive in request order (correlation id k). */
static bool check_sum(void *ctx, const rk_message_header_t *h, const void *p, int32_t dead) {
  check_t *c = ctx;
  if (dead) {
    c->dead++;
    return true;
  }
  double v;
  memcpy(&v, p, 8);
  if (h->correlation_id != c->next || h->payload_size != 8 || v != 3.0 * (double)c->next + 0.5)
    c->bad++;
  c->next++;
  return true;
}

RK_TEST(grid_sum_every_message_once_in_order) {
  rkc_actor_t *a = NULL;
  CHECK_OK(launch(31, RKC_HANDLER_SUM, 4, 128, &a));
  if (!a) return;
  enum { N = 40000, B = 256 };
  static rk_message_header_t h[B];
  static double pay[B][3];
  const rk_message_header_t *hs[B];
  const void *ps[B];
  check_t c = {0, 0, 0};
  uint8_t buf[256];
  uint64_t sent = 0, deadline = rk_test_now_ns() + 20000000000ull;
  while (c.next + c.dead < N && rk_test_now_ns() < deadline) {
    size_t want = N - sent < B ? (size_t)(N - sent) : B;
    for (size_t i = 0; i < want; i++) {
      uint64_t k = sent + i;
      pay[i][0] = (double)k;
      pay[i][1] = 2.0 * (double)k;
      pay[i][2] = 0.5;
      rk_message_header_init(&h[i], 0, 0, 0, sizeof pay[i], rk_hlc_timestamp_now(1));
      h[i].correlation_id = k;
      hs[i] = &h[i];
      ps[i] = pay[i];
    }
    sent += rkc_actor_enqueue(a, hs, ps, want);
    rkc_actor_dequeue_many(a, 4096, buf, check_sum, &c);
  }
  CHECK_EQ_U64(c.next, N);
  CHECK_EQ_U64(c.bad, 0);
  CHECK_EQ_U64(c.dead, 0);
  CHECK_OK(rkc_actor_terminate(a, false, 2000000000));
  rkc_actor_diag_t d;
  rkc_actor_diag(a, &d);
  /* the other three blocks took part (a batch of 128 over 16 warps of 4 blocks) */
  CHECK(d.helper_messages > 0);
  rk_cuda_actor_profile_t pf;
  rkc_actor_profile(a, &pf);
  CHECK_EQ_U64(pf.messages, N);
  rkc_actor_destroy(a);
}

/* The count built-in replies the running count: with batches spread over blocks the
 * counts must still be 1..N in order (handled_before comes from the batch, not from a
 * block's own tally). */
static bool check_count(void *ctx, const rk_message_header_t *h, const void *p, int32_t dead) {
  (void)h;
  check_t *c = ctx;
  uint64_t v;
  memcpy(&v, p, 8);
  if (dead || v != c->next + 1) c->bad++;
  c->next++;
  return true;
}

/* Echo replies of {1, 2, 0.5}, correlation ids in order. */
static bool count_echo(void *ctx, const rk_message_header_t *h, const void *p, int32_t dead) {
  check_t *c = ctx;
  double v[3];
  memcpy(v, p, sizeof v);
  if (dead || h->correlation_id != c->next || v[2] != 0.5) c->bad++;
  c->next++;
  return true;
}

RK_TEST(grid_count_keeps_the_order) {
  rkc_actor_t *a = NULL;
  CHECK_OK(launch(32, RKC_HANDLER_COUNT, 3, 64, &a));
  if (!a) return;
  enum { N = 10000, B = 128 };
  static rk_message_header_t h[B];
  const rk_message_header_t *hs[B];
  const void *ps[B];
  static uint8_t one[1];
  check_t c = {0, 0, 0};
  uint8_t buf[256];
  uint64_t sent = 0, deadline = rk_test_now_ns() + 20000000000ull;
  for (int i = 0; i < B; i++) {
    rk_message_header_init(&h[i], 0, 0, 0, 1, rk_hlc_timestamp_now(1));
    hs[i] = &h[i];
    ps[i] = one;
  }
  while (c.next < N && rk_test_now_ns() < deadline) {
    size_t want = N - sent < B ? (size_t)(N - sent) : B;
    sent += rkc_actor_enqueue(a, hs, ps, want);
    rkc_actor_dequeue_many(a, 4096, buf, check_count, &c);
  }
  CHECK_EQ_U64(c.next, N);
  CHECK_EQ_U64(c.bad, 0);
  CHECK_OK(rkc_actor_terminate(a, true, 2000000000));
  rkc_actor_destroy(a);
}

/* New CUDA-source code cannot be loaded while an actor runs (the driver's load waits for
 * an idle device, which persistent actors never give it): the launch is refused with the
 * reason, nothing hangs; once no actor runs it loads, and then runs at grid 1 and 4 even
 * beside a running actor (the code stays loaded). */
RK_TEST(nvrtc_load_refused_while_an_actor_runs) {
  rkc_actor_t *echo = NULL;
  CHECK_OK(launch(34, RKC_HANDLER_ECHO, 1, 64, &echo));
  if (!echo) return;
  static const char *src =
      "RK_DEVICE_HANDLER(twice) {\n"
      "  long long t0 = clock64();\n"
      "  while (clock64() - t0 < 2000) {}\n"
      "  return rk_dev_reply(ctx, msg, msg->message_type, msg->payload, msg->payload_size);\n"
      "}\n";
  const void *kernel = NULL;
  CHECK_STATUS(rkc_nvrtc_kernel(0, src, "twice", &kernel), RK_ESTATE);
  CHECK(kernel == NULL);
  CHECK_CONTAINS(rk_last_error(), "GPU actors run");
  CHECK_OK(rkc_actor_terminate(echo, false, 2000000000));
  rkc_actor_destroy(echo);
  CHECK_OK(rkc_nvrtc_kernel(0, src, "twice", &kernel));
  echo = NULL;
  CHECK_OK(launch(35, RKC_HANDLER_ECHO, 1, 64, &echo));
  for (uint32_t grid = 1; grid <= 4 && kernel; grid += 3) {
    rkc_actor_config_t cfg = rk_test_actor_config(40 + grid, 0, 128, 1024, 64, dir);
    cfg.grid = grid;
    cfg.kernel = kernel;
    rkc_actor_t *a = NULL;
    CHECK_OK(rkc_actor_launch(&cfg, &a));
    if (!a) continue;
    enum { N = 2000 };
    static rk_message_header_t h[N];
    const rk_message_header_t *hs[64];
    const void *ps[64];
    static double pay[3] = {1, 2, 0.5};
    check_t c = {0, 0, 0};
    uint8_t buf[64];
    uint64_t sent = 0, deadline = rk_test_now_ns() + 10000000000ull;
    while (c.next + c.dead < N && rk_test_now_ns() < deadline) {
      size_t want = N - sent < 64 ? (size_t)(N - sent) : 64;
      for (size_t i = 0; i < want; i++) {
        rk_message_header_init(&h[i], 0, 0, 0, sizeof pay, rk_hlc_timestamp_now(1));
        h[i].correlation_id = sent + i;
        hs[i] = &h[i];
        ps[i] = pay;
      }
      sent += rkc_actor_enqueue(a, hs, ps, want);
      rkc_actor_dequeue_many(a, 1024, buf, count_echo, &c);
    }
    CHECK_EQ_U64(c.next, N);
    CHECK_EQ_U64(c.bad, 0);
    CHECK_OK(rkc_actor_terminate(a, false, 2000000000));
    rkc_actor_destroy(a);
  }
  if (echo) {
    CHECK_OK(rkc_actor_terminate(echo, false, 2000000000));
    rkc_actor_destroy(echo);
  }
}

RK_TEST(grid_too_large_is_refused) {
  rkc_actor_t *a = NULL;
  CHECK_STATUS(launch(33, RKC_HANDLER_ECHO, 65535, 512, &a), RK_EINVAL);
  CHECK(a == NULL);
  CHECK_CONTAINS(rk_last_error(), "grid_size 65535");
  CHECK_CONTAINS(rk_last_error(), "resident");
}
#endif

int main(void) {
#ifdef RK_HAVE_CUDA
  if (rk_cuda_device_count() == 0) return rk_test_skip("no CUDA device");
  if (rkc_directory_create(0, &dir) != RK_OK) return 1;
  RK_RUN(grid_sum_every_message_once_in_order);
  RK_RUN(grid_count_keeps_the_order);
  RK_RUN(nvrtc_load_refused_while_an_actor_runs);
  RK_RUN(grid_too_large_is_refused);
  rkc_directory_destroy(dir);
  return rk_test_summary();
#else
  return rk_test_skip("built without the CUDA backend");
#endif
}
