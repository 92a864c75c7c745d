/* py_wait.c — blocking waits that release the GIL and stay interruptible by Ctrl-C,
 * and the bridge to the asyncio helpers of ringkernel._aio. */
#include "py_runtime.h"

#include <time.h>

/* Long enough to cost nothing, short enough that Ctrl-C feels immediate. */
#define RKPY_WAIT_SLICE_NS 50000000LL

int64_t rkpy_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The clock is read once before the first slice and after each slice that ended
 * without an answer: on the GPU host's VM a clock read is not free, and a request's
 * reply usually ends the first slice. */
rk_status_t rkpy_wait(rkpy_wait_step step, void *ctx, int64_t timeout_ns) {
  int64_t deadline = timeout_ns < 0 ? -1 : rkpy_now_ns() + timeout_ns;
  int64_t left = timeout_ns;
  for (;;) {
    int64_t slice = RKPY_WAIT_SLICE_NS;
    if (deadline >= 0) slice = left < 0 ? 0 : (left < slice ? left : slice);
    rk_status_t s;
    if (slice == 0) {
      s = step(ctx, 0);
    } else {
      Py_BEGIN_ALLOW_THREADS
      s = step(ctx, slice);
      Py_END_ALLOW_THREADS
    }
    if (s != RK_ETIMEDOUT && s != RK_EAGAIN && s != RK_EINTR) return s;
    if (PyErr_CheckSignals() < 0) return RK_EINTR;
    if (deadline >= 0) {
      left = deadline - rkpy_now_ns();
      if (left <= 0) {
        /* A step the runtime's interrupt ended (kernel handles wake their waiters so when
         * a reply is set aside) gets the last look it was woken for, with the GIL held;
         * with nothing there the wait is the timeout it is. An RK_EINTR out of here
         * means a signal handler raised, as the header says. */
        if (s == RK_EINTR) s = step(ctx, 0);
        if (s != RK_ETIMEDOUT && s != RK_EAGAIN && s != RK_EINTR) return s;
        rk_last_error_set_timeout(timeout_ns); /* name the caller's timeout, not the slice */
        return RK_ETIMEDOUT;
      }
    }
  }
}

rk_status_t rkpy_wait_until(rkpy_wait_step step, void *ctx, int64_t deadline) {
  if (deadline < 0) return rkpy_wait(step, ctx, -1);
  int64_t left = deadline - rkpy_now_ns();
  return left <= 0 ? step(ctx, 0) : rkpy_wait(step, ctx, left);
}

PyObject *rkpy_aio_call(rkpy_state *st, const char *fn, PyObject *args) {
  if (!st->aio_module) {
    st->aio_module = PyImport_ImportModule("ringkernel._aio");
    if (!st->aio_module) return NULL;
  }
  PyObject *f = PyObject_GetAttrString(st->aio_module, fn);
  if (!f) return NULL;
  PyObject *r = PyObject_Call(f, args, NULL);
  Py_DECREF(f);
  return r;
}

PyObject *rkpy_aio_call_args(rkpy_state *st, const char *fn, PyObject *first, PyObject *args,
                             PyObject *kwds) {
  PyObject *a = Py_BuildValue("(OOO)", first, args ? args : Py_None, kwds ? kwds : Py_None);
  if (!a) return NULL;
  PyObject *r = rkpy_aio_call(st, fn, a);
  Py_DECREF(a);
  return r;
}
