/* py_status.c — rk_status_t to the exception hierarchy of spec §2. */
#include "rkpy.h"

static PyObject *rkpy_exception_for(rkpy_state *st, rk_status_t s) {
  switch (s) {
  case RK_EINVAL:
  case RK_EVALIDATION:
  case RK_ETOOBIG: return PyExc_ValueError;
  case RK_ETIMEDOUT: return PyExc_TimeoutError;
  case RK_ENOMEM: return PyExc_MemoryError;
  case RK_EAGAIN: return st->QueueFullError;
  case RK_ESTATE: return st->KernelStateError;
  case RK_ENOTFOUND:
  case RK_EHANDLER:
  case RK_ESTUCK: return st->KernelError;
  case RK_EMEMLIMIT: return st->MemoryLimitError;
  case RK_ERESERVATION: return st->ReservationError;
  case RK_ENODEVICE: return st->CudaDeviceError;
  case RK_EGPUMEM: return st->CudaMemoryError;
  case RK_ECUDA:
  case RK_ECOMPILE: return st->CudaError;
  case RK_EMAXHOPS: return st->K2KDeliveryError;
  case RK_EINTR: return PyExc_InterruptedError;
  case RK_EIO: return PyExc_OSError;
  case RK_OK:
  case RK_EEXIST:
  case RK_ESHUTDOWN:
  case RK_EMALFORMED:
  case RK_ECLOCKSKEW:
  case RK_EFAILED:
  case RK_EUNSUPPORTED: return st->RingKernelError;
  }
  return st->RingKernelError;
}

PyObject *rkpy_raise_as(PyObject *exc_type, rk_status_t s) {
  const char *detail = rk_last_error();
  PyErr_SetString(exc_type, (detail && detail[0]) ? detail : rk_status_str(s));
  return NULL;
}

PyObject *rkpy_raise_status(rkpy_state *st, rk_status_t s) {
  /* A wait cut short by Ctrl-C reports the signal's own exception (KeyboardInterrupt). */
  if (s == RK_EINTR && PyErr_CheckSignals() < 0) return NULL;
  return rkpy_raise_as(rkpy_exception_for(st, s), s);
}
