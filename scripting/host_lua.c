/* host_lua.c — runs a Lua script in an embedded LuaJIT, the way `luajit script.lua` would,
 * with `require "ringkernel"` resolving to the binding linked into this program.
 *
 * Stopping: Ctrl-C and os.exit() both arm a "stop" hook that raises an error at the next
 * interpreted instruction, and keeps raising it, so the script unwinds (through any
 * pcall) back to this file, which then closes the state — finalisers run and every
 * runtime the script created shuts down — before the process exits. (A pure-Lua loop
 * that LuaJIT compiled to machine code never passes a hook; a second Ctrl-C kills it.)
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "host_internal.h"
#include "lauxlib.h"
#include "lua.h"
#include "luajit.h"
#include "lualib.h"

/* The binding's entry point (scripting/lua, target rk_lua_binding). */
int luaopen_ringkernel(lua_State *L);

typedef enum rkh_lua_stop {
  RKH_LUA_RUNNING = 0,
  RKH_LUA_INTERRUPTED, /* SIGINT */
  RKH_LUA_EXITING,     /* os.exit() */
} rkh_lua_stop_t;

/* One state per process: the signal handler needs to find it. Written before the
 * handler is installed and cleared after it is removed. */
static lua_State *rkh_lua_state;
/* Why the script is stopping (rkh_lua_stop_t). The SIGINT handler may run on any thread;
 * relaxed is enough because the value carries no other data with it. */
static atomic_int rkh_lua_stop;
static int rkh_lua_exit_status;
/* The error value os.exit() raises; only its address matters. */
static const char rkh_lua_exit_token = 0;

static int rkh_lua_stopping(void) {
  return atomic_load_explicit(&rkh_lua_stop, memory_order_relaxed);
}

static void rkh_lua_stop_hook(lua_State *L, lua_Debug *ar) {
  (void)ar;
  if (rkh_lua_stopping() == RKH_LUA_EXITING) {
    lua_pushlightuserdata(L, (void *)&rkh_lua_exit_token);
    lua_error(L);
  }
  luaL_error(L, "interrupted");
}

static void rkh_lua_arm_stop(lua_State *L) {
  lua_sethook(L, rkh_lua_stop_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

/* Signal context: lua_sethook is the one Lua call documented as safe here. */
static void rkh_lua_on_sigint(void) {
  int running = RKH_LUA_RUNNING; /* an os.exit() already under way keeps its reason */
  atomic_compare_exchange_strong_explicit(&rkh_lua_stop, &running, RKH_LUA_INTERRUPTED,
                                          memory_order_relaxed, memory_order_relaxed);
  rkh_lua_arm_stop(rkh_lua_state);
}

/* os.exit([code]): true/none -> 0, false -> 1, a number -> itself. */
static int rkh_lua_os_exit(lua_State *L) {
  if (lua_isnoneornil(L, 1) || lua_isboolean(L, 1))
    rkh_lua_exit_status = lua_isnoneornil(L, 1) || lua_toboolean(L, 1) ? 0 : 1;
  else
    rkh_lua_exit_status = (int)luaL_checkinteger(L, 1);
  atomic_store_explicit(&rkh_lua_stop, RKH_LUA_EXITING, memory_order_relaxed);
  rkh_lua_arm_stop(L);
  lua_pushlightuserdata(L, (void *)&rkh_lua_exit_token);
  return lua_error(L);
}

/* Text for an error value: strings and numbers as they are, objects through __tostring,
 * binding errors (tables with `kind` and `message`) as "kind: message". */
static const char *rkh_lua_error_text(lua_State *L, int index) {
  if (lua_type(L, index) == LUA_TSTRING || lua_type(L, index) == LUA_TNUMBER)
    return lua_tostring(L, index);
  if (luaL_callmeta(L, index, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
    return lua_tostring(L, -1);
  if (lua_istable(L, index)) {
    lua_getfield(L, index, "kind");
    lua_getfield(L, index, "message");
    if (lua_type(L, -2) == LUA_TSTRING && lua_type(L, -1) == LUA_TSTRING)
      return lua_pushfstring(L, "%s: %s", lua_tostring(L, -2), lua_tostring(L, -1));
  }
  return lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, index));
}

/* Message handler for the script's pcall: adds the stack traceback, except to the
 * os.exit token, which must come back unchanged. */
static int rkh_lua_traceback(lua_State *L) {
  if (lua_touserdata(L, 1) == (void *)&rkh_lua_exit_token) return 1;
  const char *text = rkh_lua_error_text(L, 1);
  luaL_traceback(L, L, text, 1);
  return 1;
}

/* package.preload.ringkernel = luaopen_ringkernel, os.exit = ours. */
static void rkh_lua_prepare(lua_State *L) {
  luaL_openlibs(L);
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "preload");
  lua_pushcfunction(L, luaopen_ringkernel);
  lua_setfield(L, -2, "ringkernel");
  lua_pop(L, 2);
  lua_getglobal(L, "os");
  lua_pushcfunction(L, rkh_lua_os_exit);
  lua_setfield(L, -2, "exit");
  lua_pop(L, 1);
}

/* The global `arg` as luajit builds it: arg[-1] = interpreter, arg[0] = script (or "-e"),
 * arg[1..n] = the script's arguments. The arguments are also pushed for the chunk's `...`.
 * Returns how many were pushed. */
static int rkh_lua_push_args(lua_State *L, const rkh_job_t *job) {
  lua_createtable(L, job->argc, 2);
  lua_pushstring(L, job->program);
  lua_rawseti(L, -2, -1);
  lua_pushstring(L, job->source == RKH_SOURCE_FILE ? job->text : "-e");
  lua_rawseti(L, -2, 0);
  for (int i = 0; i < job->argc; ++i) {
    lua_pushstring(L, job->argv[i]);
    lua_rawseti(L, -2, i + 1);
  }
  lua_setglobal(L, "arg");
  luaL_checkstack(L, job->argc, "too many script arguments");
  for (int i = 0; i < job->argc; ++i) lua_pushstring(L, job->argv[i]);
  return job->argc;
}

static int rkh_lua_load(lua_State *L, const rkh_job_t *job) {
  if (job->source == RKH_SOURCE_FILE) return luaL_loadfile(L, job->text);
  return luaL_loadbuffer(L, job->text, strlen(job->text), "=(command line)");
}

/* Loads and runs the job; leaves nothing on the stack. Returns the exit status. */
static int rkh_lua_execute(lua_State *L, const rkh_job_t *job) {
  lua_pushcfunction(L, rkh_lua_traceback);
  int handler = lua_gettop(L);
  if (rkh_lua_load(L, job) != 0) {
    fprintf(stderr, "rkhost: %s\n", lua_tostring(L, -1));
    lua_settop(L, 0);
    return RKH_EXIT_SCRIPT_ERROR;
  }
  int nargs = rkh_lua_push_args(L, job);
  int rc = lua_pcall(L, nargs, 0, handler);
  lua_sethook(L, NULL, 0, 0);
  int status = RKH_EXIT_OK;
  if (rkh_lua_stopping() == RKH_LUA_EXITING) {
    status = rkh_lua_exit_status;
  } else if (rc != 0) {
    fprintf(stderr, "rkhost: %s\n", rkh_lua_error_text(L, -1));
    status = RKH_EXIT_SCRIPT_ERROR;
  }
  lua_settop(L, 0);
  /* Interrupted counts even when the script ended before the hook fired. */
  return rkh_lua_stopping() == RKH_LUA_INTERRUPTED ? RKH_EXIT_INTERRUPTED : status;
}

int rkh_lua_run(const rkh_job_t *job) {
  lua_State *L = luaL_newstate();
  if (!L) {
    fputs("rkhost: cannot create a Lua state (out of memory)\n", stderr);
    return RKH_EXIT_SCRIPT_ERROR;
  }
  rkh_lua_prepare(L);
  rkh_lua_state = L;
  atomic_store_explicit(&rkh_lua_stop, RKH_LUA_RUNNING, memory_order_relaxed);
  rkh_sigint_install(rkh_lua_on_sigint);
  int status = rkh_lua_execute(L, job);
  /* Closing runs the finalisers that shut the script's runtimes down. A Ctrl-C from
   * here on no longer has a script to stop, so it gets its default meaning back. */
  rkh_sigint_restore();
  lua_close(L);
  rkh_lua_state = NULL;
  fflush(stdout);
  return status;
}

const char *rkh_lua_version(void) { return LUAJIT_VERSION; }
