/* Stress: kernels whose queues hold one message. Every queue here is a ring of capacity
 * 1, pushed into from several threads at once: host requests (three threads), script
 * replies, and K2K forwards from two workers racing a host sender into one input. Every
 * request must get its own answer and every message must arrive once, in per-sender
 * order, with nothing dead-lettered; a message overwritten in a one-slot ring shows up
 * as a wrong payload or a missing one (CTest timeout). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>

#include "ringkernel/ringkernel.h"
#include "tests_common/rk_test.h"
#include "tests_common/rk_test_runtime.h"

#define SEC 1000000000LL

enum { THREADS = 3, REQUESTS = 1000, FORWARDED = 3000 };

typedef struct requester {
  rk_kernel_t *k;
  uint32_t id;
  uint32_t answered, wrong;
  rk_status_t last;
} requester_t;

static rk_kernel_t *launch(rk_runtime_t *rt, const char *id, const char *handler,
                           const char *forward_to) {
  rk_launch_options_t o;
  rk_launch_options_init(&o);
  o.input_capacity = 1;
  o.output_capacity = 1;
  if (handler) o.handler = handler;
  o.forward_to = forward_to;
  rk_kernel_t *k = NULL;
  CHECK_OK(rk_runtime_launch(rt, id, &o, &k));
  CHECK_EQ_U64(rk_kernel_input_capacity(k), 1);
  CHECK_EQ_U64(rk_kernel_output_capacity(k), 1);
  return k;
}

/* Each request carries (thread, i); its reply must echo exactly that. */
static void *request_main(void *arg) {
  requester_t *r = arg;
  for (uint32_t i = 0; i < REQUESTS; i++) {
    uint32_t q[2] = {r->id, i}, a[2] = {0, 0};
    rk_message_t *reply = NULL;
    r->last = rk_kernel_request(r->k, NULL, q, sizeof q, 60 * SEC, &reply);
    if (r->last != RK_OK) break;
    if (rk_message_payload_size(reply) == sizeof a) memcpy(a, rk_message_payload(reply), sizeof a);
    if (a[0] == q[0] && a[1] == q[1])
      r->answered++;
    else
      r->wrong++;
    rk_message_free(reply);
  }
  return NULL;
}

static void run_requesters(rk_kernel_t *k) {
  requester_t r[THREADS];
  pthread_t th[THREADS];
  for (uint32_t t = 0; t < THREADS; t++) {
    r[t] = (requester_t){k, t, 0, 0, RK_OK};
    pthread_create(&th[t], NULL, request_main, &r[t]);
  }
  for (uint32_t t = 0; t < THREADS; t++)
    pthread_join(th[t], NULL);
  for (uint32_t t = 0; t < THREADS; t++) {
    CHECK_OK(r[t].last);
    CHECK_EQ_U64(r[t].answered, REQUESTS);
    CHECK_EQ_U64(r[t].wrong, 0);
  }
}

/* Processed, not dead-lettered, and no reply left over. */
static void check_settled(rk_kernel_t *k, uint64_t processed) {
  rk_kernel_status_t st;
  CHECK_OK(rk_kernel_status(k, &st));
  CHECK_EQ_U64(st.messages_processed, processed);
  CHECK_EQ_U64(st.messages_dead_lettered, 0);
  rk_message_t *m = NULL;
  CHECK_STATUS(rk_kernel_try_receive(k, &m), RK_EAGAIN);
  rk_queue_stats_t qs;
  CHECK_OK(rk_kernel_output_stats(k, &qs));
  CHECK(qs.max_depth <= 1);
  CHECK_OK(rk_kernel_input_stats(k, &qs));
  CHECK(qs.max_depth <= 1);
}

RK_TEST(echo_answers_three_requesters) {
  rk_runtime_t *rt = rk_test_cpu_runtime(2);
  rk_kernel_t *k = launch(rt, "echo", NULL, NULL);
  run_requesters(k);
  check_settled(k, THREADS * REQUESTS);
  rk_runtime_destroy(rt);
}

/* A script kernel: one loop thread serves while three threads request. */
typedef struct server {
  rk_runtime_t *rt;
  uint32_t served;
} server_t;

static void *serve_main(void *arg) {
  server_t *s = arg;
  while (s->served < THREADS * REQUESTS) {
    rk_kernel_t *k = NULL;
    rk_message_t *msg = NULL;
    rk_status_t st = rk_runtime_next_script_work(s->rt, 60 * SEC, &k, &msg);
    if (st != RK_OK) break;
    CHECK_OK(rk_kernel_reply(k, msg, rk_message_payload(msg), rk_message_payload_size(msg)));
    rk_script_work_done(k, msg, RK_OK, NULL);
    s->served++;
  }
  return NULL;
}

RK_TEST(script_answers_three_requesters) {
  rk_runtime_t *rt = rk_test_cpu_runtime(1);
  rk_kernel_t *k = launch(rt, "script", "script", NULL);
  server_t s = {rt, 0};
  pthread_t th;
  pthread_create(&th, NULL, serve_main, &s);
  run_requesters(k);
  pthread_join(th, NULL);
  CHECK_EQ_U64(s.served, THREADS * REQUESTS);
  check_settled(k, THREADS * REQUESTS);
  rk_runtime_destroy(rt);
}

/* Two forwarders (one per worker) and a host thread push into the one-slot input of
 * "sink" at once; the main thread receives sink's echoes and checks every sender's
 * sequence arrives whole and in order. */
typedef struct sender {
  rk_kernel_t *k;
  uint32_t id;
  rk_status_t last;
} sender_t;

static void *send_main(void *arg) {
  sender_t *s = arg;
  for (uint32_t i = 0; i < FORWARDED; i++) {
    uint32_t m[2] = {s->id, i};
    s->last = rk_kernel_send(s->k, NULL, m, sizeof m, 60 * SEC);
    if (s->last != RK_OK) break;
  }
  return NULL;
}

RK_TEST(forwards_and_host_share_one_slot_input) {
  rk_runtime_t *rt = rk_test_cpu_runtime(2);
  rk_kernel_t *a = launch(rt, "a", "forward", "sink");
  rk_kernel_t *b = launch(rt, "b", "forward", "sink");
  rk_kernel_t *sink = launch(rt, "sink", NULL, NULL);
  sender_t s[THREADS] = {{a, 0, RK_OK}, {b, 1, RK_OK}, {sink, 2, RK_OK}};
  pthread_t th[THREADS];
  for (int t = 0; t < THREADS; t++)
    pthread_create(&th[t], NULL, send_main, &s[t]);
  uint32_t next[THREADS] = {0, 0, 0};
  uint64_t got = 0, wrong = 0;
  rk_status_t st = RK_OK;
  while (got < THREADS * FORWARDED && st == RK_OK) {
    rk_message_t *m = NULL;
    st = rk_kernel_receive(sink, &m, 60 * SEC);
    if (st != RK_OK) break;
    uint32_t v[2] = {THREADS, 0};
    if (rk_message_payload_size(m) == sizeof v) memcpy(v, rk_message_payload(m), sizeof v);
    if (v[0] < THREADS && v[1] == next[v[0]])
      next[v[0]]++;
    else
      wrong++;
    got++;
    rk_message_free(m);
  }
  for (int t = 0; t < THREADS; t++)
    pthread_join(th[t], NULL);
  CHECK_OK(st);
  CHECK_EQ_U64(wrong, 0);
  for (int t = 0; t < THREADS; t++) {
    CHECK_OK(s[t].last);
    CHECK_EQ_U64(next[t], FORWARDED);
  }
  check_settled(a, FORWARDED);
  check_settled(b, FORWARDED);
  check_settled(sink, THREADS * FORWARDED);
  rk_runtime_destroy(rt);
}

int main(void) {
  RK_RUN(echo_answers_three_requesters);
  RK_RUN(script_answers_three_requesters);
  RK_RUN(forwards_and_host_share_one_slot_input);
  return rk_test_summary();
}
