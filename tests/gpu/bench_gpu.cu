/* bench_gpu.cu — GPU actor latency and throughput beside the floors measured in the same
 * run: an empty kernel launch + sync, and a 1-node CUDA graph replay + sync.
 * Prints p50 / p99 / min for latencies and messages per second for throughput. */
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <vector>
#include <atomic>
#include <thread>

#include <sched.h>
#include <time.h>
#include <unistd.h>

#include <cuda_runtime.h>

extern "C" {
#include "rk_test.h"
}
#include "rk_test_gpu.h"
#include "cuda_nvrtc.h"
#include "ringkernel/ringkernel.h"

struct Stats {
  double p50, p99, min;
};

static Stats stats(std::vector<uint64_t> &v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return {v[n / 2] / 1e3, v[(n * 99) / 100] / 1e3, v[0] / 1e3};
}

static void print(const char *what, Stats s) {
  printf("%-52s p50 %7.2f us  p99 %7.2f us  min %7.2f us\n", what, s.p50, s.p99, s.min);
}

__global__ void rk_k_empty(void) {}

static Stats bench_launch_sync(int n) {
  cudaStream_t s;
  cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking);
  std::vector<uint64_t> t;
  for (int i = 0; i < n + 1000; i++) {
    uint64_t t0 = rk_test_now_ns();
    rk_k_empty<<<1, 1, 0, s>>>();
    cudaStreamSynchronize(s);
    if (i >= 1000) t.push_back(rk_test_now_ns() - t0);
  }
  cudaStreamDestroy(s);
  return stats(t);
}

static Stats bench_graph(int n) {
  cudaStream_t s;
  cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking);
  cudaGraph_t g;
  cudaGraphExec_t ge;
  cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal);
  rk_k_empty<<<1, 1, 0, s>>>();
  cudaStreamEndCapture(s, &g);
  cudaGraphInstantiate(&ge, g, 0);
  std::vector<uint64_t> t;
  for (int i = 0; i < n + 1000; i++) {
    uint64_t t0 = rk_test_now_ns();
    cudaGraphLaunch(ge, s);
    cudaStreamSynchronize(s);
    if (i >= 1000) t.push_back(rk_test_now_ns() - t0);
  }
  cudaGraphExecDestroy(ge);
  cudaGraphDestroy(g);
  cudaStreamDestroy(s);
  return stats(t);
}

static rkc_directory_t *dir;

/* `N` 64-byte messages of type 1 from the host, ready for rkc_actor_enqueue. */
template <int N>
struct Batch {
  rk_message_header_t h[N];
  const rk_message_header_t *hs[N];
  const void *ps[N];
  uint8_t p[64] = {};
  Batch() {
    for (int i = 0; i < N; i++) {
      rk_message_header_init(&h[i], 1, 0, 0, 64, rk_hlc_timestamp_now(1));
      hs[i] = &h[i];
      ps[i] = p;
    }
  }
};


static rkc_actor_t *launch(uint64_t id, uint32_t handler, uint64_t fwd, uint32_t cap,
                           uint32_t block, bool inbox_watcher = true, uint32_t grid = 1) {
  rkc_actor_config_t c = rk_test_actor_config(id, handler, block, cap, 256, dir);
  c.node_id = 1;
  c.forward_to = fwd;
  c.grid = grid;
  c.no_inbox_watcher = !inbox_watcher;
  rkc_actor_t *a = NULL;
  if (rkc_actor_launch(&c, &a) != RK_OK) fprintf(stderr, "launch: %s\n", rk_last_error());
  return a;
}

/* The diagnostics lines count SM cycles; the SM clock sits at its peak while a persistent
 * kernel spins, so cycles become ns at the device's rated clock. */
static double ns_per_sm_cycle(void) {
  int khz = 0;
  cudaDeviceGetAttribute(&khz, cudaDevAttrClockRate, 0);
  return khz ? 1e6 / khz : 0;
}

/* One message in flight: send to `in`, wait for the reply on `out`. */
static Stats bench_round_trip(rkc_actor_t *in, rkc_actor_t *out, int n) {
  rk_message_header_t h, r;
  uint8_t p[64] = {7}, back[256];
  rk_message_header_init(&h, 1, 0, 0, 64, rk_hlc_timestamp_now(1));
  const rk_message_header_t *hs[1] = {&h};
  const void *ps[1] = {p};
  int32_t dead;
  std::vector<uint64_t> t;
  for (int i = 0; i < n + 2000; i++) {
    uint64_t t0 = rk_test_now_ns();
    if (rkc_actor_enqueue(in, hs, ps, 1) != 1) {
      printf("  round trip %d: input refused\n", i);
      break;
    }
    while (rkc_actor_dequeue(out, &r, back, &dead) == RK_EAGAIN)
      if (rk_test_now_ns() - t0 > 2000000000ull) {
        printf("  round trip %d: no reply within 2 s\n", i);
        i = n + 2000;
        break;
      }
    if (i >= 2000 && i < n + 2000) t.push_back(rk_test_now_ns() - t0);
  }
  if (t.empty()) t.push_back(0);
  return stats(t);
}

static bool count_record(void *ctx, const rk_message_header_t *, const void *, int32_t) {
  ++*(size_t *)ctx;
  return true;
}

/* Many in flight through the batch API; returns messages per second. many: the host
 * decodes with rkc_actor_dequeue_many, else one rkc_actor_dequeue per record. */
static double bench_throughput(rkc_actor_t *in, rkc_actor_t *out, size_t total, bool many) {
  enum { B = 512 };
  static Batch<B> msgs;
  const rk_message_header_t *const *hs = msgs.hs;
  const void *const *ps = msgs.ps;
  rk_message_header_t r;
  uint8_t back[256];
  int32_t dead;
  size_t sent = 0, got = 0;
  uint64_t t0 = rk_test_now_ns();
  while (got < total) {
    if (sent < total) sent += rkc_actor_enqueue(in, hs, ps, std::min<size_t>(B, total - sent));
    if (many)
      rkc_actor_dequeue_many(out, B, back, count_record, &got);
    else
      while (rkc_actor_dequeue(out, &r, back, &dead) == RK_OK)
        got++;
    if (rk_test_now_ns() - t0 > 10000000000ull) {
      printf("  throughput: stalled at %zu of %zu replies (%zu sent)\n", got, total, sent);
      return got / 10.0;
    }
  }
  return total / ((rk_test_now_ns() - t0) / 1e9);
}

/* The same with the host's two halves on two threads: one sends, the caller receives. */
static double bench_throughput_two_threads(rkc_actor_t *in, rkc_actor_t *out, size_t total) {
  enum { B = 512 };
  static Batch<B> msgs;
  const rk_message_header_t *const *hs = msgs.hs;
  const void *const *ps = msgs.ps;
  std::atomic<bool> stop{false};
  uint64_t t0 = rk_test_now_ns();
  std::thread sender([&] {
    size_t sent = 0;
    while (sent < total && !stop.load(std::memory_order_relaxed))
      sent += rkc_actor_enqueue(in, hs, ps, std::min<size_t>(B, total - sent));
  });
  size_t got = 0;
  uint8_t back[256];
  while (got < total) {
    rkc_actor_dequeue_many(out, B, back, count_record, &got);
    if (rk_test_now_ns() - t0 > 10000000000ull) {
      printf("  two-thread throughput: stalled at %zu of %zu\n", got, total);
      break;
    }
  }
  double rate = got / ((rk_test_now_ns() - t0) / 1e9);
  stop.store(true);
  sender.join();
  return rate;
}

static double bench_enqueue_cost(void) {
  rkc_actor_t *a = launch(90, 0, 0, 4096, 32);
  if (!a) return 0;
  rkc_actor_set_active(a, false);
  static Batch<4096> msgs;
  const rk_message_header_t *const *hs = msgs.hs;
  const void *const *ps = msgs.ps;
  /* one call of 4096 (non-temporal stores: a batch) and 4096 calls of one (plain stores)
   * alternately, each round on a drained ring; the best of 3 rounds each */
  double best[2] = {1e9, 1e9};
  uint8_t back[256];
  for (int round = 0; round < 6; round++) {
    const int single = round & 1;
    uint64_t t0 = rk_test_now_ns();
    size_t n = 0;
    if (single)
      for (int i = 0; i < 4096; i++)
        n += rkc_actor_enqueue(a, hs + i, ps + i, 1);
    else
      n = rkc_actor_enqueue(a, hs, ps, 4096);
    double per = (rk_test_now_ns() - t0) / (double)(n ? n : 1);
    if (per < best[single]) best[single] = per;
    rkc_actor_set_active(a, true);
    size_t got = 0;
    uint64_t deadline = rk_test_now_ns() + 2000000000ull;
    while (got < n && rk_test_now_ns() < deadline)
      rkc_actor_dequeue_many(a, 4096, back, count_record, &got);
    rkc_actor_set_active(a, false);
  }
  printf("  host enqueue, one message per call (plain stores): %.1f ns per message\n", best[1]);
  rkc_actor_terminate(a, false, 2000000000);
  rkc_actor_destroy(a);
  return best[0];
}

/* Where a round trip's time goes: the host's three steps timed apart (the send call,
 * waiting until the reply is visible, the receive call) and the kernel's diagnostics
 * line (polls, their round trip, solo path vs block batches). Cycles become ns with the
 * SM clock, which sits at its peak while a persistent kernel spins. */
static void diagnosed_round_trip(std::vector<rkc_actor_t *> &spent, uint64_t id, bool pacing) {
  rkc_actor_config_t c = rk_test_actor_config(id, 0, 256, 4096, 256, dir);
  c.node_id = 1;
  c.no_pacing = !pacing;
  rkc_actor_t *a = NULL;
  if (rkc_actor_launch(&c, &a) != RK_OK) return;
  printf("diagnosed actor: pause after solo replies %s\n", pacing ? "learned" : "off");
  spent.push_back(a);
  rk_message_header_t h, r;
  uint8_t p[64] = {7}, back[256];
  rk_message_header_init(&h, 1, 0, 0, 64, rk_hlc_timestamp_now(1));
  const rk_message_header_t *hs[1] = {&h};
  const void *ps[1] = {p};
  int32_t dead;
  std::vector<uint64_t> enq, wait, deq, total;
  const int n = 20000, warm = 2000;
  for (int i = 0; i < n + warm; i++) {
    uint64_t t0 = rk_test_now_ns();
    if (rkc_actor_enqueue(a, hs, ps, 1) != 1) break;
    uint64_t t1 = rk_test_now_ns();
    while (!rkc_actor_output_visible(a))
      if (rk_test_now_ns() - t0 > 2000000000ull) break;
    uint64_t t2 = rk_test_now_ns();
    if (rkc_actor_dequeue(a, &r, back, &dead) != RK_OK) break;
    uint64_t t3 = rk_test_now_ns();
    if (i < warm) continue;
    enq.push_back(t1 - t0);
    wait.push_back(t2 - t1);
    deq.push_back(t3 - t2);
    total.push_back(t3 - t0);
  }
  if (total.empty()) return;
  print("round trip, diagnosed actor (echo, 64 B)", stats(total));
  print("  host: send call", stats(enq));
  print("  host: from send until the reply is visible", stats(wait));
  print("  host: receive call", stats(deq));
  rkc_actor_terminate(a, false, 2000000000);
  rkc_actor_diag_t d;
  rkc_actor_diag(a, &d);
  const double ns = ns_per_sm_cycle();
  const double m = (double)(n + warm);
  printf("  kernel: %.2f polls per message, poll round trip %.0f ns; solo path %.1f %% of "
         "messages, %.0f ns each; %llu batches, %.0f ns each; learned pause %.0f ns\n",
         d.polls / m, d.polls ? d.poll_cycles * ns / d.polls : 0.0, 100.0 * d.solo / m,
         d.solo ? d.solo_cycles * ns / d.solo : 0.0, (unsigned long long)d.batches,
         d.batches ? d.batch_cycles * ns / d.batches : 0.0, d.pace * ns);
  printf("  kernel: %llu polls repeated (producer position ahead of its slot)\n",
         (unsigned long long)d.repolls);
  if (d.probe[3] && d.solo)
    printf("  solo probes (from the poll's data): entry %.0f ns, lock %.0f ns, stamp %.0f ns, "
           "reply stored %.0f ns\n",
           d.probe[0] * ns / d.solo, d.probe[1] * ns / d.solo, d.probe[2] * ns / d.solo,
           d.probe[3] * ns / d.solo);
}

/* Where a K2K hop's time goes: host -> forward -K2K-> echo -> host round trips, then
 * both actors' diagnostics (the forward's solo path, the echo's inbox watcher). */
static void diagnosed_k2k(std::vector<rkc_actor_t *> &spent) {
  rkc_actor_t *echo = launch(99, 0, 0, 4096, 256);
  rkc_actor_t *fwd = launch(98, 3, 99, 4096, 256);
  if (!echo || !fwd) return;
  spent.push_back(echo);
  spent.push_back(fwd);
  print("round trip via K2K, diagnosed pair", bench_round_trip(fwd, echo, 20000));
  rkc_actor_terminate(fwd, false, 2000000000);
  rkc_actor_terminate(echo, false, 2000000000);
  rkc_actor_diag_t f, e;
  rkc_actor_diag(fwd, &f);
  rkc_actor_diag(echo, &e);
  const double ns = ns_per_sm_cycle();
  printf("  forward: solo %llu, %.0f ns from poll data to published; poll round trip %.0f ns\n",
         (unsigned long long)f.solo, f.solo ? f.solo_cycles * ns / f.solo : 0.0,
         f.polls ? f.poll_cycles * ns / f.polls : 0.0);
  printf("  echo: inbox watcher %.0f ns per poll (%llu polls); inbox solo %llu, %.0f ns each; "
         "batches %llu\n",
         e.watch_polls ? e.watch_cycles * ns / e.watch_polls : 0.0,
         (unsigned long long)e.watch_polls, (unsigned long long)e.inbox_solo,
         e.inbox_solo ? e.inbox_solo_cycles * ns / e.inbox_solo : 0.0,
         (unsigned long long)e.batches);
}

/* Where the throughput goes: 4096 messages queued while the actor is inactive, then
 * (1) the device alone: activation until the last reply is visible (no host decode);
 * (2) the host alone: decoding the 4096 visible replies. */
static void bench_drain_split(uint64_t id, uint32_t block) {
  enum { N = 4096 };
  rkc_actor_t *a = launch(id, 0, 0, N, block);
  if (!a) return;
  printf("  block %u (batches of up to %u):\n", block, block / 32u * 16u);
  rkc_actor_set_active(a, false);
  static Batch<N> msgs;
  const rk_message_header_t *const *hs = msgs.hs;
  const void *const *ps = msgs.ps;
  for (int round = 0; round < 3; round++) {
    if (rkc_actor_enqueue(a, hs, ps, N) != N) break;
    uint64_t t0 = rk_test_now_ns();
    rkc_actor_set_active(a, true);
    while (rkc_actor_output_depth(a) < N)
      if (rk_test_now_ns() - t0 > 2000000000ull) break;
    uint64_t t1 = rk_test_now_ns();
    size_t got = 0;
    uint8_t back[256];
    while (got < N && rkc_actor_dequeue_many(a, N, back, count_record, &got)) {
    }
    uint64_t t2 = rk_test_now_ns();
    rkc_actor_set_active(a, false);
    printf("  drain of %d: device %.2f M msg/s (incl. activation), host decode %.2f M msg/s "
           "(%.1f ns per record)\n",
           N, N / ((t1 - t0) / 1e3), got / ((t2 - t1) / 1e3), (t2 - t1) / (double)(got ? got : 1));
  }
  rkc_actor_terminate(a, false, 2000000000);
  rkc_actor_diag_t d;
  rkc_actor_diag(a, &d);
  const double ns = ns_per_sm_cycle();
  const double b = d.batches ? (double)d.batches : 1.0;
  printf("  drain batches: %llu of %.1f messages; per batch: read %.0f ns, stamp %.0f ns, "
         "rest %.0f ns, between batches %.0f ns\n",
         (unsigned long long)d.batches, d.batch_msgs / b, d.bphase[0] * ns / b,
         d.bphase[1] * ns / b, (d.batch_cycles - d.bphase[0] - d.bphase[1]) * ns / b,
         d.bphase[2] * ns / b);
  rkc_actor_destroy(a);
}

static void bench_grid_spin(std::vector<rkc_actor_t *> &spent) {
  /* A compute-heavy user handler (NVRTC; ~10 µs of clock spin per message, then echo):
   * where more blocks pay. */
  static const char *spin_src =
      "RK_DEVICE_HANDLER(spin) {\n"
      "  long long t0 = clock64();\n"
      "  while (clock64() - t0 < 20000) {}\n"
      "  return rk_dev_reply(ctx, msg, msg->message_type, msg->payload, msg->payload_size);\n"
      "}\n";
  const void *spin_kernel = NULL;
  if (rkc_nvrtc_kernel(0, spin_src, "spin", &spin_kernel) == RK_OK) {
    for (uint32_t g : {1u, 4u, 16u}) {
      rkc_actor_config_t c = rk_test_actor_config(120 + g, 0, 256, 4096, 256, dir);
      c.node_id = 1;
      c.grid = g;
      c.kernel = spin_kernel;
      rkc_actor_t *s = NULL;
      if (rkc_actor_launch(&c, &s) != RK_OK) {
        printf("spin grid %u: %s\n", g, rk_last_error());
        continue;
      }
      spent.push_back(s);
      char what[80];
      snprintf(what, sizeof what, "throughput, NVRTC handler ~10 us/msg, grid %u", g);
      printf("%-52s %.3f M msg/s\n", what, bench_throughput(s, s, 50000, true) / 1e6);
      rkc_actor_terminate(s, false, 2000000000);
    }
  } else {
    printf("spin handler: %s\n", rk_last_error());
  }
}

static Stats bench_runtime_request(rk_kernel_t *k, int n) {
  uint8_t p[64] = {1};
  std::vector<uint64_t> t;
  for (int i = 0; i < n + 2000; i++) {
    uint64_t t0 = rk_test_now_ns();
    rk_message_t *r = NULL;
    if (rk_kernel_request(k, NULL, p, 64, 1000000000ll, &r) != RK_OK) {
      fprintf(stderr, "request: %s\n", rk_last_error());
      break;
    }
    rk_message_free(r);
    if (i >= 2000) t.push_back(rk_test_now_ns() - t0);
  }
  if (t.empty()) t.push_back(0);
  return stats(t);
}

static double bench_runtime_throughput(rk_kernel_t *k, size_t total) {
  enum { B = 512 };
  static uint8_t p[64];
  static rk_send_item_t items[B];
  static rk_message_t *out[B];
  for (int i = 0; i < B; i++)
    items[i] = rk_send_item_t{NULL, p, 64};
  size_t sent = 0, got = 0;
  uint64_t t0 = rk_test_now_ns();
  while (got < total) {
    if (rk_test_now_ns() - t0 > 10000000000ull) {
      printf("  runtime throughput: stalled at %zu of %zu\n", got, total);
      return got / 10.0;
    }
    size_t acc = 0, c = 0;
    if (sent < total) rk_kernel_send_many(k, items, std::min<size_t>(B, total - sent), 0, &acc);
    sent += acc;
    rk_kernel_receive_many(k, out, B, 0, &c);
    for (size_t i = 0; i < c; i++)
      rk_message_free(out[i]);
    got += c;
  }
  return total / ((rk_test_now_ns() - t0) / 1e9);
}

static void runtime_part(Stats launch_sync) {
  rk_runtime_config_t cfg;
  rk_runtime_config_init(&cfg);
  cfg.backend = RK_BACKEND_CUDA;
  rk_runtime_t *rt = NULL;
  if (rk_runtime_create(&cfg, &rt) != RK_OK) {
    printf("runtime: %s\n", rk_last_error());
    return;
  }
  rk_launch_options_t o;
  rk_launch_options_init(&o);
  o.input_capacity = o.output_capacity = 4096;
  o.payload_capacity = 256;
  rk_kernel_t *k = NULL;
  if (rk_runtime_launch(rt, "bench", &o, &k) != RK_OK) {
    printf("launch: %s\n", rk_last_error());
  } else {
    Stats s = bench_runtime_request(k, 20000);
    print("round trip, runtime C API rk_kernel_request, 64 B", s);
    printf("  ratio launch+sync p50 / runtime round trip p50: %.2fx\n", launch_sync.p50 / s.p50);
    printf("%-52s %.2f M msg/s\n", "throughput, runtime send_many/receive_many, 64 B",
           bench_runtime_throughput(k, 2000000) / 1e6);
  }
  /* The default launch options (payload capacity 4096: slots 8 KiB apart) */
  rk_launch_options_t d;
  rk_launch_options_init(&d);
  rk_kernel_t *kd = NULL;
  if (rk_runtime_launch(rt, "bench_default", &d, &kd) == RK_OK)
    print("round trip, rk_kernel_request, default launch options",
          bench_runtime_request(kd, 20000));
  rk_runtime_destroy(rt);
}

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (rk_cuda_device_count() == 0) return rk_test_skip("no CUDA device");
  rk_cuda_device_info_t info;
  rk_cuda_device_info(0, &info);
  printf("device: %s (cc %d.%d); bench thread on CPU %d\n", info.name, info.cc_major, info.cc_minor,
         sched_getcpu());
  {
    /* host costs that sit on every request path */
    const int n = 1000000;
    struct timespec ts;
    uint64_t sink = 0, t0 = rk_test_now_ns();
    for (int i = 0; i < n; i++) {
      clock_gettime(CLOCK_MONOTONIC, &ts);
      sink += (uint64_t)ts.tv_nsec;
    }
    printf("host: clock_gettime(CLOCK_MONOTONIC) %.1f ns per call (sink %llu)\n",
           (rk_test_now_ns() - t0) / (double)n, (unsigned long long)(sink & 1));
  }
  Stats ls = bench_launch_sync(20000);
  print("floor: empty kernel launch + stream sync", ls);
  Stats gr = bench_graph(20000);
  print("floor: 1-node CUDA graph launch + sync", gr);
  if (rkc_directory_create(0, &dir) != RK_OK) return 1;
  if (getenv("RK_BENCH_DIAG_ONLY")) { /* a probe build (RKC_SOLO_PROBES): latency only */
    std::vector<rkc_actor_t *> spent;
    diagnosed_round_trip(spent, 95, true);
    diagnosed_round_trip(spent, 96, false);
    diagnosed_round_trip(spent, 97, true);
    diagnosed_k2k(spent);
    return 0;
  }
  /* first, alone: freeing an actor's memory (cudaFree) waits for the whole device */
  printf("%-52s %.1f ns\n", "host enqueue cost per message (batch of 4096)", bench_enqueue_cost());
  bench_drain_split(91, 256);
  bench_drain_split(92, 512);
  bench_drain_split(93, 1024);
  if (getenv("RK_BENCH_THROUGHPUT_ONLY")) { /* a build with other RKC_SLOTS_PER_WARP */
    for (uint32_t blk : {256u, 512u}) {
      rkc_actor_t *w = launch(130 + blk / 256u, 0, 0, 4096, blk);
      if (!w) continue;
      printf("throughput, two threads, echo block %-5u             %.2f M msg/s\n", blk,
             bench_throughput_two_threads(w, w, 8000000) / 1e6);
      rkc_actor_terminate(w, false, 2000000000);
    }
    return 0;
  }
  std::vector<rkc_actor_t *> early; /* terminated at once, destroyed at the end */
  bench_grid_spin(early);
  rkc_actor_t *echo = launch(1, 0, 0, 4096, 256);
  rkc_actor_t *fwd = launch(2, 3, 1, 4096, 256);
  if (!echo || !fwd) return 1;
  Stats rt = bench_round_trip(echo, echo, 20000);
  print("round trip, actor API (echo, 64 B)", rt);
  usleep(2000); /* the idle actor publishes its profile line */
  printf("  polls that caught the slot half-written: %llu of 22000 messages\n",
         (unsigned long long)rkc_actor_partial_reads(echo));
  rkc_actor_set_nt_stores(echo, true);
  print("  same, host writes with non-temporal stores", bench_round_trip(echo, echo, 20000));
  rkc_actor_set_nt_stores(echo, false);
  print("  same, plain stores again (run-to-run spread)", bench_round_trip(echo, echo, 20000));
  printf("  ratio launch+sync p50 / actor round trip p50: %.2fx; graph p50 / actor: %.2fx\n",
         ls.p50 / rt.p50, gr.p50 / rt.p50);
  Stats k2k = bench_round_trip(fwd, echo, 20000);
  print("round trip host -> forward -K2K-> echo -> host", k2k);
  printf("  one K2K hop (p50 difference): %.2f us\n", k2k.p50 - rt.p50);
  /* The same with warp 0 reading the inbox in its H2K poll (no inbox watcher; the solo
   * lock is then never contended): what the watcher costs the round trip and gains
   * K2K, in one process. */
  rkc_actor_t *echo_nw = launch(3, 0, 0, 4096, 256, false);
  rkc_actor_t *fwd_nw = launch(4, 3, 3, 4096, 256, false);
  if (!echo_nw || !fwd_nw) return 1;
  Stats rt_nw = bench_round_trip(echo_nw, echo_nw, 20000);
  print("round trip, inbox watcher off", rt_nw);
  Stats k2k_nw = bench_round_trip(fwd_nw, echo_nw, 20000);
  print("round trip via K2K, inbox watcher off", k2k_nw);
  printf("  one K2K hop, watcher off (p50 difference): %.2f us\n", k2k_nw.p50 - rt_nw.p50);
  print("round trip, inbox watcher on again (spread)", bench_round_trip(echo, echo, 20000));
  print("round trip, inbox watcher off again (spread)", bench_round_trip(echo_nw, echo_nw, 20000));
  std::vector<rkc_actor_t *> spent;
  diagnosed_round_trip(spent, 95, true);
  diagnosed_round_trip(spent, 96, false);
  diagnosed_round_trip(spent, 97, true);
  diagnosed_k2k(spent);
  /* Terminate now, destroy only once no actor runs: freeing pinned memory waits for the
   * device, which never idles under a live persistent actor (the 13:50 run hung here). */
  rkc_actor_terminate(fwd_nw, false, 2000000000);
  rkc_actor_terminate(echo_nw, false, 2000000000);
  printf("%-52s %.2f M msg/s\n", "throughput, actor API, per-record dequeue, 64 B",
         bench_throughput(echo, echo, 4000000, false) / 1e6);
  printf("%-52s %.2f M msg/s\n", "throughput, actor API, dequeue_many, 64 B",
         bench_throughput(echo, echo, 4000000, true) / 1e6);
  printf("%-52s %.2f M msg/s\n", "throughput, actor API, sender + receiver threads",
         bench_throughput_two_threads(echo, echo, 8000000) / 1e6);
  printf("%-52s %.2f M msg/s\n", "throughput host -> forward -K2K-> echo -> host",
         bench_throughput(fwd, echo, 2000000, true) / 1e6);
  /* A wider block reads more slots per batch (16 per warp): whether the device's read of
   * host memory scales with the loads in flight. */
  for (uint32_t blk : {512u, 1024u}) {
    rkc_actor_t *w = launch(118 + blk / 512u, 0, 0, 4096, blk);
    if (!w) continue;
    spent.push_back(w);
    char what[80];
    snprintf(what, sizeof what, "  same two threads, echo block %u", blk);
    printf("%-52s %.2f M msg/s\n", what, bench_throughput_two_threads(w, w, 8000000) / 1e6);
    rkc_actor_terminate(w, false, 2000000000);
  }
  /* A staged handler (the sum built-in, 64-byte payloads of 8 doubles) with the batch
   * spread over the grid's blocks, beside one block. */
  for (uint32_t g : {1u, 4u}) {
    rkc_actor_t *s = launch(110 + g, 1, 0, 4096, 256, true, g);
    if (!s) continue;
    spent.push_back(s);
    char what[80];
    snprintf(what, sizeof what, "throughput, sum built-in (staged handler), grid %u", g);
    printf("%-52s %.2f M msg/s\n", what, bench_throughput(s, s, 1000000, true) / 1e6);
    rkc_actor_terminate(s, false, 2000000000);
  }
  rk_cuda_actor_profile_t pf;
  rkc_actor_profile(echo, &pf);
  printf("echo actor counters: messages %llu replies %llu idle_polls %llu k2k_received %llu\n",
         (unsigned long long)pf.messages, (unsigned long long)pf.replies,
         (unsigned long long)pf.idle_polls, (unsigned long long)pf.k2k_received);
  rkc_actor_terminate(fwd, false, 2000000000);
  rkc_actor_terminate(echo, false, 2000000000);
  rkc_actor_destroy(fwd);
  rkc_actor_destroy(echo);
  rkc_actor_destroy(fwd_nw);
  rkc_actor_destroy(echo_nw);
  for (rkc_actor_t *a : spent)
    rkc_actor_destroy(a);
  for (rkc_actor_t *a : early)
    rkc_actor_destroy(a);
  rkc_directory_destroy(dir);
  runtime_part(ls);
  printf("bench thread on CPU %d at the end\n", sched_getcpu());
  return 0;
}
