/* cpu_backend.c — rk_backend_ops_t for the CPU: actors whose C handlers run on the worker
 * pool (cpu_scheduler.c), plus "external" actors served by the script loop.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu_internal.h"

static rki_cpu_actor_t *A(rk_backend_actor_t *a) {
  return (rki_cpu_actor_t *)(void *)a;
}

static rk_status_t cpu_probe(int32_t device) {
  (void)device;
  return RK_OK;
}

static rk_status_t cpu_init(const rk_backend_config_t *cfg, void **state) {
  rki_cpu_t *be = calloc(1, sizeof *be);
  if (!be) return rki_fail(RK_ENOMEM, "CPU backend: out of memory");
  be->host = cfg->host;
  be->nworkers = cfg->worker_count;
  pthread_mutex_init(&be->rq_lock, NULL);
  pthread_mutex_init(&be->retry_lock, NULL);
  rk_status_t st = rki_cpu_workers_start(be);
  if (st != RK_OK) {
    pthread_mutex_destroy(&be->rq_lock);
    pthread_mutex_destroy(&be->retry_lock);
    free(be);
    return st;
  }
  *state = be;
  return RK_OK;
}

static void cpu_shutdown(void *state) {
  rki_cpu_workers_stop(state);
}

static void cpu_fini(void *state) {
  rki_cpu_t *be = state;
  if (!be) return;
  pthread_mutex_destroy(&be->rq_lock);
  pthread_mutex_destroy(&be->retry_lock);
  free(be->rq);
  free(be);
}

static rk_status_t cpu_actor_create(void *state, const rk_backend_actor_desc_t *desc,
                                    rk_backend_actor_t **out) {
  rki_cpu_t *be = state;
  rk_status_t st = rki_cpu_rq_reserve(be);
  if (st != RK_OK) return st;
  /* aligned: `processed` sits on its own cache line (cpu_internal.h). */
  size_t size = (sizeof(rki_cpu_actor_t) + RKI_CACHELINE - 1) / RKI_CACHELINE * RKI_CACHELINE;
  rki_cpu_actor_t *a = aligned_alloc(RKI_CACHELINE, size);
  if (!a) return rki_fail(RK_ENOMEM, "actor %s: out of memory", desc->id);
  memset(a, 0, size);
  a->be = be;
  a->kernel = desc->kernel;
  a->pool = desc->kernel->rt->pool;
  a->in_cap = desc->options->input_capacity;
  a->out_cap = desc->options->output_capacity;
  a->external = desc->kernel->is_script;
  st = rk_ring_create(RK_RING_MPSC, a->in_cap, sizeof(void *), &a->in);
  if (st == RK_OK) st = rk_ring_create(RK_RING_MPSC, a->out_cap, sizeof(void *), &a->out);
  if (st != RK_OK) {
    rk_ring_destroy(a->in);
    free(a);
    return st;
  }
  *out = (rk_backend_actor_t *)(void *)a;
  return RK_OK;
}

/* After a sender published input: makes sure an active actor will run it (see
 * cpu_internal.h). Adding 0 reads `active` through one lock xadd; or-ing 0 with the result
 * used compiles to a compare-and-swap loop, which retries while the running worker keeps
 * reading the line. */
static void kick(rki_cpu_actor_t *a) {
  if (!a->external) {
    rki_cpu_schedule_if_active(a);
    return;
  }
  /* RMW read: pairs with set_active's exchange. */
  if (atomic_fetch_add_explicit(&a->active, 0, memory_order_seq_cst)) rki_script_notify(a->kernel);
}

static void wake_consumer(rki_cpu_actor_t *a) {
  if (a->external)
    rki_script_notify(a->kernel);
  else
    rki_cpu_schedule(a);
}

static rk_status_t cpu_actor_set_active(rk_backend_actor_t *ba, bool active) {
  rki_cpu_actor_t *a = A(ba);
  /* RMW: pairs with the read of `active` through an RMW in kick (see cpu_internal.h). */
  atomic_exchange_explicit(&a->active, active, memory_order_seq_cst);
  if (active && rki_cpu_has_input(a)) wake_consumer(a);
  return RK_OK;
}

static void pause_briefly(void) {
  struct timespec ts = {0, 50000};
  nanosleep(&ts, NULL);
}

static void drain(rki_cpu_actor_t *a, int64_t timeout_ns) {
  uint64_t deadline = rki_deadline(timeout_ns);
  atomic_exchange_explicit(&a->active, 1, memory_order_seq_cst);
  wake_consumer(a);
  while (rki_cpu_has_input(a) && rki_now_ns() < deadline)
    pause_briefly();
}

static rk_status_t cpu_actor_terminate(rk_backend_actor_t *ba, bool do_drain, int64_t timeout_ns) {
  rki_cpu_actor_t *a = A(ba);
  if (do_drain) drain(a, timeout_ns);
  /* seq_cst: pairs with run_actor's running store then stopping load (Dekker): after the
   * loop below no worker is inside the actor's batch, and none will enter it. */
  atomic_store_explicit(&a->stopping, true, memory_order_seq_cst);
  atomic_store_explicit(&a->active, 0, memory_order_seq_cst);
  while (atomic_load_explicit(&a->running, memory_order_seq_cst))
    pause_briefly();
  return RK_OK;
}

static size_t cpu_take_input(rk_backend_actor_t *ba, rk_message_t **out, size_t max) {
  size_t n = 0;
  if (max == 0) return 0;
  rk_message_t *held = atomic_exchange_explicit(&A(ba)->held, NULL, memory_order_acq_rel);
  if (held) out[n++] = held;
  while (n < max) {
    rk_message_t *m = rki_cpu_pop_input(ba);
    if (!m) break;
    out[n++] = m;
  }
  return n;
}

static void free_ring_messages(rk_ring_t *r) {
  void *p;
  size_t len;
  while (r && rk_ring_try_pop(r, &p, sizeof p, &len) == RK_OK)
    rk_message_free(p);
}

static void cpu_actor_destroy(rk_backend_actor_t *ba) {
  rki_cpu_actor_t *a = A(ba);
  if (!a) return;
  rk_message_free(atomic_load_explicit(&a->held, memory_order_acquire));
  free_ring_messages(a->in);
  free_ring_messages(a->out);
  rk_ring_destroy(a->in);
  rk_ring_destroy(a->out);
  free(a);
}

enum { ENQ_CHUNK = 64 };

static size_t input_room(rki_cpu_actor_t *a) {
  size_t depth = rk_ring_depth(a->in);
  return depth >= a->in_cap ? 0 : a->in_cap - depth;
}

/* Copies up to n messages and publishes them with one ring claim. Allocates only what the
 * free space seen now can take, so a full ring costs no allocation. */
static size_t enqueue_chunk(rki_cpu_actor_t *a, const rk_message_header_t *const *hdrs,
                            const void *const *payloads, size_t n) {
  size_t room = input_room(a);
  if (n > room) n = room;
  rk_message_t *ms[ENQ_CHUNK];
  const void *ptrs[ENQ_CHUNK];
  size_t lens[ENQ_CHUNK];
  size_t made = 0;
  while (made < n) {
    ms[made] =
        rki_message_new(a->pool, hdrs[made], payloads[made], (size_t)hdrs[made]->payload_size);
    if (!ms[made]) break;
    ptrs[made] = &ms[made];
    lens[made] = sizeof ms[made];
    made++;
  }
  size_t pushed = 0;
  if (made) rk_ring_push_many(a->in, ptrs, lens, made, &pushed);
  for (size_t i = pushed; i < made; i++)
    rk_message_free(ms[i]);
  return pushed;
}

/* The input was found full: asks the worker to notify `space` after its next batch.
 * RMW: pairs with the exchange at the end of run_batch (cpu_internal.h); the caller
 * tries once more after this, so it either sees the room or gets the notify. */
static void want_space(rki_cpu_actor_t *a) {
  atomic_fetch_or_explicit(&a->space_wanted, 1, memory_order_seq_cst);
}

static size_t enqueue_all(rki_cpu_actor_t *a, const rk_message_header_t *const *hdrs,
                          const void *const *payloads, size_t n) {
  size_t done = 0;
  while (done < n) {
    size_t want = n - done < ENQ_CHUNK ? n - done : ENQ_CHUNK;
    size_t got = enqueue_chunk(a, hdrs + done, payloads + done, want);
    done += got;
    if (got < want) break;
  }
  return done;
}

static size_t cpu_enqueue(rk_backend_actor_t *ba, const rk_message_header_t *const *hdrs,
                          const void *const *payloads, size_t n) {
  rki_cpu_actor_t *a = A(ba);
  size_t done = enqueue_all(a, hdrs, payloads, n);
  if (done < n) {
    want_space(a);
    done += enqueue_all(a, hdrs + done, payloads + done, n - done);
    if (done < n) atomic_fetch_add_explicit(&a->rejected, n - done, memory_order_relaxed);
  }
  /* `active` is read through an RMW that pairs with set_active's exchange (see
   * cpu_internal.h), so either we see the activation or the activator sees our message. */
  if (done) kick(a);
  return done;
}

static size_t cpu_dequeue(rk_backend_actor_t *ba, rk_message_t **out, size_t max) {
  rki_cpu_actor_t *a = A(ba);
  size_t n = 0;
  void *p;
  size_t len;
  while (n < max && rk_ring_try_pop(a->out, &p, sizeof p, &len) == RK_OK)
    out[n++] = p;
  /* RMW after the pops: pairs with the exchange in may_run, or in
   * rki_cpu_push_output_watched for a script actor (see cpu_internal.h). */
  if (n && atomic_exchange_explicit(&a->out_blocked, false, memory_order_seq_cst)) {
    if (a->external)
      rki_script_output_space(a->kernel);
    else
      rki_cpu_schedule(a);
  }
  return n;
}

static size_t cpu_output_depth(rk_backend_actor_t *ba) {
  return rk_ring_depth(A(ba)->out);
}

static void cpu_counters(rk_backend_actor_t *ba, rk_backend_counters_t *out) {
  rki_cpu_actor_t *a = A(ba);
  out->processed = atomic_load_explicit(&a->processed, memory_order_relaxed);
  rk_ring_stats(a->in, &out->input);
  rk_ring_stats(a->out, &out->output);
  if (atomic_load_explicit(&a->held, memory_order_acquire)) out->input.depth++;
  out->input.rejected += atomic_load_explicit(&a->rejected, memory_order_relaxed);
}

static uint64_t cpu_device_memory_used(void *state) {
  (void)state;
  return 0;
}

rk_status_t rki_cpu_push_output(rk_backend_actor_t *ba, rk_message_t *m) {
  rki_cpu_actor_t *a = A(ba);
  /* A ring slot is freed just after the consumer advances its index: for those few
   * nanoseconds the depth says "room" while the push says "full". Retry through that
   * window instead of treating it as back-pressure (which would cost a 100 µs retry). */
  for (int i = 0; i < 1000; i++) {
    if (rk_ring_try_push(a->out, &m, sizeof m) == RK_OK) return RK_OK;
    if (rk_ring_depth(a->out) >= a->out_cap) break;
    rki_cpu_relax();
  }
  return RK_EAGAIN;
}

rk_status_t rki_cpu_push_output_watched(rk_backend_actor_t *ba, rk_message_t *m) {
  if (rki_cpu_push_output(ba, m) == RK_OK) return RK_OK;
  /* RMW, then one more try: pairs with cpu_dequeue's pops then exchange, so either this
   * try finds the slot a receiver freed or that receiver sees the flag and wakes us. */
  atomic_exchange_explicit(&A(ba)->out_blocked, true, memory_order_seq_cst);
  return rki_cpu_push_output(ba, m);
}

rk_status_t rki_cpu_enqueue_owned(rk_backend_actor_t *ba, rk_message_t *m) {
  rki_cpu_actor_t *a = A(ba);
  if (rk_ring_try_push(a->in, &m, sizeof m) != RK_OK) {
    want_space(a);
    if (rk_ring_try_push(a->in, &m, sizeof m) != RK_OK) {
      atomic_fetch_add_explicit(&a->rejected, 1, memory_order_relaxed);
      return RK_EAGAIN;
    }
  }
  kick(a); /* as in cpu_enqueue */
  return RK_OK;
}

/* Publishes up to n (<= ENQ_CHUNK) owned messages with one ring claim. */
static size_t push_owned(rki_cpu_actor_t *a, rk_message_t *const *ms, size_t n) {
  const void *ptrs[ENQ_CHUNK];
  size_t lens[ENQ_CHUNK];
  for (size_t i = 0; i < n; i++) {
    ptrs[i] = &ms[i];
    lens[i] = sizeof ms[i];
  }
  size_t pushed = 0;
  if (n) rk_ring_push_many(a->in, ptrs, lens, n, &pushed);
  return pushed;
}

size_t rki_cpu_enqueue_owned_many(rk_backend_actor_t *ba, rk_message_t *const *ms, size_t n) {
  rki_cpu_actor_t *a = A(ba);
  RKI_ASSERT(n <= ENQ_CHUNK);
  size_t done = push_owned(a, ms, n);
  if (done < n) {
    want_space(a); /* then one more try, as in cpu_enqueue */
    done += push_owned(a, ms + done, n - done);
    if (done < n) atomic_fetch_add_explicit(&a->rejected, n - done, memory_order_relaxed);
  }
  if (done) kick(a); /* as in cpu_enqueue */
  return done;
}

size_t rki_cpu_input_room(rk_backend_actor_t *ba) {
  rki_cpu_actor_t *a = A(ba);
  size_t room = input_room(a);
  if (room) return room;
  want_space(a); /* then one more look, as in cpu_enqueue */
  return input_room(a);
}

rk_message_t *rki_cpu_pop_input(rk_backend_actor_t *ba) {
  void *p;
  size_t len;
  return rk_ring_try_pop(A(ba)->in, &p, sizeof p, &len) == RK_OK ? p : NULL;
}

bool rki_cpu_take_space_wanted(rk_backend_actor_t *ba) {
  /* RMW after the pop: pairs with want_space, as run_batch's exchange does (see
   * cpu_internal.h). */
  return atomic_exchange_explicit(&A(ba)->space_wanted, 0, memory_order_seq_cst) != 0;
}

size_t rki_cpu_input_depth(rk_backend_actor_t *ba) {
  return rk_ring_depth(A(ba)->in);
}

void rki_cpu_count_processed(rk_backend_actor_t *ba) {
  /* Script kernels: rk_script_work_done may run on several binding threads at once, so
   * this is a read-modify-write (workers count their own, see run_batch); readers only
   * want a recent value. */
  atomic_fetch_add_explicit(&A(ba)->processed, 1, memory_order_relaxed);
}

static const rk_backend_ops_t cpu_ops = {
    .name = "cpu",
    .probe = cpu_probe,
    .init = cpu_init,
    .shutdown = cpu_shutdown,
    .fini = cpu_fini,
    .actor_create = cpu_actor_create,
    .actor_set_active = cpu_actor_set_active,
    .actor_terminate = cpu_actor_terminate,
    .take_input = cpu_take_input,
    .actor_destroy = cpu_actor_destroy,
    .enqueue = cpu_enqueue,
    .dequeue = cpu_dequeue,
    .output_depth = cpu_output_depth,
    .counters = cpu_counters,
    .device_memory_used = cpu_device_memory_used,
    .poll = NULL,
};

const rk_backend_ops_t *rki_cpu_backend(void) {
  return &cpu_ops;
}
