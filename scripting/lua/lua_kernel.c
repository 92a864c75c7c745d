/* lua_kernel.c — KernelHandle and KernelStatus.
 *
 * One KernelHandle per kernel (cached by the runtime), so its reply stash is shared by
 * everyone holding the kernel: request() receives until its own reply arrives and sets
 * the others aside, in arrival order, for receive() — the same rule as the Python
 * binding. Messages are MessageEnvelopes or plain Lua strings (a fresh header, type 0).
 * Blocking calls wait in slices (rkl_wait), so Ctrl-C in rkhost interrupts them.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <string.h>

#include "lua_runtime.h"

static const rkl_class_t rkl_status_class;

typedef struct rkl_kstatus {
  rk_kernel_status_t s;
} rkl_kstatus_t;

typedef struct rkl_io {
  rk_kernel_t *k;
  const rk_message_header_t *hdr;
  const void *payload;
  size_t len;
  uint64_t cid; /* correlation id of a headerless send (0 = none) */
  rk_message_t *reply;
} rkl_io_t;

static rk_kernel_t *rkl_k_self(lua_State *L) {
  return ((rkl_kernel_t *)rkl_self(L, &rkl_kernel_class))->k;
}

static int rkl_k_result(lua_State *L, rk_status_t st) {
  if (st != RK_OK) return rkl_error_status(L, st);
  return 0;
}

/* ---- identity and lifecycle ------------------------------------------------------------- */

static int rkl_k_id(lua_State *L) {
  lua_pushstring(L, rk_kernel_id(rkl_k_self(L)));
  return 1;
}

static int rkl_k_numeric_id(lua_State *L) {
  rkl_push_u64(L, rk_kernel_numeric_id(rkl_k_self(L)));
  return 1;
}

static int rkl_k_runtime(lua_State *L) {
  rkl_k_self(L);
  lua_getfenv(L, 1);
  lua_getfield(L, -1, "runtime");
  return 1;
}

static int rkl_k_state(lua_State *L) {
  rkl_enum_push(L, &rkl_kernel_state_enum, rk_kernel_state(rkl_k_self(L)));
  return 1;
}

static int rkl_k_is_active(lua_State *L) {
  lua_pushboolean(L, rk_kernel_is_active(rkl_k_self(L)));
  return 1;
}

static int rkl_k_activate(lua_State *L) {
  return rkl_k_result(L, rk_kernel_activate(rkl_k_self(L)));
}
static int rkl_k_deactivate(lua_State *L) {
  return rkl_k_result(L, rk_kernel_deactivate(rkl_k_self(L)));
}
static int rkl_k_terminate(lua_State *L) {
  return rkl_k_result(L, rk_kernel_terminate(rkl_k_self(L)));
}

/* Naps 1 ms at a time until the kernel is Terminated: there is no state-change event to
 * block on, and a nap costs nothing measurable. */
static rk_status_t rkl_k_wait_step(void *ctx, int64_t slice_ns) {
  return rk_kernel_wait_terminated(ctx, slice_ns);
}

static int rkl_k_wait(lua_State *L) {
  static const char *const names[] = {"timeout", NULL};
  rk_kernel_t *k = rkl_k_self(L);
  rkl_args(L, "KernelHandle.wait", 2, names, false);
  int64_t timeout = rkl_opt_timeout(L, 2, "timeout", -1);
  if (rkl_wait(L, rkl_k_wait_step, k, timeout) == RK_OK) return 0;
  return rkl_error(L, "TimeoutError", "kernel %s not terminated within %g s", rk_kernel_id(k),
                   lua_tonumber(L, 2));
}

/* ---- status and statistics -------------------------------------------------------------- */

static int rkl_k_status(lua_State *L) {
  rk_kernel_t *k = rkl_k_self(L);
  rkl_kstatus_t *s = rkl_new(L, &rkl_status_class);
  rk_status_t st = rk_kernel_status(k, &s->s);
  if (st != RK_OK) return rkl_error_status(L, st);
  return 1;
}

static int rkl_k_stats(lua_State *L, bool output) {
  rk_kernel_t *k = rkl_k_self(L);
  rk_queue_stats_t qs;
  rk_status_t st = output ? rk_kernel_output_stats(k, &qs) : rk_kernel_input_stats(k, &qs);
  if (st != RK_OK) return rkl_error_status(L, st);
  rkl_push_queue_stats(L, &qs);
  return 1;
}

static int rkl_k_input_stats(lua_State *L) {
  return rkl_k_stats(L, false);
}
static int rkl_k_output_stats(lua_State *L) {
  return rkl_k_stats(L, true);
}

/* Metrics of the input queue (where back-pressure shows) with the default monitor. */
static int rkl_k_queue_metrics(lua_State *L) {
  rk_kernel_t *k = rkl_k_self(L);
  rk_queue_stats_t qs;
  rk_queue_monitor_t mon;
  rk_queue_metrics_t qm;
  rk_queue_monitor_init(&mon);
  rk_status_t st = rk_kernel_input_stats(k, &qs);
  if (st == RK_OK) st = rk_queue_metrics_compute(&mon, &qs, rk_kernel_input_capacity(k), &qm);
  if (st != RK_OK) return rkl_error_status(L, st);
  rkl_push_queue_metrics(L, &qm);
  return 1;
}

static int rkl_k_dead_letters(lua_State *L) {
  rk_kernel_t *k = rkl_k_self(L);
  rk_dead_letter_t dl;
  lua_newtable(L);
  for (int i = 1; rk_kernel_pop_dead_letter(k, &dl) == RK_OK; i++) {
    lua_createtable(L, 0, 5);
    rkl_push_u64(L, dl.message_id);
    lua_setfield(L, -2, "message_id");
    rkl_push_u64(L, dl.correlation_id);
    lua_setfield(L, -2, "correlation_id");
    rkl_push_u64(L, dl.message_type);
    lua_setfield(L, -2, "message_type");
    lua_pushstring(L, rk_status_name(dl.reason));
    lua_setfield(L, -2, "reason");
    lua_pushstring(L, dl.detail);
    lua_setfield(L, -2, "detail");
    lua_rawseti(L, -2, i);
  }
  return 1;
}

/* ---- sending ---------------------------------------------------------------------------- */

/* The header and payload of a message argument: a MessageEnvelope or a string. */
static void rkl_message_parts(lua_State *L, int idx, rkl_io_t *io) {
  if (lua_type(L, idx) == LUA_TSTRING) {
    io->hdr = NULL;
    io->payload = lua_tolstring(L, idx, &io->len);
    return;
  }
  const char *p;
  if (lua_type(L, idx) != LUA_TUSERDATA)
    rkl_error(L, "TypeError", "message must be a MessageEnvelope or a string, got %s",
              luaL_typename(L, idx));
  io->hdr = rkl_check_envelope(L, idx, "message", &p, &io->len);
  io->payload = p;
}

static rk_status_t rkl_send_step(void *ctx, int64_t slice_ns) {
  rkl_io_t *io = ctx;
  if (io->hdr == NULL)
    return rk_kernel_send_bytes(io->k, 0, io->payload, io->len, io->cid, slice_ns);
  return rk_kernel_send(io->k, io->hdr, io->payload, io->len, slice_ns);
}

/* Sends the message at idx; cid != 0 gives it that correlation id (an envelope's header
 * is copied with a fresh message id; a plain string goes with a fresh header). A send
 * that finds room is tried once without reading the clock (the sliced wait reads it
 * about three times: a request's cost); only a full queue waits. Returns how long the
 * send waited for room (0 when it found room at once). */
static int64_t rkl_send_one(lua_State *L, rk_kernel_t *k, int idx, int64_t timeout_ns,
                            uint64_t cid) {
  rkl_io_t io = {.k = k, .cid = cid};
  rk_message_header_t copy;
  rkl_message_parts(L, idx, &io);
  if (cid && io.hdr) {
    copy = *io.hdr;
    copy.correlation_id = cid;
    copy.message_id = 0;
    io.hdr = &copy;
  }
  int64_t waited = 0;
  rk_status_t st = rkl_send_step(&io, 0);
  if (st == RK_EAGAIN && timeout_ns != 0) {
    int64_t start = rkl_now_ns();
    st = rkl_wait(L, rkl_send_step, &io, timeout_ns);
    waited = rkl_now_ns() - start;
  }
  if (st != RK_OK) rkl_error_status(L, st);
  return waited;
}

static int rkl_k_send(lua_State *L) {
  static const char *const names[] = {"envelope", "timeout", NULL};
  rk_kernel_t *k = rkl_k_self(L);
  rkl_args(L, "KernelHandle.send", 2, names, false);
  int64_t timeout = rkl_opt_timeout(L, 3, "timeout", 0);
  rkl_send_one(L, k, 2, timeout, 0);
  return 0;
}

typedef struct rkl_batch {
  rk_kernel_t *k;
  rk_send_item_t *items;
  size_t count, done;
} rkl_batch_t;

static rk_status_t rkl_batch_step(void *ctx, int64_t slice_ns) {
  rkl_batch_t *b = ctx;
  size_t accepted = 0;
  rk_status_t st =
      rk_kernel_send_many(b->k, b->items + b->done, b->count - b->done, slice_ns, &accepted);
  b->done += accepted;
  return st;
}

static int rkl_k_send_many(lua_State *L) {
  static const char *const names[] = {"messages", "timeout", NULL};
  rk_kernel_t *k = rkl_k_self(L);
  rkl_args(L, "KernelHandle.send_many", 2, names, true);
  if (lua_type(L, 2) != LUA_TTABLE)
    return rkl_error(L, "TypeError", "messages must be a list of envelopes or strings, got %s",
                     luaL_typename(L, 2));
  int64_t timeout = rkl_opt_timeout(L, 3, "timeout", 0);
  size_t n = lua_objlen(L, 2);
  rkl_batch_t b = {.k = k, .count = n};
  b.items = lua_newuserdata(L, (n ? n : 1) * sizeof *b.items); /* freed by the GC */
  for (size_t i = 0; i < n; i++) {
    rkl_io_t io;
    lua_rawgeti(L, 2, (int)i + 1);
    rkl_message_parts(L, lua_gettop(L), &io); /* anchored by the list at 2 */
    lua_pop(L, 1);
    b.items[i] = (rk_send_item_t){io.hdr, io.payload, io.len};
  }
  rk_status_t st = RK_OK;
  if (n > 0) st = timeout == 0 ? rkl_batch_step(&b, 0) : rkl_wait(L, rkl_batch_step, &b, timeout);
  if (st != RK_OK && st != RK_EAGAIN && st != RK_ETIMEDOUT && b.done == 0)
    return rkl_error_status(L, st);
  lua_pushnumber(L, (lua_Number)b.done);
  return 1;
}

/* ---- receiving -------------------------------------------------------------------------- */

/* The handle's stash (a list in its environment), pushed. It sits at an integer key
 * (the environment's array part, see rkl_push_kernel) rather than a field: every request
 * looks at it, and lua_getfield interns its key string on each call. */
static void rkl_push_stash(lua_State *L) {
  lua_getfenv(L, 1);
  lua_rawgeti(L, -1, RKL_KERNEL_STASH_SLOT);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_rawseti(L, -3, RKL_KERNEL_STASH_SLOT);
  }
  lua_remove(L, -2);
}

/* Removes stash[i] (shifting the rest down) and pushes it. Stash on top. */
static void rkl_stash_take_at(lua_State *L, int i) {
  int stash = lua_gettop(L);
  int n = (int)lua_objlen(L, stash);
  lua_rawgeti(L, stash, i);
  for (int j = i; j < n; j++) {
    lua_rawgeti(L, stash, j + 1);
    lua_rawseti(L, stash, j);
  }
  lua_pushnil(L);
  lua_rawseti(L, stash, n);
  lua_remove(L, stash);
}

static rk_status_t rkl_receive_step(void *ctx, int64_t slice_ns) {
  rkl_io_t *io = ctx;
  return rk_kernel_receive(io->k, &io->reply, slice_ns);
}

/* Pushes the next reply (stash first) or returns the failing status with nothing
 * pushed. */
static rk_status_t rkl_receive_impl(lua_State *L, rk_kernel_t *k, int64_t timeout_ns) {
  rkl_push_stash(L);
  if (lua_objlen(L, -1) > 0) {
    rkl_stash_take_at(L, 1);
    return RK_OK;
  }
  lua_pop(L, 1);
  rkl_io_t io = {.k = k};
  rk_status_t st = timeout_ns == 0 ? rk_kernel_try_receive(k, &io.reply)
                                   : rkl_wait(L, rkl_receive_step, &io, timeout_ns);
  if (st == RK_OK) rkl_push_message(L, io.reply);
  return st;
}

static int rkl_receive_or_raise(lua_State *L, rk_kernel_t *k, int64_t timeout_ns) {
  rk_status_t st = rkl_receive_impl(L, k, timeout_ns);
  if (st == RK_OK) return 1;
  if (st == RK_EAGAIN) return rkl_error_status_as(L, "QueueEmptyError", st);
  return rkl_error_status(L, st);
}

static int rkl_k_receive(lua_State *L) {
  static const char *const names[] = {"timeout", NULL};
  rk_kernel_t *k = rkl_k_self(L);
  rkl_args(L, "KernelHandle.receive", 2, names, false);
  return rkl_receive_or_raise(L, k, rkl_opt_timeout(L, 2, "timeout", -1));
}

static int rkl_k_receive_timeout(lua_State *L) {
  static const char *const names[] = {"timeout", NULL};
  rk_kernel_t *k = rkl_k_self(L);
  rkl_args(L, "KernelHandle.receive_timeout", 2, names, false);
  if (lua_isnil(L, 2)) return rkl_error(L, "TypeError", "timeout must be a number, got nil");
  return rkl_receive_or_raise(L, k, rkl_opt_timeout(L, 2, "timeout", 0));
}

static int rkl_k_try_receive(lua_State *L) {
  rk_kernel_t *k = rkl_k_self(L);
  rk_status_t st = rkl_receive_impl(L, k, 0);
  if (st == RK_OK) return 1;
  if (st == RK_EAGAIN || st == RK_ETIMEDOUT) {
    lua_pushnil(L);
    return 1;
  }
  return rkl_error_status(L, st);
}

typedef struct rkl_batch_rx {
  rk_kernel_t *k;
  rk_message_t **out;
  size_t max, count;
} rkl_batch_rx_t;

static rk_status_t rkl_receive_many_step(void *ctx, int64_t slice_ns) {
  rkl_batch_rx_t *b = ctx;
  return rk_kernel_receive_many(b->k, b->out, b->max, slice_ns, &b->count);
}

/* Stashed replies first, then one batch call for the rest (waiting only when nothing was
 * stashed), appended to the list at `list`. */
static int rkl_k_receive_many(lua_State *L) {
  static const char *const names[] = {"max_messages", "timeout", NULL};
  rk_kernel_t *k = rkl_k_self(L);
  rkl_args(L, "KernelHandle.receive_many", 2, names, false);
  size_t max = (size_t)rkl_opt_u64(L, 2, "max_messages", RK_QUEUE_CAPACITY_MAX, 1024);
  int64_t timeout = rkl_opt_timeout(L, 3, "timeout", 0);
  lua_newtable(L);
  int list = lua_gettop(L);
  size_t n = 0;
  rkl_push_stash(L);
  while (n < max && lua_objlen(L, -1) > 0) {
    rkl_stash_take_at(L, 1);
    lua_rawseti(L, list, (int)++n);
    rkl_push_stash(L);
  }
  lua_pop(L, 1);
  if (n == max) return 1;
  rkl_batch_rx_t b = {.k = k, .max = max - n};
  b.out = lua_newuserdata(L, b.max * sizeof *b.out); /* freed by the GC */
  int64_t wait = n == 0 ? timeout : 0;
  rk_status_t st =
      wait == 0 ? rkl_receive_many_step(&b, 0) : rkl_wait(L, rkl_receive_many_step, &b, wait);
  if (st != RK_OK && st != RK_EAGAIN && st != RK_ETIMEDOUT) return rkl_error_status(L, st);
  for (size_t i = 0; st == RK_OK && i < b.count; i++) {
    rkl_push_message(L, b.out[i]);
    lua_rawseti(L, list, (int)++n);
  }
  lua_settop(L, list);
  return 1;
}

/* ---- request ---------------------------------------------------------------------------- */

/* Pushes and removes the stashed reply with this correlation id; false when none. */
static bool rkl_stash_take(lua_State *L, uint64_t cid) {
  rkl_push_stash(L);
  int n = (int)lua_objlen(L, -1);
  for (int i = 1; i <= n; i++) {
    lua_rawgeti(L, -1, i);
    const char *p;
    size_t len;
    uint64_t c = rkl_check_envelope(L, -1, "reply", &p, &len)->correlation_id;
    lua_pop(L, 1);
    if (c == cid) {
      rkl_stash_take_at(L, i);
      return true;
    }
  }
  lua_pop(L, 1);
  return false;
}

/* Moves a reply for another request to the end of the stash (consumes msg). */
static void rkl_stash_push(lua_State *L, rk_message_t *msg) {
  rkl_push_message(L, msg);
  rkl_push_stash(L);
  lua_insert(L, -2);
  lua_rawseti(L, -2, (int)lua_objlen(L, -2) + 1);
  lua_pop(L, 1);
}

/* Receives until the reply with cid arrives, stashing the others in arrival order.
 * timeout_ns bounds the wait (< 0: forever); a timeout error names named_timeout_ns, the
 * caller's whole timeout. The first wait reads no clock: it is bounded by the timeout
 * itself, and the reply usually ends it (the deadline's one read is for the rounds after
 * another request's reply, and only with a timeout). */
static int rkl_await_reply(lua_State *L, rk_kernel_t *k, uint64_t cid, int64_t timeout_ns,
                           int64_t named_timeout_ns) {
  rkl_io_t io = {.k = k};
  /* One deadline for the whole request: other replies arriving must not restart it. */
  int64_t deadline = rkl_deadline_ns(timeout_ns);
  for (bool first = true;; first = false) {
    if (rkl_stash_take(L, cid)) return 1;
    rk_status_t st = rkl_wait(L, rkl_receive_step, &io, first ? timeout_ns : rkl_left_ns(deadline));
    if (st == RK_ETIMEDOUT) rk_last_error_set_timeout(named_timeout_ns);
    if (st != RK_OK) return rkl_error_status(L, st);
    if (rk_message_header(io.reply)->correlation_id == cid) {
      rkl_push_message(L, io.reply);
      return 1;
    }
    rkl_stash_push(L, io.reply);
  }
}

static int rkl_k_request(lua_State *L) {
  static const char *const names[] = {"envelope", "timeout", NULL};
  rk_kernel_t *k = rkl_k_self(L);
  rkl_args(L, "KernelHandle.request", 2, names, false);
  int64_t timeout = rkl_opt_timeout(L, 3, "timeout", -1);
  uint64_t cid = rk_message_id_generate();
  /* One timeout bounds the whole request: what the send waited for input space comes off
   * the wait for the reply. */
  int64_t left = timeout, waited = rkl_send_one(L, k, 2, timeout, cid);
  if (left > 0) left = left > waited ? left - waited : 0;
  return rkl_await_reply(L, k, cid, left, timeout);
}

static int rkl_k_tostring(lua_State *L) {
  rk_kernel_t *k = ((rkl_kernel_t *)lua_touserdata(L, 1))->k;
  lua_pushliteral(L, "KernelHandle(id=");
  const char *id = rk_kernel_id(k);
  rkl_push_pyrepr_str(L, id, strlen(id));
  lua_pushfstring(L, ", state=%s)", rk_kernel_state_name(rk_kernel_state(k)));
  lua_concat(L, 3);
  return 1;
}

static const luaL_Reg rkl_k_methods[] = {
    {"is_active", rkl_k_is_active},
    {"status", rkl_k_status},
    {"activate", rkl_k_activate},
    {"deactivate", rkl_k_deactivate},
    {"terminate", rkl_k_terminate},
    {"wait", rkl_k_wait},
    {"send", rkl_k_send},
    {"send_many", rkl_k_send_many},
    {"receive", rkl_k_receive},
    {"receive_timeout", rkl_k_receive_timeout},
    {"try_receive", rkl_k_try_receive},
    {"receive_many", rkl_k_receive_many},
    {"request", rkl_k_request},
    {"input_queue_stats", rkl_k_input_stats},
    {"output_queue_stats", rkl_k_output_stats},
    {"queue_metrics", rkl_k_queue_metrics},
    {"dead_letters", rkl_k_dead_letters},
    {NULL, NULL},
};
static const luaL_Reg rkl_k_getters[] = {
    {"id", rkl_k_id},       {"numeric_id", rkl_k_numeric_id},
    {"state", rkl_k_state}, {"runtime", rkl_k_runtime},
    {NULL, NULL},
};
const rkl_class_t rkl_kernel_class = {
    "KernelHandle", sizeof(rkl_kernel_t), NULL, rkl_k_methods, rkl_k_getters, NULL,
    NULL,           rkl_k_tostring,
};

/* ---- KernelStatus ----------------------------------------------------------------------- */

static rk_kernel_status_t *rkl_st_self(lua_State *L) {
  return &((rkl_kstatus_t *)rkl_self(L, &rkl_status_class))->s;
}

static int rkl_st_id(lua_State *L) {
  lua_pushstring(L, rkl_st_self(L)->id);
  return 1;
}

static int rkl_st_state(lua_State *L) {
  rkl_enum_push(L, &rkl_kernel_state_enum, rkl_st_self(L)->state);
  return 1;
}

static int rkl_st_mode(lua_State *L) {
  rkl_enum_push(L, &rkl_kernel_mode_enum, rkl_st_self(L)->mode);
  return 1;
}

#define RKL_ST_U64(field)                                                                          \
  static int rkl_st_##field(lua_State *L) {                                                        \
    rkl_push_u64(L, rkl_st_self(L)->field);                                                        \
    return 1;                                                                                      \
  }
RKL_ST_U64(input_queue_depth)
RKL_ST_U64(output_queue_depth)
RKL_ST_U64(messages_processed)
RKL_ST_U64(messages_dead_lettered)
#undef RKL_ST_U64

static int rkl_st_uptime(lua_State *L) {
  lua_pushnumber(L, rkl_st_self(L)->uptime_secs);
  return 1;
}

static int rkl_st_tostring(lua_State *L) {
  const rk_kernel_status_t *s = lua_touserdata(L, 1);
  lua_pushliteral(L, "KernelStatus(id=");
  rkl_push_pyrepr_str(L, s->id, strlen(s->id));
  char buf[96];
  snprintf(buf, sizeof buf, ", state=%s, processed=%llu)", rk_kernel_state_name(s->state),
           (unsigned long long)s->messages_processed);
  lua_pushstring(L, buf);
  lua_concat(L, 3);
  return 1;
}

static const luaL_Reg rkl_st_getters[] = {
    {"id", rkl_st_id},
    {"state", rkl_st_state},
    {"mode", rkl_st_mode},
    {"input_queue_depth", rkl_st_input_queue_depth},
    {"output_queue_depth", rkl_st_output_queue_depth},
    {"messages_processed", rkl_st_messages_processed},
    {"messages_dead_lettered", rkl_st_messages_dead_lettered},
    {"uptime_secs", rkl_st_uptime},
    {NULL, NULL},
};
static const rkl_class_t rkl_status_class = {
    "KernelStatus", sizeof(rkl_kstatus_t), NULL, NULL, rkl_st_getters, NULL, NULL, rkl_st_tostring,
};

void rkl_open_kernel(lua_State *L, int mod) {
  rkl_class_register(L, &rkl_kernel_class, mod);
  rkl_class_register(L, &rkl_status_class, mod);
}
