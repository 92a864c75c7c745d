/* test_pool.c — rk_pool: the class table at every boundary, alloc/free and reuse,
 * alignment, statistics, slab hooks, leak reporting, and exact counts after threads. */
#include <pthread.h>
#include <stdlib.h>

#include "ringkernel/pool.h"
#include "tests_common/rk_test.h"

static rk_pool_t *make_pool(void) {
  rk_pool_t *p = NULL;
  CHECK_OK(rk_pool_create(NULL, &p));
  CHECK(p != NULL);
  return p;
}

RK_TEST(class_table) {
  CHECK_EQ_U64(rk_pool_class_count(), 42);
  const size_t expect[] = {64,  80,  96,  112,  128,  160,  192,  224,  256,  320,  384,  448, 512,
                           640, 768, 896, 1024, 1280, 1536, 1792, 2048, 2560, 3072, 3584, 4096};
  for (size_t i = 0; i < sizeof expect / sizeof expect[0]; i++)
    CHECK_EQ_U64(rk_pool_class_size(i), expect[i]);
  CHECK_EQ_U64(rk_pool_class_size(37), 40960);
  CHECK_EQ_U64(rk_pool_class_size(40), 65536);
  CHECK_EQ_U64(rk_pool_class_size(41), 65792);
  CHECK_EQ_U64(rk_pool_class_size(42), 0);
  for (size_t i = 0; i + 1 < rk_pool_class_count(); i++) {
    size_t s = rk_pool_class_size(i), next = rk_pool_class_size(i + 1);
    CHECK(s < next);
    CHECK(s % 16 == 0);
    CHECK(next - s <= s / 4 + 16);
  }
}

RK_TEST(class_index_every_boundary) {
  CHECK_EQ_U64(rk_pool_class_index(0), 0);
  CHECK_EQ_U64(rk_pool_class_index(1), 0);
  CHECK_EQ_U64(rk_pool_class_index(64), 0);
  CHECK_EQ_U64(rk_pool_class_index(65), 1);
  for (size_t i = 0; i < rk_pool_class_count(); i++) {
    size_t s = rk_pool_class_size(i);
    CHECK_EQ_U64(rk_pool_class_index(s), i);
    if (i > 0) CHECK_EQ_U64(rk_pool_class_index(rk_pool_class_size(i - 1) + 1), i);
  }
  CHECK_EQ_U64(rk_pool_class_index(65537), 41);
  CHECK_EQ_U64(rk_pool_class_index(65792), 41);
  CHECK_EQ_U64(rk_pool_class_index(65793), RK_POOL_CLASS_COUNT);
  CHECK_EQ_U64(rk_pool_class_index(SIZE_MAX), RK_POOL_CLASS_COUNT);
}

static void unused_free(void *ctx, void *ptr, size_t bytes) {
  (void)ctx;
  (void)bytes;
  free(ptr);
}

RK_TEST(config_validation) {
  rk_pool_config_t c;
  rk_pool_config_init(&c);
  CHECK_EQ_U64(c.slab_bytes, 65536);
  CHECK_EQ_U64(c.thread_cache_blocks, 64);
  rk_pool_t *p = (rk_pool_t *)1;
  c.slab_bytes = 100;
  CHECK_STATUS(rk_pool_create(&c, &p), RK_EINVAL);
  CHECK(p == NULL);
  CHECK_CONTAINS(rk_last_error(), "slab_bytes 100");
  rk_pool_config_init(&c);
  c.thread_cache_blocks = 1;
  CHECK_STATUS(rk_pool_create(&c, &p), RK_EINVAL);
  CHECK_CONTAINS(rk_last_error(), "thread_cache_blocks 1");
  rk_pool_config_init(&c);
  c.slab_free = unused_free;
  CHECK_STATUS(rk_pool_create(&c, &p), RK_EINVAL);
  CHECK_CONTAINS(rk_last_error(), "both");
  CHECK_STATUS(rk_pool_create(NULL, NULL), RK_EINVAL);
  rk_pool_destroy(NULL);
}

static void check_block(rk_pool_t *p, size_t size) {
  unsigned char *b = rk_pool_alloc(p, size);
  CHECK(b != NULL);
  if (!b) return;
  CHECK(((uintptr_t)b % RK_POOL_ALIGNMENT) == 0);
  size_t cls = rk_pool_class_index(size);
  size_t usable = cls < RK_POOL_CLASS_COUNT ? rk_pool_class_size(cls) : size;
  memset(b, 0xA5, usable);
  rk_pool_free(p, b, size);
}

RK_TEST(alloc_every_boundary) {
  rk_pool_t *p = make_pool();
  const size_t sizes[] = {0,    1,    63,    64,    65,    80,    81,    128,    129,
                          4096, 4097, 65536, 65537, 65791, 65792, 65793, 100000, 1 << 20};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
    check_block(p, sizes[i]);
  for (size_t i = 0; i < rk_pool_class_count(); i++) {
    check_block(p, rk_pool_class_size(i));
    check_block(p, rk_pool_class_size(i) + 1);
  }
  rk_pool_stats_t st;
  CHECK_OK(rk_pool_stats(p, &st, NULL, 0));
  CHECK_EQ_U64(st.in_use, 0);
  CHECK_EQ_U64(st.bytes_in_use, 0);
  CHECK_EQ_U64(st.allocs, st.frees);
  CHECK_EQ_U64(st.large_allocs, 4); /* 65793 (twice), 100000, 1 MiB */
  CHECK_EQ_U64(st.large_frees, 4);
  CHECK_EQ_U64(st.large_bytes_in_use, 0);
  rk_pool_destroy(p);
}

/* The alloc path finds classes through a lookup table; every size must land in the class
 * rk_pool_class_index computes. */
RK_TEST(every_size_lands_in_its_class) {
  rk_pool_t *p = make_pool();
  static uint64_t expect[RK_POOL_CLASS_COUNT];
  for (size_t size = 0; size <= RK_POOL_MAX_CLASS_SIZE; size++) {
    expect[rk_pool_class_index(size)]++;
    rk_pool_free(p, rk_pool_alloc(p, size), size);
  }
  rk_pool_class_stats_t cs[RK_POOL_CLASS_COUNT];
  CHECK_OK(rk_pool_stats(p, NULL, cs, RK_POOL_CLASS_COUNT));
  for (size_t i = 0; i < RK_POOL_CLASS_COUNT; i++) {
    CHECK_EQ_U64(cs[i].allocs, expect[i]);
    CHECK_EQ_U64(cs[i].frees, expect[i]);
  }
  rk_pool_destroy(p);
}

RK_TEST(power_of_two_classes_are_cacheline_aligned) {
  rk_pool_t *p = make_pool();
  void *b[8];
  for (int i = 0; i < 8; i++) {
    b[i] = rk_pool_alloc(p, 256);
    CHECK(((uintptr_t)b[i] % 64) == 0);
  }
  for (int i = 0; i < 8; i++)
    rk_pool_free(p, b[i], 256);
  rk_pool_destroy(p);
}

RK_TEST(freed_blocks_are_reused) {
  rk_pool_t *p = make_pool();
  void *a = rk_pool_alloc(p, 100);
  rk_pool_free(p, a, 100);
  void *b = rk_pool_alloc(p, 112); /* same class (112) */
  CHECK(a == b);
  void *c = rk_pool_alloc(p, 100);
  CHECK(c != b);
  rk_pool_free(p, b, 112);
  rk_pool_free(p, c, 100);
  rk_pool_destroy(p);
}

RK_TEST(stats_counters_exact) {
  rk_pool_t *p = make_pool();
  rk_pool_class_stats_t cs[RK_POOL_CLASS_COUNT];
  rk_pool_stats_t st;
  CHECK_OK(rk_pool_stats(p, &st, cs, RK_POOL_CLASS_COUNT));
  CHECK_EQ_U64(st.allocs + st.frees + st.in_use + st.slab_bytes, 0);
  void *blocks[10];
  for (int i = 0; i < 10; i++)
    blocks[i] = rk_pool_alloc(p, 250); /* class 256 */
  void *big = rk_pool_alloc(p, 70000);
  CHECK_OK(rk_pool_stats(p, &st, cs, RK_POOL_CLASS_COUNT));
  size_t cls = rk_pool_class_index(250);
  CHECK_EQ_U64(cs[cls].block_size, 256);
  CHECK_EQ_U64(cs[cls].allocs, 10);
  CHECK_EQ_U64(cs[cls].frees, 0);
  CHECK_EQ_U64(cs[cls].in_use, 10);
  CHECK_EQ_U64(cs[cls].misses, 1); /* one refill brought a batch */
  CHECK_EQ_U64(cs[cls].hits, 9);
  CHECK_EQ_U64(cs[cls].slab_bytes, 65536);
  CHECK_EQ_U64(st.in_use, 11);
  CHECK_EQ_U64(st.bytes_in_use, 10 * 256 + 70000);
  CHECK_EQ_U64(rk_pool_bytes_in_use(p), 10 * 256 + 70000);
  CHECK_EQ_U64(st.large_allocs, 1);
  CHECK_EQ_U64(st.large_bytes_in_use, 70000);
  for (int i = 0; i < 10; i++)
    rk_pool_free(p, blocks[i], 250);
  rk_pool_free(p, big, 70000);
  rk_pool_free(p, NULL, 10);
  CHECK_OK(rk_pool_stats(p, &st, cs, 1)); /* only the first class requested */
  CHECK_EQ_U64(st.frees, 11);
  CHECK_EQ_U64(st.in_use, 0);
  CHECK_EQ_U64(rk_pool_bytes_in_use(p), 0);
  CHECK(rk_pool_alloc(p, SIZE_MAX) == NULL);
  CHECK_CONTAINS(rk_last_error(), "above the limit");
  CHECK(rk_pool_alloc(p, SIZE_MAX - 63) == NULL);
  CHECK(rk_pool_alloc(p, ((size_t)1 << 48) + 1) == NULL);
  CHECK_OK(rk_pool_stats(p, &st, NULL, 0));
  CHECK_EQ_U64(st.large_allocs, 1);
  CHECK_STATUS(rk_pool_stats(NULL, &st, NULL, 0), RK_EINVAL);
  CHECK(rk_pool_alloc(NULL, 8) == NULL);
  CHECK_CONTAINS(rk_last_error(), "NULL pool");
  rk_pool_destroy(p);
}

RK_TEST(thread_cache_overflow_goes_central) {
  rk_pool_t *p = make_pool();
  enum { N = 1000 };
  static void *b[N];
  for (int i = 0; i < N; i++)
    b[i] = rk_pool_alloc(p, 64);
  for (int i = 0; i < N; i++)
    rk_pool_free(p, b[i], 64);
  for (int i = 0; i < N; i++)
    b[i] = rk_pool_alloc(p, 64);
  rk_pool_class_stats_t cs[1];
  rk_pool_stats_t st;
  CHECK_OK(rk_pool_stats(p, &st, cs, 1));
  CHECK_EQ_U64(cs[0].allocs, 2 * N);
  CHECK_EQ_U64(cs[0].in_use, N);
  CHECK_EQ_U64(cs[0].hits + cs[0].misses, 2 * N);
  /* 1000 blocks of 64 bytes fit in one 64 KiB slab (1023 blocks); reuse adds none. */
  CHECK_EQ_U64(cs[0].slab_bytes, 65536);
  for (int i = 0; i < N; i++)
    rk_pool_free(p, b[i], 64);
  rk_pool_destroy(p);
}

typedef struct hook_state {
  int allocs, frees;
  size_t bytes;
} hook_state_t;

static void *hook_alloc(void *ctx, size_t bytes) {
  hook_state_t *h = ctx;
  h->allocs++;
  h->bytes += bytes;
  return aligned_alloc(64, (bytes + 63) & ~(size_t)63);
}

static void hook_free(void *ctx, void *ptr, size_t bytes) {
  hook_state_t *h = ctx;
  h->frees++;
  h->bytes -= bytes;
  free(ptr);
}

RK_TEST(slab_hooks_and_leak_report) {
  hook_state_t h = {0};
  rk_pool_config_t c;
  rk_pool_config_init(&c);
  c.slab_alloc = hook_alloc;
  c.slab_free = hook_free;
  c.slab_ctx = &h;
  rk_pool_t *p = NULL;
  CHECK_OK(rk_pool_create(&c, &p));
  CHECK(!rk_pool_uses_jemalloc(p));
  void *a = rk_pool_alloc(p, 10);
  void *b = rk_pool_alloc(p, 5000);
  void *big = rk_pool_alloc(p, 200000);
  CHECK(a && b && big);
  CHECK_EQ_INT(h.allocs, 3);
  rk_pool_free(p, a, 10);
  /* b and big are deliberately leaked: destroy reports them and frees every slab. */
  rk_pool_stats_t st;
  CHECK_OK(rk_pool_stats(p, &st, NULL, 0));
  CHECK_EQ_U64(st.in_use, 2);
  CHECK_EQ_U64(st.bytes_in_use, 5120 + 200000);
  rk_pool_destroy(p);
  CHECK_EQ_INT(h.frees, 3);
  CHECK_EQ_U64(h.bytes, 0);
}

RK_TEST(default_pool) {
  rk_pool_t *d = rk_pool_default();
  CHECK(d != NULL);
  CHECK(rk_pool_default() == d);
  void *x = rk_pool_alloc(d, 300);
  CHECK(x != NULL);
  rk_pool_free(d, x, 300);
  fprintf(stderr, "  default pool slabs from %s\n",
          rk_pool_uses_jemalloc(d) ? "a jemalloc arena" : "the system allocator");
}

enum { THREADS = 4, ROUNDS = 20000, HELD = 64 };
static rk_pool_t *shared_pool;
static void *handoff[THREADS][HELD];

static size_t thread_size(int t, int i) {
  return (size_t)(1 + (t * 7919 + i * 104729) % 9000);
}

/* Each thread allocates/frees in mixed sizes, then leaves HELD blocks for the next
 * thread to free (cross-thread frees). */
static void *worker(void *arg) {
  int t = (int)(intptr_t)arg;
  void *live[16] = {0};
  for (int i = 0; i < ROUNDS; i++) {
    int s = i % 16;
    if (live[s]) rk_pool_free(shared_pool, live[s], thread_size(t, i - 16));
    live[s] = rk_pool_alloc(shared_pool, thread_size(t, i));
    memset(live[s], t, 8);
  }
  for (int i = ROUNDS; i < ROUNDS + 16; i++)
    rk_pool_free(shared_pool, live[i % 16], thread_size(t, i - 16));
  for (int i = 0; i < HELD; i++)
    handoff[t][i] = rk_pool_alloc(shared_pool, 64 * (i + 1));
  return NULL;
}

static void *freer(void *arg) {
  int t = (int)(intptr_t)arg;
  for (int i = 0; i < HELD; i++)
    rk_pool_free(shared_pool, handoff[t][i], 64 * (i + 1));
  return NULL;
}

RK_TEST(threads_exact_stats) {
  shared_pool = make_pool();
  pthread_t th[THREADS];
  for (int t = 0; t < THREADS; t++)
    pthread_create(&th[t], NULL, worker, (void *)(intptr_t)t);
  for (int t = 0; t < THREADS; t++)
    pthread_join(th[t], NULL);
  rk_pool_stats_t st;
  CHECK_OK(rk_pool_stats(shared_pool, &st, NULL, 0));
  uint64_t expect_allocs = (uint64_t)THREADS * (ROUNDS + HELD);
  CHECK_EQ_U64(st.allocs, expect_allocs);
  CHECK_EQ_U64(st.in_use, (uint64_t)THREADS * HELD);
  CHECK_EQ_U64(st.hits + st.misses, expect_allocs - st.large_allocs);
  for (int t = 0; t < THREADS; t++)
    pthread_create(&th[t], NULL, freer, (void *)(intptr_t)((t + 1) % THREADS));
  for (int t = 0; t < THREADS; t++)
    pthread_join(th[t], NULL);
  CHECK_OK(rk_pool_stats(shared_pool, &st, NULL, 0));
  CHECK_EQ_U64(st.allocs, expect_allocs);
  CHECK_EQ_U64(st.frees, expect_allocs);
  CHECK_EQ_U64(st.in_use, 0);
  CHECK_EQ_U64(st.bytes_in_use, 0);
  rk_pool_destroy(shared_pool);
}

int main(void) {
  RK_RUN(class_table);
  RK_RUN(class_index_every_boundary);
  RK_RUN(config_validation);
  RK_RUN(alloc_every_boundary);
  RK_RUN(every_size_lands_in_its_class);
  RK_RUN(power_of_two_classes_are_cacheline_aligned);
  RK_RUN(freed_blocks_are_reused);
  RK_RUN(stats_counters_exact);
  RK_RUN(thread_cache_overflow_goes_central);
  RK_RUN(slab_hooks_and_leak_report);
  RK_RUN(default_pool);
  RK_RUN(threads_exact_stats);
  return rk_test_summary();
}
