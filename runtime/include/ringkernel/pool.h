/* ringkernel/pool.h — stratified host memory pools for message buffers and objects.
 *
 * Size classes (one table for every pool; rk_pool_class_size lists it):
 *   class 0            64 B (every request of 0..64 bytes)
 *   classes 1..40      quarter steps between powers of two: for k = 6..15 the sizes
 *                      2^k * 1.25, 1.5, 1.75, 2  (80, 96, 112, 128, 160, ... 57344, 65536)
 *   class 41           65792 B = 256-byte message header + 64 KiB maximum payload
 * so a request is rounded up by less than 25 %. Every class size is a multiple of 16
 * and every block is 16-byte aligned (64-byte aligned for power-of-two classes).
 * Requests above 65792 bytes bypass the classes and go straight to the pool's arena.
 *
 * Each class is a free list refilled in slabs. Slabs come from a jemalloc arena created
 * for the pool (jemalloc built with the rkje_ prefix, see third_party/README.md), or from
 * the system allocator when ringkernel was built without jemalloc (sanitizer builds), or
 * from the config's slab callbacks (the CUDA backend uses them for pinned, device-mapped
 * memory). Slabs are returned only when the pool is destroyed.
 *
 * Threads: every function may be called from any thread at the same time. Each thread
 * keeps a small per-class cache of free blocks, refilled from and flushed to a locked
 * central list in batches, so the common alloc/free touches no shared memory. A block
 * may be freed by a thread other than the one that allocated it.
 */
#ifndef RINGKERNEL_POOL_H
#define RINGKERNEL_POOL_H

#include "ringkernel/api.h"
#include "ringkernel/status.h"

RK_EXTERN_C_BEGIN

enum {
  RK_POOL_CLASS_COUNT = 42,
  RK_POOL_MIN_CLASS_SIZE = 64,
  RK_POOL_MAX_CLASS_SIZE = 65792,
  RK_POOL_ALIGNMENT = 16,
};

typedef struct rk_pool rk_pool_t;

/* Slab source hooks: alloc returns `bytes` of memory aligned to at least 64 bytes (or
 * NULL); free gets back exactly what alloc returned with the same byte count. Called with
 * the pool's internal lock held, from any thread that uses the pool. */
typedef void *(*rk_pool_slab_alloc_fn)(void *ctx, size_t bytes);
typedef void (*rk_pool_slab_free_fn)(void *ctx, void *ptr, size_t bytes);

typedef struct rk_pool_config {
  /* Bytes carved per refill of a class (a slab holds at least 4 blocks, so the largest
   * classes use bigger slabs). Default 65536; must be 4096..67108864. */
  size_t slab_bytes;
  /* Most free blocks a thread keeps per class before it returns half to the central
   * list; the effective limit shrinks for big classes (at most slab_bytes of them).
   * Default 64; must be 2..4096. */
  uint32_t thread_cache_blocks;
  /* Optional slab source (both set or both NULL, else RK_EINVAL). When set, requests
   * above the largest class use it too. */
  rk_pool_slab_alloc_fn slab_alloc;
  rk_pool_slab_free_fn slab_free;
  void *slab_ctx;
} rk_pool_config_t;

/* Per-class counters. Exact once the threads using the pool have stopped; a snapshot
 * while they run (each thread's counters are read without stopping it). */
typedef struct rk_pool_class_stats {
  uint64_t block_size; /* the class size */
  uint64_t allocs;     /* blocks handed out */
  uint64_t frees;      /* blocks given back */
  uint64_t in_use;     /* allocs - frees */
  uint64_t slab_bytes; /* bytes of slabs carved for this class */
  uint64_t hits;       /* allocs served from the calling thread's cache */
  uint64_t misses;     /* allocs that went to the central list (and maybe a new slab) */
} rk_pool_class_stats_t;

typedef struct rk_pool_stats {
  uint64_t allocs; /* all classes plus large */
  uint64_t frees;
  uint64_t in_use;       /* blocks, all classes plus large */
  uint64_t bytes_in_use; /* class size x blocks in use, plus large bytes (as requested) */
  uint64_t slab_bytes;   /* all slabs */
  uint64_t hits;
  uint64_t misses;
  uint64_t large_allocs; /* requests above RK_POOL_MAX_CLASS_SIZE */
  uint64_t large_frees;
  uint64_t large_bytes_in_use;
} rk_pool_stats_t;

/* Writes the defaults described in rk_pool_config_t. */
RK_API void rk_pool_config_init(rk_pool_config_t *config);

/* Creates a pool (config NULL = defaults). RK_EINVAL with a detail for an out-of-range
 * field, RK_ENOMEM / RK_EIO when the arena or the thread-cache key cannot be created.
 * *out is the pool (caller owns it) or NULL. Any thread. */
RK_API rk_status_t rk_pool_create(const rk_pool_config_t *config, rk_pool_t **out);

/* Frees every slab and thread cache of the pool. Blocks still in use become invalid; if
 * any remain, one line naming their count and bytes goes to stderr (the numbers are also
 * in rk_pool_stats beforehand). NULL is a no-op. No thread may use the pool during or
 * after the call; threads that used it may keep running. Never call it on
 * rk_pool_default(). */
RK_API void rk_pool_destroy(rk_pool_t *pool);

/* The process-wide pool with default settings, created on first use (thread-safe) and
 * never destroyed. NULL only if it could not be created (rk_last_error says why). */
RK_API rk_pool_t *rk_pool_default(void);

/* A block of at least size bytes (size 0 gives a 64-byte block), 16-byte aligned, or NULL
 * with rk_last_error set (RK_ENOMEM, also for requests above 2^48 bytes; RK_EINVAL for a
 * NULL pool). Any thread; does not
 * block except briefly on the central lock when the thread cache is empty. */
RK_API void *rk_pool_alloc(rk_pool_t *pool, size_t size);

/* Gives back a block; size must be the size passed to rk_pool_alloc (it picks the class).
 * NULL ptr is a no-op. Any thread, not only the allocating one. */
RK_API void rk_pool_free(rk_pool_t *pool, void *ptr, size_t size);

/* Number of size classes (RK_POOL_CLASS_COUNT). */
RK_API size_t rk_pool_class_count(void);

/* Size of class index; 0 when index >= RK_POOL_CLASS_COUNT. */
RK_API size_t rk_pool_class_size(size_t index);

/* The class a request of size bytes uses; RK_POOL_CLASS_COUNT when it is above the
 * largest class (served directly by the arena). */
RK_API size_t rk_pool_class_index(size_t size);

/* Totals into *total (may be NULL) and per-class counters into classes[0..n) (may be
 * NULL; n may be less than RK_POOL_CLASS_COUNT). RK_EINVAL for a NULL pool. Any thread;
 * takes the pool's registry lock briefly. */
RK_API rk_status_t rk_pool_stats(rk_pool_t *pool, rk_pool_stats_t *total,
                                 rk_pool_class_stats_t *classes, size_t n);

/* stats.bytes_in_use; 0 for NULL. */
RK_API uint64_t rk_pool_bytes_in_use(rk_pool_t *pool);

/* True when the pool's slabs come from a dedicated jemalloc arena. */
RK_API bool rk_pool_uses_jemalloc(const rk_pool_t *pool);

RK_EXTERN_C_END

#endif /* RINGKERNEL_POOL_H */
