/* bench_runtime_overhead.c — the runtime's own cost per request, without a GPU.
 *
 * A loopback backend stands in for the device: its enqueue makes the echo reply at once
 * into a small ring that its dequeue hands out (as the CUDA backend's dequeue does: an
 * owned rk_message_t built with rk_message_create from the ring record). With a device of
 * zero latency, what a round trip through the runtime costs above the same round trip
 * through the loopback actor's own calls is what the runtime adds per request.
 *
 * Rows, each a 64-byte echo round trip, alternated ROUNDS times in one run:
 *  - actor:   loopback_enqueue + loopback_peek/pop, payload copied out (the rkc_actor_*
 *             level of the CUDA backend);
 *  - ops:     the backend table's enqueue + dequeue + rk_message_free (the backend's part);
 *  - request: rk_kernel_request (5 s timeout, as the bindings call it) + rk_message_free;
 *  - send+receive: rk_kernel_send_bytes + rk_kernel_receive + rk_message_free.
 * Then the same with a reply that becomes visible DELAY_NS after the send (a device's
 * latency), so the requesting thread's wait loop runs as it does on a GPU: the actor row
 * spins on peek, the runtime rows go through their wait.
 * Printed: per row the median over rounds of p50 and p99, and the least min; then the
 * runtime's overhead (row p50 - actor p50) and the ratio.
 *
 * A third pass keeps the delay and lets the backend's poll signal each reply as the CUDA
 * backend's does (output_ready from the runtime's poller thread), so the poller's traffic
 * beside the waiting thread is in the numbers too.
 *
 * A last pass times the batch path, reply at once, per message of batches of BATCH:
 *  - actor:   loopback_enqueue of BATCH + BATCH peek/pop with the payload copied out;
 *  - ops:     the table's enqueue of BATCH + dequeue until BATCH came + rk_message_free;
 *  - runtime: rk_kernel_send_many of BATCH + rk_kernel_receive_many until BATCH came +
 *             rk_message_free (what Python's send_many/receive_many and Lua's batch call).
 *
 * Only this thread sends and receives; the poller only reads the ring's positions.
 * An argument, "request", "send_receive" or "batch", runs that row alone (zero latency)
 * for a profiler.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ringkernel/ringkernel.h"
#include "runtime_internal.h"
#include "tests_common/rk_test.h"

enum { WARMUP = 2000, SAMPLES = 20000, ROUNDS = 5, PAYLOAD = 64 };
enum { LOOP_CAP = 512, LOOP_PAYLOAD_MAX = 256, DELAY_NS = 2000 };
enum { ROW_ACTOR, ROW_OPS, ROW_REQUEST, ROW_SEND_RECEIVE, ROWS };

static const char *const row_names[ROWS] = {"actor (loopback calls)", "backend ops",
                                            "rk_kernel_request", "send + receive"};

/* ---- the loopback actor --------------------------------------------------------------- */

typedef struct loop_record {
  rk_message_header_t hdr;
  _Atomic uint64_t visible_at; /* monotonic ns; 0: at once (read by the poller too) */
  unsigned char payload[LOOP_PAYLOAD_MAX];
} loop_record_t;

/* head and tail are written by the one sending and receiving thread; the poller (when
 * it signals) only reads them. */
struct rk_backend_actor {
  rk_kernel_t *kernel;
  uint64_t numeric_id;
  uint64_t delay_ns;
  uint64_t pace_ns;      /* > 0: the device handles one message per pace_ns, in order */
  uint64_t last_visible; /* paced: when the latest reply becomes visible */
  _Atomic uint64_t head, tail; /* records [head, tail) wait in the ring */
  uint64_t processed;
  uint64_t signaled_at; /* poller only: tail when output_ready was last sent */
  loop_record_t ring[LOOP_CAP];
};

/* The echo handler, run at enqueue time: the reply goes from the actor back to the
 * sender with the request's correlation id and payload. */
static size_t loopback_enqueue(rk_backend_actor_t *a, const rk_message_header_t *const *hdrs,
                               const void *const *payloads, size_t n) {
  size_t done = 0;
  uint64_t now = a->pace_ns ? rk_test_now_ns() : 0;
  for (; done < n && a->tail - a->head < LOOP_CAP; done++) {
    const rk_message_header_t *h = hdrs[done];
    if (h->payload_size > LOOP_PAYLOAD_MAX) break;
    loop_record_t *r = &a->ring[a->tail % LOOP_CAP];
    r->hdr = *h;
    r->hdr.source_kernel = a->numeric_id;
    r->hdr.dest_kernel = h->source_kernel;
    memcpy(r->payload, payloads[done], (size_t)h->payload_size);
    uint64_t at = a->delay_ns ? rk_test_now_ns() + a->delay_ns : 0;
    if (a->pace_ns) at = a->last_visible = (a->last_visible > now ? a->last_visible : now) + a->pace_ns;
    atomic_store_explicit(&r->visible_at, at, memory_order_relaxed);
    /* release: pairs with the poller's acquire load of tail */
    atomic_store_explicit(&a->tail, a->tail + 1, memory_order_release);
    a->processed++;
  }
  return done;
}

/* The oldest visible reply, or NULL; loopback_pop takes it out. */
static const loop_record_t *loopback_peek(const rk_backend_actor_t *a) {
  uint64_t head = atomic_load_explicit(&a->head, memory_order_relaxed);
  if (head == atomic_load_explicit(&a->tail, memory_order_acquire)) return NULL;
  const loop_record_t *r = &a->ring[head % LOOP_CAP];
  uint64_t at = atomic_load_explicit(&r->visible_at, memory_order_relaxed);
  if (at && rk_test_now_ns() < at) return NULL;
  return r;
}

static void loopback_pop(rk_backend_actor_t *a) {
  atomic_store_explicit(&a->head, a->head + 1, memory_order_release);
}

/* ---- the loopback backend table --------------------------------------------------------- */

/* Set by run_all before it creates a runtime: the latency given to its actors, and
 * whether poll signals their replies as the CUDA backend's poll does. */
static uint64_t loop_delay_ns;
static bool loop_signal;

/* The runtime-wide state: its host table and its one runtime actor, which lock guards
 * against poll (as the CUDA backend's lock guards its actor list). */
typedef struct loop_backend {
  const rk_backend_host_t *host;
  pthread_mutex_t lock;
  rk_backend_actor_t *actor;
} loop_backend_t;

static loop_backend_t loop_state = {NULL, PTHREAD_MUTEX_INITIALIZER, NULL};

static rk_status_t lb_probe(int32_t device) {
  (void)device;
  return RK_OK;
}

static rk_status_t lb_init(const rk_backend_config_t *cfg, void **state) {
  loop_state.host = cfg->host;
  *state = &loop_state;
  return RK_OK;
}

static void lb_shutdown(void *state) { (void)state; }
static void lb_fini(void *state) { (void)state; }

static rk_status_t lb_actor_create(void *state, const rk_backend_actor_desc_t *desc,
                                   rk_backend_actor_t **out) {
  rk_backend_actor_t *a = calloc(1, sizeof *a);
  if (!a) return RK_ENOMEM;
  a->kernel = desc->kernel;
  a->numeric_id = desc->numeric_id;
  a->delay_ns = loop_delay_ns;
  if (state) {
    pthread_mutex_lock(&loop_state.lock);
    loop_state.actor = a;
    pthread_mutex_unlock(&loop_state.lock);
  }
  *out = a;
  return RK_OK;
}

static rk_status_t lb_set_active(rk_backend_actor_t *a, bool active) {
  (void)a, (void)active;
  return RK_OK;
}

static rk_status_t lb_terminate(rk_backend_actor_t *a, bool drain, int64_t timeout_ns) {
  (void)a, (void)drain, (void)timeout_ns;
  return RK_OK;
}

/* Requests never wait in an input: the reply is made at enqueue. */
static size_t lb_take_input(rk_backend_actor_t *a, rk_message_t **out, size_t max) {
  (void)a, (void)out, (void)max;
  return 0;
}

static void lb_actor_destroy(rk_backend_actor_t *a) {
  pthread_mutex_lock(&loop_state.lock);
  if (loop_state.actor == a) loop_state.actor = NULL;
  pthread_mutex_unlock(&loop_state.lock);
  free(a);
}

static size_t lb_dequeue(rk_backend_actor_t *a, rk_message_t **out, size_t max) {
  size_t n = 0;
  const loop_record_t *r;
  while (n < max && (r = loopback_peek(a)) != NULL) {
    if (rk_message_create(&r->hdr, r->payload, (size_t)r->hdr.payload_size, &out[n]) != RK_OK)
      break;
    loopback_pop(a);
    n++;
  }
  return n;
}

static size_t lb_output_depth(rk_backend_actor_t *a) { return (size_t)(a->tail - a->head); }

static void lb_counters(rk_backend_actor_t *a, rk_backend_counters_t *out) {
  memset(out, 0, sizeof *out);
  out->processed = a->processed;
  out->output.enqueued = a->tail;
  out->output.dequeued = a->head;
  out->output.depth = a->tail - a->head;
}

static uint64_t lb_device_memory(void *state) {
  (void)state;
  return 0;
}

/* As the CUDA backend's poll: a new visible reply since the last signal -> output_ready
 * (which bumps the waitset the requesting thread may be spinning beside). Without
 * loop_signal it never has news and the runtime's poller sleeps. */
static int lb_poll(void *state) {
  loop_backend_t *be = state;
  if (!loop_signal) return 0;
  int events = 0;
  pthread_mutex_lock(&be->lock);
  rk_backend_actor_t *a = be->actor;
  uint64_t tail = a ? atomic_load_explicit(&a->tail, memory_order_acquire) : 0;
  if (a && tail != a->signaled_at && loopback_peek(a)) {
    a->signaled_at = tail;
    be->host->output_ready(a->kernel);
    events = 1;
  }
  pthread_mutex_unlock(&be->lock);
  return events;
}

static const rk_backend_ops_t loopback_ops = {
    .name = "loopback",
    .probe = lb_probe,
    .init = lb_init,
    .shutdown = lb_shutdown,
    .fini = lb_fini,
    .actor_create = lb_actor_create,
    .actor_set_active = lb_set_active,
    .actor_terminate = lb_terminate,
    .take_input = lb_take_input,
    .actor_destroy = lb_actor_destroy,
    .enqueue = loopback_enqueue,
    .dequeue = lb_dequeue,
    .output_depth = lb_output_depth,
    .counters = lb_counters,
    .device_memory_used = lb_device_memory,
    .poll = lb_poll,
    .k2k_stats = NULL,
};

/* ---- timing -------------------------------------------------------------------------------- */

typedef struct lat {
  double p50, p99, min;
} lat_t;

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static lat_t summarize(uint64_t *s, size_t n) {
  qsort(s, n, sizeof *s, cmp_u64);
  lat_t l = {(double)s[n / 2], (double)s[(size_t)((double)(n - 1) * 0.99)], (double)s[0]};
  return l;
}

static void die(const char *what) {
  fprintf(stderr, "bench_runtime_overhead: %s: %s\n", what, rk_last_error());
  exit(1);
}

static unsigned char payload[PAYLOAD];

/* One round trip of `row`; checks the echo so a broken path cannot time well. */
static void round_trip(int row, rk_kernel_t *k, rk_backend_actor_t *a) {
  rk_message_t *m = NULL;
  if (row == ROW_ACTOR) {
    const rk_message_header_t *hp = &(rk_message_header_t){.magic = RK_MESSAGE_MAGIC,
                                                           .payload_size = PAYLOAD};
    const void *pp = payload;
    unsigned char out[PAYLOAD];
    if (loopback_enqueue(a, &hp, &pp, 1) != 1) die("loopback enqueue");
    const loop_record_t *r;
    while ((r = loopback_peek(a)) == NULL)
      ;
    memcpy(out, r->payload, (size_t)r->hdr.payload_size);
    loopback_pop(a);
    if (out[0] != payload[0]) die("loopback echo");
    return;
  }
  if (row == ROW_OPS) {
    const rk_message_header_t *hp = &(rk_message_header_t){.magic = RK_MESSAGE_MAGIC,
                                                           .payload_size = PAYLOAD};
    const void *pp = payload;
    if (loopback_ops.enqueue(a, &hp, &pp, 1) != 1) die("ops enqueue");
    while (loopback_ops.dequeue(a, &m, 1) == 0)
      ;
  } else if (row == ROW_REQUEST) {
    if (rk_kernel_request(k, NULL, payload, PAYLOAD, 5000000000LL, &m) != RK_OK) die("request");
  } else {
    if (rk_kernel_send_bytes(k, 1, payload, PAYLOAD, 0, 5000000000LL) != RK_OK) die("send");
    if (rk_kernel_receive(k, &m, 5000000000LL) != RK_OK) die("receive");
  }
  if (rk_message_payload_size(m) != PAYLOAD ||
      memcmp(rk_message_payload(m), payload, PAYLOAD) != 0)
    die("echo payload");
  rk_message_free(m);
}

static lat_t time_row(int row, rk_kernel_t *k, rk_backend_actor_t *a, uint64_t *samples) {
  for (int i = 0; i < WARMUP; i++)
    round_trip(row, k, a);
  for (int i = 0; i < SAMPLES; i++) {
    uint64_t t0 = rk_test_now_ns();
    round_trip(row, k, a);
    samples[i] = rk_test_now_ns() - t0;
  }
  return summarize(samples, SAMPLES);
}

/* Runs every row ROUNDS times, alternating, and prints medians. */
static void run_all(uint64_t delay_ns, bool signal) {
  loop_delay_ns = delay_ns;
  loop_signal = signal;
  rki_backend_override(&loopback_ops);
  rk_runtime_config_t cfg;
  rk_runtime_config_init(&cfg);
  cfg.backend = RK_BACKEND_CUDA;
  cfg.wait_spin_ns = 20000; /* what a GPU host (>= 4 cores) gets by default */
  rk_runtime_t *rt = NULL;
  if (rk_runtime_create(&cfg, &rt) != RK_OK) die("runtime");
  rk_kernel_t *k = NULL;
  if (rk_runtime_launch(rt, "echo", NULL, &k) != RK_OK) die("launch");
  rk_backend_actor_t *direct = NULL; /* an actor of its own for the actor and ops rows */
  rk_backend_actor_desc_t desc = {NULL, "direct", 99, NULL};
  if (lb_actor_create(NULL, &desc, &direct) != RK_OK) die("direct actor");

  uint64_t *samples = malloc(SAMPLES * sizeof *samples);
  double p50[ROWS][ROUNDS], p99[ROWS][ROUNDS], min[ROWS];
  for (int row = 0; row < ROWS; row++)
    min[row] = 1e300;
  for (int round = 0; round < ROUNDS; round++)
    for (int row = 0; row < ROWS; row++) {
      lat_t l = time_row(row, k, direct, samples);
      p50[row][round] = l.p50;
      p99[row][round] = l.p99;
      if (l.min < min[row]) min[row] = l.min;
    }

  printf("\nloopback device, reply visible %llu ns after the send, poller %s (%d rounds x %d "
         "samples)\n", (unsigned long long)delay_ns,
         signal ? "signalling replies" : "idle", ROUNDS, SAMPLES);
  double base = 0;
  for (int row = 0; row < ROWS; row++) {
    qsort(p50[row], ROUNDS, sizeof(double), cmp_double);
    qsort(p99[row], ROUNDS, sizeof(double), cmp_double);
    double m50 = p50[row][ROUNDS / 2];
    if (row == ROW_ACTOR) base = m50;
    printf("  %-24s p50 %6.0f ns  p99 %6.0f ns  min %6.0f ns", row_names[row], m50,
           p99[row][ROUNDS / 2], min[row]);
    if (row != ROW_ACTOR) printf("   overhead %+5.0f ns  ratio %.2f", m50 - base, m50 / base);
    printf("\n");
  }
  free(samples);
  lb_actor_destroy(direct);
  rk_runtime_destroy(rt);
  rki_backend_override(NULL);
}

/* ---- the batch path --------------------------------------------------------------------- */

enum { BATCH = 256, BATCH_WARMUP = 40, BATCH_REPS = 400, BATCH_ROUNDS = 7, PACE_NS = 80 };
enum { BROW_ACTOR, BROW_OPS, BROW_RUNTIME, BROWS };

static const char *const batch_row_names[BROWS] = {"actor (loopback calls)", "backend ops",
                                                   "send_many + receive_many"};

static void check_echo(const void *p, size_t len) {
  if (len != PAYLOAD || memcmp(p, payload, PAYLOAD) != 0) die("batch echo payload");
}

/* BATCH requests through the loopback actor's own calls, their replies copied out. */
static void batch_actor(rk_backend_actor_t *a) {
  static const rk_message_header_t h = {.magic = RK_MESSAGE_MAGIC, .payload_size = PAYLOAD};
  const rk_message_header_t *hp[BATCH];
  const void *pp[BATCH];
  for (int i = 0; i < BATCH; i++)
    hp[i] = &h, pp[i] = payload;
  if (loopback_enqueue(a, hp, pp, BATCH) != BATCH) die("loopback enqueue of a batch");
  unsigned char out[PAYLOAD];
  for (int i = 0; i < BATCH; i++) {
    const loop_record_t *r;
    while ((r = loopback_peek(a)) == NULL)
      ;
    memcpy(out, r->payload, (size_t)r->hdr.payload_size);
    loopback_pop(a);
    check_echo(out, (size_t)r->hdr.payload_size);
  }
}

/* BATCH requests through the backend table: one enqueue, dequeues until all came. */
static void batch_ops(rk_backend_actor_t *a) {
  static const rk_message_header_t h = {.magic = RK_MESSAGE_MAGIC, .payload_size = PAYLOAD};
  const rk_message_header_t *hp[BATCH];
  const void *pp[BATCH];
  rk_message_t *ms[BATCH];
  for (int i = 0; i < BATCH; i++)
    hp[i] = &h, pp[i] = payload;
  if (loopback_ops.enqueue(a, hp, pp, BATCH) != BATCH) die("ops enqueue of a batch");
  for (size_t got = 0; got < BATCH;)
    got += loopback_ops.dequeue(a, ms + got, BATCH - got);
  for (int i = 0; i < BATCH; i++) {
    check_echo(rk_message_payload(ms[i]), rk_message_payload_size(ms[i]));
    rk_message_free(ms[i]);
  }
}

/* BATCH requests through the runtime's batch API, as the bindings call it. */
static void batch_runtime(rk_kernel_t *k) {
  static const rk_message_header_t h = {.message_type = 1}; /* magic 0: stamp a fresh one */
  rk_send_item_t items[BATCH];
  rk_message_t *ms[BATCH];
  for (int i = 0; i < BATCH; i++)
    items[i] = (rk_send_item_t){&h, payload, PAYLOAD};
  size_t accepted = 0;
  if (rk_kernel_send_many(k, items, BATCH, 5000000000LL, &accepted) != RK_OK ||
      accepted != BATCH)
    die("send_many");
  for (size_t got = 0; got < BATCH;) {
    size_t n = 0;
    if (rk_kernel_receive_many(k, ms + got, BATCH - got, 5000000000LL, &n) != RK_OK)
      die("receive_many");
    got += n;
  }
  for (int i = 0; i < BATCH; i++) {
    check_echo(rk_message_payload(ms[i]), rk_message_payload_size(ms[i]));
    rk_message_free(ms[i]);
  }
}

static void batch_once(int row, rk_kernel_t *k, rk_backend_actor_t *a) {
  if (row == BROW_ACTOR)
    batch_actor(a);
  else if (row == BROW_OPS)
    batch_ops(a);
  else
    batch_runtime(k);
}

/* Mean ns per message over BATCH_REPS batches (a batch's messages are not timed apart). */
static double time_batch_row(int row, rk_kernel_t *k, rk_backend_actor_t *a) {
  for (int i = 0; i < BATCH_WARMUP; i++)
    batch_once(row, k, a);
  uint64_t t0 = rk_test_now_ns();
  for (int i = 0; i < BATCH_REPS; i++)
    batch_once(row, k, a);
  return (double)(rk_test_now_ns() - t0) / ((double)BATCH_REPS * BATCH);
}

/* Pipelined, as bench_gpu's throughput rows: every call takes what it can and never
 * waits (timeout 0), sends and receives alternate, up to LOOP_CAP in flight. */
static void pipelined_actor(rk_backend_actor_t *a, size_t total) {
  static const rk_message_header_t h = {.magic = RK_MESSAGE_MAGIC, .payload_size = PAYLOAD};
  const rk_message_header_t *hp[BATCH];
  const void *pp[BATCH];
  for (int i = 0; i < BATCH; i++)
    hp[i] = &h, pp[i] = payload;
  unsigned char out[PAYLOAD];
  for (size_t sent = 0, got = 0; got < total;) {
    if (sent < total) sent += loopback_enqueue(a, hp, pp, total - sent < BATCH ? total - sent : BATCH);
    const loop_record_t *r;
    for (int i = 0; i < BATCH && (r = loopback_peek(a)) != NULL; i++, got++) {
      memcpy(out, r->payload, (size_t)r->hdr.payload_size);
      loopback_pop(a);
      check_echo(out, (size_t)r->hdr.payload_size);
    }
  }
}

static void pipelined_runtime(rk_kernel_t *k, size_t total) {
  static const rk_message_header_t h = {.message_type = 1};
  rk_send_item_t items[BATCH];
  rk_message_t *ms[BATCH];
  for (int i = 0; i < BATCH; i++)
    items[i] = (rk_send_item_t){&h, payload, PAYLOAD};
  for (size_t sent = 0, got = 0; got < total;) {
    size_t acc = 0, n = 0;
    if (sent < total) rk_kernel_send_many(k, items, total - sent < BATCH ? total - sent : BATCH, 0, &acc);
    sent += acc;
    rk_kernel_receive_many(k, ms, BATCH, 0, &n);
    for (size_t i = 0; i < n; i++) {
      check_echo(rk_message_payload(ms[i]), rk_message_payload_size(ms[i]));
      rk_message_free(ms[i]);
    }
    got += n;
  }
}

/* Messages per second of both pipelined rows with a device that handles one message per
 * pace_ns (the H100's ring: ~80 ns), alternated, medians. */
static void run_pipelined(rk_kernel_t *k, rk_backend_actor_t *direct, uint64_t pace_ns,
                          bool signal) {
  enum { TOTAL = BATCH * BATCH_REPS };
  loop_signal = signal;
  rk_backend_actor_t *ka = loop_state.actor; /* the runtime kernel's actor */
  ka->pace_ns = direct->pace_ns = pace_ns;
  double mps[2][BATCH_ROUNDS];
  for (int round = 0; round < BATCH_ROUNDS; round++)
    for (int row = 0; row < 2; row++) {
      uint64_t t0 = rk_test_now_ns();
      if (row == 0)
        pipelined_actor(direct, TOTAL);
      else
        pipelined_runtime(k, TOTAL);
      mps[row][round] = TOTAL * 1e3 / (double)(rk_test_now_ns() - t0);
    }
  printf("pipelined (timeout 0, as bench_gpu), device pace %llu ns/msg, poller %s (median of "
         "%d rounds x %d messages)\n", (unsigned long long)pace_ns,
         signal ? "signalling replies" : "idle", BATCH_ROUNDS, TOTAL);
  static const char *const names[2] = {"actor (loopback calls)", "send_many + receive_many"};
  for (int row = 0; row < 2; row++) {
    qsort(mps[row], BATCH_ROUNDS, sizeof(double), cmp_double);
    double med = mps[row][BATCH_ROUNDS / 2];
    printf("  %-26s %6.2f M msg/s = %6.1f ns/msg  (rounds %.2f-%.2f)", names[row], med,
           1e3 / med, mps[row][0], mps[row][BATCH_ROUNDS - 1]);
    if (row) printf("   ratio %.2f", mps[0][BATCH_ROUNDS / 2] / med);
    printf("\n");
  }
  ka->pace_ns = direct->pace_ns = 0;
  loop_signal = false;
}

/* What a send_many that finds the input full costs the caller (timeout 0): a pipelined
 * sender ahead of the device makes such calls between the ones that go in. */
static void run_refused(rk_kernel_t *k) {
  enum { CALLS = 20000 };
  static const rk_message_header_t h = {.message_type = 1};
  rk_send_item_t items[BATCH];
  for (int i = 0; i < BATCH; i++)
    items[i] = (rk_send_item_t){&h, payload, PAYLOAD};
  size_t acc = 0, filled = 0;
  while (filled < LOOP_CAP) {
    if (rk_kernel_send_many(k, items, BATCH, 0, &acc) != RK_OK && acc == 0) break;
    filled += acc;
  }
  double ns[BATCH_ROUNDS];
  for (int round = 0; round < BATCH_ROUNDS; round++) {
    uint64_t t0 = rk_test_now_ns();
    for (int i = 0; i < CALLS; i++)
      if (rk_kernel_send_many(k, items, BATCH, 0, &acc) != RK_EAGAIN || acc != 0)
        die("send_many on a full input");
    ns[round] = (double)(rk_test_now_ns() - t0) / CALLS;
  }
  rk_message_t *ms[BATCH];
  for (size_t got = 0, n = 0; got < filled; got += n)
    if (rk_kernel_receive_many(k, ms, BATCH, 0, &n) != RK_OK) die("drain");
    else
      for (size_t i = 0; i < n; i++)
        rk_message_free(ms[i]);
  qsort(ns, BATCH_ROUNDS, sizeof(double), cmp_double);
  printf("send_many of %d refused by a full input (timeout 0): %.0f ns per call (rounds "
         "%.0f-%.0f)\n", BATCH, ns[BATCH_ROUNDS / 2], ns[0], ns[BATCH_ROUNDS - 1]);
}

/* A runtime on the loopback backend (reply at once, poller idle) and its echo kernel. */
static void batch_setup(rk_runtime_t **rt, rk_kernel_t **k) {
  loop_delay_ns = 0;
  loop_signal = false;
  rki_backend_override(&loopback_ops);
  rk_runtime_config_t cfg;
  rk_runtime_config_init(&cfg);
  cfg.backend = RK_BACKEND_CUDA;
  cfg.wait_spin_ns = 20000;
  if (rk_runtime_create(&cfg, rt) != RK_OK) die("runtime");
  if (rk_runtime_launch(*rt, "echo", NULL, k) != RK_OK) die("launch");
}

static void run_batch(void) {
  rk_runtime_t *rt = NULL;
  rk_kernel_t *k = NULL;
  batch_setup(&rt, &k);
  rk_backend_actor_t *direct = NULL;
  rk_backend_actor_desc_t desc = {NULL, "direct", 99, NULL};
  if (lb_actor_create(NULL, &desc, &direct) != RK_OK) die("direct actor");
  double ns[BROWS][BATCH_ROUNDS];
  for (int round = 0; round < BATCH_ROUNDS; round++)
    for (int row = 0; row < BROWS; row++)
      ns[row][round] = time_batch_row(row, k, direct);
  printf("\nbatch path, batches of %d x %d-byte echo, reply at once (median of %d rounds x %d "
         "batches, ns per message)\n", BATCH, PAYLOAD, BATCH_ROUNDS, BATCH_REPS);
  double base = 0;
  for (int row = 0; row < BROWS; row++) {
    qsort(ns[row], BATCH_ROUNDS, sizeof(double), cmp_double);
    double med = ns[row][BATCH_ROUNDS / 2];
    if (row == BROW_ACTOR) base = med;
    printf("  %-26s %7.1f ns/msg  (rounds %.1f-%.1f)", batch_row_names[row], med, ns[row][0],
           ns[row][BATCH_ROUNDS - 1]);
    if (row != BROW_ACTOR) printf("   overhead %+6.1f ns  ratio %.2f", med - base, med / base);
    printf("\n");
  }
  run_pipelined(k, direct, 0, false);
  run_pipelined(k, direct, PACE_NS, false);
  run_pipelined(k, direct, PACE_NS, true);
  run_refused(k);
  lb_actor_destroy(direct);
  rk_runtime_destroy(rt);
  rki_backend_override(NULL);
}

/* The runtime batch row alone (10 000 batches), for a profiler. */
static int profile_batch(void) {
  rk_runtime_t *rt = NULL;
  rk_kernel_t *k = NULL;
  batch_setup(&rt, &k);
  uint64_t t0 = rk_test_now_ns();
  for (int i = 0; i < 10000; i++)
    batch_runtime(k);
  printf("batch: %.1f ns per message (mean)\n",
         (double)(rk_test_now_ns() - t0) / (10000.0 * BATCH));
  rk_runtime_destroy(rt);
  rki_backend_override(NULL);
  return 0;
}

/* "request", "send_receive" or "batch": that row alone, zero latency, for a profiler. */
static int profile_row(const char *name) {
  if (strcmp(name, "batch") == 0) return profile_batch();
  int row = strcmp(name, "request") == 0        ? ROW_REQUEST
            : strcmp(name, "send_receive") == 0 ? ROW_SEND_RECEIVE
                                                : -1;
  if (row < 0) {
    fprintf(stderr, "usage: bench_runtime_overhead [request|send_receive|batch]\n");
    return 2;
  }
  rki_backend_override(&loopback_ops);
  rk_runtime_config_t cfg;
  rk_runtime_config_init(&cfg);
  cfg.backend = RK_BACKEND_CUDA;
  cfg.wait_spin_ns = 20000;
  rk_runtime_t *rt = NULL;
  rk_kernel_t *k = NULL;
  if (rk_runtime_create(&cfg, &rt) != RK_OK) die("runtime");
  if (rk_runtime_launch(rt, "echo", NULL, &k) != RK_OK) die("launch");
  uint64_t t0 = rk_test_now_ns();
  for (int i = 0; i < 100 * SAMPLES; i++)
    round_trip(row, k, NULL);
  printf("%s: %.1f ns per round trip (mean)\n", name,
         (double)(rk_test_now_ns() - t0) / (100.0 * SAMPLES));
  rk_runtime_destroy(rt);
  rki_backend_override(NULL);
  return 0;
}

int main(int argc, char **argv) {
  memset(payload, 0x5a, sizeof payload);
  if (argc > 1 && strcmp(argv[1], "batch_rows") == 0) {
    run_batch();
    return 0;
  }
  if (argc > 1) return profile_row(argv[1]);
  run_all(0, false);
  run_all(DELAY_NS, false);
  run_all(DELAY_NS, true);
  run_batch();
  return 0;
}
