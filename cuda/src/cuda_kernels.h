/* cuda_kernels.h — host entry points to the device code, callable from C. */
#ifndef RK_CUDA_KERNELS_H
#define RK_CUDA_KERNELS_H

#ifdef __cplusplus
extern "C" {
#endif

/* The precompiled persistent actor kernel (built-in handlers), for cudaLaunchKernel with
 * one rkc_actor_params_t argument. */
const void *rkc_builtin_kernel(void);

#ifdef __cplusplus
}
#endif

#endif /* RK_CUDA_KERNELS_H */
