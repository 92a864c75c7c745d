/* lua_serve.c — rt:serve() and rt:run_until_idle(): the script's own loop for Lua-function
 * handlers.
 *
 * The runtime never calls into Lua: this loop pulls work items
 * (rk_runtime_next_script_work), calls the kernel's function with the request as a
 * MessageEnvelope, replies with what it returns (nil: no reply; a string or a
 * MessageEnvelope: its bytes) and always reports the outcome with rk_script_work_done.
 * A function that raises has its message dead-lettered with the error's text, and the
 * error is re-raised from serve() unchanged (as Python's serve() re-raises).
 */
#include "lua_runtime.h"

typedef struct rkl_serve_io {
  rk_runtime_t *rt;
  rk_kernel_t *k;
  rk_message_t *msg;
} rkl_serve_io_t;

static rk_status_t rkl_serve_step(void *ctx, int64_t slice_ns) {
  rkl_serve_io_t *io = ctx;
  return rk_runtime_next_script_work(io->rt, slice_ns, &io->k, &io->msg);
}

/* Protected part of one work item: handler at 1, envelope at 2, kernel and message as
 * light userdata at 3 and 4. Returns the reply status as a number. */
static int rkl_serve_call(lua_State *L) {
  rk_kernel_t *k = lua_touserdata(L, 3);
  const rk_message_t *msg = lua_touserdata(L, 4);
  lua_pushvalue(L, 1);
  lua_pushvalue(L, 2);
  lua_call(L, 1, 1);
  rk_status_t st = RK_OK;
  if (lua_type(L, -1) == LUA_TSTRING) {
    size_t len;
    const char *p = lua_tolstring(L, -1, &len);
    st = rk_kernel_reply(k, msg, p, len);
  } else if (lua_type(L, -1) == LUA_TUSERDATA) {
    const char *p;
    size_t len;
    rkl_check_envelope(L, -1, "handler result", &p, &len);
    st = rk_kernel_reply(k, msg, p, len);
  } else if (!lua_isnil(L, -1)) {
    return rkl_error(L, "TypeError",
                     "a handler must return nil, a string or a "
                     "MessageEnvelope, got %s",
                     luaL_typename(L, -1));
  }
  if (st != RK_OK) return rkl_error_status(L, st);
  return 0;
}

static void rkl_push_handler(lua_State *L, rk_kernel_t *k) {
  lua_getfenv(L, 1);
  lua_getfield(L, -1, "handlers");
  lua_getfield(L, -1, rk_kernel_id(k));
  lua_replace(L, -3);
  lua_pop(L, 1);
}

/* Pushes the text of the error value at the top for a dead letter: a string as is, an
 * object through its __tostring, else its type name. Never raises (a failing __tostring
 * only changes the text). */
static const char *rkl_push_error_text(lua_State *L) {
  if (lua_type(L, -1) == LUA_TSTRING) {
    lua_pushvalue(L, -1);
  } else if (luaL_getmetafield(L, -1, "__tostring")) {
    lua_pushvalue(L, -2);
    if (lua_pcall(L, 1, 1, 0) != 0 || lua_type(L, -1) != LUA_TSTRING) {
      lua_pop(L, 1);
      lua_pushstring(L, luaL_typename(L, -1));
    }
  } else {
    lua_pushstring(L, luaL_typename(L, -1));
  }
  return lua_tostring(L, -1);
}

/* Runs one work item; on error it has been dead-lettered and is raised. */
static void rkl_serve_one(lua_State *L, rk_kernel_t *k, rk_message_t *msg) {
  int top = lua_gettop(L);
  lua_pushcfunction(L, rkl_serve_call);
  rkl_push_handler(L, k);
  if (lua_type(L, -1) != LUA_TFUNCTION) {
    lua_pop(L, 2);
    rk_script_work_done(k, msg, RK_EHANDLER, "no Lua handler for this kernel");
    rkl_error(L, "KernelError", "no Lua handler for kernel %s", rk_kernel_id(k));
  }
  rkl_push_envelope(L, rk_message_header(msg), rk_message_payload(msg),
                    rk_message_payload_size(msg));
  lua_pushlightuserdata(L, k);
  lua_pushlightuserdata(L, msg);
  if (lua_pcall(L, 4, 0, 0) == 0) {
    rk_script_work_done(k, msg, RK_OK, NULL);
    lua_settop(L, top);
    return;
  }
  rk_script_work_done(k, msg, RK_EHANDLER, rkl_push_error_text(L));
  lua_pop(L, 1);
  lua_error(L);
}

/* Serves until `timeout_ns` (< 0: forever) passes or max items were handled; stops early
 * when no work is waiting at the deadline, or when the runtime shuts down. */
static uint64_t rkl_serve_loop(lua_State *L, rk_runtime_t *rt, int64_t timeout_ns, uint64_t max) {
  int64_t deadline = rkl_deadline_ns(timeout_ns);
  uint64_t done = 0;
  rkl_serve_io_t io = {.rt = rt};
  while (done < max) {
    int64_t left = rkl_left_ns(deadline);
    rk_status_t st = left == 0 ? rkl_serve_step(&io, 0) : rkl_wait(L, rkl_serve_step, &io, left);
    if (st == RK_ETIMEDOUT || st == RK_EAGAIN || st == RK_ESHUTDOWN) break;
    if (st != RK_OK) rkl_error_status(L, st);
    rkl_serve_one(L, io.k, io.msg);
    done++;
  }
  return done;
}

int rkl_runtime_serve(lua_State *L) {
  static const char *const names[] = {"timeout", "max_messages", NULL};
  rk_runtime_t *rt = rkl_rt_self(L)->rt;
  rkl_args(L, "RingKernel.serve", 2, names, false);
  int64_t timeout = rkl_opt_timeout(L, 2, "timeout", -1);
  uint64_t max = rkl_opt_u64(L, 3, "max_messages", UINT64_MAX, UINT64_MAX);
  rkl_push_u64(L, rkl_serve_loop(L, rt, timeout, max));
  return 1;
}

/* Handles what is waiting now, and what those handlers' effects queue in turn, until
 * no script work is left. */
int rkl_runtime_run_until_idle(lua_State *L) {
  rk_runtime_t *rt = rkl_rt_self(L)->rt;
  if (lua_gettop(L) > 1)
    return rkl_error(L, "TypeError", "RingKernel.run_until_idle() takes no arguments");
  rkl_push_u64(L, rkl_serve_loop(L, rt, 0, UINT64_MAX));
  return 1;
}
