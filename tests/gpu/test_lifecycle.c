/* test_lifecycle.c — GPU actors come and go while others run: a terminated actor is
 * destroyed at once (its pinned blocks cached, reused by the next launch, really freed
 * once no actor runs), replies it left are still received, the others keep answering;
 * device-side K2K sends show in the runtime broker's statistics. Exit 77 without a
 * device. */
#include <stdlib.h>
#include <string.h>

#include "rk_test.h"
#include "ringkernel/ringkernel.h"

#ifdef RK_HAVE_CUDA
#include "cuda_pinned.h"
#endif

static rk_runtime_t *rt;

static rk_kernel_t *launch(const char *id, const char *handler, const char *forward_to) {
  rk_launch_options_t o;
  rk_launch_options_init(&o);
  o.handler = handler;
  o.forward_to = forward_to;
  o.input_capacity = o.output_capacity = 256;
  o.payload_capacity = 1024;
  rk_kernel_t *k = NULL;
  CHECK_OK(rk_runtime_launch(rt, id, &o, &k));
  return k;
}

/* One request with an 8-byte value; checks the echo. */
static void ask(rk_kernel_t *k, uint64_t v) {
  rk_message_t *r = NULL;
  CHECK_OK(rk_kernel_request(k, NULL, &v, 8, 5000000000ll, &r));
  if (!r) return;
  CHECK_EQ_U64(rk_message_payload_size(r), 8);
  uint64_t back = 0;
  memcpy(&back, rk_message_payload(r), 8);
  CHECK_EQ_U64(back, v);
  CHECK_EQ_U64(rk_message_header(r)->source_kernel, rk_kernel_numeric_id(k));
  rk_message_free(r);
}

static uint64_t gpu_memory(void) {
  rk_runtime_metrics_t m;
  CHECK_OK(rk_runtime_metrics(rt, &m));
  return m.gpu_memory_used;
}

#ifdef RK_HAVE_CUDA
static rkc_pinned_stats_t pinned(void) {
  rkc_pinned_stats_t s;
  rkc_pinned_stats(&s);
  return s;
}
#endif

/* Sends n values to b without reading replies, terminates it, then checks that every
 * accepted message was answered or dead-lettered, and that b's counters survived. */
static void terminate_with_replies_left(rk_kernel_t *b, uint64_t n) {
  uint64_t accepted = 0;
  for (uint64_t i = 0; i < n; i++)
    if (rk_kernel_send_bytes(b, 1, &i, 8, 0, 0) == RK_OK) accepted++;
  CHECK_EQ_U64(accepted, n);
  CHECK_OK(rk_kernel_terminate(b));
  CHECK_EQ_INT(rk_kernel_state(b), RK_KERNEL_TERMINATED);
  uint64_t answered = 0;
  rk_message_t *m = NULL;
  while (rk_kernel_receive(b, &m, 0) == RK_OK) {
    uint64_t v = ~0ull;
    memcpy(&v, rk_message_payload(m), 8);
    CHECK_EQ_U64(v, answered); /* in send order, none skipped before the last */
    answered++;
    rk_message_free(m);
  }
  CHECK_EQ_U64(answered + rk_kernel_dead_letter_count(b), accepted);
  rk_kernel_status_t s;
  CHECK_OK(rk_kernel_status(b, &s));
  CHECK_EQ_U64(s.messages_processed, answered + 1); /* + the request before */
  CHECK_EQ_U64(s.output_queue_depth, 0);
}

RK_TEST(destroy_one_while_others_run) {
  rk_kernel_t *a = launch("life_a", "echo", NULL);
  rk_kernel_t *b = launch("life_b", "echo", NULL);
  rk_kernel_t *c = launch("life_c", "echo", NULL);
  if (!a || !b || !c) return;
  ask(a, 1);
  ask(b, 2);
  ask(c, 3);
  uint64_t mem3 = gpu_memory();
  terminate_with_replies_left(b, 100);
  /* b's device memory is given back at its terminate, while a and c run */
  CHECK(gpu_memory() < mem3);
#ifdef RK_HAVE_CUDA
  rkc_pinned_stats_t p = pinned();
  CHECK_EQ_U64(p.running, 2);
  CHECK(p.cached_bytes > 0); /* b's pinned blocks, kept: a and c still run */
  CHECK(p.parked_bytes > 0); /* b's inbox */
#endif
  for (uint64_t i = 0; i < 100; i++) {
    ask(a, 1000 + i);
    ask(c, 2000 + i);
  }
  rk_kernel_t *d = launch("life_d", "echo", NULL);
  if (!d) return;
#ifdef RK_HAVE_CUDA
  /* same geometry as b: control block, H2K, K2H and the two spill rings (payload
   * capacity 1024 < 65536) all come from the cache */
  CHECK_EQ_U64(pinned().reused - p.reused, 5);
  CHECK(pinned().cached_bytes < p.cached_bytes);
#endif
  for (uint64_t i = 0; i < 100; i++)
    ask(d, 3000 + i);
  ask(a, 4);
  CHECK_OK(rk_kernel_terminate(a));
  CHECK_OK(rk_kernel_terminate(c));
  CHECK_OK(rk_kernel_terminate(d));
#ifdef RK_HAVE_CUDA
  /* no actor runs any more: everything cached or parked was really freed */
  p = pinned();
  CHECK_EQ_U64(p.running, 0);
  CHECK_EQ_U64(p.cached_bytes, 0);
  CHECK_EQ_U64(p.parked_bytes, 0);
#endif
}

/* Waits up to 5 s for the broker's delivered count to reach `want` (device counters are
 * published when an actor goes idle). */
static rk_k2k_stats_t wait_delivered(rk_k2k_broker_t *br, uint64_t want) {
  rk_k2k_stats_t s;
  memset(&s, 0, sizeof s);
  uint64_t deadline = rk_test_now_ns() + 5000000000ull;
  do {
    CHECK_OK(rk_k2k_stats(br, &s));
  } while (s.messages_delivered < want && rk_test_now_ns() < deadline);
  return s;
}

/* host -> forward -> (device K2K) -> echo -> host: the forward's sends are the broker's
 * deliveries, before and after the forward actor is destroyed. */
RK_TEST(k2k_stats_count_device_sends) {
  enum { N = 100 };
  rk_k2k_broker_t *br = rk_runtime_k2k_broker(rt);
  CHECK(br != NULL);
  if (!br) return;
  rk_k2k_stats_t s0;
  CHECK_OK(rk_k2k_stats(br, &s0));
  rk_kernel_t *e = launch("stat_echo", "echo", NULL);
  rk_kernel_t *f = launch("stat_fwd", "forward", "stat_echo");
  if (!e || !f) return;
  for (uint64_t i = 0; i < N; i++)
    CHECK_OK(rk_kernel_send_bytes(f, 3, &i, 8, i + 1, 1000000000ll));
  for (uint64_t i = 0; i < N; i++) {
    rk_message_t *m = NULL;
    CHECK_OK(rk_kernel_receive(e, &m, 5000000000ll));
    if (!m) return;
    uint64_t v = ~0ull;
    memcpy(&v, rk_message_payload(m), 8);
    CHECK_EQ_U64(v, i);
    CHECK_EQ_U64(rk_message_header(m)->correlation_id, i + 1);
    rk_message_free(m);
  }
  rk_k2k_stats_t s = wait_delivered(br, s0.messages_delivered + N);
  CHECK_EQ_U64(s.messages_delivered - s0.messages_delivered, N);
  CHECK_EQ_U64(s.queue_full, s0.queue_full); /* 100 never fill a 256-slot inbox */
  CHECK_EQ_U64(s.not_found, s0.not_found);
  CHECK_OK(rk_kernel_terminate(f));
  CHECK_OK(rk_k2k_stats(br, &s));
  CHECK_EQ_U64(s.messages_delivered - s0.messages_delivered, N); /* kept after destroy */
  CHECK_OK(rk_kernel_terminate(e));
  CHECK_OK(rk_k2k_stats(br, &s));
  CHECK_EQ_U64(s.messages_delivered - s0.messages_delivered, N);
}

/* After the forward's destination terminated, its sends are refused (its loop sealed the
 * inbox the forward still has cached; looked up again, the destination is gone), never
 * written into the destroyed actor's memory: each message comes back as a dead letter of
 * the forward, RK_ENOTFOUND as for an unknown destination. */
RK_TEST(forward_to_destroyed_actor_dead_letters) {
  rk_kernel_t *e = launch("gone_echo", "echo", NULL);
  rk_kernel_t *f = launch("gone_fwd", "forward", "gone_echo");
  if (!e || !f) return;
  uint64_t v = 1;
  CHECK_OK(rk_kernel_send_bytes(f, 1, &v, 8, 10, 1000000000ll));
  rk_message_t *m = NULL;
  CHECK_OK(rk_kernel_receive(e, &m, 5000000000ll));
  rk_message_free(m);
  CHECK_OK(rk_kernel_terminate(e));
  for (uint64_t i = 0; i < 3; i++)
    CHECK_OK(rk_kernel_send_bytes(f, 1, &i, 8, 20 + i, 1000000000ll));
  /* dead letters travel in f's output: receiving collects them (f never replies) */
  uint64_t deadline = rk_test_now_ns() + 5000000000ull;
  while (rk_kernel_dead_letter_count(f) < 3 && rk_test_now_ns() < deadline) {
    rk_status_t st = rk_kernel_receive(f, &m, 10000000ll);
    CHECK(st == RK_ETIMEDOUT || st == RK_EAGAIN);
    if (st == RK_OK) rk_message_free(m);
  }
  CHECK_EQ_U64(rk_kernel_dead_letter_count(f), 3);
  for (uint64_t i = 0; i < 3; i++) {
    rk_dead_letter_t dl;
    CHECK_OK(rk_kernel_pop_dead_letter(f, &dl));
    CHECK_EQ_U64(dl.correlation_id, 20 + i);
    CHECK_CONTAINS(dl.detail, "RK_ENOTFOUND");
  }
  CHECK_OK(rk_kernel_terminate(f));
}

int main(void) {
  if (rk_cuda_device_count() == 0) return rk_test_skip("no CUDA device");
  rk_runtime_config_t cfg;
  rk_runtime_config_init(&cfg);
  cfg.backend = RK_BACKEND_CUDA;
  if (rk_runtime_create(&cfg, &rt) != RK_OK) {
    fprintf(stderr, "runtime: %s\n", rk_last_error());
    return 1;
  }
  RK_RUN(destroy_one_while_others_run);
  RK_RUN(k2k_stats_count_device_sends);
  RK_RUN(forward_to_destroyed_actor_dead_letters);
  rk_runtime_destroy(rt);
  return rk_test_summary();
}
