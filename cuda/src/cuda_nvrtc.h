/* cuda_nvrtc.h — user device handlers compiled at launch with NVRTC, cached on disk. */
#ifndef RK_CUDA_NVRTC_H
#define RK_CUDA_NVRTC_H

#include <stdint.h>

#include "ringkernel/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Compiles `source` (defining `entry` with the rk_device.cuh handler signature) together
 * with the actor loop for `device`'s architecture, or takes the cubin from the disk cache
 * ($XDG_CACHE_HOME/ringkernel or ~/.cache/ringkernel, keyed by a hash of source, entry,
 * options, architecture and the device headers), loads it and returns the kernel for
 * cudaLaunchKernel. Loaded kernels stay for the life of the process and are shared by
 * identical requests. RK_ECOMPILE carries the compile log (file handler.cu, the user's
 * line numbers); RK_EUNSUPPORTED when libnvrtc cannot be loaded; RK_EINVAL for a bad
 * entry name. Any thread. */
rk_status_t rkc_nvrtc_kernel(int32_t device, const char *source, const char *entry,
                             const void **kernel_out);

#ifdef __cplusplus
}
#endif

#endif /* RK_CUDA_NVRTC_H */
