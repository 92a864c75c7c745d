/* cuda_ring_words.c — the host's encoder and decoder of the mapped rings' flag words
 * (rk_cuda_layout.h: 4 data bytes and a 4-byte flag in every 8-byte word).
 *
 * Why vectors: per 64-byte message the host writes 32 words and reads 32 back; one
 * scalar store or load per word was most of the host's cost per message (enqueue
 * 40-80 ns, decode 90-190 ns on the GPU machine). AVX2 widens 4 data words into 4 flag
 * words per instruction (vpmovzxdq + vpor) and checks 4 flags per compare. Every 8-byte
 * word stays 8-byte aligned inside a vector access, which the architecture does not
 * promise to keep whole (it promises 8-byte and, on AVX CPUs, aligned 16-byte accesses);
 * in practice an aligned 8-byte word inside one cache line is written and read whole
 * (the CPU's stores and the GPU's reads meet in whole cache lines), and a word caught
 * stale fails its flag check and is read again. */
#include "cuda_ring_words.h"

#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define RKC_HAVE_AVX2_PATH 1
#endif

static inline uint64_t rkc_word(uint32_t flag, const uint8_t *data, uint32_t take) {
  uint32_t d = 0;
  memcpy(&d, data, take);
  return ((uint64_t)flag << 32) | d;
}

static void rkc_encode_scalar(_Atomic uint64_t *dst, const uint8_t *data, uint32_t bytes,
                              uint32_t flag) {
  uint32_t w = 0;
  for (; 4u * w + 4u <= bytes; w++)
    atomic_store_explicit(&dst[w], rkc_word(flag, data + 4u * w, 4), memory_order_relaxed);
  if (bytes & 3u)
    atomic_store_explicit(&dst[w], rkc_word(flag, data + 4u * w, bytes & 3u), memory_order_relaxed);
}

static uint32_t rkc_decode_scalar(const _Atomic uint64_t *src, uint8_t *data, uint32_t bytes,
                                  uint32_t flag, uint32_t from) {
  const uint32_t words = (bytes + 3u) / 4u;
  uint32_t w = from;
  for (; w < words; w++) {
    uint64_t v = atomic_load_explicit(&src[w], memory_order_relaxed);
    if ((uint32_t)(v >> 32) != flag) break;
    uint32_t d = (uint32_t)v;
    uint32_t take = bytes - 4u * w < 4u ? bytes - 4u * w : 4u;
    memcpy(data + 4u * w, &d, take);
  }
  return w;
}

#if RKC_HAVE_AVX2_PATH
__attribute__((target("avx2"))) static void
rkc_encode_avx2(_Atomic uint64_t *dst, const uint8_t *data, uint32_t bytes, uint32_t flag) {
  const __m256i f = _mm256_set1_epi64x((long long)((uint64_t)flag << 32));
  uint32_t w = 0;
  for (; 4u * w + 16u <= bytes; w += 4u) {
    __m128i d = _mm_loadu_si128((const __m128i *)(const void *)(data + 4u * w));
    _mm256_storeu_si256((__m256i *)(void *)&dst[w], _mm256_or_si256(_mm256_cvtepu32_epi64(d), f));
  }
  rkc_encode_scalar(dst + w, data + 4u * w, bytes - 4u * w, flag);
}

/* The same with non-temporal stores (whole lines to memory without reading them into the
 * cache first); 32-byte aligned vectors where the words allow, 8-byte ones otherwise. */
__attribute__((target("avx2"))) static void
rkc_encode_avx2_nt(_Atomic uint64_t *dst, const uint8_t *data, uint32_t bytes, uint32_t flag) {
  const __m256i f = _mm256_set1_epi64x((long long)((uint64_t)flag << 32));
  uint32_t w = 0;
  for (; 4u * w + 4u <= bytes && ((uintptr_t)&dst[w] & 31u); w++)
    _mm_stream_si64((long long *)(void *)&dst[w], (long long)rkc_word(flag, data + 4u * w, 4));
  for (; 4u * w + 16u <= bytes; w += 4u) {
    __m128i d = _mm_loadu_si128((const __m128i *)(const void *)(data + 4u * w));
    _mm256_stream_si256((__m256i *)(void *)&dst[w], _mm256_or_si256(_mm256_cvtepu32_epi64(d), f));
  }
  for (; 4u * w < bytes; w++)
    _mm_stream_si64(
        (long long *)(void *)&dst[w],
        (long long)rkc_word(flag, data + 4u * w, bytes - 4u * w < 4u ? bytes - 4u * w : 4u));
}

/* Decodes 4 words at a time while all 4 flags are current; the scalar loop takes the
 * rest (or the first stale word). */
__attribute__((target("avx2"))) static uint32_t
rkc_decode_avx2(const _Atomic uint64_t *src, uint8_t *data, uint32_t bytes, uint32_t flag) {
  const __m256i want = _mm256_set1_epi64x((long long)((uint64_t)flag << 32));
  const __m256i hi = _mm256_set1_epi64x((long long)0xFFFFFFFF00000000ull);
  const __m256i pack = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
  uint32_t w = 0;
  for (; 4u * w + 16u <= bytes; w += 4u) {
    __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)&src[w]);
    __m256i ok = _mm256_cmpeq_epi64(_mm256_and_si256(v, hi), want);
    if (_mm256_movemask_epi8(ok) != -1) break;
    __m256i lo = _mm256_permutevar8x32_epi32(v, pack);
    _mm_storeu_si128((__m128i *)(void *)(data + 4u * w), _mm256_castsi256_si128(lo));
  }
  return rkc_decode_scalar(src, data, bytes, flag, w);
}

static _Atomic int rkc_avx2 = -1; /* -1: not probed yet; racing probes agree */

static bool rkc_use_avx2(void) {
  int known = atomic_load_explicit(&rkc_avx2, memory_order_relaxed);
  if (known < 0) {
    known = __builtin_cpu_supports("avx2") ? 1 : 0;
    atomic_store_explicit(&rkc_avx2, known, memory_order_relaxed);
  }
  return known == 1;
}
#endif

void rkc_encode_words(_Atomic uint64_t *dst, const void *data, uint32_t bytes, uint32_t flag) {
#if RKC_HAVE_AVX2_PATH
  if (rkc_use_avx2()) {
    rkc_encode_avx2(dst, data, bytes, flag);
    return;
  }
#endif
  rkc_encode_scalar(dst, data, bytes, flag);
}

void rkc_encode_words_nt(_Atomic uint64_t *dst, const void *data, uint32_t bytes, uint32_t flag) {
#if RKC_HAVE_AVX2_PATH
  if (rkc_use_avx2()) {
    rkc_encode_avx2_nt(dst, data, bytes, flag);
    return;
  }
#endif
  rkc_encode_scalar(dst, data, bytes, flag);
}

uint32_t rkc_decode_words(const _Atomic uint64_t *src, void *data, uint32_t bytes, uint32_t flag,
                          uint32_t from) {
#if RKC_HAVE_AVX2_PATH
  if (from == 0 && rkc_use_avx2()) return rkc_decode_avx2(src, data, bytes, flag);
#endif
  return rkc_decode_scalar(src, data, bytes, flag, from);
}
