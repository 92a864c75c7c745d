/* bench_gpu_floor.cu — hand-written persistent-kernel ping-pongs through mapped pinned
 * memory, measured in one process so the actor's round trip (bench_gpu) has same-machine
 * floors beside it, and so a change of polling scheme can be tried here first.
 *
 *   pingpong8   one 8-byte flag each way (BENCH.md's 1.74 µs floor)
 *   slot        the actor rings' format: a 32-word slot (64-byte compact header + 64-byte
 *               payload, a flag in every 8-byte word) each way
 *
 * The slot variants change one thing at a time: how many polls of the slot are in
 * flight at once and the gap between their issues, whether lane 0 also reads a
 * host-written control word in every poll (the actor reads terminate/active/tail there),
 * and a pause after the reply before polling again. Why: a back-to-back poll issued right
 * after the reply reaches host memory before the host has written its next message
 * (reply flight + host turn-around > half a PCIe round trip), so a ping-pong runs one
 * whole poll behind; polls in flight at shorter intervals sample host memory more often.
 */
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <vector>

#include <cuda_runtime.h>

extern "C" {
#include "rk_test.h"
}

namespace {

constexpr int kWords = 32; /* slot words: 16 header + 16 payload (64 bytes) */

struct Stats {
  double p50, p99, min;
};

Stats stats(std::vector<uint64_t> &v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return {v[n / 2] / 1e3, v[(n * 99) / 100] / 1e3, v[0] / 1e3};
}

void print(const char *what, Stats s) {
  printf("%-58s p50 %6.2f us  p99 %6.2f us  min %6.2f us\n", what, s.p50, s.p99, s.min);
}

__device__ __forceinline__ uint64_t ld_sys(const uint64_t *p) {
  uint64_t v;
  asm volatile("ld.volatile.global.u64 %0, [%1];" : "=l"(v) : "l"(p) : "memory");
  return v;
}

__device__ __forceinline__ void st_sys(uint64_t *p, uint64_t v) {
  asm volatile("st.volatile.global.u64 [%0], %1;" ::"l"(p), "l"(v) : "memory");
}

__global__ void k_pingpong8(const uint64_t *h2d, uint64_t *d2h, uint32_t n) {
  for (uint64_t i = 1; i <= n; i++) {
    while (ld_sys(h2d) != i) {
    }
    st_sys(d2h, i);
  }
}

struct SlotCfg {
  uint32_t depth;    /* polls in flight, 1..4 */
  uint32_t gap_ns;   /* between poll issues */
  uint32_t read_ctl; /* lane 0 also reads the host's control word per poll */
  uint32_t pause_ns; /* after each reply, before polling again */
  uint32_t ring;     /* slots each way: message i uses slot i % ring (1: one slot) */
  uint32_t publish;  /* after the reply, 4 stores to a host line (the actor's publish) */
  uint32_t timer;    /* read %globaltimer after the data is in, before the reply */
};

/* One poll: every lane loads its word of the slot (and lane 0 the control word). */
__device__ __forceinline__ uint64_t issue(const uint64_t *slot, const uint64_t *ctl, bool rc,
                                          uint64_t &c) {
  uint64_t w = ld_sys(slot + (threadIdx.x & 31u));
  if (rc && threadIdx.x == 0) c = ld_sys(ctl);
  return w;
}

__device__ __forceinline__ bool complete(uint64_t w, uint32_t flag) {
  return __all_sync(0xffffffffu, (uint32_t)(w >> 32) == flag);
}

/* The slot ping-pong: message i carries flag i; the reply echoes its data with flag i. */
__global__ void k_slot(const uint64_t *req_ring, uint64_t *rep_ring, const uint64_t *ctl,
                       uint64_t *line, uint32_t n, SlotCfg cfg, unsigned long long *sink) {
  const uint32_t lane = threadIdx.x & 31u;
  const bool rc = cfg.read_ctl != 0;
  uint64_t c0 = 0, c1 = 0, c2 = 0, c3 = 0, acc = 0;
  for (uint32_t i = 1; i <= n; i++) {
    const uint64_t *req = req_ring + (uint64_t)(i % cfg.ring) * kWords;
    uint64_t *rep = rep_ring + (uint64_t)(i % cfg.ring) * kWords;
    uint64_t w0 = issue(req, ctl, rc, c0), w1 = 0, w2 = 0, w3 = 0, got = 0;
    if (cfg.depth > 1) __nanosleep(cfg.gap_ns), w1 = issue(req, ctl, rc, c1);
    if (cfg.depth > 2) __nanosleep(cfg.gap_ns), w2 = issue(req, ctl, rc, c2);
    if (cfg.depth > 3) __nanosleep(cfg.gap_ns), w3 = issue(req, ctl, rc, c3);
    for (;;) { /* the ring of polls: check the oldest, re-issue it at the back */
      if (complete(w0, i)) {
        got = w0;
        break;
      }
      w0 = issue(req, ctl, rc, c0);
      if (cfg.depth > 1) {
        __nanosleep(cfg.gap_ns);
        if (complete(w1, i)) {
          got = w1;
          break;
        }
        w1 = issue(req, ctl, rc, c1);
      }
      if (cfg.depth > 2) {
        __nanosleep(cfg.gap_ns);
        if (complete(w2, i)) {
          got = w2;
          break;
        }
        w2 = issue(req, ctl, rc, c2);
      }
      if (cfg.depth > 3) {
        __nanosleep(cfg.gap_ns);
        if (complete(w3, i)) {
          got = w3;
          break;
        }
        w3 = issue(req, ctl, rc, c3);
      }
      if (cfg.depth > 1) __nanosleep(cfg.gap_ns);
    }
    if (cfg.timer) {
      uint64_t t;
      asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
      t = __shfl_sync(0xffffffffu, t, 0);
      if (t == ~0ull) got ^= 1u; /* a data dependency: the reply waits for the read */
    }
    st_sys(rep + lane, ((uint64_t)i << 32) | (uint32_t)got);
    if (cfg.publish && lane < 4) st_sys(line + lane, i);
    acc += c0 + c1 + c2 + c3; /* keeps the control reads alive */
    if (cfg.pause_ns) __nanosleep(cfg.pause_ns);
  }
  if (lane == 0) *sink = acc;
}

/* Host side of one slot message: payload words first, header words last (as the actor's
 * writer does), then the control word. */
void host_write(volatile uint64_t *req, volatile uint64_t *ctl, uint32_t flag) {
  const uint64_t f = (uint64_t)flag << 32;
  for (int w = 16; w < kWords; w++)
    req[w] = f | (uint32_t)(w * 7);
  for (int w = 0; w < 16; w++)
    req[w] = f | (uint32_t)w;
  *ctl = flag;
}

/* Waits for every word of the reply (as the actor's reader does: header words first). */
bool host_read(volatile uint64_t *rep, uint32_t flag, uint64_t t0) {
  for (int w = 0; w < kWords; w++)
    while ((uint32_t)(rep[w] >> 32) != flag)
      if (rk_test_now_ns() - t0 > 1000000000ull) return false;
  return true;
}

struct Mapped {
  uint64_t *host = nullptr, *dev = nullptr;
  explicit Mapped(size_t words) {
    cudaHostAlloc((void **)&host, words * 8, cudaHostAllocMapped);
    memset(host, 0, words * 8);
    cudaHostGetDevicePointer((void **)&dev, host, 0);
  }
  ~Mapped() {
    cudaFreeHost(host);
  }
};

Stats run_pingpong8(uint32_t n, uint32_t warm) {
  Mapped h2d(8), d2h(8);
  cudaStream_t s;
  cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking);
  k_pingpong8<<<1, 1, 0, s>>>(h2d.dev, d2h.dev, n + warm);
  std::vector<uint64_t> t;
  volatile uint64_t *out = h2d.host, *in = d2h.host;
  for (uint32_t i = 1; i <= n + warm; i++) {
    uint64_t t0 = rk_test_now_ns();
    *out = i;
    while (*in != i)
      if (rk_test_now_ns() - t0 > 1000000000ull) break;
    if (i > warm) t.push_back(rk_test_now_ns() - t0);
  }
  cudaStreamSynchronize(s);
  cudaStreamDestroy(s);
  return stats(t);
}

Stats run_slot(SlotCfg cfg, uint32_t n, uint32_t warm) {
  if (cfg.ring == 0) cfg.ring = 1;
  Mapped req((size_t)kWords * cfg.ring), rep((size_t)kWords * cfg.ring), ctl(8), line(8);
  unsigned long long *sink;
  cudaMalloc(&sink, 8);
  cudaStream_t s;
  cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking);
  k_slot<<<1, 32, 0, s>>>(req.dev, rep.dev, ctl.dev, line.dev, n + warm, cfg, sink);
  std::vector<uint64_t> t;
  for (uint32_t i = 1; i <= n + warm; i++) {
    uint64_t t0 = rk_test_now_ns();
    const size_t off = (size_t)(i % cfg.ring) * kWords;
    host_write(req.host + off, ctl.host, i);
    if (!host_read(rep.host + off, i, t0)) {
      printf("  slot ping-pong: no reply to %u within 1 s\n", i);
      break;
    }
    if (i > warm) t.push_back(rk_test_now_ns() - t0);
  }
  cudaStreamSynchronize(s);
  cudaStreamDestroy(s);
  cudaFree(sink);
  if (t.empty()) t.push_back(0);
  return stats(t);
}

} // namespace

int main() {
  setvbuf(stdout, NULL, _IOLBF, 0);
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0)
    return rk_test_skip("no CUDA device");
  const uint32_t n = 20000, warm = 2000;
  print("floor: 8-byte flag ping-pong", run_pingpong8(n, warm));
  struct {
    const char *name;
    SlotCfg cfg;
  } v[] = {
      {"slot ping-pong, one slot, 1 poll in flight", {1, 0, 0, 0, 1, 0, 0}},
      {"  + lane 0 reads a control word per poll", {1, 0, 1, 0, 1, 0, 0}},
      {"  + %globaltimer read before each reply", {1, 0, 0, 0, 1, 0, 1}},
      {"  1 poll, 600 ns pause after each reply", {1, 0, 0, 600, 1, 0, 0}},
      {"  ring of 4096 slots each way", {1, 0, 0, 0, 4096, 0, 0}},
      {"  ring of 4096 + control word + 4 publish stores", {1, 0, 1, 0, 4096, 1, 0}},
      {"  ring of 4096 + control word + publish + 600 ns pause", {1, 0, 1, 600, 4096, 1, 0}},
      {"slot ping-pong, one slot (again: spread)", {1, 0, 0, 0, 1, 0, 0}},
  };
  for (auto &x : v)
    print(x.name, run_slot(x.cfg, n, warm));
  return 0;
}
