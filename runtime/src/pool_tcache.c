/* pool_tcache.c — per-thread caches of free blocks and the registry that lets a thread's
 * exit, rk_pool_stats and rk_pool_destroy find them (see pool_internal.h). */
#include <stdlib.h>

#include "pool_internal.h"

static pthread_mutex_t rki_registry_lock = PTHREAD_MUTEX_INITIALIZER;
static rki_tcache_t *rki_registry; /* every live cache of every pool */

static bool rki_registered(const rki_tcache_t *tc) {
  for (const rki_tcache_t *p = rki_registry; p; p = p->next)
    if (p == tc) return true;
  return false;
}

static void rki_link(rki_tcache_t *tc) {
  tc->prev = NULL;
  tc->next = rki_registry;
  if (rki_registry) rki_registry->prev = tc;
  rki_registry = tc;
}

static void rki_unlink(rki_tcache_t *tc) {
  if (tc->prev)
    tc->prev->next = tc->next;
  else
    rki_registry = tc->next;
  if (tc->next) tc->next->prev = tc->prev;
}

static void rki_add(_Atomic uint64_t *dst, _Atomic uint64_t *src) {
  uint64_t v = atomic_load_explicit(src, memory_order_relaxed);
  atomic_fetch_add_explicit(dst, v, memory_order_relaxed);
}

static void rki_add_counters(rki_pool_counters_t *dst, rki_pool_counters_t *src) {
  rki_add(&dst->allocs, &src->allocs);
  rki_add(&dst->frees, &src->frees);
  rki_add(&dst->misses, &src->misses);
}

void rki_tcache_flush(rki_tcache_t *tc, size_t cls, uint32_t keep) {
  rki_tcache_bin_t *bin = &tc->bins[cls];
  if (bin->count <= keep) return;
  uint32_t n = bin->count - keep;
  void *head = bin->head, *tail = head;
  for (uint32_t i = 1; i < n; i++)
    tail = *(void **)tail;
  bin->head = *(void **)tail;
  bin->count = keep;
  rki_central_give(tc->pool, cls, head, tail, n);
}

/* pthread key destructor: runs on the exiting thread. Returns its blocks and keeps its
 * counters unless rk_pool_destroy already freed the cache (then it is unregistered). */
static void rki_tcache_on_thread_exit(void *arg) {
  rki_tcache_t *tc = arg;
  rki_pool_hint_forget(tc);
  pthread_mutex_lock(&rki_registry_lock);
  if (rki_registered(tc)) {
    for (size_t cls = 0; cls < RK_POOL_CLASS_COUNT; cls++) {
      rki_tcache_flush(tc, cls, 0);
      rki_add_counters(&tc->pool->retired[cls], &tc->counters[cls]);
    }
    rki_unlink(tc);
    free(tc);
  }
  pthread_mutex_unlock(&rki_registry_lock);
}

rk_status_t rki_tcache_key_create(pthread_key_t *key) {
  int err = pthread_key_create(key, rki_tcache_on_thread_exit);
  if (err != 0) return rki_fail(RK_EIO, "pool: pthread_key_create failed (error %d)", err);
  return RK_OK;
}

static rki_tcache_t *rki_tcache_create(rk_pool_t *pool) {
  rki_tcache_t *tc = calloc(1, sizeof *tc);
  if (!tc) return NULL;
  tc->pool = pool;
  pthread_mutex_lock(&rki_registry_lock);
  rki_link(tc);
  pthread_mutex_unlock(&rki_registry_lock);
  if (pthread_setspecific(pool->key, tc) != 0) {
    pthread_mutex_lock(&rki_registry_lock);
    rki_unlink(tc);
    pthread_mutex_unlock(&rki_registry_lock);
    free(tc);
    return NULL;
  }
  return tc;
}

rki_tcache_t *rki_tcache_get(rk_pool_t *pool) {
  rki_tcache_t *tc = pthread_getspecific(pool->key);
  return tc ? tc : rki_tcache_create(pool);
}

void rki_tcache_destroy_pool(rk_pool_t *pool) {
  pthread_mutex_lock(&rki_registry_lock);
  pthread_key_delete(pool->key);
  rki_tcache_t *tc = rki_registry;
  while (tc) {
    rki_tcache_t *next = tc->next;
    if (tc->pool == pool) {
      rki_unlink(tc);
      free(tc);
    }
    tc = next;
  }
  pthread_mutex_unlock(&rki_registry_lock);
}

void rki_pool_sum_counters(rk_pool_t *pool, rki_pool_counters_t *sum, size_t n) {
  for (size_t cls = 0; cls < n; cls++) {
    atomic_init(&sum[cls].allocs, 0);
    atomic_init(&sum[cls].frees, 0);
    atomic_init(&sum[cls].misses, 0);
    rki_add_counters(&sum[cls], &pool->retired[cls]);
  }
  pthread_mutex_lock(&rki_registry_lock);
  for (rki_tcache_t *tc = rki_registry; tc; tc = tc->next)
    if (tc->pool == pool)
      for (size_t cls = 0; cls < n; cls++)
        rki_add_counters(&sum[cls], &tc->counters[cls]);
  pthread_mutex_unlock(&rki_registry_lock);
}
