/* K2K broker: config, endpoints, routes, delivery outcomes, tracing, stats. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <time.h>

#include "ringkernel/ringkernel.h"
#include "tests_common/rk_test.h"
#include "tests_common/rk_test_runtime.h"

#define SEC 1000000000LL

static rk_runtime_t *make_rt(uint32_t timeout_ms, bool tracing) {
  rk_runtime_config_t cfg;
  rk_runtime_config_init(&cfg);
  cfg.backend = RK_BACKEND_CPU;
  cfg.worker_count = 1;
  cfg.k2k.delivery_timeout_ms = timeout_ms;
  cfg.k2k.enable_tracing = tracing;
  cfg.k2k.max_hops = 3;
  rk_runtime_t *rt = NULL;
  CHECK_OK(rk_runtime_create(&cfg, &rt));
  return rt;
}

static rk_kernel_t *launch(rk_runtime_t *rt, const char *id, uint32_t cap, bool active) {
  rk_launch_options_t o;
  rk_launch_options_init(&o);
  o.input_capacity = cap;
  o.auto_activate = active;
  rk_kernel_t *k = NULL;
  CHECK_OK(rk_runtime_launch(rt, id, &o, &k));
  return k;
}

RK_TEST(config_defaults_and_validation) {
  rk_k2k_config_t c;
  rk_k2k_config_init(&c);
  CHECK_EQ_INT(c.max_pending_messages, 1024);
  CHECK_EQ_INT(c.delivery_timeout_ms, 5000);
  CHECK(!c.enable_tracing);
  CHECK_EQ_INT(c.max_hops, 8);
  CHECK_OK(rk_k2k_config_validate(&c));
  c.max_hops = 0;
  CHECK_STATUS(rk_k2k_config_validate(&c), RK_EINVAL);
  CHECK_STR(rk_last_error(), "max_hops 0: must be 1..255");
  c.max_hops = 8;
  c.max_pending_messages = 0;
  CHECK_STATUS(rk_k2k_config_validate(&c), RK_EINVAL);
  rk_k2k_broker_t *b = NULL;
  CHECK_STATUS(rk_k2k_broker_create(&c, &b), RK_EINVAL);
  CHECK(b == NULL);
  CHECK_STR(rk_delivery_status_name(RK_DELIVERY_MAX_HOPS_EXCEEDED), "MaxHopsExceeded");
  CHECK_EQ_INT(RK_DELIVERY_TENANT_MISMATCH, 6);
}

RK_TEST(standalone_endpoints_routes_inbox) {
  rk_k2k_config_t c;
  rk_k2k_config_init(&c);
  c.max_pending_messages = 2;
  c.delivery_timeout_ms = 0;
  c.enable_tracing = true;
  rk_k2k_broker_t *b = NULL;
  CHECK_OK(rk_k2k_broker_create(&c, &b));
  CHECK_OK(rk_k2k_add_route(b, "kernel_b", "kernel_a")); /* before anything is registered */
  CHECK_OK(rk_k2k_register(b, "kernel_a", NULL));
  CHECK_OK(rk_k2k_register(b, "gamma", NULL));
  CHECK_STATUS(rk_k2k_register(b, "gamma", NULL), RK_EEXIST);
  CHECK_STR(rk_last_error(), "Endpoint already registered: gamma");
  CHECK(rk_k2k_is_registered(b, "kernel_a"));
  CHECK(!rk_k2k_is_registered(b, "kernel_b"));
  rk_k2k_name_t names[4];
  CHECK_EQ_INT(rk_k2k_list(b, names, 4), 2);
  CHECK_STR(names[0].name, "gamma");
  CHECK_STR(names[1].name, "kernel_a");

  rk_delivery_receipt_t r;
  CHECK_OK(rk_k2k_send(b, "gamma", "kernel_b", NULL, "via", 3, &r));
  CHECK_EQ_INT(r.status, RK_DELIVERY_DELIVERED);
  CHECK_EQ_INT(r.hops, 1);
  CHECK_STR(r.source, "gamma");
  CHECK_STR(r.destination, "kernel_b");
  CHECK(r.message_id != 0);
  CHECK(r.timestamp.physical != 0);
  rk_message_t *m = NULL;
  CHECK_OK(rk_k2k_receive(b, "kernel_a", &m));
  CHECK(memcmp(rk_message_payload(m), "via", 3) == 0);
  CHECK_EQ_U64(rk_message_header(m)->message_id, r.message_id);
  rk_message_free(m);
  CHECK_STATUS(rk_k2k_receive(b, "kernel_a", &m), RK_EAGAIN);
  CHECK_STATUS(rk_k2k_receive(b, "nobody", &m), RK_ENOTFOUND);

  /* inbox bound: max_pending 2, timeout 0 -> QueueFull at once */
  CHECK_OK(rk_k2k_send(b, NULL, "gamma", NULL, "1", 1, &r));
  CHECK_OK(rk_k2k_send(b, NULL, "gamma", NULL, "2", 1, &r));
  CHECK_OK(rk_k2k_send(b, NULL, "gamma", NULL, "3", 1, &r));
  CHECK_EQ_INT(r.status, RK_DELIVERY_QUEUE_FULL);
  CHECK_CONTAINS(rk_last_error(), "Queue full (capacity: 2)");
  CHECK_OK(rk_k2k_send(b, NULL, "missing", NULL, "x", 1, &r));
  CHECK_EQ_INT(r.status, RK_DELIVERY_NOT_FOUND);
  CHECK_STR(rk_last_error(), "Kernel not found: missing");

  rk_k2k_stats_t s;
  CHECK_OK(rk_k2k_stats(b, &s));
  CHECK_EQ_U64(s.registered_endpoints, 2);
  CHECK_EQ_U64(s.routes_configured, 1);
  CHECK_EQ_U64(s.messages_delivered, 3);
  CHECK_EQ_U64(s.messages_forwarded, 1);
  CHECK_EQ_U64(s.queue_full, 1);
  CHECK_EQ_U64(s.not_found, 1);

  rk_k2k_trace_entry_t t[16];
  size_t nt = rk_k2k_trace(b, t, 16);
  CHECK_EQ_U64(nt, 6); /* kernel_b(0), kernel_a(1), gamma x3, missing */
  CHECK_STR(t[0].endpoint, "kernel_b");
  CHECK_EQ_INT(t[0].hop, 0);
  CHECK_STR(t[1].endpoint, "kernel_a");
  CHECK_EQ_INT(t[1].hop, 1);
  CHECK_EQ_U64(t[1].message_id, t[0].message_id);

  CHECK_OK(rk_k2k_remove_route(b, "kernel_b"));
  CHECK_STATUS(rk_k2k_remove_route(b, "kernel_b"), RK_ENOTFOUND);
  CHECK_OK(rk_k2k_unregister(b, "gamma")); /* frees its two pending messages */
  CHECK_STATUS(rk_k2k_unregister(b, "gamma"), RK_ENOTFOUND);
  CHECK_STATUS(rk_k2k_send(b, NULL, "", NULL, "x", 1, &r), RK_EINVAL);
  static char big[70000];
  CHECK_STATUS(rk_k2k_send(b, NULL, "kernel_a", NULL, big, sizeof big, &r), RK_ETOOBIG);
  CHECK_STR(rk_last_error(), "payload 70000 bytes > max 65536");
  rk_k2k_broker_destroy(b);
  rk_k2k_broker_destroy(NULL);
}

RK_TEST(runtime_broker_lists_kernels_direct_delivery) {
  rk_runtime_t *rt = make_rt(5000, false);
  rk_k2k_broker_t *b = rk_runtime_k2k_broker(rt);
  CHECK(b != NULL);
  rk_kernel_t *a = launch(rt, "alpha", 16, true);
  rk_kernel_t *z = launch(rt, "zeta", 16, true);
  CHECK(rk_k2k_is_registered(b, "alpha"));
  CHECK(rk_k2k_is_registered(b, "zeta"));
  rk_k2k_name_t names[4];
  CHECK_EQ_INT(rk_k2k_list(b, names, 4), 2);
  rk_delivery_receipt_t r;
  CHECK_OK(rk_k2k_send(b, "alpha", "zeta", NULL, "hi", 2, &r));
  CHECK_EQ_INT(r.status, RK_DELIVERY_DELIVERED);
  CHECK_EQ_INT(r.hops, 0);
  rk_message_t *m = NULL;
  CHECK_OK(rk_kernel_receive(z, &m, 10 * SEC)); /* zeta echoes to its source, alpha */
  CHECK_EQ_U64(rk_message_header(m)->dest_kernel, rk_kernel_numeric_id(a));
  CHECK_EQ_U64(rk_message_header(m)->source_kernel, rk_kernel_numeric_id(z));
  rk_message_free(m);
  CHECK_STATUS(rk_k2k_receive(b, "zeta", &m), RK_EINVAL);
  CHECK_OK(rk_kernel_terminate(z));
  CHECK(!rk_k2k_is_registered(b, "zeta"));
  CHECK_OK(rk_k2k_send(b, "alpha", "zeta", NULL, "hi", 2, &r));
  CHECK_EQ_INT(r.status, RK_DELIVERY_NOT_FOUND);
  rk_k2k_broker_destroy(b); /* runtime-owned: ignored */
  CHECK(rk_k2k_is_registered(b, "alpha"));
  rk_runtime_destroy(rt);
}

RK_TEST(routes_and_max_hops) {
  rk_runtime_t *rt = make_rt(5000, true);
  rk_k2k_broker_t *b = rk_runtime_k2k_broker(rt);
  rk_kernel_t *gw = launch(rt, "gateway", 16, true);
  /* far -> mid2 -> mid1 -> gateway: 3 route steps, max_hops 3 */
  CHECK_OK(rk_k2k_add_route(b, "far", "mid2"));
  CHECK_OK(rk_k2k_add_route(b, "mid2", "mid1"));
  CHECK_OK(rk_k2k_add_route(b, "mid1", "gateway"));
  rk_delivery_receipt_t r;
  CHECK_OK(rk_k2k_send(b, NULL, "far", NULL, "deep", 4, &r));
  CHECK_EQ_INT(r.status, RK_DELIVERY_DELIVERED);
  CHECK_EQ_INT(r.hops, 3);
  rk_message_t *m = NULL;
  CHECK_OK(rk_kernel_receive(gw, &m, 10 * SEC));
  CHECK(memcmp(rk_message_payload(m), "deep", 4) == 0);
  rk_message_free(m);
  /* one more step exceeds max_hops */
  CHECK_OK(rk_k2k_add_route(b, "farther", "far"));
  CHECK_OK(rk_k2k_send(b, NULL, "farther", NULL, "x", 1, &r));
  CHECK_EQ_INT(r.status, RK_DELIVERY_MAX_HOPS_EXCEEDED);
  CHECK_STR(rk_last_error(), "route to farther exceeds max_hops 3");
  /* a loop is caught by the same limit */
  CHECK_OK(rk_k2k_add_route(b, "loop1", "loop2"));
  CHECK_OK(rk_k2k_add_route(b, "loop2", "loop1"));
  CHECK_OK(rk_k2k_send(b, NULL, "loop1", NULL, "x", 1, &r));
  CHECK_EQ_INT(r.status, RK_DELIVERY_MAX_HOPS_EXCEEDED);
  rk_k2k_trace_entry_t t[8];
  CHECK(rk_k2k_trace(b, t, 8) >= 4);
  CHECK_STR(t[0].endpoint, "far");
  CHECK_STR(t[3].endpoint, "gateway");
  CHECK_EQ_INT(t[3].hop, 3);
  rk_k2k_stats_t s;
  CHECK_OK(rk_k2k_stats(b, &s));
  CHECK_EQ_U64(s.max_hops_exceeded, 2);
  CHECK_EQ_U64(s.routes_configured, 6);
  rk_runtime_destroy(rt);
}

RK_TEST(queue_full_and_timeout_into_kernels) {
  rk_runtime_t *rt = make_rt(0, false);
  rk_k2k_broker_t *b = rk_runtime_k2k_broker(rt);
  rk_kernel_t *k = launch(rt, "slow", 2, false); /* Launched: K2K queues, nothing runs */
  rk_delivery_receipt_t r;
  CHECK_OK(rk_k2k_send(b, NULL, "slow", NULL, "1", 1, &r));
  CHECK_EQ_INT(r.status, RK_DELIVERY_DELIVERED);
  CHECK_OK(rk_k2k_send(b, NULL, "slow", NULL, "2", 1, &r));
  CHECK_OK(rk_k2k_send(b, NULL, "slow", NULL, "3", 1, &r));
  CHECK_EQ_INT(r.status, RK_DELIVERY_QUEUE_FULL);
  rk_runtime_destroy(rt);

  rt = make_rt(30, false);
  b = rk_runtime_k2k_broker(rt);
  k = launch(rt, "slow", 2, false);
  CHECK_OK(rk_k2k_send(b, NULL, "slow", NULL, "1", 1, &r));
  CHECK_OK(rk_k2k_send(b, NULL, "slow", NULL, "2", 1, &r));
  CHECK_OK(rk_k2k_send(b, NULL, "slow", NULL, "3", 1, &r));
  CHECK_EQ_INT(r.status, RK_DELIVERY_TIMEOUT);
  CHECK_STR(rk_last_error(), "delivery to slow timed out after 30 ms");
  rk_k2k_stats_t s;
  CHECK_OK(rk_k2k_stats(b, &s));
  CHECK_EQ_U64(s.timeouts, 1);
  CHECK_EQ_U64(s.messages_delivered, 2);
  /* Activation processes what K2K queued; nothing was lost. */
  CHECK_OK(rk_kernel_activate(k));
  for (int i = 0; i < 2; i++) {
    rk_message_t *m = NULL;
    CHECK_OK(rk_kernel_receive(k, &m, 10 * SEC));
    CHECK(((const char *)rk_message_payload(m))[0] == '1' + i);
    rk_message_free(m);
  }
  rk_runtime_metrics_t mt;
  CHECK_OK(rk_runtime_metrics(rt, &mt));
  CHECK_EQ_U64(mt.messages_sent, 2);
  rk_runtime_destroy(rt);
}

static rk_kernel_t *launch_forward(rk_runtime_t *rt, const char *id, const char *to) {
  rk_launch_options_t o;
  rk_launch_options_init(&o);
  o.handler = "forward";
  o.forward_to = to;
  rk_kernel_t *k = NULL;
  CHECK_OK(rk_runtime_launch(rt, id, &o, &k));
  return k;
}

/* Sends one byte to fwd and expects it back, echoed, from `at`. */
static void expect_echo_at(rk_kernel_t *fwd, rk_kernel_t *at, char c) {
  CHECK_OK(rk_kernel_send_bytes(fwd, 1, &c, 1, 0, SEC));
  rk_message_t *m = NULL;
  CHECK_OK(rk_kernel_receive(at, &m, 10 * SEC));
  if (!m) return;
  CHECK(((const char *)rk_message_payload(m))[0] == c);
  CHECK_EQ_U64(rk_message_header(m)->dest_kernel, rk_kernel_numeric_id(fwd));
  rk_message_free(m);
}

/* Handler sends skip the broker lock while the tables are unchanged (a memo per sending
 * kernel): each route change and a terminate must be seen by the very next send. */
RK_TEST(handler_sends_follow_table_changes) {
  rk_runtime_t *rt = make_rt(5000, false);
  rk_k2k_broker_t *b = rk_runtime_k2k_broker(rt);
  rk_kernel_t *b1 = launch(rt, "b1", 16, true);
  rk_kernel_t *b2 = launch(rt, "b2", 16, true);
  rk_kernel_t *fwd = launch_forward(rt, "fwd", "via");
  CHECK_OK(rk_k2k_add_route(b, "via", "b1"));
  expect_echo_at(fwd, b1, '1');
  expect_echo_at(fwd, b1, '2');
  CHECK_OK(rk_k2k_add_route(b, "via", "b2"));
  expect_echo_at(fwd, b2, '3');
  CHECK_OK(rk_kernel_terminate(b2));
  char c = '4';
  CHECK_OK(rk_kernel_send_bytes(fwd, 1, &c, 1, 0, SEC));
  rk_dead_letter_t dl;
  for (int i = 0; i < 10000 && rk_kernel_dead_letter_count(fwd) == 0; i++)
    nanosleep(&(struct timespec){0, 1000000}, NULL);
  CHECK_OK(rk_kernel_pop_dead_letter(fwd, &dl));
  CHECK_EQ_INT(dl.reason, RK_ENOTFOUND);
  CHECK_CONTAINS(dl.detail, "NotFound");
  rk_kernel_t *b3 = launch(rt, "b3", 16, true);
  CHECK_OK(rk_k2k_add_route(b, "via", "b3"));
  expect_echo_at(fwd, b3, '5');
  rk_message_t *m = NULL;
  CHECK_STATUS(rk_kernel_try_receive(b1, &m), RK_EAGAIN);
  rk_k2k_stats_t s;
  CHECK_OK(rk_k2k_stats(b, &s));
  CHECK_EQ_U64(s.messages_delivered, 4);
  CHECK_EQ_U64(s.messages_forwarded, 4);
  CHECK_EQ_U64(s.not_found, 1);
  rk_runtime_destroy(rt);
}

/* A worker-run kernel's clock is written without a locked instruction by whichever
 * worker holds the kernel (hlc_internal.h): with two workers taking turns on "stamper",
 * its replies (in output order) must still carry strictly increasing stamps. */
RK_TEST(stamps_increase_across_workers) {
  rk_runtime_t *rt = rk_test_cpu_runtime(2);
  rk_kernel_t *st = launch(rt, "stamper", 1024, true);
  rk_kernel_t *fwd = launch_forward(rt, "relay", "stamper");
  enum { N = 20000, CHUNK = 256 };
  char byte = 'x';
  rk_send_item_t items[CHUNK];
  for (int i = 0; i < CHUNK; i++)
    items[i] = (rk_send_item_t){NULL, &byte, 1};
  rk_hlc_timestamp_t last = {0, 0, 0};
  size_t sent = 0, got = 0;
  bool increasing = true;
  while (got < N) {
    size_t acc = 0;
    size_t want = N - sent < CHUNK ? N - sent : CHUNK;
    if (want) rk_kernel_send_many(fwd, items, want, 0, &acc);
    sent += acc;
    rk_message_t *out[CHUNK];
    size_t n = 0;
    rk_kernel_receive_many(st, out, CHUNK, acc ? 0 : SEC, &n);
    for (size_t i = 0; i < n; i++) {
      rk_hlc_timestamp_t ts = rk_message_header(out[i])->timestamp;
      increasing &= rk_hlc_timestamp_compare(ts, last) > 0;
      last = ts;
      rk_message_free(out[i]);
    }
    got += n;
    if (!acc && !n) break;
  }
  CHECK_EQ_U64(got, N);
  CHECK(increasing);
  rk_runtime_destroy(rt);
}

int main(void) {
  RK_RUN(config_defaults_and_validation);
  RK_RUN(standalone_endpoints_routes_inbox);
  RK_RUN(runtime_broker_lists_kernels_direct_delivery);
  RK_RUN(routes_and_max_hops);
  RK_RUN(queue_full_and_timeout_into_kernels);
  RK_RUN(handler_sends_follow_table_changes);
  RK_RUN(stamps_increase_across_workers);
  return rk_test_summary();
}
