/* rk_test_runtime.h — the runtime most tests start from: the CPU backend with a given
 * number of workers (a failed create is a test failure, and NULL). */
#ifndef RK_TEST_RUNTIME_H
#define RK_TEST_RUNTIME_H

#include "rk_test.h"
#include "ringkernel/runtime.h"

static inline rk_runtime_t *rk_test_cpu_runtime(uint32_t workers) {
  rk_runtime_config_t cfg;
  rk_runtime_config_init(&cfg);
  cfg.backend = RK_BACKEND_CPU;
  cfg.worker_count = workers;
  rk_runtime_t *rt = NULL;
  CHECK_OK(rk_runtime_create(&cfg, &rt));
  return rt;
}

#endif /* RK_TEST_RUNTIME_H */
