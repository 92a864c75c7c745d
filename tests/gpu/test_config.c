/* test_config.c — GPU size classes, pool and stream presets (API spec §10), and the
 * device functions' answers without a device. Runs everywhere (label unit). */
#include <string.h>

#include "rk_test.h"
#include "ringkernel/cuda.h"

#ifdef RK_HAVE_CUDA
#include "cuda_actor.h"
#include "cuda_pinned.h"
#include "cuda_ring_words.h"
#endif

RK_TEST(size_classes) {
  const uint64_t bytes[6] = {256, 1024, 4096, 16384, 65536, 262144};
  for (int c = 0; c < RK_GPU_SIZE_CLASS_COUNT; c++)
    CHECK_EQ_U64(rk_gpu_size_class_bytes(c), bytes[c]);
  CHECK_EQ_U64(rk_gpu_size_class_bytes(-1), 0);
  CHECK_EQ_U64(rk_gpu_size_class_bytes(6), 0);
  CHECK_EQ_INT(rk_gpu_size_class_for_size(0), RK_GPU_SIZE_256B);
  CHECK_EQ_INT(rk_gpu_size_class_for_size(1), RK_GPU_SIZE_256B);
  CHECK_EQ_INT(rk_gpu_size_class_for_size(256), RK_GPU_SIZE_256B);
  CHECK_EQ_INT(rk_gpu_size_class_for_size(257), RK_GPU_SIZE_1KB);
  CHECK_EQ_INT(rk_gpu_size_class_for_size(4096), RK_GPU_SIZE_4KB);
  CHECK_EQ_INT(rk_gpu_size_class_for_size(65537), RK_GPU_SIZE_256KB);
  CHECK_EQ_INT(rk_gpu_size_class_for_size(262144), RK_GPU_SIZE_256KB);
  CHECK_EQ_INT(rk_gpu_size_class_for_size(262145), -1);
}

static void check_preset(void (*fn)(rk_gpu_pool_config_t *), const uint32_t init[6],
                         const uint32_t max[6], uint64_t bytes) {
  rk_gpu_pool_config_t c;
  memset(&c, 0xAB, sizeof c);
  fn(&c);
  for (int i = 0; i < 6; i++) {
    CHECK_EQ_U64(c.initial_counts[i], init[i]);
    CHECK_EQ_U64(c.max_counts[i], max[i]);
  }
  CHECK_EQ_U64(c.max_pool_bytes, bytes);
  CHECK(c.track_allocations);
  CHECK_EQ_INT(c.device, 0);
  CHECK_OK(rk_gpu_pool_config_validate(&c));
}

RK_TEST(pool_presets) {
  const uint64_t MiB = 1024ull * 1024ull, GiB = 1024ull * MiB;
  check_preset(rk_gpu_pool_config_init, (const uint32_t[6]){1000, 500, 200, 100, 50, 20},
               (const uint32_t[6]){10000, 5000, 2000, 1000, 500, 200}, GiB);
  check_preset(rk_gpu_pool_config_for_graph_analytics,
               (const uint32_t[6]){2000, 200, 500, 100, 50, 20},
               (const uint32_t[6]){20000, 2000, 2000, 500, 200, 100}, 2 * GiB);
  check_preset(rk_gpu_pool_config_for_simulation, (const uint32_t[6]){100, 200, 500, 500, 200, 50},
               (const uint32_t[6]){1000, 2000, 5000, 5000, 2000, 500}, 4 * GiB);
  check_preset(rk_gpu_pool_config_minimal, (const uint32_t[6]){10, 10, 10, 10, 10, 10},
               (const uint32_t[6]){100, 100, 100, 100, 100, 100}, 64 * MiB);
}

RK_TEST(pool_config_validation) {
  rk_gpu_pool_config_t c;
  rk_gpu_pool_config_minimal(&c);
  c.initial_counts[2] = 101;
  CHECK_STATUS(rk_gpu_pool_config_validate(&c), RK_EINVAL);
  CHECK_CONTAINS(rk_last_error(), "initial_counts[2] 101 > max_counts[2] 100");
  rk_gpu_pool_config_minimal(&c);
  c.max_pool_bytes = 0;
  CHECK_STATUS(rk_gpu_pool_config_validate(&c), RK_EINVAL);
  CHECK_CONTAINS(rk_last_error(), "max_pool_bytes 0");
  rk_gpu_pool_config_init(&c);
  c.max_pool_bytes = 1024;
  CHECK_STATUS(rk_gpu_pool_config_validate(&c), RK_EINVAL);
  CHECK_CONTAINS(rk_last_error(), "> max_pool_bytes 1024");
  CHECK_STATUS(rk_gpu_pool_config_validate(NULL), RK_EINVAL);
}

RK_TEST(stream_presets) {
  rk_stream_config_t s;
  rk_stream_config_init(&s);
  CHECK(s.num_compute_streams == 4 && s.use_transfer_stream && !s.enable_graph_capture);
  rk_stream_config_minimal(&s);
  CHECK(s.num_compute_streams == 1 && !s.use_transfer_stream && !s.enable_graph_capture);
  rk_stream_config_performance(&s);
  CHECK(s.num_compute_streams == 4 && s.use_transfer_stream && s.enable_graph_capture);
  rk_stream_config_for_simulation(&s);
  CHECK(s.num_compute_streams == 2 && s.use_transfer_stream && !s.enable_graph_capture);
  rk_stream_id_t id = rk_stream_id_compute(3);
  CHECK_EQ_INT(id.kind, RK_STREAM_COMPUTE);
  CHECK_EQ_INT(id.index, 3);
  CHECK_EQ_INT(rk_stream_id_transfer().kind, RK_STREAM_TRANSFER);
  CHECK_EQ_INT(rk_stream_id_default().kind, RK_STREAM_DEFAULT);
}

RK_TEST(profiling_switch) {
  rk_cuda_profiling_set(true);
  CHECK(rk_cuda_profiling_enabled());
  rk_cuda_profiling_set(false);
  CHECK(!rk_cuda_profiling_enabled());
}

/* Without a device (or without the backend) every device call says so. */
RK_TEST(no_device_answers) {
  if (rk_cuda_device_count() > 0) return;
  CHECK(!rk_cuda_is_available());
  rk_cuda_device_info_t info;
  CHECK_STATUS(rk_cuda_device_info(0, &info), RK_ENODEVICE);
  CHECK(strlen(rk_last_error()) > 0);
  CHECK_STATUS(rk_cuda_device_synchronize(0), RK_ENODEVICE);
  rk_gpu_pool_config_t c;
  rk_gpu_pool_config_minimal(&c);
  rk_gpu_pool_t *pool = (rk_gpu_pool_t *)&c;
  CHECK_STATUS(rk_gpu_pool_create(&c, &pool), RK_ENODEVICE);
  CHECK(pool == NULL);
  rk_gpu_pool_destroy(NULL);
  rk_stream_config_t s;
  rk_stream_config_init(&s);
  rk_stream_set_t *set = (rk_stream_set_t *)&s;
  CHECK_STATUS(rk_stream_set_create(&s, 0, &set), RK_ENODEVICE);
  CHECK(set == NULL);
}

#ifdef RK_HAVE_CUDA
/* The backend's host entry points refuse bad arguments with a named error before any
 * CUDA call, so these answers are the same with and without a device. */
RK_TEST(bad_actor_input) {
  rkc_actor_t *a = (rkc_actor_t *)&a;
  CHECK_STATUS(rkc_actor_launch(NULL, &a), RK_EINVAL);
  CHECK(a == NULL);
  CHECK_CONTAINS(rk_last_error(), "config is NULL");
  rkc_actor_config_t cfg;
  memset(&cfg, 0, sizeof cfg);
  CHECK_STATUS(rkc_actor_launch(&cfg, NULL), RK_EINVAL);
  cfg.grid = 1;
  cfg.block = 32;
  cfg.input_capacity = cfg.output_capacity = 64;
  cfg.payload_capacity = 64;
  CHECK_STATUS(rkc_actor_launch(&cfg, &a), RK_EINVAL);
  CHECK_CONTAINS(rk_last_error(), "K2K directory");
  cfg.directory = (rkc_directory_t *)&cfg; /* never touched: the id is checked first */
  CHECK_STATUS(rkc_actor_launch(&cfg, &a), RK_EINVAL);
  CHECK_CONTAINS(rk_last_error(), "id 0");
  cfg.actor_id = 1;
  cfg.block = 48;
  CHECK_STATUS(rkc_actor_launch(&cfg, &a), RK_EINVAL);
  CHECK_CONTAINS(rk_last_error(), "block_size 48");
  CHECK_STATUS(rkc_actor_terminate(NULL, false, 0), RK_EINVAL);
  rkc_actor_destroy(NULL);
  CHECK_STATUS(rkc_directory_add(NULL, 1, NULL), RK_EINVAL);
  rkc_directory_remove(NULL, 1);
  rkc_directory_destroy(NULL);
  CHECK_STATUS(rkc_directory_create(0, NULL), RK_EINVAL);
  void *p = &p;
  CHECK_STATUS(rkc_pinned_alloc(0, &p), RK_EINVAL);
  CHECK(p == NULL);
  rkc_pinned_free(NULL, 64);
  rkc_pinned_park_device(NULL, 64, 0);
}

/* The host's flag-word codec (vector and scalar paths give the same words): every size
 * from 0 to 80 bytes round-trips, the last word is zero-padded, words past the data are
 * untouched, and decoding stops at the first word whose flag is not current. */
RK_TEST(ring_words_round_trip) {
  uint8_t data[80], back[80];
  for (int i = 0; i < 80; i++)
    data[i] = (uint8_t)(i * 37 + 11);
  for (uint32_t n = 0; n <= 80; n++) {
    _Atomic uint64_t words[24];
    for (int i = 0; i < 24; i++)
      atomic_store(&words[i], 0xAAAAAAAAAAAAAAAAull);
    rkc_encode_words(words, data, n, 7u);
    const uint32_t used = (n + 3u) / 4u;
    for (uint32_t w = 0; w < used; w++) {
      uint64_t v = atomic_load(&words[w]);
      CHECK_EQ_U64(v >> 32, 7u);
      uint32_t expect = 0;
      memcpy(&expect, data + 4u * w, n - 4u * w < 4u ? n - 4u * w : 4u);
      CHECK_EQ_U64((uint32_t)v, expect);
    }
    CHECK_EQ_U64(atomic_load(&words[used]), 0xAAAAAAAAAAAAAAAAull);
    memset(back, 0, sizeof back);
    CHECK_EQ_U64(rkc_decode_words(words, back, n, 7u, 0), used);
    CHECK(memcmp(back, data, n) == 0);
    CHECK_EQ_U64(rkc_decode_words(words, back, n, 8u, 0), 0); /* a stale lap */
    /* the non-temporal encoder writes the same words, from any start alignment */
    _Atomic uint64_t nt[25];
    for (int i = 0; i < 25; i++)
      atomic_store(&nt[i], 0xAAAAAAAAAAAAAAAAull);
    rkc_encode_words_nt(nt + (n & 1u), data, n, 7u);
    for (uint32_t w = 0; w < used; w++)
      CHECK_EQ_U64(atomic_load(&nt[w + (n & 1u)]), atomic_load(&words[w]));
    CHECK_EQ_U64(atomic_load(&nt[used + (n & 1u)]), 0xAAAAAAAAAAAAAAAAull);
    if (used > 5) {
      atomic_store(&words[5], 0); /* word 5 still in flight */
      CHECK_EQ_U64(rkc_decode_words(words, back, n, 7u, 0), 5);
      rkc_encode_words(words + 5, data + 20, n - 20, 7u);
      CHECK_EQ_U64(rkc_decode_words(words, back, n, 7u, 5), used);
    }
  }
}

/* The spill rings' arithmetic (rk_cuda_layout.h): 64-byte aligned entries, never split
 * at the ring's end (the skipped tail counts as used until the consumer passes it), a
 * refusal changes nothing, and positions are 64-bit. */
RK_TEST(spill_reserve_arithmetic) {
  const uint64_t R = RKC_SPILL_RING_BYTES;
  uint64_t start = 7, end = 9;
  CHECK(rkc_spill_reserve(0, 0, R, 1, &start, &end));
  CHECK_EQ_U64(start, 0);
  CHECK_EQ_U64(end, 64);
  CHECK(rkc_spill_reserve(64, 0, R, 65, &start, &end));
  CHECK_EQ_U64(start, 64);
  CHECK_EQ_U64(end, 192);
  /* an entry that ends exactly at the ring's end stays there */
  CHECK(rkc_spill_reserve(R - 128, R - 128, R, 128, &start, &end));
  CHECK_EQ_U64(start, R - 128);
  CHECK_EQ_U64(end, R);
  /* one that does not fit before the end starts at offset 0 of the next lap */
  CHECK(rkc_spill_reserve(R - 64, R - 64, R, 128, &start, &end));
  CHECK_EQ_U64(start, R);
  CHECK_EQ_U64(end, R + 128);
  /* full: the consumer has not passed the bytes the entry needs (the skipped tail too) */
  start = end = 5;
  CHECK(!rkc_spill_reserve(R, 0, R, 64, &start, &end));
  CHECK(!rkc_spill_reserve(2 * R - 64, R + 127, R, 128, &start, &end));
  CHECK_EQ_U64(start, 5); /* a refusal changes nothing */
  CHECK_EQ_U64(end, 5);
  CHECK(rkc_spill_reserve(2 * R - 64, R + 128, R, 128, &start, &end));
  CHECK_EQ_U64(start, 2 * R);
  CHECK_EQ_U64(end, 2 * R + 128);
  CHECK(!rkc_spill_reserve(0, 0, R, (uint32_t)R + 1u, &start, &end));
  /* positions past 2^32 */
  const uint64_t far = (5ull << 32) * R;
  CHECK(rkc_spill_reserve(far + 100 * 64, far, R, RKC_SPILL_MAX_PAYLOAD, &start, &end));
  CHECK_EQ_U64(start, far + 100 * 64);
  CHECK_EQ_U64(end, far + 100 * 64 + RKC_SPILL_MAX_PAYLOAD);
  /* a producer and a consumer of random sizes: entries stay inside the ring, never
   * overlap a live one, and an empty ring always takes the largest entry */
  uint64_t tail = 0, head = 0, fifo[64];
  size_t first = 0, count = 0, refused = 0;
  uint32_t seed = 12345u;
  for (int step = 0; step < 200000; step++) {
    seed = seed * 1664525u + 1013904223u;
    const uint32_t bytes = 1u + (seed >> 8) % RKC_SPILL_MAX_PAYLOAD;
    if (count < 64 && (seed & 3u)) {
      if (!rkc_spill_reserve(tail, head, R, bytes, &start, &end)) {
        CHECK(count > 0); /* refused only while something is live */
        refused++;
        continue;
      }
      if (start % R + bytes > R || start < tail || end - head > R || end % 64u) {
        RK_FAIL_AT("entry [%llu, %llu) of %u bytes, tail %llu head %llu", (unsigned long long)start,
                   (unsigned long long)end, bytes, (unsigned long long)tail,
                   (unsigned long long)head);
        return;
      }
      tail = end;
      fifo[(first + count++) % 64] = end;
    } else if (count) {
      head = fifo[first];
      first = (first + 1) % 64;
      count--;
    }
  }
  CHECK(refused > 0);
  CHECK(tail > 10 * R);
  CHECK(rkc_spill_reserve(tail, tail, R, RKC_SPILL_MAX_PAYLOAD, &start, &end));
}

/* The reader's check of a spill reference (rkc_spill_ref_valid): what rkc_spill_reserve
 * makes passes; an entry reaching past the ring, an address below it, one near 2^64
 * (where address + size wraps to a small number) and an end that does not match the
 * entry are refused. */
RK_TEST(spill_ref_validation) {
  const uint64_t R = RKC_SPILL_RING_BYTES, base = 0x7f0000000000ull;
  uint64_t start = 0, end = 0;
  CHECK(rkc_spill_reserve(0, 0, R, 100, &start, &end));
  CHECK(rkc_spill_ref_valid(base + start % R, end, 100, base, R));
  CHECK(rkc_spill_reserve(5 * R - 64, 5 * R - 64, R, 65536, &start, &end)); /* skips the tail */
  CHECK(rkc_spill_ref_valid(base + start % R, end, 65536, base, R));
  CHECK(rkc_spill_reserve(3 * R + 640, 3 * R, R, 1000, &start, &end));
  CHECK(rkc_spill_ref_valid(base + start % R, end, 1000, base, R));
  CHECK(!rkc_spill_ref_valid(base + start % R, end + 64, 1000, base, R)); /* end moved */
  CHECK(!rkc_spill_ref_valid(base + start % R, 0, 1000, base, R));
  CHECK(!rkc_spill_ref_valid(base - 64, R - 64 + 128, 64, base, R));       /* below */
  CHECK(!rkc_spill_ref_valid(base + R - 64, R, 65, base, R));              /* past the end */
  CHECK(rkc_spill_ref_valid(base + R - 64, R, 64, base, R));               /* up to it */
  CHECK(!rkc_spill_ref_valid(~0ull - 4095u, 4096, 8192, base, R));         /* wraps */
  CHECK(!rkc_spill_ref_valid(base, R + 64, (uint32_t)R + 1u, base, R));    /* larger */
}
#endif

int main(void) {
  RK_RUN(size_classes);
  RK_RUN(pool_presets);
  RK_RUN(pool_config_validation);
  RK_RUN(stream_presets);
  RK_RUN(profiling_switch);
  RK_RUN(no_device_answers);
#ifdef RK_HAVE_CUDA
  RK_RUN(bad_actor_input);
  RK_RUN(ring_words_round_trip);
  RK_RUN(spill_reserve_arithmetic);
  RK_RUN(spill_ref_validation);
#endif
  return rk_test_summary();
}
