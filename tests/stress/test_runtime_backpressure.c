/* Stress: back-pressure on both sides of an actor. A sender blocks on a full input while
 * a receiver drains a small output; the actor alternates between "input waiting" and
 * "output full". Every message must come back, in order, with nothing dead-lettered —
 * a lost wake-up anywhere (worker, sender or receiver) shows up as a hang (CTest
 * timeout) or a count mismatch. Tiny queues make every boundary case frequent.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>

#include "ringkernel/ringkernel.h"
#include "tests_common/rk_test.h"
#include "tests_common/rk_test_runtime.h"

#define SEC 1000000000LL

enum { MESSAGES = 200000, BATCH = 16 };

typedef struct drain {
  rk_kernel_t *k;
  uint64_t got;
  uint64_t out_of_order;
  rk_status_t last;
} drain_t;

static void *drain_main(void *arg) {
  drain_t *d = arg;
  rk_message_t *out[BATCH];
  while (d->got < MESSAGES) {
    size_t n = 0;
    d->last = rk_kernel_receive_many(d->k, out, BATCH, 60 * SEC, &n);
    if (d->last != RK_OK) break;
    for (size_t i = 0; i < n; i++) {
      uint64_t v;
      memcpy(&v, rk_message_payload(out[i]), sizeof v);
      if (v != d->got) d->out_of_order++;
      d->got++;
      rk_message_free(out[i]);
    }
  }
  return NULL;
}

static void run(uint32_t workers, uint32_t in_cap, uint32_t out_cap) {
  rk_runtime_t *rt = rk_test_cpu_runtime(workers);
  rk_launch_options_t o;
  rk_launch_options_init(&o);
  o.input_capacity = in_cap;
  o.output_capacity = out_cap;
  rk_kernel_t *k = NULL;
  CHECK_OK(rk_runtime_launch(rt, "echo", &o, &k));
  drain_t d = {k, 0, 0, RK_OK};
  pthread_t th;
  pthread_create(&th, NULL, drain_main, &d);
  uint64_t vals[BATCH];
  rk_send_item_t items[BATCH];
  uint64_t sent = 0;
  while (sent < MESSAGES) {
    size_t n = MESSAGES - sent < BATCH ? (size_t)(MESSAGES - sent) : BATCH, acc = 0;
    for (size_t i = 0; i < n; i++) {
      vals[i] = sent + i;
      items[i] = (rk_send_item_t){NULL, &vals[i], sizeof vals[i]};
    }
    rk_status_t st = rk_kernel_send_many(k, items, n, 60 * SEC, &acc);
    sent += acc;
    if (st != RK_OK) {
      CHECK_OK(st);
      break;
    }
  }
  pthread_join(th, NULL);
  CHECK_OK(d.last);
  CHECK_EQ_U64(d.got, MESSAGES);
  CHECK_EQ_U64(d.out_of_order, 0);
  rk_kernel_status_t st;
  CHECK_OK(rk_kernel_status(k, &st));
  CHECK_EQ_U64(st.messages_processed, MESSAGES);
  CHECK_EQ_U64(st.messages_dead_lettered, 0);
  rk_runtime_destroy(rt);
}

RK_TEST(one_worker_tiny_queues) {
  run(1, 8, 4);
}
RK_TEST(two_workers_tiny_output) {
  run(2, 64, 2);
}
RK_TEST(two_workers_tiny_input) {
  run(2, 2, 64);
}

/* K2K deliveries that wait for room (rk_k2k_send from a host thread, two senders) into a
 * tiny input: a missed "space" wake-up makes a delivery time out. */
typedef struct k2k_sender {
  rk_k2k_broker_t *b;
  const char *source;
  uint64_t delivered;
  rk_delivery_status_t last;
} k2k_sender_t;

enum { K2K_MESSAGES = 20000 };

static void *k2k_send_main(void *arg) {
  k2k_sender_t *s = arg;
  for (uint64_t i = 0; i < K2K_MESSAGES; i++) {
    rk_delivery_receipt_t r;
    if (rk_k2k_send(s->b, s->source, "echo", NULL, &i, sizeof i, &r) != RK_OK) break;
    s->last = r.status;
    if (r.status != RK_DELIVERY_DELIVERED) break;
    s->delivered++;
  }
  return NULL;
}

RK_TEST(k2k_senders_wait_for_room) {
  rk_runtime_t *rt = rk_test_cpu_runtime(2);
  rk_launch_options_t o;
  rk_launch_options_init(&o);
  o.handler = "forward";
  o.forward_to = "sink";
  o.input_capacity = 2;
  rk_kernel_t *k = NULL, *sink = NULL;
  CHECK_OK(rk_runtime_launch(rt, "echo", &o, &k));
  rk_launch_options_init(&o);
  o.input_capacity = 1024;
  o.output_capacity = 2 * K2K_MESSAGES;
  CHECK_OK(rk_runtime_launch(rt, "sink", &o, &sink));
  rk_k2k_broker_t *b = rk_runtime_k2k_broker(rt);
  CHECK_OK(rk_k2k_register(b, "host-a", NULL));
  CHECK_OK(rk_k2k_register(b, "host-b", NULL));
  k2k_sender_t s[2] = {{b, "host-a", 0, RK_DELIVERY_DELIVERED},
                       {b, "host-b", 0, RK_DELIVERY_DELIVERED}};
  pthread_t th[2];
  for (int i = 0; i < 2; i++)
    pthread_create(&th[i], NULL, k2k_send_main, &s[i]);
  for (int i = 0; i < 2; i++)
    pthread_join(th[i], NULL);
  for (int i = 0; i < 2; i++) {
    CHECK_EQ_INT(s[i].last, RK_DELIVERY_DELIVERED);
    CHECK_EQ_U64(s[i].delivered, K2K_MESSAGES);
  }
  rk_kernel_status_t st;
  uint64_t deadline = rk_test_now_ns() + 60 * (uint64_t)SEC;
  do {
    CHECK_OK(rk_kernel_status(sink, &st));
  } while (st.messages_processed < 2 * K2K_MESSAGES && rk_test_now_ns() < deadline);
  CHECK_EQ_U64(st.messages_processed, 2 * K2K_MESSAGES);
  CHECK_EQ_U64(st.messages_dead_lettered, 0);
  rk_runtime_destroy(rt);
}

int main(void) {
  RK_RUN(one_worker_tiny_queues);
  RK_RUN(two_workers_tiny_output);
  RK_RUN(two_workers_tiny_input);
  RK_RUN(k2k_senders_wait_for_room);
  return rk_test_summary();
}
