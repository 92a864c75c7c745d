/* lua_selftime.c — C-level baselines for tests/lua/bench_lua.lua, so the Lua figures are
 * printed beside the C API's from the same run on the same kernel:
 *
 *   rk._bench_c_roundtrip(kernel, n, payload_bytes, send_receive)
 *       -> array of n round trips (ns): rk_kernel_request, or with send_receive a send
 *          plus a receive (the calls the binding's request makes)
 *   rk._bench_c_batch(kernel, n, batch, payload_bytes) -> seconds to move n messages
 *                                                          through send_many/receive_many
 *   rk._monotonic_ns() -> CLOCK_MONOTONIC in nanoseconds, for the Lua side's timing
 *
 * Underscored: benchmark plumbing, not API (the Python binding has _bench_c_roundtrip).
 */
#include <string.h>

#include "lua_runtime.h"

enum { RKL_BENCH_PAYLOAD_MAX = 4096, RKL_BENCH_BATCH_MAX = 1024 };

static int rkl_monotonic_ns(lua_State *L) {
  lua_pushnumber(L, (lua_Number)rkl_now_ns());
  return 1;
}

static rk_kernel_t *rkl_bench_kernel(lua_State *L) {
  return ((rkl_kernel_t *)rkl_check(L, 1, &rkl_kernel_class, "kernel"))->k;
}

/* One round trip: rk_kernel_request, or (split) a send with a fresh correlation id and a
 * receive of the reply, which is what the binding's request does. */
static rk_status_t rkl_bench_one(rk_kernel_t *k, bool split, const char *payload, size_t len) {
  rk_message_t *reply = NULL;
  rk_status_t st;
  if (!split) {
    st = rk_kernel_request(k, NULL, payload, len, 5000000000LL, &reply);
  } else {
    st = rk_kernel_send_bytes(k, 0, payload, len, rk_message_id_generate(), 0);
    if (st == RK_OK) st = rk_kernel_receive(k, &reply, 5000000000LL);
  }
  rk_message_free(reply);
  return st;
}

static int rkl_bench_c_roundtrip(lua_State *L) {
  rk_kernel_t *k = rkl_bench_kernel(L);
  int n = (int)rkl_check_u64(L, 2, "n", 10000000);
  size_t len = (size_t)rkl_opt_u64(L, 3, "payload_bytes", RKL_BENCH_PAYLOAD_MAX, 64);
  bool split = rkl_opt_bool(L, 4, "send_receive", false);
  char payload[RKL_BENCH_PAYLOAD_MAX];
  memset(payload, 0x5a, len);
  lua_createtable(L, n, 0);
  for (int i = 1; i <= n; i++) {
    int64_t t0 = rkl_now_ns();
    rk_status_t st = rkl_bench_one(k, split, payload, len);
    int64_t t1 = rkl_now_ns();
    if (st != RK_OK) return rkl_error_status(L, st);
    lua_pushnumber(L, (lua_Number)(t1 - t0));
    lua_rawseti(L, -2, i);
  }
  return 1;
}

/* Moves n messages in batches: send up to `batch`, then receive what came back. */
static rk_status_t rkl_bench_batch_run(rk_kernel_t *k, int64_t n, size_t batch, size_t len) {
  char payload[RKL_BENCH_PAYLOAD_MAX];
  rk_send_item_t items[RKL_BENCH_BATCH_MAX];
  rk_message_t *out[RKL_BENCH_BATCH_MAX];
  memset(payload, 0x5a, len);
  for (size_t i = 0; i < batch; i++)
    items[i] = (rk_send_item_t){NULL, payload, len};
  int64_t sent = 0, received = 0;
  while (received < n) {
    size_t want = (size_t)(n - sent < (int64_t)batch ? n - sent : (int64_t)batch), took = 0;
    rk_status_t st = want ? rk_kernel_send_many(k, items, want, 0, &took) : RK_OK;
    if (st != RK_OK && st != RK_EAGAIN) return st;
    sent += (int64_t)took;
    size_t got = 0;
    st = rk_kernel_receive_many(k, out, batch, 1000000000LL, &got);
    if (st != RK_OK && st != RK_EAGAIN && st != RK_ETIMEDOUT) return st;
    for (size_t i = 0; i < got; i++)
      rk_message_free(out[i]);
    received += (int64_t)got;
  }
  return RK_OK;
}

static int rkl_bench_c_batch(lua_State *L) {
  rk_kernel_t *k = rkl_bench_kernel(L);
  int64_t n = (int64_t)rkl_check_u64(L, 2, "n", 1000000000);
  size_t batch = (size_t)rkl_check_u64(L, 3, "batch", RKL_BENCH_BATCH_MAX);
  size_t len = (size_t)rkl_opt_u64(L, 4, "payload_bytes", RKL_BENCH_PAYLOAD_MAX, 64);
  if (batch == 0)
    return rkl_error(L, "ValueError", "batch must be 1..%d, got 0", RKL_BENCH_BATCH_MAX);
  int64_t t0 = rkl_now_ns();
  rk_status_t st = rkl_bench_batch_run(k, n, batch, len);
  if (st != RK_OK) return rkl_error_status(L, st);
  lua_pushnumber(L, (double)(rkl_now_ns() - t0) / 1e9);
  return 1;
}

void rkl_open_selftime(lua_State *L, int mod) {
  lua_pushcfunction(L, rkl_bench_c_roundtrip);
  lua_setfield(L, mod, "_bench_c_roundtrip");
  lua_pushcfunction(L, rkl_bench_c_batch);
  lua_setfield(L, mod, "_bench_c_batch");
  lua_pushcfunction(L, rkl_monotonic_ns);
  lua_setfield(L, mod, "_monotonic_ns");
}
