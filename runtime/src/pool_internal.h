/* pool_internal.h — layout of rk_pool: slab source, central lists, thread caches.
 *
 * Design note. A block's life: carved from a slab into its class's central list (locked),
 * moved in batches into a thread's cache (a private singly linked list per class, no
 * atomics), handed out and taken back by that thread, and moved back to the central list
 * in a batch when the cache overflows or the thread exits. A free block's first word links
 * it in whichever list holds it. Chosen over a lock-free (Treiber) stack per class: the
 * thread cache makes the common path a few plain loads and stores with no atomic
 * read-modify-write, the lock is taken once per batch, and there are none of the ABA and
 * stale `next` reads a Treiber stack must tolerate (which ThreadSanitizer cannot tell from
 * real races). bench_pool measures the result against malloc/free.
 *
 * Thread caches are found through a pthread key per pool. All caches of all pools are
 * also linked in one process-wide registry under one mutex, which a thread's exit hook,
 * rk_pool_stats and rk_pool_destroy take; the exit hook checks that its cache is still
 * registered before touching it, so it never races with a destroy that freed it.
 */
#ifndef RK_POOL_INTERNAL_H
#define RK_POOL_INTERNAL_H

#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>

#include "ringkernel/pool.h"
#include "rk_internal.h"

enum { RKI_SLAB_HEADER = 64, RKI_LARGE_HEADER = 64 };

/* Largest request served (2^48 bytes, far above any real need): anything bigger fails
 * with RK_ENOMEM before reaching an allocator, so sizes never overflow. */
#define RKI_POOL_MAX_ALLOC ((size_t)1 << 48)

/* Counters written by one thread only (relaxed load + store, no read-modify-write) and
 * read by rk_pool_stats. Hits are allocs - misses, so the fast path counts one event. */
typedef struct rki_pool_counters {
  _Atomic uint64_t allocs, frees, misses;
} rki_pool_counters_t;

typedef struct rki_tcache_bin {
  void *head; /* free blocks, linked through their first word */
  uint32_t count;
} rki_tcache_bin_t;

typedef struct rki_tcache {
  struct rki_tcache *prev, *next; /* registry links (registry lock) */
  rk_pool_t *pool;
  rki_tcache_bin_t bins[RK_POOL_CLASS_COUNT];
  rki_pool_counters_t counters[RK_POOL_CLASS_COUNT];
} rki_tcache_t;

typedef struct rki_slab {
  struct rki_slab *next;
  size_t bytes;
} rki_slab_t;

typedef struct rki_large {
  struct rki_large *prev, *next;
  size_t size;
} rki_large_t;

typedef struct rki_central {
  alignas(RKI_CACHELINE) pthread_mutex_t lock;
  void *head;    /* free blocks carved from slabs */
  void *batches; /* chains given back by thread caches, whole (pool_central.c) */
  uint64_t count;
  rki_slab_t *slabs;
  _Atomic uint64_t slab_bytes; /* written under lock, read by stats without it */
} rki_central_t;

typedef enum rki_slab_kind {
  RKI_SLAB_SYSTEM = 0,
  RKI_SLAB_JEMALLOC = 1,
  RKI_SLAB_HOOK = 2,
} rki_slab_kind_t;

struct rk_pool {
  uint64_t id; /* unique per process, never reused: keys the thread-local cache hint */
  rk_pool_config_t config;
  rki_slab_kind_t slab_kind;
  unsigned arena; /* jemalloc arena index (RKI_SLAB_JEMALLOC) */
  pthread_key_t key;
  uint32_t cache_limit[RK_POOL_CLASS_COUNT];
  uint32_t batch[RK_POOL_CLASS_COUNT];
  /* Counters of exited threads and of frees done without a thread cache
   * (registry lock, or atomic adds). */
  rki_pool_counters_t retired[RK_POOL_CLASS_COUNT];
  pthread_mutex_t large_lock;
  rki_large_t *large;
  _Atomic uint64_t large_allocs, large_frees, large_bytes;
  rki_central_t central[RK_POOL_CLASS_COUNT];
};

/* Slab source (pool_slab.c). */
rk_status_t rki_pool_source_open(rk_pool_t *pool);
void rki_pool_source_close(rk_pool_t *pool);
void *rki_pool_source_alloc(rk_pool_t *pool, size_t bytes);
void rki_pool_source_free(rk_pool_t *pool, void *ptr, size_t bytes);

/* Central lists (pool_central.c). */
void rki_central_init(rki_central_t *c);
/* Takes up to n blocks of class cls (carving a slab when the list is empty); returns
 * the chain and its length in *got (0 and NULL when memory ran out). */
void *rki_central_take(rk_pool_t *pool, size_t cls, uint32_t n, uint32_t *got);
/* Gives back a chain of n blocks from head to tail. */
void rki_central_give(rk_pool_t *pool, size_t cls, void *head, void *tail, uint32_t n);
/* Frees every slab of every class. */
void rki_central_free_all(rk_pool_t *pool);

/* Thread caches and the registry (pool_tcache.c). */
rk_status_t rki_tcache_key_create(pthread_key_t *key);
rki_tcache_t *rki_tcache_get(rk_pool_t *pool);
/* Clears the calling thread's cache hint (pool.c) if it names tc. */
void rki_pool_hint_forget(const rki_tcache_t *tc);
void rki_tcache_flush(rki_tcache_t *tc, size_t cls, uint32_t keep);
void rki_tcache_destroy_pool(rk_pool_t *pool);
void rki_pool_sum_counters(rk_pool_t *pool, rki_pool_counters_t *sum, size_t n);

/* The class of a request by arithmetic (RK_POOL_CLASS_COUNT above the largest). */
static inline size_t rki_pool_class_compute(size_t size) {
  if (size <= RK_POOL_MIN_CLASS_SIZE) return 0;
  if (size > RK_POOL_MAX_CLASS_SIZE) return RK_POOL_CLASS_COUNT;
  if (size > 65536) return RK_POOL_CLASS_COUNT - 1;
  /* 2^k < size <= 2^(k+1); quarter steps of 2^(k-2) above 2^k. */
  size_t k = 63 - (size_t)__builtin_clzll((unsigned long long)(size - 1));
  size_t shift = k - 2;
  size_t j = (size - ((size_t)1 << k) + ((size_t)1 << shift) - 1) >> shift;
  return 1 + (k - 6) * 4 + (j - 1);
}

/* Every class boundary is a multiple of 16, so the class of sizes up to 64 KiB is a
 * table lookup by (size + 15) / 16: one load instead of a branchy computation. Filled
 * once (pthread_once) by the first rk_pool_create, before any pool can be used. */
enum { RKI_CLASS_LUT = 65536 / 16 + 1 };
extern uint8_t rki_pool_class_lut[RKI_CLASS_LUT];

static inline size_t rki_pool_class_of(size_t size) {
  if (size <= 65536) return rki_pool_class_lut[(size + 15) >> 4];
  return rki_pool_class_compute(size);
}

static inline void rki_count(_Atomic uint64_t *c) {
  /* Single writer: relaxed load + store avoids a locked instruction. */
  atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1, memory_order_relaxed);
}

#endif /* RK_POOL_INTERNAL_H */
