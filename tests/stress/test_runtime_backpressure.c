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
  rk_runtime_config_t cfg;
  rk_runtime_config_init(&cfg);
  cfg.backend = RK_BACKEND_CPU;
  cfg.worker_count = workers;
  rk_runtime_t *rt = NULL;
  CHECK_OK(rk_runtime_create(&cfg, &rt));
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

int main(void) {
  RK_RUN(one_worker_tiny_queues);
  RK_RUN(two_workers_tiny_output);
  RK_RUN(two_workers_tiny_input);
  return rk_test_summary();
}
