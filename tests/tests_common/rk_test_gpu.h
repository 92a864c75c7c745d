/* rk_test_gpu.h — the actor configuration GPU tests and benchmarks start from: one block
 * in the grid, node 3, the same capacity for both queues, active at launch. Callers set
 * what their case varies (forward_to, kernel, grid, node_id, ...) on the result. */
#ifndef RK_TEST_GPU_H
#define RK_TEST_GPU_H

#include <string.h>

#include "cuda_actor.h"

static inline rkc_actor_config_t rk_test_actor_config(uint64_t id, uint32_t handler,
                                                      uint32_t block, uint32_t queue_cap,
                                                      uint32_t payload_cap,
                                                      rkc_directory_t *dir) {
  rkc_actor_config_t c;
  memset(&c, 0, sizeof c);
  c.actor_id = id;
  c.node_id = 3;
  c.grid = 1;
  c.block = block;
  c.input_capacity = c.output_capacity = queue_cap;
  c.payload_capacity = payload_cap;
  c.handler = handler;
  c.directory = dir;
  c.start_active = true;
  return c;
}

#endif /* RK_TEST_GPU_H */
