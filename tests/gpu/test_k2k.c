/* test_k2k.c — device K2K through the backend's internal actor API: a destination that
 * terminates while a CUDA-source sender hammers it loses nothing and duplicates nothing
 * (sealed inbox; both terminate modes), a sender that cached an old inbox reaches a new
 * actor with the same id, a forward -> forward -> echo chain keeps order and payloads,
 * and a full inbox refuses (RK_EAGAIN) instead of overwriting. Exit 77 without a device. */
#include <stdlib.h>
#include <string.h>

#include "rk_test.h"
#include "ringkernel/cuda.h"
#include "ringkernel/message.h"

#ifdef RK_HAVE_CUDA
#include "rk_test_gpu.h"
#include "cuda_nvrtc.h"

/* k2k_source: a host order {dest, first, count, flags} makes it send `count` messages
 * first, first + 1, ... to actor `dest` (type K2K_TYPE_BASE + index, payload {index,
 * index * K2K_MIX ^ dest}), retrying a full inbox (for up to 2 s) unless flags has
 * K2K_STOP_ON_FULL; it stops at the first other failure and replies {sent, status}.
 * k2k_sink: counts K2K messages in its state and echoes each (type and payload) to the
 * host; a host message gets the count back. */
#define K2K_SOURCE_TEXT                                                                            \
  "#define K2K_TYPE_BASE 0x1000ull\n"                                                              \
  "#define K2K_MIX 0x9E3779B97F4A7C15ull\n"                                                        \
  "#define K2K_STOP_ON_FULL 1u\n"                                                                  \
  "static __device__ unsigned long long k2k_now(void) {\n"                                         \
  "  unsigned long long t;\n"                                                                      \
  "  asm volatile(\"mov.u64 %0, %%globaltimer;\" : \"=l\"(t));\n"                                  \
  "  return __shfl_sync(0xffffffffu, t, 0);\n"                                                     \
  "}\n"                                                                                            \
  "RK_DEVICE_HANDLER(k2k_source) {\n"                                                              \
  "  unsigned long long order[3];\n"                                                               \
  "  memcpy(order, msg->payload, sizeof order);\n"                                                 \
  "  const unsigned long long dest = order[0], first = order[1];\n"                                \
  "  const unsigned int count = (unsigned int)order[2], flags = (unsigned int)(order[2] >> 32);\n" \
  "  int st = RK_DEV_OK;\n"                                                                        \
  "  unsigned int sent = 0;\n"                                                                     \
  "  for (unsigned int i = 0; i < count && st == RK_DEV_OK; i++) {\n"                              \
  "    const unsigned long long idx = first + i;\n"                                                \
  "    const unsigned long long p[2] = {idx, (idx * K2K_MIX) ^ dest};\n"                           \
  "    const unsigned long long t0 = k2k_now();\n"                                                 \
  "    for (;;) {\n"                                                                               \
  "      st = rk_dev_send(ctx, msg, dest, K2K_TYPE_BASE + idx, p, sizeof p);\n"                    \
  "      if (st != RK_DEV_EAGAIN || (flags & K2K_STOP_ON_FULL)) break;\n"                          \
  "      if (k2k_now() - t0 > 2000000000ull) break;\n"                                             \
  "      __nanosleep(100);\n"                                                                      \
  "    }\n"                                                                                        \
  "    if (st == RK_DEV_OK) sent++;\n"                                                             \
  "  }\n"                                                                                          \
  "  const int out[2] = {(int)sent, st};\n"                                                        \
  "  return rk_dev_reply(ctx, msg, msg->message_type, out, sizeof out);\n"                         \
  "}\n"                                                                                            \
  "RK_DEVICE_HANDLER(k2k_sink) {\n"                                                                \
  "  unsigned long long *handled = (unsigned long long *)rk_dev_state(ctx);\n"                     \
  "  unsigned long long n = 0;\n"                                                                  \
  "  if (msg->source_kernel == 0) {\n"                                                             \
  "    if (rk_dev_lane() == 0) n = atomicAdd(handled, 0ull);\n"                                    \
  "    n = __shfl_sync(0xffffffffu, n, 0);\n"                                                      \
  "    return rk_dev_reply(ctx, msg, msg->message_type, &n, sizeof n);\n"                          \
  "  }\n"                                                                                          \
  "  if (rk_dev_lane() == 0) atomicAdd(handled, 1ull);\n"                                          \
  "  return rk_dev_reply(ctx, msg, msg->message_type, msg->payload, msg->payload_size);\n"         \
  "}\n"

#define K2K_TYPE_BASE 0x1000ull
#define K2K_MIX 0x9E3779B97F4A7C15ull
#define K2K_STOP_ON_FULL 1u
#define RK_DEV_EAGAIN_STATUS (-3)
#define RK_DEV_ENOTFOUND_STATUS (-5)

static rkc_directory_t *dir;
static const void *source_kernel, *sink_kernel;

static rkc_actor_t *launch(uint64_t id, const void *kernel, uint32_t handler, uint32_t in_cap,
                           uint32_t out_cap, uint32_t block, uint64_t forward_to) {
  rkc_actor_config_t cfg = rk_test_actor_config(id, handler, block, in_cap, 256, dir);
  cfg.output_capacity = out_cap;
  cfg.forward_to = forward_to;
  cfg.kernel = kernel;
  rkc_actor_t *a = NULL;
  CHECK_OK(rkc_actor_launch(&cfg, &a));
  return a;
}

static size_t send_one(rkc_actor_t *a, uint64_t type, const void *p, size_t len, uint64_t corr) {
  rk_message_header_t h;
  rk_message_header_init(&h, type, 0, 0, len, rk_hlc_timestamp_now(1));
  h.correlation_id = corr;
  const rk_message_header_t *hs[1] = {&h};
  const void *ps[1] = {p};
  return rkc_actor_enqueue(a, hs, ps, 1);
}

/* Waits up to timeout_ns for one output record. */
static rk_status_t recv_within(rkc_actor_t *a, rk_message_header_t *h, void *buf,
                               uint64_t timeout_ns) {
  const uint64_t deadline = rk_test_now_ns() + timeout_ns;
  int32_t dead = 0;
  for (;;) {
    rk_status_t st = rkc_actor_dequeue(a, h, buf, &dead);
    if (st == RK_OK && dead != 0) {
      RK_FAIL_AT("unexpected dead letter, status %d", (int)dead);
      return RK_EHANDLER;
    }
    if (st != RK_EAGAIN || rk_test_now_ns() > deadline) return st;
  }
}

/* Orders the source to send count messages from index first to dest; the reply is
 * read by source_result. */
static void source_order(rkc_actor_t *src, uint64_t dest, uint64_t first, uint32_t count,
                         uint32_t flags) {
  const uint64_t order[3] = {dest, first, ((uint64_t)flags << 32) | count};
  CHECK_EQ_INT(send_one(src, 9, order, sizeof order, first + 1), 1);
}

typedef struct source_result {
  int32_t sent, status;
} source_result_t;

static source_result_t source_result(rkc_actor_t *src, uint64_t timeout_ns) {
  source_result_t r = {-1, 1};
  rk_message_header_t h;
  uint8_t buf[RK_MAX_PAYLOAD_SIZE]; /* rkc_actor_max_payload */
  CHECK_OK(recv_within(src, &h, buf, timeout_ns));
  CHECK_EQ_U64(h.payload_size, sizeof r);
  memcpy(&r, buf, sizeof r);
  return r;
}

/* Checks that a K2K message (its type and payload) is message `idx` of the source's
 * run to `dest`. */
static void check_k2k_message(const rk_message_header_t *h, const uint8_t *payload, uint64_t idx,
                              uint64_t dest) {
  uint64_t p[2];
  CHECK_EQ_U64(h->message_type, K2K_TYPE_BASE + idx);
  CHECK_EQ_U64(h->payload_size, sizeof p);
  memcpy(p, payload, sizeof p);
  CHECK_EQ_U64(p[0], idx);
  CHECK_EQ_U64(p[1], (idx * K2K_MIX) ^ dest);
}

/* Reads every echo the sink has in its output: each must be the next index. */
static uint64_t drain_echoes(rkc_actor_t *sink, uint64_t dest, uint64_t next) {
  rk_message_header_t h;
  uint8_t buf[RK_MAX_PAYLOAD_SIZE]; /* rkc_actor_max_payload */
  int32_t dead = 0;
  while (rkc_actor_dequeue(sink, &h, buf, &dead) == RK_OK) {
    CHECK_EQ_INT(dead, 0);
    check_k2k_message(&h, buf, next, dest);
    if (h.message_type != K2K_TYPE_BASE + next) break; /* reported; stop counting */
    next++;
  }
  return next;
}

static uint64_t ask_count(rkc_actor_t *sink) {
  uint64_t n = ~0ull;
  rk_message_header_t h;
  uint8_t buf[RK_MAX_PAYLOAD_SIZE]; /* rkc_actor_max_payload */
  if (send_one(sink, 5, NULL, 0, 0) != 1) RK_FAIL_AT("count request refused");
  CHECK_OK(recv_within(sink, &h, buf, 5000000000ull));
  CHECK_EQ_U64(h.payload_size, 8);
  memcpy(&n, buf, 8);
  return n;
}

/* (a) The destination terminates while the source sends as fast as it can. Every send
 * the source saw succeed is echoed by the sink (handled) or returned by its take_input,
 * exactly once and in order; sends after the seal fail with RK_ENOTFOUND. */
static void terminate_under_k2k_load(bool drain) {
  const uint64_t SRC = drain ? 140 : 40, DST = drain ? 141 : 41;
  rkc_actor_t *sink = launch(DST, sink_kernel, 0, 256, 8192, 128, 0);
  rkc_actor_t *src = launch(SRC, source_kernel, 0, 64, 64, 32, 0);
  if (!sink || !src) return;
  source_order(src, DST, 0, 1u << 30, 0);
  uint64_t echoed = 0;
  const uint64_t until = rk_test_now_ns() + 30000000ull;
  while (rk_test_now_ns() < until)
    echoed = drain_echoes(sink, DST, echoed);
  CHECK(echoed > 0); /* the source was sending when terminate came */
  CHECK_OK(rkc_actor_terminate(sink, drain, 2000000000ll));
  echoed = drain_echoes(sink, DST, echoed);
  uint64_t taken = 0;
  rk_message_header_t h;
  uint8_t buf[RK_MAX_PAYLOAD_SIZE]; /* rkc_actor_max_payload */
  while (rkc_actor_take_input(sink, &h, buf) == RK_OK) {
    check_k2k_message(&h, buf, echoed + taken, DST);
    CHECK_EQ_U64(h.source_kernel, SRC);
    taken++;
  }
  if (drain) CHECK_EQ_U64(taken, 0); /* the drain handled everything claimed before the seal */
  const source_result_t r = source_result(src, 10000000000ull);
  CHECK_EQ_INT(r.status, RK_DEV_ENOTFOUND_STATUS);
  CHECK_EQ_U64(echoed + taken, (uint64_t)r.sent);
  rkc_actor_diag_t d;
  rkc_actor_diag(sink, &d);
  CHECK_EQ_U64(d.seal_unpublished, 0);
  fprintf(stderr, "  %s: %d sent, %llu handled, %llu taken back after terminate\n",
          drain ? "drain" : "stop", r.sent, (unsigned long long)echoed, (unsigned long long)taken);
  /* the destination is gone: a new order fails at its first send */
  source_order(src, DST, (uint64_t)r.sent, 5, 0);
  const source_result_t again = source_result(src, 5000000000ull);
  CHECK_EQ_INT(again.sent, 0);
  CHECK_EQ_INT(again.status, RK_DEV_ENOTFOUND_STATUS);
  CHECK_OK(rkc_actor_terminate(src, false, 2000000000ll));
  rkc_actor_destroy(src);
  rkc_actor_destroy(sink);
}

RK_TEST(terminate_stop_under_k2k_load) {
  terminate_under_k2k_load(false);
}
RK_TEST(terminate_drain_under_k2k_load) {
  terminate_under_k2k_load(true);
}

/* (b) A sender (one warp, so every order runs on the warp whose cache holds the old
 * inbox) reaches a new actor launched with the terminated one's id. */
RK_TEST(relaunch_same_id_reached) {
  const uint64_t SRC = 50, DST = 51;
  rkc_actor_t *src = launch(SRC, source_kernel, 0, 64, 64, 32, 0);
  rkc_actor_t *old_sink = launch(DST, sink_kernel, 0, 64, 64, 128, 0);
  if (!src || !old_sink) return;
  source_order(src, DST, 0, 10, 0);
  source_result_t r = source_result(src, 5000000000ull);
  CHECK_EQ_INT(r.sent, 10);
  CHECK_EQ_INT(r.status, 0);
  rk_message_header_t h;
  uint8_t buf[RK_MAX_PAYLOAD_SIZE]; /* rkc_actor_max_payload */
  for (uint64_t i = 0; i < 10; i++) {
    CHECK_OK(recv_within(old_sink, &h, buf, 5000000000ull));
    check_k2k_message(&h, buf, i, DST);
  }
  CHECK_OK(rkc_actor_terminate(old_sink, false, 2000000000ll));
  rkc_actor_destroy(old_sink);
  rkc_actor_t *new_sink = launch(DST, sink_kernel, 0, 64, 64, 128, 0);
  if (!new_sink) return;
  source_order(src, DST, 10, 10, 0);
  r = source_result(src, 5000000000ull);
  CHECK_EQ_INT(r.sent, 10);
  CHECK_EQ_INT(r.status, 0);
  for (uint64_t i = 10; i < 20; i++) {
    CHECK_OK(recv_within(new_sink, &h, buf, 5000000000ull));
    check_k2k_message(&h, buf, i, DST);
    CHECK_EQ_U64(h.source_kernel, DST);
  }
  CHECK_EQ_U64(ask_count(new_sink), 10);
  CHECK_OK(rkc_actor_terminate(src, false, 2000000000ll));
  rkc_actor_destroy(src);
  CHECK_OK(rkc_actor_terminate(new_sink, false, 2000000000ll));
  rkc_actor_destroy(new_sink);
}

/* (c) host -> forward -> forward -> echo: 10000 messages of mixed sizes (in registers
 * up to 64 bytes, staged above) come back in order with their exact bytes. In flight at
 * most 128, under every queue's capacity, so no forward ever meets a full inbox. */
RK_TEST(forward_chain_in_order) {
  const uint64_t N = 10000;
  rkc_actor_t *c = launch(73, NULL, RKC_HANDLER_ECHO, 256, 256, 128, 0);
  rkc_actor_t *b = launch(72, NULL, RKC_HANDLER_FORWARD, 256, 256, 128, 73);
  rkc_actor_t *a = launch(71, NULL, RKC_HANDLER_FORWARD, 256, 256, 128, 72);
  if (!a || !b || !c) return;
  uint8_t p[256], back[RK_MAX_PAYLOAD_SIZE];
  uint64_t sent = 0, got = 0;
  const uint64_t deadline = rk_test_now_ns() + 60000000000ull;
  while (got < N && rk_test_now_ns() < deadline && !rk_test_case_failed) {
    if (sent < N && sent - got < 128) {
      const size_t len = 8 + (size_t)(sent % 7) * 24;
      for (size_t j = 0; j < len; j++)
        p[j] = (uint8_t)(sent * 31 + j * 7);
      sent += send_one(a, 77, p, len, sent + 1);
    }
    rk_message_header_t r;
    int32_t dead = 0;
    if (rkc_actor_dequeue(c, &r, back, &dead) != RK_OK) continue;
    const size_t len = 8 + (size_t)(got % 7) * 24;
    CHECK_EQ_INT(dead, 0);
    CHECK_EQ_U64(r.correlation_id, got + 1);
    CHECK_EQ_U64(r.source_kernel, 73);
    CHECK_EQ_U64(r.payload_size, len);
    for (size_t j = 0; j < len; j++)
      if (back[j] != (uint8_t)(got * 31 + j * 7)) {
        RK_FAIL_AT("message %llu byte %zu: %u", (unsigned long long)got, j, back[j]);
        break;
      }
    got++;
  }
  CHECK_EQ_U64(got, N);
  rkc_actor_counters_t ca, cb;
  rkc_actor_counters(a, &ca);
  rkc_actor_counters(b, &cb);
  CHECK_EQ_U64(ca.dead_letters, 0);
  CHECK_EQ_U64(cb.dead_letters, 0);
  rkc_actor_t *all[3] = {a, b, c};
  for (int i = 0; i < 3; i++) {
    CHECK_OK(rkc_actor_terminate(all[i], false, 2000000000ll));
    rkc_actor_destroy(all[i]);
  }
}

/* (d) A deactivated destination with a 64-slot inbox takes exactly 64 messages; the
 * 65th send is RK_EAGAIN. Activated, it handles those 64 in order, none overwritten, and
 * the sender's next sends (its cached head says full: re-read) go through. */
RK_TEST(full_inbox_refuses) {
  const uint64_t SRC = 60, DST = 61;
  rkc_actor_t *src = launch(SRC, source_kernel, 0, 64, 64, 32, 0);
  rkc_actor_t *sink = launch(DST, sink_kernel, 0, 64, 256, 128, 0);
  if (!src || !sink) return;
  CHECK_OK(rkc_actor_set_active(sink, false));
  source_order(src, DST, 0, 100, K2K_STOP_ON_FULL);
  source_result_t r = source_result(src, 5000000000ull);
  CHECK_EQ_INT(r.sent, 64);
  CHECK_EQ_INT(r.status, RK_DEV_EAGAIN_STATUS);
  CHECK_OK(rkc_actor_set_active(sink, true));
  rk_message_header_t h;
  uint8_t buf[RK_MAX_PAYLOAD_SIZE]; /* rkc_actor_max_payload */
  for (uint64_t i = 0; i < 64; i++) {
    CHECK_OK(recv_within(sink, &h, buf, 5000000000ull));
    check_k2k_message(&h, buf, i, DST);
  }
  CHECK_EQ_U64(ask_count(sink), 64);
  source_order(src, DST, 64, 10, K2K_STOP_ON_FULL);
  r = source_result(src, 5000000000ull);
  CHECK_EQ_INT(r.sent, 10);
  CHECK_EQ_INT(r.status, 0);
  for (uint64_t i = 64; i < 74; i++) {
    CHECK_OK(recv_within(sink, &h, buf, 5000000000ull));
    check_k2k_message(&h, buf, i, DST);
  }
  CHECK_EQ_U64(ask_count(sink), 74);
  CHECK_OK(rkc_actor_terminate(src, false, 2000000000ll));
  rkc_actor_destroy(src);
  CHECK_OK(rkc_actor_terminate(sink, false, 2000000000ll));
  rkc_actor_destroy(sink);
}
#endif

int main(void) {
#ifndef RK_HAVE_CUDA
  return rk_test_skip("CUDA backend not built");
#else
  if (rk_cuda_device_count() == 0) return rk_test_skip("no CUDA device");
  if (getenv("RK_GPU_SMALL")) return rk_test_skip("needs several live actors");
  if (rkc_directory_create(0, &dir) != RK_OK) {
    fprintf(stderr, "directory: %s\n", rk_last_error());
    return 1;
  }
  /* compiled and loaded before any actor runs (loading waits for the device) */
  if (rkc_nvrtc_kernel(0, K2K_SOURCE_TEXT, "k2k_source", &source_kernel) != RK_OK ||
      rkc_nvrtc_kernel(0, K2K_SOURCE_TEXT, "k2k_sink", &sink_kernel) != RK_OK) {
    fprintf(stderr, "nvrtc: %s\n", rk_last_error());
    return 1;
  }
  RK_RUN(terminate_stop_under_k2k_load);
  RK_RUN(terminate_drain_under_k2k_load);
  RK_RUN(relaunch_same_id_reached);
  RK_RUN(forward_chain_in_order);
  RK_RUN(full_inbox_refuses);
  rkc_directory_destroy(dir);
  return rk_test_summary();
#endif
}
