/* backend_nocuda.c — the CUDA backend table when cuda/ is not built: it reports that no
 * device is available, so backend "cuda" fails clearly and "auto" picks the CPU.
 */
#include "runtime_internal.h"

#define NOCUDA_DETAIL "CUDA backend not built (configure with -DRK_WITH_CUDA=ON)"

static rk_status_t nocuda_probe(int32_t device) {
  (void)device;
  return rki_fail(RK_ENODEVICE, NOCUDA_DETAIL);
}

static rk_status_t nocuda_init(const rk_backend_config_t *cfg, void **state) {
  (void)cfg;
  *state = NULL;
  return rki_fail(RK_ENODEVICE, NOCUDA_DETAIL);
}

static void nocuda_void(void *state) {
  (void)state;
}

static rk_status_t nocuda_actor_create(void *state, const rk_backend_actor_desc_t *desc,
                                       rk_backend_actor_t **out) {
  (void)state;
  (void)desc;
  *out = NULL;
  return rki_fail(RK_ENODEVICE, NOCUDA_DETAIL);
}

static rk_status_t nocuda_set_active(rk_backend_actor_t *a, bool active) {
  (void)a;
  (void)active;
  return rki_fail(RK_ENODEVICE, NOCUDA_DETAIL);
}

static rk_status_t nocuda_terminate(rk_backend_actor_t *a, bool drain, int64_t timeout_ns) {
  (void)a;
  (void)drain;
  (void)timeout_ns;
  return rki_fail(RK_ENODEVICE, NOCUDA_DETAIL);
}

static size_t nocuda_take(rk_backend_actor_t *a, rk_message_t **out, size_t max) {
  (void)a;
  (void)out;
  (void)max;
  return 0;
}

static void nocuda_destroy(rk_backend_actor_t *a) {
  (void)a;
}

static size_t nocuda_enqueue(rk_backend_actor_t *a, const rk_message_header_t *const *hdrs,
                             const void *const *payloads, size_t n) {
  (void)a;
  (void)hdrs;
  (void)payloads;
  (void)n;
  return 0;
}

static size_t nocuda_depth(rk_backend_actor_t *a) {
  (void)a;
  return 0;
}

static void nocuda_counters(rk_backend_actor_t *a, rk_backend_counters_t *out) {
  (void)a;
  *out = (rk_backend_counters_t){0};
}

static uint64_t nocuda_memory(void *state) {
  (void)state;
  return 0;
}

static const rk_backend_ops_t nocuda_ops = {
    .name = "cuda",
    .probe = nocuda_probe,
    .init = nocuda_init,
    .shutdown = nocuda_void,
    .fini = nocuda_void,
    .actor_create = nocuda_actor_create,
    .actor_set_active = nocuda_set_active,
    .actor_terminate = nocuda_terminate,
    .take_input = nocuda_take,
    .actor_destroy = nocuda_destroy,
    .enqueue = nocuda_enqueue,
    .dequeue = nocuda_take,
    .output_depth = nocuda_depth,
    .counters = nocuda_counters,
    .device_memory_used = nocuda_memory,
    .poll = NULL,
};

const rk_backend_ops_t *rki_cuda_backend(void) {
  return &nocuda_ops;
}
