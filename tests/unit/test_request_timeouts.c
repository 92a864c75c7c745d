/* rk_kernel_request's edges: timeouts when the send waits and when the reply does not
 * come, the errors they name, the caller's header, and a refused header enqueuing
 * nothing. The requests go to a script kernel nobody serves, so no reply ever comes
 * unless the test serves one. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ringkernel/ringkernel.h"
#include "tests_common/rk_test.h"
#include "tests_common/rk_test_runtime.h"

#define MS 1000000LL
#define SEC 1000000000LL

static rk_kernel_t *launch_script(rk_runtime_t *rt, uint32_t input_capacity) {
  rk_launch_options_t o;
  rk_launch_options_init(&o);
  o.handler = "script";
  o.input_capacity = input_capacity;
  rk_kernel_t *k = NULL;
  CHECK_OK(rk_runtime_launch(rt, "py", &o, &k));
  return k;
}

RK_TEST(no_reply_times_out_and_names_the_kernel) {
  rk_runtime_t *rt = rk_test_cpu_runtime(1);
  rk_kernel_t *k = launch_script(rt, 4);
  rk_message_t *reply = NULL;
  CHECK_STATUS(rk_kernel_request(k, NULL, "a", 1, 0, &reply), RK_ETIMEDOUT);
  CHECK_STR(rk_last_error(), "no reply from py within 0 ns");
  CHECK(reply == NULL);
  uint64_t t0 = rk_test_now_ns();
  CHECK_STATUS(rk_kernel_request(k, NULL, "b", 1, 30 * MS, &reply), RK_ETIMEDOUT);
  uint64_t waited = rk_test_now_ns() - t0;
  CHECK(waited >= 30 * MS);
  CHECK(waited < 5 * SEC);
  CHECK(reply == NULL);
  CHECK_EQ_INT(rk_runtime_script_work_pending(rt), 2); /* both requests still queued */
  rk_runtime_destroy(rt);
}

/* A full input: the send's wait and the reply's wait share one timeout. */
RK_TEST(full_input_times_out_once) {
  rk_runtime_t *rt = rk_test_cpu_runtime(1);
  rk_kernel_t *k = launch_script(rt, 1);
  rk_message_t *reply = NULL;
  CHECK_STATUS(rk_kernel_request(k, NULL, "a", 1, 0, &reply), RK_ETIMEDOUT);
  CHECK_STATUS(rk_kernel_request(k, NULL, "b", 1, 0, &reply), RK_EAGAIN);
  CHECK_STR(rk_last_error(), "Queue full (capacity: 1)");
  uint64_t t0 = rk_test_now_ns();
  CHECK_STATUS(rk_kernel_request(k, NULL, "c", 1, 40 * MS, &reply), RK_ETIMEDOUT);
  uint64_t waited = rk_test_now_ns() - t0;
  CHECK_CONTAINS(rk_last_error(), "Queue full (capacity: 1): timed out after 40000000 ns");
  CHECK(waited >= 40 * MS);
  CHECK(waited < 5 * SEC);
  CHECK(reply == NULL);
  CHECK_EQ_INT(rk_runtime_script_work_pending(rt), 1);
  rk_runtime_destroy(rt);
}

static void *serve_one_echo(void *arg) {
  rk_kernel_t *k = NULL;
  rk_message_t *msg = NULL;
  CHECK_OK(rk_runtime_next_script_work(arg, 10 * SEC, &k, &msg));
  if (!msg) return NULL;
  const rk_message_header_t *h = rk_message_header(msg);
  CHECK_EQ_U64(h->message_type, 42);
  CHECK_EQ_INT(h->priority, 3);
  CHECK(h->correlation_id != 777); /* the request's own id, not the caller's */
  CHECK_OK(rk_kernel_reply(k, msg, rk_message_payload(msg), rk_message_payload_size(msg)));
  rk_script_work_done(k, msg, RK_OK, NULL);
  return NULL;
}

RK_TEST(caller_header_kept_correlation_replaced) {
  rk_runtime_t *rt = rk_test_cpu_runtime(1);
  rk_kernel_t *k = launch_script(rt, 4);
  rk_message_header_t h;
  rk_message_header_init(&h, 42, 0, 0, 0, (rk_hlc_timestamp_t){0, 0, 0});
  h.priority = 3;
  h.correlation_id = 777;
  pthread_t th;
  pthread_create(&th, NULL, serve_one_echo, rt);
  rk_message_t *reply = NULL;
  CHECK_OK(rk_kernel_request(k, &h, "hello", 5, 10 * SEC, &reply));
  pthread_join(th, NULL);
  CHECK(reply != NULL);
  if (reply) {
    CHECK_EQ_U64(rk_message_payload_size(reply), 5);
    CHECK(memcmp(rk_message_payload(reply), "hello", 5) == 0);
    CHECK(rk_message_header(reply)->correlation_id != 777);
    CHECK(rk_message_header(reply)->correlation_id != 0);
  }
  rk_message_free(reply);
  rk_runtime_destroy(rt);
}

RK_TEST(refused_header_enqueues_nothing) {
  rk_runtime_t *rt = rk_test_cpu_runtime(1);
  rk_kernel_t *k = launch_script(rt, 4);
  rk_message_header_t h;
  rk_message_header_init(&h, 1, 0, 0, 0, (rk_hlc_timestamp_t){0, 0, 0});
  h.version = 200;
  rk_message_t *reply = NULL;
  CHECK_STATUS(rk_kernel_request(k, &h, "x", 1, 10 * MS, &reply), RK_EVALIDATION);
  CHECK_CONTAINS(rk_last_error(), "unsupported version 200");
  CHECK_STATUS(rk_kernel_request(k, NULL, NULL, 3, 10 * MS, &reply), RK_EINVAL);
  CHECK_STR(rk_last_error(), "payload is NULL with len 3");
  CHECK(reply == NULL);
  CHECK_EQ_INT(rk_runtime_script_work_pending(rt), 0);
  rk_runtime_destroy(rt);
}

/* rk_kernel_receive_reply: the reply with its correlation id, while the others it meets
 * stay receivable in order; a miss at timeout 0 is RK_EAGAIN, later RK_ETIMEDOUT. */
static void send_tagged(rk_kernel_t *k, const char *text, uint64_t cid) {
  rk_message_header_t h;
  rk_message_header_init(&h, 1, 0, 0, strlen(text), (rk_hlc_timestamp_t){0, 0, 0});
  h.correlation_id = cid;
  CHECK_OK(rk_kernel_send(k, &h, text, strlen(text), SEC));
}

static void check_payload(rk_message_t *m, const char *text) {
  CHECK(m != NULL);
  if (!m) return;
  CHECK_EQ_U64(rk_message_payload_size(m), strlen(text));
  CHECK(memcmp(rk_message_payload(m), text, strlen(text)) == 0);
  rk_message_free(m);
}

RK_TEST(receive_reply_leaves_the_others_in_order) {
  rk_runtime_t *rt = rk_test_cpu_runtime(1);
  rk_launch_options_t o;
  rk_launch_options_init(&o);
  rk_kernel_t *k = NULL;
  CHECK_OK(rk_runtime_launch(rt, "echo", &o, &k));
  send_tagged(k, "p1", 0);
  send_tagged(k, "asked", 555);
  send_tagged(k, "p2", 0);
  send_tagged(k, "p3", 0);
  rk_message_t *m = NULL;
  CHECK_OK(rk_kernel_receive_reply(k, 555, 5 * SEC, &m));
  if (m) CHECK_EQ_U64(rk_message_header(m)->correlation_id, 555);
  check_payload(m, "asked");
  const char *plain[] = {"p1", "p2", "p3"};
  for (int i = 0; i < 3; i++) {
    m = NULL;
    CHECK_OK(rk_kernel_receive(k, &m, 5 * SEC));
    check_payload(m, plain[i]);
  }
  CHECK_STATUS(rk_kernel_receive_reply(k, 0, 0, &m), RK_EINVAL);
  CHECK_CONTAINS(rk_last_error(), "correlation id 0");
  CHECK_STATUS(rk_kernel_receive_reply(k, 999, 0, &m), RK_EAGAIN);
  CHECK_CONTAINS(rk_last_error(), "no reply for correlation 999");
  CHECK_STATUS(rk_kernel_receive_reply(k, 999, 20 * MS, &m), RK_ETIMEDOUT);
  CHECK(m == NULL);
  rk_runtime_destroy(rt);
}

int main(void) {
  RK_RUN(no_reply_times_out_and_names_the_kernel);
  RK_RUN(full_input_times_out_once);
  RK_RUN(caller_header_kept_correlation_replaced);
  RK_RUN(refused_header_enqueues_nothing);
  RK_RUN(receive_reply_leaves_the_others_in_order);
  return rk_test_summary();
}
