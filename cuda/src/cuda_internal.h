/* cuda_internal.h — helpers shared by the CUDA backend's host files (rkc_* prefix). */
#ifndef RK_CUDA_INTERNAL_H
#define RK_CUDA_INTERNAL_H

#include <cuda_runtime_api.h>
#include <stdbool.h>
#include <stdint.h>

#include "ringkernel/status.h"

/* Checks a CUDA runtime call: on failure records RK_ECUDA with cudaGetErrorName, the call
 * and file:line, notes a sticky error (see rkc_failed) and returns the status. */
#define RKC_CHECK(call) rkc_check((call), #call, __FILE__, __LINE__)
rk_status_t rkc_check(cudaError_t err, const char *what, const char *file, int line);

/* True once a sticky CUDA error (illegal address, launch failure, ...) was seen: the
 * context is unusable and every later backend call reports RK_EFAILED. */
bool rkc_failed(void);
/* Returns RK_EFAILED with the first sticky error's text when rkc_failed(). */
rk_status_t rkc_fail_if_broken(void);

/* Process settings that must precede the first CUDA call (eager module loading). */
void rkc_cuda_env(void);

/* Selects `device` on the calling thread; RK_ENODEVICE / RK_EINVAL / RK_ECUDA. */
rk_status_t rkc_use_device(int32_t device);

/* NVTX ranges in the "ringkernel" domain; no-ops unless profiling is on. */
void rkc_range_push(const char *name);
void rkc_range_pop(void);

/* Host wall clock in ns since the Unix epoch (CLOCK_REALTIME). */
int64_t rkc_wall_ns(void);
/* Monotonic clock in ns. */
int64_t rkc_mono_ns(void);

#endif /* RK_CUDA_INTERNAL_H */
