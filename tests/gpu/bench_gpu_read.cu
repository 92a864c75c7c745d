/* bench_gpu_read.cu — how fast can a block read batches of 32-word ring slots out of
 * mapped pinned host memory? The actor's batch read (16 slots per warp, all loads in
 * flight before any check) takes ~7 µs for 128 slots and ~8 µs for 256 (bench_gpu's drain
 * split), far above one PCIe round trip (~2 µs): this separates the load flavour (volatile,
 * relaxed.sys, .cv, 16-byte vector loads), the block width and the number of blocks
 * reading at once, so the actor's read can be rebuilt on what the hardware rewards.
 * Prints ns per batch (one block's slots) and the aggregate GB/s and M slots/s. */
#include <algorithm>
#include <cstdio>
#include <cstring>

#include <cuda_runtime.h>

extern "C" {
#include "rk_test.h"
}

namespace {

constexpr int kWords = 32;  /* words of one slot: 16 header + 16 payload */
constexpr int kSlots = 16;  /* slots per warp per batch (the actor's RKC_SLOTS_PER_WARP) */
constexpr int kReps = 64;   /* batches per block per measurement */

enum Flavour { kVolatile, kRelaxedSys, kCv, kVolatileV2, kCvV2, kFlavours };
const char *kNames[kFlavours] = {"ld.volatile u64", "ld.relaxed.sys u64", "ld.global.cv u64",
                                 "ld.volatile v2.u64", "ld.global.cv v2.u64"};

template <int F> __device__ __forceinline__ uint64_t load1(const uint64_t *p) {
  uint64_t v;
  if (F == kVolatile)
    asm volatile("ld.volatile.global.u64 %0, [%1];" : "=l"(v) : "l"(p) : "memory");
  else if (F == kRelaxedSys)
    asm volatile("ld.relaxed.sys.global.u64 %0, [%1];" : "=l"(v) : "l"(p) : "memory");
  else
    asm volatile("ld.global.cv.u64 %0, [%1];" : "=l"(v) : "l"(p) : "memory");
  return v;
}

template <int F> __device__ __forceinline__ void load2(const uint64_t *p, uint64_t &a, uint64_t &b) {
  if (F == kVolatileV2)
    asm volatile("ld.volatile.global.v2.u64 {%0, %1}, [%2];" : "=l"(a), "=l"(b) : "l"(p) : "memory");
  else
    asm volatile("ld.global.cv.v2.u64 {%0, %1}, [%2];" : "=l"(a), "=l"(b) : "l"(p) : "memory");
}

/* Each block reads kReps batches of (warps x kSlots) slots from its own part of the ring;
 * thread 0 records the time of each batch (from a block barrier to the barrier after every
 * load has been consumed). */
template <int F>
__global__ void k_read(const uint64_t *ring, uint64_t ring_slots, uint64_t *ns, uint64_t *sink) {
  const uint32_t lane = threadIdx.x & 31u, warp = threadIdx.x >> 5, nwarps = blockDim.x >> 5;
  const uint64_t batch = (uint64_t)nwarps * kSlots;
  uint64_t acc = 0;
  for (int r = 0; r < kReps; r++) {
    const uint64_t base = ((uint64_t)(r * gridDim.x + blockIdx.x) * batch) % ring_slots;
    __syncthreads();
    uint64_t t0 = 0;
    if (threadIdx.x == 0) asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t0));
    uint64_t v[kSlots];
    if (F == kVolatileV2 || F == kCvV2) {
      /* lane covers words 2*lane, 2*lane+1 of slot pair (2k, 2k+1): half the instructions */
#pragma unroll
      for (int s = 0; s < kSlots; s += 2) {
        const uint64_t slot = base + warp + (uint64_t)s * nwarps;
        const uint64_t *p = ring + (slot % ring_slots) * kWords + 2u * lane;
        load2<F>(p, v[s], v[s + 1]);
      }
    } else {
#pragma unroll
      for (int s = 0; s < kSlots; s++) {
        const uint64_t slot = base + warp + (uint64_t)s * nwarps;
        v[s] = load1<F>(ring + (slot % ring_slots) * kWords + lane);
      }
    }
#pragma unroll
    for (int s = 0; s < kSlots; s++)
      acc += v[s];
    __syncthreads();
    if (threadIdx.x == 0) {
      uint64_t t1;
      asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t1));
      ns[blockIdx.x * kReps + r] = t1 - t0;
    }
  }
  if (acc == 42) *sink = acc; /* keeps the loads */
}

template <int F> void run(const uint64_t *ring, uint64_t ring_slots, uint32_t grid, uint32_t block,
                          uint64_t *ns, uint64_t *sink) {
  k_read<F><<<grid, block>>>(ring, ring_slots, ns, sink);
}

void measure(int f, const uint64_t *ring, uint64_t ring_slots, uint32_t grid, uint32_t block,
             uint64_t *ns, uint64_t *sink) {
  void (*fns[kFlavours])(const uint64_t *, uint64_t, uint32_t, uint32_t, uint64_t *, uint64_t *) = {
      run<kVolatile>, run<kRelaxedSys>, run<kCv>, run<kVolatileV2>, run<kCvV2>};
  fns[f](ring, ring_slots, grid, block, ns, sink); /* warm-up */
  cudaDeviceSynchronize();
  uint64_t t0 = rk_test_now_ns();
  fns[f](ring, ring_slots, grid, block, ns, sink);
  if (cudaDeviceSynchronize() != cudaSuccess) {
    printf("%s: %s\n", kNames[f], cudaGetErrorString(cudaGetLastError()));
    return;
  }
  const double wall_ns = (double)(rk_test_now_ns() - t0);
  /* median batch time over the blocks' batches (the first of each block skipped) */
  static uint64_t sorted[64 * kReps];
  uint32_t n = 0;
  for (uint32_t b = 0; b < grid; b++)
    for (int r = 1; r < kReps; r++)
      sorted[n++] = ns[b * kReps + r];
  std::sort(sorted, sorted + n);
  const double slots = (double)grid * kReps * (block / 32u) * kSlots;
  printf("%-22s grid %2u block %4u: batch of %4u slots p50 %6.2f us min %6.2f us; "
         "%6.2f GB/s, %6.1f M slots/s (wall, launch included)\n",
         kNames[f], grid, block, (block / 32u) * kSlots, sorted[n / 2] / 1e3, sorted[0] / 1e3,
         slots * kWords * 8 / wall_ns, slots / wall_ns * 1e3);
}

} // namespace

int main(void) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0) return rk_test_skip("no CUDA device");
  const uint64_t ring_slots = 1u << 16; /* 16 MiB of slots: larger than any batch set */
  uint64_t *host = nullptr, *dev_ring = nullptr, *ns = nullptr, *sink = nullptr;
  if (cudaHostAlloc((void **)&host, ring_slots * kWords * 8, cudaHostAllocMapped) != cudaSuccess)
    return 1;
  memset(host, 1, ring_slots * kWords * 8);
  cudaHostGetDevicePointer((void **)&dev_ring, host, 0);
  cudaMallocManaged((void **)&ns, 64 * kReps * sizeof(uint64_t));
  cudaMalloc((void **)&sink, 8);
  printf("reading 32-word slots (256 B) from mapped pinned host memory, %d slots per warp\n",
         kSlots);
  for (int f = 0; f < kFlavours; f++)
    for (uint32_t block : {256u, 512u})
      for (uint32_t grid : {1u, 4u, 16u})
        measure(f, dev_ring, ring_slots, grid, block, ns, sink);
  /* the same from device memory: what the SM side alone allows */
  uint64_t *dev_mem = nullptr;
  cudaMalloc((void **)&dev_mem, ring_slots * kWords * 8);
  cudaMemset(dev_mem, 1, ring_slots * kWords * 8);
  printf("same from device memory:\n");
  measure(kVolatile, dev_mem, ring_slots, 1, 256, ns, sink);
  measure(kVolatile, dev_mem, ring_slots, 1, 512, ns, sink);
  cudaFree(dev_mem);
  cudaFree(sink);
  cudaFree(ns);
  cudaFreeHost(host);
  return 0;
}
