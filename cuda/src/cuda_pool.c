/* cuda_pool.c — GPU memory in six size classes (256 B .. 256 KiB, cuda_config.c).
 *
 * Each class carves blocks from chunks of device memory (one allocation per chunk) and
 * keeps freed blocks on a free list; a chunk records which of its blocks are live, so a
 * foreign pointer or a double free is refused instead of corrupting the lists. Requests
 * above 256 KiB get their own allocation ("large allocations"). One mutex guards the
 * pool: device allocation dominates the cost, and the lists are short.
 * Allocation is stream-ordered (cudaMallocAsync / cudaFreeAsync on the pool's own stream,
 * then a wait on that stream only): plain cudaFree waits for the whole device, which
 * never goes idle while persistent actors run. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_internal.h"
#include "ringkernel/cuda.h"
#include "rk_internal.h"

#define RKC_CHUNK_BLOCKS_MAX 64u

typedef struct rkc_chunk {
  uint8_t *base;
  uint32_t blocks;
  int32_t size_class;
  uint8_t *live;          /* one byte per block */
} rkc_chunk_t;

typedef struct rkc_large {
  void *ptr;
  uint64_t bytes;
} rkc_large_t;

typedef struct rkc_class {
  void **free_list;
  uint64_t free_count, total_blocks, in_use, hits, misses;
} rkc_class_t;

struct rk_gpu_pool {
  pthread_mutex_t lock;
  cudaStream_t stream;
  rk_gpu_pool_config_t cfg;
  rkc_class_t cls[RK_GPU_SIZE_CLASS_COUNT];
  rkc_chunk_t *chunks;
  size_t chunk_count, chunk_cap;
  rkc_large_t *large;
  size_t large_count, large_cap;
  uint64_t total_bytes, large_bytes, allocations, deallocations;
};

static rk_status_t rkc_dev_malloc(rk_gpu_pool_t *pool, void **p, uint64_t bytes) {
  cudaError_t e = cudaMallocAsync(p, bytes, pool->stream);
  if (e == cudaSuccess) e = cudaStreamSynchronize(pool->stream);
  if (e != cudaSuccess) {
    cudaGetLastError();
    *p = NULL;
    return rki_fail(RK_EGPUMEM, "GPU pool: device allocation of %llu bytes failed: %s",
                    (unsigned long long)bytes, cudaGetErrorName(e));
  }
  return RK_OK;
}

static void rkc_dev_free(rk_gpu_pool_t *pool, void *p) {
  cudaFreeAsync(p, pool->stream);
  cudaStreamSynchronize(pool->stream);
}

static bool rkc_grow(void **arr, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap) return true;
  size_t n = *cap ? *cap * 2 : 16;
  while (n < need) n *= 2;
  void *p = realloc(*arr, n * elem);
  if (!p) return false;
  *arr = p;
  *cap = n;
  return true;
}

/* Carves `blocks` new blocks of class c from one new chunk. */
static rk_status_t rkc_carve(rk_gpu_pool_t *pool, int c, uint32_t blocks) {
  uint64_t bsize = rk_gpu_size_class_bytes(c), bytes = bsize * blocks;
  rkc_class_t *k = &pool->cls[c];
  if (k->total_blocks + blocks > pool->cfg.max_counts[c])
    return rki_fail(RK_EGPUMEM, "GPU pool: size class %llu B at its max_counts %u",
                    (unsigned long long)bsize, pool->cfg.max_counts[c]);
  if (pool->total_bytes + bytes > pool->cfg.max_pool_bytes)
    return rki_fail(RK_EGPUMEM, "GPU pool: %llu more bytes would pass max_pool_bytes %llu",
                    (unsigned long long)bytes, (unsigned long long)pool->cfg.max_pool_bytes);
  if (!rkc_grow((void **)&pool->chunks, &pool->chunk_cap, pool->chunk_count + 1,
                sizeof(rkc_chunk_t)))
    return rki_fail(RK_ENOMEM, "GPU pool: out of host memory");
  void **fl = realloc(k->free_list, (k->total_blocks + blocks) * sizeof(void *));
  if (!fl) return rki_fail(RK_ENOMEM, "GPU pool: out of host memory");
  k->free_list = fl;
  rkc_chunk_t ch = {NULL, blocks, c, calloc(blocks, 1)};
  if (!ch.live) return rki_fail(RK_ENOMEM, "GPU pool: out of host memory");
  rk_status_t st = rkc_dev_malloc(pool, (void **)&ch.base, bytes);
  if (st != RK_OK) {
    free(ch.live);
    return st;
  }
  pool->chunks[pool->chunk_count++] = ch;
  for (uint32_t i = blocks; i-- > 0;) k->free_list[k->free_count++] = ch.base + i * bsize;
  k->total_blocks += blocks;
  pool->total_bytes += bytes;
  return RK_OK;
}

rk_status_t rk_gpu_pool_create(const rk_gpu_pool_config_t *config, rk_gpu_pool_t **out) {
  if (!out) return rki_fail(RK_EINVAL, "GPU pool output is NULL");
  *out = NULL;
  rk_status_t st = rk_gpu_pool_config_validate(config);
  if (st == RK_OK) st = rkc_fail_if_broken();
  if (st == RK_OK) st = rkc_use_device(config->device);
  if (st != RK_OK) return st;
  rk_gpu_pool_t *pool = calloc(1, sizeof *pool);
  if (!pool) return rki_fail(RK_ENOMEM, "GPU pool: out of host memory");
  pool->cfg = *config;
  pthread_mutex_init(&pool->lock, NULL);
  st = RKC_CHECK(cudaStreamCreateWithFlags(&pool->stream, cudaStreamNonBlocking));
  for (int c = 0; c < RK_GPU_SIZE_CLASS_COUNT && st == RK_OK; c++)
    if (config->initial_counts[c]) st = rkc_carve(pool, c, config->initial_counts[c]);
  if (st != RK_OK) {
    rk_gpu_pool_destroy(pool);
    return st;
  }
  *out = pool;
  return RK_OK;
}

static rk_status_t rkc_alloc_large(rk_gpu_pool_t *pool, uint64_t bytes, void **out) {
  if (pool->total_bytes + bytes > pool->cfg.max_pool_bytes)
    return rki_fail(RK_EGPUMEM, "GPU pool: %llu bytes would pass max_pool_bytes %llu",
                    (unsigned long long)bytes, (unsigned long long)pool->cfg.max_pool_bytes);
  if (!rkc_grow((void **)&pool->large, &pool->large_cap, pool->large_count + 1,
                sizeof(rkc_large_t)))
    return rki_fail(RK_ENOMEM, "GPU pool: out of host memory");
  void *p = NULL;
  rk_status_t st = rkc_dev_malloc(pool, &p, bytes);
  if (st != RK_OK) return st;
  pool->large[pool->large_count++] = (rkc_large_t){p, bytes};
  pool->total_bytes += bytes;
  pool->large_bytes += bytes;
  *out = p;
  return RK_OK;
}

static rk_status_t rkc_alloc_class(rk_gpu_pool_t *pool, int c, void **out) {
  rkc_class_t *k = &pool->cls[c];
  if (k->free_count == 0) {
    uint32_t room = pool->cfg.max_counts[c] > k->total_blocks
                        ? (uint32_t)(pool->cfg.max_counts[c] - k->total_blocks) : 0u;
    uint32_t grow = k->total_blocks ? (uint32_t)k->total_blocks : 1u;
    if (grow > RKC_CHUNK_BLOCKS_MAX) grow = RKC_CHUNK_BLOCKS_MAX;
    if (grow > room) grow = room ? room : 1u;
    rk_status_t st = rkc_carve(pool, c, grow);
    if (st != RK_OK && grow > 1) st = rkc_carve(pool, c, 1);
    if (st != RK_OK) return st;
    k->misses++;
  } else {
    k->hits++;
  }
  void *p = k->free_list[--k->free_count];
  for (size_t i = 0; i < pool->chunk_count; i++) {
    rkc_chunk_t *ch = &pool->chunks[i];
    uint64_t bsize = rk_gpu_size_class_bytes(ch->size_class);
    if ((uint8_t *)p >= ch->base && (uint8_t *)p < ch->base + bsize * ch->blocks)
      ch->live[((uint8_t *)p - ch->base) / bsize] = 1;
  }
  k->in_use++;
  *out = p;
  return RK_OK;
}

rk_status_t rk_gpu_pool_alloc(rk_gpu_pool_t *pool, uint64_t bytes, void **out_ptr) {
  if (!out_ptr) return rki_fail(RK_EINVAL, "GPU pool alloc: output is NULL");
  *out_ptr = NULL;
  if (!pool) return rki_fail(RK_EINVAL, "GPU pool is NULL");
  if (bytes == 0) return rki_fail(RK_EINVAL, "GPU pool alloc of 0 bytes: must be >= 1");
  if (bytes > pool->cfg.max_pool_bytes)
    return rki_fail(RK_EGPUMEM, "GPU pool alloc of %llu bytes > max_pool_bytes %llu",
                    (unsigned long long)bytes, (unsigned long long)pool->cfg.max_pool_bytes);
  rk_status_t st = rkc_fail_if_broken();
  if (st == RK_OK) st = rkc_use_device(pool->cfg.device);
  if (st != RK_OK) return st;
  pthread_mutex_lock(&pool->lock);
  int c = rk_gpu_size_class_for_size(bytes);
  st = c < 0 ? rkc_alloc_large(pool, bytes, out_ptr) : rkc_alloc_class(pool, c, out_ptr);
  if (st == RK_OK) pool->allocations++;
  pthread_mutex_unlock(&pool->lock);
  return st;
}

static rk_status_t rkc_free_locked(rk_gpu_pool_t *pool, void *ptr) {
  for (size_t i = 0; i < pool->large_count; i++)
    if (pool->large[i].ptr == ptr) {
      rkc_dev_free(pool, ptr);
      pool->total_bytes -= pool->large[i].bytes;
      pool->large_bytes -= pool->large[i].bytes;
      pool->large[i] = pool->large[--pool->large_count];
      return RK_OK;
    }
  for (size_t i = 0; i < pool->chunk_count; i++) {
    rkc_chunk_t *ch = &pool->chunks[i];
    uint64_t bsize = rk_gpu_size_class_bytes(ch->size_class);
    uint8_t *p = ptr;
    if (p < ch->base || p >= ch->base + bsize * ch->blocks) continue;
    uint64_t idx = (uint64_t)(p - ch->base) / bsize;
    if ((uint64_t)(p - ch->base) % bsize || !ch->live[idx])
      return rki_fail(RK_EINVAL, "GPU pool free of %p: not a live block (double free?)", ptr);
    ch->live[idx] = 0;
    rkc_class_t *k = &pool->cls[ch->size_class];
    k->free_list[k->free_count++] = p;
    k->in_use--;
    return RK_OK;
  }
  return rki_fail(RK_EINVAL, "GPU pool free of %p: not allocated by this pool", ptr);
}

rk_status_t rk_gpu_pool_free(rk_gpu_pool_t *pool, void *ptr) {
  if (!pool) return rki_fail(RK_EINVAL, "GPU pool is NULL");
  if (!ptr) return rki_fail(RK_EINVAL, "GPU pool free of NULL");
  pthread_mutex_lock(&pool->lock);
  rk_status_t st = rkc_free_locked(pool, ptr);
  if (st == RK_OK) pool->deallocations++;
  pthread_mutex_unlock(&pool->lock);
  return st;
}

rk_status_t rk_gpu_pool_diagnostics(rk_gpu_pool_t *pool, rk_gpu_pool_diagnostics_t *out) {
  if (!pool || !out) return rki_fail(RK_EINVAL, "GPU pool diagnostics: NULL argument");
  memset(out, 0, sizeof *out);
  pthread_mutex_lock(&pool->lock);
  uint64_t hits = 0, lookups = 0, in_use = pool->large_bytes;
  for (int c = 0; c < RK_GPU_SIZE_CLASS_COUNT; c++) {
    const rkc_class_t *k = &pool->cls[c];
    rk_gpu_bucket_stats_t *b = &out->buckets[c];
    b->size_class = c;
    b->block_bytes = rk_gpu_size_class_bytes(c);
    b->total_blocks = k->total_blocks;
    b->free_blocks = k->free_count;
    b->in_use_blocks = k->in_use;
    b->max_blocks = pool->cfg.max_counts[c];
    b->hits = k->hits;
    b->misses = k->misses;
    hits += k->hits;
    lookups += k->hits + k->misses;
    in_use += k->in_use * b->block_bytes;
  }
  out->total_cuda_bytes = pool->total_bytes;
  out->in_use_bytes = in_use;
  out->free_bytes = pool->total_bytes - in_use;
  out->large_allocation_count = pool->large_count;
  out->total_allocations = pool->allocations;
  out->total_deallocations = pool->deallocations;
  pthread_mutex_unlock(&pool->lock);
  out->fragmentation = out->total_cuda_bytes ? (double)out->free_bytes / (double)out->total_cuda_bytes : 0.0;
  out->utilization = out->total_cuda_bytes ? (double)in_use / (double)out->total_cuda_bytes : 0.0;
  out->hit_rate = lookups ? (double)hits / (double)lookups : 0.0;
  return RK_OK;
}

void rk_gpu_pool_destroy(rk_gpu_pool_t *pool) {
  if (!pool) return;
  if (pool->stream && rkc_use_device(pool->cfg.device) == RK_OK) {
    for (size_t i = 0; i < pool->chunk_count; i++) cudaFreeAsync(pool->chunks[i].base, pool->stream);
    for (size_t i = 0; i < pool->large_count; i++) cudaFreeAsync(pool->large[i].ptr, pool->stream);
    cudaStreamSynchronize(pool->stream);
    cudaStreamDestroy(pool->stream);
  }
  for (size_t i = 0; i < pool->chunk_count; i++) free(pool->chunks[i].live);
  for (int c = 0; c < RK_GPU_SIZE_CLASS_COUNT; c++) free(pool->cls[c].free_list);
  free(pool->chunks);
  free(pool->large);
  pthread_mutex_destroy(&pool->lock);
  free(pool);
}
