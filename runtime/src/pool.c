/* pool.c — rk_pool: the size-class table, create/destroy, alloc/free, statistics, and
 * the process-wide default pool. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool_internal.h"

/* ---- size classes (the table is described once, in pool.h) ------------------------- */

size_t rk_pool_class_count(void) {
  return RK_POOL_CLASS_COUNT;
}

size_t rk_pool_class_size(size_t index) {
  if (index == 0) return RK_POOL_MIN_CLASS_SIZE;
  if (index == RK_POOL_CLASS_COUNT - 1) return RK_POOL_MAX_CLASS_SIZE;
  if (index >= RK_POOL_CLASS_COUNT) return 0;
  size_t k = 6 + (index - 1) / 4, j = (index - 1) % 4 + 1;
  return ((size_t)1 << k) + j * ((size_t)1 << (k - 2));
}

size_t rk_pool_class_index(size_t size) {
  return rki_pool_class_compute(size);
}

uint8_t rki_pool_class_lut[RKI_CLASS_LUT];
static pthread_once_t rki_lut_once = PTHREAD_ONCE_INIT;

static void rki_pool_fill_lut(void) {
  for (size_t i = 0; i < RKI_CLASS_LUT; i++)
    rki_pool_class_lut[i] = (uint8_t)rki_pool_class_compute(i * 16);
}

/* ---- configuration ------------------------------------------------------------------ */

void rk_pool_config_init(rk_pool_config_t *config) {
  if (!config) return;
  memset(config, 0, sizeof *config);
  config->slab_bytes = 65536;
  config->thread_cache_blocks = 64;
}

static rk_status_t rki_pool_check_config(const rk_pool_config_t *c) {
  if (c->slab_bytes < 4096 || c->slab_bytes > 67108864)
    return rki_fail(RK_EINVAL, "pool slab_bytes %zu: must be 4096..67108864", c->slab_bytes);
  if (c->thread_cache_blocks < 2 || c->thread_cache_blocks > 4096)
    return rki_fail(RK_EINVAL, "pool thread_cache_blocks %u: must be 2..4096",
                    c->thread_cache_blocks);
  if (!c->slab_alloc != !c->slab_free)
    return rki_fail(RK_EINVAL, "pool slab hooks: slab_alloc and slab_free must both be set "
                               "or both be NULL");
  return RK_OK;
}

/* Thread cache size per class: at most a slab's worth of blocks, at least 2. */
static void rki_pool_size_caches(rk_pool_t *pool) {
  for (size_t cls = 0; cls < RK_POOL_CLASS_COUNT; cls++) {
    size_t per_slab = pool->config.slab_bytes / rk_pool_class_size(cls);
    size_t limit =
        per_slab < pool->config.thread_cache_blocks ? per_slab : pool->config.thread_cache_blocks;
    pool->cache_limit[cls] = (uint32_t)(limit < 2 ? 2 : limit);
    pool->batch[cls] = pool->cache_limit[cls] / 2;
  }
}

/* ---- lifecycle ---------------------------------------------------------------------- */

rk_status_t rk_pool_create(const rk_pool_config_t *config, rk_pool_t **out) {
  if (!out) return rki_fail(RK_EINVAL, "rk_pool_create: out is NULL");
  *out = NULL;
  rk_pool_config_t defaults;
  rk_pool_config_init(&defaults);
  if (!config) config = &defaults;
  rk_status_t st = rki_pool_check_config(config);
  if (st != RK_OK) return st;
  pthread_once(&rki_lut_once, rki_pool_fill_lut);
  rk_pool_t *pool = aligned_alloc(RKI_CACHELINE, sizeof *pool);
  if (!pool) return rki_fail(RK_ENOMEM, "rk_pool_create: out of memory");
  memset(pool, 0, sizeof *pool);
  static _Atomic uint64_t next_id = 1;
  pool->id = atomic_fetch_add_explicit(&next_id, 1, memory_order_relaxed);
  pool->config = *config;
  rki_pool_size_caches(pool);
  st = rki_pool_source_open(pool);
  if (st == RK_OK) {
    st = rki_tcache_key_create(&pool->key);
    if (st != RK_OK) rki_pool_source_close(pool);
  }
  if (st != RK_OK) {
    free(pool);
    return st;
  }
  pthread_mutex_init(&pool->large_lock, NULL);
  for (size_t cls = 0; cls < RK_POOL_CLASS_COUNT; cls++)
    rki_central_init(&pool->central[cls]);
  *out = pool;
  return RK_OK;
}

static void rki_pool_free_large_all(rk_pool_t *pool) {
  rki_large_t *l = pool->large;
  while (l) {
    rki_large_t *next = l->next;
    rki_pool_source_free(pool, l, RKI_LARGE_HEADER + l->size);
    l = next;
  }
  pthread_mutex_destroy(&pool->large_lock);
}

void rk_pool_destroy(rk_pool_t *pool) {
  if (!pool) return;
  rk_pool_stats_t st;
  rk_pool_stats(pool, &st, NULL, 0);
  if (st.in_use)
    fprintf(stderr, "ringkernel: pool destroyed with %llu block(s), %llu byte(s) still in use\n",
            (unsigned long long)st.in_use, (unsigned long long)st.bytes_in_use);
  rki_tcache_destroy_pool(pool);
  rki_central_free_all(pool);
  rki_pool_free_large_all(pool);
  rki_pool_source_close(pool);
  free(pool);
}

static pthread_once_t rki_default_once = PTHREAD_ONCE_INIT;
static rk_pool_t *rki_default_pool;
static rk_status_t rki_default_status;
static char rki_default_error[256];

static void rki_default_create(void) {
  rki_default_status = rk_pool_create(NULL, &rki_default_pool);
  if (rki_default_status != RK_OK)
    snprintf(rki_default_error, sizeof rki_default_error, "%s", rk_last_error());
}

rk_pool_t *rk_pool_default(void) {
  pthread_once(&rki_default_once, rki_default_create);
  if (!rki_default_pool) rki_fail(rki_default_status, "default pool: %s", rki_default_error);
  return rki_default_pool;
}

bool rk_pool_uses_jemalloc(const rk_pool_t *pool) {
  return pool && pool->slab_kind == RKI_SLAB_JEMALLOC;
}

/* ---- large blocks: straight to the source, linked so destroy can free them ---------- */

static void *rki_pool_large_alloc(rk_pool_t *pool, size_t size) {
  if (size > RKI_POOL_MAX_ALLOC) {
    rki_fail(RK_ENOMEM, "pool alloc of %zu bytes: above the limit of %zu", size,
             (size_t)RKI_POOL_MAX_ALLOC);
    return NULL;
  }
  rki_large_t *l = rki_pool_source_alloc(pool, RKI_LARGE_HEADER + size);
  if (!l) {
    rki_fail(RK_ENOMEM, "pool alloc of %zu bytes: out of memory", size);
    return NULL;
  }
  l->size = size;
  l->prev = NULL;
  pthread_mutex_lock(&pool->large_lock);
  l->next = pool->large;
  if (pool->large) pool->large->prev = l;
  pool->large = l;
  pthread_mutex_unlock(&pool->large_lock);
  atomic_fetch_add_explicit(&pool->large_allocs, 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&pool->large_bytes, size, memory_order_relaxed);
  return (unsigned char *)l + RKI_LARGE_HEADER;
}

static void rki_pool_large_free(rk_pool_t *pool, void *ptr) {
  rki_large_t *l = (rki_large_t *)(void *)((unsigned char *)ptr - RKI_LARGE_HEADER);
  pthread_mutex_lock(&pool->large_lock);
  if (l->prev)
    l->prev->next = l->next;
  else
    pool->large = l->next;
  if (l->next) l->next->prev = l->prev;
  pthread_mutex_unlock(&pool->large_lock);
  atomic_fetch_add_explicit(&pool->large_frees, 1, memory_order_relaxed);
  atomic_fetch_sub_explicit(&pool->large_bytes, l->size, memory_order_relaxed);
  rki_pool_source_free(pool, l, RKI_LARGE_HEADER + l->size);
}

/* ---- alloc / free ------------------------------------------------------------------- */

/* The last (pool id, cache) this thread used: one compare instead of a pthread key
 * lookup on the hot path. Pool ids are never reused, so a hint for a destroyed pool never
 * matches; the thread-exit hook clears it before freeing the cache it names. */
static _Thread_local struct {
  uint64_t pool_id;
  rki_tcache_t *tc;
} rki_hint;

void rki_pool_hint_forget(const rki_tcache_t *tc) {
  if (rki_hint.tc != tc) return;
  rki_hint.pool_id = 0;
  rki_hint.tc = NULL;
}

static inline rki_tcache_t *rki_tcache_lookup(rk_pool_t *pool) {
  if (rki_hint.pool_id == pool->id) return rki_hint.tc;
  rki_tcache_t *tc = rki_tcache_get(pool);
  if (tc) {
    rki_hint.pool_id = pool->id;
    rki_hint.tc = tc;
  }
  return tc;
}

/* Cache empty: take a batch from the central list, hand out its first block. */
static void *rki_pool_refill(rk_pool_t *pool, rki_tcache_t *tc, size_t cls) {
  uint32_t got = 0;
  void *chain = rki_central_take(pool, cls, pool->batch[cls] + 1, &got);
  if (!chain) {
    rki_fail(RK_ENOMEM, "pool: no memory for a %zu-byte slab", rk_pool_class_size(cls));
    return NULL;
  }
  rki_tcache_bin_t *bin = &tc->bins[cls];
  bin->head = *(void **)chain;
  bin->count = got - 1;
  __builtin_prefetch(bin->head); /* as in rk_pool_alloc */
  rki_count(&tc->counters[cls].allocs);
  rki_count(&tc->counters[cls].misses);
  return chain;
}

void *rk_pool_alloc(rk_pool_t *pool, size_t size) {
  if (!pool) {
    rki_fail(RK_EINVAL, "rk_pool_alloc: NULL pool");
    return NULL;
  }
  size_t cls = rki_pool_class_of(size);
  if (cls == RK_POOL_CLASS_COUNT) return rki_pool_large_alloc(pool, size);
  rki_tcache_t *tc = rki_tcache_lookup(pool);
  if (!tc) {
    rki_fail(RK_ENOMEM, "pool: no memory for this thread's cache");
    return NULL;
  }
  rki_tcache_bin_t *bin = &tc->bins[cls];
  void *p = bin->head;
  if (!p) return rki_pool_refill(pool, tc, cls);
  bin->head = *(void **)p;
  bin->count--;
  /* The next pop reads the link inside the next block, which another core may have just
   * freed (a host thread allocates what a worker frees): start that miss now, so it
   * overlaps with what the caller does with this block. */
  __builtin_prefetch(bin->head);
  rki_count(&tc->counters[cls].allocs);
  return p;
}

void rk_pool_free(rk_pool_t *pool, void *ptr, size_t size) {
  if (!pool || !ptr) return;
  size_t cls = rki_pool_class_of(size);
  if (cls == RK_POOL_CLASS_COUNT) {
    rki_pool_large_free(pool, ptr);
    return;
  }
  rki_tcache_t *tc = rki_tcache_lookup(pool);
  if (!tc) { /* no cache for this thread: straight back to the central list */
    *(void **)ptr = NULL;
    rki_central_give(pool, cls, ptr, ptr, 1);
    atomic_fetch_add_explicit(&pool->retired[cls].frees, 1, memory_order_relaxed);
    return;
  }
  rki_tcache_bin_t *bin = &tc->bins[cls];
  *(void **)ptr = bin->head;
  bin->head = ptr;
  bin->count++;
  rki_count(&tc->counters[cls].frees);
  if (bin->count > pool->cache_limit[cls]) rki_tcache_flush(tc, cls, pool->batch[cls]);
}

/* ---- statistics --------------------------------------------------------------------- */

static void rki_pool_fill_class(rk_pool_t *pool, size_t cls, const rki_pool_counters_t *sum,
                                rk_pool_class_stats_t *out) {
  out->block_size = rk_pool_class_size(cls);
  out->allocs = atomic_load_explicit(&sum->allocs, memory_order_relaxed);
  out->frees = atomic_load_explicit(&sum->frees, memory_order_relaxed);
  out->in_use = out->allocs >= out->frees ? out->allocs - out->frees : 0;
  out->slab_bytes = atomic_load_explicit(&pool->central[cls].slab_bytes, memory_order_relaxed);
  out->misses = atomic_load_explicit(&sum->misses, memory_order_relaxed);
  out->hits = out->allocs >= out->misses ? out->allocs - out->misses : 0;
}

static void rki_pool_add_large(rk_pool_t *pool, rk_pool_stats_t *t) {
  t->large_allocs = atomic_load_explicit(&pool->large_allocs, memory_order_relaxed);
  t->large_frees = atomic_load_explicit(&pool->large_frees, memory_order_relaxed);
  t->large_bytes_in_use = atomic_load_explicit(&pool->large_bytes, memory_order_relaxed);
  t->allocs += t->large_allocs;
  t->frees += t->large_frees;
  t->in_use += t->large_allocs >= t->large_frees ? t->large_allocs - t->large_frees : 0;
  t->bytes_in_use += t->large_bytes_in_use;
}

rk_status_t rk_pool_stats(rk_pool_t *pool, rk_pool_stats_t *total, rk_pool_class_stats_t *classes,
                          size_t n) {
  if (!pool) return rki_fail(RK_EINVAL, "rk_pool_stats: NULL pool");
  rki_pool_counters_t sum[RK_POOL_CLASS_COUNT];
  rki_pool_sum_counters(pool, sum, RK_POOL_CLASS_COUNT);
  rk_pool_stats_t t;
  memset(&t, 0, sizeof t);
  for (size_t cls = 0; cls < RK_POOL_CLASS_COUNT; cls++) {
    rk_pool_class_stats_t c;
    rki_pool_fill_class(pool, cls, &sum[cls], &c);
    if (classes && cls < n) classes[cls] = c;
    t.allocs += c.allocs;
    t.frees += c.frees;
    t.in_use += c.in_use;
    t.bytes_in_use += c.in_use * c.block_size;
    t.slab_bytes += c.slab_bytes;
    t.hits += c.hits;
    t.misses += c.misses;
  }
  rki_pool_add_large(pool, &t);
  if (total) *total = t;
  return RK_OK;
}

uint64_t rk_pool_bytes_in_use(rk_pool_t *pool) {
  rk_pool_stats_t t;
  if (!pool || rk_pool_stats(pool, &t, NULL, 0) != RK_OK) return 0;
  return t.bytes_in_use;
}
