/* pool_central.c — each size class's locked central free list and its slabs. */
#include "pool_internal.h"

void rki_central_init(rki_central_t *c) {
  pthread_mutex_init(&c->lock, NULL);
  c->head = NULL;
  c->count = 0;
  c->slabs = NULL;
  atomic_init(&c->slab_bytes, 0);
}

static size_t rki_slab_bytes_for(const rk_pool_t *pool, size_t block) {
  size_t min = RKI_SLAB_HEADER + 4 * block;
  return pool->config.slab_bytes > min ? pool->config.slab_bytes : min;
}

/* Carves a new slab into the (empty) list; false when the source is out of memory.
 * Caller holds c->lock. */
static bool rki_central_grow(rk_pool_t *pool, size_t cls) {
  rki_central_t *c = &pool->central[cls];
  size_t block = rk_pool_class_size(cls);
  size_t bytes = rki_slab_bytes_for(pool, block);
  rki_slab_t *slab = rki_pool_source_alloc(pool, bytes);
  if (!slab) return false;
  slab->next = c->slabs;
  slab->bytes = bytes;
  c->slabs = slab;
  size_t n = (bytes - RKI_SLAB_HEADER) / block;
  unsigned char *first = (unsigned char *)slab + RKI_SLAB_HEADER;
  for (size_t i = 0; i + 1 < n; i++)
    *(void **)(first + i * block) = first + (i + 1) * block;
  *(void **)(first + (n - 1) * block) = c->head;
  c->head = first;
  c->count += n;
  atomic_store_explicit(&c->slab_bytes,
                        atomic_load_explicit(&c->slab_bytes, memory_order_relaxed) + bytes,
                        memory_order_relaxed);
  return true;
}

void *rki_central_take(rk_pool_t *pool, size_t cls, uint32_t n, uint32_t *got) {
  rki_central_t *c = &pool->central[cls];
  pthread_mutex_lock(&c->lock);
  if (!c->head && !rki_central_grow(pool, cls)) {
    pthread_mutex_unlock(&c->lock);
    *got = 0;
    return NULL;
  }
  void *head = c->head, *last = head;
  uint32_t k = 1;
  while (k < n && *(void **)last) {
    last = *(void **)last;
    k++;
  }
  c->head = *(void **)last;
  c->count -= k;
  *(void **)last = NULL;
  pthread_mutex_unlock(&c->lock);
  *got = k;
  return head;
}

void rki_central_give(rk_pool_t *pool, size_t cls, void *head, void *tail, uint32_t n) {
  rki_central_t *c = &pool->central[cls];
  pthread_mutex_lock(&c->lock);
  *(void **)tail = c->head;
  c->head = head;
  c->count += n;
  pthread_mutex_unlock(&c->lock);
}

void rki_central_free_all(rk_pool_t *pool) {
  for (size_t cls = 0; cls < RK_POOL_CLASS_COUNT; cls++) {
    rki_central_t *c = &pool->central[cls];
    rki_slab_t *slab = c->slabs;
    while (slab) {
      rki_slab_t *next = slab->next;
      rki_pool_source_free(pool, slab, slab->bytes);
      slab = next;
    }
    pthread_mutex_destroy(&c->lock);
  }
}
