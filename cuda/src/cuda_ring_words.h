/* cuda_ring_words.h — bytes to and from the mapped rings' flag words (see
 * rk_cuda_layout.h), vectorized where the CPU allows. */
#ifndef RK_CUDA_RING_WORDS_H
#define RK_CUDA_RING_WORDS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* Writes ceil(bytes / 4) words: 4 data bytes each (the last zero-padded) under `flag`.
 * Each word is one whole 8-byte store. */
void rkc_encode_words(_Atomic uint64_t *dst, const void *data, uint32_t bytes, uint32_t flag);

/* The same with non-temporal stores where the CPU has them (the caller fences with
 * _mm_sfence before publishing). */
void rkc_encode_words_nt(_Atomic uint64_t *dst, const void *data, uint32_t bytes, uint32_t flag);

/* Copies the data of words [from, ceil(bytes / 4)) into data while their flag is `flag`;
 * returns the index of the first word not yet current (= the word count when all are).
 * Call again with that index to continue after waiting. */
uint32_t rkc_decode_words(const _Atomic uint64_t *src, void *data, uint32_t bytes, uint32_t flag,
                          uint32_t from);

#endif /* RK_CUDA_RING_WORDS_H */
