/* Handlers: registry rules, each built-in's reply values, handler state and counters. */
#include <stdlib.h>

#include "ringkernel/ringkernel.h"
#include "tests_common/rk_test.h"
#include "tests_common/rk_test_runtime.h"

#define SEC 1000000000LL

static rk_kernel_t *launch(rk_runtime_t *rt, const char *id, const char *handler) {
  rk_launch_options_t o;
  rk_launch_options_init(&o);
  o.handler = handler;
  rk_kernel_t *k = NULL;
  CHECK_OK(rk_runtime_launch(rt, id, &o, &k));
  return k;
}

static rk_status_t noop(rk_handler_ctx_t *ctx, const rk_message_header_t *hdr, const void *payload,
                        size_t len, void *user) {
  (void)ctx;
  (void)hdr;
  (void)payload;
  (void)len;
  (void)user;
  return RK_OK;
}

/* Counts in its per-kernel state slot and replies "<user tag>:<count>". */
static rk_status_t stateful(rk_handler_ctx_t *ctx, const rk_message_header_t *hdr,
                            const void *payload, size_t len, void *user) {
  (void)hdr;
  (void)payload;
  (void)len;
  void **slot = rk_ctx_state(ctx);
  uintptr_t n = (uintptr_t)*slot + 1;
  *slot = (void *)n;
  char buf[32];
  int w = snprintf(buf, sizeof buf, "%s:%lu:%llu", (const char *)user, (unsigned long)n,
                   (unsigned long long)rk_ctx_messages_processed(ctx));
  CHECK(rk_ctx_kernel(ctx) != NULL);
  return rk_ctx_reply(ctx, buf, (size_t)w);
}

RK_TEST(registry_rules) {
  CHECK(rk_handler_exists("echo"));
  CHECK(rk_handler_exists("sum"));
  CHECK(rk_handler_exists("count"));
  CHECK(rk_handler_exists("forward"));
  CHECK(rk_handler_exists("script"));
  CHECK(!rk_handler_exists("nope"));
  CHECK_STATUS(rk_handler_register("echo", noop, NULL), RK_EEXIST);
  CHECK_STR(rk_last_error(), "Handler already registered: echo");
  CHECK_STATUS(rk_handler_register("script", noop, NULL), RK_EEXIST);
  CHECK_STATUS(rk_handler_register("", noop, NULL), RK_EINVAL);
  CHECK_STATUS(rk_handler_register("x", NULL, NULL), RK_EINVAL);
  CHECK_OK(rk_handler_register("noop", noop, NULL));
  CHECK(rk_handler_exists("noop"));
  CHECK_STATUS(rk_handler_register("noop", noop, NULL), RK_EEXIST);
  CHECK_STATUS(rk_handler_unregister("echo"), RK_EINVAL);
  CHECK_OK(rk_handler_unregister("noop"));
  CHECK_STATUS(rk_handler_unregister("noop"), RK_ENOTFOUND);
  CHECK_STR(rk_last_error(), "Handler not found: noop");
}

static rk_message_t *roundtrip(rk_kernel_t *k, uint64_t type, const void *p, size_t len) {
  rk_message_header_t h;
  rk_message_header_init(&h, type, 0, 0, 0, rk_hlc_timestamp_now(1));
  rk_message_t *m = NULL;
  CHECK_OK(rk_kernel_request(k, &h, p, len, 10 * SEC, &m));
  return m;
}

RK_TEST(sum_float64_and_int64) {
  rk_runtime_t *rt = rk_test_cpu_runtime(2);
  rk_kernel_t *k = launch(rt, "sum", "sum");
  double v[4] = {1.5, 2.25, -0.75, 100.0};
  rk_message_t *m = roundtrip(k, 1, v, sizeof v);
  CHECK_EQ_U64(rk_message_payload_size(m), 8);
  double s;
  memcpy(&s, rk_message_payload(m), 8);
  CHECK_NEAR(s, 103.0, 1e-12);
  rk_message_free(m);
  m = roundtrip(k, 1, NULL, 0);
  memcpy(&s, rk_message_payload(m), 8);
  CHECK_NEAR(s, 0.0, 0.0);
  rk_message_free(m);
  int64_t iv[3] = {INT64_MAX, 1, -5};
  m = roundtrip(k, RK_SUM_TYPE_INT64, iv, sizeof iv);
  int64_t is;
  memcpy(&is, rk_message_payload(m), 8);
  CHECK_EQ_INT(is, INT64_MAX - 4); /* wraps: MAX + 1 = MIN, then MIN - 5 = MAX - 4 */
  rk_message_free(m);
  /* A bad length is a handler error: dead-lettered, no reply, the kernel keeps serving. */
  CHECK_OK(rk_kernel_send_bytes(k, 1, "12345", 5, 0, -1));
  m = roundtrip(k, 1, v, 16);
  memcpy(&s, rk_message_payload(m), 8);
  CHECK_NEAR(s, 3.75, 1e-12);
  rk_message_free(m);
  rk_dead_letter_t d;
  CHECK_OK(rk_kernel_pop_dead_letter(k, &d));
  CHECK_EQ_INT(d.reason, RK_EINVAL);
  CHECK_STR(d.detail, "sum: payload 5 bytes is not a multiple of 8");
  rk_message_t *none = NULL;
  CHECK_STATUS(rk_kernel_try_receive(k, &none), RK_EAGAIN);
  rk_runtime_destroy(rt);
}

RK_TEST(count_replies_running_count) {
  rk_runtime_t *rt = rk_test_cpu_runtime(2);
  rk_kernel_t *k = launch(rt, "count", "count");
  for (uint64_t i = 1; i <= 5; i++) {
    rk_message_t *m = roundtrip(k, 9, "x", 1);
    uint64_t n;
    CHECK_EQ_U64(rk_message_payload_size(m), 8);
    memcpy(&n, rk_message_payload(m), 8);
    CHECK_EQ_U64(n, i);
    CHECK_EQ_U64(rk_message_header(m)->message_type, 9);
    rk_message_free(m);
  }
  rk_runtime_destroy(rt);
}

RK_TEST(forward_to_destination) {
  rk_runtime_t *rt = rk_test_cpu_runtime(2);
  rk_kernel_t *sink = launch(rt, "sink", "echo");
  rk_launch_options_t o;
  rk_launch_options_init(&o);
  o.handler = "forward";
  o.forward_to = "sink";
  rk_kernel_t *fwd = NULL;
  CHECK_OK(rk_runtime_launch(rt, "fwd", &o, &fwd));
  CHECK_OK(rk_kernel_send_bytes(fwd, 3, "hop", 3, 55, -1));
  rk_message_t *m = NULL;
  CHECK_OK(rk_kernel_receive(sink, &m, 10 * SEC));
  const rk_message_header_t *h = rk_message_header(m);
  CHECK(memcmp(rk_message_payload(m), "hop", 3) == 0);
  CHECK_EQ_U64(h->correlation_id, 55);
  CHECK_EQ_U64(h->message_type, 3);
  CHECK_EQ_U64(h->source_kernel, rk_kernel_numeric_id(sink));
  CHECK_EQ_U64(h->dest_kernel, rk_kernel_numeric_id(fwd)); /* echo replies to its sender */
  rk_message_free(m);
  CHECK_STATUS(rk_kernel_try_receive(fwd, &m), RK_EAGAIN); /* forward itself replies nothing */
  /* A missing destination dead-letters at the forwarder. */
  rk_launch_options_t o2 = o;
  o2.forward_to = "nowhere";
  rk_kernel_t *lost = NULL;
  CHECK_OK(rk_runtime_launch(rt, "lost", &o2, &lost));
  CHECK_OK(rk_kernel_send_bytes(lost, 3, "x", 1, 0, -1));
  rk_kernel_status_t st;
  for (int i = 0; i < 5000; i++) {
    CHECK_OK(rk_kernel_status(lost, &st));
    if (st.messages_dead_lettered) break;
    rk_message_t *none = NULL;
    rk_kernel_receive(lost, &none, 1000000);
    rk_message_free(none);
  }
  rk_dead_letter_t d;
  CHECK_OK(rk_kernel_pop_dead_letter(lost, &d));
  CHECK_EQ_INT(d.reason, RK_ENOTFOUND);
  CHECK_CONTAINS(d.detail, "K2K delivery lost -> nowhere: NotFound");
  rk_runtime_destroy(rt);
}

RK_TEST(handler_state_and_user) {
  static char tag[] = "t";
  CHECK_OK(rk_handler_register("stateful", stateful, tag));
  rk_runtime_t *rt = rk_test_cpu_runtime(2);
  rk_kernel_t *a = launch(rt, "a", "stateful");
  rk_kernel_t *b = launch(rt, "b", "stateful");
  rk_message_t *m = roundtrip(a, 1, "x", 1);
  CHECK(memcmp(rk_message_payload(m), "t:1:0", 5) == 0);
  rk_message_free(m);
  m = roundtrip(a, 1, "x", 1);
  CHECK(memcmp(rk_message_payload(m), "t:2:1", 5) == 0);
  rk_message_free(m);
  m = roundtrip(b, 1, "x", 1); /* state is per kernel */
  CHECK(memcmp(rk_message_payload(m), "t:1:0", 5) == 0);
  rk_message_free(m);
  rk_runtime_destroy(rt);
}

/* Replies with the statuses of terminating its own kernel and shutting the runtime down:
 * both wait for running handlers, so from inside a handler they must refuse, not hang. */
static rk_status_t self_stopper(rk_handler_ctx_t *ctx, const rk_message_header_t *hdr,
                                const void *payload, size_t len, void *user) {
  (void)hdr, (void)payload, (void)len;
  rk_runtime_t *rt = user;
  int32_t st[2];
  st[0] = rk_kernel_terminate(rk_ctx_kernel(ctx));
  st[1] = rk_runtime_shutdown(rt);
  return rk_ctx_reply(ctx, st, sizeof st);
}

RK_TEST(handler_cannot_stop_its_own_kernel_or_runtime) {
  rk_runtime_t *rt = rk_test_cpu_runtime(2);
  CHECK_OK(rk_handler_register("self_stopper", self_stopper, rt));
  rk_kernel_t *k = launch(rt, "stopper", "self_stopper");
  rk_message_t *m = roundtrip(k, 1, "x", 1);
  int32_t st[2];
  memcpy(st, rk_message_payload(m), sizeof st);
  CHECK_EQ_INT(st[0], RK_ESTATE);
  CHECK_EQ_INT(st[1], RK_ESTATE);
  rk_message_free(m);
  CHECK_EQ_INT(rk_kernel_state(k), RK_KERNEL_ACTIVE); /* and it keeps serving */
  m = roundtrip(k, 1, "y", 1);
  rk_message_free(m);
  CHECK_OK(rk_kernel_terminate(k)); /* from the host it works */
  CHECK_OK(rk_handler_unregister("self_stopper"));
  rk_runtime_destroy(rt);
}

int main(void) {
  RK_RUN(registry_rules);
  RK_RUN(sum_float64_and_int64);
  RK_RUN(count_replies_running_count);
  RK_RUN(forward_to_destination);
  RK_RUN(handler_state_and_user);
  RK_RUN(handler_cannot_stop_its_own_kernel_or_runtime);
  return rk_test_summary();
}
