/* kernel_receive.c — replies to the host: receive, receive_many, request, script replies.
 *
 * Order: the pending list holds replies that a request() pulled out of the backend while
 * looking for its own correlation id; they are older than anything still in the backend
 * output, so receive() serves the pending list first. recv_lock serializes the pending
 * list and the backend's dequeue (which is single-consumer).
 */
#include <string.h>

#include "runtime_internal.h"

enum { RECV_BATCH = 32 };

static void pending_append(rk_kernel_t *k, rk_message_t *m) {
  m->next = NULL;
  if (k->pending_tail)
    k->pending_tail->next = m;
  else
    k->pending_head = m;
  k->pending_tail = m;
  atomic_fetch_add_explicit(&k->pending_count, 1, memory_order_relaxed);
}

static rk_message_t *pending_take(rk_kernel_t *k, bool any, uint64_t cid) {
  rk_message_t *prev = NULL;
  for (rk_message_t *m = k->pending_head; m; prev = m, m = m->next) {
    if (!any && m->hdr.correlation_id != cid) continue;
    if (prev)
      prev->next = m->next;
    else
      k->pending_head = m->next;
    if (k->pending_tail == m) k->pending_tail = prev;
    m->next = NULL;
    atomic_fetch_sub_explicit(&k->pending_count, 1, memory_order_relaxed);
    return m;
  }
  return NULL;
}

/* Moves everything in the backend output to the end of the pending list, in order.
 * Caller holds recv_lock. */
static void park_output_locked(rk_kernel_t *k) {
  rk_message_t *batch[RECV_BATCH];
  size_t n;
  while ((n = k->ops->dequeue(k->actor, batch, RECV_BATCH)) > 0)
    for (size_t i = 0; i < n; i++)
      pending_append(k, batch[i]);
}

static void count_received(rk_kernel_t *k, size_t n) {
  atomic_fetch_add_explicit(&k->rt->messages_received, n, memory_order_relaxed);
}

typedef struct recv_args {
  rk_kernel_t *k;
  rk_message_t **out;
  size_t max;
  size_t got;
  bool blocking;
  uint64_t cid;
} recv_args_t;

/* Script kernels: replies held on a full output go into it first (script_work.c). */
static void held_check(rk_kernel_t *k) {
  /* seq_cst: pairs with the increment in script_work.c's held_append (see there). */
  if (atomic_load_explicit(&k->held_count, memory_order_seq_cst)) rki_script_deliver_held(k);
}

static rk_status_t try_recv(void *arg) {
  recv_args_t *r = arg;
  rk_kernel_t *k = r->k;
  held_check(k);
  pthread_mutex_lock(&k->recv_lock);
  while (r->got < r->max) {
    rk_message_t *m = pending_take(k, true, 0);
    if (!m) break;
    r->out[r->got++] = m;
  }
  if (r->got < r->max && k->actor)
    r->got += k->ops->dequeue(k->actor, r->out + r->got, r->max - r->got);
  pthread_mutex_unlock(&k->recv_lock);
  if (r->got == 0) {
    /* A blocking receive on a terminated kernel whose output is empty would wait for
     * nothing: report the end instead. */
    if (r->blocking && rk_kernel_state(k) == RK_KERNEL_TERMINATED)
      return rki_fail(RK_ESHUTDOWN, "Kernel terminated: %s (no replies left)", k->id);
    return RK_EAGAIN;
  }
  count_received(k, r->got);
  return RK_OK;
}

static rk_status_t recv_check(rk_kernel_t *k, void *out) {
  if (!k || !out) return rki_fail(RK_EINVAL, "kernel or out is NULL");
  return rki_runtime_check(k->rt);
}

void rki_kernel_release_actor(rk_kernel_t *k) {
  rk_backend_actor_t *gone = NULL;
  pthread_mutex_lock(&k->recv_lock);
  park_output_locked(k);
  if (k->ops->output_depth(k->actor) == 0) {
    k->ops->counters(k->actor, &k->final_counters);
    gone = k->actor;
    k->actor = NULL;
  }
  pthread_mutex_unlock(&k->recv_lock);
  if (gone) k->ops->actor_destroy(gone);
}

rk_status_t rk_kernel_receive_many(rk_kernel_t *k, rk_message_t **out, size_t max,
                                   int64_t timeout_ns, size_t *count) {
  if (count) *count = 0;
  rk_status_t st = recv_check(k, out);
  if (st != RK_OK) return st;
  if (max == 0) return RK_OK;
  recv_args_t r = {k, out, max, 0, timeout_ns != 0, 0};
  st = rki_runtime_wait(k->rt, &k->rt->events, timeout_ns, false, try_recv, &r);
  if (count) *count = r.got;
  if (st == RK_EAGAIN) return rki_fail(RK_EAGAIN, "no message waiting from %s", k->id);
  return st;
}

rk_status_t rk_kernel_receive(rk_kernel_t *k, rk_message_t **out, int64_t timeout_ns) {
  if (out) *out = NULL;
  return rk_kernel_receive_many(k, out, 1, timeout_ns, NULL);
}

rk_status_t rk_kernel_try_receive(rk_kernel_t *k, rk_message_t **out) {
  return rk_kernel_receive(k, out, 0);
}

/* Looks for the reply with r->cid: first in the pending list, then in the backend output,
 * parking every other reply in the pending list (in order). */
static rk_status_t try_match(void *arg) {
  recv_args_t *r = arg;
  rk_kernel_t *k = r->k;
  held_check(k);
  pthread_mutex_lock(&k->recv_lock);
  rk_message_t *found = pending_take(k, false, r->cid);
  rk_message_t *batch[RECV_BATCH];
  bool parked = false;
  while (!found && k->actor) {
    size_t n = k->ops->dequeue(k->actor, batch, RECV_BATCH);
    if (n == 0) break;
    for (size_t i = 0; i < n; i++) {
      if (!found && batch[i]->hdr.correlation_id == r->cid) {
        found = batch[i];
      } else {
        pending_append(k, batch[i]);
        parked = true;
      }
    }
  }
  pthread_mutex_unlock(&k->recv_lock);
  /* A reply parked here may be the one another requester sleeps for: the backend's
   * signal for it came and went (this thread took the reply out of the output), so
   * without this notify that requester would sleep until the next reply or its timeout. */
  if (parked) rki_waitset_notify(&k->rt->events);
  if (!found) {
    if (rk_kernel_state(k) == RK_KERNEL_TERMINATED)
      return rki_fail(RK_ESHUTDOWN, "Kernel terminated: %s (no reply for correlation %llu)", k->id,
                      (unsigned long long)r->cid);
    return RK_EAGAIN;
  }
  r->out[0] = found;
  count_received(k, 1);
  return RK_OK;
}

rk_status_t rk_kernel_receive_reply(rk_kernel_t *k, uint64_t correlation_id, int64_t timeout_ns,
                                    rk_message_t **out) {
  if (out) *out = NULL;
  rk_status_t st = recv_check(k, out);
  if (st != RK_OK) return st;
  if (correlation_id == 0) return rki_fail(RK_EINVAL, "correlation id 0: no request carries it");
  recv_args_t r = {k, out, 1, 0, timeout_ns != 0, correlation_id};
  st = rki_runtime_wait(k->rt, &k->rt->events, timeout_ns, false, try_match, &r);
  if (st == RK_EAGAIN)
    return rki_fail(RK_EAGAIN, "no reply for correlation %llu from %s yet",
                    (unsigned long long)correlation_id, k->id);
  return st;
}

static rk_status_t request_timed_out(const rk_kernel_t *k, int64_t timeout_ns) {
  return rki_fail(RK_ETIMEDOUT, "no reply from %s within %lld ns", k->id, (long long)timeout_ns);
}

/* The request's header, stamped once: the caller's fields (or defaults), a fresh
 * correlation id, the runtime's HLC tick. */
static rk_status_t stamp_request(rk_kernel_t *k, const rk_message_header_t *hdr, size_t len,
                                 rk_message_header_t *h) {
  rk_status_t st = rki_stamp_header(k, hdr, len, 0, rk_hlc_clock_tick(k->rt->clock), h);
  h->correlation_id = rk_message_id_generate();
  return st;
}

/* The common case reads no clock: the send goes in at once and the reply is matched on
 * the first look. The clock is read when something has to wait; a timeout then counts
 * from the request's start when the send waited, else from the first look that missed
 * (the send that went in at once took well under a microsecond). */
rk_status_t rk_kernel_request(rk_kernel_t *k, const rk_message_header_t *hdr, const void *payload,
                              size_t len, int64_t timeout_ns, rk_message_t **reply) {
  if (reply) *reply = NULL;
  rk_status_t st = recv_check(k, reply);
  if (st == RK_OK) st = rki_kernel_send_check(k, payload, len);
  if (st != RK_OK) return st;
  rk_message_header_t h;
  st = stamp_request(k, hdr, len, &h);
  if (st != RK_OK) return st;
  uint64_t start = 0;
  st = rki_kernel_deliver(k, &h, payload, len, false);
  if (st == RK_EAGAIN) {
    start = rki_now_ns();
    st = rki_kernel_send_stamped(k, &h, payload, len, timeout_ns);
  }
  if (st != RK_OK) return st;
  recv_args_t r = {k, reply, 1, 0, true, h.correlation_id};
  st = try_match(&r);
  if (st != RK_EAGAIN || timeout_ns == 0) return st == RK_EAGAIN ? request_timed_out(k, 0) : st;
  int64_t left = timeout_ns;
  if (timeout_ns > 0 && start) {
    uint64_t spent = rki_now_ns() - start;
    left = spent >= (uint64_t)timeout_ns ? 0 : timeout_ns - (int64_t)spent;
  }
  st = rki_runtime_wait(k->rt, &k->rt->events, left, false, try_match, &r);
  return st == RK_EAGAIN ? request_timed_out(k, timeout_ns) : st;
}

rk_status_t rk_kernel_reply(rk_kernel_t *k, const rk_message_t *request, const void *payload,
                            size_t len) {
  if (!k || !request) return rki_fail(RK_EINVAL, "kernel or request is NULL");
  if (len && !payload) return rki_fail(RK_EINVAL, "payload is NULL with len %zu", len);
  if (len > RK_MAX_PAYLOAD_SIZE)
    return rki_fail(RK_ETOOBIG, "payload %zu bytes > max %d", len, RK_MAX_PAYLOAD_SIZE);
  if (!k->is_script)
    return rki_fail(RK_EINVAL, "kernel %s is not a script kernel (handler %s)", k->id,
                    k->handler_name);
  rk_message_header_t h;
  rk_message_header_init(&h, request->hdr.message_type, k->num, request->hdr.source_kernel, len,
                         rki_kernel_stamp(k, &request->hdr));
  h.correlation_id = request->hdr.correlation_id;
  rk_message_t *m = rki_message_new(k->rt->pool, &h, payload, len);
  if (!m) return RK_ENOMEM;
  return rki_script_reply(k, m);
}

void rki_kernel_spill_replies(rk_kernel_t *k, rk_message_t *list) {
  pthread_mutex_lock(&k->recv_lock);
  park_output_locked(k);
  while (list) {
    rk_message_t *next = list->next;
    pending_append(k, list);
    list = next;
  }
  pthread_mutex_unlock(&k->recv_lock);
}
