/* backend.c — choosing and starting a runtime's backend, and the host callbacks that
 * backends call (rk_backend_host_t).
 */
#include <strings.h>
#include <unistd.h>

#include "runtime_internal.h"

const char *rk_backend_name(rk_backend_kind_t kind) {
  switch (kind) {
  case RK_BACKEND_AUTO: return "Auto";
  case RK_BACKEND_CPU: return "Cpu";
  case RK_BACKEND_CUDA: return "Cuda";
  case RK_BACKEND_METAL: return "Metal";
  case RK_BACKEND_WGPU: return "Wgpu";
  }
  return "Unknown";
}

rk_status_t rk_backend_parse(const char *name, rk_backend_kind_t *out) {
  static const char *const names[] = {"auto", "cpu", "cuda", "metal", "wgpu"};
  if (!name || !out) return rki_fail(RK_EINVAL, "backend name or out is NULL");
  for (int i = 0; i < 5; i++) {
    if (strcasecmp(name, names[i]) == 0) {
      *out = (rk_backend_kind_t)i;
      return RK_OK;
    }
  }
  return rki_fail(RK_EINVAL, "unknown backend '%s': expected auto, cpu, cuda, metal or wgpu", name);
}

static void host_output_ready(rk_kernel_t *k) {
  rki_ready_signal(k->rt);
  rki_waitset_notify(&k->rt->events);
}

/* Backends call this only after a send was refused (space_wanted), so the fd signal
 * costs nothing while inputs have room; event loops awaiting a send (Python's awaitable
 * request) retry on it. */
static void host_input_space(rk_kernel_t *k) {
  rki_waitset_notify(&k->rt->space);
  rki_ready_signal(k->rt);
}

static void host_dead_letter(rk_kernel_t *k, const rk_message_header_t *hdr, rk_status_t reason,
                             const char *detail) {
  rki_dead_letter_add(k, hdr, reason, detail);
}

static uint32_t default_workers(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1u : (uint32_t)n;
}

/* Set only by measurements (rki_backend_override); relaxed: the setter creates its
 * runtimes on the same thread, after the store. */
static _Atomic(const rk_backend_ops_t *) rki_device_override;

void rki_backend_override(const rk_backend_ops_t *ops) {
  atomic_store_explicit(&rki_device_override, ops, memory_order_relaxed);
}

/* The table a CUDA runtime uses: the CUDA backend, or a measurement's stand-in. */
static const rk_backend_ops_t *device_backend(void) {
  const rk_backend_ops_t *o = atomic_load_explicit(&rki_device_override, memory_order_relaxed);
  return o ? o : rki_cuda_backend();
}

/* Picks the primary backend's table and checks it can run. */
static rk_status_t pick(rk_runtime_t *rt) {
  switch (rt->cfg.backend) {
  case RK_BACKEND_CPU:
    rt->ops = rki_cpu_backend();
    rt->kind = RK_BACKEND_CPU;
    return RK_OK;
  case RK_BACKEND_CUDA:
    rt->ops = device_backend();
    rt->kind = RK_BACKEND_CUDA;
    return rt->ops->probe(rt->cfg.cuda_device);
  case RK_BACKEND_AUTO:
    if (rki_cuda_backend()->probe(rt->cfg.cuda_device) == RK_OK) {
      rt->ops = rki_cuda_backend();
      rt->kind = RK_BACKEND_CUDA;
    } else {
      rki_clear_error();
      rt->ops = rki_cpu_backend();
      rt->kind = RK_BACKEND_CPU;
    }
    return RK_OK;
  case RK_BACKEND_METAL:
  case RK_BACKEND_WGPU: break;
  }
  return rki_fail(RK_EUNSUPPORTED, "backend %s is not supported (available: cpu, cuda, auto)",
                  rk_backend_name(rt->cfg.backend));
}

rk_status_t rki_backend_start(rk_runtime_t *rt) {
  rk_status_t st = pick(rt);
  if (st != RK_OK) return st;
  rt->host.output_ready = host_output_ready;
  rt->host.input_space = host_input_space;
  rt->host.dead_letter = host_dead_letter;
  rt->host.fail = rki_runtime_fail;
  rt->host.runtime = rt;
  uint32_t workers = rt->cfg.worker_count ? rt->cfg.worker_count : default_workers();
  rk_backend_config_t cfg = {workers, rt->cfg.cuda_device, rt->cfg.node_id, &rt->host};
  rt->cpu_ops = rki_cpu_backend();
  if (rt->ops != rt->cpu_ops) {
    cfg.worker_count = 0; /* host-run (script) kernels only */
    st = rt->cpu_ops->init(&cfg, &rt->cpu_state);
    if (st != RK_OK) return st;
    cfg.worker_count = workers;
    st = rt->ops->init(&cfg, &rt->backend_state);
    if (st != RK_OK) {
      rt->cpu_ops->shutdown(rt->cpu_state);
      rt->cpu_ops->fini(rt->cpu_state);
      rt->cpu_state = NULL;
    }
    return st;
  }
  st = rt->ops->init(&cfg, &rt->backend_state);
  rt->cpu_state = rt->backend_state;
  return st;
}

void rki_backend_stop(rk_runtime_t *rt) {
  if (rt->ops && rt->backend_state) rt->ops->shutdown(rt->backend_state);
  if (rt->cpu_ops && rt->cpu_state && rt->cpu_state != rt->backend_state)
    rt->cpu_ops->shutdown(rt->cpu_state);
}

void rki_backend_fini(rk_runtime_t *rt) {
  if (rt->ops && rt->backend_state) rt->ops->fini(rt->backend_state);
  if (rt->cpu_ops && rt->cpu_state && rt->cpu_state != rt->backend_state)
    rt->cpu_ops->fini(rt->cpu_state);
  rt->backend_state = rt->cpu_state = NULL;
}
