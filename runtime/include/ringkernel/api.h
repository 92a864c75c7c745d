/* ringkernel/api.h — export macro and shared basics for every public header.
 *
 * Public headers hold declarations only and stay parseable by LuaJIT's FFI: no _Atomic,
 * no bitfields, no inline bodies.
 */
#ifndef RINGKERNEL_API_H
#define RINGKERNEL_API_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#if defined(RK_BUILDING_LIBRARY)
#define RK_API __attribute__((visibility("default")))
#else
#define RK_API
#endif

#ifdef __cplusplus
#define RK_EXTERN_C_BEGIN extern "C" {
#define RK_EXTERN_C_END }
#else
#define RK_EXTERN_C_BEGIN
#define RK_EXTERN_C_END
#endif

#endif /* RINGKERNEL_API_H */
