/* ringkernel/status.h — the one list of status codes.
 *
 * Every fallible function returns rk_status_t: RK_OK (0) or a negative code from this
 * list. An error return means no ownership moved and no callback will run; the caller
 * still owns whatever it passed in. Detail text (which value, which limit) lives on the
 * object that failed (e.g. rk_runtime_last_error) or in the thread's last-error buffer
 * (rk_last_error), never in errno.
 */
#ifndef RINGKERNEL_STATUS_H
#define RINGKERNEL_STATUS_H

#include "ringkernel/api.h"

RK_EXTERN_C_BEGIN

typedef enum rk_status {
  RK_OK = 0,
  RK_EINVAL = -1,          /* bad argument: value out of range, NULL, wrong size */
  RK_ENOMEM = -2,          /* host allocation failed */
  RK_EAGAIN = -3,          /* would block: queue full (send) or empty (receive) */
  RK_ETIMEDOUT = -4,       /* a blocking wait ran out of time */
  RK_ENOTFOUND = -5,       /* unknown kernel, route, handler or key */
  RK_EEXIST = -6,          /* duplicate id or name */
  RK_ESTATE = -7,          /* invalid lifecycle transition or call in the wrong state */
  RK_ESHUTDOWN = -8,       /* the runtime (or kernel) is shut down / terminated */
  RK_ETOOBIG = -9,         /* payload or size above its limit */
  RK_EMALFORMED = -10,     /* bytes that do not parse: short buffer */
  RK_EVALIDATION = -11,    /* parsed but invalid: bad magic, version, size field */
  RK_ECLOCKSKEW = -12,     /* HLC update beyond the allowed drift */
  RK_EMEMLIMIT = -13,      /* resource guard: estimate exceeds what is available */
  RK_ERESERVATION = -14,   /* resource guard: reservation does not fit */
  RK_ENODEVICE = -15,      /* no usable CUDA device / driver */
  RK_ECUDA = -16,          /* a CUDA runtime/driver call failed */
  RK_ECOMPILE = -17,       /* NVRTC compilation failed (log in the detail text) */
  RK_EGPUMEM = -18,        /* device memory allocation failed or pool exhausted */
  RK_EMAXHOPS = -19,       /* K2K route longer than max_hops */
  RK_EHANDLER = -20,       /* a handler reported failure; message dead-lettered */
  RK_EFAILED = -21,        /* the runtime is in a failed (sticky error) state */
  RK_EINTR = -22,          /* a blocking wait was interrupted (signal / cancel) */
  RK_EUNSUPPORTED = -23,   /* feature not built in or not available on this backend */
  RK_EIO = -24,            /* a system call failed (eventfd, thread creation, file) */
  RK_ESTUCK = -25,         /* a GPU actor did not stop within the timeout */
} rk_status_t;

/* Symbolic name ("RK_EAGAIN"); "RK_UNKNOWN" for values outside the list. Never NULL. */
RK_API const char *rk_status_name(rk_status_t status);
/* Short English message ("queue full"). Never NULL. */
RK_API const char *rk_status_str(rk_status_t status);

/* Per-thread detail text of the last failing call made on this thread; "" when none.
 * Valid until the next ringkernel call on the same thread. */
RK_API const char *rk_last_error(void);

/* For bindings that wait in slices (to stay interruptible): rewrites the calling thread's
 * detail text so a timeout names the caller's whole wait ("... timed out after 0.3 s")
 * instead of the last slice. Text before the slice's "timed out after" is kept. */
RK_API void rk_last_error_set_timeout(int64_t timeout_ns);

RK_EXTERN_C_END

#endif /* RINGKERNEL_STATUS_H */
