/* pool_central.c — each size class's locked central free list and its slabs.
 *
 * Chains that thread caches give back are kept whole, as a stack of batches, and a refill
 * takes one batch without walking it: the blocks of a chain freed on another core are in
 * that core's cache, and walking them link by link cost a cache miss per block on the
 * taking thread (a host thread allocating what a worker frees paid that on every
 * message). The head block of a batch says where the next batch starts and its length.
 */
#include "pool_internal.h"

typedef struct rki_batch_head {
  void *next;       /* the chain, as in every free block */
  void *next_batch; /* the batch below this one */
  uint64_t count;   /* blocks in this batch */
} rki_batch_head_t;

_Static_assert(sizeof(rki_batch_head_t) <= RK_POOL_MIN_CLASS_SIZE,
               "a batch head fits in the smallest block");

void rki_central_init(rki_central_t *c) {
  pthread_mutex_init(&c->lock, NULL);
  c->head = NULL;
  c->batches = NULL;
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

/* Caller holds c->lock. */
static void rki_push_batch(rki_central_t *c, void *head, uint64_t n) {
  rki_batch_head_t *b = head;
  b->next_batch = c->batches;
  b->count = n;
  c->batches = b;
}

/* Pops the top batch, at most n blocks of it (a longer one is split, the rest stays a
 * batch). Caller holds c->lock and checked c->batches. */
static void *rki_pop_batch(rki_central_t *c, uint32_t n, uint32_t *got) {
  rki_batch_head_t *b = c->batches;
  c->batches = b->next_batch;
  uint64_t k = b->count;
  if (k > n) {
    void *last = b;
    for (uint32_t i = 1; i < n; i++)
      last = *(void **)last;
    rki_push_batch(c, *(void **)last, k - n);
    *(void **)last = NULL;
    k = n;
  }
  c->count -= k;
  *got = (uint32_t)k;
  return b;
}

void *rki_central_take(rk_pool_t *pool, size_t cls, uint32_t n, uint32_t *got) {
  rki_central_t *c = &pool->central[cls];
  pthread_mutex_lock(&c->lock);
  if (c->batches) {
    void *chain = rki_pop_batch(c, n, got);
    pthread_mutex_unlock(&c->lock);
    return chain;
  }
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
  *(void **)tail = NULL;
  pthread_mutex_lock(&c->lock);
  rki_push_batch(c, head, n);
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
