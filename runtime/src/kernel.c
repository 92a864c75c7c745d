/* kernel.c — kernel objects: launch options, identity, lifecycle transitions, status. */
#define _GNU_SOURCE /* nanosleep under -std=c11 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hlc_internal.h"
#include "runtime_internal.h"

void rk_launch_options_init(rk_launch_options_t *o) {
  if (!o) return;
  memset(o, 0, sizeof *o);
  o->mode = RK_KERNEL_MODE_PERSISTENT;
  o->grid_size = 1;
  o->block_size = 256;
  o->input_capacity = 1024;
  o->output_capacity = 1024;
  o->payload_capacity = 4096;
  o->auto_activate = true;
}

const char *rk_kernel_state_name(rk_kernel_state_t s) {
  switch (s) {
  case RK_KERNEL_CREATED: return "Created";
  case RK_KERNEL_LAUNCHED: return "Launched";
  case RK_KERNEL_ACTIVE: return "Active";
  case RK_KERNEL_DEACTIVATED: return "Deactivated";
  case RK_KERNEL_TERMINATING: return "Terminating";
  case RK_KERNEL_TERMINATED: return "Terminated";
  }
  return "Unknown";
}

const char *rk_kernel_mode_name(rk_kernel_mode_t m) {
  switch (m) {
  case RK_KERNEL_MODE_PERSISTENT: return "Persistent";
  case RK_KERNEL_MODE_EVENT_DRIVEN: return "EventDriven";
  }
  return "Unknown";
}

rk_status_t rki_validate_kernel_id(const char *id) {
  if (!id) return rki_fail(RK_EINVAL, "kernel id is NULL");
  size_t n = strlen(id);
  if (n == 0 || n > RK_KERNEL_ID_MAX)
    return rki_fail(RK_EINVAL, "kernel id of %zu bytes: must be 1..%d", n, RK_KERNEL_ID_MAX);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)id[i];
    if (c < 0x20 || c > 0x7e)
      return rki_fail(RK_EINVAL, "kernel id byte %zu is 0x%02x: must be printable ASCII", i, c);
  }
  return RK_OK;
}

static uint32_t round_pow2(uint32_t v) {
  uint32_t p = 1;
  while (p < v)
    p <<= 1;
  return p;
}

static rk_status_t check_capacity(const char *what, uint32_t v, uint32_t *out) {
  if (v == 0 || v > RK_QUEUE_CAPACITY_MAX)
    return rki_fail(RK_EINVAL, "%s capacity %u: must be 1..%d", what, v, RK_QUEUE_CAPACITY_MAX);
  *out = round_pow2(v);
  return RK_OK;
}

static rk_status_t check_name(const char *what, const char *s) {
  if (s && strlen(s) > RK_KERNEL_ID_MAX)
    return rki_fail(RK_EINVAL, "%s of %zu bytes: must be at most %d", what, strlen(s),
                    RK_KERNEL_ID_MAX);
  return RK_OK;
}

rk_status_t rki_launch_options_check(const rk_launch_options_t *in, rk_launch_options_t *out) {
  *out = *in;
  if (in->mode != RK_KERNEL_MODE_PERSISTENT && in->mode != RK_KERNEL_MODE_EVENT_DRIVEN)
    return rki_fail(RK_EINVAL, "mode %d: must be 0 (Persistent) or 1 (EventDriven)", (int)in->mode);
  if (in->grid_size == 0) return rki_fail(RK_EINVAL, "grid size 0: must be at least 1");
  if (in->block_size == 0 || in->block_size > 1024)
    return rki_fail(RK_EINVAL, "block size %u: must be 1..1024", in->block_size);
  rk_status_t st = check_capacity("input queue", in->input_capacity, &out->input_capacity);
  if (st == RK_OK) st = check_capacity("output queue", in->output_capacity, &out->output_capacity);
  if (st != RK_OK) return st;
  if (in->payload_capacity == 0 || in->payload_capacity > RK_PAYLOAD_CAPACITY_MAX)
    return rki_fail(RK_EINVAL, "payload capacity %u: must be 1..%d", in->payload_capacity,
                    RK_PAYLOAD_CAPACITY_MAX);
  st = check_name("handler name", in->handler);
  if (st == RK_OK) st = check_name("forward_to", in->forward_to);
  return st;
}

static char *dup_or_null(const char *s) {
  if (!s) return NULL;
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

rk_status_t rki_kernel_new(rk_runtime_t *rt, const char *id, uint64_t num,
                           const rk_launch_options_t *opts, rk_kernel_t **out) {
  /* aligned: the senders' line is a line of its own (runtime_internal.h). */
  size_t size = (sizeof(rk_kernel_t) + RKI_CACHELINE - 1) / RKI_CACHELINE * RKI_CACHELINE;
  rk_kernel_t *k = aligned_alloc(RKI_CACHELINE, size);
  if (!k) return rki_fail(RK_ENOMEM, "kernel %s: out of memory", id);
  memset(k, 0, size);
  k->dl = calloc(RKI_DEAD_LETTER_CAP, sizeof *k->dl);
  if (rk_hlc_clock_create(rt->cfg.node_id, RK_HLC_DEFAULT_MAX_DRIFT_MS, &k->clock) != RK_OK)
    k->clock = NULL;
  k->cuda_source = dup_or_null(opts->cuda_source);
  k->cuda_entry = dup_or_null(opts->cuda_entry);
  if (!k->dl || !k->clock || (opts->cuda_source && !k->cuda_source) ||
      (opts->cuda_entry && !k->cuda_entry)) {
    rki_kernel_free(k);
    return rki_fail(RK_ENOMEM, "kernel %s: out of memory", id);
  }
  k->rt = rt;
  snprintf(k->id, sizeof k->id, "%s", id);
  k->num = num;
  snprintf(k->handler_name, sizeof k->handler_name, "%s", opts->handler ? opts->handler : "echo");
  snprintf(k->forward_to, sizeof k->forward_to, "%s", opts->forward_to ? opts->forward_to : "");
  k->opts = *opts;
  k->opts.handler = k->handler_name;
  k->opts.forward_to = k->forward_to;
  k->opts.cuda_source = k->cuda_source;
  k->opts.cuda_entry = k->cuda_entry;
  k->is_script = strcmp(k->handler_name, "script") == 0;
  k->launched_ns = rki_now_ns();
  pthread_mutex_init(&k->state_lock, NULL);
  pthread_mutex_init(&k->recv_lock, NULL);
  pthread_mutex_init(&k->dl_lock, NULL);
  atomic_init(&k->state, RK_KERNEL_CREATED);
  *out = k;
  return RK_OK;
}

void rki_kernel_free(rk_kernel_t *k) {
  if (!k) return;
  if (k->user_destroy) k->user_destroy(k->user);
  if (k->actor) k->ops->actor_destroy(k->actor);
  for (rk_message_t *m = k->pending_head, *n; m; m = n) {
    n = m->next;
    rk_message_free(m);
  }
  for (rk_message_t *m = k->held_head, *n; m; m = n) {
    n = m->next;
    rk_message_free(m);
  }
  pthread_mutex_destroy(&k->state_lock);
  pthread_mutex_destroy(&k->recv_lock);
  pthread_mutex_destroy(&k->dl_lock);
  free(k->cuda_source);
  free(k->cuda_entry);
  free(k->dl);
  rk_hlc_clock_destroy(k->clock);
  free(k);
}

rk_hlc_timestamp_t rki_kernel_stamp(rk_kernel_t *k, const rk_message_header_t *cause) {
  rk_hlc_timestamp_t ts;
  /* On a worker the wall reading is the one its current run of batches began with (one
   * clock read per batch, cpu_scheduler.c); a cause stamped after that reading can look
   * skewed against it, so a skew error is retried with a fresh reading. */
  rk_status_t st =
      k->is_script /* script replies may come from several binding threads at once */
          ? rki_hlc_clock_update_at(k->clock, cause->timestamp, rki_cpu_wall_micros(), &ts)
          : rki_hlc_clock_update_single(k->clock, cause->timestamp, rki_cpu_wall_micros(), &ts);
  if (st == RK_OK) return ts;
  rki_clear_error();
  if (rk_hlc_clock_update(k->clock, cause->timestamp, &ts) == RK_OK) return ts;
  rki_clear_error();
  return rk_hlc_clock_tick(k->clock);
}

const char *rk_kernel_id(const rk_kernel_t *k) {
  return k ? k->id : "";
}
uint64_t rk_kernel_numeric_id(const rk_kernel_t *k) {
  return k ? k->num : 0;
}

rk_kernel_state_t rk_kernel_state(const rk_kernel_t *k) {
  return k ? (rk_kernel_state_t)atomic_load_explicit(&k->state, memory_order_acquire)
           : RK_KERNEL_TERMINATED;
}

rk_status_t rk_kernel_wait_terminated(const rk_kernel_t *k, int64_t timeout_ns) {
  const struct timespec nap = {0, 1000000};
  for (int64_t slept = 0;; slept += nap.tv_nsec) {
    if (rk_kernel_state(k) == RK_KERNEL_TERMINATED) return RK_OK;
    if (timeout_ns >= 0 && slept >= timeout_ns) return RK_ETIMEDOUT;
    nanosleep(&nap, NULL);
  }
}

bool rk_kernel_is_active(const rk_kernel_t *k) {
  return rk_kernel_state(k) == RK_KERNEL_ACTIVE;
}
uint32_t rk_kernel_input_capacity(const rk_kernel_t *k) {
  return k ? k->opts.input_capacity : 0;
}
uint32_t rk_kernel_output_capacity(const rk_kernel_t *k) {
  return k ? k->opts.output_capacity : 0;
}

static rk_status_t bad_transition(rk_kernel_state_t from, rk_kernel_state_t to) {
  return rki_fail(RK_ESTATE, "Invalid state transition: %s -> %s", rk_kernel_state_name(from),
                  rk_kernel_state_name(to));
}

static void set_state(rk_kernel_t *k, rk_kernel_state_t s) {
  /* release: pairs with the acquire loads in rk_kernel_state and the send path. */
  atomic_store_explicit(&k->state, (int)s, memory_order_seq_cst);
}

static rk_status_t transition(rk_kernel_t *k, rk_kernel_state_t to, bool active) {
  if (!k) return rki_fail(RK_EINVAL, "kernel is NULL");
  rk_status_t st = rki_runtime_check(k->rt);
  if (st != RK_OK) return st;
  pthread_mutex_lock(&k->state_lock);
  rk_kernel_state_t from = rk_kernel_state(k);
  bool ok = active ? (from == RK_KERNEL_LAUNCHED || from == RK_KERNEL_DEACTIVATED)
                   : from == RK_KERNEL_ACTIVE;
  if (!ok) {
    st = bad_transition(from, to);
  } else {
    st = k->ops->actor_set_active(k->actor, active);
    if (st == RK_OK) set_state(k, to);
  }
  pthread_mutex_unlock(&k->state_lock);
  return st;
}

rk_status_t rk_kernel_activate(rk_kernel_t *k) {
  return transition(k, RK_KERNEL_ACTIVE, true);
}

rk_status_t rk_kernel_deactivate(rk_kernel_t *k) {
  return transition(k, RK_KERNEL_DEACTIVATED, false);
}

static void wait_senders(rk_kernel_t *k) {
  /* seq_cst: pairs with the sender's increment then state load (kernel_send.c): a sender
   * that saw a sendable state is counted here until its enqueue finished. */
  while (atomic_load_explicit(&k->senders, memory_order_seq_cst) != 0)
    sched_yield();
}

static void dead_letter_leftovers(rk_kernel_t *k) {
  rk_message_t *batch[64];
  size_t n;
  while ((n = k->ops->take_input(k->actor, batch, 64)) > 0) {
    for (size_t i = 0; i < n; i++) {
      rki_dead_letter_add(k, &batch[i]->hdr, RK_ESHUTDOWN,
                          "Kernel terminated before processing the message");
      rk_message_free(batch[i]);
    }
  }
}

rk_status_t rki_kernel_terminate(rk_kernel_t *k, bool drain, int64_t timeout_ns) {
  pthread_mutex_lock(&k->state_lock);
  rk_kernel_state_t from = rk_kernel_state(k);
  if (from != RK_KERNEL_LAUNCHED && from != RK_KERNEL_ACTIVE && from != RK_KERNEL_DEACTIVATED) {
    pthread_mutex_unlock(&k->state_lock);
    return bad_transition(from, RK_KERNEL_TERMINATED);
  }
  set_state(k, RK_KERNEL_TERMINATING);
  wait_senders(k);
  if (k->rt->broker) rk_k2k_unregister(k->rt->broker, k->id);
  rk_status_t st = k->ops->actor_terminate(k->actor, drain, timeout_ns);
  if (k->is_script) rki_script_forget(k);
  dead_letter_leftovers(k);
  /* A device actor holds an SM and device memory until destroyed; a stuck one may still
   * write, so it is kept. */
  if (st == RK_OK && k->ops != k->rt->cpu_ops) rki_kernel_release_actor(k);
  set_state(k, RK_KERNEL_TERMINATED);
  pthread_mutex_unlock(&k->state_lock);
  rki_runtime_wake_all(k->rt);
  if (st != RK_OK) rki_runtime_fail(k->rt, st, rk_last_error());
  return st;
}

/* Terminating waits until no handler of k runs, which a handler of k would wait on
 * forever. */
static rk_status_t check_not_own_handler(const rk_kernel_t *k) {
  if (rki_current_handler_kernel() != k) return RK_OK;
  return rki_fail(RK_ESTATE, "Kernel %s cannot terminate itself from its own handler", k->id);
}

rk_status_t rk_kernel_terminate(rk_kernel_t *k) {
  if (!k) return rki_fail(RK_EINVAL, "kernel is NULL");
  rk_status_t st = rki_runtime_check(k->rt);
  if (st == RK_OK) st = check_not_own_handler(k);
  return st != RK_OK ? st : rki_kernel_terminate(k, false, 0);
}

rk_status_t rk_kernel_terminate_drain(rk_kernel_t *k, int64_t timeout_ns) {
  if (!k) return rki_fail(RK_EINVAL, "kernel is NULL");
  rk_status_t st = rki_runtime_check(k->rt);
  if (st == RK_OK) st = check_not_own_handler(k);
  return st != RK_OK ? st : rki_kernel_terminate(k, true, timeout_ns);
}

/* recv_lock: a device actor may be destroyed at terminate (rki_kernel_release_actor). */
static void kernel_counters(const rk_kernel_t *k, rk_backend_counters_t *c) {
  rk_kernel_t *mk = (rk_kernel_t *)k;
  memset(c, 0, sizeof *c);
  pthread_mutex_lock(&mk->recv_lock);
  if (k->actor)
    k->ops->counters(k->actor, c);
  else
    *c = k->final_counters;
  pthread_mutex_unlock(&mk->recv_lock);
}

rk_status_t rk_kernel_status(const rk_kernel_t *k, rk_kernel_status_t *out) {
  if (!k || !out) return rki_fail(RK_EINVAL, "kernel or out is NULL");
  rk_backend_counters_t c;
  kernel_counters(k, &c);
  memset(out, 0, sizeof *out);
  snprintf(out->id, sizeof out->id, "%s", k->id);
  out->numeric_id = k->num;
  out->state = rk_kernel_state(k);
  out->mode = k->opts.mode;
  out->input_queue_depth = c.input.depth;
  out->output_queue_depth = c.output.depth +
                            atomic_load_explicit(&k->pending_count, memory_order_relaxed) +
                            atomic_load_explicit(&k->held_count, memory_order_relaxed);
  out->messages_processed = c.processed;
  out->messages_dead_lettered = atomic_load_explicit(&k->dl_total, memory_order_relaxed);
  out->uptime_secs = (double)(rki_now_ns() - k->launched_ns) / 1e9;
  return RK_OK;
}

static rk_status_t stats(const rk_kernel_t *k, rk_queue_stats_t *out, bool input) {
  if (!k || !out) return rki_fail(RK_EINVAL, "kernel or out is NULL");
  rk_backend_counters_t c;
  kernel_counters(k, &c);
  *out = input ? c.input : c.output;
  if (input) out->dropped += atomic_load_explicit(&k->dl_total, memory_order_relaxed);
  return RK_OK;
}

rk_status_t rk_kernel_input_stats(const rk_kernel_t *k, rk_queue_stats_t *out) {
  return stats(k, out, true);
}

rk_status_t rk_kernel_output_stats(const rk_kernel_t *k, rk_queue_stats_t *out) {
  return stats(k, out, false);
}

void rk_kernel_set_user(rk_kernel_t *k, void *user, void (*on_destroy)(void *)) {
  if (!k) return;
  void *old = k->user;
  void (*old_destroy)(void *) = k->user_destroy;
  k->user = user;
  k->user_destroy = on_destroy;
  if (old_destroy && old != user) old_destroy(old);
}

void *rk_kernel_get_user(const rk_kernel_t *k) {
  return k ? k->user : NULL;
}
