/* script_work.c — the queue of messages for "script" kernels, pulled by the binding's own
 * thread (rk_runtime_next_script_work) so no runtime thread ever calls into a script.
 *
 * The runtime keeps a FIFO of script kernels that have input (each at most once,
 * `script_queued`), all under script_lock; a kernel with more input after one message
 * goes to the back, so kernels take turns. The input ring's single consumer is whoever
 * holds script_lock.
 */
#include "runtime_internal.h"

static void ready_push(rk_runtime_t *rt, rk_kernel_t *k) {
  k->script_next = NULL;
  if (rt->script_tail)
    rt->script_tail->script_next = k;
  else
    rt->script_head = k;
  rt->script_tail = k;
  k->script_queued = true;
}

static rk_kernel_t *ready_pop(rk_runtime_t *rt) {
  rk_kernel_t *k = rt->script_head;
  if (!k) return NULL;
  rt->script_head = k->script_next;
  if (!rt->script_head) rt->script_tail = NULL;
  k->script_next = NULL;
  k->script_queued = false;
  return k;
}

static void recount(rk_runtime_t *rt) {
  size_t n = 0;
  for (rk_kernel_t *k = rt->script_head; k; k = k->script_next)
    n += rki_cpu_input_depth(k->actor);
  atomic_store_explicit(&rt->script_pending, n, memory_order_relaxed);
}

void rki_script_notify(rk_kernel_t *k) {
  rk_runtime_t *rt = k->rt;
  pthread_mutex_lock(&rt->script_lock);
  if (!k->script_queued) ready_push(rt, k);
  recount(rt);
  pthread_mutex_unlock(&rt->script_lock);
  rki_ready_signal(rt);
  rki_waitset_notify(&rt->events);
}

void rki_script_forget(rk_kernel_t *k) {
  rk_runtime_t *rt = k->rt;
  pthread_mutex_lock(&rt->script_lock);
  rk_kernel_t *prev = NULL;
  for (rk_kernel_t *c = rt->script_head; c; prev = c, c = c->script_next) {
    if (c != k) continue;
    if (prev)
      prev->script_next = c->script_next;
    else
      rt->script_head = c->script_next;
    if (rt->script_tail == c) rt->script_tail = prev;
    c->script_queued = false;
    break;
  }
  recount(rt);
  pthread_mutex_unlock(&rt->script_lock);
}

typedef struct pull {
  rk_runtime_t *rt;
  rk_kernel_t *k;
  rk_message_t *m;
} pull_t;

/* Inactive kernels leave the FIFO; activation re-queues them (rki_script_notify). */
static rk_status_t try_pull(void *arg) {
  pull_t *p = arg;
  rk_runtime_t *rt = p->rt;
  pthread_mutex_lock(&rt->script_lock);
  rk_kernel_t *k;
  while ((k = ready_pop(rt)) != NULL) {
    if (rk_kernel_state(k) != RK_KERNEL_ACTIVE && rk_kernel_state(k) != RK_KERNEL_TERMINATING)
      continue;
    p->m = rki_cpu_pop_input(k->actor);
    if (!p->m) continue;
    if (rki_cpu_input_depth(k->actor) > 0) ready_push(rt, k);
    p->k = k;
    break;
  }
  recount(rt);
  pthread_mutex_unlock(&rt->script_lock);
  if (p->m) {
    rt->host.input_space(p->k);
    return RK_OK;
  }
  if (atomic_load_explicit(&rt->shutdown, memory_order_acquire))
    return rki_fail(RK_ESHUTDOWN, "Runtime is shut down");
  return RK_EAGAIN;
}

rk_status_t rk_runtime_next_script_work(rk_runtime_t *rt, int64_t timeout_ns, rk_kernel_t **kernel,
                                        rk_message_t **msg) {
  if (kernel) *kernel = NULL;
  if (msg) *msg = NULL;
  if (!rt || !kernel || !msg) return rki_fail(RK_EINVAL, "runtime, kernel or msg is NULL");
  rk_status_t st = rki_runtime_check(rt);
  if (st != RK_OK) return st;
  pull_t p = {rt, NULL, NULL};
  st = rki_runtime_wait(rt, &rt->events, timeout_ns, true, try_pull, &p);
  if (st == RK_OK) {
    *kernel = p.k;
    *msg = p.m;
  }
  if (st == RK_EAGAIN) return rki_fail(RK_EAGAIN, "no script work waiting");
  return st;
}

void rk_script_work_done(rk_kernel_t *k, rk_message_t *msg, rk_status_t result,
                         const char *detail) {
  if (!k || !msg) {
    rk_message_free(msg);
    return;
  }
  if (result == RK_OK)
    rki_cpu_count_processed(k->actor);
  else
    rki_dead_letter_add(k, &msg->hdr, result, detail);
  rk_message_free(msg);
}

size_t rk_runtime_script_work_pending(const rk_runtime_t *rt) {
  return rt ? atomic_load_explicit(&rt->script_pending, memory_order_relaxed) : 0;
}
