/* rk_internal.h — helpers shared by every runtime source file (rki_* prefix). */
#ifndef RK_INTERNAL_H
#define RK_INTERNAL_H

#include <stdio.h>
#include <stdlib.h>

#include "ringkernel/status.h"

/* Records the detail text for the calling thread (see rk_last_error) and returns
 * `status`, so error paths read `return rki_fail(RK_EINVAL, "capacity %zu > %zu", ...)`. */
rk_status_t rki_fail(rk_status_t status, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Clears the calling thread's detail text (successful calls need not call it). */
void rki_clear_error(void);

/* Broken invariants: never for recoverable errors (those return a status). */
#define RKI_ASSERT(cond)                                                                 \
  do {                                                                                   \
    if (!(cond)) rki_assert_failed(#cond, __FILE__, __LINE__);                           \
  } while (0)
_Noreturn void rki_assert_failed(const char *expr, const char *file, int line);

#define RKI_CACHELINE 64

#endif /* RK_INTERNAL_H */
