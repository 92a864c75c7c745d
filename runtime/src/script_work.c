/* script_work.c — the queue of messages for "script" kernels, pulled by the binding's own
 * thread (rk_runtime_next_script_work) so no runtime thread ever calls into a script.
 *
 * The runtime keeps a FIFO of script kernels that have input (each at most once,
 * `script_queued`), all under script_lock; a kernel with more input after one message
 * goes to the back, so kernels take turns. The input ring's single consumer is whoever
 * holds script_lock.
 *
 * Held replies: a script handler's reply that finds the kernel's output full is held
 * (k->held_*, oldest first) instead of being dead-lettered, as a C actor would wait for
 * space. While a kernel holds replies it is out of the FIFO, so its next messages stay
 * in its input (back-pressure on its senders), and newer replies queue behind the held
 * ones (order kept). Every pull first delivers what fits: a script that serves and
 * receives on one thread gets "no work" back while its output is full, receives, and
 * its next serve carries on. A receiver that frees output space wakes a waiting pull
 * (cpu_dequeue -> rki_script_output_space), and each receive first moves held replies
 * that fit into the output (rki_script_deliver_held), so a reply held by the last
 * message a loop served still reaches its receiver. Terminate moves held replies to the
 * host-side pending list: still receivable, never dropped.
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
  if (!k->script_queued && !k->held_head) ready_push(rt, k);
  recount(rt);
  pthread_mutex_unlock(&rt->script_lock);
  rki_ready_signal(rt);
  rki_waitset_notify(&rt->events);
}

static void ready_remove(rk_runtime_t *rt, rk_kernel_t *k) {
  rk_kernel_t *prev = NULL;
  for (rk_kernel_t *c = rt->script_head; c; prev = c, c = c->script_next) {
    if (c != k) continue;
    if (prev)
      prev->script_next = c->script_next;
    else
      rt->script_head = c->script_next;
    if (rt->script_tail == c) rt->script_tail = prev;
    c->script_queued = false;
    return;
  }
}

/* ---- held replies (see the top of the file) ---- */

static void held_append(rk_runtime_t *rt, rk_kernel_t *k, rk_message_t *m) {
  m->next = NULL;
  if (k->held_tail) {
    k->held_tail->next = m;
  } else {
    k->held_head = m;
    k->held_next = rt->held_kernels;
    rt->held_kernels = k;
  }
  k->held_tail = m;
  /* seq_cst: pairs with the load in kernel_receive.c's held_check, which a waiting
   * receiver makes after rki_wait_begin; rki_script_reply notifies after this (Dekker). */
  atomic_fetch_add_explicit(&k->held_count, 1, memory_order_seq_cst);
}

static void held_unlist(rk_runtime_t *rt, rk_kernel_t *k) {
  for (rk_kernel_t **link = &rt->held_kernels; *link; link = &(*link)->held_next) {
    if (*link != k) continue;
    *link = k->held_next;
    k->held_next = NULL;
    return;
  }
}

/* Takes k's held replies as one list, oldest first. */
static rk_message_t *held_take(rk_kernel_t *k) {
  rk_message_t *list = k->held_head;
  k->held_head = k->held_tail = NULL;
  atomic_store_explicit(&k->held_count, 0, memory_order_relaxed);
  return list;
}

/* Pushes k's held replies into its output while it has room; true when none is left. */
static bool held_deliver(rk_kernel_t *k) {
  size_t sent = 0;
  rk_message_t *m;
  while ((m = k->held_head) != NULL) {
    rk_message_t *next = m->next; /* m belongs to the receiver once pushed */
    if (rki_cpu_push_output_watched(k->actor, m) != RK_OK) break;
    k->held_head = next;
    sent++;
  }
  if (!k->held_head) k->held_tail = NULL;
  if (sent) {
    atomic_fetch_sub_explicit(&k->held_count, sent, memory_order_relaxed);
    k->rt->host.output_ready(k);
  }
  return k->held_head == NULL;
}

/* A kernel whose replies all went out: back in the FIFO when it has input. */
static bool rejoin(rk_runtime_t *rt, rk_kernel_t *k) {
  if (k->script_queued || rki_cpu_input_depth(k->actor) == 0) return false;
  ready_push(rt, k);
  return true;
}

/* Delivers what the outputs take; kernels with nothing held any more rejoin the FIFO. */
static void held_flush(rk_runtime_t *rt) {
  rk_kernel_t **link = &rt->held_kernels;
  while (*link) {
    rk_kernel_t *k = *link;
    if (!held_deliver(k)) {
      link = &k->held_next;
      continue;
    }
    *link = k->held_next;
    k->held_next = NULL;
    rejoin(rt, k);
  }
}

void rki_script_deliver_held(rk_kernel_t *k) {
  rk_runtime_t *rt = k->rt;
  bool requeued = false;
  pthread_mutex_lock(&rt->script_lock);
  if (k->held_head && held_deliver(k)) {
    held_unlist(rt, k);
    requeued = rejoin(rt, k);
    recount(rt);
  }
  pthread_mutex_unlock(&rt->script_lock);
  if (requeued) rki_script_output_space(k);
}

/* Nothing held and room in the output: the reply goes in without script_lock (the
 * common case, one lock round trip less per message). Relaxed is enough: a kernel is
 * handed out again only after its held replies went out, and the pull that hands it out
 * takes script_lock after them, so its handler's replies come later; a handler sees the
 * holds of its own earlier replies (same thread); handlers running at once on several
 * threads have no order between them to keep. */
static bool reply_fast(rk_kernel_t *k, rk_message_t *m) {
  return atomic_load_explicit(&k->held_count, memory_order_relaxed) == 0 &&
         rki_cpu_push_output(k->actor, m) == RK_OK;
}

rk_status_t rki_script_reply(rk_kernel_t *k, rk_message_t *m) {
  rk_runtime_t *rt = k->rt;
  bool sent = true;
  if (reply_fast(k, m)) {
    rt->host.output_ready(k);
    return RK_OK;
  }
  pthread_mutex_lock(&rt->script_lock);
  if (k->held_closed) {
    rki_kernel_spill_replies(k, m);
  } else if (k->held_head || rki_cpu_push_output_watched(k->actor, m) != RK_OK) {
    held_append(rt, k, m);
    sent = false;
  }
  pthread_mutex_unlock(&rt->script_lock);
  if (sent)
    rt->host.output_ready(k);
  else
    rki_waitset_notify(&rt->events); /* a waiting receiver delivers it once it has room */
  return RK_OK;
}

/* Wakes script loops (and receivers) that wait on `events`, and event loops. */
void rki_script_output_space(rk_kernel_t *k) {
  rki_ready_signal(k->rt);
  rki_waitset_notify(&k->rt->events);
}

void rki_script_forget(rk_kernel_t *k) {
  rk_runtime_t *rt = k->rt;
  pthread_mutex_lock(&rt->script_lock);
  ready_remove(rt, k);
  held_unlist(rt, k);
  k->held_closed = true;
  rk_message_t *held = held_take(k);
  if (held) rki_kernel_spill_replies(k, held);
  recount(rt);
  pthread_mutex_unlock(&rt->script_lock);
  if (held) rt->host.output_ready(k);
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
  held_flush(rt);
  rk_kernel_t *k;
  while ((k = ready_pop(rt)) != NULL) {
    if (rk_kernel_state(k) != RK_KERNEL_ACTIVE && rk_kernel_state(k) != RK_KERNEL_TERMINATING)
      continue;
    if (k->held_head) continue; /* rejoins once its replies are out (held_flush) */
    p->m = rki_cpu_pop_input(k->actor);
    if (!p->m) continue;
    if (rki_cpu_input_depth(k->actor) > 0) ready_push(rt, k);
    p->k = k;
    break;
  }
  recount(rt);
  pthread_mutex_unlock(&rt->script_lock);
  if (p->m) {
    if (rki_cpu_take_space_wanted(p->k->actor)) rt->host.input_space(p->k);
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
