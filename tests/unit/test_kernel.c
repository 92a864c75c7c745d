/* Kernels: options, lifecycle transitions and their errors, sends (errors, full queue,
 * batches), receives, request matching, deactivate/terminate semantics, dead letters. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "ringkernel/ringkernel.h"
#include "tests_common/rk_test.h"
#include "tests_common/rk_test_runtime.h"

#define SEC 1000000000LL

/* A handler that blocks while the gate is closed, so tests control when messages are
 * consumed. It echoes the payload. */
static atomic_int gate_open = 1;
static atomic_int gate_entered;

static void sleep_ms(int ms) {
  struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static rk_status_t gate_handler(rk_handler_ctx_t *ctx, const rk_message_header_t *hdr,
                                const void *payload, size_t len, void *user) {
  (void)hdr;
  (void)user;
  atomic_fetch_add(&gate_entered, 1);
  while (!atomic_load(&gate_open))
    sleep_ms(1);
  return rk_ctx_reply(ctx, payload, len);
}

static rk_status_t picky_handler(rk_handler_ctx_t *ctx, const rk_message_header_t *hdr,
                                 const void *payload, size_t len, void *user) {
  (void)user;
  if (hdr->message_type == 13) return rk_ctx_fail(ctx, RK_EHANDLER, "type 13 is unlucky");
  return rk_ctx_reply(ctx, payload, len);
}

static rk_kernel_t *launch(rk_runtime_t *rt, const char *id, const char *handler, uint32_t cap,
                           bool active) {
  rk_launch_options_t o;
  rk_launch_options_init(&o);
  o.handler = handler;
  o.input_capacity = cap;
  o.auto_activate = active;
  rk_kernel_t *k = NULL;
  CHECK_OK(rk_runtime_launch(rt, id, &o, &k));
  return k;
}

/* Waits (bounded) until the gate handler has been entered n times. */
static void wait_entered(int n) {
  for (int i = 0; i < 5000 && atomic_load(&gate_entered) < n; i++)
    sleep_ms(1);
  CHECK(atomic_load(&gate_entered) >= n);
}

static uint64_t processed(rk_kernel_t *k) {
  rk_kernel_status_t st;
  CHECK_OK(rk_kernel_status(k, &st));
  return st.messages_processed;
}

RK_TEST(options_defaults_and_validation) {
  rk_launch_options_t o;
  rk_launch_options_init(&o);
  CHECK_EQ_INT(o.mode, RK_KERNEL_MODE_PERSISTENT);
  CHECK_EQ_INT(o.grid_size, 1);
  CHECK_EQ_INT(o.block_size, 256);
  CHECK_EQ_INT(o.input_capacity, 1024);
  CHECK_EQ_INT(o.output_capacity, 1024);
  CHECK_EQ_INT(o.payload_capacity, 4096);
  CHECK(o.auto_activate);
  CHECK(!o.cooperative);
  CHECK(!o.enable_k2k);
  CHECK(o.handler == NULL);
  rk_runtime_t *rt = rk_test_cpu_runtime(1);
  rk_kernel_t *k = NULL;
  o.input_capacity = 1000;
  o.output_capacity = 3;
  CHECK_OK(rk_runtime_launch(rt, "rounded", &o, &k));
  CHECK_EQ_INT(rk_kernel_input_capacity(k), 1024);
  CHECK_EQ_INT(rk_kernel_output_capacity(k), 4);
  o.input_capacity = 0;
  CHECK_STATUS(rk_runtime_launch(rt, "zero", &o, &k), RK_EINVAL);
  CHECK_STR(rk_last_error(), "input queue capacity 0: must be 1..1048576");
  o.input_capacity = (1u << 20) + 1;
  CHECK_STATUS(rk_runtime_launch(rt, "huge", &o, &k), RK_EINVAL);
  CHECK_STR(rk_last_error(), "input queue capacity 1048577: must be 1..1048576");
  rk_launch_options_init(&o);
  o.payload_capacity = 65537;
  CHECK_STATUS(rk_runtime_launch(rt, "pay", &o, &k), RK_EINVAL);
  CHECK_CONTAINS(rk_last_error(), "payload capacity 65537");
  rk_runtime_destroy(rt);
}

RK_TEST(lifecycle_transitions) {
  rk_runtime_t *rt = rk_test_cpu_runtime(1);
  rk_kernel_t *k = launch(rt, "life", NULL, 16, false);
  CHECK_EQ_INT(rk_kernel_state(k), RK_KERNEL_LAUNCHED);
  CHECK_STATUS(rk_kernel_deactivate(k), RK_ESTATE);
  CHECK_STR(rk_last_error(), "Invalid state transition: Launched -> Deactivated");
  CHECK_OK(rk_kernel_activate(k));
  CHECK_EQ_INT(rk_kernel_state(k), RK_KERNEL_ACTIVE);
  CHECK(rk_kernel_is_active(k));
  CHECK_STATUS(rk_kernel_activate(k), RK_ESTATE);
  CHECK_STR(rk_last_error(), "Invalid state transition: Active -> Active");
  CHECK_OK(rk_kernel_deactivate(k));
  CHECK_EQ_INT(rk_kernel_state(k), RK_KERNEL_DEACTIVATED);
  CHECK_STATUS(rk_kernel_deactivate(k), RK_ESTATE);
  CHECK_STR(rk_last_error(), "Invalid state transition: Deactivated -> Deactivated");
  CHECK_OK(rk_kernel_activate(k));
  CHECK_STATUS(rk_kernel_wait_terminated(k, 0), RK_ETIMEDOUT);
  CHECK_STATUS(rk_kernel_wait_terminated(k, 3000000), RK_ETIMEDOUT);
  CHECK_OK(rk_kernel_terminate(k));
  CHECK_EQ_INT(rk_kernel_state(k), RK_KERNEL_TERMINATED);
  CHECK_OK(rk_kernel_wait_terminated(k, 0));
  CHECK_OK(rk_kernel_wait_terminated(k, -1));
  CHECK_STATUS(rk_kernel_activate(k), RK_ESTATE);
  CHECK_STR(rk_last_error(), "Invalid state transition: Terminated -> Active");
  CHECK_STATUS(rk_kernel_deactivate(k), RK_ESTATE);
  CHECK_STR(rk_last_error(), "Invalid state transition: Terminated -> Deactivated");
  CHECK_STATUS(rk_kernel_terminate(k), RK_ESTATE);
  CHECK_STR(rk_last_error(), "Invalid state transition: Terminated -> Terminated");
  /* Launched and Deactivated kernels terminate too. */
  rk_kernel_t *l = launch(rt, "launched", NULL, 16, false);
  CHECK_OK(rk_kernel_terminate(l));
  rk_kernel_t *d = launch(rt, "deact", NULL, 16, true);
  CHECK_OK(rk_kernel_deactivate(d));
  CHECK_OK(rk_kernel_terminate(d));
  CHECK_STR(rk_kernel_state_name(RK_KERNEL_TERMINATING), "Terminating");
  CHECK_STR(rk_kernel_state_name(RK_KERNEL_CREATED), "Created");
  CHECK_EQ_INT(RK_KERNEL_TERMINATED, 5);
  rk_runtime_destroy(rt);
}

RK_TEST(send_errors) {
  rk_runtime_t *rt = rk_test_cpu_runtime(1);
  rk_kernel_t *k = launch(rt, "x", NULL, 16, false);
  CHECK_STATUS(rk_kernel_send_bytes(k, 1, "a", 1, 0, 0), RK_ESTATE);
  CHECK_STR(rk_last_error(), "Kernel not active: x");
  CHECK_OK(rk_kernel_activate(k));
  CHECK_OK(rk_kernel_deactivate(k));
  CHECK_STATUS(rk_kernel_send_bytes(k, 1, "a", 1, 0, 0), RK_ESTATE);
  CHECK_STR(rk_last_error(), "Kernel not active: x");
  CHECK_OK(rk_kernel_activate(k));
  static char big[70000];
  CHECK_STATUS(rk_kernel_send_bytes(k, 1, big, sizeof big, 0, 0), RK_ETOOBIG);
  CHECK_STR(rk_last_error(), "payload 70000 bytes > max 65536");
  CHECK_STATUS(rk_kernel_send_bytes(k, 1, NULL, 5, 0, 0), RK_EINVAL);
  rk_message_header_t h;
  rk_message_header_init(&h, 1, 0, 0, 0, rk_hlc_timestamp_now(1));
  h.magic = 0x1234;
  CHECK_STATUS(rk_kernel_send(k, &h, "a", 1, 0), RK_EVALIDATION);
  CHECK_OK(rk_kernel_send(k, NULL, big, 65536, -1)); /* the limit itself is fine */
  rk_message_t *m = NULL;
  CHECK_OK(rk_kernel_receive(k, &m, 10 * SEC));
  CHECK_EQ_U64(rk_message_payload_size(m), 65536);
  rk_message_free(m);
  CHECK_OK(rk_kernel_terminate(k));
  CHECK_STATUS(rk_kernel_send_bytes(k, 1, "a", 1, 0, 0), RK_ESHUTDOWN);
  CHECK_STR(rk_last_error(), "Kernel terminated: x");
  CHECK_STATUS(rk_kernel_send_bytes(NULL, 1, "a", 1, 0, 0), RK_EINVAL);
  rk_runtime_destroy(rt);
}

RK_TEST(echo_reply_fields) {
  rk_runtime_t *rt = rk_test_cpu_runtime(1);
  rk_kernel_t *k = launch(rt, "echo", NULL, 16, true);
  rk_message_header_t h;
  rk_message_header_init(&h, 42, 0, 0, 0, rk_hlc_timestamp_now(1));
  h.correlation_id = 777;
  CHECK_OK(rk_kernel_send(k, &h, "ping", 4, -1));
  rk_message_t *m = NULL;
  CHECK_OK(rk_kernel_receive(k, &m, 10 * SEC));
  const rk_message_header_t *r = rk_message_header(m);
  CHECK_EQ_U64(r->magic, RK_MESSAGE_MAGIC);
  CHECK_EQ_U64(r->correlation_id, 777);
  CHECK_EQ_U64(r->message_type, 42);
  CHECK_EQ_U64(r->source_kernel, rk_kernel_numeric_id(k));
  CHECK_EQ_U64(r->dest_kernel, 0);
  CHECK_EQ_U64(r->payload_size, 4);
  CHECK(r->timestamp.physical > 0);
  CHECK_EQ_U64(r->timestamp.node_id, 1);
  CHECK(memcmp(rk_message_payload(m), "ping", 4) == 0);
  rk_message_free(m);
  CHECK_STATUS(rk_kernel_try_receive(k, &m), RK_EAGAIN);
  CHECK(m == NULL);
  CHECK_STATUS(rk_kernel_receive(k, &m, 1000000), RK_ETIMEDOUT);
  rk_kernel_status_t st;
  CHECK_OK(rk_kernel_status(k, &st));
  CHECK_STR(st.id, "echo");
  CHECK_EQ_INT(st.state, RK_KERNEL_ACTIVE);
  CHECK_EQ_U64(st.messages_processed, 1);
  CHECK_EQ_U64(st.input_queue_depth, 0);
  CHECK(st.uptime_secs >= 0.0);
  rk_queue_stats_t qs;
  CHECK_OK(rk_kernel_input_stats(k, &qs));
  CHECK_EQ_U64(qs.enqueued, 1);
  CHECK_EQ_U64(qs.dequeued, 1);
  CHECK_OK(rk_kernel_output_stats(k, &qs));
  CHECK_EQ_U64(qs.enqueued, 1);
  CHECK_EQ_U64(qs.dequeued, 1);
  rk_runtime_destroy(rt);
}

RK_TEST(full_queue_nonblocking_and_timeout) {
  rk_handler_register("gate", gate_handler, NULL);
  rk_runtime_t *rt = rk_test_cpu_runtime(1);
  rk_kernel_t *k = launch(rt, "gated", "gate", 4, true);
  atomic_store(&gate_open, 0);
  atomic_store(&gate_entered, 0);
  CHECK_OK(rk_kernel_send_bytes(k, 1, "m0", 2, 0, 0));
  wait_entered(1);
  for (int i = 1; i <= 4; i++)
    CHECK_OK(rk_kernel_send_bytes(k, 1, "mi", 2, 0, 0));
  CHECK_STATUS(rk_kernel_send_bytes(k, 1, "m5", 2, 0, 0), RK_EAGAIN);
  CHECK_STR(rk_last_error(), "Queue full (capacity: 4)");
  CHECK_STATUS(rk_kernel_send_bytes(k, 1, "m5", 2, 0, 2000000), RK_ETIMEDOUT);
  CHECK_CONTAINS(rk_last_error(), "Queue full (capacity: 4)");
  rk_queue_stats_t qs;
  CHECK_OK(rk_kernel_input_stats(k, &qs));
  CHECK_EQ_U64(qs.depth, 4);
  CHECK(qs.rejected >= 2);
  atomic_store(&gate_open, 1);
  /* A waiting send succeeds once the worker frees a slot. */
  CHECK_OK(rk_kernel_send_bytes(k, 1, "m5", 2, 0, 10 * SEC));
  for (int i = 0; i < 6; i++) {
    rk_message_t *m = NULL;
    CHECK_OK(rk_kernel_receive(k, &m, 10 * SEC));
    rk_message_free(m);
  }
  rk_runtime_destroy(rt);
}

RK_TEST(batch_partial_acceptance) {
  rk_runtime_t *rt = rk_test_cpu_runtime(1);
  rk_kernel_t *k = launch(rt, "batch", "gate", 8, true);
  atomic_store(&gate_open, 0);
  atomic_store(&gate_entered, 0);
  CHECK_OK(rk_kernel_send_bytes(k, 1, "first", 5, 0, 0));
  wait_entered(1);
  rk_send_item_t items[12];
  uint64_t vals[12];
  for (int i = 0; i < 12; i++) {
    vals[i] = (uint64_t)i;
    items[i].header = NULL;
    items[i].payload = &vals[i];
    items[i].len = sizeof vals[i];
  }
  size_t accepted = 99;
  CHECK_STATUS(rk_kernel_send_many(k, items, 12, 0, &accepted), RK_EAGAIN);
  CHECK_EQ_U64(accepted, 8);
  atomic_store(&gate_open, 1);
  rk_message_t *first = NULL;
  CHECK_OK(rk_kernel_receive(k, &first, 10 * SEC));
  rk_message_free(first);
  rk_message_t *out[16];
  size_t got = 0, total = 0;
  while (total < 8) {
    CHECK_OK(rk_kernel_receive_many(k, out, 16, 10 * SEC, &got));
    for (size_t i = 0; i < got; i++) {
      uint64_t v;
      memcpy(&v, rk_message_payload(out[i]), 8);
      CHECK_EQ_U64(v, total + i); /* in order, the accepted prefix */
      rk_message_free(out[i]);
    }
    total += got;
  }
  CHECK_EQ_U64(total, 8);
  CHECK_OK(rk_kernel_send_many(k, items + 8, 4, -1, &accepted));
  CHECK_EQ_U64(accepted, 4);
  /* An invalid item stops the batch there: the ones before it are sent, the rest kept. */
  static char big[70000];
  rk_send_item_t mixed[3] = {{NULL, "a", 1}, {NULL, big, sizeof big}, {NULL, "c", 1}};
  CHECK_STATUS(rk_kernel_send_many(k, mixed, 3, -1, &accepted), RK_ETOOBIG);
  CHECK_EQ_U64(accepted, 1);
  CHECK_STR(rk_last_error(), "payload 70000 bytes > max 65536");
  rk_runtime_destroy(rt);
}

RK_TEST(request_matching_interleaved) {
  rk_runtime_t *rt = rk_test_cpu_runtime(1);
  rk_kernel_t *k = launch(rt, "req", NULL, 64, true);
  CHECK_OK(rk_kernel_send_bytes(k, 5, "A", 1, 100, -1));
  CHECK_OK(rk_kernel_send_bytes(k, 5, "B", 1, 101, -1));
  rk_message_t *reply = NULL;
  CHECK_OK(rk_kernel_request(k, NULL, "Q", 1, 10 * SEC, &reply));
  CHECK(memcmp(rk_message_payload(reply), "Q", 1) == 0);
  CHECK(rk_message_header(reply)->correlation_id != 100);
  CHECK(rk_message_header(reply)->correlation_id != 0);
  rk_message_free(reply);
  CHECK_OK(rk_kernel_send_bytes(k, 5, "C", 1, 102, -1));
  rk_message_t *m = NULL;
  const char *expect = "ABC";
  for (int i = 0; i < 3; i++) {
    CHECK_OK(rk_kernel_receive(k, &m, 10 * SEC));
    CHECK_EQ_U64(rk_message_header(m)->correlation_id, 100 + (uint64_t)i);
    CHECK(((const char *)rk_message_payload(m))[0] == expect[i]);
    rk_message_free(m);
  }
  rk_kernel_status_t st;
  CHECK_OK(rk_kernel_status(k, &st));
  CHECK_EQ_U64(st.output_queue_depth, 0);
  rk_runtime_destroy(rt);
}

RK_TEST(handler_error_dead_letters_and_keeps_serving) {
  rk_handler_register("picky", picky_handler, NULL);
  rk_runtime_t *rt = rk_test_cpu_runtime(1);
  rk_kernel_t *k = launch(rt, "picky", "picky", 16, true);
  rk_message_header_t h;
  rk_message_header_init(&h, 13, 0, 0, 0, rk_hlc_timestamp_now(1));
  h.message_id = 4242;
  CHECK_OK(rk_kernel_send(k, &h, "bad", 3, -1));
  CHECK_OK(rk_kernel_send_bytes(k, 1, "good", 4, 0, -1));
  rk_message_t *m = NULL;
  CHECK_OK(rk_kernel_receive(k, &m, 10 * SEC));
  CHECK(memcmp(rk_message_payload(m), "good", 4) == 0);
  rk_message_free(m);
  CHECK_EQ_INT(rk_kernel_dead_letter_count(k), 1);
  rk_dead_letter_t d;
  CHECK_OK(rk_kernel_pop_dead_letter(k, &d));
  CHECK_EQ_U64(d.message_id, 4242);
  CHECK_EQ_U64(d.message_type, 13);
  CHECK_EQ_INT(d.reason, RK_EHANDLER);
  CHECK_STR(d.detail, "type 13 is unlucky");
  CHECK_STATUS(rk_kernel_pop_dead_letter(k, &d), RK_EAGAIN);
  rk_kernel_status_t st;
  CHECK_OK(rk_kernel_status(k, &st));
  CHECK_EQ_U64(st.messages_processed, 1);
  CHECK_EQ_U64(st.messages_dead_lettered, 1);
  rk_queue_stats_t qs;
  CHECK_OK(rk_kernel_input_stats(k, &qs));
  CHECK_EQ_U64(qs.dropped, 1);
  rk_runtime_destroy(rt);
}

RK_TEST(deactivate_keeps_messages) {
  rk_runtime_t *rt = rk_test_cpu_runtime(1);
  rk_kernel_t *k = launch(rt, "pause", "gate", 16, true);
  atomic_store(&gate_open, 0);
  atomic_store(&gate_entered, 0);
  for (int i = 0; i < 6; i++)
    CHECK_OK(rk_kernel_send_bytes(k, 1, "m", 1, 0, 0));
  wait_entered(1);
  CHECK_OK(rk_kernel_deactivate(k));
  atomic_store(&gate_open, 1);
  rk_message_t *m = NULL;
  CHECK_OK(rk_kernel_receive(k, &m, 10 * SEC)); /* the one already in the handler */
  rk_message_free(m);
  sleep_ms(30);
  CHECK_EQ_U64(processed(k), 1);
  rk_kernel_status_t st;
  CHECK_OK(rk_kernel_status(k, &st));
  CHECK_EQ_U64(st.input_queue_depth, 5);
  CHECK_STATUS(rk_kernel_try_receive(k, &m), RK_EAGAIN);
  CHECK_OK(rk_kernel_activate(k));
  for (int i = 0; i < 5; i++) {
    CHECK_OK(rk_kernel_receive(k, &m, 10 * SEC));
    rk_message_free(m);
  }
  CHECK_EQ_U64(processed(k), 6);
  CHECK_EQ_INT(rk_kernel_dead_letter_count(k), 0);
  rk_runtime_destroy(rt);
}

RK_TEST(terminate_dead_letters_or_drains) {
  rk_runtime_t *rt = rk_test_cpu_runtime(1);
  rk_kernel_t *k = launch(rt, "stop", "gate", 16, true);
  atomic_store(&gate_open, 0);
  atomic_store(&gate_entered, 0);
  for (int i = 0; i < 4; i++)
    CHECK_OK(rk_kernel_send_bytes(k, 1, "m", 1, 0, 0));
  wait_entered(1);
  CHECK_OK(rk_kernel_deactivate(k));
  atomic_store(&gate_open, 1);
  CHECK_OK(rk_kernel_terminate(k));
  CHECK_EQ_U64(processed(k), 1);
  CHECK_EQ_INT(rk_kernel_dead_letter_count(k), 3);
  rk_dead_letter_t d;
  CHECK_OK(rk_kernel_pop_dead_letter(k, &d));
  CHECK_EQ_INT(d.reason, RK_ESHUTDOWN);
  CHECK_STR(d.detail, "Kernel terminated before processing the message");
  rk_message_t *m = NULL;
  CHECK_OK(rk_kernel_receive(k, &m, 10 * SEC)); /* the reply produced before stays */
  rk_message_free(m);
  CHECK_STATUS(rk_kernel_receive(k, &m, -1), RK_ESHUTDOWN);

  rk_kernel_t *k2 = launch(rt, "drain", "gate", 16, true);
  atomic_store(&gate_open, 0);
  atomic_store(&gate_entered, 0);
  for (int i = 0; i < 4; i++)
    CHECK_OK(rk_kernel_send_bytes(k2, 1, "m", 1, 0, 0));
  wait_entered(1);
  CHECK_OK(rk_kernel_deactivate(k2));
  atomic_store(&gate_open, 1);
  CHECK_OK(rk_kernel_terminate_drain(k2, 10 * SEC));
  CHECK_EQ_U64(processed(k2), 4);
  CHECK_EQ_INT(rk_kernel_dead_letter_count(k2), 0);
  size_t got = 0;
  rk_message_t *out[8];
  CHECK_OK(rk_kernel_receive_many(k2, out, 8, 0, &got));
  CHECK_EQ_U64(got, 4);
  for (size_t i = 0; i < got; i++)
    rk_message_free(out[i]);
  rk_runtime_destroy(rt);
}

static int destroyed_calls;
static void on_destroy(void *p) {
  CHECK(p == &destroyed_calls);
  destroyed_calls++;
}

RK_TEST(user_pointer) {
  rk_runtime_t *rt = rk_test_cpu_runtime(1);
  rk_kernel_t *k = launch(rt, "user", NULL, 16, true);
  CHECK(rk_kernel_get_user(k) == NULL);
  rk_kernel_set_user(k, &destroyed_calls, on_destroy);
  CHECK(rk_kernel_get_user(k) == &destroyed_calls);
  CHECK_EQ_INT(destroyed_calls, 0);
  rk_runtime_destroy(rt);
  CHECK_EQ_INT(destroyed_calls, 1);
}

int main(void) {
  RK_RUN(options_defaults_and_validation);
  RK_RUN(lifecycle_transitions);
  RK_RUN(send_errors);
  RK_RUN(echo_reply_fields);
  RK_RUN(full_queue_nonblocking_and_timeout);
  RK_RUN(batch_partial_acceptance);
  RK_RUN(request_matching_interleaved);
  RK_RUN(handler_error_dead_letters_and_keeps_serving);
  RK_RUN(deactivate_keeps_messages);
  RK_RUN(terminate_dead_letters_or_drains);
  RK_RUN(user_pointer);
  return rk_test_summary();
}
