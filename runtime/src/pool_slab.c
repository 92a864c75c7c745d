/* pool_slab.c — where a pool's slabs (and its large blocks) come from: the config's
 * hooks, a dedicated jemalloc arena, or the system allocator. */
#include <stdio.h>
#include <stdlib.h>

#include "pool_internal.h"

#if defined(RK_HAVE_JEMALLOC)
#include <jemalloc/jemalloc.h>

static int rki_arena_flags(const rk_pool_t *pool) {
  return (int)MALLOCX_ARENA(pool->arena) | MALLOCX_TCACHE_NONE | MALLOCX_ALIGN(RKI_CACHELINE);
}

static rk_status_t rki_arena_open(rk_pool_t *pool) {
  unsigned arena = 0;
  size_t len = sizeof arena;
  int err = rkje_mallctl("arenas.create", &arena, &len, NULL, 0);
  if (err != 0) return rki_fail(RK_ENOMEM, "pool: jemalloc arenas.create failed (error %d)", err);
  pool->arena = arena;
  pool->slab_kind = RKI_SLAB_JEMALLOC;
  return RK_OK;
}

static void rki_arena_close(rk_pool_t *pool) {
  char name[64];
  snprintf(name, sizeof name, "arena.%u.destroy", pool->arena);
  (void)rkje_mallctl(name, NULL, NULL, NULL, 0);
}
#endif

rk_status_t rki_pool_source_open(rk_pool_t *pool) {
  if (pool->config.slab_alloc) {
    pool->slab_kind = RKI_SLAB_HOOK;
    return RK_OK;
  }
#if defined(RK_HAVE_JEMALLOC)
  return rki_arena_open(pool);
#else
  pool->slab_kind = RKI_SLAB_SYSTEM;
  return RK_OK;
#endif
}

void rki_pool_source_close(rk_pool_t *pool) {
#if defined(RK_HAVE_JEMALLOC)
  if (pool->slab_kind == RKI_SLAB_JEMALLOC) rki_arena_close(pool);
#else
  (void)pool;
#endif
}

void *rki_pool_source_alloc(rk_pool_t *pool, size_t bytes) {
  switch (pool->slab_kind) {
  case RKI_SLAB_HOOK: return pool->config.slab_alloc(pool->config.slab_ctx, bytes);
  case RKI_SLAB_JEMALLOC:
#if defined(RK_HAVE_JEMALLOC)
    return rkje_mallocx(bytes, rki_arena_flags(pool));
#else
    break;
#endif
  case RKI_SLAB_SYSTEM: break;
  }
  size_t rounded = (bytes + RKI_CACHELINE - 1) & ~(size_t)(RKI_CACHELINE - 1);
  return aligned_alloc(RKI_CACHELINE, rounded);
}

void rki_pool_source_free(rk_pool_t *pool, void *ptr, size_t bytes) {
  switch (pool->slab_kind) {
  case RKI_SLAB_HOOK: pool->config.slab_free(pool->config.slab_ctx, ptr, bytes); return;
  case RKI_SLAB_JEMALLOC:
#if defined(RK_HAVE_JEMALLOC)
    rkje_sdallocx(ptr, bytes, rki_arena_flags(pool));
    return;
#else
    break;
#endif
  case RKI_SLAB_SYSTEM: break;
  }
  free(ptr);
}
