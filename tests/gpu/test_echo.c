/* test_echo.c — the persistent actor kernel driven through the backend's internal
 * actor API (no runtime): echo answers, ordering, full queues, lifecycle, built-ins. */
#include <stdlib.h>
#include <string.h>

#include "rk_test.h"
#include "ringkernel/cuda.h"
#include "ringkernel/message.h"

#ifdef RK_HAVE_CUDA
#include "rk_test_gpu.h"

static rkc_directory_t *dir;

static rkc_actor_t *launch(uint64_t id, uint32_t handler, uint32_t cap, uint32_t payload_cap,
                           uint32_t block, uint64_t forward_to) {
  rkc_actor_config_t cfg = rk_test_actor_config(id, handler, block, cap, payload_cap, dir);
  cfg.node_id = 7;
  cfg.forward_to = forward_to;
  rkc_actor_t *a = NULL;
  CHECK_OK(rkc_actor_launch(&cfg, &a));
  return a;
}

static void make_header(rk_message_header_t *h, uint64_t type, size_t len, uint64_t corr) {
  rk_message_header_init(h, type, 0, 0, len, rk_hlc_timestamp_now(1));
  h->correlation_id = corr;
}

/* Waits up to 5 s for one output record. */
static rk_status_t recv_one(rkc_actor_t *a, rk_message_header_t *h, void *buf, int32_t *dead) {
  uint64_t deadline = rk_test_now_ns() + 5000000000ull;
  for (;;) {
    rk_status_t st = rkc_actor_dequeue(a, h, buf, dead);
    if (st != RK_EAGAIN || rk_test_now_ns() > deadline) return st;
  }
}

static size_t send_one(rkc_actor_t *a, const rk_message_header_t *h, const void *p) {
  const rk_message_header_t *hs[1] = {h};
  const void *ps[1] = {p};
  return rkc_actor_enqueue(a, hs, ps, 1);
}

RK_TEST(echo_single) {
  rkc_actor_t *a = launch(11, RKC_HANDLER_ECHO, 64, 256, 256, 0);
  if (!a) return;
  uint8_t payload[64], back[256];
  for (int i = 0; i < 64; i++) payload[i] = (uint8_t)(i * 7 + 1);
  rk_message_header_t h, r;
  make_header(&h, 42, sizeof payload, 9001);
  CHECK_EQ_INT(send_one(a, &h, payload), 1);
  int32_t dead = -1;
  CHECK_OK(recv_one(a, &r, back, &dead));
  CHECK_EQ_INT(dead, 0);
  CHECK_EQ_U64(r.payload_size, 64);
  CHECK(memcmp(back, payload, 64) == 0);
  CHECK_EQ_U64(r.correlation_id, 9001);
  CHECK_EQ_U64(r.message_type, 42);
  CHECK_EQ_U64(r.source_kernel, 11);
  CHECK_EQ_U64(r.timestamp.node_id, 7);
  CHECK(rk_hlc_timestamp_compare(r.timestamp, h.timestamp) > 0);
  CHECK_OK(rk_message_header_validate(&r));
  CHECK_OK(rkc_actor_terminate(a, false, 2000000000));
  rkc_actor_destroy(a);
}

/* Odd sizes exercise the partial last word; many in flight exercise batching. */
/* RK_GPU_SMALL=1 (set under compute-sanitizer, which is ~100x slower) shrinks counts. */
static int small(void) { return getenv("RK_GPU_SMALL") != NULL; }

RK_TEST(echo_many_in_order) {
  const size_t N = small() ? 600 : 20000;
  rkc_actor_t *a = launch(12, RKC_HANDLER_ECHO, 1024, 300, 256, 0);
  if (!a) return;
  uint8_t buf[300], back[300];
  size_t sent = 0, got = 0;
  uint64_t deadline = rk_test_now_ns() + 30000000000ull;
  while (got < N && rk_test_now_ns() < deadline) {
    while (sent < N) {
      rk_message_header_t h;
      size_t len = sent % 301;
      for (size_t k = 0; k < len; k++) buf[k] = (uint8_t)(sent + k);
      make_header(&h, 1, len, sent + 1);
      if (send_one(a, &h, buf) != 1) break;
      sent++;
    }
    rk_message_header_t r;
    int32_t dead;
    while (rkc_actor_dequeue(a, &r, back, &dead) == RK_OK) {
      size_t len = got % 301;
      if (r.correlation_id != got + 1 || r.payload_size != len || dead != 0) {
        RK_FAIL_AT("reply %zu: corr %llu size %llu", got, (unsigned long long)r.correlation_id,
                   (unsigned long long)r.payload_size);
        got = N;
        break;
      }
      for (size_t k = 0; k < len; k++)
        if (back[k] != (uint8_t)(got + k)) {
          RK_FAIL_AT("reply %zu byte %zu", got, k);
          k = len;
        }
      got++;
    }
  }
  CHECK_EQ_U64(got, N);
  rkc_actor_counters_t c;
  rkc_actor_counters(a, &c);
  CHECK_OK(rkc_actor_terminate(a, true, 2000000000));
  rkc_actor_counters(a, &c);
  CHECK_EQ_U64(c.processed, N);
  rkc_actor_destroy(a);
}

/* Deactivated: input accepted up to capacity, nothing processed; activate: all answered. */
RK_TEST(full_queue_and_deactivate) {
  rkc_actor_t *a = launch(13, RKC_HANDLER_ECHO, 16, 64, 64, 0);
  if (!a) return;
  CHECK_OK(rkc_actor_set_active(a, false));
  rk_message_header_t h, r;
  uint8_t p[8] = {1, 2, 3, 4, 5, 6, 7, 8}, back[64];
  size_t accepted = 0;
  for (int i = 0; i < 40; i++) {
    make_header(&h, 3, 8, (uint64_t)i + 1);
    accepted += send_one(a, &h, p);
  }
  CHECK_EQ_U64(accepted, 16);
  int32_t dead;
  CHECK_STATUS(rkc_actor_dequeue(a, &r, back, &dead), RK_EAGAIN);
  rkc_actor_counters_t c;
  rkc_actor_counters(a, &c);
  CHECK_EQ_U64(c.processed, 0);
  CHECK(c.in_rejected > 0);
  CHECK_OK(rkc_actor_set_active(a, true));
  for (int i = 0; i < 16; i++) {
    CHECK_OK(recv_one(a, &r, back, &dead));
    CHECK_EQ_U64(r.correlation_id, (uint64_t)i + 1);
  }
  CHECK_OK(rkc_actor_terminate(a, false, 2000000000));
  rkc_actor_destroy(a);
}

/* Terminate without drain leaves unprocessed input for take_input: nothing is lost. */
RK_TEST(terminate_leaves_input) {
  rkc_actor_t *a = launch(14, RKC_HANDLER_ECHO, 32, 64, 32, 0);
  if (!a) return;
  CHECK_OK(rkc_actor_set_active(a, false));
  rk_message_header_t h, r;
  uint8_t p[4] = {9, 9, 9, 9}, back[64];
  for (int i = 0; i < 10; i++) {
    make_header(&h, 5, 4, (uint64_t)i + 100);
    CHECK_EQ_INT(send_one(a, &h, p), 1);
  }
  CHECK_OK(rkc_actor_terminate(a, false, 2000000000));
  CHECK_EQ_INT(send_one(a, &h, p), 0);
  for (int i = 0; i < 10; i++) {
    CHECK_OK(rkc_actor_take_input(a, &r, back));
    CHECK_EQ_U64(r.correlation_id, (uint64_t)i + 100);
    CHECK(memcmp(back, p, 4) == 0);
  }
  CHECK_STATUS(rkc_actor_take_input(a, &r, back), RK_EAGAIN);
  rkc_actor_destroy(a);
}

/* One actor at a time: compute-sanitizer runs kernels one after another, so a second
 * persistent actor would never start under it. */
RK_TEST(builtin_sum_count) {
  rkc_actor_t *s = launch(15, RKC_HANDLER_SUM, 16, 256, 64, 0);
  if (!s) return;
  double v[4] = {1.5, 2.25, -0.75, 10.0}, out;
  rk_message_header_t h, r;
  uint8_t back[256];
  int32_t dead;
  make_header(&h, 1, sizeof v, 1);
  CHECK_EQ_INT(send_one(s, &h, v), 1);
  CHECK_OK(recv_one(s, &r, back, &dead));
  memcpy(&out, back, 8);
  CHECK_EQ_INT(dead, 0);
  CHECK(out == 1.5 + 2.25 - 0.75 + 10.0);
  int64_t iv[3] = {5, -7, 100}, iout;
  make_header(&h, 0x53554D49, sizeof iv, 2);
  CHECK_EQ_INT(send_one(s, &h, iv), 1);
  CHECK_OK(recv_one(s, &r, back, &dead));
  memcpy(&iout, back, 8);
  CHECK_EQ_INT(iout, 98);
  make_header(&h, 1, 5, 3); /* not a multiple of 8: dead letter */
  CHECK_EQ_INT(send_one(s, &h, v), 1);
  CHECK_OK(recv_one(s, &r, back, &dead));
  CHECK_EQ_INT(dead, RK_EINVAL);
  CHECK_EQ_U64(r.correlation_id, 3);
  CHECK_OK(rkc_actor_terminate(s, false, 2000000000));
  rkc_actor_destroy(s);
  rkc_actor_t *c = launch(16, RKC_HANDLER_COUNT, 16, 64, 64, 0);
  if (!c) return;
  for (uint64_t i = 1; i <= 5; i++) {
    make_header(&h, 1, 0, i);
    CHECK_EQ_INT(send_one(c, &h, NULL), 1);
  }
  for (uint64_t i = 1; i <= 5; i++) {
    uint64_t n;
    CHECK_OK(recv_one(c, &r, back, &dead));
    memcpy(&n, back, 8);
    CHECK_EQ_U64(n, i);
  }
  CHECK_OK(rkc_actor_terminate(c, false, 2000000000));
  rkc_actor_destroy(c);
}

/* host -> A (forward) -> B (forward) -> C (echo) -> host, all on the device. */
RK_TEST(k2k_chain) {
  const size_t N = 2000;
  if (small()) return; /* three live actors: not under compute-sanitizer (see above) */
  rkc_actor_t *c = launch(23, RKC_HANDLER_ECHO, 64, 128, 64, 0);
  rkc_actor_t *b = launch(22, RKC_HANDLER_FORWARD, 64, 128, 64, 23);
  rkc_actor_t *a = launch(21, RKC_HANDLER_FORWARD, 64, 128, 64, 22);
  if (!a || !b || !c) return;
  rk_message_header_t h, r;
  uint8_t p[16], back[128];
  size_t sent = 0, got = 0;
  int32_t dead;
  uint64_t deadline = rk_test_now_ns() + 20000000000ull;
  while (got < N && rk_test_now_ns() < deadline) {
    if (sent < N) {
      memset(p, (int)(sent & 0xff), sizeof p);
      make_header(&h, 77, sizeof p, sent + 1);
      sent += send_one(a, &h, p);
    }
    if (rkc_actor_dequeue(c, &r, back, &dead) == RK_OK) {
      CHECK_EQ_U64(r.correlation_id, got + 1);
      CHECK_EQ_U64(r.source_kernel, 23);
      CHECK_EQ_INT(back[0], (int)(got & 0xff));
      got++;
    }
  }
  CHECK_EQ_U64(got, N);
  rk_cuda_actor_profile_t pa;
  rkc_actor_profile(a, &pa);
  /* each destroyed while the others still run: nothing on the destroy path waits for
   * the whole device (cuda_pinned.h) */
  CHECK_OK(rkc_actor_terminate(a, false, 2000000000));
  rkc_actor_destroy(a);
  CHECK_OK(rkc_actor_terminate(b, false, 2000000000));
  rkc_actor_destroy(b);
  CHECK_OK(rkc_actor_terminate(c, false, 2000000000));
  rkc_actor_destroy(c);
}

/* One echo actor fed by the host (H2K) and by a forward actor (K2K) at once: its two
 * watchers' solo paths and the batch path interleave. Every message is answered exactly
 * once, and each sender's replies come back in its send order. */
RK_TEST(k2k_and_host_mixed) {
  const uint64_t N = 3000;
  if (small()) return; /* two live actors: not under compute-sanitizer */
  rkc_actor_t *e = launch(41, RKC_HANDLER_ECHO, 128, 64, 64, 0);
  rkc_actor_t *f = launch(42, RKC_HANDLER_FORWARD, 128, 64, 256, 41);
  if (!e || !f) return;
  rk_message_header_t h, r;
  uint8_t p[8], back[64];
  uint64_t sent[2] = {0, 0}, got[2] = {0, 0};
  int32_t dead;
  uint64_t deadline = rk_test_now_ns() + 30000000000ull;
  while ((got[0] < N || got[1] < N) && rk_test_now_ns() < deadline) {
    for (int k = 0; k < 2; k++) {
      if (sent[k] >= N) continue;
      memcpy(p, &sent[k], 8);
      make_header(&h, 1u + (uint64_t)k, sizeof p, sent[k] + 1);
      sent[k] += send_one(k == 0 ? e : f, &h, p);
    }
    while (rkc_actor_dequeue(e, &r, back, &dead) == RK_OK) {
      uint64_t k = r.message_type - 1, v;
      memcpy(&v, back, 8);
      if (k > 1 || dead != 0 || r.correlation_id != got[k] + 1 || v != got[k]) {
        RK_FAIL_AT("reply type %llu corr %llu value %llu dead %d (expected corr %llu)",
                   (unsigned long long)r.message_type, (unsigned long long)r.correlation_id,
                   (unsigned long long)v, (int)dead, (unsigned long long)(k > 1 ? 0 : got[k] + 1));
        deadline = 0;
        break;
      }
      got[k]++;
    }
  }
  CHECK_EQ_U64(got[0], N);
  CHECK_EQ_U64(got[1], N);
  CHECK_STATUS(rkc_actor_dequeue(e, &r, back, &dead), RK_EAGAIN); /* nothing twice */
  CHECK_OK(rkc_actor_terminate(f, false, 2000000000));
  CHECK_OK(rkc_actor_terminate(e, false, 2000000000));
  rkc_actor_counters_t c; /* final counters: published when the kernel stopped */
  rkc_actor_counters(e, &c);
  CHECK_EQ_U64(c.processed, 2 * N);
  rkc_actor_destroy(f);
  rkc_actor_destroy(e);
}

/* A dead letter carries its 4-byte status also when the payload capacity is 1..3 (every
 * slot has room for 16 payload bytes; the host used to refuse the record as larger than
 * the capacity). The forward built-in without a destination dead-letters each message. */
RK_TEST(dead_letter_at_tiny_capacity) {
  for (uint32_t cap = 1; cap <= 4; cap++) {
    rkc_actor_t *a = launch(40 + cap, RKC_HANDLER_FORWARD, 64, cap, 64, 0);
    if (!a) return;
    uint8_t p[1] = {9}, back[RK_MAX_PAYLOAD_SIZE + 4];
    rk_message_header_t h, r;
    int32_t dead = 0;
    make_header(&h, 3, 1, 100 + cap);
    CHECK_EQ_U64(send_one(a, &h, p), 1);
    CHECK_OK(recv_one(a, &r, back, &dead));
    CHECK(dead != 0);
    CHECK_EQ_U64(r.correlation_id, 100 + cap);
    CHECK_OK(rkc_actor_terminate(a, false, 2000000000));
    rkc_actor_destroy(a);
  }
}

/* Round trips with one message in flight: prints p50/p99 (no assertion on time). */
RK_TEST(echo_latency_report) {
  enum { N = 20000, W = 2000 };
  if (small()) return;
  rkc_actor_t *a = launch(30, RKC_HANDLER_ECHO, 1024, 4096, 256, 0);
  if (!a) return;
  static uint64_t t[N];
  uint8_t p[64] = {1}, back[4096];
  rk_message_header_t h, r;
  int32_t dead;
  make_header(&h, 1, 64, 1);
  for (int i = 0; i < N + W; i++) {
    uint64_t t0 = rk_test_now_ns();
    send_one(a, &h, p);
    while (rkc_actor_dequeue(a, &r, back, &dead) == RK_EAGAIN) {
    }
    if (i >= W) t[i - W] = rk_test_now_ns() - t0;
  }
  for (int i = 1; i < N; i++) {
    uint64_t x = t[i];
    int j = i - 1;
    while (j >= 0 && t[j] > x) t[j + 1] = t[j], j--;
    t[j + 1] = x;
  }
  printf("echo round trip (internal API, 64 B): min %.2f us p50 %.2f us p99 %.2f us\n",
         t[0] / 1e3, t[N / 2] / 1e3, t[N * 99 / 100] / 1e3);
  rkc_actor_destroy(a);
}
#endif

int main(void) {
#ifndef RK_HAVE_CUDA
  return rk_test_skip("CUDA backend not built");
#else
  if (rk_cuda_device_count() == 0) return rk_test_skip("no CUDA device");
  if (rkc_directory_create(0, &dir) != RK_OK) {
    fprintf(stderr, "directory: %s\n", rk_last_error());
    return 1;
  }
  RK_RUN(echo_single);
  RK_RUN(dead_letter_at_tiny_capacity);
  RK_RUN(echo_many_in_order);
  RK_RUN(full_queue_and_deactivate);
  RK_RUN(terminate_leaves_input);
  RK_RUN(builtin_sum_count);
  RK_RUN(k2k_chain);
  RK_RUN(k2k_and_host_mixed);
  RK_RUN(echo_latency_report);
  rkc_directory_destroy(dir);
  return rk_test_summary();
#endif
}
