/* ringkernel/message.h — the 256-byte wire header, message ids and envelopes.
 *
 * Wire format (little-endian, the host order; message.c asserts a little-endian host):
 * the 256-byte header below, then payload_size bytes of payload. The header's in-memory
 * layout IS the wire layout; message.c static-asserts its size and every offset.
 * Alignment: the layout is designed for 64-byte alignment (four cache lines); ring slots
 * place headers on 64-byte boundaries. The type itself carries no alignment attribute so
 * LuaJIT's FFI can parse this header; C code that needs the alignment asks for it
 * (RK_HEADER_ALIGN) where it allocates.
 */
#ifndef RINGKERNEL_MESSAGE_H
#define RINGKERNEL_MESSAGE_H

#include "ringkernel/api.h"
#include "ringkernel/hlc.h"
#include "ringkernel/status.h"

RK_EXTERN_C_BEGIN

#define RK_MAX_PAYLOAD_SIZE 65536
#define RK_MESSAGE_MAGIC 0x52494E474B45524EULL /* "RINGKERN" */
#define RK_MESSAGE_VERSION 1
#define RK_HEADER_SIZE 256
#define RK_HEADER_ALIGN 64

typedef enum rk_priority {
  RK_PRIORITY_LOW = 0,
  RK_PRIORITY_NORMAL = 1,
  RK_PRIORITY_HIGH = 2,
  RK_PRIORITY_CRITICAL = 3,
} rk_priority_t;

typedef struct rk_message_header {
  uint64_t magic;                /*   0: RK_MESSAGE_MAGIC */
  uint32_t version;              /*   8: <= RK_MESSAGE_VERSION */
  uint32_t flags;                /*  12 */
  uint64_t message_id;           /*  16 */
  uint64_t correlation_id;       /*  24: 0 = none */
  uint64_t source_kernel;        /*  32: 0 = host */
  uint64_t dest_kernel;          /*  40: 0 = host */
  uint64_t message_type;         /*  48 */
  uint8_t priority;              /*  56: rk_priority_t */
  uint8_t reserved0[7];          /*  57 */
  uint64_t payload_size;         /*  64: <= RK_MAX_PAYLOAD_SIZE */
  uint32_t checksum;             /*  72: CRC32C of the payload; 0 = not set */
  uint32_t reserved1;            /*  76 */
  rk_hlc_timestamp_t timestamp;  /*  80 */
  rk_hlc_timestamp_t deadline;   /* 104: all zero = none */
  uint8_t reserved2[128];        /* 128: zero */
} rk_message_header_t;

/* A fresh id, shared by message ids, correlation ids and new headers: unique in the
 * process and >= 1; each thread's ids increase (threads take blocks of ids from one
 * process-wide counter, so ids of different threads are not ordered). Any thread;
 * lock-free. */
RK_API uint64_t rk_message_id_generate(void);

/* Fills *hdr: magic, version 1, flags 0, a fresh message id, no correlation, priority
 * Normal, checksum 0, no deadline, reserved bytes zero, and the given fields.
 * payload_size is stored as given (rk_message_header_validate checks it). */
RK_API void rk_message_header_init(rk_message_header_t *hdr, uint64_t message_type,
                                   uint64_t source_kernel, uint64_t dest_kernel,
                                   uint64_t payload_size, rk_hlc_timestamp_t timestamp);

/* RK_OK, or RK_EVALIDATION with detail "Validation failed: <why>" when the magic does not
 * match, version > RK_MESSAGE_VERSION or payload_size > RK_MAX_PAYLOAD_SIZE (NULL hdr:
 * RK_EINVAL). */
RK_API rk_status_t rk_message_header_validate(const rk_message_header_t *hdr);

/* CRC32C (Castagnoli). seed is a previous result to continue a running checksum, 0 to
 * start: rk_crc32c(rk_crc32c(0, a, n), b, m) == CRC32C of a then b.
 * rk_crc32c(0, "123456789", 9) == 0xE3069283. Uses SSE4.2 when the CPU has it. */
RK_API uint32_t rk_crc32c(uint32_t seed, const void *data, size_t len);

/* Sets hdr->payload_size = len and hdr->checksum = CRC32C of the payload. */
RK_API rk_status_t rk_message_header_seal(rk_message_header_t *hdr, const void *payload,
                                          size_t len);

/* Writes the header then the payload into out (out_cap bytes), with payload_size set to
 * payload_len (so every envelope round-trips); other header fields are written as given.
 * *written = RK_HEADER_SIZE + payload_len. Errors: RK_ETOOBIG (payload_len >
 * RK_MAX_PAYLOAD_SIZE), RK_EINVAL (out_cap too small, NULL pointers). Does not block. */
RK_API rk_status_t rk_envelope_serialize(const rk_message_header_t *hdr, const void *payload,
                                         size_t payload_len, void *out, size_t out_cap,
                                         size_t *written);

/* Parses bytes from the wire. Never reads past data + len. On success *hdr_out is a copy
 * of the header and *payload_out points INTO data (borrowed; valid while data is) with
 * *payload_len_out = payload_size bytes; trailing bytes beyond that are ignored.
 * Errors: RK_EMALFORMED "Deserialization failed: buffer too small for header" (len <
 * 256) or "...for payload" (len < 256 + payload_size); RK_EVALIDATION "Validation
 * failed: ..." for a bad header or a non-zero checksum that does not match. */
RK_API rk_status_t rk_envelope_parse(const void *data, size_t len,
                                     rk_message_header_t *hdr_out, const void **payload_out,
                                     size_t *payload_len_out);

RK_EXTERN_C_END

#endif /* RINGKERNEL_MESSAGE_H */
