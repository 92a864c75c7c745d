/* crc32c.c — CRC32C (Castagnoli, reflected polynomial 0x82F63B78).
 *
 * A byte-at-a-time table in software, and the SSE4.2 crc32 instruction when the CPU
 * reports it at run time. Both compute the same function; the public seed convention
 * (seed = an earlier result, 0 to start) matches zlib's crc32 so checksums chain.
 */
#include <pthread.h>

#include "ringkernel/message.h"
#include "message_internal.h"
#include "rk_internal.h"

#define RKI_CRC32C_POLY 0x82F63B78u

static uint32_t rki_crc_table[256];
static pthread_once_t rki_crc_once = PTHREAD_ONCE_INIT;

static void rki_crc_table_build(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = (c >> 1) ^ (RKI_CRC32C_POLY & (0u - (c & 1u)));
    rki_crc_table[i] = c;
  }
}

static uint32_t rki_crc_soft(uint32_t crc, const unsigned char *p, size_t len) {
  pthread_once(&rki_crc_once, rki_crc_table_build);
  while (len--) crc = (crc >> 8) ^ rki_crc_table[(crc ^ *p++) & 0xFFu];
  return crc;
}

#if defined(__x86_64__)
#include <nmmintrin.h>
#include <string.h>

__attribute__((target("sse4.2"))) static uint32_t rki_crc_sse42(uint32_t crc,
                                                               const unsigned char *p,
                                                               size_t len) {
  uint64_t c = crc;
  while (len >= 8) {
    uint64_t word;
    memcpy(&word, p, 8);
    c = _mm_crc32_u64(c, word);
    p += 8;
    len -= 8;
  }
  uint32_t c32 = (uint32_t)c;
  while (len--) c32 = _mm_crc32_u8(c32, *p++);
  return c32;
}

static bool rki_have_sse42(void) {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2");
}
#endif

uint32_t rk_crc32c(uint32_t seed, const void *data, size_t len) {
  uint32_t crc = ~seed;
  if (!data || len == 0) return seed;
#if defined(__x86_64__)
  if (rki_have_sse42()) return ~rki_crc_sse42(crc, data, len);
#endif
  return ~rki_crc_soft(crc, data, len);
}

/* Lets the tests compare both paths on the same machine. */
uint32_t rki_crc32c_software(uint32_t seed, const void *data, size_t len) {
  if (!data || len == 0) return seed;
  return ~rki_crc_soft(~seed, data, len);
}
