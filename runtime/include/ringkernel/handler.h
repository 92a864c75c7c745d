/* ringkernel/handler.h — C message handlers for CPU actors, registered by name.
 *
 * A kernel's handler runs on a runtime worker thread, one message at a time per kernel
 * (never two workers on one kernel at once), so per-kernel state needs no locking.
 * Returning RK_OK counts the message as processed. Returning RK_EAGAIN means "not now"
 * (back-pressure, e.g. a full K2K destination): the kernel keeps the message and runs the
 * same message again about 100 µs later, before any newer one, so order is kept; a
 * handler that returns RK_EAGAIN must not have done anything it cannot repeat. Any other
 * error dead-letters the message with that status and the detail text set through
 * rk_ctx_fail() (or the status's own text); the kernel keeps serving.
 *
 * Built-ins (registered before any runtime exists):
 *   "echo"    replies the payload unchanged (the default handler).
 *   "sum"     payload = little-endian float64 array -> replies one float64 (the sum).
 *             When the message type is RK_SUM_TYPE_INT64 the payload is an int64 array
 *             and the reply one int64 (wrapping on overflow). A length that is not a
 *             multiple of 8 is a handler error (RK_EINVAL, dead-lettered).
 *   "count"   replies the kernel's running count of messages processed, including this
 *             one, as a little-endian u64.
 *   "forward" sends the message on (same type, payload, correlation id) through K2K to
 *             the kernel named by the launch option forward_to; no reply. A full
 *             destination is back-pressure (RK_EAGAIN: retried, order kept); a missing
 *             destination (or too many hops) dead-letters the message with the delivery
 *             status in the detail.
 * "script" is reserved: kernels launched with it are served by the script loop
 * (rk_runtime_next_script_work) and never run on a worker.
 */
#ifndef RINGKERNEL_HANDLER_H
#define RINGKERNEL_HANDLER_H

#include "ringkernel/api.h"
#include "ringkernel/status.h"
#include "ringkernel/message.h"
#include "ringkernel/kernel.h"

RK_EXTERN_C_BEGIN

/* Handler context: valid only during the handler call that received it. */
typedef struct rk_handler_ctx rk_handler_ctx_t;

typedef rk_status_t (*rk_handler_fn)(rk_handler_ctx_t *ctx, const rk_message_header_t *hdr,
                                     const void *payload, size_t len, void *user);

enum {
  RK_HANDLER_NAME_MAX = 64,
  RK_SUM_TYPE_INT64 = 0x53554D49, /* "SUMI": the sum handler reads int64 values */
};

/* Registers fn under name (1..64 bytes) in the process-wide registry; user is passed to
 * every call. RK_EEXIST when the name is taken (built-ins included), RK_EINVAL for a
 * bad name or NULL fn. Kernels resolve their handler at launch, so re-registering a name
 * does not affect kernels already launched. Any thread. */
RK_API rk_status_t rk_handler_register(const char *name, rk_handler_fn fn, void *user);

/* Removes a user handler; RK_ENOTFOUND when absent, RK_EINVAL for built-ins and
 * "script". Kernels already launched keep the function they resolved. */
RK_API rk_status_t rk_handler_unregister(const char *name);

/* true when name is registered (or is "script"). */
RK_API bool rk_handler_exists(const char *name);

/* Replies to the current message through the kernel's output queue: the reply carries the
 * request's message type and correlation id and the kernel's HLC stamp; source = this
 * kernel, dest = the request's source. RK_EAGAIN "Queue full (capacity: N)" when the
 * output is full (the handler decides: return it to dead-letter the request). */
RK_API rk_status_t rk_ctx_reply(rk_handler_ctx_t *ctx, const void *payload, size_t len);

/* Same with an explicit message type. */
RK_API rk_status_t rk_ctx_reply_typed(rk_handler_ctx_t *ctx, uint64_t message_type,
                                      const void *payload, size_t len);

/* Sends to another kernel through the runtime's K2K broker without blocking; the message
 * carries the current message's correlation id. dest is a string id. Returns RK_OK on
 * delivery, RK_ENOTFOUND, RK_EAGAIN (destination full), RK_EMAXHOPS. */
RK_API rk_status_t rk_ctx_send_k2k(rk_handler_ctx_t *ctx, const char *dest, uint64_t message_type,
                                   const void *payload, size_t len);

/* Records the detail text that goes with an error return, and returns status, so a
 * handler ends with `return rk_ctx_fail(ctx, RK_EINVAL, "payload 5 bytes: not a multiple
 * of 8");`. */
RK_API rk_status_t rk_ctx_fail(rk_handler_ctx_t *ctx, rk_status_t status, const char *detail);

RK_API rk_kernel_t *rk_ctx_kernel(rk_handler_ctx_t *ctx);
/* Messages this kernel has processed before the current one. */
RK_API uint64_t rk_ctx_messages_processed(const rk_handler_ctx_t *ctx);
/* A per-kernel slot the handler may use for its own state (starts NULL; the handler owns
 * what it stores, the runtime never frees it). */
RK_API void **rk_ctx_state(rk_handler_ctx_t *ctx);
/* The launch option forward_to ("" when unset). */
RK_API const char *rk_ctx_forward_to(const rk_handler_ctx_t *ctx);

RK_EXTERN_C_END

#endif /* RINGKERNEL_HANDLER_H */
