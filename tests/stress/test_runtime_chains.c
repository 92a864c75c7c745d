/* Stress: 4 producer threads feed a K2K forwarding chain of 4 kernels (k0 -> k1 -> k2 ->
 * sink) while a chaos thread deactivates and re-activates kernels at random; in a second
 * run the middle kernel is terminated half-way through. At the end every accepted message
 * is accounted for exactly once (processed at the sink, or dead-lettered somewhere, or
 * still queued), and the sink saw each producer's messages in the order they were sent
 * (the chain is FIFO end to end; gaps only where a message was dead-lettered). A last
 * case runs concurrent request() callers against one kernel.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "ringkernel/ringkernel.h"
#include "tests_common/rk_test.h"
#include "tests_common/rk_test_runtime.h"

#define SEC 1000000000LL

enum { PRODUCERS = 4, PER_PRODUCER = 20000, CHAIN = 4 };

typedef struct tally {
  uint64_t last[PRODUCERS];
  uint64_t seen[PRODUCERS];
  uint64_t out_of_order;
} tally_t;

typedef struct item {
  uint64_t producer;
  uint64_t seq;
} item_t;

/* Runs on one worker at a time (the sink's handler), so plain fields are enough. */
static rk_status_t tally_handler(rk_handler_ctx_t *ctx, const rk_message_header_t *hdr,
                                 const void *payload, size_t len, void *user) {
  (void)ctx;
  (void)hdr;
  tally_t *t = user;
  item_t it;
  if (len != sizeof it) return rk_ctx_fail(ctx, RK_EINVAL, "bad item size");
  memcpy(&it, payload, sizeof it);
  if (it.producer >= PRODUCERS) return rk_ctx_fail(ctx, RK_EINVAL, "bad producer");
  if (t->seen[it.producer] && it.seq <= t->last[it.producer]) t->out_of_order++;
  t->last[it.producer] = it.seq;
  t->seen[it.producer]++;
  return RK_OK;
}

static _Atomic uint64_t total_accepted;

typedef struct producer {
  rk_kernel_t *head;
  uint64_t id;
  uint64_t accepted;
  uint64_t unexpected;
} producer_t;

static void *produce(void *arg) {
  producer_t *p = arg;
  uint64_t seq = 1;
  while (seq <= PER_PRODUCER) {
    item_t it = {p->id, seq};
    rk_status_t st;
    if (seq % 7 == 0 && seq + 4 <= PER_PRODUCER) {
      item_t batch[4];
      rk_send_item_t items[4];
      for (int i = 0; i < 4; i++) {
        batch[i] = (item_t){p->id, seq + (uint64_t)i};
        items[i] = (rk_send_item_t){NULL, &batch[i], sizeof batch[i]};
      }
      size_t acc = 0;
      st = rk_kernel_send_many(p->head, items, 4, 1000000, &acc);
      seq += acc;
      p->accepted += acc;
      atomic_fetch_add_explicit(&total_accepted, acc, memory_order_relaxed);
    } else {
      st = rk_kernel_send_bytes(p->head, 1, &it, sizeof it, 0, 1000000);
      if (st == RK_OK) {
        seq++;
        p->accepted++;
        atomic_fetch_add_explicit(&total_accepted, 1, memory_order_relaxed);
      }
    }
    if (st != RK_OK && st != RK_EAGAIN && st != RK_ETIMEDOUT && st != RK_ESTATE) {
      p->unexpected++;
      break;
    }
    if (st == RK_ESTATE) sched_yield(); /* head deactivated by the chaos thread */
  }
  return NULL;
}

typedef struct chaos {
  rk_kernel_t **ks;
  atomic_int stop;
  uint64_t flips;
} chaos_t;

static void *chaos_main(void *arg) {
  chaos_t *c = arg;
  unsigned seed = 12345;
  while (!atomic_load(&c->stop)) {
    rk_kernel_t *k = c->ks[rand_r(&seed) % (CHAIN - 1)];
    if (rk_kernel_deactivate(k) == RK_OK) {
      struct timespec ts = {0, (long)(rand_r(&seed) % 300) * 1000L};
      nanosleep(&ts, NULL);
      rk_status_t st = rk_kernel_activate(k);
      if (rk_kernel_state(k) != RK_KERNEL_TERMINATED) CHECK_OK(st); /* unless killed */
      c->flips++;
    }
    struct timespec ts = {0, 200000};
    nanosleep(&ts, NULL);
  }
  return NULL;
}

static rk_kernel_t *launch(rk_runtime_t *rt, const char *id, const char *handler, const char *fwd) {
  rk_launch_options_t o;
  rk_launch_options_init(&o);
  o.handler = handler;
  o.forward_to = fwd;
  o.input_capacity = 256;
  rk_kernel_t *k = NULL;
  CHECK_OK(rk_runtime_launch(rt, id, &o, &k));
  return k;
}

static tally_t tally;

static void run_chain(bool kill_middle) {
  memset(&tally, 0, sizeof tally);
  atomic_store(&total_accepted, 0);
  rk_runtime_t *rt = rk_test_cpu_runtime(3);
  rk_kernel_t *ks[CHAIN];
  ks[3] = launch(rt, "sink", "tally", NULL);
  ks[2] = launch(rt, "k2", "forward", "sink");
  ks[1] = launch(rt, "k1", "forward", "k2");
  ks[0] = launch(rt, "k0", "forward", "k1");

  producer_t p[PRODUCERS];
  pthread_t th[PRODUCERS], ch;
  chaos_t chaos = {ks, 0, 0};
  pthread_create(&ch, NULL, chaos_main, &chaos);
  for (int i = 0; i < PRODUCERS; i++) {
    p[i] = (producer_t){ks[0], (uint64_t)i, 0, 0};
    pthread_create(&th[i], NULL, produce, &p[i]);
  }
  if (kill_middle) {
    while (atomic_load(&total_accepted) < PRODUCERS * PER_PRODUCER / 2)
      sched_yield();
    CHECK_OK(rk_kernel_terminate(ks[1]));
  }
  uint64_t sent = 0;
  for (int i = 0; i < PRODUCERS; i++) {
    pthread_join(th[i], NULL);
    CHECK_EQ_U64(p[i].unexpected, 0);
    CHECK_EQ_U64(p[i].accepted, PER_PRODUCER);
    sent += p[i].accepted;
  }
  atomic_store(&chaos.stop, 1);
  pthread_join(ch, NULL);
  /* Terminate front to back: in-flight forwards land in a live kernel or dead-letter. */
  for (int i = 0; i < CHAIN; i++)
    if (rk_kernel_state(ks[i]) != RK_KERNEL_TERMINATED)
      CHECK_OK(rk_kernel_terminate_drain(ks[i], 60 * SEC));

  uint64_t dead = 0, queued = 0;
  for (int i = 0; i < CHAIN; i++) {
    rk_kernel_status_t st;
    CHECK_OK(rk_kernel_status(ks[i], &st));
    dead += st.messages_dead_lettered;
    queued += st.input_queue_depth;
  }
  rk_kernel_status_t sink;
  CHECK_OK(rk_kernel_status(ks[3], &sink));
  CHECK_EQ_U64(sink.messages_processed + dead + queued, sent);
  uint64_t seen = 0;
  for (int i = 0; i < PRODUCERS; i++)
    seen += tally.seen[i];
  CHECK_EQ_U64(seen, sink.messages_processed);
  CHECK_EQ_U64(tally.out_of_order, 0);
  fprintf(stderr,
          "  sent %llu, processed at sink %llu, dead-lettered %llu, queued %llu, "
          "%llu deactivations\n",
          (unsigned long long)sent, (unsigned long long)sink.messages_processed,
          (unsigned long long)dead, (unsigned long long)queued, (unsigned long long)chaos.flips);
  if (kill_middle) {
    CHECK(dead > 0); /* k0's forwards to the terminated k1 */
    rk_dead_letter_t d;
    CHECK_OK(rk_kernel_pop_dead_letter(ks[0], &d));
    CHECK_EQ_INT(d.reason, RK_ENOTFOUND);
  }
  rk_runtime_destroy(rt);
}

RK_TEST(forwarding_chain_accounting_and_order) {
  run_chain(false);
}

RK_TEST(middle_kernel_terminated_mid_stream) {
  run_chain(true);
}

typedef struct requester {
  rk_kernel_t *k;
  uint64_t id;
  uint64_t ok;
  uint64_t mismatched;
} requester_t;

static void *request_loop(void *arg) {
  requester_t *r = arg;
  for (uint64_t i = 0; i < 2000; i++) {
    uint64_t v[2] = {r->id, i};
    rk_message_t *reply = NULL;
    rk_status_t st = rk_kernel_request(r->k, NULL, v, sizeof v, 30 * SEC, &reply);
    if (st != RK_OK) {
      r->mismatched++;
      continue;
    }
    if (rk_message_payload_size(reply) != sizeof v ||
        memcmp(rk_message_payload(reply), v, sizeof v) != 0)
      r->mismatched++;
    else
      r->ok++;
    rk_message_free(reply);
  }
  return NULL;
}

RK_TEST(concurrent_requests_match) {
  rk_runtime_t *rt = rk_test_cpu_runtime(2);
  rk_kernel_t *k = NULL;
  CHECK_OK(rk_runtime_launch(rt, "echo", NULL, &k));
  requester_t r[4];
  pthread_t th[4];
  for (int i = 0; i < 4; i++) {
    r[i] = (requester_t){k, (uint64_t)i, 0, 0};
    pthread_create(&th[i], NULL, request_loop, &r[i]);
  }
  for (int i = 0; i < 4; i++) {
    pthread_join(th[i], NULL);
    CHECK_EQ_U64(r[i].ok, 2000);
    CHECK_EQ_U64(r[i].mismatched, 0);
  }
  rk_message_t *left = NULL;
  CHECK_STATUS(rk_kernel_try_receive(k, &left), RK_EAGAIN);
  rk_runtime_destroy(rt);
}

int main(void) {
  CHECK_OK(rk_handler_register("tally", tally_handler, &tally));
  RK_RUN(forwarding_chain_accounting_and_order);
  RK_RUN(middle_kernel_terminated_mid_stream);
  RK_RUN(concurrent_requests_match);
  return rk_test_summary();
}
