/* test_envelope_random.c — deterministic fuzzing of rk_envelope_parse.
 *
 * A seeded PRNG feeds random buffers and mutated valid envelopes to the parser. Each
 * buffer lives in its own exactly-sized heap block, so under AddressSanitizer (CI) any
 * read past the end is caught. An independent oracle decides what is valid; the parser
 * must accept exactly those, return the matching error code otherwise, and on success
 * point the payload at the right bytes.
 */
#include <stdlib.h>

#include "tests_common/rk_test.h"
#include "message_internal.h"
#include "ringkernel/message.h"

#define ITERATIONS 2000000

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rng(void) { /* xorshift64* */
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 0x2545F4914F6CDD1Dull;
}

static size_t rng_below(size_t n) { return n ? (size_t)(rng() % n) : 0; }

static uint64_t read_u64(const unsigned char *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
  return v;
}

static uint32_t read_u32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The expected status, from the spec alone (byte offsets, not the struct). */
static rk_status_t oracle(const unsigned char *b, size_t len) {
  if (len < 256) return RK_EMALFORMED;
  uint64_t psize = read_u64(b + 64);
  if (read_u64(b) != RK_MESSAGE_MAGIC || read_u32(b + 8) > 1 || psize > 65536)
    return RK_EVALIDATION;
  if (len - 256 < psize) return RK_EMALFORMED;
  uint32_t sum = read_u32(b + 72);
  if (sum != 0 && sum != rki_crc32c_software(0, b + 256, (size_t)psize)) return RK_EVALIDATION;
  return RK_OK;
}

static size_t make_valid(unsigned char *buf, size_t cap) {
  rk_message_header_t h;
  rk_hlc_timestamp_t t = {rng(), rng(), rng()};
  rk_message_header_init(&h, rng(), rng(), rng(), 0, t);
  h.correlation_id = rng();
  h.priority = (uint8_t)rng_below(4);
  unsigned char payload[1024];
  size_t plen = rng_below(4) == 0 ? 0 : rng_below(sizeof payload);
  for (size_t i = 0; i < plen; i++) payload[i] = (unsigned char)rng();
  if (rng() & 1) rk_message_header_seal(&h, payload, plen);
  size_t written = 0;
  rk_envelope_serialize(&h, payload, plen, buf, cap, &written);
  return written;
}

static void mutate(unsigned char *buf, size_t *len, size_t cap) {
  switch (rng_below(6)) {
  case 0: /* flip a few random bytes */
    for (size_t k = rng_below(4) + 1; k > 0 && *len > 0; k--)
      buf[rng_below(*len)] ^= (unsigned char)(rng() | 1);
    break;
  case 1: /* truncate */
    *len = rng_below(*len + 1);
    break;
  case 2: /* extend with noise */
    for (size_t add = rng_below(64); add > 0 && *len < cap; add--)
      buf[(*len)++] = (unsigned char)rng();
    break;
  case 3: /* payload_size near the real length, or large */
    if (*len >= 256) {
      uint64_t v = rng_below(2) ? *len - 256 + rng_below(5) - 2 : rng();
      for (int i = 0; i < 8; i++) buf[64 + i] = (unsigned char)(v >> (8 * i));
    }
    break;
  case 4: /* version / magic bytes */
    if (*len >= 256) buf[rng_below(2) ? 8 + rng_below(4) : rng_below(8)] = (unsigned char)rng();
    break;
  default: /* checksum */
    if (*len >= 256) buf[72 + rng_below(4)] = (unsigned char)rng();
    break;
  }
}

static size_t fill_random(unsigned char *buf, size_t cap) {
  size_t len = rng_below(2) ? rng_below(256) : rng_below(cap);
  for (size_t i = 0; i < len; i++) buf[i] = (unsigned char)rng();
  if (len >= 8 && rng_below(2)) /* sometimes a good magic so validation goes deeper */
    for (int i = 0; i < 8; i++) buf[i] = (unsigned char)(RK_MESSAGE_MAGIC >> (8 * i));
  return len;
}

typedef struct {
  uint64_t accepted, rejected, mismatches;
} tally_t;

static void check_one(const unsigned char *src, size_t len, tally_t *t) {
  unsigned char *exact = malloc(len ? len : 1);
  memcpy(exact, src, len);
  rk_message_header_t h;
  const void *payload = NULL;
  size_t plen = 0;
  rk_status_t got = rk_envelope_parse(exact, len, &h, &payload, &plen);
  rk_status_t want = oracle(exact, len);
  if (got != want) {
    if (t->mismatches++ < 5)
      RK_FAIL_AT("len %zu: parse %s, oracle %s (%s)", len, rk_status_name(got),
                 rk_status_name(want), rk_last_error());
  } else if (got == RK_OK) {
    t->accepted++;
    if (payload != exact + 256 || plen != read_u64(exact + 64) || memcmp(&h, exact, 256) != 0)
      if (t->mismatches++ < 5) RK_FAIL_AT("len %zu: accepted with wrong outputs", len);
  } else {
    t->rejected++;
  }
  free(exact);
}

RK_TEST(random_and_mutated_buffers) {
  static unsigned char buf[2048];
  tally_t t = {0, 0, 0};
  for (long i = 0; i < ITERATIONS; i++) {
    size_t len;
    if (i % 4 == 0) {
      len = fill_random(buf, sizeof buf);
    } else {
      len = make_valid(buf, sizeof buf);
      if (i % 4 != 1) mutate(buf, &len, sizeof buf);
    }
    check_one(buf, len, &t);
  }
  fprintf(stderr, "  %llu accepted, %llu rejected\n", (unsigned long long)t.accepted,
          (unsigned long long)t.rejected);
  CHECK_EQ_U64(t.mismatches, 0);
  CHECK(t.accepted > ITERATIONS / 4); /* the valid quarter alone, plus lucky mutations */
  CHECK(t.rejected > ITERATIONS / 4);
}

int main(void) {
  RK_RUN(random_and_mutated_buffers);
  return rk_test_summary();
}
