/* handlers_builtin.c — the handlers every runtime has: echo, sum, count, forward
 * (semantics in ringkernel/handler.h).
 */
#include <string.h>

#include "runtime_internal.h"

static rk_status_t echo(rk_handler_ctx_t *ctx, const rk_message_header_t *hdr, const void *payload,
                        size_t len, void *user) {
  (void)hdr;
  (void)user;
  return rk_ctx_reply(ctx, payload, len);
}

static rk_status_t sum(rk_handler_ctx_t *ctx, const rk_message_header_t *hdr, const void *payload,
                       size_t len, void *user) {
  (void)user;
  if (len % 8 != 0) {
    char why[96];
    snprintf(why, sizeof why, "sum: payload %zu bytes is not a multiple of 8", len);
    return rk_ctx_fail(ctx, RK_EINVAL, why);
  }
  const unsigned char *p = payload;
  if (hdr->message_type == RK_SUM_TYPE_INT64) {
    uint64_t total = 0; /* unsigned: wrapping overflow is defined */
    for (size_t i = 0; i < len; i += 8) {
      uint64_t v;
      memcpy(&v, p + i, 8);
      total += v;
    }
    return rk_ctx_reply(ctx, &total, sizeof total);
  }
  double total = 0.0;
  for (size_t i = 0; i < len; i += 8) {
    double v;
    memcpy(&v, p + i, 8);
    total += v;
  }
  return rk_ctx_reply(ctx, &total, sizeof total);
}

static rk_status_t count(rk_handler_ctx_t *ctx, const rk_message_header_t *hdr, const void *payload,
                         size_t len, void *user) {
  (void)hdr;
  (void)payload;
  (void)len;
  (void)user;
  uint64_t n = rk_ctx_messages_processed(ctx) + 1;
  return rk_ctx_reply(ctx, &n, sizeof n);
}

static rk_status_t forward(rk_handler_ctx_t *ctx, const rk_message_header_t *hdr,
                           const void *payload, size_t len, void *user) {
  (void)user;
  const char *dest = rk_ctx_forward_to(ctx);
  if (!*dest) return rk_ctx_fail(ctx, RK_EINVAL, "forward: launch option forward_to is not set");
  (void)hdr;
  (void)payload;
  (void)len;
  return rki_ctx_forward(ctx, dest); /* afterwards hdr and payload may be another kernel's */
}

void rki_handlers_register_builtins(void) {
  rki_handler_register_builtin("echo", echo);
  rki_handler_register_builtin("sum", sum);
  rki_handler_register_builtin("count", count);
  rki_handler_register_builtin("forward", forward);
}
