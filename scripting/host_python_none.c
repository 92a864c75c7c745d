/* host_python_none.c — stands in for host_python.c when rkhost is built without Python. */
#include "host_internal.h"

int rkh_python_run(const rkh_job_t *job) {
  (void)job;
  return rkh_usage_error("built without Python support (configure with -DRK_WITH_PYTHON=ON)");
}

const char *rkh_python_version(void) { return NULL; }
