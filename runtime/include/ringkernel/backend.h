/* ringkernel/backend.h — the contract between the runtime and a backend (CPU, CUDA).
 *
 * The runtime owns kernels (ids, lifecycle state, dead letters, reply matching, K2K, the
 * readiness fd); a backend owns actors: where a kernel's queues live and what runs its
 * handler. The runtime calls a backend only through rk_backend_ops_t; a backend calls
 * the runtime only through rk_backend_host_t. Both tables are plain function pointers so
 * cuda/ (C++/CUDA) can implement them without seeing runtime internals.
 *
 * Calling rules the runtime guarantees:
 *  - init/shutdown/fini: once each, in that order, from one thread.
 *  - actor_create/actor_destroy: once per actor; destroy only after terminate returned
 *    (device actors: right after it, while other actors run; CPU actors: after shutdown);
 *    no other op on the actor runs concurrently with either, and none follows destroy.
 *  - set_active/terminate: serialized per actor by the runtime (under its state lock).
 *  - enqueue: from any thread, concurrently (the backend makes its input multi-producer).
 *  - dequeue: one thread at a time per actor (the runtime serializes receivers).
 *  - counters: any thread until the actor's destroy; device_memory_used/poll/k2k_stats:
 *    any thread, any time between init and fini.
 * Messages cross the table as (header, payload) pairs on the way in, and as owned
 * rk_message_t objects (rk_message_create / rk_message_free) on the way out.
 */
#ifndef RINGKERNEL_BACKEND_H
#define RINGKERNEL_BACKEND_H

#include "ringkernel/api.h"
#include "ringkernel/status.h"
#include "ringkernel/message.h"
#include "ringkernel/queue.h"
#include "ringkernel/kernel.h"

RK_EXTERN_C_BEGIN

/* Backend-defined per-actor object. */
typedef struct rk_backend_actor rk_backend_actor_t;

/* What a backend may call in the runtime. Every callback may be called from any backend
 * thread; none blocks; none may be called after the actor's terminate returned, except
 * output_ready for replies already in the output. */
typedef struct rk_backend_host {
  /* New messages were published into k's output. Cheap; call once per batch. */
  void (*output_ready)(rk_kernel_t *k);
  /* Input slots were freed (senders waiting on a full input may retry). Once per batch. */
  void (*input_space)(rk_kernel_t *k);
  /* A message the actor could not process: the runtime dead-letters it (copies what it
   * needs; the backend keeps ownership of hdr). */
  void (*dead_letter)(rk_kernel_t *k, const rk_message_header_t *hdr, rk_status_t reason,
                      const char *detail);
  /* A sticky failure: the runtime enters the failed state (RK_EFAILED from then on). */
  void (*fail)(void *runtime, rk_status_t status, const char *detail);
  void *runtime;
} rk_backend_host_t;

typedef struct rk_backend_config {
  uint32_t worker_count;         /* CPU: worker threads (>= 1) */
  int32_t device;                /* CUDA: device ordinal */
  uint64_t node_id;              /* HLC node id for stamps made by the backend */
  const rk_backend_host_t *host; /* valid until fini */
} rk_backend_config_t;

/* Everything a backend needs to create one actor. Strings and options stay valid until
 * actor_destroy. Capacities are already validated and rounded to powers of two. */
typedef struct rk_backend_actor_desc {
  rk_kernel_t *kernel;                /* back-pointer for host callbacks */
  const char *id;                     /* string id */
  uint64_t numeric_id;                /* source_kernel of replies */
  const rk_launch_options_t *options; /* handler, cuda_source/entry, payload capacity... */
} rk_backend_actor_desc_t;

typedef struct rk_backend_counters {
  uint64_t processed; /* handler runs that succeeded */
  rk_queue_stats_t input;
  rk_queue_stats_t output;
} rk_backend_counters_t;

/* K2K traffic that a backend carries without the broker (device actors sending to each
 * other through device memory): totals since init, destroyed actors included. */
typedef struct rk_backend_k2k_stats {
  uint64_t delivered;  /* sends placed into a destination actor's input */
  uint64_t queue_full; /* sends refused because that input was full */
} rk_backend_k2k_stats_t;

typedef struct rk_backend_ops {
  const char *name; /* "cpu", "cuda" */

  /* RK_OK when the backend can run on this machine (device = ordinal), else
   * RK_ENODEVICE with a detail saying why. Must not leave threads or memory behind. */
  rk_status_t (*probe)(int32_t device);

  /* Starts the backend (threads, device context). *state is passed back to every
   * runtime-wide op. */
  rk_status_t (*init)(const rk_backend_config_t *cfg, void **state);
  /* Stops every backend thread; after it returns no host callback runs any more. */
  void (*shutdown)(void *state);
  /* Frees what init made. Every actor is destroyed before. */
  void (*fini)(void *state);

  /* Creates and launches an actor, inactive (it accepts enqueue but runs nothing). */
  rk_status_t (*actor_create)(void *state, const rk_backend_actor_desc_t *desc,
                              rk_backend_actor_t **out);
  /* Active: process input; inactive: keep it queued, process nothing. */
  rk_status_t (*actor_set_active)(rk_backend_actor_t *a, bool active);
  /* Stops the actor. drain: first let it process what is queued, waiting up to
   * timeout_ns (< 0 forever). On return no handler of the actor runs, nothing more is
   * written to its output, and unprocessed input is left for take_input.
   * RK_ESTUCK when a device actor did not stop in time (the runtime reports it). */
  rk_status_t (*actor_terminate)(rk_backend_actor_t *a, bool drain, int64_t timeout_ns);
  /* After terminate: moves up to max unprocessed input messages into out (owned by the
   * caller, who dead-letters them); returns how many. */
  size_t (*take_input)(rk_backend_actor_t *a, rk_message_t **out, size_t max);
  void (*actor_destroy)(rk_backend_actor_t *a);

  /* Copies up to n messages (hdrs[i] with payloads[i] of hdrs[i]->payload_size bytes,
   * already stamped and validated by the runtime) into the actor's input in order and
   * returns how many went in (a prefix; fewer when the input filled up). Never blocks. */
  size_t (*enqueue)(rk_backend_actor_t *a, const rk_message_header_t *const *hdrs,
                    const void *const *payloads, size_t n);
  /* Moves up to max messages from the actor's output into out (caller owns them), oldest
   * first; returns how many. Never blocks. */
  size_t (*dequeue)(rk_backend_actor_t *a, rk_message_t **out, size_t max);
  /* Depth of the output now (a snapshot). */
  size_t (*output_depth)(rk_backend_actor_t *a);

  void (*counters)(rk_backend_actor_t *a, rk_backend_counters_t *out);
  /* Bytes of device memory the backend holds now (0 for the CPU). */
  uint64_t (*device_memory_used)(void *state);
  /* Host-side progress hook, called by the runtime's poller thread (device backends:
   * detect new output and call output_ready): back to back for 200 µs after a call that
   * returned > 0, then every 20 µs or so. NULL when the backend needs no poller (CPU).
   * Returns events seen. Must be cheap when nothing happened (it may run millions of
   * times a second). */
  int (*poll)(void *state);
  /* What the backend's actors sent each other without the broker; the runtime adds it to
   * the broker's statistics. Device counters are published when an actor goes idle and
   * when it stops, so a busy actor's latest sends may not show yet. NULL when every K2K
   * message passes the broker (CPU). */
  void (*k2k_stats)(void *state, rk_backend_k2k_stats_t *out);
} rk_backend_ops_t;

/* The built-in CPU backend. */
const rk_backend_ops_t *rki_cpu_backend(void);
/* The CUDA backend (cuda/), or the stand-in from runtime/src/backend_nocuda.c whose every
 * op returns RK_ENODEVICE "CUDA backend not built (configure with -DRK_WITH_CUDA=ON)". */
const rk_backend_ops_t *rki_cuda_backend(void);

RK_EXTERN_C_END

#endif /* RINGKERNEL_BACKEND_H */
