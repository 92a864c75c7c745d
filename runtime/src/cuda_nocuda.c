/* cuda_nocuda.c — the device half of ringkernel/cuda.h when the CUDA backend is not
 * built: zero devices, and every call that needs one says why it cannot. */
#include "ringkernel/cuda.h"
#include "rk_internal.h"

#define RKI_NO_CUDA "CUDA backend not built (configure with -DRK_WITH_CUDA=ON)"

static rk_status_t rki_no_cuda(void) { return rki_fail(RK_ENODEVICE, RKI_NO_CUDA); }

bool rk_cuda_is_available(void) {
  (void)rki_no_cuda();
  return false;
}

int32_t rk_cuda_device_count(void) { return 0; }

rk_status_t rk_cuda_device_info(int32_t ordinal, rk_cuda_device_info_t *out) {
  (void)ordinal;
  (void)out;
  return rki_no_cuda();
}

rk_status_t rk_cuda_device_synchronize(int32_t ordinal) {
  (void)ordinal;
  return rki_no_cuda();
}

rk_status_t rk_gpu_pool_create(const rk_gpu_pool_config_t *config, rk_gpu_pool_t **out) {
  if (out) *out = NULL;
  rk_status_t st = rk_gpu_pool_config_validate(config);
  return st != RK_OK ? st : rki_no_cuda();
}

rk_status_t rk_gpu_pool_alloc(rk_gpu_pool_t *pool, uint64_t bytes, void **out_ptr) {
  (void)pool;
  (void)bytes;
  if (out_ptr) *out_ptr = NULL;
  return rki_no_cuda();
}

rk_status_t rk_gpu_pool_free(rk_gpu_pool_t *pool, void *ptr) {
  (void)pool;
  (void)ptr;
  return rki_no_cuda();
}

rk_status_t rk_gpu_pool_diagnostics(rk_gpu_pool_t *pool, rk_gpu_pool_diagnostics_t *out) {
  (void)pool;
  (void)out;
  return rki_no_cuda();
}

void rk_gpu_pool_destroy(rk_gpu_pool_t *pool) { (void)pool; }

rk_status_t rk_stream_set_create(const rk_stream_config_t *config, int32_t device,
                                 rk_stream_set_t **out) {
  (void)config;
  (void)device;
  if (out) *out = NULL;
  return rki_no_cuda();
}

rk_status_t rk_stream_set_get(rk_stream_set_t *set, rk_stream_id_t id, void **out_stream) {
  (void)set;
  (void)id;
  if (out_stream) *out_stream = NULL;
  return rki_no_cuda();
}

rk_status_t rk_stream_set_synchronize(rk_stream_set_t *set) {
  (void)set;
  return rki_no_cuda();
}

void rk_stream_set_destroy(rk_stream_set_t *set) { (void)set; }
