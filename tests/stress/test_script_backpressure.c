/* Stress: back-pressure around a script kernel. A sender blocks on a tiny input, the
 * script loop (its own thread) holds replies on a tiny output, a receiver drains it.
 * Every reply must arrive, in order, nothing dead-lettered: a lost wake-up (sender
 * waiting for input space, loop waiting for output space, receiver waiting for a held
 * reply) shows up as a timeout or a count mismatch.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>

#include "ringkernel/ringkernel.h"
#include "tests_common/rk_test.h"
#include "tests_common/rk_test_runtime.h"

#define SEC 1000000000LL

enum { MESSAGES = 100000, BATCH = 16 };

typedef struct side {
  rk_runtime_t *rt;
  rk_kernel_t *k;
  uint64_t done;
  uint64_t out_of_order;
  rk_status_t last;
} side_t;

static void *serve_main(void *arg) {
  side_t *s = arg;
  while (s->done < MESSAGES) {
    rk_kernel_t *k = NULL;
    rk_message_t *msg = NULL;
    s->last = rk_runtime_next_script_work(s->rt, 60 * SEC, &k, &msg);
    if (s->last != RK_OK) break;
    s->last = rk_kernel_reply(k, msg, rk_message_payload(msg), rk_message_payload_size(msg));
    rk_script_work_done(k, msg, s->last, NULL);
    if (s->last != RK_OK) break;
    s->done++;
  }
  return NULL;
}

static void *receive_main(void *arg) {
  side_t *s = arg;
  rk_message_t *out[BATCH];
  while (s->done < MESSAGES) {
    size_t n = 0;
    s->last = rk_kernel_receive_many(s->k, out, BATCH, 60 * SEC, &n);
    if (s->last != RK_OK) break;
    for (size_t i = 0; i < n; i++) {
      uint64_t v;
      memcpy(&v, rk_message_payload(out[i]), sizeof v);
      if (v != s->done) s->out_of_order++;
      s->done++;
      rk_message_free(out[i]);
    }
  }
  return NULL;
}

static void run(uint32_t in_cap, uint32_t out_cap) {
  rk_runtime_t *rt = rk_test_cpu_runtime(1);
  rk_launch_options_t o;
  rk_launch_options_init(&o);
  o.handler = "script";
  o.input_capacity = in_cap;
  o.output_capacity = out_cap;
  rk_kernel_t *k = NULL;
  CHECK_OK(rk_runtime_launch(rt, "script", &o, &k));
  side_t server = {rt, k, 0, 0, RK_OK}, receiver = {rt, k, 0, 0, RK_OK};
  pthread_t ts, tr;
  pthread_create(&ts, NULL, serve_main, &server);
  pthread_create(&tr, NULL, receive_main, &receiver);
  for (uint64_t i = 0; i < MESSAGES; i++) {
    rk_status_t st = rk_kernel_send_bytes(k, 1, &i, sizeof i, 0, 60 * SEC);
    if (st != RK_OK) {
      CHECK_OK(st);
      break;
    }
  }
  pthread_join(ts, NULL);
  pthread_join(tr, NULL);
  CHECK_OK(server.last);
  CHECK_OK(receiver.last);
  CHECK_EQ_U64(receiver.done, MESSAGES);
  CHECK_EQ_U64(receiver.out_of_order, 0);
  rk_kernel_status_t st;
  CHECK_OK(rk_kernel_status(k, &st));
  CHECK_EQ_U64(st.messages_processed, MESSAGES);
  CHECK_EQ_U64(st.messages_dead_lettered, 0);
  rk_runtime_destroy(rt);
}

RK_TEST(tiny_output) {
  run(64, 2);
}
RK_TEST(tiny_input_and_output) {
  run(2, 2);
}

int main(void) {
  RK_RUN(tiny_output);
  RK_RUN(tiny_input_and_output);
  return rk_test_summary();
}
