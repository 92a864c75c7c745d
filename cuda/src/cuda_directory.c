/* cuda_directory.c — the per-device K2K directory (numeric id -> device inbox). The host
 * keeps a mirror and writes single entries to device memory; actors read them with
 * volatile loads, so an entry appears to running kernels without a relaunch. */
#include <pthread.h>
#include <stdlib.h>

#include "cuda_actor.h"
#include "cuda_internal.h"
#include "rk_internal.h"

struct rkc_directory {
  pthread_mutex_t lock;
  int32_t device;
  rkc_directory_entry_t *dev;
  rkc_directory_entry_t mirror[RKC_DIRECTORY_SIZE];
};

rk_status_t rkc_directory_create(int32_t device, rkc_directory_t **out) {
  *out = NULL;
  rk_status_t st = rkc_use_device(device);
  if (st != RK_OK) return st;
  rkc_directory_t *dir = calloc(1, sizeof *dir);
  if (!dir) return rki_fail(RK_ENOMEM, "K2K directory: out of host memory");
  dir->device = device;
  size_t bytes = sizeof(rkc_directory_entry_t) * RKC_DIRECTORY_SIZE;
  st = RKC_CHECK(cudaMalloc((void **)&dir->dev, bytes));
  if (st == RK_OK) st = RKC_CHECK(cudaMemset(dir->dev, 0, bytes));
  if (st != RK_OK) {
    if (dir->dev) cudaFree(dir->dev);
    free(dir);
    return st;
  }
  pthread_mutex_init(&dir->lock, NULL);
  *out = dir;
  return RK_OK;
}

void rkc_directory_destroy(rkc_directory_t *dir) {
  if (!dir) return;
  cudaFree(dir->dev);
  pthread_mutex_destroy(&dir->lock);
  free(dir);
}

static rk_status_t rkc_directory_write(rkc_directory_t *dir, uint32_t i) {
  rk_status_t st = rkc_use_device(dir->device);
  if (st != RK_OK) return st;
  return RKC_CHECK(cudaMemcpy(dir->dev + i, dir->mirror + i, sizeof dir->mirror[i],
                              cudaMemcpyHostToDevice));
}

rk_status_t rkc_directory_add(rkc_directory_t *dir, uint64_t actor_id, rkc_inbox_t *inbox) {
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

void rkc_directory_remove(rkc_directory_t *dir, uint64_t actor_id) {
  if (!dir) return;
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
