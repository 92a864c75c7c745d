/* k2k_broker.c — endpoints, routes and delivery of kernel-to-kernel messages.
 *
 * The broker walks routes itself (see k2k.h): resolving a destination is a lookup in the
 * endpoint table, then in the route table, repeated up to max_hops times; the message is
 * then delivered once, into the endpoint that was reached. Registration takes the
 * write lock; sends hold the read lock only while resolving and enqueueing, never while
 * they wait for space, so a full destination cannot stall registration.
 *
 * Handler sends skip the lock (rki_k2k_target): every change of the endpoint or route
 * table bumps `gen` under the write lock, and a kernel keeps what its last lookup
 * resolved (its memo) together with the `gen` it saw. While `gen` is unchanged the memo
 * is what a locked lookup would return. A kernel pointer stays valid memory until the
 * runtime is destroyed, so a memo that goes stale between the check and the delivery
 * delivers to a kernel that has just been unregistered: its state then refuses the
 * message (terminate unregisters after leaving Active), exactly as if the send had come
 * just before the change.
 */
#define _GNU_SOURCE
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "runtime_internal.h"

typedef struct endpoint {
  char id[RK_KERNEL_ID_MAX + 1];
  rk_kernel_t *kernel;  /* NULL: an inbox endpoint */
  pthread_mutex_t lock; /* the inbox */
  rk_message_t *head;
  rk_message_t *tail;
  size_t count;
} endpoint_t;

typedef struct route {
  char dest[RK_KERNEL_ID_MAX + 1];
  char next[RK_KERNEL_ID_MAX + 1];
} route_t;

struct rk_k2k_broker {
  rk_k2k_config_t cfg;
  rk_runtime_t *rt;
  rk_hlc_clock_t *clock;
  bool own_clock;
  pthread_rwlock_t lock;
  endpoint_t **eps;
  size_t nep, epcap;
  route_t *routes;
  size_t nroutes, rcap;
  rki_waitset_t space;

  /* Own cache line: read by every handler send, written only on table changes. */
  alignas(RKI_CACHELINE) _Atomic uint64_t gen;

  alignas(RKI_CACHELINE) pthread_mutex_t trace_lock;
  rk_k2k_trace_entry_t *trace;
  size_t trace_head, trace_count;

  rki_counter_t delivered, forwarded; /* per message: striped, see counter_internal.h */
  _Atomic uint64_t not_found, queue_full, timeouts, max_hops;
};

void rk_k2k_config_init(rk_k2k_config_t *cfg) {
  if (!cfg) return;
  cfg->max_pending_messages = 1024;
  cfg->delivery_timeout_ms = 5000;
  cfg->enable_tracing = false;
  cfg->max_hops = 8;
}

rk_status_t rk_k2k_config_validate(const rk_k2k_config_t *c) {
  if (!c) return rki_fail(RK_EINVAL, "K2K config is NULL");
  if (c->max_pending_messages == 0 || c->max_pending_messages > RK_QUEUE_CAPACITY_MAX)
    return rki_fail(RK_EINVAL, "max_pending_messages %u: must be 1..%d", c->max_pending_messages,
                    RK_QUEUE_CAPACITY_MAX);
  if (c->max_hops == 0 || c->max_hops > RK_K2K_MAX_HOPS_LIMIT)
    return rki_fail(RK_EINVAL, "max_hops %u: must be 1..%d", c->max_hops, RK_K2K_MAX_HOPS_LIMIT);
  return RK_OK;
}

const char *rk_delivery_status_name(rk_delivery_status_t s) {
  switch (s) {
  case RK_DELIVERY_DELIVERED: return "Delivered";
  case RK_DELIVERY_PENDING: return "Pending";
  case RK_DELIVERY_NOT_FOUND: return "NotFound";
  case RK_DELIVERY_QUEUE_FULL: return "QueueFull";
  case RK_DELIVERY_TIMEOUT: return "Timeout";
  case RK_DELIVERY_MAX_HOPS_EXCEEDED: return "MaxHopsExceeded";
  case RK_DELIVERY_TENANT_MISMATCH: return "TenantMismatch";
  }
  return "Unknown";
}

rk_status_t rki_delivery_to_status(rk_delivery_status_t s) {
  switch (s) {
  case RK_DELIVERY_DELIVERED:
  case RK_DELIVERY_PENDING: return RK_OK;
  case RK_DELIVERY_NOT_FOUND: return RK_ENOTFOUND;
  case RK_DELIVERY_QUEUE_FULL: return RK_EAGAIN;
  case RK_DELIVERY_TIMEOUT: return RK_ETIMEDOUT;
  case RK_DELIVERY_MAX_HOPS_EXCEEDED: return RK_EMAXHOPS;
  case RK_DELIVERY_TENANT_MISMATCH: return RK_EINVAL;
  }
  return RK_EINVAL;
}

rk_status_t rki_k2k_broker_new(const rk_k2k_config_t *cfg, rk_runtime_t *rt,
                               rk_k2k_broker_t **out) {
  rk_k2k_config_t def;
  rk_k2k_config_init(&def);
  if (!cfg) cfg = &def;
  rk_status_t st = rk_k2k_config_validate(cfg);
  if (st != RK_OK) return st;
  size_t size = (sizeof(rk_k2k_broker_t) + RKI_CACHELINE - 1) / RKI_CACHELINE * RKI_CACHELINE;
  rk_k2k_broker_t *b = aligned_alloc(RKI_CACHELINE, size); /* `gen` sits on its own line */
  if (!b) return rki_fail(RK_ENOMEM, "K2K broker: out of memory");
  memset(b, 0, size);
  b->cfg = *cfg;
  b->rt = rt;
  if (rt) {
    b->clock = rt->clock;
  } else {
    st = rk_hlc_clock_create(1, RK_HLC_DEFAULT_MAX_DRIFT_MS, &b->clock);
    b->own_clock = true;
  }
  if (st == RK_OK && cfg->enable_tracing) {
    b->trace = calloc(RK_K2K_TRACE_MAX, sizeof *b->trace);
    if (!b->trace) st = rki_fail(RK_ENOMEM, "K2K trace: out of memory");
  }
  pthread_rwlock_init(&b->lock, NULL);
  pthread_mutex_init(&b->trace_lock, NULL);
  if (st != RK_OK) {
    rki_k2k_broker_free(b);
    return st;
  }
  *out = b;
  return RK_OK;
}

static void endpoint_free(endpoint_t *e) {
  for (rk_message_t *m = e->head, *n; m; m = n) {
    n = m->next;
    rk_message_free(m);
  }
  pthread_mutex_destroy(&e->lock);
  free(e);
}

void rki_k2k_broker_free(rk_k2k_broker_t *b) {
  if (!b) return;
  for (size_t i = 0; i < b->nep; i++)
    endpoint_free(b->eps[i]);
  free(b->eps);
  free(b->routes);
  free(b->trace);
  if (b->own_clock) rk_hlc_clock_destroy(b->clock);
  pthread_rwlock_destroy(&b->lock);
  pthread_mutex_destroy(&b->trace_lock);
  free(b);
}

rk_status_t rk_k2k_broker_create(const rk_k2k_config_t *cfg, rk_k2k_broker_t **out) {
  if (out) *out = NULL;
  if (!out) return rki_fail(RK_EINVAL, "out is NULL");
  return rki_k2k_broker_new(cfg, NULL, out);
}

void rk_k2k_broker_destroy(rk_k2k_broker_t *b) {
  if (b && !b->rt) rki_k2k_broker_free(b);
}

rk_status_t rk_k2k_broker_config(const rk_k2k_broker_t *b, rk_k2k_config_t *out) {
  if (!b || !out) return rki_fail(RK_EINVAL, "broker or out is NULL");
  *out = b->cfg;
  return RK_OK;
}

/* Index of endpoint id in b->eps, or b->nep when it is not registered. */
static size_t ep_index(const rk_k2k_broker_t *b, const char *id) {
  size_t i = 0;
  while (i < b->nep && strcmp(b->eps[i]->id, id) != 0)
    i++;
  return i;
}

static endpoint_t *find_ep(const rk_k2k_broker_t *b, const char *id) {
  size_t i = ep_index(b, id);
  return i < b->nep ? b->eps[i] : NULL;
}

static route_t *find_route(const rk_k2k_broker_t *b, const char *dest) {
  for (size_t i = 0; i < b->nroutes; i++)
    if (strcmp(b->routes[i].dest, dest) == 0) return &b->routes[i];
  return NULL;
}

/* Caller holds the write lock. Release: pairs with the acquire load in rki_k2k_target, so
 * a sender that sees the new value also sees the tables as changed. */
static void bump_gen_locked(rk_k2k_broker_t *b) {
  atomic_fetch_add_explicit(&b->gen, 1, memory_order_release);
}

static rk_status_t add_ep_locked(rk_k2k_broker_t *b, const char *id, rk_kernel_t *kernel) {
  if (find_ep(b, id)) return rki_fail(RK_EEXIST, "Endpoint already registered: %s", id);
  if (b->nep == b->epcap) {
    size_t cap = b->epcap ? b->epcap * 2 : 16;
    endpoint_t **n = realloc(b->eps, cap * sizeof *n);
    if (!n) return rki_fail(RK_ENOMEM, "K2K endpoints: out of memory");
    b->eps = n;
    b->epcap = cap;
  }
  endpoint_t *e = calloc(1, sizeof *e);
  if (!e) return rki_fail(RK_ENOMEM, "K2K endpoint %s: out of memory", id);
  snprintf(e->id, sizeof e->id, "%s", id);
  e->kernel = kernel;
  pthread_mutex_init(&e->lock, NULL);
  b->eps[b->nep++] = e;
  bump_gen_locked(b);
  return RK_OK;
}

rk_status_t rk_k2k_register(rk_k2k_broker_t *b, const char *id, rk_kernel_t *kernel) {
  if (!b) return rki_fail(RK_EINVAL, "broker is NULL");
  rk_status_t st = rki_validate_kernel_id(id);
  if (st != RK_OK) return st;
  pthread_rwlock_wrlock(&b->lock);
  st = add_ep_locked(b, id, kernel);
  pthread_rwlock_unlock(&b->lock);
  return st;
}

rk_status_t rk_k2k_unregister(rk_k2k_broker_t *b, const char *id) {
  if (!b || !id) return rki_fail(RK_EINVAL, "broker or id is NULL");
  pthread_rwlock_wrlock(&b->lock);
  rk_status_t st = RK_OK;
  size_t i = ep_index(b, id);
  if (i == b->nep) {
    st = rki_fail(RK_ENOTFOUND, "Endpoint not registered: %s", id);
  } else {
    endpoint_free(b->eps[i]);
    memmove(&b->eps[i], &b->eps[i + 1], (b->nep - i - 1) * sizeof *b->eps);
    b->nep--;
    bump_gen_locked(b);
  }
  pthread_rwlock_unlock(&b->lock);
  return st;
}

bool rk_k2k_is_registered(const rk_k2k_broker_t *b, const char *id) {
  if (!b || !id) return false;
  rk_k2k_broker_t *mb = (rk_k2k_broker_t *)b;
  pthread_rwlock_rdlock(&mb->lock);
  bool found = find_ep(b, id) != NULL;
  pthread_rwlock_unlock(&mb->lock);
  return found;
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(((const rk_k2k_name_t *)a)->name, ((const rk_k2k_name_t *)b)->name);
}

size_t rk_k2k_list(const rk_k2k_broker_t *b, rk_k2k_name_t *out, size_t cap) {
  if (!b) return 0;
  rk_k2k_broker_t *mb = (rk_k2k_broker_t *)b;
  pthread_rwlock_rdlock(&mb->lock);
  size_t n = b->nep;
  rk_k2k_name_t *all = n ? calloc(n, sizeof *all) : NULL;
  for (size_t i = 0; all && i < n; i++)
    snprintf(all[i].name, sizeof all[i].name, "%s", b->eps[i]->id);
  pthread_rwlock_unlock(&mb->lock);
  if (n && !all) return 0;
  if (all) qsort(all, n, sizeof *all, cmp_names);
  if (out && all) memcpy(out, all, (n < cap ? n : cap) * sizeof *all);
  free(all);
  return n;
}

rk_status_t rk_k2k_add_route(rk_k2k_broker_t *b, const char *destination, const char *next_hop) {
  if (!b) return rki_fail(RK_EINVAL, "broker is NULL");
  rk_status_t st = rki_validate_kernel_id(destination);
  if (st == RK_OK) st = rki_validate_kernel_id(next_hop);
  if (st != RK_OK) return st;
  pthread_rwlock_wrlock(&b->lock);
  route_t *r = find_route(b, destination);
  if (!r && b->nroutes == b->rcap) {
    size_t cap = b->rcap ? b->rcap * 2 : 16;
    route_t *n = realloc(b->routes, cap * sizeof *n);
    if (n) {
      b->routes = n;
      b->rcap = cap;
    } else {
      st = rki_fail(RK_ENOMEM, "K2K routes: out of memory");
    }
  }
  if (st == RK_OK) {
    if (!r) r = &b->routes[b->nroutes++];
    snprintf(r->dest, sizeof r->dest, "%s", destination);
    snprintf(r->next, sizeof r->next, "%s", next_hop);
    bump_gen_locked(b);
  }
  pthread_rwlock_unlock(&b->lock);
  return st;
}

rk_status_t rk_k2k_remove_route(rk_k2k_broker_t *b, const char *destination) {
  if (!b || !destination) return rki_fail(RK_EINVAL, "broker or destination is NULL");
  pthread_rwlock_wrlock(&b->lock);
  route_t *r = find_route(b, destination);
  if (r) {
    *r = b->routes[--b->nroutes];
    bump_gen_locked(b);
  }
  pthread_rwlock_unlock(&b->lock);
  return r ? RK_OK : rki_fail(RK_ENOTFOUND, "No route for %s", destination);
}

static void trace_add(rk_k2k_broker_t *b, uint64_t msg_id, uint32_t hop, const char *ep) {
  if (!b->trace) return;
  pthread_mutex_lock(&b->trace_lock);
  size_t slot = (b->trace_head + b->trace_count) % RK_K2K_TRACE_MAX;
  if (b->trace_count == RK_K2K_TRACE_MAX)
    b->trace_head = (b->trace_head + 1) % RK_K2K_TRACE_MAX;
  else
    b->trace_count++;
  b->trace[slot].message_id = msg_id;
  b->trace[slot].hop = hop;
  snprintf(b->trace[slot].endpoint, sizeof b->trace[slot].endpoint, "%s", ep);
  pthread_mutex_unlock(&b->trace_lock);
}

size_t rk_k2k_trace(const rk_k2k_broker_t *b, rk_k2k_trace_entry_t *out, size_t cap) {
  if (!b || !b->trace) return 0;
  rk_k2k_broker_t *mb = (rk_k2k_broker_t *)b;
  pthread_mutex_lock(&mb->trace_lock);
  size_t n = b->trace_count;
  for (size_t i = 0; out && i < n && i < cap; i++)
    out[i] = b->trace[(b->trace_head + i) % RK_K2K_TRACE_MAX];
  pthread_mutex_unlock(&mb->trace_lock);
  return n;
}

/* Device actors of the runtime send each other K2K messages without the broker; their
 * deliveries and refusals count as the broker's own. */
static void add_backend_k2k(const rk_k2k_broker_t *b, rk_k2k_stats_t *out) {
  const rk_runtime_t *rt = b->rt;
  if (!rt || !rt->ops || !rt->ops->k2k_stats || !rt->backend_state) return;
  rk_backend_k2k_stats_t dev = {0, 0};
  rt->ops->k2k_stats(rt->backend_state, &dev);
  out->messages_delivered += dev.delivered;
  out->queue_full += dev.queue_full;
}

rk_status_t rk_k2k_stats(const rk_k2k_broker_t *b, rk_k2k_stats_t *out) {
  if (!b || !out) return rki_fail(RK_EINVAL, "broker or out is NULL");
  rk_k2k_broker_t *mb = (rk_k2k_broker_t *)b;
  pthread_rwlock_rdlock(&mb->lock);
  out->registered_endpoints = b->nep;
  out->routes_configured = b->nroutes;
  pthread_rwlock_unlock(&mb->lock);
  out->messages_delivered = rki_counter_read(&mb->delivered);
  out->messages_forwarded = rki_counter_read(&mb->forwarded);
  out->not_found = atomic_load_explicit(&mb->not_found, memory_order_relaxed);
  out->queue_full = atomic_load_explicit(&mb->queue_full, memory_order_relaxed);
  out->timeouts = atomic_load_explicit(&mb->timeouts, memory_order_relaxed);
  out->max_hops_exceeded = atomic_load_explicit(&mb->max_hops, memory_order_relaxed);
  add_backend_k2k(b, out);
  return RK_OK;
}

/* ---- delivery ----------------------------------------------------------------------- */

typedef struct attempt {
  rk_delivery_status_t status;
  uint32_t hops;
  bool traced;
  bool source_known; /* h->source_kernel is the sender's number already (handler sends) */
  uint32_t capacity; /* of the target that was full */
} attempt_t;

/* Follows routes from `dest` to a registered endpoint (read lock held). */
static endpoint_t *resolve(rk_k2k_broker_t *b, const char *dest, uint64_t msg_id, attempt_t *a) {
  const char *cur = dest;
  a->hops = 0;
  if (!a->traced) trace_add(b, msg_id, 0, dest);
  for (;;) {
    endpoint_t *e = find_ep(b, cur);
    if (e) return e;
    route_t *r = find_route(b, cur);
    if (!r) {
      rki_fail(RK_ENOTFOUND, "Kernel not found: %s", cur);
      a->status = RK_DELIVERY_NOT_FOUND;
      return NULL;
    }
    if (++a->hops > b->cfg.max_hops) {
      rki_fail(RK_EMAXHOPS, "route to %s exceeds max_hops %u", dest, b->cfg.max_hops);
      a->status = RK_DELIVERY_MAX_HOPS_EXCEEDED;
      return NULL;
    }
    if (!a->traced) trace_add(b, msg_id, a->hops, r->next);
    cur = r->next;
  }
}

static rk_delivery_status_t to_inbox(rk_k2k_broker_t *b, endpoint_t *e,
                                     const rk_message_header_t *h, const void *payload,
                                     size_t len) {
  pthread_mutex_lock(&e->lock);
  rk_delivery_status_t s = RK_DELIVERY_QUEUE_FULL;
  if (e->count < b->cfg.max_pending_messages) {
    rk_pool_t *pool = b->rt ? b->rt->pool : rk_pool_default();
    rk_message_t *m = pool ? rki_message_new(pool, h, payload, len) : NULL;
    if (m) {
      if (e->tail)
        e->tail->next = m;
      else
        e->head = m;
      e->tail = m;
      e->count++;
      s = RK_DELIVERY_DELIVERED;
    }
  }
  pthread_mutex_unlock(&e->lock);
  return s;
}

/* Moves *move into k (host-run actors share the runtime's pool, so the block can change
 * hands). The header goes into the message first, as the consumer may read it as soon
 * as it is queued; on failure the old header comes back. */
static rk_status_t move_into(rk_kernel_t *k, const rk_message_header_t *h, rk_message_t **move) {
  rk_message_t *m = *move;
  rk_message_header_t old = m->hdr;
  m->hdr = *h;
  rk_status_t st = rki_kernel_deliver_owned(k, m);
  if (st == RK_OK)
    *move = NULL;
  else
    m->hdr = old;
  return st;
}

static rk_delivery_status_t to_kernel(rk_k2k_broker_t *b, endpoint_t *e, uint32_t hops,
                                      const char *dest, rk_message_header_t *h, const void *payload,
                                      size_t len, rk_message_t **move) {
  rk_kernel_t *k = e->kernel;
  endpoint_t *final = hops ? find_ep(b, dest) : e;
  h->dest_kernel = final && final->kernel ? final->kernel->num : k->num;
  bool movable =
      k->ops == k->rt->cpu_ops && rki_message_movable(move, payload, len, k->rt->pool) != NULL;
  rk_status_t st = movable ? move_into(k, h, move) : rki_kernel_deliver(k, h, payload, len, true);
  if (st == RK_OK) return RK_DELIVERY_DELIVERED;
  return st == RK_EAGAIN ? RK_DELIVERY_QUEUE_FULL : RK_DELIVERY_NOT_FOUND;
}

static void attempt_once(rk_k2k_broker_t *b, const char *source, const char *dest,
                         rk_message_header_t *h, const void *payload, size_t len,
                         rk_message_t **move, attempt_t *a) {
  pthread_rwlock_rdlock(&b->lock);
  endpoint_t *e = resolve(b, dest, h->message_id, a);
  a->traced = true;
  if (e) {
    endpoint_t *src = !a->source_known && source && *source ? find_ep(b, source) : NULL;
    h->source_kernel = src && src->kernel ? src->kernel->num : h->source_kernel;
    a->status = e->kernel ? to_kernel(b, e, a->hops, dest, h, payload, len, move)
                          : to_inbox(b, e, h, payload, len);
    a->capacity = e->kernel ? rk_kernel_input_capacity(e->kernel) : b->cfg.max_pending_messages;
  }
  pthread_rwlock_unlock(&b->lock);
}

static void count_outcome(rk_k2k_broker_t *b, const attempt_t *a) {
  _Atomic uint64_t *c = NULL;
  switch (a->status) {
  case RK_DELIVERY_DELIVERED: rki_counter_add(&b->delivered, 1); break;
  case RK_DELIVERY_NOT_FOUND: c = &b->not_found; break;
  case RK_DELIVERY_QUEUE_FULL: c = &b->queue_full; break;
  case RK_DELIVERY_TIMEOUT: c = &b->timeouts; break;
  case RK_DELIVERY_MAX_HOPS_EXCEEDED: c = &b->max_hops; break;
  case RK_DELIVERY_PENDING:
  case RK_DELIVERY_TENANT_MISMATCH: break;
  }
  if (c) atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
  if (a->status == RK_DELIVERY_DELIVERED && a->hops) rki_counter_add(&b->forwarded, a->hops);
}

static rk_status_t build_header(rk_k2k_broker_t *b, const rk_message_header_t *hdr, size_t len,
                                const rk_hlc_timestamp_t *stamp, rk_message_header_t *h) {
  if (hdr && hdr->magic != 0) {
    *h = *hdr;
    h->payload_size = len;
    rk_status_t st = rk_message_header_validate(h);
    if (st != RK_OK) return st;
    if (h->message_id == 0) h->message_id = rk_message_id_generate();
  } else {
    rk_message_header_init(h, hdr ? hdr->message_type : 0, 0, 0, len, rk_hlc_timestamp_now(0));
    if (hdr) h->correlation_id = hdr->correlation_id;
  }
  h->timestamp = stamp ? *stamp : rk_hlc_clock_tick(b->clock);
  return RK_OK;
}

/* Ids are validated (at most RK_KERNEL_ID_MAX bytes), so a bounded copy is exact. */
static void copy_id(char *dst, const char *src) {
  size_t n = src ? strnlen(src, RK_KERNEL_ID_MAX) : 0;
  memcpy(dst, src ? src : "", n);
  dst[n] = 0;
}

static void fill_receipt(rk_delivery_receipt_t *r, const rk_message_header_t *h, const char *source,
                         const char *dest, const attempt_t *a) {
  r->message_id = h->message_id;
  copy_id(r->source, source);
  copy_id(r->destination, dest);
  r->status = a->status;
  r->hops = a->hops;
  r->timestamp = h->timestamp;
}

rk_kernel_t *rki_k2k_target(rk_k2k_broker_t *b, rki_k2k_memo_t *memo, const char *dest,
                            uint32_t *hops) {
  /* acquire: pairs with the release increment in bump_gen_locked. */
  uint64_t gen = atomic_load_explicit(&b->gen, memory_order_acquire);
  if (memo->target && memo->gen == gen && strcmp(memo->dest, dest) == 0) {
    *hops = memo->hops;
    return memo->target;
  }
  if (b->trace || rki_validate_kernel_id(dest) != RK_OK) return NULL;
  attempt_t a = {RK_DELIVERY_NOT_FOUND, 0, true, true, 0}; /* traced: resolve adds no trace */
  pthread_rwlock_rdlock(&b->lock);
  endpoint_t *e = resolve(b, dest, 0, &a);
  memo->target = e ? e->kernel : NULL;
  memo->gen = atomic_load_explicit(&b->gen, memory_order_relaxed); /* stable under the lock */
  pthread_rwlock_unlock(&b->lock);
  memo->hops = a.hops;
  copy_id(memo->dest, dest);
  *hops = a.hops;
  return memo->target;
}

void rki_k2k_count_direct(rk_k2k_broker_t *b, rk_delivery_status_t status, uint32_t hops) {
  attempt_t a = {status, hops, true, true, 0};
  count_outcome(b, &a);
}

rk_status_t rki_k2k_send(rk_k2k_broker_t *b, const char *source, const char *destination,
                         const rk_message_header_t *hdr, const void *payload, size_t len,
                         bool may_wait, const rk_hlc_timestamp_t *stamp, rk_message_t **move,
                         rk_delivery_receipt_t *receipt) {
  if (!b || !receipt) return rki_fail(RK_EINVAL, "broker or receipt is NULL");
  rk_status_t st = rki_validate_kernel_id(destination);
  if (st != RK_OK) return st;
  if (len > RK_MAX_PAYLOAD_SIZE)
    return rki_fail(RK_ETOOBIG, "payload %zu bytes > max %d", len, RK_MAX_PAYLOAD_SIZE);
  if (len && !payload) return rki_fail(RK_EINVAL, "payload is NULL with len %zu", len);
  rk_message_header_t h;
  st = build_header(b, hdr, len, stamp, &h);
  if (st != RK_OK) return st;
  uint64_t timeout_ns = may_wait ? (uint64_t)b->cfg.delivery_timeout_ms * 1000000ull : 0;
  uint64_t deadline = timeout_ns ? rki_now_ns() + timeout_ns : 0; /* no clock read for handlers */
  rki_waitset_t *ws = b->rt ? &b->rt->space : &b->space;
  attempt_t a = {RK_DELIVERY_NOT_FOUND, 0, false, stamp != NULL, 0};
  /* The first attempt goes without registering as a waiter: most deliveries find room,
   * and registering costs two read-modify-writes on a word every sender shares. A full
   * target is retried as a registered waiter, so a slot freed after that check wakes us. */
  attempt_once(b, source, destination, &h, payload, len, move, &a);
  while (a.status == RK_DELIVERY_QUEUE_FULL && timeout_ns && rki_now_ns() < deadline) {
    uint32_t seen = rki_wait_begin(ws);
    attempt_once(b, source, destination, &h, payload, len, move, &a);
    if (a.status == RK_DELIVERY_QUEUE_FULL) rki_wait_sleep(ws, seen, deadline);
    rki_wait_end(ws);
  }
  if (a.status == RK_DELIVERY_QUEUE_FULL && timeout_ns) {
    a.status = RK_DELIVERY_TIMEOUT;
    rki_fail(RK_ETIMEDOUT, "delivery to %s timed out after %u ms", destination,
             b->cfg.delivery_timeout_ms);
  } else if (a.status == RK_DELIVERY_QUEUE_FULL && may_wait) {
    /* Handlers (may_wait false) retry full targets in a hot loop: no text for them. */
    rki_fail(RK_EAGAIN, "Queue full (capacity: %u): %s", a.capacity, destination);
  }
  count_outcome(b, &a);
  fill_receipt(receipt, &h, source, destination, &a);
  return RK_OK;
}

rk_status_t rk_k2k_send(rk_k2k_broker_t *b, const char *source, const char *destination,
                        const rk_message_header_t *hdr, const void *payload, size_t len,
                        rk_delivery_receipt_t *receipt) {
  if (b && b->rt) {
    rk_status_t st = rki_runtime_check(b->rt);
    if (st != RK_OK) return st;
  }
  return rki_k2k_send(b, source, destination, hdr, payload, len, true, NULL, NULL, receipt);
}

rk_status_t rk_k2k_receive(rk_k2k_broker_t *b, const char *id, rk_message_t **out) {
  if (out) *out = NULL;
  if (!b || !id || !out) return rki_fail(RK_EINVAL, "broker, id or out is NULL");
  pthread_rwlock_rdlock(&b->lock);
  endpoint_t *e = find_ep(b, id);
  rk_status_t st = RK_OK;
  if (!e) {
    st = rki_fail(RK_ENOTFOUND, "Endpoint not registered: %s", id);
  } else if (e->kernel) {
    st = rki_fail(RK_EINVAL, "endpoint %s is a kernel: receive from the kernel", id);
  } else {
    pthread_mutex_lock(&e->lock);
    rk_message_t *m = e->head;
    if (m) {
      e->head = m->next;
      if (!e->head) e->tail = NULL;
      e->count--;
      m->next = NULL;
      *out = m;
    } else {
      st = rki_fail(RK_EAGAIN, "no message for %s", id);
    }
    pthread_mutex_unlock(&e->lock);
  }
  pthread_rwlock_unlock(&b->lock);
  if (st == RK_OK) rki_waitset_notify(b->rt ? &b->rt->space : &b->space);
  return st;
}
