/* status.c — names and messages of rk_status_t, and the per-thread detail text. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rk_internal.h"

static _Thread_local char rki_error_text[1024];

const char *rk_status_name(rk_status_t status) {
  switch (status) {
  case RK_OK: return "RK_OK";
  case RK_EINVAL: return "RK_EINVAL";
  case RK_ENOMEM: return "RK_ENOMEM";
  case RK_EAGAIN: return "RK_EAGAIN";
  case RK_ETIMEDOUT: return "RK_ETIMEDOUT";
  case RK_ENOTFOUND: return "RK_ENOTFOUND";
  case RK_EEXIST: return "RK_EEXIST";
  case RK_ESTATE: return "RK_ESTATE";
  case RK_ESHUTDOWN: return "RK_ESHUTDOWN";
  case RK_ETOOBIG: return "RK_ETOOBIG";
  case RK_EMALFORMED: return "RK_EMALFORMED";
  case RK_EVALIDATION: return "RK_EVALIDATION";
  case RK_ECLOCKSKEW: return "RK_ECLOCKSKEW";
  case RK_EMEMLIMIT: return "RK_EMEMLIMIT";
  case RK_ERESERVATION: return "RK_ERESERVATION";
  case RK_ENODEVICE: return "RK_ENODEVICE";
  case RK_ECUDA: return "RK_ECUDA";
  case RK_ECOMPILE: return "RK_ECOMPILE";
  case RK_EGPUMEM: return "RK_EGPUMEM";
  case RK_EMAXHOPS: return "RK_EMAXHOPS";
  case RK_EHANDLER: return "RK_EHANDLER";
  case RK_EFAILED: return "RK_EFAILED";
  case RK_EINTR: return "RK_EINTR";
  case RK_EUNSUPPORTED: return "RK_EUNSUPPORTED";
  case RK_EIO: return "RK_EIO";
  case RK_ESTUCK: return "RK_ESTUCK";
  }
  return "RK_UNKNOWN";
}

const char *rk_status_str(rk_status_t status) {
  switch (status) {
  case RK_OK: return "success";
  case RK_EINVAL: return "invalid argument";
  case RK_ENOMEM: return "out of host memory";
  case RK_EAGAIN: return "queue full or empty; try again";
  case RK_ETIMEDOUT: return "timed out";
  case RK_ENOTFOUND: return "not found";
  case RK_EEXIST: return "already exists";
  case RK_ESTATE: return "invalid state for this operation";
  case RK_ESHUTDOWN: return "shut down";
  case RK_ETOOBIG: return "size above limit";
  case RK_EMALFORMED: return "malformed bytes";
  case RK_EVALIDATION: return "validation failed";
  case RK_ECLOCKSKEW: return "clock skew too large";
  case RK_EMEMLIMIT: return "memory limit exceeded";
  case RK_ERESERVATION: return "reservation does not fit";
  case RK_ENODEVICE: return "no CUDA device available";
  case RK_ECUDA: return "CUDA call failed";
  case RK_ECOMPILE: return "handler compilation failed";
  case RK_EGPUMEM: return "out of GPU memory";
  case RK_EMAXHOPS: return "maximum K2K hops exceeded";
  case RK_EHANDLER: return "handler failed";
  case RK_EFAILED: return "runtime in failed state";
  case RK_EINTR: return "interrupted";
  case RK_EUNSUPPORTED: return "not supported";
  case RK_EIO: return "system call failed";
  case RK_ESTUCK: return "GPU actor did not stop in time";
  }
  return "unknown status";
}

const char *rk_last_error(void) { return rki_error_text; }

void rki_clear_error(void) { rki_error_text[0] = '\0'; }

rk_status_t rki_fail(rk_status_t status, const char *fmt, ...) {
  /* Format into a scratch buffer first: callers often pass rk_last_error() itself as an
   * argument to add context, and vsnprintf must not read the buffer it is writing. */
  char scratch[sizeof rki_error_text];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(scratch, sizeof scratch, fmt, ap);
  va_end(ap);
  memcpy(rki_error_text, scratch, sizeof scratch);
  return status;
}

_Noreturn void rki_assert_failed(const char *expr, const char *file, int line) {
  fprintf(stderr, "ringkernel: invariant broken: %s at %s:%d\n", expr, file, line);
  abort();
}

void rk_last_error_set_timeout(int64_t timeout_ns) {
  char *cut = strstr(rki_error_text, "timed out after");
  if (cut) *cut = '\0';
  size_t kept = strlen(rki_error_text);
  const char *sep = (kept == 0 || cut) ? "" : ": ";
  snprintf(rki_error_text + kept, sizeof rki_error_text - kept, "%stimed out after %.6g s", sep,
           (double)timeout_ns / 1e9);
}
