/* py_runtime.h — the objects behind RingKernel and KernelHandle, shared by the files
 * that implement them (py_runtime.c, py_kernel.c, py_serve.c, py_wait.c). */
#ifndef PY_RUNTIME_H
#define PY_RUNTIME_H

#include <stdatomic.h>

#include "rkpy.h"
#include "py_cid_set.h"

#include "ringkernel/runtime.h"

/* RingKernel. One KernelHandle per kernel (kernels dict), so per-kernel binding state
 * (the reply stash) is shared by everyone holding the kernel. */
typedef struct {
  PyObject_HEAD
  rk_runtime_t *rt;
  PyObject *kernels;    /* dict: kernel id (str) -> KernelHandle */
  PyObject *handlers;   /* dict: kernel id (str) -> callable, for script kernels */
  PyObject *dispatcher; /* ringkernel._aio.Dispatcher once asyncio is used, else NULL */
  PyObject *weakrefs;
} rkpy_runtime;

/* KernelHandle. The rk_kernel_t stays valid while the runtime object lives (it is only
 * freed by rk_runtime_destroy), which the strong reference guarantees. */
typedef struct {
  PyObject_HEAD
  rkpy_runtime *runtime;
  rk_kernel_t *k;
  PyObject *stash;      /* list: replies taken out of the C queue but not yet claimed, oldest
                           first (set aside by whoever met them while looking for another) */
  rkpy_cid_set pending; /* correlation ids of requests in flight; receive() leaves their
                           replies to the requests */
  /* The stash's hand-off between threads: whoever sets a reply aside bumps stash_gen and
   * wakes the threads blocked in a wait on this kernel (waiters counts them): without it
   * a receive_sync could sleep until its timeout beside its reply in the stash. */
  _Atomic uint64_t stash_gen;
  _Atomic uint32_t waiters;
} rkpy_kernel;

/* The handle for k, created on first use and cached in runtime->kernels (new ref). */
PyObject *rkpy_kernel_handle(rkpy_runtime *runtime, rk_kernel_t *k);

/* One blocking step of a wait, run without the GIL for at most slice_ns (>= 0). */
typedef rk_status_t (*rkpy_wait_step)(void *ctx, int64_t slice_ns);

/* Runs step in slices until it returns something other than RK_ETIMEDOUT or timeout_ns
 * (< 0: forever) has passed, releasing the GIL during each slice and running signal
 * handlers between slices (Ctrl-C raises KeyboardInterrupt). Returns the last status, or
 * RK_EINTR with a Python exception set when a signal handler raised. */
rk_status_t rkpy_wait(rkpy_wait_step step, void *ctx, int64_t timeout_ns);

/* rkpy_wait up to an absolute rkpy_now_ns() deadline (< 0: none); once it has passed,
 * one step(ctx, 0) with the GIL held (its own status, no timeout message). */
rk_status_t rkpy_wait_until(rkpy_wait_step step, void *ctx, int64_t deadline);

/* CLOCK_MONOTONIC in nanoseconds. */
int64_t rkpy_now_ns(void);

/* Result of an awaitable method: ringkernel._aio.<fn>(*args) (a coroutine). */
PyObject *rkpy_aio_call(rkpy_state *st, const char *fn, PyObject *args);
/* The same for a method's call: ringkernel._aio.<fn>(first, args, kwds), NULLs as None. */
PyObject *rkpy_aio_call_args(rkpy_state *st, const char *fn, PyObject *first, PyObject *args,
                             PyObject *kwds);

/* The state of a RingKernel / KernelHandle instance. */
rkpy_state *rkpy_runtime_state(PyObject *obj);

#endif /* PY_RUNTIME_H */
