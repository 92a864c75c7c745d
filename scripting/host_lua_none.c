/* host_lua_none.c — stands in for host_lua.c when rkhost is built without LuaJIT. */
#include "host_internal.h"

int rkh_lua_run(const rkh_job_t *job) {
  (void)job;
  return rkh_usage_error("built without Lua support (configure with -DRK_WITH_LUAJIT=ON)");
}

const char *rkh_lua_version(void) { return NULL; }
