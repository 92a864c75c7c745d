/* test_spill.c — payloads larger than a GPU actor's slot (cuda/README.md, "Payloads above
 * the slot"): they travel through the actor's pinned spill rings and come back byte-exact,
 * in order, exactly once, through the internal actor API and the runtime API; a spilled
 * message left in the input comes back through take_input; a handler's reply above the
 * slot is possible for a spilled request only (otherwise a dead letter RK_ETOOBIG). Exit
 * 77 without a device. */
#include <stdlib.h>
#include <string.h>

#include "rk_test.h"
#include "ringkernel/cuda.h"
#include "ringkernel/message.h"
#include "ringkernel/ringkernel.h"

#ifdef RK_HAVE_CUDA
#include "rk_test_gpu.h"

static rkc_directory_t *dir;
static rk_runtime_t *rt;
static uint8_t out_buf[RK_MAX_PAYLOAD_SIZE], in_buf[RK_MAX_PAYLOAD_SIZE];

/* Byte k of message i's payload: differs between messages and along a payload. */
static uint8_t pattern(uint64_t i, size_t k) {
  return (uint8_t)(i * 131u + k * 7u + (k >> 8) + 1u);
}

static void fill(uint8_t *p, uint64_t i, size_t len) {
  for (size_t k = 0; k < len; k++)
    p[k] = pattern(i, k);
}

/* Index of the first byte that differs from message i's pattern, or len when none. */
static size_t first_mismatch(const uint8_t *p, uint64_t i, size_t len) {
  for (size_t k = 0; k < len; k++)
    if (p[k] != pattern(i, k)) return k;
  return len;
}

static rkc_actor_t *launch_actor(uint64_t id, uint32_t handler, uint64_t forward_to,
                                 uint32_t queue_cap, uint32_t payload_cap) {
  rkc_actor_config_t cfg = rk_test_actor_config(id, handler, 256, queue_cap, payload_cap, dir);
  cfg.forward_to = forward_to;
  rkc_actor_t *a = NULL;
  CHECK_OK(rkc_actor_launch(&cfg, &a));
  return a;
}

static rkc_actor_t *launch_echo(uint64_t id, uint32_t queue_cap, uint32_t payload_cap) {
  return launch_actor(id, RKC_HANDLER_ECHO, 0, queue_cap, payload_cap);
}

static size_t send_one(rkc_actor_t *a, uint64_t type, const void *p, size_t len, uint64_t corr) {
  rk_message_header_t h;
  rk_message_header_init(&h, type, 0, 0, len, rk_hlc_timestamp_now(1));
  h.correlation_id = corr;
  const rk_message_header_t *hs[1] = {&h};
  const void *ps[1] = {p};
  return rkc_actor_enqueue(a, hs, ps, 1);
}

/* Waits up to 5 s for one output record. */
static rk_status_t recv_one(rkc_actor_t *a, rk_message_header_t *h, void *buf, int32_t *dead) {
  uint64_t deadline = rk_test_now_ns() + 5000000000ull;
  for (;;) {
    rk_status_t st = rkc_actor_dequeue(a, h, buf, dead);
    if (st != RK_EAGAIN || rk_test_now_ns() > deadline) return st;
  }
}

/* Sizes around the slot (64 bytes) and up to the maximum, one at a time. */
RK_TEST(echo_sizes_above_slot) {
  rkc_actor_t *a = launch_echo(31, 64, 64);
  if (!a) return;
  CHECK_EQ_U64(rkc_actor_max_payload(a), RK_MAX_PAYLOAD_SIZE);
  const size_t sizes[] = {65, 4097, 65536, 64, 0, 100, 65535};
  for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
    const size_t len = sizes[s];
    fill(in_buf, s, len);
    CHECK_EQ_INT(send_one(a, 40 + s, in_buf, len, 5000 + s), 1);
    rk_message_header_t r;
    int32_t dead = -1;
    memset(out_buf, 0, sizeof out_buf);
    CHECK_OK(recv_one(a, &r, out_buf, &dead));
    CHECK_EQ_INT(dead, 0);
    CHECK_EQ_U64(r.payload_size, len);
    CHECK_EQ_U64(first_mismatch(out_buf, s, len), len);
    CHECK_EQ_U64(r.correlation_id, 5000 + s);
    CHECK_EQ_U64(r.message_type, 40 + s);
    CHECK_EQ_U64(r.source_kernel, 31);
    CHECK_EQ_U64(r.flags, 0); /* no internal bit leaks into the wire flags */
    CHECK_OK(rk_message_header_validate(&r));
  }
  rkc_actor_counters_t c;
  CHECK_OK(rkc_actor_terminate(a, true, 2000000000));
  rkc_actor_counters(a, &c);
  CHECK_EQ_U64(c.processed, sizeof sizes / sizeof sizes[0]);
  CHECK_EQ_U64(c.dead_letters, 0);
  rkc_actor_destroy(a);
}

/* 300 messages of random sizes 0..65536 sent as fast as the actor takes them: about
 * 10 MB, many times the 256 KiB spill rings, so both rings wrap and the host is refused
 * for want of spill room (back-pressure, nothing lost). Every reply exactly once, in
 * send order, byte-exact. */
RK_TEST(echo_mixed_sizes_in_order) {
  enum { N = 300 };
  rkc_actor_t *a = launch_echo(32, 64, 64);
  if (!a) return;
  static uint32_t lens[N];
  uint32_t seed = 777u;
  uint64_t total = 0;
  for (int i = 0; i < N; i++) {
    seed = seed * 1664525u + 1013904223u;
    lens[i] = (seed >> 8) % (RK_MAX_PAYLOAD_SIZE + 1u);
    if (i % 10 == 3) lens[i] = i % 20 == 3 ? RK_MAX_PAYLOAD_SIZE : 64u; /* both edges */
    total += lens[i];
  }
  CHECK(total > 20ull * RKC_SPILL_RING_BYTES);
  size_t sent = 0, got = 0;
  const uint64_t deadline = rk_test_now_ns() + 60000000000ull;
  while (got < N && rk_test_now_ns() < deadline) {
    while (sent < N) {
      fill(in_buf, sent, lens[sent]);
      if (send_one(a, 9, in_buf, lens[sent], sent + 1) != 1) break;
      sent++;
    }
    rk_message_header_t r;
    int32_t dead;
    while (got < N && rkc_actor_dequeue(a, &r, out_buf, &dead) == RK_OK) {
      if (r.correlation_id != got + 1 || r.payload_size != lens[got] || dead != 0) {
        RK_FAIL_AT("reply %zu: corr %llu size %llu (want %u) dead %d", got,
                   (unsigned long long)r.correlation_id, (unsigned long long)r.payload_size,
                   lens[got], dead);
        got = N + 1;
        break;
      }
      size_t bad = first_mismatch(out_buf, got, lens[got]);
      if (bad != lens[got]) {
        RK_FAIL_AT("reply %zu (%u bytes): byte %zu differs", got, lens[got], bad);
        got = N + 1;
        break;
      }
      got++;
    }
  }
  CHECK_EQ_U64(got, N);
  CHECK_EQ_U64(sent, N);
  rk_message_header_t r;
  int32_t dead;
  CHECK_STATUS(rkc_actor_dequeue(a, &r, out_buf, &dead), RK_EAGAIN); /* nothing twice */
  rkc_actor_counters_t c;
  rkc_actor_counters(a, &c);
  CHECK(c.in_rejected > 0); /* the spill ring filled and the host was told to wait */
  CHECK_OK(rkc_actor_terminate(a, true, 2000000000));
  rkc_actor_counters(a, &c);
  CHECK_EQ_U64(c.processed, N);
  CHECK_EQ_U64(c.out_enqueued, N);
  rkc_actor_destroy(a);
}

/* Spilled messages still in the input at terminate come back with their real payload. */
RK_TEST(take_input_returns_spilled) {
  rkc_actor_t *a = launch_echo(33, 16, 64);
  if (!a) return;
  CHECK_OK(rkc_actor_set_active(a, false));
  const size_t sizes[4] = {100, 8, 65536, 4097};
  for (size_t i = 0; i < 4; i++) {
    fill(in_buf, 70 + i, sizes[i]);
    CHECK_EQ_INT(send_one(a, 6, in_buf, sizes[i], 700 + i), 1);
  }
  CHECK_OK(rkc_actor_terminate(a, false, 2000000000));
  for (size_t i = 0; i < 4; i++) {
    rk_message_header_t r;
    memset(out_buf, 0, sizeof out_buf);
    CHECK_OK(rkc_actor_take_input(a, &r, out_buf));
    CHECK_EQ_U64(r.correlation_id, 700 + i);
    CHECK_EQ_U64(r.payload_size, sizes[i]);
    CHECK_EQ_U64(r.flags, 0);
    CHECK_EQ_U64(first_mismatch(out_buf, 70 + i, sizes[i]), sizes[i]);
  }
  rk_message_header_t r;
  CHECK_STATUS(rkc_actor_take_input(a, &r, out_buf), RK_EAGAIN);
  rkc_actor_destroy(a);
}

/* The forward built-in on spilled messages (never in registers): to an inbox whose slots
 * hold the payload it goes through (read in place from the H2K spill ring) and the
 * destination's echo answers byte-exact; to one that cannot hold it, a dead letter
 * RK_ETOOBIG as for any too-big K2K send, carrying no payload. */
RK_TEST(forward_spilled) {
  rkc_actor_t *wide = launch_echo(35, 16, RK_MAX_PAYLOAD_SIZE);
  rkc_actor_t *narrow = launch_echo(36, 16, 64);
  rkc_actor_t *to_wide = launch_actor(37, RKC_HANDLER_FORWARD, 35, 16, 64);
  rkc_actor_t *to_narrow = launch_actor(38, RKC_HANDLER_FORWARD, 36, 16, 64);
  if (wide && narrow && to_wide && to_narrow) {
    const size_t sizes[3] = {2000, 65536, 40};
    for (size_t i = 0; i < 3; i++) {
      fill(in_buf, 50 + i, sizes[i]);
      CHECK_EQ_INT(send_one(to_wide, 8, in_buf, sizes[i], 800 + i), 1);
      rk_message_header_t r;
      int32_t dead = -1;
      memset(out_buf, 0, sizeof out_buf);
      CHECK_OK(recv_one(wide, &r, out_buf, &dead));
      CHECK_EQ_INT(dead, 0);
      CHECK_EQ_U64(r.correlation_id, 800 + i);
      CHECK_EQ_U64(r.payload_size, sizes[i]);
      CHECK_EQ_U64(first_mismatch(out_buf, 50 + i, sizes[i]), sizes[i]);
    }
    fill(in_buf, 60, 3000);
    CHECK_EQ_INT(send_one(to_narrow, 8, in_buf, 3000, 900), 1);
    rk_message_header_t r;
    int32_t dead = 0;
    CHECK_OK(recv_one(to_narrow, &r, out_buf, &dead));
    CHECK_EQ_INT(dead, RK_ETOOBIG);
    CHECK_EQ_U64(r.correlation_id, 900);
    CHECK_EQ_U64(r.payload_size, 0);
    CHECK_EQ_U64(r.flags, 0);
    CHECK_STATUS(rkc_actor_dequeue(narrow, &r, out_buf, &dead), RK_EAGAIN);
    /* the forwarder goes on: a small message still reaches the narrow echo */
    fill(in_buf, 61, 32);
    CHECK_EQ_INT(send_one(to_narrow, 8, in_buf, 32, 901), 1);
    CHECK_OK(recv_one(narrow, &r, out_buf, &dead));
    CHECK_EQ_INT(dead, 0);
    CHECK_EQ_U64(r.correlation_id, 901);
    CHECK_EQ_U64(first_mismatch(out_buf, 61, 32), 32);
  }
  rkc_actor_t *all[4] = {to_wide, to_narrow, wide, narrow};
  for (int i = 0; i < 4; i++) {
    if (all[i]) CHECK_OK(rkc_actor_terminate(all[i], false, 2000000000));
    rkc_actor_destroy(all[i]);
  }
}

/* ---- through the runtime API --------------------------------------------------------- */
static rk_kernel_t *launch_rt(const char *id, uint32_t payload_cap, const char *src,
                              const char *entry) {
  rk_launch_options_t o;
  rk_launch_options_init(&o);
  o.input_capacity = o.output_capacity = 64;
  o.payload_capacity = payload_cap;
  o.cuda_source = src;
  o.cuda_entry = entry;
  rk_kernel_t *k = NULL;
  CHECK_OK(rk_runtime_launch(rt, id, &o, &k));
  return k;
}

/* A reply of the size the request's first 4 bytes ask for: the request's own first bytes
 * when it has that many, else bytes of the actor state (4 KiB). */
static const char *sized_src =
    "RK_DEVICE_HANDLER(sized) {\n"
    "  uint32_t want = 0;\n"
    "  for (int b = 0; b < 4 && b < (int)msg->payload_size; b++)\n"
    "    want |= (uint32_t)msg->payload[b] << (8 * b);\n"
    "  const uint8_t *src = want <= msg->payload_size ? msg->payload\n"
    "                                                 : (const uint8_t *)rk_dev_state(ctx);\n"
    "  return rk_dev_reply(ctx, msg, msg->message_type, src, want);\n"
    "}\n";

static void put_want(uint8_t *p, uint32_t want) {
  memcpy(p, &want, 4);
}

/* Waits up to 5 s until k has `n` dead letters. */
static void wait_dead_letters(rk_kernel_t *k, size_t n) {
  const uint64_t deadline = rk_test_now_ns() + 5000000000ull;
  while (rk_kernel_dead_letter_count(k) < n && rk_test_now_ns() < deadline) {
    rk_message_t *m = NULL;
    if (rk_kernel_receive(k, &m, 10000000ll) == RK_OK) {
      RK_FAIL_AT("unexpected reply of %llu bytes", (unsigned long long)rk_message_payload_size(m));
      rk_message_free(m);
    }
  }
}

/* Payload capacity 128: a small request asking for 200 bytes is a dead letter RK_ETOOBIG
 * (a batched message's reply must fit the slot); a 10000-byte request may get a 5000-byte
 * reply (it runs alone, the reply goes through the K2H spill ring) or a 100-byte one. */
RK_TEST(handler_reply_above_slot) {
  rk_kernel_t *k = launch_rt("sized", 128, sized_src, "sized");
  if (!k) return;
  uint8_t small[8] = {0};
  put_want(small, 200);
  CHECK_OK(rk_kernel_send_bytes(k, 2, small, sizeof small, 61, 1000000000ll));
  wait_dead_letters(k, 1);
  CHECK_EQ_U64(rk_kernel_dead_letter_count(k), 1);
  rk_dead_letter_t dl;
  CHECK_OK(rk_kernel_pop_dead_letter(k, &dl));
  CHECK_EQ_U64(dl.correlation_id, 61);
  CHECK_EQ_INT(dl.reason, RK_ETOOBIG);
  const uint32_t wants[3] = {5000, 100, 10000};
  for (int t = 0; t < 3; t++) {
    fill(in_buf, 90 + t, 10000);
    put_want(in_buf, wants[t]);
    rk_message_t *r = NULL;
    CHECK_OK(rk_kernel_request(k, NULL, in_buf, 10000, 5000000000ll, &r));
    if (!r) return;
    CHECK_EQ_U64(rk_message_payload_size(r), wants[t]);
    CHECK(memcmp(rk_message_payload(r), in_buf, wants[t]) == 0);
    rk_message_free(r);
  }
  /* a small request that fits still gets its reply */
  put_want(small, 8);
  rk_message_t *r = NULL;
  CHECK_OK(rk_kernel_request(k, NULL, small, sizeof small, 5000000000ll, &r));
  if (r) {
    CHECK_EQ_U64(rk_message_payload_size(r), 8);
    CHECK(memcmp(rk_message_payload(r), small, 8) == 0);
    rk_message_free(r);
  }
  CHECK_EQ_U64(rk_kernel_dead_letter_count(k), 0);
  CHECK_OK(rk_kernel_terminate(k));
}

/* The default payload capacity (4096) and 10000-byte payloads: rk_kernel_request. */
RK_TEST(runtime_request_10000) {
  rk_kernel_t *k = launch_rt("spill_echo_4096", 4096, NULL, NULL);
  if (!k) return;
  for (uint64_t i = 0; i < 50; i++) {
    fill(in_buf, i, 10000);
    rk_message_t *r = NULL;
    CHECK_OK(rk_kernel_request(k, NULL, in_buf, 10000, 5000000000ll, &r));
    if (!r) return;
    CHECK_EQ_U64(rk_message_payload_size(r), 10000);
    CHECK_EQ_U64(first_mismatch(rk_message_payload(r), i, 10000), 10000);
    rk_message_free(r);
  }
  CHECK_OK(rk_kernel_terminate(k));
}

/* Payload capacity 64, 300 sends of random sizes through rk_kernel_send_bytes (refused
 * with RK_EAGAIN while the input or its spill ring is full) and rk_kernel_receive: all
 * answered once, in order, byte-exact. */
RK_TEST(runtime_send_receive_mixed) {
  enum { N = 300 };
  rk_kernel_t *k = launch_rt("spill_echo_64", 64, NULL, NULL);
  if (!k) return;
  static uint32_t lens[N];
  uint32_t seed = 4242u;
  for (int i = 0; i < N; i++) {
    seed = seed * 1664525u + 1013904223u;
    lens[i] = (seed >> 8) % (RK_MAX_PAYLOAD_SIZE + 1u);
  }
  size_t sent = 0, got = 0, refused = 0;
  const uint64_t deadline = rk_test_now_ns() + 60000000000ull;
  while (got < N && rk_test_now_ns() < deadline) {
    while (sent < N) {
      fill(in_buf, sent, lens[sent]);
      rk_status_t st = rk_kernel_send_bytes(k, 4, in_buf, lens[sent], sent + 1, 0);
      if (st == RK_EAGAIN) {
        refused++;
        break;
      }
      CHECK_OK(st);
      if (st != RK_OK) return;
      sent++;
    }
    rk_message_t *m = NULL;
    while (got < N && rk_kernel_receive(k, &m, sent > got ? 1000000ll : 0) == RK_OK) {
      const uint64_t corr = rk_message_header(m)->correlation_id;
      const size_t len = rk_message_payload_size(m);
      const bool ok = corr == got + 1 && len == lens[got] &&
                      first_mismatch(rk_message_payload(m), got, len) == len;
      rk_message_free(m);
      if (!ok) {
        RK_FAIL_AT("reply %zu: corr %llu size %zu (want %u) or bytes differ", got,
                   (unsigned long long)corr, len, lens[got]);
        got = N + 1;
        break;
      }
      got++;
    }
  }
  CHECK_EQ_U64(got, N);
  CHECK(refused > 0);
  CHECK_EQ_U64(rk_kernel_dead_letter_count(k), 0);
  CHECK_OK(rk_kernel_terminate(k));
}
#endif

int main(void) {
#ifndef RK_HAVE_CUDA
  return rk_test_skip("CUDA backend not built");
#else
  if (rk_cuda_device_count() == 0) return rk_test_skip("no CUDA device");
  rk_runtime_config_t cfg;
  rk_runtime_config_init(&cfg);
  cfg.backend = RK_BACKEND_CUDA;
  if (rk_runtime_create(&cfg, &rt) != RK_OK || rkc_directory_create(0, &dir) != RK_OK) {
    fprintf(stderr, "setup: %s\n", rk_last_error());
    return 1;
  }
  /* the NVRTC handler first: new GPU code loads only while no actor runs */
  RK_RUN(handler_reply_above_slot);
  RK_RUN(echo_sizes_above_slot);
  RK_RUN(echo_mixed_sizes_in_order);
  RK_RUN(take_input_returns_spilled);
  RK_RUN(forward_spilled);
  RK_RUN(runtime_request_10000);
  RK_RUN(runtime_send_receive_mixed);
  rkc_directory_destroy(dir);
  rk_runtime_destroy(rt);
  return rk_test_summary();
#endif
}
