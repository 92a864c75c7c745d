/* test_ring.c — rk_ring behaviour on one thread: arguments, full/empty, framing,
 * wrap-around, batches, zero-copy paths and statistics, for every kind. */
#include <stdlib.h>

#include "ringkernel/ring.h"
#include "tests_common/rk_test.h"

static const rk_ring_kind_t kinds[] = {RK_RING_SPSC, RK_RING_MPSC, RK_RING_MPMC};
enum { KIND_COUNT = 3 };

static rk_ring_t *make(rk_ring_kind_t kind, size_t cap, size_t slot) {
  rk_ring_t *r = NULL;
  CHECK_OK(rk_ring_create(kind, cap, slot, &r));
  CHECK(r != NULL);
  return r;
}

RK_TEST(create_rejects_bad_arguments) {
  rk_ring_t *r = (rk_ring_t *)1;
  CHECK_STATUS(rk_ring_create(RK_RING_SPSC, 0, 64, &r), RK_EINVAL);
  CHECK(r == NULL);
  CHECK_CONTAINS(rk_last_error(), "capacity 0");
  CHECK_CONTAINS(rk_last_error(), "16777216");
  CHECK_STATUS(rk_ring_create(RK_RING_SPSC, 3, 64, &r), RK_EINVAL);
  CHECK_CONTAINS(rk_last_error(), "power of two");
  CHECK_STATUS(rk_ring_create(RK_RING_MPSC, (size_t)1 << 25, 64, &r), RK_EINVAL);
  CHECK_CONTAINS(rk_last_error(), "capacity 33554432");
  CHECK_STATUS(rk_ring_create(RK_RING_MPMC, 16, 0, &r), RK_EINVAL);
  CHECK_CONTAINS(rk_last_error(), "slot size 0");
  CHECK_STATUS(rk_ring_create(RK_RING_MPMC, 16, RK_RING_MAX_SLOT_SIZE + 1, &r), RK_EINVAL);
  CHECK_STATUS(rk_ring_create((rk_ring_kind_t)7, 16, 8, &r), RK_EINVAL);
  CHECK_CONTAINS(rk_last_error(), "ring kind 7");
  CHECK_STATUS(rk_ring_create(RK_RING_SPSC, 16, 8, NULL), RK_EINVAL);
  rk_ring_destroy(NULL);
}

RK_TEST(create_accepts_limits) {
  rk_ring_t *r = make(RK_RING_SPSC, 1, 1);
  CHECK_EQ_U64(rk_ring_capacity(r), 1);
  CHECK_EQ_U64(rk_ring_slot_size(r), 1);
  CHECK_EQ_INT(rk_ring_kind(r), RK_RING_SPSC);
  rk_ring_destroy(r);
}

RK_TEST(full_and_empty_every_kind) {
  for (int k = 0; k < KIND_COUNT; k++) {
    rk_ring_t *r = make(kinds[k], 4, 16);
    char buf[16];
    size_t len = 99;
    CHECK_STATUS(rk_ring_try_pop(r, buf, sizeof buf, &len), RK_EAGAIN);
    for (uint32_t i = 0; i < 4; i++)
      CHECK_OK(rk_ring_try_push(r, &i, sizeof i));
    uint32_t extra = 4;
    CHECK_STATUS(rk_ring_try_push(r, &extra, sizeof extra), RK_EAGAIN);
    CHECK_EQ_U64(rk_ring_depth(r), 4);
    for (uint32_t i = 0; i < 4; i++) {
      CHECK_OK(rk_ring_try_pop(r, buf, sizeof buf, &len));
      CHECK_EQ_U64(len, sizeof(uint32_t));
      uint32_t v;
      memcpy(&v, buf, sizeof v);
      CHECK_EQ_U64(v, i);
    }
    CHECK_STATUS(rk_ring_try_pop(r, buf, sizeof buf, &len), RK_EAGAIN);
    CHECK_EQ_U64(rk_ring_depth(r), 0);
    rk_ring_destroy(r);
  }
}

/* Capacities 1 and 2, every kind: the ring reports the capacity asked for, a push into a
 * full ring is refused and overwrites nothing, and order holds across many laps. */
RK_TEST(tiny_rings_refuse_when_full) {
  for (size_t cap = 1; cap <= 2; cap++)
    for (int k = 0; k < KIND_COUNT; k++) {
      rk_ring_t *r = make(kinds[k], cap, 8);
      CHECK_EQ_U64(rk_ring_capacity(r), cap);
      uint64_t next_in = 0, next_out = 0;
      for (int lap = 0; lap < 100; lap++) {
        for (size_t i = 0; i < cap; i++, next_in++)
          CHECK_OK(rk_ring_try_push(r, &next_in, sizeof next_in));
        uint64_t extra = 999;
        CHECK_STATUS(rk_ring_try_push(r, &extra, sizeof extra), RK_EAGAIN);
        CHECK_STATUS(rk_ring_try_push2(r, &extra, 4, &extra, 4), RK_EAGAIN);
        CHECK_EQ_U64(rk_ring_depth(r), cap);
        for (size_t i = 0; i < cap; i++, next_out++) {
          uint64_t v = 0;
          size_t len = 0;
          CHECK_OK(rk_ring_try_pop(r, &v, sizeof v, &len));
          CHECK_EQ_U64(len, sizeof v);
          CHECK_EQ_U64(v, next_out);
        }
        uint64_t v;
        size_t len;
        CHECK_STATUS(rk_ring_try_pop(r, &v, sizeof v, &len), RK_EAGAIN);
      }
      rk_queue_stats_t st;
      CHECK_OK(rk_ring_stats(r, &st));
      CHECK_EQ_U64(st.enqueued, 100 * cap);
      CHECK_EQ_U64(st.dequeued, 100 * cap);
      CHECK_EQ_U64(st.max_depth, cap);
      CHECK_EQ_U64(st.rejected, 200);
      CHECK_EQ_U64(st.dropped, 0);
      rk_ring_destroy(r);
    }
}

/* Interleaved push/pop on a ring of one: each message is read before the next goes in,
 * and a push after a refused one still lands in order. */
RK_TEST(one_slot_alternating) {
  for (int k = 0; k < KIND_COUNT; k++) {
    rk_ring_t *r = make(kinds[k], 1, 8);
    for (uint64_t i = 0; i < 1000; i++) {
      uint64_t v = i, extra = i + 5000;
      size_t len;
      CHECK_OK(rk_ring_try_push(r, &v, sizeof v));
      if (i % 3 == 0) CHECK_STATUS(rk_ring_try_push(r, &extra, sizeof extra), RK_EAGAIN);
      v = 0;
      CHECK_OK(rk_ring_try_pop(r, &v, sizeof v, &len));
      CHECK_EQ_U64(v, i);
      CHECK_STATUS(rk_ring_try_pop(r, &v, sizeof v, &len), RK_EAGAIN);
    }
    CHECK_EQ_U64(rk_ring_depth(r), 0);
    rk_ring_destroy(r);
  }
}

/* Batches at the boundary of rings of one and two slots: a batch takes exactly the free
 * room, the next is refused whole, and pop_many returns the survivors in order. */
RK_TEST(tiny_rings_batch_boundary) {
  uint64_t vals[4] = {10, 11, 12, 13};
  const void *ptrs[4] = {&vals[0], &vals[1], &vals[2], &vals[3]};
  size_t lens[4] = {8, 8, 8, 8};
  for (size_t cap = 1; cap <= 2; cap++)
    for (int k = 0; k < KIND_COUNT; k++) {
      rk_ring_t *r = make(kinds[k], cap, 8);
      size_t pushed = 99, popped = 99;
      uint64_t out[4] = {0};
      size_t olens[4];
      CHECK_OK(rk_ring_push_many(r, ptrs, lens, 4, &pushed));
      CHECK_EQ_U64(pushed, cap);
      CHECK_STATUS(rk_ring_push_many(r, ptrs, lens, 4, &pushed), RK_EAGAIN);
      CHECK_EQ_U64(pushed, 0);
      CHECK_EQ_U64(rk_ring_depth(r), cap);
      CHECK_OK(rk_ring_pop_many(r, out, sizeof out[0], olens, 4, &popped));
      CHECK_EQ_U64(popped, cap);
      for (size_t i = 0; i < cap; i++)
        CHECK_EQ_U64(out[i], vals[i]);
      CHECK_STATUS(rk_ring_pop_many(r, out, sizeof out[0], olens, 4, &popped), RK_EAGAIN);

      /* Fill, free one slot, then a batch of three gets exactly that slot. */
      CHECK_OK(rk_ring_push_many(r, ptrs, lens, cap, &pushed));
      CHECK_OK(rk_ring_pop_many(r, out, sizeof out[0], olens, 1, &popped));
      CHECK_EQ_U64(popped, 1);
      CHECK_EQ_U64(out[0], 10);
      CHECK_OK(rk_ring_push_many(r, ptrs + 1, lens + 1, 3, &pushed));
      CHECK_EQ_U64(pushed, 1);
      CHECK_OK(rk_ring_pop_many(r, out, sizeof out[0], olens, 4, &popped));
      CHECK_EQ_U64(popped, cap);
      if (cap == 2) CHECK_EQ_U64(out[0], 11);
      CHECK_EQ_U64(out[cap - 1], 11);
      rk_queue_stats_t st;
      CHECK_OK(rk_ring_stats(r, &st));
      CHECK_EQ_U64(st.max_depth, cap);
      CHECK_EQ_U64(st.enqueued, st.dequeued);
      rk_ring_destroy(r);
    }
}

/* The zero-copy paths on rings of one: reserve/commit (SPSC), peek/release (SPSC, MPSC). */
RK_TEST(one_slot_zero_copy) {
  rk_ring_t *r = make(RK_RING_SPSC, 1, 16);
  void *slot = NULL;
  char out[16];
  size_t len;
  CHECK_OK(rk_ring_reserve(r, &slot));
  memcpy(slot, "one", 3);
  CHECK_OK(rk_ring_commit(r, 3));
  CHECK_STATUS(rk_ring_reserve(r, &slot), RK_EAGAIN);
  CHECK_STATUS(rk_ring_try_push(r, "two", 3), RK_EAGAIN);
  CHECK_OK(rk_ring_try_pop(r, out, sizeof out, &len));
  CHECK(len == 3 && memcmp(out, "one", 3) == 0);
  rk_ring_destroy(r);

  for (int k = 0; k < 2; k++) {
    r = make(kinds[k], 1, 16);
    const void *data = NULL;
    CHECK_OK(rk_ring_try_push(r, "first", 5));
    CHECK_OK(rk_ring_peek(r, &data, &len));
    CHECK_STATUS(rk_ring_try_push(r, "second", 6), RK_EAGAIN);
    CHECK(len == 5 && memcmp(data, "first", 5) == 0);
    CHECK_OK(rk_ring_release(r));
    CHECK_OK(rk_ring_try_push(r, "second", 6));
    CHECK_OK(rk_ring_peek(r, &data, &len));
    CHECK(len == 6 && memcmp(data, "second", 6) == 0);
    CHECK_OK(rk_ring_release(r));
    CHECK_STATUS(rk_ring_peek(r, &data, &len), RK_EAGAIN);
    rk_ring_destroy(r);
  }
}

RK_TEST(wrap_around_many_times_keeps_order) {
  for (int k = 0; k < KIND_COUNT; k++) {
    rk_ring_t *r = make(kinds[k], 8, 8);
    uint64_t next_in = 0, next_out = 0;
    for (int round = 0; round < 5000; round++) {
      int burst = 1 + round % 8;
      for (int i = 0; i < burst; i++) {
        CHECK_OK(rk_ring_try_push(r, &next_in, sizeof next_in));
        next_in++;
      }
      for (int i = 0; i < burst; i++) {
        uint64_t v = 0;
        size_t len = 0;
        CHECK_OK(rk_ring_try_pop(r, &v, sizeof v, &len));
        CHECK_EQ_U64(v, next_out);
        next_out++;
      }
    }
    rk_queue_stats_t st;
    CHECK_OK(rk_ring_stats(r, &st));
    CHECK_EQ_U64(st.enqueued, next_in);
    CHECK_EQ_U64(st.dequeued, next_out);
    CHECK_EQ_U64(st.max_depth, 8);
    rk_ring_destroy(r);
  }
}

RK_TEST(variable_length_framing_and_limits) {
  for (int k = 0; k < KIND_COUNT; k++) {
    rk_ring_t *r = make(kinds[k], 8, 100);
    unsigned char msg[101], out[100];
    for (int i = 0; i < 101; i++)
      msg[i] = (unsigned char)(i * 7 + 1);
    CHECK_OK(rk_ring_try_push(r, msg, 100));
    CHECK_OK(rk_ring_try_push(r, msg, 0));
    CHECK_OK(rk_ring_try_push(r, NULL, 0));
    CHECK_OK(rk_ring_try_push(r, msg, 37));
    CHECK_STATUS(rk_ring_try_push(r, msg, 101), RK_ETOOBIG);
    CHECK_CONTAINS(rk_last_error(), "101 bytes");
    CHECK_CONTAINS(rk_last_error(), "at most 100");
    CHECK_STATUS(rk_ring_try_push(r, NULL, 4), RK_EINVAL);
    size_t len = 0;
    CHECK_OK(rk_ring_try_pop(r, out, sizeof out, &len));
    CHECK_EQ_U64(len, 100);
    CHECK(memcmp(out, msg, 100) == 0);
    CHECK_OK(rk_ring_try_pop(r, out, sizeof out, &len));
    CHECK_EQ_U64(len, 0);
    bool multi = kinds[k] == RK_RING_MPMC; /* MPMC always needs a full-slot buffer */
    CHECK_OK(rk_ring_try_pop(r, multi ? out : NULL, multi ? sizeof out : 0, &len));
    CHECK_EQ_U64(len, 0);
    CHECK_OK(rk_ring_try_pop(r, out, sizeof out, &len));
    CHECK_EQ_U64(len, 37);
    CHECK(memcmp(out, msg, 37) == 0);
    rk_queue_stats_t st;
    CHECK_OK(rk_ring_stats(r, &st));
    CHECK_EQ_U64(st.enqueued, 4);
    CHECK_EQ_U64(st.rejected, 0);
    rk_ring_destroy(r);
  }
}

RK_TEST(pop_into_small_buffer) {
  for (int k = 0; k < 2; k++) { /* single-consumer kinds keep the message */
    rk_ring_t *r = make(kinds[k], 4, 64);
    char msg[40] = "forty bytes of message, more or less...";
    char small[8], big[64];
    size_t len = 0;
    CHECK_OK(rk_ring_try_push(r, msg, sizeof msg));
    CHECK_STATUS(rk_ring_try_pop(r, small, sizeof small, &len), RK_ETOOBIG);
    CHECK_EQ_U64(len, 40);
    CHECK_CONTAINS(rk_last_error(), "message of 40 bytes");
    CHECK_EQ_U64(rk_ring_depth(r), 1);
    CHECK_OK(rk_ring_try_pop(r, big, sizeof big, &len));
    CHECK_EQ_U64(len, 40);
    CHECK_STR(big, msg);
    rk_ring_destroy(r);
  }
  rk_ring_t *r = make(RK_RING_MPMC, 4, 64);
  char small[8];
  size_t len;
  CHECK_OK(rk_ring_try_push(r, "x", 1));
  CHECK_STATUS(rk_ring_try_pop(r, small, sizeof small, &len), RK_EINVAL);
  CHECK_CONTAINS(rk_last_error(), "slot size 64");
  CHECK_EQ_U64(rk_ring_depth(r), 1);
  rk_ring_destroy(r);
}

RK_TEST(push2_concatenates) {
  for (int k = 0; k < KIND_COUNT; k++) {
    rk_ring_t *r = make(kinds[k], 2, 10);
    char out[10];
    size_t len;
    CHECK_OK(rk_ring_try_push2(r, "head", 4, "body!!", 6));
    CHECK_STATUS(rk_ring_try_push2(r, "head", 4, "body!!!", 7), RK_ETOOBIG);
    CHECK_CONTAINS(rk_last_error(), "11 bytes");
    CHECK_OK(rk_ring_try_pop(r, out, sizeof out, &len));
    CHECK_EQ_U64(len, 10);
    CHECK(memcmp(out, "headbody!!", 10) == 0);
    rk_ring_destroy(r);
  }
}

RK_TEST(batch_moves_partially) {
  for (int k = 0; k < KIND_COUNT; k++) {
    rk_ring_t *r = make(kinds[k], 8, 8);
    uint64_t vals[12];
    const void *ptrs[12];
    size_t lens[12];
    for (int i = 0; i < 12; i++) {
      vals[i] = 100 + (uint64_t)i;
      ptrs[i] = &vals[i];
      lens[i] = sizeof vals[i];
    }
    size_t pushed = 99;
    CHECK_OK(rk_ring_push_many(r, ptrs, lens, 5, &pushed));
    CHECK_EQ_U64(pushed, 5);
    CHECK_OK(rk_ring_push_many(r, ptrs + 5, lens + 5, 7, &pushed));
    CHECK_EQ_U64(pushed, 3);
    CHECK_STATUS(rk_ring_push_many(r, ptrs, lens, 2, &pushed), RK_EAGAIN);
    CHECK_EQ_U64(pushed, 0);
    rk_queue_stats_t st;
    CHECK_OK(rk_ring_stats(r, &st));
    CHECK_EQ_U64(st.rejected, 4 + 2);
    CHECK_EQ_U64(st.enqueued, 8);

    uint64_t out[6];
    size_t olens[6], popped = 0;
    CHECK_OK(rk_ring_pop_many(r, out, sizeof out[0], olens, 6, &popped));
    CHECK_EQ_U64(popped, 6);
    for (int i = 0; i < 6; i++) {
      CHECK_EQ_U64(out[i], 100 + (uint64_t)i);
      CHECK_EQ_U64(olens[i], 8);
    }
    CHECK_OK(rk_ring_pop_many(r, out, sizeof out[0], olens, 6, &popped));
    CHECK_EQ_U64(popped, 2);
    CHECK_EQ_U64(out[0], 106);
    CHECK_EQ_U64(out[1], 107);
    CHECK_STATUS(rk_ring_pop_many(r, out, sizeof out[0], olens, 6, &popped), RK_EAGAIN);
    CHECK_EQ_U64(popped, 0);
    CHECK_STATUS(rk_ring_pop_many(r, out, 4, olens, 6, &popped), RK_EINVAL);
    CHECK_CONTAINS(rk_last_error(), "stride 4");
    rk_ring_destroy(r);
  }
}

RK_TEST(batch_stops_at_oversize_message) {
  for (int k = 0; k < KIND_COUNT; k++) {
    rk_ring_t *r = make(kinds[k], 8, 4);
    const void *ptrs[3] = {"abcd", "efghi", "jk"};
    size_t lens[3] = {4, 5, 2}, pushed = 9;
    CHECK_STATUS(rk_ring_push_many(r, ptrs, lens, 3, &pushed), RK_ETOOBIG);
    CHECK_EQ_U64(pushed, 1);
    CHECK_CONTAINS(rk_last_error(), "message 1 of 5 bytes");
    CHECK_STATUS(rk_ring_push_many(r, ptrs + 1, lens + 1, 2, &pushed), RK_ETOOBIG);
    CHECK_EQ_U64(pushed, 0);
    CHECK_EQ_U64(rk_ring_depth(r), 1);
    CHECK_OK(rk_ring_push_many(r, ptrs, lens, 0, &pushed));
    CHECK_EQ_U64(pushed, 0);
    CHECK_STATUS(rk_ring_push_many(r, NULL, lens, 1, &pushed), RK_EINVAL);
    rk_ring_destroy(r);
  }
}

RK_TEST(reserve_commit_spsc) {
  rk_ring_t *r = make(RK_RING_SPSC, 2, 32);
  void *slot = NULL, *again = NULL;
  CHECK_STATUS(rk_ring_commit(r, 1), RK_ESTATE);
  CHECK_OK(rk_ring_reserve(r, &slot));
  CHECK(slot != NULL);
  CHECK(((uintptr_t)slot & 7) == 0);
  CHECK_OK(rk_ring_reserve(r, &again));
  CHECK(again == slot);
  memcpy(slot, "zero-copy", 9);
  CHECK_STATUS(rk_ring_commit(r, 33), RK_ETOOBIG);
  CHECK_OK(rk_ring_commit(r, 9));
  CHECK_STATUS(rk_ring_commit(r, 9), RK_ESTATE);
  CHECK_OK(rk_ring_reserve(r, &slot));
  CHECK_OK(rk_ring_commit(r, 0));
  CHECK_STATUS(rk_ring_reserve(r, &slot), RK_EAGAIN);
  CHECK(slot == NULL);
  char out[32];
  size_t len;
  CHECK_OK(rk_ring_try_pop(r, out, sizeof out, &len));
  CHECK_EQ_U64(len, 9);
  CHECK(memcmp(out, "zero-copy", 9) == 0);
  CHECK_OK(rk_ring_try_pop(r, out, sizeof out, &len));
  CHECK_EQ_U64(len, 0);
  rk_ring_destroy(r);

  for (int k = 1; k < KIND_COUNT; k++) {
    r = make(kinds[k], 2, 32);
    CHECK_STATUS(rk_ring_reserve(r, &slot), RK_EUNSUPPORTED);
    CHECK_STATUS(rk_ring_commit(r, 1), RK_ESTATE);
    rk_ring_destroy(r);
  }
}

RK_TEST(peek_release_single_consumer) {
  for (int k = 0; k < 2; k++) {
    rk_ring_t *r = make(kinds[k], 2, 16);
    const void *data = NULL;
    size_t len = 0;
    CHECK_STATUS(rk_ring_peek(r, &data, &len), RK_EAGAIN);
    CHECK_STATUS(rk_ring_release(r), RK_ESTATE);
    CHECK_OK(rk_ring_try_push(r, "first", 5));
    CHECK_OK(rk_ring_try_push(r, "second", 6));
    CHECK_OK(rk_ring_peek(r, &data, &len));
    CHECK_EQ_U64(len, 5);
    CHECK(memcmp(data, "first", 5) == 0);
    const void *again = NULL;
    CHECK_OK(rk_ring_peek(r, &again, &len));
    CHECK(again == data);
    CHECK_STATUS(rk_ring_try_push(r, "third", 5), RK_EAGAIN);
    CHECK_OK(rk_ring_release(r));
    CHECK_STATUS(rk_ring_release(r), RK_ESTATE);
    CHECK_OK(rk_ring_try_push(r, "third", 5));
    CHECK_OK(rk_ring_peek(r, &data, &len));
    CHECK_EQ_U64(len, 6);
    CHECK(memcmp(data, "second", 6) == 0);
    CHECK_OK(rk_ring_release(r));
    char out[16];
    CHECK_OK(rk_ring_try_pop(r, out, sizeof out, &len));
    CHECK(memcmp(out, "third", 5) == 0);
    rk_ring_destroy(r);
  }
  rk_ring_t *r = make(RK_RING_MPMC, 2, 16);
  const void *data;
  size_t len;
  CHECK_STATUS(rk_ring_peek(r, &data, &len), RK_EUNSUPPORTED);
  rk_ring_destroy(r);
}

RK_TEST(push_ends_reservation_pop_ends_peek) {
  rk_ring_t *r = make(RK_RING_SPSC, 4, 16);
  void *slot;
  CHECK_OK(rk_ring_reserve(r, &slot));
  memcpy(slot, "lost", 4);
  CHECK_OK(rk_ring_try_push(r, "kept", 4));
  CHECK_STATUS(rk_ring_commit(r, 4), RK_ESTATE);
  CHECK_EQ_U64(rk_ring_depth(r), 1);
  CHECK_OK(rk_ring_try_push(r, "next", 4));
  const void *data;
  size_t len;
  char out[16];
  CHECK_OK(rk_ring_peek(r, &data, &len));
  CHECK_OK(rk_ring_try_pop(r, out, sizeof out, &len));
  CHECK(memcmp(out, "kept", 4) == 0);
  CHECK_STATUS(rk_ring_release(r), RK_ESTATE);
  CHECK_OK(rk_ring_try_pop(r, out, sizeof out, &len));
  CHECK(memcmp(out, "next", 4) == 0);
  rk_ring_destroy(r);
}

RK_TEST(stats_values) {
  for (int k = 0; k < KIND_COUNT; k++) {
    rk_ring_t *r = make(kinds[k], 4, 8);
    rk_queue_stats_t st;
    CHECK_OK(rk_ring_stats(r, &st));
    CHECK_EQ_U64(st.enqueued + st.dequeued + st.depth + st.max_depth + st.dropped, 0);
    char b[8];
    size_t len;
    for (int i = 0; i < 3; i++)
      CHECK_OK(rk_ring_try_push(r, "m", 1));
    for (int i = 0; i < 3; i++)
      CHECK_OK(rk_ring_try_pop(r, b, sizeof b, &len));
    CHECK_OK(rk_ring_try_push(r, "m", 1));
    for (int i = 0; i < 4; i++)
      (void)rk_ring_try_push(r, "m", 1);
    CHECK_OK(rk_ring_try_pop(r, b, sizeof b, &len));
    CHECK_OK(rk_ring_stats(r, &st));
    CHECK_EQ_U64(st.enqueued, 7);
    CHECK_EQ_U64(st.dequeued, 4);
    CHECK_EQ_U64(st.depth, 3);
    CHECK_EQ_U64(st.max_depth, 4);
    CHECK_EQ_U64(st.rejected, 1);
    CHECK_EQ_U64(st.dropped, 0);
    CHECK_NEAR(rk_queue_stats_utilization(&st, rk_ring_capacity(r)), 0.75, 1e-12);
    CHECK_STATUS(rk_ring_stats(r, NULL), RK_EINVAL);
    rk_ring_destroy(r);
  }
}

/* Producers bound the depth with a tail they read earlier (SPSC: cached_tail, MPSC and
 * MPMC: seen_tail): the bound must neither inflate max_depth nor miss a new maximum. */
RK_TEST(max_depth_not_inflated_by_stale_cache) {
  const rk_ring_kind_t ring_kinds[] = {RK_RING_SPSC, RK_RING_MPSC, RK_RING_MPMC};
  for (int k = 0; k < 3; k++) {
    rk_ring_t *r = make(ring_kinds[k], 16, 8);
    char b[8];
    size_t len;
    for (int round = 0; round < 10; round++) {
      for (int i = 0; i < 3; i++)
        CHECK_OK(rk_ring_try_push(r, "m", 1));
      for (int i = 0; i < 3; i++)
        CHECK_OK(rk_ring_try_pop(r, b, sizeof b, &len));
    }
    rk_queue_stats_t st;
    CHECK_OK(rk_ring_stats(r, &st));
    CHECK_EQ_U64(st.max_depth, 3);
    for (int i = 0; i < 5; i++)
      CHECK_OK(rk_ring_try_push(r, "m", 1));
    CHECK_OK(rk_ring_stats(r, &st));
    CHECK_EQ_U64(st.max_depth, 5);
    rk_ring_destroy(r);
  }
}

RK_TEST(null_arguments) {
  size_t len;
  char b[4];
  CHECK_STATUS(rk_ring_try_push(NULL, "x", 1), RK_EINVAL);
  CHECK_STATUS(rk_ring_try_pop(NULL, b, 4, &len), RK_EINVAL);
  CHECK_EQ_U64(rk_ring_depth(NULL), 0);
  CHECK_EQ_U64(rk_ring_capacity(NULL), 0);
  rk_ring_t *r = make(RK_RING_SPSC, 2, 4);
  CHECK_STATUS(rk_ring_try_pop(r, b, 4, NULL), RK_EINVAL);
  CHECK_STATUS(rk_ring_try_pop(r, NULL, 4, &len), RK_EINVAL);
  CHECK_STATUS(rk_ring_peek(r, NULL, &len), RK_EINVAL);
  CHECK_STATUS(rk_ring_reserve(r, NULL), RK_EINVAL);
  rk_ring_destroy(r);
}

int main(void) {
  RK_RUN(create_rejects_bad_arguments);
  RK_RUN(create_accepts_limits);
  RK_RUN(full_and_empty_every_kind);
  RK_RUN(tiny_rings_refuse_when_full);
  RK_RUN(one_slot_alternating);
  RK_RUN(tiny_rings_batch_boundary);
  RK_RUN(one_slot_zero_copy);
  RK_RUN(wrap_around_many_times_keeps_order);
  RK_RUN(variable_length_framing_and_limits);
  RK_RUN(pop_into_small_buffer);
  RK_RUN(push2_concatenates);
  RK_RUN(batch_moves_partially);
  RK_RUN(batch_stops_at_oversize_message);
  RK_RUN(reserve_commit_spsc);
  RK_RUN(peek_release_single_consumer);
  RK_RUN(push_ends_reservation_pop_ends_peek);
  RK_RUN(stats_values);
  RK_RUN(max_depth_not_inflated_by_stale_cache);
  RK_RUN(null_arguments);
  return rk_test_summary();
}
