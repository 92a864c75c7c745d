/* test_message.c — header layout, ids, validation, CRC32C and envelope round trips. */
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "tests_common/rk_test.h"
#include "message_internal.h"
#include "ringkernel/message.h"
#include "ringkernel/ringkernel.h"

RK_TEST(header_layout_offsets) {
  CHECK_EQ_INT(sizeof(rk_message_header_t), 256);
  CHECK_EQ_INT(offsetof(rk_message_header_t, version), 8);
  CHECK_EQ_INT(offsetof(rk_message_header_t, flags), 12);
  CHECK_EQ_INT(offsetof(rk_message_header_t, message_id), 16);
  CHECK_EQ_INT(offsetof(rk_message_header_t, correlation_id), 24);
  CHECK_EQ_INT(offsetof(rk_message_header_t, source_kernel), 32);
  CHECK_EQ_INT(offsetof(rk_message_header_t, dest_kernel), 40);
  CHECK_EQ_INT(offsetof(rk_message_header_t, message_type), 48);
  CHECK_EQ_INT(offsetof(rk_message_header_t, priority), 56);
  CHECK_EQ_INT(offsetof(rk_message_header_t, payload_size), 64);
  CHECK_EQ_INT(offsetof(rk_message_header_t, checksum), 72);
  CHECK_EQ_INT(offsetof(rk_message_header_t, timestamp), 80);
  CHECK_EQ_INT(offsetof(rk_message_header_t, deadline), 104);
  CHECK_EQ_INT(offsetof(rk_message_header_t, reserved2), 128);
}

RK_TEST(ids_increase_within_a_thread) {
  uint64_t a = rk_message_id_generate(), b = rk_message_id_generate();
  CHECK(a >= 1);
  CHECK(b > a);
  rk_message_header_t h;
  rk_hlc_timestamp_t t = {1, 2, 3};
  rk_message_header_init(&h, 7, 0, 5, 64, t);
  CHECK(h.message_id > b); /* headers share the ids */
  uint64_t prev = h.message_id;
  for (int i = 0; i < 5000; i++) { /* across several of the thread's blocks */
    uint64_t id = rk_message_id_generate();
    CHECK(id > prev);
    prev = id;
  }
}

enum { ID_THREADS = 4, IDS_PER_THREAD = 5000 };

static void *take_ids(void *arg) {
  uint64_t *out = arg;
  for (int i = 0; i < IDS_PER_THREAD; i++)
    out[i] = rk_message_id_generate();
  return NULL;
}

static int cmp_id(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

RK_TEST(ids_are_unique_across_threads) {
  static uint64_t ids[ID_THREADS * IDS_PER_THREAD];
  pthread_t th[ID_THREADS];
  for (int t = 0; t < ID_THREADS; t++)
    pthread_create(&th[t], NULL, take_ids, &ids[t * IDS_PER_THREAD]);
  for (int t = 0; t < ID_THREADS; t++)
    pthread_join(th[t], NULL);
  qsort(ids, ID_THREADS * IDS_PER_THREAD, sizeof ids[0], cmp_id);
  CHECK(ids[0] >= 1);
  for (int i = 1; i < ID_THREADS * IDS_PER_THREAD; i++)
    CHECK(ids[i] > ids[i - 1]);
}

RK_TEST(header_init_fields_and_wire_bytes) {
  rk_message_header_t h;
  memset(&h, 0xAB, sizeof h);
  rk_hlc_timestamp_t t = {1000, 2, 9};
  rk_message_header_init(&h, 42, 1, 2, 100, t);
  CHECK_EQ_U64(h.magic, RK_MESSAGE_MAGIC);
  CHECK_EQ_INT(h.version, 1);
  CHECK_EQ_INT(h.flags, 0);
  CHECK_EQ_U64(h.correlation_id, 0);
  CHECK_EQ_U64(h.source_kernel, 1);
  CHECK_EQ_U64(h.dest_kernel, 2);
  CHECK_EQ_U64(h.message_type, 42);
  CHECK_EQ_INT(h.priority, RK_PRIORITY_NORMAL);
  CHECK_EQ_U64(h.payload_size, 100);
  CHECK_EQ_U64(h.checksum, 0);
  CHECK_EQ_U64(h.timestamp.physical, 1000);
  CHECK_EQ_U64(h.deadline.physical, 0);
  const unsigned char *b = (const unsigned char *)&h;
  /* magic stored little-endian: "NREKGNIR" */
  CHECK_EQ_INT(b[0], 0x4E);
  CHECK_EQ_INT(b[7], 0x52);
  int nonzero = 0;
  for (int i = 128; i < 256; i++) nonzero += b[i] != 0;
  for (int i = 57; i < 64; i++) nonzero += b[i] != 0;
  CHECK_EQ_INT(nonzero, 0);
}

/* rk_message_create with a caller's header: every field kept but payload_size (the
 * payload's length), the payload copied; a bad header is refused without a message. */
RK_TEST(create_from_a_given_header) {
  rk_message_header_t h;
  rk_message_header_init(&h, 77, 3, 4, 999, (rk_hlc_timestamp_t){5000, 6, 7});
  h.correlation_id = 1234;
  h.flags = 2;
  h.reserved2[5] = 0x11;
  rk_message_t *m = NULL;
  CHECK_OK(rk_message_create(&h, "payload", 7, &m));
  if (!m) return;
  rk_message_header_t want = h;
  want.payload_size = 7;
  CHECK(memcmp(rk_message_header(m), &want, sizeof want) == 0);
  CHECK_EQ_U64(rk_message_payload_size(m), 7);
  CHECK(memcmp(rk_message_payload(m), "payload", 7) == 0);
  rk_message_free(m);

  h.magic = 1;
  m = NULL;
  CHECK_STATUS(rk_message_create(&h, "x", 1, &m), RK_EVALIDATION);
  CHECK(m == NULL);
  CHECK_CONTAINS(rk_last_error(), "bad magic");
  h.magic = RK_MESSAGE_MAGIC;
  h.version = RK_MESSAGE_VERSION + 1;
  CHECK_STATUS(rk_message_create(&h, "x", 1, &m), RK_EVALIDATION);
  CHECK(m == NULL);
  CHECK_CONTAINS(rk_last_error(), "unsupported version");
}

RK_TEST(validate_errors) {
  rk_message_header_t h;
  rk_hlc_timestamp_t t = {0, 0, 0};
  rk_message_header_init(&h, 1, 0, 0, RK_MAX_PAYLOAD_SIZE, t);
  CHECK_OK(rk_message_header_validate(&h));
  h.payload_size = RK_MAX_PAYLOAD_SIZE + 1;
  CHECK_STATUS(rk_message_header_validate(&h), RK_EVALIDATION);
  CHECK_STR(rk_last_error(), "Validation failed: payload size 65537 exceeds maximum 65536");
  h.payload_size = 0;
  h.version = 2;
  CHECK_STATUS(rk_message_header_validate(&h), RK_EVALIDATION);
  CHECK_STR(rk_last_error(), "Validation failed: unsupported version 2 (max: 1)");
  h.version = 0;
  CHECK_OK(rk_message_header_validate(&h));
  h.magic = 1;
  CHECK_STATUS(rk_message_header_validate(&h), RK_EVALIDATION);
  CHECK_CONTAINS(rk_last_error(), "Validation failed: bad magic 0x0000000000000001");
  CHECK_STATUS(rk_message_header_validate(NULL), RK_EINVAL);
}

RK_TEST(crc32c_known_vectors) {
  CHECK_EQ_U64(rk_crc32c(0, "123456789", 9), 0xE3069283u);
  CHECK_EQ_U64(rki_crc32c_software(0, "123456789", 9), 0xE3069283u);
  CHECK_EQ_U64(rk_crc32c(0, "", 0), 0);
  unsigned char zeros[32] = {0}, ones[32];
  memset(ones, 0xFF, sizeof ones);
  CHECK_EQ_U64(rk_crc32c(0, zeros, 32), 0x8A9136AAu); /* RFC 3720 B.4 */
  CHECK_EQ_U64(rk_crc32c(0, ones, 32), 0x62A8AB43u);
  /* chaining and both implementations agree at every length and alignment */
  unsigned char buf[300];
  for (int i = 0; i < 300; i++) buf[i] = (unsigned char)(i * 7 + 3);
  int mismatches = 0;
  for (size_t off = 0; off < 8; off++)
    for (size_t len = 0; len + off <= 300; len += 13) {
      uint32_t hw = rk_crc32c(0, buf + off, len);
      mismatches += hw != rki_crc32c_software(0, buf + off, len);
      uint32_t chained = rk_crc32c(rk_crc32c(0, buf + off, len / 2), buf + off + len / 2,
                                   len - len / 2);
      mismatches += chained != hw;
    }
  CHECK_EQ_INT(mismatches, 0);
}

static size_t make_envelope(unsigned char *buf, size_t cap, size_t plen, int seal) {
  rk_message_header_t h;
  rk_hlc_timestamp_t t = {123, 4, 5};
  rk_message_header_init(&h, 9, 1, 2, 0, t);
  unsigned char payload[256];
  for (size_t i = 0; i < plen; i++) payload[i] = (unsigned char)(i ^ 0x5A);
  if (seal) rk_message_header_seal(&h, payload, plen);
  size_t written = 0;
  if (rk_envelope_serialize(&h, payload, plen, buf, cap, &written) != RK_OK) return 0;
  return written;
}

RK_TEST(envelope_round_trip) {
  unsigned char buf[600];
  for (int seal = 0; seal < 2; seal++) {
    size_t n = make_envelope(buf, sizeof buf, 200, seal);
    CHECK_EQ_U64(n, 456);
    rk_message_header_t h;
    const void *p = NULL;
    size_t plen = 0;
    CHECK_OK(rk_envelope_parse(buf, n, &h, &p, &plen));
    CHECK_EQ_U64(plen, 200);
    CHECK(p == buf + 256);
    CHECK_EQ_U64(h.payload_size, 200);
    CHECK_EQ_U64(h.message_type, 9);
    CHECK_EQ_U64(h.timestamp.logical, 4);
    CHECK_EQ_INT(memcmp(&h, buf, 256), 0);
    CHECK(seal ? h.checksum == rk_crc32c(0, buf + 256, 200) : h.checksum == 0);
  }
  /* payload_size is taken from the real payload even if the header said otherwise */
  rk_message_header_t h;
  rk_hlc_timestamp_t t = {0, 0, 0};
  rk_message_header_init(&h, 1, 0, 0, 999, t);
  size_t w;
  CHECK_OK(rk_envelope_serialize(&h, "abc", 3, buf, sizeof buf, &w));
  CHECK_EQ_U64(w, 259);
  const void *p;
  size_t plen;
  CHECK_OK(rk_envelope_parse(buf, w, &h, &p, &plen));
  CHECK_EQ_U64(plen, 3);
  CHECK_EQ_INT(memcmp(p, "abc", 3), 0);
  /* empty payload, trailing bytes ignored */
  CHECK_OK(rk_envelope_serialize(&h, NULL, 0, buf, sizeof buf, &w));
  CHECK_EQ_U64(w, 256);
  CHECK_OK(rk_envelope_parse(buf, 300, &h, &p, &plen));
  CHECK_EQ_U64(plen, 0);
}

RK_TEST(serialize_errors) {
  rk_message_header_t h;
  rk_hlc_timestamp_t t = {0, 0, 0};
  rk_message_header_init(&h, 1, 0, 0, 0, t);
  unsigned char buf[300];
  size_t w;
  CHECK_STATUS(rk_envelope_serialize(&h, "abcdefgh", 8, buf, 263, &w), RK_EINVAL);
  CHECK_STR(rk_last_error(), "output buffer of 263 bytes: envelope needs 264");
  unsigned char *big = calloc(1, RK_MAX_PAYLOAD_SIZE + 1);
  CHECK_STATUS(rk_envelope_serialize(&h, big, RK_MAX_PAYLOAD_SIZE + 1, buf, sizeof buf, &w),
               RK_ETOOBIG);
  CHECK_STATUS(rk_message_header_seal(&h, big, RK_MAX_PAYLOAD_SIZE + 1), RK_ETOOBIG);
  free(big);
  CHECK_STATUS(rk_envelope_serialize(NULL, NULL, 0, buf, sizeof buf, &w), RK_EINVAL);
}

RK_TEST(parse_errors) {
  unsigned char buf[600];
  size_t n = make_envelope(buf, sizeof buf, 100, 1);
  rk_message_header_t h;
  const void *p;
  size_t plen;
  CHECK_STATUS(rk_envelope_parse(buf, 255, &h, &p, &plen), RK_EMALFORMED);
  CHECK_STR(rk_last_error(), "Deserialization failed: buffer too small for header");
  CHECK_STATUS(rk_envelope_parse(buf, 0, &h, &p, &plen), RK_EMALFORMED);
  CHECK_STATUS(rk_envelope_parse(buf, n - 1, &h, &p, &plen), RK_EMALFORMED);
  CHECK_STR(rk_last_error(), "Deserialization failed: buffer too small for payload");
  buf[300] ^= 1; /* payload corrupted: checksum mismatch */
  CHECK_STATUS(rk_envelope_parse(buf, n, &h, &p, &plen), RK_EVALIDATION);
  CHECK_CONTAINS(rk_last_error(), "Validation failed: checksum mismatch");
  buf[300] ^= 1;
  buf[0] ^= 1; /* magic */
  CHECK_STATUS(rk_envelope_parse(buf, n, &h, &p, &plen), RK_EVALIDATION);
  CHECK_CONTAINS(rk_last_error(), "Validation failed: bad magic");
  buf[0] ^= 1;
  buf[66] = 1; /* payload_size 65536 + 100 */
  CHECK_STATUS(rk_envelope_parse(buf, n, &h, &p, &plen), RK_EVALIDATION);
  buf[66] = 0;
  CHECK_OK(rk_envelope_parse(buf, n, &h, &p, &plen));
  CHECK_STATUS(rk_envelope_parse(NULL, 0, &h, &p, &plen), RK_EMALFORMED);
  CHECK_STATUS(rk_envelope_parse(NULL, 300, &h, &p, &plen), RK_EINVAL);
}

int main(void) {
  RK_RUN(header_layout_offsets);
  RK_RUN(ids_increase_within_a_thread);
  RK_RUN(ids_are_unique_across_threads);
  RK_RUN(header_init_fields_and_wire_bytes);
  RK_RUN(create_from_a_given_header);
  RK_RUN(validate_errors);
  RK_RUN(crc32c_known_vectors);
  RK_RUN(envelope_round_trip);
  RK_RUN(serialize_errors);
  RK_RUN(parse_errors);
  return rk_test_summary();
}
