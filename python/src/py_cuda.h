/* py_cuda.h — shared by the two files of ringkernel.cuda (py_cuda.c: devices and live
 * pools; py_cuda_config.c: pool and stream configurations, stream ids). */
#ifndef RKPY_CUDA_H
#define RKPY_CUDA_H

#include "rkpy_values.h"

#include "ringkernel/cuda.h"

/* Adds PyGpuPoolConfig, PyStreamConfig and PyStreamId to the module. 0 / -1. */
int rkpy_cuda_config_exec(PyObject *m);

/* The C config inside a PyGpuPoolConfig (the caller checked the type). */
const rk_gpu_pool_config_t *rkpy_gpu_pool_config_of(PyObject *obj);

#endif /* RKPY_CUDA_H */
