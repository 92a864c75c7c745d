/* cuda_pinned.c — the pinned-block cache and parked device blocks (see cuda_pinned.h).
 *
 * One mutex guards the running count and both lists, and every real free happens under
 * it with the count at zero: a launch first takes the mutex to count itself, so no kernel
 * can start between "no actor runs" and the device-wide wait inside cudaFreeHost. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_internal.h"
#include "cuda_pinned.h"
#include "rk_internal.h"

typedef struct rkc_block {
  void *p;
  size_t bytes;
  int32_t device;
  struct rkc_block *next;
} rkc_block_t;

static pthread_mutex_t rkc_pin_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t rkc_running;
static rkc_block_t *rkc_cached, *rkc_parked;
static uint64_t rkc_cached_bytes, rkc_parked_bytes, rkc_reused;

/* Size classes: whole 4 KiB pages up to 64 KiB, then eight classes per power of two, so
 * a block serves any request of its class and wastes at most 1/8 of it. */
static size_t rkc_class_bytes(size_t bytes) {
  if (bytes <= 65536u) return (bytes + 4095u) & ~(size_t)4095u;
  size_t pow2 = 65536u;
  while (pow2 <= bytes / 2u)
    pow2 *= 2u;
  size_t step = pow2 / 8u;
  return (bytes + step - 1u) / step * step;
}

static void *rkc_take_cached_locked(size_t bytes) {
  for (rkc_block_t **b = &rkc_cached; *b; b = &(*b)->next) {
    if ((*b)->bytes != bytes) continue;
    rkc_block_t *hit = *b;
    void *p = hit->p;
    *b = hit->next;
    rkc_cached_bytes -= bytes;
    rkc_reused++;
    free(hit);
    return p;
  }
  return NULL;
}

rk_status_t rkc_pinned_alloc(size_t bytes, void **out) {
  *out = NULL;
  if (bytes == 0) return rki_fail(RK_EINVAL, "pinned allocation of 0 bytes");
  size_t cls = rkc_class_bytes(bytes);
  pthread_mutex_lock(&rkc_pin_lock);
  void *p = rkc_take_cached_locked(cls);
  pthread_mutex_unlock(&rkc_pin_lock);
  if (!p) {
    rk_status_t st = RKC_CHECK(cudaHostAlloc(&p, cls, cudaHostAllocMapped | cudaHostAllocPortable));
    if (st != RK_OK)
      return rki_fail(st, "pinned allocation of %zu bytes: %s", cls, rk_last_error());
  }
  memset(p, 0, cls);
  *out = p;
  return RK_OK;
}

/* Keeps a block on `list`. Without memory for the list node the block stays allocated
 * for the life of the process: freeing it now could wait for the device forever. */
static void rkc_keep_locked(rkc_block_t **list, uint64_t *total, void *p, size_t bytes,
                            int32_t device) {
  rkc_block_t *b = malloc(sizeof *b);
  if (!b) return;
  b->p = p;
  b->bytes = bytes;
  b->device = device;
  b->next = *list;
  *list = b;
  *total += bytes;
}

/* The blocks come from cudaMallocAsync, whose pair is cudaFreeAsync; with no actor
 * running the default stream is free to run the free at once. */
static void rkc_free_device(void *p, int32_t device) {
  int before = -1;
  (void)cudaGetDevice(&before); /* the caller's current device is left as it was */
  if (rkc_use_device(device) == RK_OK) (void)RKC_CHECK(cudaFreeAsync(p, 0));
  if (before >= 0 && before != device) (void)cudaSetDevice(before);
}

void rkc_pinned_free(void *p, size_t bytes) {
  if (!p) return;
  size_t cls = rkc_class_bytes(bytes);
  pthread_mutex_lock(&rkc_pin_lock);
  if (rkc_running == 0)
    (void)RKC_CHECK(cudaFreeHost(p));
  else
    rkc_keep_locked(&rkc_cached, &rkc_cached_bytes, p, cls, -1);
  pthread_mutex_unlock(&rkc_pin_lock);
}

void rkc_pinned_park_device(void *p, size_t bytes, int32_t device) {
  if (!p) return;
  pthread_mutex_lock(&rkc_pin_lock);
  if (rkc_running == 0)
    rkc_free_device(p, device);
  else
    rkc_keep_locked(&rkc_parked, &rkc_parked_bytes, p, bytes, device);
  pthread_mutex_unlock(&rkc_pin_lock);
}

/* The real frees; only with no actor running (the caller holds the lock). */
static void rkc_release_locked(void) {
  if (rkc_running != 0) return;
  while (rkc_cached) {
    rkc_block_t *b = rkc_cached;
    rkc_cached = b->next;
    (void)RKC_CHECK(cudaFreeHost(b->p));
    free(b);
  }
  while (rkc_parked) {
    rkc_block_t *b = rkc_parked;
    rkc_parked = b->next;
    rkc_free_device(b->p, b->device);
    free(b);
  }
  rkc_cached_bytes = rkc_parked_bytes = 0;
}

void rkc_pinned_actor_running(void) {
  pthread_mutex_lock(&rkc_pin_lock);
  rkc_running++;
  pthread_mutex_unlock(&rkc_pin_lock);
}

void rkc_pinned_actor_stopped(void) {
  pthread_mutex_lock(&rkc_pin_lock);
  RKI_ASSERT(rkc_running > 0);
  rkc_running--;
  rkc_release_locked();
  pthread_mutex_unlock(&rkc_pin_lock);
}

bool rkc_pinned_run_idle(void (*fn)(void *), void *ctx) {
  pthread_mutex_lock(&rkc_pin_lock);
  const bool idle = rkc_running == 0;
  if (idle) fn(ctx); /* under the lock: no actor launch can count itself meanwhile */
  pthread_mutex_unlock(&rkc_pin_lock);
  return idle;
}

void rkc_pinned_release(void) {
  pthread_mutex_lock(&rkc_pin_lock);
  rkc_release_locked();
  pthread_mutex_unlock(&rkc_pin_lock);
}

void rkc_pinned_stats(rkc_pinned_stats_t *out) {
  pthread_mutex_lock(&rkc_pin_lock);
  out->running = rkc_running;
  out->cached_bytes = rkc_cached_bytes;
  out->parked_bytes = rkc_parked_bytes;
  out->reused = rkc_reused;
  pthread_mutex_unlock(&rkc_pin_lock);
}
