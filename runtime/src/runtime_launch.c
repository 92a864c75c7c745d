/* runtime_launch.c — launching kernels and finding them again. */
#include <stdlib.h>
#include <string.h>

#include "runtime_internal.h"

static rk_kernel_t *find_locked(rk_runtime_t *rt, const char *id) {
  for (size_t i = 0; i < rt->kernel_count; i++)
    if (strcmp(rt->kernels[i]->id, id) == 0) return rt->kernels[i];
  return NULL;
}

static rk_status_t grow_locked(rk_runtime_t *rt) {
  if (rt->kernel_count < rt->kernel_cap) return RK_OK;
  size_t cap = rt->kernel_cap ? rt->kernel_cap * 2 : 16;
  rk_kernel_t **n = realloc(rt->kernels, cap * sizeof *n);
  if (!n) return rki_fail(RK_ENOMEM, "kernel table of %zu: out of memory", cap);
  rt->kernels = n;
  rt->kernel_cap = cap;
  return RK_OK;
}

static rk_status_t resolve_handler(rk_runtime_t *rt, rk_kernel_t *k) {
  if (k->cuda_source && (k->is_script || rt->ops == rt->cpu_ops))
    return rki_fail(RK_EUNSUPPORTED,
                    "kernel %s: a CUDA source handler needs the CUDA backend (this %s uses %s)",
                    k->id, k->is_script ? "kernel is a script kernel" : "runtime",
                    k->is_script ? "script" : rk_backend_name(rt->kind));
  if (k->is_script) {
    k->ops = rt->cpu_ops;
    k->backend_state = rt->cpu_state;
    return RK_OK;
  }
  k->ops = rt->ops;
  k->backend_state = rt->backend_state;
  /* Device backends resolve handler names themselves (built-ins are device code). */
  if (rt->ops != rt->cpu_ops) return RK_OK;
  return rki_handler_lookup(k->handler_name, &k->handler);
}

static rk_status_t create_locked(rk_runtime_t *rt, const char *id, const rk_launch_options_t *o,
                                 rk_kernel_t **out) {
  if (atomic_load_explicit(&rt->shutdown, memory_order_acquire))
    return rki_fail(RK_ESHUTDOWN, "Runtime is shut down: cannot launch %s", id);
  if (find_locked(rt, id)) return rki_fail(RK_EEXIST, "Kernel already exists: %s", id);
  rk_status_t st = grow_locked(rt);
  rk_kernel_t *k = NULL;
  if (st == RK_OK) st = rki_kernel_new(rt, id, rt->next_num, o, &k);
  if (st == RK_OK) st = resolve_handler(rt, k);
  if (st == RK_OK) {
    rk_backend_actor_desc_t desc = {k, k->id, k->num, &k->opts};
    st = k->ops->actor_create(k->backend_state, &desc, &k->actor);
  }
  if (st != RK_OK) {
    rki_kernel_free(k);
    return st;
  }
  atomic_store_explicit(&k->state, RK_KERNEL_LAUNCHED, memory_order_release);
  rt->next_num++;
  rt->kernels[rt->kernel_count++] = k;
  *out = k;
  return RK_OK;
}

rk_status_t rk_runtime_launch(rk_runtime_t *rt, const char *id, const rk_launch_options_t *opts,
                              rk_kernel_t **out) {
  if (out) *out = NULL;
  if (!out) return rki_fail(RK_EINVAL, "out is NULL");
  rk_status_t st = rki_runtime_check(rt);
  if (st == RK_OK) st = rki_validate_kernel_id(id);
  if (st != RK_OK) return st;
  rk_launch_options_t def, o;
  rk_launch_options_init(&def);
  st = rki_launch_options_check(opts ? opts : &def, &o);
  if (st != RK_OK) return st;
  rk_kernel_t *k = NULL;
  pthread_mutex_lock(&rt->kernels_lock);
  st = create_locked(rt, id, &o, &k);
  pthread_mutex_unlock(&rt->kernels_lock);
  if (st != RK_OK) return st;
  atomic_fetch_add_explicit(&rt->total_launched, 1, memory_order_relaxed);
  if (rt->broker) {
    st = rk_k2k_register(rt->broker, k->id, k);
    if (st == RK_EEXIST) st = RK_OK; /* a standalone-style inbox endpoint took the name */
  }
  if (st == RK_OK && o.auto_activate) st = rk_kernel_activate(k);
  if (st != RK_OK) return st;
  *out = k;
  return RK_OK;
}

rk_kernel_t *rk_runtime_get_kernel(rk_runtime_t *rt, const char *id) {
  if (!rt || !id) {
    rki_fail(RK_EINVAL, "runtime or id is NULL");
    return NULL;
  }
  pthread_mutex_lock(&rt->kernels_lock);
  rk_kernel_t *k = find_locked(rt, id);
  pthread_mutex_unlock(&rt->kernels_lock);
  if (!k) rki_fail(RK_ENOTFOUND, "Kernel not found: %s", id);
  return k;
}

rk_kernel_t *rk_runtime_get_kernel_by_number(rk_runtime_t *rt, uint64_t numeric_id) {
  if (!rt) return NULL;
  rk_kernel_t *k = NULL;
  pthread_mutex_lock(&rt->kernels_lock);
  if (numeric_id >= 1 && numeric_id <= rt->kernel_count &&
      rt->kernels[numeric_id - 1]->num == numeric_id)
    k = rt->kernels[numeric_id - 1];
  pthread_mutex_unlock(&rt->kernels_lock);
  if (!k) rki_fail(RK_ENOTFOUND, "Kernel not found: #%llu", (unsigned long long)numeric_id);
  return k;
}

size_t rk_runtime_list_kernels(rk_runtime_t *rt, const char **ids, size_t cap,
                               bool include_terminated) {
  if (!rt) return 0;
  size_t n = 0;
  pthread_mutex_lock(&rt->kernels_lock);
  for (size_t i = 0; i < rt->kernel_count; i++) {
    rk_kernel_t *k = rt->kernels[i];
    if (!include_terminated && rk_kernel_state(k) == RK_KERNEL_TERMINATED) continue;
    if (ids && n < cap) ids[n] = k->id;
    n++;
  }
  pthread_mutex_unlock(&rt->kernels_lock);
  return n;
}
