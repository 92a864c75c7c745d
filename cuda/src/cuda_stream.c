/* cuda_stream.c — a set of non-blocking streams on one device, shaped by rk_stream_config_t
 * (compute streams, an optional transfer stream). Non-blocking, so they never serialise
 * behind the legacy default stream or the persistent actors' streams. */
#include <stdlib.h>

#include "cuda_internal.h"
#include "ringkernel/cuda.h"
#include "rk_internal.h"

#define RKC_STREAMS_MAX 32u

struct rk_stream_set {
  rk_stream_config_t cfg;
  int32_t device;
  cudaStream_t compute[RKC_STREAMS_MAX];
  cudaStream_t transfer;
};

rk_status_t rk_stream_set_create(const rk_stream_config_t *config, int32_t device,
                                 rk_stream_set_t **out) {
  if (!out) return rki_fail(RK_EINVAL, "stream set output is NULL");
  *out = NULL;
  if (!config) return rki_fail(RK_EINVAL, "stream config is NULL");
  if (config->num_compute_streams < 1 || config->num_compute_streams > RKC_STREAMS_MAX)
    return rki_fail(RK_EINVAL, "num_compute_streams %u: must be 1..%u",
                    config->num_compute_streams, RKC_STREAMS_MAX);
  rk_status_t st = rkc_fail_if_broken();
  if (st == RK_OK) st = rkc_use_device(device);
  if (st != RK_OK) return st;
  rk_stream_set_t *s = calloc(1, sizeof *s);
  if (!s) return rki_fail(RK_ENOMEM, "stream set: out of host memory");
  s->cfg = *config;
  s->device = device;
  for (uint32_t i = 0; i < config->num_compute_streams && st == RK_OK; i++)
    st = RKC_CHECK(cudaStreamCreateWithFlags(&s->compute[i], cudaStreamNonBlocking));
  if (st == RK_OK && config->use_transfer_stream)
    st = RKC_CHECK(cudaStreamCreateWithFlags(&s->transfer, cudaStreamNonBlocking));
  if (st != RK_OK) {
    rk_stream_set_destroy(s);
    return st;
  }
  *out = s;
  return RK_OK;
}

rk_status_t rk_stream_set_get(rk_stream_set_t *set, rk_stream_id_t id, void **out_stream) {
  if (!out_stream) return rki_fail(RK_EINVAL, "stream output is NULL");
  *out_stream = NULL;
  if (!set) return rki_fail(RK_EINVAL, "stream set is NULL");
  switch ((rk_stream_kind_t)id.kind) {
  case RK_STREAM_DEFAULT:
    return RK_OK;
  case RK_STREAM_COMPUTE:
    if (id.index >= set->cfg.num_compute_streams)
      return rki_fail(RK_EINVAL, "compute stream %u: set has %u", id.index,
                      set->cfg.num_compute_streams);
    *out_stream = set->compute[id.index];
    return RK_OK;
  case RK_STREAM_TRANSFER:
    if (!set->transfer)
      return rki_fail(RK_EINVAL, "transfer stream: the config has use_transfer_stream off");
    *out_stream = set->transfer;
    return RK_OK;
  }
  return rki_fail(RK_EINVAL, "stream kind %d: must be 0..2", (int)id.kind);
}

rk_status_t rk_stream_set_synchronize(rk_stream_set_t *set) {
  if (!set) return rki_fail(RK_EINVAL, "stream set is NULL");
  rk_status_t st = rkc_use_device(set->device);
  for (uint32_t i = 0; i < set->cfg.num_compute_streams && st == RK_OK; i++)
    st = RKC_CHECK(cudaStreamSynchronize(set->compute[i]));
  if (st == RK_OK && set->transfer) st = RKC_CHECK(cudaStreamSynchronize(set->transfer));
  return st;
}

void rk_stream_set_destroy(rk_stream_set_t *set) {
  if (!set) return;
  if (rkc_use_device(set->device) == RK_OK) {
    for (uint32_t i = 0; i < RKC_STREAMS_MAX; i++)
      if (set->compute[i]) cudaStreamDestroy(set->compute[i]);
    if (set->transfer) cudaStreamDestroy(set->transfer);
  }
  free(set);
}
