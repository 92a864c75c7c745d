/* cuda_device.c — device count, enumeration, properties and synchronize. */
#include <string.h>

#include "cuda_internal.h"
#include "cuda_pinned.h"
#include "ringkernel/cuda.h"
#include "rk_internal.h"

int32_t rk_cuda_device_count(void) {
  rkc_cuda_env();
  int count = 0;
  if (RKC_CHECK(cudaGetDeviceCount(&count)) != RK_OK) return 0;
  return count;
}

bool rk_cuda_is_available(void) {
  if (rk_cuda_device_count() > 0) return true;
  if (rk_last_error()[0] == '\0') rki_fail(RK_ENODEVICE, "no CUDA device present");
  return false;
}

rk_status_t rk_cuda_device_info(int32_t ordinal, rk_cuda_device_info_t *out) {
  if (!out) return rki_fail(RK_EINVAL, "device info output is NULL");
  rkc_cuda_env();
  int count = 0;
  rk_status_t st = RKC_CHECK(cudaGetDeviceCount(&count));
  if (st != RK_OK) return st;
  if (count == 0) return rki_fail(RK_ENODEVICE, "no CUDA device present");
  if (ordinal < 0 || ordinal >= count)
    return rki_fail(RK_EINVAL, "device %d: must be 0..%d", (int)ordinal, count - 1);
  struct cudaDeviceProp prop;
  st = RKC_CHECK(cudaGetDeviceProperties(&prop, ordinal));
  if (st != RK_OK) return st;
  memset(out, 0, sizeof *out);
  out->ordinal = ordinal;
  snprintf(out->name, sizeof out->name, "%s", prop.name);
  out->cc_major = prop.major;
  out->cc_minor = prop.minor;
  out->total_memory = (uint64_t)prop.totalGlobalMem;
  out->multiprocessor_count = prop.multiProcessorCount;
  out->supports_persistent = prop.major >= 7;
  out->supports_cooperative = prop.cooperativeLaunch != 0;
  return RK_OK;
}

static void rkc_synchronize_idle(void *ctx) {
  *(rk_status_t *)ctx = RKC_CHECK(cudaDeviceSynchronize());
}

/* A device wait never returns while a persistent actor runs: refuse instead of hanging
 * (and keep actors from launching while the wait runs). */
rk_status_t rk_cuda_device_synchronize(int32_t ordinal) {
  rk_status_t st = rkc_fail_if_broken();
  if (st == RK_OK) st = rkc_use_device(ordinal);
  if (st != RK_OK) return st;
  if (!rkc_pinned_run_idle(rkc_synchronize_idle, &st))
    return rki_fail(RK_ESTATE,
                    "device %d: cannot synchronize while GPU actors run (they "
                    "never finish on their own; terminate them first)",
                    (int)ordinal);
  return st;
}
