/* cuda_check.c — CUDA error checking, the sticky failure state, clocks and NVTX. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nvtx3/nvToolsExt.h>

#include "cuda_internal.h"
#include "ringkernel/cuda.h"
#include "rk_internal.h"

/* 0 = healthy; the first sticky error is kept in rkc_sticky_text. Written once under the
 * compare-exchange; readers only need the flag (relaxed) and then the text it guards
 * (acquire, pairs with the release in rkc_note_sticky). */
static atomic_int rkc_sticky = 0;
static char rkc_sticky_text[512];

/* Errors after which the context is unusable (the CUDA enum is too large for a switch
 * under -Wswitch-enum, so a table). */
static bool rkc_is_sticky(cudaError_t err) {
  static const cudaError_t sticky[] = {
      cudaErrorIllegalAddress,    cudaErrorLaunchFailure,     cudaErrorHardwareStackError,
      cudaErrorIllegalInstruction, cudaErrorMisalignedAddress, cudaErrorInvalidAddressSpace,
      cudaErrorInvalidPc,         cudaErrorAssert,            cudaErrorECCUncorrectable};
  for (size_t i = 0; i < sizeof sticky / sizeof sticky[0]; i++)
    if (err == sticky[i]) return true;
  return false;
}

static void rkc_note_sticky(const char *text) {
  int expected = 0;
  if (atomic_load_explicit(&rkc_sticky, memory_order_relaxed)) return;
  snprintf(rkc_sticky_text, sizeof rkc_sticky_text, "%s", text);
  /* release: publishes rkc_sticky_text; pairs with the acquire in rkc_fail_if_broken */
  atomic_compare_exchange_strong_explicit(&rkc_sticky, &expected, 1, memory_order_release,
                                          memory_order_relaxed);
}

rk_status_t rkc_check(cudaError_t err, const char *what, const char *file, int line) {
  if (err == cudaSuccess) return RK_OK;
  if (err == cudaErrorNoDevice || err == cudaErrorInsufficientDriver)
    return rki_fail(RK_ENODEVICE, "%s: %s (%s) at %s:%d", what, cudaGetErrorName(err),
                    cudaGetErrorString(err), file, line);
  char text[512];
  snprintf(text, sizeof text, "%s failed: %s (%s) at %s:%d", what, cudaGetErrorName(err),
           cudaGetErrorString(err), file, line);
  if (rkc_is_sticky(err)) rkc_note_sticky(text);
  return rki_fail(RK_ECUDA, "%s", text);
}

bool rkc_failed(void) { return atomic_load_explicit(&rkc_sticky, memory_order_relaxed) != 0; }

rk_status_t rkc_fail_if_broken(void) {
  /* acquire: pairs with the release in rkc_note_sticky */
  if (!atomic_load_explicit(&rkc_sticky, memory_order_acquire)) return RK_OK;
  return rki_fail(RK_EFAILED, "CUDA context failed earlier: %s", rkc_sticky_text);
}

/* Persistent actors never finish, so nothing may wait for "all kernels done". CUDA's
 * lazy module loading does exactly that when a kernel is first launched (or a library
 * loaded) while others run: eager loading, chosen before the first CUDA call unless the
 * user set CUDA_MODULE_LOADING, moves that work to load time. */
static void rkc_env_once(void) { setenv("CUDA_MODULE_LOADING", "EAGER", 0); }

void rkc_cuda_env(void) {
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, rkc_env_once);
}

rk_status_t rkc_use_device(int32_t device) {
  rkc_cuda_env();
  int count = 0;
  rk_status_t st = RKC_CHECK(cudaGetDeviceCount(&count));
  if (st != RK_OK) return st;
  if (count == 0) return rki_fail(RK_ENODEVICE, "no CUDA device present");
  if (device < 0 || device >= count)
    return rki_fail(RK_EINVAL, "device %d: must be 0..%d", (int)device, count - 1);
  return RKC_CHECK(cudaSetDevice(device));
}

int64_t rkc_wall_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

int64_t rkc_mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static nvtxDomainHandle_t rkc_nvtx_domain(void) {
  static _Atomic(nvtxDomainHandle_t) domain = NULL;
  nvtxDomainHandle_t d = atomic_load_explicit(&domain, memory_order_acquire);
  if (!d) {
    nvtxDomainHandle_t fresh = nvtxDomainCreateA("ringkernel");
    nvtxDomainHandle_t expected = NULL;
    /* acq_rel: publishes the handle; a loser takes the winner's (and leaks nothing: the
     * NVTX domain registry returns the same handle for the same name) */
    if (atomic_compare_exchange_strong_explicit(&domain, &expected, fresh,
                                                memory_order_acq_rel, memory_order_acquire))
      d = fresh;
    else
      d = expected;
  }
  return d;
}

void rkc_range_push(const char *name) {
  if (!rk_cuda_profiling_enabled()) return;
  nvtxEventAttributes_t a;
  memset(&a, 0, sizeof a);
  a.version = NVTX_VERSION;
  a.size = NVTX_EVENT_ATTRIB_STRUCT_SIZE;
  a.messageType = NVTX_MESSAGE_TYPE_ASCII;
  a.message.ascii = name;
  nvtxDomainRangePushEx(rkc_nvtx_domain(), &a);
}

void rkc_range_pop(void) {
  if (!rk_cuda_profiling_enabled()) return;
  nvtxDomainRangePop(rkc_nvtx_domain());
}
