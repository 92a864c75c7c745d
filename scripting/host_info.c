/* host_info.c — `rkhost --version` and `rkhost info`: what this binary was built with and
 * what it finds on this machine. Device facts come from the runtime's C API
 * (ringkernel/cuda.h), which answers "no devices, because ..." when CUDA is absent.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "host_internal.h"
#include "ringkernel/cuda.h"
#include "ringkernel/status.h"

#ifdef RKH_CUDA_VERSION
#define RKH_CUDA_BUILT "CUDA " RKH_CUDA_VERSION
#else
#define RKH_CUDA_BUILT "no CUDA"
#endif

static const char *rkh_or(const char *value, const char *fallback) {
  return value ? value : fallback;
}

void rkh_version_print(FILE *out) {
  const char *lua = rkh_lua_version();
  const char *py = rkh_python_version();
  fprintf(out, "rkhost %s (%s, %s%s, %s)\n", RKH_VERSION, rkh_or(lua, "no LuaJIT"),
          py ? "Python " : "no Python", py ? py : "", RKH_CUDA_BUILT);
}

static void rkh_info_features(FILE *out) {
  fprintf(out, "ringkernel %s\n", RKH_VERSION);
  fputs("built with:\n", out);
  fprintf(out, "  lua      %s\n", rkh_or(rkh_lua_version(), "no (configured without LuaJIT)"));
  fprintf(out, "  python   %s\n", rkh_or(rkh_python_version(), "no (configured without Python)"));
  fprintf(out, "  cuda     %s\n", RKH_CUDA_BUILT);
}

static void rkh_info_device(FILE *out, int32_t ordinal) {
  rk_cuda_device_info_t dev;
  rk_status_t st = rk_cuda_device_info(ordinal, &dev);
  if (st != RK_OK) {
    fprintf(out, "  [%d] unreadable: %s (%s)\n", (int)ordinal, rk_status_name(st),
            rk_last_error());
    return;
  }
  fprintf(out, "  [%d] %s, compute capability %d.%d, %.1f GiB, %d SMs, persistent %s, "
               "cooperative %s\n",
          (int)dev.ordinal, dev.name, (int)dev.cc_major, (int)dev.cc_minor,
          (double)dev.total_memory / (1024.0 * 1024.0 * 1024.0),
          (int)dev.multiprocessor_count, dev.supports_persistent ? "yes" : "no",
          dev.supports_cooperative ? "yes" : "no");
}

int rkh_info_print(FILE *out) {
  rkh_info_features(out);
  bool cuda = rk_cuda_is_available();
  /* Read the reason right away: the next runtime call may overwrite it. */
  const char *why_not = cuda ? "" : rk_last_error();
  int32_t count = cuda ? rk_cuda_device_count() : 0;
  fputs("backends:\n  cpu      available\n", out);
  if (cuda)
    fprintf(out, "  cuda     available (%d device%s)\n", (int)count, count == 1 ? "" : "s");
  else
    fprintf(out, "  cuda     unavailable: %s\n", why_not[0] ? why_not : "no usable device");
  fprintf(out, "  auto     %s\n", cuda ? "cuda" : "cpu");
  fputs("cuda devices:\n", out);
  if (count == 0) fputs("  none\n", out);
  for (int32_t i = 0; i < count; ++i) rkh_info_device(out, i);
  return RKH_EXIT_OK;
}
