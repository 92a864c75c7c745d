/* cuda_directory.c — the per-device K2K directory (numeric id -> device inbox). The host
 * keeps a mirror and writes single entries to device memory; actors read them with
 * volatile loads, so an entry appears to running kernels without a relaunch.
 *
 * Every device operation is stream-ordered on the directory's own non-blocking stream:
 * the directory is written and freed while persistent actors run, and a plain cudaMemcpy
 * or cudaFree may wait for work the device never finishes. */
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>

#include "cuda_actor.h"
#include "cuda_internal.h"
#include "cuda_pinned.h"
#include "rk_internal.h"

struct rkc_directory {
  pthread_mutex_t lock;
  int32_t device;
  cudaStream_t stream;
  rkc_directory_entry_t *dev;
  rkc_directory_entry_t mirror[RKC_DIRECTORY_SIZE];
};

/* The entries are parked, not freed: a kernel that did not stop (RK_ESTUCK) may still
 * read them. */
static void rkc_directory_free(rkc_directory_t *dir) {
  if (dir->stream) {
    (void)RKC_CHECK(cudaStreamSynchronize(dir->stream));
    (void)RKC_CHECK(cudaStreamDestroy(dir->stream));
  }
  rkc_pinned_park_device(dir->dev, sizeof(rkc_directory_entry_t) * RKC_DIRECTORY_SIZE,
                         dir->device);
  free(dir);
}

rk_status_t rkc_directory_create(int32_t device, rkc_directory_t **out) {
  if (!out) return rki_fail(RK_EINVAL, "K2K directory: out is NULL");
  *out = NULL;
  rk_status_t st = rkc_use_device(device);
  if (st != RK_OK) return st;
  rkc_directory_t *dir = calloc(1, sizeof *dir);
  if (!dir) return rki_fail(RK_ENOMEM, "K2K directory: out of host memory");
  dir->device = device;
  size_t bytes = sizeof(rkc_directory_entry_t) * RKC_DIRECTORY_SIZE;
  st = RKC_CHECK(cudaStreamCreateWithFlags(&dir->stream, cudaStreamNonBlocking));
  if (st == RK_OK) st = RKC_CHECK(cudaMallocAsync((void **)&dir->dev, bytes, dir->stream));
  if (st == RK_OK) st = RKC_CHECK(cudaMemsetAsync(dir->dev, 0, bytes, dir->stream));
  if (st == RK_OK) st = RKC_CHECK(cudaStreamSynchronize(dir->stream));
  if (st != RK_OK) {
    rkc_directory_free(dir);
    return st;
  }
  pthread_mutex_init(&dir->lock, NULL);
  *out = dir;
  return RK_OK;
}

void rkc_directory_destroy(rkc_directory_t *dir) {
  if (!dir) return;
  pthread_mutex_destroy(&dir->lock);
  rkc_directory_free(dir);
}

/* Copies `bytes` from host `src` to device `dst` and waits for that copy only. */
static rk_status_t rkc_directory_put(rkc_directory_t *dir, void *dst, const void *src,
                                     size_t bytes) {
  rk_status_t st = rkc_use_device(dir->device);
  if (st == RK_OK)
    st = RKC_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, dir->stream));
  if (st == RK_OK) st = RKC_CHECK(cudaStreamSynchronize(dir->stream));
  return st;
}

static rk_status_t rkc_directory_write(rkc_directory_t *dir, uint32_t i) {
  return rkc_directory_put(dir, dir->dev + i, dir->mirror + i, sizeof dir->mirror[i]);
}

rk_status_t rkc_directory_add(rkc_directory_t *dir, uint64_t actor_id, rkc_inbox_t *inbox) {
  if (!dir || actor_id == 0 || !inbox)
    return rki_fail(RK_EINVAL, "K2K directory add: directory %p, actor id %llu, inbox %p "
                    "(all must be set)", (void *)dir, (unsigned long long)actor_id, (void *)inbox);
  pthread_mutex_lock(&dir->lock);
  uint32_t i = 0;
  while (i < RKC_DIRECTORY_SIZE && dir->mirror[i].actor_id != 0) i++;
  rk_status_t st;
  if (i == RKC_DIRECTORY_SIZE) {
    st = rki_fail(RK_EGPUMEM, "K2K directory full (%u GPU actors)", RKC_DIRECTORY_SIZE);
  } else {
    dir->mirror[i].actor_id = actor_id;
    dir->mirror[i].inbox = (uint64_t)(uintptr_t)inbox;
    st = rkc_directory_write(dir, i);
    if (st != RK_OK) dir->mirror[i].actor_id = 0;
  }
  pthread_mutex_unlock(&dir->lock);
  return st;
}

/* New lookups miss from now on. Senders that cached the inbox still reach it until the
 * actor's own loop seals it when it terminates (rkc_seal_inbox), so what they send is
 * handled or returned by take_input. (Writing capacity 0 here, as before, refused them
 * sooner but raced with their claims: a claim that had read the geometry before it still
 * landed after the loop had exited, lost. Senders now cache the geometry, so it would
 * not even reach them.) */
void rkc_directory_remove(rkc_directory_t *dir, uint64_t actor_id) {
  if (!dir || actor_id == 0) return;
  pthread_mutex_lock(&dir->lock);
  for (uint32_t i = 0; i < RKC_DIRECTORY_SIZE; i++) {
    if (dir->mirror[i].actor_id != actor_id) continue;
    dir->mirror[i].actor_id = 0;
    dir->mirror[i].inbox = 0;
    (void)rkc_directory_write(dir, i);
  }
  pthread_mutex_unlock(&dir->lock);
}

rkc_directory_entry_t *rkc_directory_device(const rkc_directory_t *dir) { return dir->dev; }
