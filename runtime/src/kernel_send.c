/* kernel_send.c — host and K2K sends into a kernel's input.
 *
 * Racing with terminate/shutdown: a sender first increments k->senders, then reads the
 * state (both seq_cst); terminate first publishes Terminating, then waits for senders to
 * reach 0 (both seq_cst). So a send either sees Terminating and fails (the caller keeps
 * its message) or is counted, and terminate waits for its enqueue to finish before it
 * collects the leftovers (which are then dead-lettered, never dropped).
 */
#include <string.h>

#include "hlc_internal.h"
#include "runtime_internal.h"

static bool sendable(rk_kernel_state_t s, bool k2k) {
  if (s == RK_KERNEL_ACTIVE) return true;
  return k2k && (s == RK_KERNEL_LAUNCHED || s == RK_KERNEL_DEACTIVATED);
}

static rk_status_t admit(rk_kernel_t *k, bool k2k) {
  atomic_fetch_add_explicit(&k->senders, 1, memory_order_seq_cst);
  rk_kernel_state_t s = (rk_kernel_state_t)atomic_load_explicit(&k->state, memory_order_seq_cst);
  if (sendable(s, k2k) && !atomic_load_explicit(&k->rt->shutdown, memory_order_seq_cst))
    return RK_OK;
  atomic_fetch_sub_explicit(&k->senders, 1, memory_order_seq_cst);
  if (atomic_load_explicit(&k->rt->shutdown, memory_order_acquire))
    return rki_fail(RK_ESHUTDOWN, "Runtime is shut down");
  if (s == RK_KERNEL_TERMINATING || s == RK_KERNEL_TERMINATED)
    return rki_fail(RK_ESHUTDOWN, "Kernel terminated: %s", k->id);
  return rki_fail(RK_ESTATE, "Kernel not active: %s", k->id);
}

static void release(rk_kernel_t *k) {
  /* seq_cst: pairs with wait_senders in kernel.c. */
  atomic_fetch_sub_explicit(&k->senders, 1, memory_order_seq_cst);
}

rk_status_t rki_stamp_header(rk_kernel_t *k, const rk_message_header_t *hdr, size_t len,
                             uint64_t source, rk_hlc_timestamp_t ts, rk_message_header_t *out) {
  if (len > RK_MAX_PAYLOAD_SIZE)
    return rki_fail(RK_ETOOBIG, "payload %zu bytes > max %d", len, RK_MAX_PAYLOAD_SIZE);
  /* Every backend takes any size up to the maximum: a GPU actor's slot has a fixed
   * payload area (payload_capacity), and a larger payload goes through its pinned spill
   * rings (cuda/README.md, "Payloads above the slot"). */
  if (!hdr || hdr->magic == 0) {
    rk_message_header_init(out, hdr ? hdr->message_type : 0, source, k->num, len, ts);
    if (hdr) out->correlation_id = hdr->correlation_id;
  } else {
    *out = *hdr;
    out->payload_size = len;
    rk_status_t st = rk_message_header_validate(out);
    if (st != RK_OK) return st;
    if (out->message_id == 0) out->message_id = rk_message_id_generate();
  }
  out->timestamp = ts;
  out->source_kernel = source;
  out->dest_kernel = k->num;
  return RK_OK;
}

rk_status_t rki_kernel_deliver(rk_kernel_t *k, const rk_message_header_t *hdr, const void *payload,
                               size_t len, bool k2k) {
  rk_status_t st = admit(k, k2k);
  if (st != RK_OK) return st;
  RKI_ASSERT(hdr->payload_size == len);
  size_t n = k->ops->enqueue(k->actor, &hdr, &payload, 1);
  release(k);
  if (n != 1) return RK_EAGAIN;
  rki_counter_add(&k->rt->messages_sent, 1);
  return RK_OK;
}

rk_status_t rki_kernel_deliver_owned(rk_kernel_t *k, rk_message_t *m) {
  rk_status_t st = admit(k, true);
  if (st != RK_OK) return st;
  st = rki_cpu_enqueue_owned(k->actor, m);
  release(k);
  if (st == RK_OK) rki_counter_add(&k->rt->messages_sent, 1);
  return st;
}

static rk_status_t check_args(rk_kernel_t *k, const void *payload, size_t len) {
  if (!k) return rki_fail(RK_EINVAL, "kernel is NULL");
  if (len && !payload) return rki_fail(RK_EINVAL, "payload is NULL with len %zu", len);
  return rki_runtime_check(k->rt);
}

typedef struct send_one {
  rk_kernel_t *k;
  const rk_message_header_t *hdr;
  const void *payload;
  size_t len;
} send_one_t;

static rk_status_t try_send_one(void *arg) {
  send_one_t *s = arg;
  return rki_kernel_deliver(s->k, s->hdr, s->payload, s->len, false);
}

/* A full input is a bare RK_EAGAIN while the wait loop retries it (many times when hot);
 * the detail text is formatted here, once, when the call gives up. */
static rk_status_t finish(const rk_kernel_t *k, rk_status_t st, int64_t timeout_ns) {
  if (st == RK_EAGAIN)
    return rki_fail(RK_EAGAIN, "Queue full (capacity: %u)", k->opts.input_capacity);
  if (st != RK_ETIMEDOUT) return st;
  return rki_fail(RK_ETIMEDOUT, "Queue full (capacity: %u): timed out after %lld ns",
                  k->opts.input_capacity, (long long)timeout_ns);
}

rk_status_t rki_kernel_send_stamped(rk_kernel_t *k, const rk_message_header_t *h,
                                    const void *payload, size_t len, int64_t timeout_ns) {
  send_one_t s = {k, h, payload, len};
  rk_status_t st = rki_runtime_wait(k->rt, &k->rt->space, timeout_ns, true, try_send_one, &s);
  return finish(k, st, timeout_ns);
}

rk_status_t rki_kernel_send_check(rk_kernel_t *k, const void *payload, size_t len) {
  return check_args(k, payload, len);
}

rk_status_t rk_kernel_send(rk_kernel_t *k, const rk_message_header_t *hdr, const void *payload,
                           size_t len, int64_t timeout_ns) {
  rk_status_t st = check_args(k, payload, len);
  if (st != RK_OK) return st;
  rk_message_header_t h;
  st = rki_stamp_header(k, hdr, len, 0, rk_hlc_clock_tick(k->rt->clock), &h);
  if (st != RK_OK) return st;
  return rki_kernel_send_stamped(k, &h, payload, len, timeout_ns);
}

rk_status_t rk_kernel_send_bytes(rk_kernel_t *k, uint64_t message_type, const void *payload,
                                 size_t len, uint64_t correlation_id, int64_t timeout_ns) {
  rk_message_header_t h;
  memset(&h, 0, sizeof h);
  h.message_type = message_type;
  h.correlation_id = correlation_id;
  return rk_kernel_send(k, &h, payload, len, timeout_ns);
}

/* SEND_PROBE: what a chunk stamps after the input was last seen full. A pipelined sender
 * ahead of the device finds it full on most calls, and a whole chunk stamped for nothing
 * cost ~0.6 µs per refused call on the dev VM. */
enum { SEND_CHUNK = 64, SEND_PROBE = 4 };

typedef struct send_many {
  rk_kernel_t *k;
  const rk_send_item_t *items;
  size_t count;
  size_t done;
} send_many_t;

/* Stamps and enqueues the next chunk; RK_OK when everything went in, RK_EAGAIN when the
 * input filled up, another error when an item is invalid or the kernel stopped. The
 * chunk's stamps come from one clock read and one update of the clock (stamps of items
 * that do not go in are skipped, which keeps the rest increasing). */
static rk_status_t try_send_chunk(send_many_t *s) {
  rk_message_header_t hdrs[SEND_CHUNK];
  const rk_message_header_t *hp[SEND_CHUNK];
  const void *pp[SEND_CHUNK];
  rk_hlc_timestamp_t ts[SEND_CHUNK];
  bool was_full = atomic_load_explicit(&s->k->input_was_full, memory_order_relaxed);
  size_t chunk = was_full ? SEND_PROBE : SEND_CHUNK;
  size_t want = s->count - s->done < chunk ? s->count - s->done : chunk;
  rki_hlc_clock_tick_many(s->k->rt->clock, rk_hlc_wall_micros(), want, ts);
  size_t n = 0;
  rk_status_t bad = RK_OK;
  while (n < want) {
    const rk_send_item_t *it = &s->items[s->done + n];
    if (it->len && !it->payload)
      bad = rki_fail(RK_EINVAL, "item %zu: payload is NULL", s->done + n);
    if (bad == RK_OK) bad = rki_stamp_header(s->k, it->header, it->len, 0, ts[n], &hdrs[n]);
    if (bad != RK_OK) break;
    hp[n] = &hdrs[n];
    pp[n] = it->payload;
    n++;
  }
  if (n == 0) return bad;
  rk_status_t st = admit(s->k, false);
  if (st != RK_OK) return st;
  size_t got = s->k->ops->enqueue(s->k->actor, hp, pp, n);
  release(s->k);
  if ((got < n) != was_full)
    atomic_store_explicit(&s->k->input_was_full, got < n, memory_order_relaxed);
  s->done += got;
  rki_counter_add(&s->k->rt->messages_sent, got);
  if (got < n) return RK_EAGAIN;
  return bad;
}

/* One item of a chunk stamped straight into its own message block. */
static rk_status_t build_owned(rk_kernel_t *k, const rk_send_item_t *it, size_t index,
                               rk_hlc_timestamp_t ts, rk_message_t **out) {
  if (it->len && !it->payload) return rki_fail(RK_EINVAL, "item %zu: payload is NULL", index);
  if (it->len > RK_MAX_PAYLOAD_SIZE)
    return rki_fail(RK_ETOOBIG, "payload %zu bytes > max %d", it->len, RK_MAX_PAYLOAD_SIZE);
  rk_message_t *m = rki_message_alloc(k->rt->pool, it->len);
  if (!m) return RK_ENOMEM;
  rk_status_t st = rki_stamp_header(k, it->header, it->len, 0, ts, &m->hdr);
  if (st != RK_OK) {
    rk_message_free(m);
    return st;
  }
  if (it->len) memcpy(m->payload, it->payload, it->len);
  *out = m;
  return RK_OK;
}

/* The first error item i would give, or RK_OK (a full input still reports a bad item
 * first, as try_send_chunk does). */
static rk_status_t check_item(rk_kernel_t *k, const rk_send_item_t *it, size_t i) {
  if (it->len && !it->payload) return rki_fail(RK_EINVAL, "item %zu: payload is NULL", i);
  rk_message_header_t h;
  rk_hlc_timestamp_t zero = {0, 0, 0};
  return rki_stamp_header(k, it->header, it->len, 0, zero, &h);
}

/* try_send_chunk for a kernel on the CPU backend: each message is stamped straight into
 * its own block (no header array to copy from) and the blocks move into the input. Only
 * as many are built as the input has room for now, so a full input costs no allocation. */
static rk_status_t try_send_chunk_owned(send_many_t *s) {
  rk_kernel_t *k = s->k;
  rk_message_t *ms[SEND_CHUNK];
  rk_hlc_timestamp_t ts[SEND_CHUNK];
  size_t want = s->count - s->done < SEND_CHUNK ? s->count - s->done : SEND_CHUNK;
  size_t room = rki_cpu_input_room(k->actor);
  if (room == 0) {
    rk_status_t bad = check_item(k, &s->items[s->done], s->done);
    return bad != RK_OK ? bad : RK_EAGAIN;
  }
  rki_hlc_clock_tick_many(k->rt->clock, rk_hlc_wall_micros(), want, ts);
  size_t n = 0;
  rk_status_t bad = RK_OK;
  while (n < want && n < room && bad == RK_OK) {
    bad = build_owned(k, &s->items[s->done + n], s->done + n, ts[n], &ms[n]);
    if (bad == RK_OK) n++;
  }
  rk_status_t st = n ? admit(k, false) : bad;
  size_t got = 0;
  if (n && st == RK_OK) {
    got = rki_cpu_enqueue_owned_many(k->actor, ms, n);
    release(k);
  }
  for (size_t i = got; i < n; i++)
    rk_message_free(ms[i]);
  if (st != RK_OK) return st;
  s->done += got;
  rki_counter_add(&k->rt->messages_sent, got);
  /* A chunk cut short by the room seen is progress: the caller comes back for the rest
   * and, finding no room then, asks for the notify before it sleeps. */
  if (got < n) return RK_EAGAIN;
  return bad;
}

static rk_status_t try_send_many(void *arg) {
  send_many_t *s = arg;
  bool owned = s->k->ops == s->k->rt->cpu_ops;
  while (s->done < s->count) {
    size_t before = s->done;
    rk_status_t st = owned ? try_send_chunk_owned(s) : try_send_chunk(s);
    if (st != RK_OK) return st;
    if (s->done == before) break;
  }
  return RK_OK;
}

rk_status_t rk_kernel_send_many(rk_kernel_t *k, const rk_send_item_t *items, size_t count,
                                int64_t timeout_ns, size_t *accepted) {
  if (accepted) *accepted = 0;
  rk_status_t st = check_args(k, items, count);
  if (st != RK_OK) return st;
  send_many_t s = {k, items, count, 0};
  st = rki_runtime_wait(k->rt, &k->rt->space, timeout_ns, true, try_send_many, &s);
  if (accepted) *accepted = s.done;
  return finish(k, st, timeout_ns);
}
