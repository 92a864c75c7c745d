/* kernel_message.c — owned messages (rk_message_t): one pool block holding the 256-byte
 * header, the bookkeeping the runtime needs while it holds the message, and the payload.
 */
#include <string.h>

#include "runtime_internal.h"

rk_message_t *rki_message_alloc(rk_pool_t *pool, size_t len) {
  size_t size = sizeof(rk_message_t) + len;
  rk_message_t *m = rk_pool_alloc(pool, size);
  if (!m) return NULL;
  m->pool = pool;
  m->next = NULL;
  m->alloc_size = (uint32_t)size;
  m->len = (uint32_t)len;
  return m;
}

rk_message_t *rki_message_new(rk_pool_t *pool, const rk_message_header_t *hdr, const void *payload,
                              size_t len) {
  rk_message_t *m = rki_message_alloc(pool, len);
  if (!m) return NULL;
  m->hdr = *hdr;
  m->hdr.payload_size = len;
  if (len) memcpy(m->payload, payload, len);
  return m;
}

/* The header goes straight into the block (checked there): device backends build every
 * reply with this, so a copy through a local header was 256 bytes more per message. */
rk_status_t rk_message_create(const rk_message_header_t *hdr, const void *payload, size_t len,
                              rk_message_t **out) {
  if (out) *out = NULL;
  if (!out) return rki_fail(RK_EINVAL, "out is NULL");
  if (len > RK_MAX_PAYLOAD_SIZE)
    return rki_fail(RK_ETOOBIG, "payload %zu bytes > max %d", len, RK_MAX_PAYLOAD_SIZE);
  if (len && !payload) return rki_fail(RK_EINVAL, "payload is NULL with len %zu", len);
  rk_pool_t *pool = rk_pool_default();
  if (!pool) return RK_ENOMEM;
  rk_message_t *m = rki_message_alloc(pool, len);
  if (!m) return rki_fail(RK_ENOMEM, "message of %zu bytes: out of memory", len);
  if (!hdr || hdr->magic == 0) {
    rk_message_header_init(&m->hdr, hdr ? hdr->message_type : 0, 0, 0, len,
                           rk_hlc_timestamp_now(0));
  } else {
    m->hdr = *hdr;
    m->hdr.payload_size = len;
    rk_status_t st = rk_message_header_validate(&m->hdr);
    if (st != RK_OK) {
      rk_message_free(m);
      return st;
    }
  }
  if (len) memcpy(m->payload, payload, len);
  *out = m;
  return RK_OK;
}

const rk_message_header_t *rk_message_header(const rk_message_t *m) {
  return m ? &m->hdr : NULL;
}

const void *rk_message_payload(const rk_message_t *m) {
  return m ? m->payload : NULL;
}

size_t rk_message_payload_size(const rk_message_t *m) {
  return m ? m->len : 0;
}

void rk_message_free(rk_message_t *m) {
  if (m) rk_pool_free(m->pool, m, m->alloc_size);
}
