/* Shutdown racing with sending threads: every accepted message ends exactly once as a
 * reply or a dead letter; refused sends report RK_ESHUTDOWN; nothing crashes. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "ringkernel/ringkernel.h"
#include "tests_common/rk_test.h"
#include "tests_common/rk_test_runtime.h"

enum { THREADS = 4, KERNELS = 3 };

typedef struct sender {
  rk_kernel_t *k;
  uint64_t accepted;
  uint64_t refused_shutdown;
  uint64_t other_errors;
} sender_t;

static void *send_loop(void *arg) {
  sender_t *s = arg;
  uint64_t seq = 0;
  for (;;) {
    rk_status_t st = rk_kernel_send_bytes(s->k, 1, &seq, sizeof seq, 0, 1000000);
    if (st == RK_OK) {
      s->accepted++;
      seq++;
    } else if (st == RK_ESHUTDOWN) {
      s->refused_shutdown++;
      return NULL;
    } else if (st != RK_EAGAIN && st != RK_ETIMEDOUT) {
      s->other_errors++;
      return NULL;
    }
  }
}

static uint64_t drain_replies(rk_kernel_t *k) {
  uint64_t n = 0;
  rk_message_t *batch[64];
  size_t got;
  while (rk_kernel_receive_many(k, batch, 64, 0, &got) == RK_OK) {
    for (size_t i = 0; i < got; i++)
      rk_message_free(batch[i]);
    n += got;
  }
  return n;
}

static void race_once(uint32_t workers, int delay_us) {
  rk_runtime_t *rt = rk_test_cpu_runtime(workers);
  rk_kernel_t *ks[KERNELS];
  for (int i = 0; i < KERNELS; i++) {
    char id[16];
    snprintf(id, sizeof id, "k%d", i);
    rk_launch_options_t o;
    rk_launch_options_init(&o);
    o.input_capacity = 64;
    o.output_capacity = 4096;
    CHECK_OK(rk_runtime_launch(rt, id, &o, &ks[i]));
  }
  sender_t s[THREADS];
  pthread_t th[THREADS];
  for (int i = 0; i < THREADS; i++) {
    s[i] = (sender_t){ks[i % KERNELS], 0, 0, 0};
    pthread_create(&th[i], NULL, send_loop, &s[i]);
  }
  struct timespec ts = {0, delay_us * 1000L};
  nanosleep(&ts, NULL);
  CHECK_OK(rk_runtime_shutdown(rt));
  uint64_t accepted[KERNELS] = {0};
  for (int i = 0; i < THREADS; i++) {
    pthread_join(th[i], NULL);
    CHECK_EQ_U64(s[i].refused_shutdown, 1);
    CHECK_EQ_U64(s[i].other_errors, 0);
    accepted[i % KERNELS] += s[i].accepted;
  }
  uint64_t total_sent = 0;
  for (int i = 0; i < KERNELS; i++) {
    rk_kernel_status_t st;
    CHECK_OK(rk_kernel_status(ks[i], &st));
    CHECK_EQ_INT(st.state, RK_KERNEL_TERMINATED);
    CHECK_EQ_U64(st.input_queue_depth, 0);
    uint64_t replies = drain_replies(ks[i]);
    CHECK_EQ_U64(replies, st.messages_processed);
    CHECK_EQ_U64(st.messages_processed + st.messages_dead_lettered, accepted[i]);
    total_sent += accepted[i];
  }
  rk_runtime_metrics_t mt;
  CHECK_OK(rk_runtime_metrics(rt, &mt));
  CHECK_EQ_U64(mt.messages_sent, total_sent);
  CHECK_EQ_U64(mt.active_kernels, 0);
  rk_runtime_destroy(rt);
}

RK_TEST(shutdown_races_senders) {
  race_once(1, 2000);
  race_once(2, 5000);
  race_once(2, 0);
}

RK_TEST(destroy_without_shutdown_and_with_pending) {
  rk_runtime_t *rt = NULL;
  CHECK_OK(rk_runtime_create(NULL, &rt));
  rk_kernel_t *k = NULL;
  CHECK_OK(rk_runtime_launch(rt, "x", NULL, &k));
  for (int i = 0; i < 100; i++)
    CHECK_OK(rk_kernel_send_bytes(k, 1, "abc", 3, 0, -1));
  rk_runtime_destroy(rt); /* replies and queued input are freed, no leak (ASan) */
}

RK_TEST(received_message_outlives_runtime) {
  rk_runtime_t *rt = NULL;
  CHECK_OK(rk_runtime_create(NULL, &rt));
  rk_kernel_t *k = NULL;
  CHECK_OK(rk_runtime_launch(rt, "x", NULL, &k));
  rk_message_t *m = NULL;
  CHECK_OK(rk_kernel_request(k, NULL, "still here", 10, 10000000000LL, &m));
  rk_runtime_destroy(rt);
  CHECK_EQ_U64(rk_message_payload_size(m), 10);
  CHECK(memcmp(rk_message_payload(m), "still here", 10) == 0);
  rk_message_free(m); /* after destroy: valid (ASan checks) */
}

int main(void) {
  RK_RUN(shutdown_races_senders);
  RK_RUN(destroy_without_shutdown_and_with_pending);
  RK_RUN(received_message_outlives_runtime);
  return rk_test_summary();
}
