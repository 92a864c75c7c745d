/* kernel_process.c — running a C handler over one message, and the handler context
 * (rk_ctx_*) it sees.
 */
#include <string.h>

#include "runtime_internal.h"

struct rk_handler_ctx {
  rk_kernel_t *k;
  rk_message_t *msg; /* the worker's until moved on (consumed): then not touched again */
  bool consumed;
  uint64_t processed_before;
  uint32_t produced; /* replies published */
  const char *detail;
  char detail_buf[RK_DEAD_LETTER_DETAIL_MAX];
};

/* The kernel whose C handler this thread is running now, if any: terminate and shutdown
 * wait for running handlers to finish, so a handler must not call them on itself. */
static _Thread_local rk_kernel_t *rki_running_handler;

rk_kernel_t *rki_current_handler_kernel(void) { return rki_running_handler; }

rk_status_t rki_kernel_process(rk_kernel_t *k, rk_message_t *msg, uint64_t processed_before,
                               uint32_t *produced, bool *consumed) {
  rk_handler_ctx_t ctx;
  ctx.k = k;
  ctx.msg = msg;
  ctx.consumed = false;
  ctx.processed_before = processed_before;
  ctx.produced = 0;
  ctx.detail = NULL;
  rk_kernel_t *outer = rki_running_handler;
  rki_running_handler = k;
  rk_status_t st = k->handler.fn(&ctx, &msg->hdr, msg->payload, msg->len, k->handler.user);
  rki_running_handler = outer;
  *produced = ctx.produced;
  *consumed = ctx.consumed; /* only ever with RK_OK: a failed move leaves msg here */
  if (st != RK_OK && st != RK_EAGAIN)
    rki_dead_letter_add(k, &msg->hdr, st, ctx.detail ? ctx.detail : rk_status_str(st));
  return st;
}

rk_status_t rk_ctx_reply_typed(rk_handler_ctx_t *ctx, uint64_t message_type, const void *payload,
                               size_t len) {
  if (!ctx) return rki_fail(RK_EINVAL, "ctx is NULL");
  if (len && !payload) return rk_ctx_fail(ctx, RK_EINVAL, "reply payload is NULL");
  if (len > RK_MAX_PAYLOAD_SIZE) {
    snprintf(ctx->detail_buf, sizeof ctx->detail_buf, "reply payload %zu bytes > max %d", len,
             RK_MAX_PAYLOAD_SIZE);
    return rk_ctx_fail(ctx, RK_ETOOBIG, ctx->detail_buf);
  }
  rk_kernel_t *k = ctx->k;
  const rk_message_header_t *req = &ctx->msg->hdr;
  /* The header is written once, in the reply's own block. */
  rk_message_t *m = rki_message_alloc(k->rt->pool, len);
  if (!m) return rk_ctx_fail(ctx, RK_ENOMEM, "reply: out of memory");
  rk_message_header_init(&m->hdr, message_type, k->num, req->source_kernel, len,
                         rki_kernel_stamp(k, req));
  m->hdr.correlation_id = req->correlation_id;
  if (len) memcpy(m->payload, payload, len);
  rk_status_t st = rki_cpu_push_output(k->actor, m);
  if (st != RK_OK) {
    rk_message_free(m);
    snprintf(ctx->detail_buf, sizeof ctx->detail_buf, "reply: Queue full (capacity: %u)",
             k->opts.output_capacity);
    return rk_ctx_fail(ctx, st, ctx->detail_buf);
  }
  ctx->produced++;
  return RK_OK;
}

rk_status_t rk_ctx_reply(rk_handler_ctx_t *ctx, const void *payload, size_t len) {
  if (!ctx) return rki_fail(RK_EINVAL, "ctx is NULL");
  return rk_ctx_reply_typed(ctx, ctx->msg->hdr.message_type, payload, len);
}

/* A handler's send to `to`, a CPU actor of the same runtime: the message is written once,
 * in its own block (or, for forward, the current message gets the new header), and moved
 * into to's input. On failure nothing was sent and the current message is as it was. */
static rk_status_t deliver_direct(rk_handler_ctx_t *ctx, rk_kernel_t *to, uint64_t message_type,
                                  const void *payload, size_t len, rk_hlc_timestamp_t stamp,
                                  rk_message_t **move) {
  rk_kernel_t *k = ctx->k;
  rk_message_t *m = rki_message_movable(move, payload, len, k->rt->pool);
  bool moving = m != NULL;
  uint64_t correlation = ctx->msg->hdr.correlation_id;
  rk_message_header_t old;
  if (moving) {
    old = m->hdr;
  } else {
    m = rki_message_alloc(k->rt->pool, len);
    if (!m) return RK_ENOMEM;
    if (len) memcpy(m->payload, payload, len);
  }
  rk_message_header_init(&m->hdr, message_type, k->num, to->num, len, stamp);
  m->hdr.correlation_id = correlation;
  rk_status_t st = rki_kernel_deliver_owned(to, m);
  if (st == RK_OK) {
    if (moving) *move = NULL;
  } else if (moving) {
    m->hdr = old;
  } else {
    rk_message_free(m);
  }
  return st;
}

/* The lock-free path of a handler's K2K send (rki_k2k_target): RK_OK or RK_EAGAIN settle
 * the send; anything else (no memoized kernel target, or it refused) leaves it to the
 * broker's full path, which also says why. */
static rk_status_t send_direct(rk_handler_ctx_t *ctx, const char *dest, uint64_t message_type,
                               const void *payload, size_t len, rk_hlc_timestamp_t stamp,
                               rk_message_t **move) {
  rk_kernel_t *k = ctx->k;
  if (!dest || len > RK_MAX_PAYLOAD_SIZE || (len && !payload)) return RK_ENOTFOUND;
  uint32_t hops = 0;
  rk_kernel_t *to = rki_k2k_target(k->rt->broker, &k->k2k_memo, dest, &hops);
  if (!to || to->rt != k->rt || to->ops != k->rt->cpu_ops) return RK_ENOTFOUND;
  rk_status_t st = deliver_direct(ctx, to, message_type, payload, len, stamp, move);
  if (st == RK_OK || st == RK_EAGAIN)
    rki_k2k_count_direct(k->rt->broker,
                         st == RK_OK ? RK_DELIVERY_DELIVERED : RK_DELIVERY_QUEUE_FULL, hops);
  return st;
}

static rk_status_t send_k2k(rk_handler_ctx_t *ctx, const char *dest, uint64_t message_type,
                            const void *payload, size_t len, rk_message_t **move) {
  rk_kernel_t *k = ctx->k;
  if (!k->rt->broker) return rk_ctx_fail(ctx, RK_EUNSUPPORTED, "K2K is disabled in this runtime");
  rk_hlc_timestamp_t stamp = rki_kernel_stamp(k, &ctx->msg->hdr);
  rk_status_t direct = send_direct(ctx, dest, message_type, payload, len, stamp, move);
  if (direct == RK_OK) return RK_OK;
  if (direct == RK_EAGAIN) {
    ctx->detail = "K2K delivery: destination queue full";
    return RK_EAGAIN;
  }
  rki_clear_error();
  rk_message_header_t h;
  rk_message_header_init(&h, message_type, k->num, 0, len, stamp);
  h.correlation_id = ctx->msg->hdr.correlation_id;
  rk_delivery_receipt_t r;
  rk_status_t st =
      rki_k2k_send(k->rt->broker, k->id, dest, &h, payload, len, false, &stamp, move, &r);
  if (st != RK_OK) return st;
  st = rki_delivery_to_status(r.status);
  if (st == RK_EAGAIN) {
    /* Hot when a destination stays full (the runtime retries): a fixed text, no format. */
    ctx->detail = "K2K delivery: destination queue full";
    return st;
  }
  if (st != RK_OK) {
    snprintf(ctx->detail_buf, sizeof ctx->detail_buf, "K2K delivery %s -> %s: %s (%s)", k->id,
             dest ? dest : "(null)", rk_delivery_status_name(r.status), rk_last_error());
    return rk_ctx_fail(ctx, st, ctx->detail_buf);
  }
  return RK_OK;
}

rk_status_t rk_ctx_send_k2k(rk_handler_ctx_t *ctx, const char *dest, uint64_t message_type,
                            const void *payload, size_t len) {
  if (!ctx) return rki_fail(RK_EINVAL, "ctx is NULL");
  return send_k2k(ctx, dest, message_type, payload, len, NULL);
}

rk_status_t rki_ctx_forward(rk_handler_ctx_t *ctx, const char *dest) {
  rk_message_t *m = ctx->msg;
  rk_status_t st = send_k2k(ctx, dest, m->hdr.message_type, m->payload, m->len, &m);
  ctx->consumed = m == NULL;
  return st;
}

rk_status_t rk_ctx_fail(rk_handler_ctx_t *ctx, rk_status_t status, const char *detail) {
  if (!ctx) return status;
  if (detail != ctx->detail_buf)
    snprintf(ctx->detail_buf, sizeof ctx->detail_buf, "%s", detail ? detail : "");
  ctx->detail = ctx->detail_buf;
  return status;
}

rk_kernel_t *rk_ctx_kernel(rk_handler_ctx_t *ctx) {
  return ctx ? ctx->k : NULL;
}

uint64_t rk_ctx_messages_processed(const rk_handler_ctx_t *ctx) {
  return ctx ? ctx->processed_before : 0;
}

void **rk_ctx_state(rk_handler_ctx_t *ctx) {
  return ctx ? &ctx->k->handler_state : NULL;
}

const char *rk_ctx_forward_to(const rk_handler_ctx_t *ctx) {
  return ctx ? ctx->k->forward_to : "";
}
