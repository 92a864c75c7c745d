/* cuda_backend.c — the CUDA backend table (ringkernel/backend.h): runtime actors become
 * persistent GPU actors (cuda_actor.c); the runtime's poller thread calls poll() to turn
 * new K2H records into output_ready signals. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cuda_actor.h"
#include "cuda_internal.h"
#include "cuda_nvrtc.h"
#include "cuda_pinned.h"
#include "ringkernel/backend.h"
#include "ringkernel/kernel.h"
#include "rk_internal.h"

typedef struct rkc_backend {
  int32_t device;
  uint64_t node_id;
  const rk_backend_host_t *host;
  rkc_directory_t *dir;
  pthread_mutex_t lock;           /* guards the actor list and k2k_retired */
  struct rk_backend_actor *actors;
  rk_backend_k2k_stats_t k2k_retired; /* device K2K counts of destroyed actors */
  bool failure_reported;
} rkc_backend_t;

struct rk_backend_actor {
  rkc_backend_t *be;
  rkc_actor_t *actor;
  rk_kernel_t *kernel;
  char id[RK_KERNEL_ID_MAX + 1];
  uint64_t numeric_id;
  uint8_t *buf;                   /* one payload, for dequeue (one consumer) */
  uint8_t *take_buf;              /* one payload, for take_input */
  uint64_t signaled_at;           /* output position when output_ready was last sent */
  bool signaled;
  struct rk_backend_actor *next;
};

static rk_status_t rkc_probe(int32_t device) {
  rk_status_t st = rkc_use_device(device);
  if (st == RK_OK) return RK_OK;
  if (st == RK_EINVAL) return st;
  return rki_fail(RK_ENODEVICE, "CUDA backend: no usable device %d: %s", (int)device,
                  rk_last_error());
}

static rk_status_t rkc_init(const rk_backend_config_t *cfg, void **state) {
  if (!state) return rki_fail(RK_EINVAL, "CUDA backend init: state is NULL");
  *state = NULL;
  if (!cfg || !cfg->host)
    return rki_fail(RK_EINVAL, "CUDA backend init: config %p, host table %p (both required)",
                    (const void *)cfg, cfg ? (const void *)cfg->host : NULL);
#if defined(RK_CUDA_PROFILING)
  rk_cuda_profiling_set(true);
#endif
  rk_status_t st = rkc_probe(cfg->device);
  if (st != RK_OK) return st;
  rkc_backend_t *be = calloc(1, sizeof *be);
  if (!be) return rki_fail(RK_ENOMEM, "CUDA backend: out of host memory");
  be->device = cfg->device;
  be->node_id = cfg->node_id;
  be->host = cfg->host;
  pthread_mutex_init(&be->lock, NULL);
  st = rkc_directory_create(cfg->device, &be->dir);
  if (st != RK_OK) {
    pthread_mutex_destroy(&be->lock);
    free(be);
    return st;
  }
  *state = be;
  return RK_OK;
}

static void rkc_shutdown(void *state) { (void)state; }

static void rkc_fini(void *state) {
  rkc_backend_t *be = state;
  if (!be) return;
  rkc_directory_destroy(be->dir);
  pthread_mutex_destroy(&be->lock);
  free(be);
  rkc_pinned_release(); /* a no-op while another runtime's actors still run */
}

/* Built-in GPU handlers by name; RK_ENOTFOUND for names without a GPU version. */
static rk_status_t rkc_builtin(const char *name, uint32_t *out) {
  static const struct { const char *name; uint32_t id; } table[] = {
      {"echo", RKC_HANDLER_ECHO}, {"sum", RKC_HANDLER_SUM},
      {"count", RKC_HANDLER_COUNT}, {"forward", RKC_HANDLER_FORWARD}};
  if (!name) name = "echo";
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    if (strcmp(name, table[i].name) == 0) {
      *out = table[i].id;
      return RK_OK;
    }
  return rki_fail(RK_ENOTFOUND,
                  "handler '%s' has no GPU version (GPU built-ins: echo, sum, count, "
                  "forward; or give CUDA source)", name);
}

static uint64_t rkc_find_numeric(rkc_backend_t *be, const char *id) {
  uint64_t found = 0;
  pthread_mutex_lock(&be->lock);
  for (struct rk_backend_actor *x = be->actors; x && id && *id; x = x->next)
    if (strcmp(x->id, id) == 0) found = x->numeric_id;
  pthread_mutex_unlock(&be->lock);
  return found;
}

static rk_status_t rkc_fill_config(rkc_backend_t *be, const rk_backend_actor_desc_t *desc,
                                   rkc_actor_config_t *cfg) {
  const rk_launch_options_t *o = desc->options;
  memset(cfg, 0, sizeof *cfg);
  cfg->device = be->device;
  cfg->actor_id = desc->numeric_id;
  cfg->node_id = be->node_id;
  cfg->grid = o->grid_size;
  cfg->block = o->block_size;
  cfg->input_capacity = o->input_capacity;
  cfg->output_capacity = o->output_capacity;
  cfg->payload_capacity = o->payload_capacity;
  cfg->directory = be->dir;
  cfg->start_active = false;
  cfg->forward_to = rkc_find_numeric(be, o->forward_to);
  if (o->cuda_source && *o->cuda_source)
    return rkc_nvrtc_kernel(be->device, o->cuda_source, o->cuda_entry, &cfg->kernel);
  if (o->handler && strcmp(o->handler, "script") == 0)
    return rki_fail(RK_EUNSUPPORTED, "script handlers run on the CPU backend, not on a GPU actor");
  return rkc_builtin(o->handler, &cfg->handler);
}

static rk_status_t rkc_actor_create_op(void *state, const rk_backend_actor_desc_t *desc,
                                       rk_backend_actor_t **out) {
  rkc_backend_t *be = state;
  *out = NULL;
  if (!be || !desc || !desc->options)
    return rki_fail(RK_EINVAL, "GPU actor create: backend %p, desc %p, options %p (all "
                    "required)", (void *)be, (const void *)desc,
                    desc ? (const void *)desc->options : NULL);
  rk_status_t st = rkc_fail_if_broken();
  if (st != RK_OK) return st;
  rkc_actor_config_t cfg;
  st = rkc_fill_config(be, desc, &cfg);
  if (st != RK_OK) return st;
  struct rk_backend_actor *x = calloc(1, sizeof *x);
  if (x) {
    /* a payload above the slot comes back through the spill rings: up to the maximum */
    x->buf = malloc(RK_MAX_PAYLOAD_SIZE + 4u);
    x->take_buf = malloc(RK_MAX_PAYLOAD_SIZE + 4u);
  }
  if (!x || !x->buf || !x->take_buf) {
    if (x) free(x->buf), free(x->take_buf);
    free(x);
    return rki_fail(RK_ENOMEM, "CUDA backend: out of host memory");
  }
  st = rkc_actor_launch(&cfg, &x->actor);
  if (st != RK_OK) {
    free(x->buf);
    free(x->take_buf);
    free(x);
    return st;
  }
  x->be = be;
  x->kernel = desc->kernel;
  x->numeric_id = desc->numeric_id;
  snprintf(x->id, sizeof x->id, "%s", desc->id ? desc->id : "");
  pthread_mutex_lock(&be->lock);
  x->next = be->actors;
  be->actors = x;
  pthread_mutex_unlock(&be->lock);
  *out = x;
  return RK_OK;
}

static rk_status_t rkc_set_active_op(rk_backend_actor_t *x, bool active) {
  rk_status_t st = rkc_fail_if_broken();
  return st != RK_OK ? st : rkc_actor_set_active(x->actor, active);
}

static rk_status_t rkc_terminate_op(rk_backend_actor_t *x, bool drain, int64_t timeout_ns) {
  return rkc_actor_terminate(x->actor, drain, timeout_ns);
}

/* A message taken out of the actor but not copyable (out of memory) is dead-lettered
 * here from its header: it has already left the input. */
static size_t rkc_take_input_op(rk_backend_actor_t *x, rk_message_t **out, size_t max) {
  size_t n = 0;
  while (n < max) {
    rk_message_header_t h;
    if (rkc_actor_take_input(x->actor, &h, x->take_buf) != RK_OK) break;
    if (rk_message_create(&h, x->take_buf, (size_t)h.payload_size, &out[n]) != RK_OK) {
      x->be->host->dead_letter(x->kernel, &h, RK_ENOMEM,
                               "Kernel terminated before processing the message (no memory "
                               "to hand it back)");
      continue;
    }
    n++;
  }
  return n;
}

/* Adds one actor's device K2K counters to *out. */
static void rkc_add_k2k(rkc_actor_t *a, rk_backend_k2k_stats_t *out) {
  rk_cuda_actor_profile_t p;
  rkc_actor_profile(a, &p);
  out->delivered += p.k2k_sent;
  out->queue_full += p.k2k_full;
}

static void rkc_actor_destroy_op(rk_backend_actor_t *x) {
  if (!x) return;
  rkc_backend_t *be = x->be;
  pthread_mutex_lock(&be->lock);
  for (struct rk_backend_actor **p = &be->actors; *p; p = &(*p)->next)
    if (*p == x) {
      *p = x->next;
      break;
    }
  /* the counters live in the actor's control block, which destroy gives back */
  rkc_add_k2k(x->actor, &be->k2k_retired);
  pthread_mutex_unlock(&be->lock);
  rkc_actor_destroy(x->actor);
  free(x->buf);
  free(x->take_buf);
  free(x);
}

static size_t rkc_enqueue_op(rk_backend_actor_t *x, const rk_message_header_t *const *hdrs,
                             const void *const *payloads, size_t n) {
  if (rkc_failed()) return 0;
  rkc_range_push("rk.send");
  size_t done = rkc_actor_enqueue(x->actor, hdrs, payloads, n);
  rkc_range_pop();
  return done;
}

typedef struct rkc_dequeue_ctx {
  struct rk_backend_actor *x;
  rk_message_t **out;
  size_t n;
} rkc_dequeue_ctx_t;

/* One decoded record: a reply becomes an owned message, a dead letter goes to the
 * runtime. Out of memory leaves the record in the output for the next call. */
static bool rkc_take_record(void *ctx, const rk_message_header_t *h, const void *payload,
                            int32_t dead) {
  rkc_dequeue_ctx_t *d = ctx;
  if (dead) {
    char detail[128];
    snprintf(detail, sizeof detail, "GPU handler of '%s' returned %s", d->x->id,
             rk_status_name((rk_status_t)dead));
    d->x->be->host->dead_letter(d->x->kernel, h, (rk_status_t)dead, detail);
    return true;
  }
  if (rk_message_create(h, payload, (size_t)h->payload_size, &d->out[d->n]) != RK_OK) return false;
  d->n++;
  return true;
}

static size_t rkc_dequeue_op(rk_backend_actor_t *x, rk_message_t **out, size_t max) {
  rkc_range_push("rk.receive");
  rkc_dequeue_ctx_t d = {x, out, 0};
  /* dead letters do not fill `out`, so decode until max messages or an empty output */
  while (d.n < max && rkc_actor_dequeue_many(x->actor, max - d.n, x->buf, rkc_take_record, &d))
    ;
  rkc_range_pop();
  return d.n;
}

static size_t rkc_output_depth_op(rk_backend_actor_t *x) {
  return rkc_actor_output_depth(x->actor);
}

static void rkc_counters_op(rk_backend_actor_t *x, rk_backend_counters_t *out) {
  rkc_actor_counters_t c;
  rkc_actor_counters(x->actor, &c);
  memset(out, 0, sizeof *out);
  out->processed = c.processed;
  out->input.enqueued = c.in_enqueued;
  out->input.dequeued = c.in_dequeued;
  out->input.depth = c.in_enqueued > c.in_dequeued ? c.in_enqueued - c.in_dequeued : 0;
  out->input.max_depth = c.in_max_depth;
  out->input.rejected = c.in_rejected;
  out->output.enqueued = c.out_enqueued;
  out->output.dequeued = c.out_dequeued;
  out->output.depth = c.out_enqueued > c.out_dequeued ? c.out_enqueued - c.out_dequeued : 0;
  out->output.max_depth = c.out_max_depth;
}

static uint64_t rkc_device_memory_op(void *state) {
  rkc_backend_t *be = state;
  uint64_t bytes = sizeof(rkc_directory_entry_t) * RKC_DIRECTORY_SIZE;
  pthread_mutex_lock(&be->lock);
  for (struct rk_backend_actor *x = be->actors; x; x = x->next)
    bytes += rkc_actor_device_bytes(x->actor);
  pthread_mutex_unlock(&be->lock);
  return bytes;
}

/* One actor's share of poll: a new visible record since the last signal -> output_ready;
 * input consumed after a refusal -> input_space; a dead kernel -> the runtime fails. */
static int rkc_poll_actor(rkc_backend_t *be, struct rk_backend_actor *x) {
  int events = 0;
  uint64_t pos = rkc_actor_output_position(x->actor);
  if ((!x->signaled || x->signaled_at != pos) && rkc_actor_output_visible(x->actor)) {
    x->signaled = true;
    x->signaled_at = pos;
    be->host->output_ready(x->kernel);
    events++;
  }
  if (rkc_actor_take_space_signal(x->actor)) {
    be->host->input_space(x->kernel);
    events++;
  }
  if (!be->failure_reported && rkc_actor_health(x->actor) != RK_OK && rkc_failed()) {
    be->failure_reported = true;
    be->host->fail(be->host->runtime, RK_EFAILED, rk_last_error());
    events++;
  }
  return events;
}

static int rkc_poll_op(void *state) {
  rkc_backend_t *be = state;
  int events = 0;
  pthread_mutex_lock(&be->lock);
  for (struct rk_backend_actor *x = be->actors; x; x = x->next) events += rkc_poll_actor(be, x);
  pthread_mutex_unlock(&be->lock);
  return events;
}

static void rkc_k2k_stats_op(void *state, rk_backend_k2k_stats_t *out) {
  rkc_backend_t *be = state;
  pthread_mutex_lock(&be->lock);
  *out = be->k2k_retired;
  for (struct rk_backend_actor *x = be->actors; x; x = x->next) rkc_add_k2k(x->actor, out);
  pthread_mutex_unlock(&be->lock);
}

static const rk_backend_ops_t rkc_ops = {
    .name = "cuda",
    .probe = rkc_probe,
    .init = rkc_init,
    .shutdown = rkc_shutdown,
    .fini = rkc_fini,
    .actor_create = rkc_actor_create_op,
    .actor_set_active = rkc_set_active_op,
    .actor_terminate = rkc_terminate_op,
    .take_input = rkc_take_input_op,
    .actor_destroy = rkc_actor_destroy_op,
    .enqueue = rkc_enqueue_op,
    .dequeue = rkc_dequeue_op,
    .output_depth = rkc_output_depth_op,
    .counters = rkc_counters_op,
    .device_memory_used = rkc_device_memory_op,
    .poll = rkc_poll_op,
    .k2k_stats = rkc_k2k_stats_op,
};

const rk_backend_ops_t *rki_cuda_backend(void) { return &rkc_ops; }
