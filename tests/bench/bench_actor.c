/* bench_actor.c — CPU-backend actors against a plain two-thread ping-pong over C11 atomics
 * measured in the same run (the baseline).
 *
 *  1. baseline: two threads bounce one atomic word (round trip), and pass 64-byte items
 *     through a hand-written SPSC array (throughput);
 *  2. host -> actor -> host round trip: rk_kernel_send + rk_kernel_receive, echo handler,
 *     64-byte payload, one worker; once with the default wait (futex sleep at once) and
 *     once with wait_spin_ns = SPIN_NS (poll briefly before sleeping);
 *  3. actor -> actor (K2K) round trip: two actors bounce one message through the broker,
 *     two workers, no host on the path;
 *  4. many in flight: host -> echo actor -> host with send_many / receive_many (a sender
 *     and a receiver thread), actor -> actor forwarding into a counting sink, and two
 *     actors bouncing 512 messages between them through K2K (no host on the path).
 * Latencies: p50 / p99 / min over SAMPLES round trips after WARMUP. Throughput: best of
 * REPEATS. Ratios are actor / baseline (latency) and baseline / actor (throughput).
 * An optional argument, "latency" or "throughput", runs that half only (with its
 * baseline); "echo", "forward" or "bounce" runs one throughput row, for profiling one path
 * at a time.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ringkernel/ringkernel.h"
#include "tests_common/rk_test.h"

enum { WARMUP = 2000, SAMPLES = 20000, PAYLOAD = 64, REPEATS = 3 };
enum { TPUT_N = 400000, BATCH = 64, SPSC_CAP = 1024, SPIN_NS = 20000 };

typedef struct lat {
  double p50, p99, min;
} lat_t;

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static lat_t summarize(uint64_t *s, size_t n) {
  qsort(s, n, sizeof *s, cmp_u64);
  lat_t l = {(double)s[n / 2], (double)s[(size_t)((double)(n - 1) * 0.99)], (double)s[0]};
  return l;
}

static void print_lat(const char *what, lat_t l) {
  printf("%-44s p50 %9.0f ns  p99 %9.0f ns  min %9.0f ns\n", what, l.p50, l.p99, l.min);
}

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

/* ---- baseline: atomic ping-pong and a hand-written SPSC array ---------------------- */

static _Atomic uint64_t ping_word;

static void *pong_main(void *arg) {
  uint64_t n = (uint64_t)(uintptr_t)arg;
  for (uint64_t i = 1; i <= n; i++) {
    while (atomic_load_explicit(&ping_word, memory_order_acquire) != 2 * i - 1)
      cpu_relax();
    atomic_store_explicit(&ping_word, 2 * i, memory_order_release);
  }
  return NULL;
}

static lat_t baseline_pingpong(uint64_t *samples) {
  uint64_t total = WARMUP + SAMPLES;
  atomic_store(&ping_word, 0);
  pthread_t th;
  pthread_create(&th, NULL, pong_main, (void *)(uintptr_t)total);
  for (uint64_t i = 1; i <= total; i++) {
    uint64_t t0 = rk_test_now_ns();
    atomic_store_explicit(&ping_word, 2 * i - 1, memory_order_release);
    while (atomic_load_explicit(&ping_word, memory_order_acquire) != 2 * i)
      cpu_relax();
    if (i > WARMUP) samples[i - WARMUP - 1] = rk_test_now_ns() - t0;
  }
  pthread_join(th, NULL);
  return summarize(samples, SAMPLES);
}

typedef struct spsc {
  _Alignas(64) _Atomic uint64_t head;
  _Alignas(64) _Atomic uint64_t tail;
  unsigned char slots[SPSC_CAP][PAYLOAD];
} spsc_t;

static spsc_t spsc;

static void *spsc_consumer(void *arg) {
  uint64_t n = (uint64_t)(uintptr_t)arg;
  unsigned char buf[PAYLOAD];
  for (uint64_t t = 0; t < n; t++) {
    while (atomic_load_explicit(&spsc.head, memory_order_acquire) == t)
      cpu_relax();
    memcpy(buf, spsc.slots[t % SPSC_CAP], PAYLOAD);
    atomic_store_explicit(&spsc.tail, t + 1, memory_order_release);
  }
  return NULL;
}

static double baseline_spsc(void) {
  double best = 0;
  unsigned char msg[PAYLOAD] = {1};
  for (int r = 0; r < REPEATS; r++) {
    atomic_store(&spsc.head, 0);
    atomic_store(&spsc.tail, 0);
    pthread_t th;
    uint64_t t0 = rk_test_now_ns();
    pthread_create(&th, NULL, spsc_consumer, (void *)(uintptr_t)TPUT_N);
    for (uint64_t h = 0; h < TPUT_N; h++) {
      while (h - atomic_load_explicit(&spsc.tail, memory_order_acquire) >= SPSC_CAP)
        cpu_relax();
      memcpy(spsc.slots[h % SPSC_CAP], msg, PAYLOAD);
      atomic_store_explicit(&spsc.head, h + 1, memory_order_release);
    }
    pthread_join(th, NULL);
    double mps = TPUT_N / ((double)(rk_test_now_ns() - t0) / 1e9);
    if (mps > best) best = mps;
  }
  return best;
}

/* ---- runtime helpers ---------------------------------------------------------------- */

static rk_runtime_t *make_rt(uint32_t workers, uint32_t spin_ns) {
  rk_runtime_config_t cfg;
  rk_runtime_config_init(&cfg);
  cfg.backend = RK_BACKEND_CPU;
  cfg.worker_count = workers;
  cfg.wait_spin_ns = spin_ns;
  rk_runtime_t *rt = NULL;
  if (rk_runtime_create(&cfg, &rt) != RK_OK) {
    fprintf(stderr, "runtime: %s\n", rk_last_error());
    exit(1);
  }
  return rt;
}

static rk_kernel_t *launch(rk_runtime_t *rt, const char *id, const char *handler, const char *fwd,
                           uint32_t cap) {
  rk_launch_options_t o;
  rk_launch_options_init(&o);
  o.handler = handler;
  o.forward_to = fwd;
  o.input_capacity = cap;
  o.output_capacity = cap;
  rk_kernel_t *k = NULL;
  if (rk_runtime_launch(rt, id, &o, &k) != RK_OK) {
    fprintf(stderr, "launch %s: %s\n", id, rk_last_error());
    exit(1);
  }
  return k;
}

/* ---- 2. host -> actor -> host ------------------------------------------------------- */

static lat_t host_roundtrip(uint64_t *samples, uint32_t spin_ns) {
  rk_runtime_t *rt = make_rt(1, spin_ns);
  rk_kernel_t *k = launch(rt, "echo", NULL, NULL, 1024);
  unsigned char payload[PAYLOAD] = {7};
  for (int i = 0; i < WARMUP + SAMPLES; i++) {
    rk_message_t *m = NULL;
    uint64_t t0 = rk_test_now_ns();
    rk_kernel_send_bytes(k, 1, payload, PAYLOAD, 0, -1);
    if (rk_kernel_receive(k, &m, -1) != RK_OK) exit(1);
    uint64_t dt = rk_test_now_ns() - t0;
    rk_message_free(m);
    if (i >= WARMUP) samples[i - WARMUP] = dt;
  }
  rk_runtime_destroy(rt);
  return summarize(samples, SAMPLES);
}

/* ---- 3. actor -> actor (K2K) ping-pong ---------------------------------------------- */

typedef struct pp {
  uint64_t *samples;
  uint64_t sent_at;
  uint64_t count;
  uint64_t total;
} pp_t;

static pp_t pp;

/* "ping": a message from the host starts the rally; each return from "pong" is one round
 * trip; after the last one it replies to the host. */
static rk_status_t ping_handler(rk_handler_ctx_t *ctx, const rk_message_header_t *hdr,
                                const void *payload, size_t len, void *user) {
  (void)user;
  if (hdr->source_kernel != 0) {
    uint64_t dt = rk_test_now_ns() - pp.sent_at;
    if (pp.count >= WARMUP) pp.samples[pp.count - WARMUP] = dt;
    if (++pp.count == pp.total) return rk_ctx_reply(ctx, "done", 4);
  }
  pp.sent_at = rk_test_now_ns();
  return rk_ctx_send_k2k(ctx, "pong", 1, payload, len);
}

static rk_status_t pong_handler(rk_handler_ctx_t *ctx, const rk_message_header_t *hdr,
                                const void *payload, size_t len, void *user) {
  (void)hdr;
  (void)user;
  return rk_ctx_send_k2k(ctx, "ping", 1, payload, len);
}

static lat_t actor_roundtrip(uint64_t *samples) {
  pp = (pp_t){samples, 0, 0, WARMUP + SAMPLES};
  rk_runtime_t *rt = make_rt(2, 0);
  rk_kernel_t *ping = launch(rt, "ping", "bench-ping", NULL, 1024);
  launch(rt, "pong", "bench-pong", NULL, 1024);
  unsigned char payload[PAYLOAD] = {3};
  rk_message_t *m = NULL;
  if (rk_kernel_request(ping, NULL, payload, PAYLOAD, 120000000000LL, &m) != RK_OK) {
    fprintf(stderr, "ping-pong: %s\n", rk_last_error());
    exit(1);
  }
  rk_message_free(m);
  rk_runtime_destroy(rt);
  return summarize(samples, SAMPLES);
}

/* ---- 4. throughput ------------------------------------------------------------------ */

typedef struct drain {
  rk_kernel_t *k;
  uint64_t want;
} drain_t;

static void *drain_main(void *arg) {
  drain_t *d = arg;
  rk_message_t *out[BATCH];
  uint64_t got = 0;
  while (got < d->want) {
    size_t n = 0;
    if (rk_kernel_receive_many(d->k, out, BATCH, -1, &n) != RK_OK) break;
    for (size_t i = 0; i < n; i++)
      rk_message_free(out[i]);
    got += n;
  }
  return NULL;
}

static void send_all(rk_kernel_t *k, uint64_t n) {
  static unsigned char payload[PAYLOAD];
  rk_send_item_t items[BATCH];
  for (int i = 0; i < BATCH; i++)
    items[i] = (rk_send_item_t){NULL, payload, PAYLOAD};
  uint64_t sent = 0;
  while (sent < n) {
    size_t want = n - sent < BATCH ? (size_t)(n - sent) : BATCH, acc = 0;
    rk_kernel_send_many(k, items, want, -1, &acc);
    sent += acc;
  }
}

static double host_throughput(uint32_t spin_ns) {
  double best = 0;
  for (int r = 0; r < REPEATS; r++) {
    rk_runtime_t *rt = make_rt(1, spin_ns);
    rk_kernel_t *k = launch(rt, "echo", NULL, NULL, 4096);
    drain_t d = {k, TPUT_N};
    pthread_t th;
    uint64_t t0 = rk_test_now_ns();
    pthread_create(&th, NULL, drain_main, &d);
    send_all(k, TPUT_N);
    pthread_join(th, NULL);
    double mps = TPUT_N / ((double)(rk_test_now_ns() - t0) / 1e9);
    if (mps > best) best = mps;
    rk_runtime_destroy(rt);
  }
  return best;
}

static rk_status_t sink_handler(rk_handler_ctx_t *ctx, const rk_message_header_t *hdr,
                                const void *payload, size_t len, void *user) {
  (void)ctx;
  (void)hdr;
  (void)payload;
  (void)len;
  (void)user;
  return RK_OK;
}

static double actor_throughput(void) {
  double best = 0;
  for (int r = 0; r < REPEATS; r++) {
    rk_runtime_t *rt = make_rt(2, 0);
    rk_kernel_t *sink = launch(rt, "sink", "bench-sink", NULL, 4096);
    rk_kernel_t *fwd = launch(rt, "fwd", "forward", "sink", 4096);
    uint64_t t0 = rk_test_now_ns();
    send_all(fwd, TPUT_N);
    rk_kernel_status_t st;
    do {
      sched_yield();
      rk_kernel_status(sink, &st);
    } while (st.messages_processed < TPUT_N);
    double mps = TPUT_N / ((double)(rk_test_now_ns() - t0) / 1e9);
    if (mps > best) best = mps;
    rk_runtime_destroy(rt);
  }
  return best;
}

/* Actor <-> actor with many in flight: the host seeds BOUNCE_FLIGHT messages into "ba",
 * each carrying a hop budget; "ba" and "bb" send each one back and forth through K2K
 * (rk_ctx_send_k2k, a handler's ordinary send) until its budget is spent. No host thread
 * on the path: the rate is what two actors sustain between themselves. */
enum { BOUNCE_FLIGHT = 512 };

static _Atomic uint64_t bounces_done;

static rk_status_t bounce_handler(rk_handler_ctx_t *ctx, const rk_message_header_t *hdr,
                                  const void *payload, size_t len, void *user) {
  (void)hdr;
  uint64_t hops;
  memcpy(&hops, payload, sizeof hops);
  if (hops == 0) {
    atomic_fetch_add_explicit(&bounces_done, 1, memory_order_relaxed);
    return RK_OK;
  }
  unsigned char next[PAYLOAD];
  memcpy(next, payload, len);
  hops--;
  memcpy(next, &hops, sizeof hops);
  return rk_ctx_send_k2k(ctx, user, 1, next, len);
}

static double bounce_throughput(void) {
  double best = 0;
  for (int r = 0; r < REPEATS; r++) {
    rk_runtime_t *rt = make_rt(2, 0);
    rk_kernel_t *a = launch(rt, "ba", "bench-bounce-a", NULL, 1024);
    launch(rt, "bb", "bench-bounce-b", NULL, 1024);
    atomic_store(&bounces_done, 0);
    uint64_t hops = TPUT_N / BOUNCE_FLIGHT;
    unsigned char payload[PAYLOAD] = {0};
    memcpy(payload, &hops, sizeof hops);
    uint64_t t0 = rk_test_now_ns();
    for (int i = 0; i < BOUNCE_FLIGHT; i++)
      rk_kernel_send_bytes(a, 1, payload, PAYLOAD, 0, -1);
    /* Sleeps between looks, so this thread takes no core from the two workers. */
    while (atomic_load_explicit(&bounces_done, memory_order_relaxed) < BOUNCE_FLIGHT)
      nanosleep(&(struct timespec){0, 100000}, NULL);
    double mps = (double)(hops + 1) * BOUNCE_FLIGHT / ((double)(rk_test_now_ns() - t0) / 1e9);
    if (mps > best) best = mps;
    rk_runtime_destroy(rt);
  }
  return best;
}

static void run_latency(uint64_t *samples) {
  lat_t base = baseline_pingpong(samples);
  print_lat("baseline: atomic ping-pong (2 threads)", base);
  lat_t host = host_roundtrip(samples, 0);
  print_lat("host -> echo actor -> host (1 worker)", host);
  lat_t host_spin = host_roundtrip(samples, SPIN_NS);
  print_lat("same, wait_spin_ns 20000", host_spin);
  lat_t k2k = actor_roundtrip(samples);
  print_lat("actor -> actor via K2K (2 workers)", k2k);
  printf("ratio vs baseline p50: host %.1fx, host+spin %.1fx, K2K %.1fx\n", host.p50 / base.p50,
         host_spin.p50 / base.p50, k2k.p50 / base.p50);
}

static void print_tput(const char *what, double mps, double base) {
  printf("%-44s %12.0f msg/s  (baseline %.1fx)\n", what, mps, base / mps);
}

/* part: NULL for every row, else "echo", "forward" or "bounce" (one row, for profiling). */
static void run_throughput(const char *part) {
  double spsc_mps = baseline_spsc();
  printf("%-44s %12.0f msg/s\n", "baseline: hand-written SPSC, 2 threads", spsc_mps);
  if (!part || strcmp(part, "echo") == 0) {
    print_tput("host -> echo -> host, batch 64, 1 worker", host_throughput(0), spsc_mps);
    if (!part) print_tput("same, wait_spin_ns 20000", host_throughput(SPIN_NS), spsc_mps);
  }
  if (!part || strcmp(part, "forward") == 0)
    print_tput("host -> forward -K2K-> sink, 2 workers", actor_throughput(), spsc_mps);
  if (!part || strcmp(part, "bounce") == 0)
    print_tput("actor <-> actor K2K, 512 in flight", bounce_throughput(), spsc_mps);
}

int main(int argc, char **argv) {
  bool latency = argc < 2 || strcmp(argv[1], "latency") == 0;
  const char *part = NULL;
  if (argc >= 2 && (strcmp(argv[1], "echo") == 0 || strcmp(argv[1], "forward") == 0 ||
                    strcmp(argv[1], "bounce") == 0))
    part = argv[1];
  bool throughput = argc < 2 || part || strcmp(argv[1], "throughput") == 0;
  rk_handler_register("bench-ping", ping_handler, NULL);
  rk_handler_register("bench-pong", pong_handler, NULL);
  rk_handler_register("bench-sink", sink_handler, NULL);
  rk_handler_register("bench-bounce-a", bounce_handler, (void *)"bb");
  rk_handler_register("bench-bounce-b", bounce_handler, (void *)"ba");
  uint64_t *samples = malloc(SAMPLES * sizeof *samples);
  if (!samples) return 1;
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  printf("bench_actor: CPU backend, %ld online cores, %d-byte payloads\n", cores, PAYLOAD);

  if (latency) run_latency(samples);
  if (throughput) run_throughput(part);
  free(samples);
  return 0;
}
