/* Script replies on a full output: held in order and delivered by the script loop, the
 * kernel's input waiting meanwhile; nothing dead-lettered, nothing lost on terminate. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>

#include "ringkernel/ringkernel.h"
#include "tests_common/rk_test.h"
#include "tests_common/rk_test_runtime.h"

#define SEC 1000000000LL
enum { N = 50 };

static rk_kernel_t *launch_script(rk_runtime_t *rt, const char *id, uint32_t out_cap) {
  rk_launch_options_t o;
  rk_launch_options_init(&o);
  o.handler = "script";
  o.output_capacity = out_cap;
  rk_kernel_t *k = NULL;
  CHECK_OK(rk_runtime_launch(rt, id, &o, &k));
  return k;
}

static void send_numbers(rk_kernel_t *k, uint32_t from, uint32_t to) {
  for (uint32_t i = from; i < to; i++)
    CHECK_OK(rk_kernel_send_bytes(k, 1, &i, sizeof i, i + 1, 0));
}

/* One work item of an echo script; RK_EAGAIN etc. when none. */
static rk_status_t serve_one(rk_runtime_t *rt, int64_t timeout) {
  rk_kernel_t *k = NULL;
  rk_message_t *msg = NULL;
  rk_status_t st = rk_runtime_next_script_work(rt, timeout, &k, &msg);
  if (st != RK_OK) return st;
  CHECK_OK(rk_kernel_reply(k, msg, rk_message_payload(msg), rk_message_payload_size(msg)));
  rk_script_work_done(k, msg, RK_OK, NULL);
  return RK_OK;
}

static int serve_until_idle(rk_runtime_t *rt) {
  int n = 0;
  while (serve_one(rt, 0) == RK_OK)
    n++;
  return n;
}

/* Receives one reply and checks it is number `want` (payload and correlation id). */
static void expect_reply(rk_kernel_t *k, uint32_t want, int64_t timeout) {
  rk_message_t *m = NULL;
  CHECK_OK(rk_kernel_receive(k, &m, timeout));
  if (!m) return;
  uint32_t got = 0;
  CHECK_EQ_U64(rk_message_payload_size(m), sizeof got);
  memcpy(&got, rk_message_payload(m), sizeof got);
  CHECK_EQ_U64(got, want);
  CHECK_EQ_U64(rk_message_header(m)->correlation_id, want + 1);
  rk_message_free(m);
}

static uint32_t receive_all(rk_kernel_t *k, uint32_t next) {
  rk_message_t *m = NULL;
  while (rk_kernel_try_receive(k, &m) == RK_OK) {
    uint32_t got = 0;
    memcpy(&got, rk_message_payload(m), sizeof got);
    CHECK_EQ_U64(got, next);
    next++;
    rk_message_free(m);
  }
  return next;
}

static void check_counts(rk_kernel_t *k, uint64_t processed) {
  rk_kernel_status_t st;
  CHECK_OK(rk_kernel_status(k, &st));
  CHECK_EQ_U64(st.messages_processed, processed);
  CHECK_EQ_U64(st.messages_dead_lettered, 0);
}

/* One thread alternates serve and receive: output capacity 4, 50 requests. */
RK_TEST(single_thread_serve_and_receive) {
  rk_runtime_t *rt = rk_test_cpu_runtime(1);
  rk_kernel_t *k = launch_script(rt, "s", 4);
  send_numbers(k, 0, N);
  /* 4 replies fit, the 5th is held and the kernel waits: its other 45 stay queued */
  CHECK_EQ_INT(serve_until_idle(rt), 5);
  rk_kernel_status_t st;
  CHECK_OK(rk_kernel_status(k, &st));
  CHECK_EQ_U64(st.input_queue_depth, N - 5);
  CHECK_EQ_U64(st.output_queue_depth, 5);
  CHECK_EQ_INT(rk_runtime_script_work_pending(rt), 0);
  uint32_t next = 0;
  int served = 5;
  for (int round = 0; round < 4 * N && next < N; round++) {
    next = receive_all(k, next);
    served += serve_until_idle(rt);
  }
  CHECK_EQ_INT(served, N);
  CHECK_EQ_U64(next, N);
  check_counts(k, N);
  rk_runtime_destroy(rt);
}

/* An output of one slot holds one reply at a time; the rest wait, in order. */
RK_TEST(one_slot_output) {
  rk_runtime_t *rt = rk_test_cpu_runtime(1);
  rk_kernel_t *k = launch_script(rt, "s", 1);
  send_numbers(k, 0, 10);
  CHECK_EQ_INT(serve_until_idle(rt), 2); /* one out, one held */
  uint32_t next = 0;
  int served = 2;
  for (int round = 0; round < 40 && next < 10; round++) {
    next = receive_all(k, next);
    served += serve_until_idle(rt);
  }
  CHECK_EQ_INT(served, 10);
  CHECK_EQ_U64(next, 10);
  check_counts(k, 10);
  rk_runtime_destroy(rt);
}

static void *serve_n(void *arg) {
  for (int i = 0; i < N; i++)
    CHECK_OK(serve_one(arg, 10 * SEC));
  return NULL;
}

/* A loop waiting with a held reply is woken by a receive on another thread. */
RK_TEST(receiver_wakes_waiting_loop) {
  rk_runtime_t *rt = rk_test_cpu_runtime(1);
  rk_kernel_t *k = launch_script(rt, "s", 4);
  send_numbers(k, 0, N);
  pthread_t th;
  pthread_create(&th, NULL, serve_n, rt);
  for (uint32_t i = 0; i < N; i++)
    expect_reply(k, i, 10 * SEC);
  pthread_join(th, NULL);
  check_counts(k, N);
  rk_runtime_destroy(rt);
}

/* Terminate moves held replies to the receivable ones, in order, and so does a reply
 * made after terminate; the input left over is dead-lettered as always. */
RK_TEST(terminate_keeps_held_replies) {
  rk_runtime_t *rt = rk_test_cpu_runtime(1);
  rk_kernel_t *k = launch_script(rt, "s", 2);
  send_numbers(k, 0, 6);
  CHECK_EQ_INT(serve_until_idle(rt), 3); /* two out, one held */
  /* take the 4th message once the output has room, then terminate before replying */
  expect_reply(k, 0, 0);
  rk_kernel_t *got = NULL;
  rk_message_t *msg = NULL;
  CHECK_OK(rk_runtime_next_script_work(rt, 0, &got, &msg)); /* delivers #2, hands out #3 */
  CHECK(got == k);
  CHECK_OK(rk_kernel_terminate(k));
  CHECK_OK(rk_kernel_reply(k, msg, rk_message_payload(msg), rk_message_payload_size(msg)));
  rk_script_work_done(k, msg, RK_OK, NULL);
  for (uint32_t i = 1; i < 4; i++)
    expect_reply(k, i, 0);
  CHECK_STATUS(rk_kernel_receive(k, &msg, -1), RK_ESHUTDOWN); /* nothing else */
  rk_kernel_status_t st;
  CHECK_OK(rk_kernel_status(k, &st));
  CHECK_EQ_U64(st.messages_processed, 4);
  CHECK_EQ_U64(st.messages_dead_lettered, 2); /* #4 and #5, never served */
  rk_dead_letter_t d;
  CHECK_OK(rk_kernel_pop_dead_letter(k, &d));
  CHECK_EQ_INT(d.reason, RK_ESHUTDOWN);
  CHECK_EQ_U64(d.correlation_id, 5);
  rk_runtime_destroy(rt);
}

/* Shutdown with a held reply: still receivable afterwards. */
RK_TEST(shutdown_keeps_held_replies) {
  rk_runtime_t *rt = rk_test_cpu_runtime(1);
  rk_kernel_t *k = launch_script(rt, "s", 2);
  send_numbers(k, 0, 4);
  CHECK_EQ_INT(serve_until_idle(rt), 3);
  CHECK_OK(rk_runtime_shutdown(rt));
  for (uint32_t i = 0; i < 3; i++)
    expect_reply(k, i, 0);
  rk_kernel_status_t st;
  CHECK_OK(rk_kernel_status(k, &st));
  CHECK_EQ_U64(st.messages_processed, 3);
  CHECK_EQ_U64(st.messages_dead_lettered, 1); /* #3, never served */
  rk_runtime_destroy(rt);
}

int main(void) {
  RK_RUN(single_thread_serve_and_receive);
  RK_RUN(one_slot_output);
  RK_RUN(receiver_wakes_waiting_loop);
  RK_RUN(terminate_keeps_held_replies);
  RK_RUN(shutdown_keeps_held_replies);
  return rk_test_summary();
}
