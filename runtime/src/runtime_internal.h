/* runtime_internal.h — the runtime's and kernels' in-memory state, shared by the runtime
 * source files and the CPU backend (rki_* prefix).
 *
 * Who writes what:
 *  - rk_runtime: kernels[] grows under kernels_lock; counters are relaxed atomics
 *    (statistics, they order nothing); host-side waiters sleep on one of two futex words:
 *    `events` (replies, script work: receive, request, next_script_work) or `space`
 *    (input slots freed: sends on a full queue, K2K deliveries waiting for room). Two
 *    words, so the per-message "input slot freed" bump never wakes reply waiters.
 *  - rk_kernel: `state` changes only under state_lock (and is read lock-free);
 *    `senders` counts sends between their state check and their enqueue, so terminate can
 *    wait them out (see kernel_send.c); the pending list and backend dequeue are
 *    serialized by recv_lock.
 *  - Lock order: state_lock before script_lock before recv_lock (terminate moves a
 *    script kernel's held replies to its pending list holding all three).
 */
#ifndef RK_RUNTIME_INTERNAL_H
#define RK_RUNTIME_INTERNAL_H

#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>

#include "ringkernel/backend.h"
#include "ringkernel/handler.h"
#include "ringkernel/hlc.h"
#include "ringkernel/k2k.h"
#include "ringkernel/kernel.h"
#include "ringkernel/pool.h"
#include "ringkernel/runtime.h"
#include "counter_internal.h"
#include "rk_internal.h"

/* ---- owned messages (kernel_message.c) ---------------------------------------------- */

struct rk_message {
  rk_message_header_t hdr;
  rk_pool_t *pool;         /* where the block came from */
  struct rk_message *next; /* pending-list / inbox link while the runtime holds it */
  uint32_t alloc_size;
  uint32_t len;
  unsigned char payload[];
};

/* A message block with room for len payload bytes, its bookkeeping set and its header
 * left for the caller to write. NULL (rk_last_error set) on exhaustion. */
rk_message_t *rki_message_alloc(rk_pool_t *pool, size_t len);

/* Allocates a message with room for len payload bytes from pool, copies hdr and payload;
 * hdr->payload_size is set to len. NULL (rk_last_error set) on exhaustion. */
rk_message_t *rki_message_new(rk_pool_t *pool, const rk_message_header_t *hdr, const void *payload,
                              size_t len);

/* *move when a send's payload is that message's own and its block is from pool, so the
 * block can change hands instead of being copied (K2K forward); else NULL. */
static inline rk_message_t *rki_message_movable(rk_message_t *const *move, const void *payload,
                                                size_t len, const rk_pool_t *pool) {
  rk_message_t *m = move ? *move : NULL;
  return m && m->payload == payload && m->len == len && m->pool == pool ? m : NULL;
}

/* ---- waiting (runtime_wait.c) ------------------------------------------------------- */

/* A futex word plus a waiter count, so notify costs one atomic add when nobody sleeps.
 * Protocol: waiter calls rki_wait_begin, then checks its condition, then rki_wait_sleep
 * with the sequence it got; notifier publishes its data, then calls rki_waitset_notify.
 * Both sides use seq_cst on `seq` and `waiters`, so either the waiter sees the data or
 * the notifier sees the waiter (the Dekker pattern). */
typedef struct rki_waitset {
  _Atomic uint32_t seq;
  _Atomic uint32_t waiters;
} rki_waitset_t;

void rki_waitset_notify(rki_waitset_t *w);
/* Same, waking at most one sleeper (worker pools: one new item needs one worker). */
void rki_waitset_notify_one(rki_waitset_t *w);
uint32_t rki_wait_begin(rki_waitset_t *w);
void rki_wait_end(rki_waitset_t *w);
/* Sleeps until seq moves from `seen` or deadline_ns (monotonic; UINT64_MAX = never). */
void rki_wait_sleep(rki_waitset_t *w, uint32_t seen, uint64_t deadline_ns);

uint64_t rki_now_ns(void);

static inline void rki_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}
/* timeout_ns < 0 -> UINT64_MAX, 0 -> now, > 0 -> now + timeout (saturating). */
uint64_t rki_deadline(int64_t timeout_ns);

/* ---- handlers (handler_registry.c, handlers_builtin.c) ------------------------------ */

typedef struct rki_handler {
  rk_handler_fn fn;
  void *user;
} rki_handler_t;

/* Resolves name; RK_ENOTFOUND "Handler not found: x". "script" is not resolvable here. */
rk_status_t rki_handler_lookup(const char *name, rki_handler_t *out);
/* Registers the built-ins (handlers_builtin.c), once, through the call below. */
void rki_handlers_register_builtins(void);
rk_status_t rki_handler_register_builtin(const char *name, rk_handler_fn fn);

/* ---- kernels ------------------------------------------------------------------------ */

/* What a kernel's last handler K2K send resolved its destination to (k2k_broker.c,
 * rki_k2k_target); written only by the worker running that kernel's handler. */
typedef struct rki_k2k_memo {
  uint64_t gen;        /* the broker's table generation the lookup saw */
  rk_kernel_t *target; /* NULL: nothing memoized, or not a kernel endpoint */
  uint32_t hops;
  char dest[RK_KERNEL_ID_MAX + 1];
} rki_k2k_memo_t;

enum { RKI_DEAD_LETTER_CAP = 1024 };

struct rk_kernel {
  rk_runtime_t *rt;
  char id[RK_KERNEL_ID_MAX + 1];
  uint64_t num;
  rk_launch_options_t opts; /* strings point at the copies below */
  char handler_name[RK_HANDLER_NAME_MAX + 1];
  char forward_to[RK_KERNEL_ID_MAX + 1];
  char *cuda_source;
  char *cuda_entry;
  rki_handler_t handler;
  bool is_script;
  rk_hlc_clock_t *clock; /* the kernel's own clock: stamps its replies */
  uint64_t launched_ns;

  const rk_backend_ops_t *ops;
  void *backend_state;
  /* Read and cleared under recv_lock once the kernel left the sendable states: a device
   * actor is destroyed at terminate (rki_kernel_release_actor). */
  rk_backend_actor_t *actor;
  rk_backend_counters_t final_counters; /* the destroyed actor's last counters */

  pthread_mutex_t state_lock;
  /* Own cache line: every send to this kernel writes `senders` (kernel_send.c admit);
   * shared with the fields above, it would take them from the worker running this
   * kernel's handler on every message sent to it. */
  alignas(RKI_CACHELINE) _Atomic int state; /* rk_kernel_state_t */
  _Atomic uint32_t senders;                 /* sends past their state check */
  /* The latest device-backend enqueue was cut short: the next send_many stamps a small
   * probe first instead of a whole chunk it would throw away (kernel_send.c). A hint
   * only, any sender sets or clears it. */
  _Atomic bool input_was_full;

  /* pending list + backend dequeue + actor release */
  alignas(RKI_CACHELINE) pthread_mutex_t recv_lock;
  rk_message_t *pending_head;
  rk_message_t *pending_tail;
  _Atomic size_t pending_count; /* written under recv_lock, read by status */

  pthread_mutex_t dl_lock; /* dead letters */
  rk_dead_letter_t *dl;    /* ring of RKI_DEAD_LETTER_CAP */
  size_t dl_head;
  size_t dl_count;
  _Atomic uint64_t dl_total;

  rki_k2k_memo_t k2k_memo; /* handler sends' destination (worker running the handler) */
  void *handler_state;     /* rk_ctx_state slot */
  void *user;
  void (*user_destroy)(void *);

  bool script_queued; /* in the runtime's script ready list (script_lock) */
  rk_kernel_t *script_next;
  /* Script replies the full output could not take, oldest first (script_work.c). Under
   * script_lock; held_count is also read lock-free by status. */
  rk_message_t *held_head;
  rk_message_t *held_tail;
  _Atomic size_t held_count;
  rk_kernel_t *held_next; /* in the runtime's list of kernels holding replies */
  bool held_closed;       /* terminated: replies go straight to the pending list */
};

rk_status_t rki_kernel_new(rk_runtime_t *rt, const char *id, uint64_t num,
                           const rk_launch_options_t *opts, rk_kernel_t **out);
void rki_kernel_free(rk_kernel_t *k);
/* After terminate: moves a device actor's remaining replies into the pending list, keeps
 * its counters and destroys it, so it holds no device memory past terminate. An output
 * that cannot be emptied (out of memory) keeps the actor until rki_kernel_free. */
void rki_kernel_release_actor(rk_kernel_t *k);
rk_status_t rki_validate_kernel_id(const char *id);
rk_status_t rki_launch_options_check(const rk_launch_options_t *in, rk_launch_options_t *out);

/* Accepts one message into k's input without waiting. k2k: also accepted while Launched
 * or Deactivated. RK_OK, RK_EAGAIN (full; no detail text: callers retry it in hot loops
 * and format when they give up), RK_ESTATE, RK_ESHUTDOWN. hdr must be complete
 * (stamped, payload_size == len). */
rk_status_t rki_kernel_deliver(rk_kernel_t *k, const rk_message_header_t *hdr, const void *payload,
                               size_t len, bool k2k);
/* rk_kernel_send's argument checks (kernel, payload, runtime not failed). */
rk_status_t rki_kernel_send_check(rk_kernel_t *k, const void *payload, size_t len);
/* rk_kernel_send after stamping: delivers h (complete, see rki_kernel_deliver), waiting
 * up to timeout_ns for room, and formats the detail of a full queue when it gives up. */
rk_status_t rki_kernel_send_stamped(rk_kernel_t *k, const rk_message_header_t *h,
                                    const void *payload, size_t len, int64_t timeout_ns);
/* Same for a message the caller owns, moved into k's input without a copy (K2K between
 * host-run actors). Takes ownership only on RK_OK. */
rk_status_t rki_kernel_deliver_owned(rk_kernel_t *k, rk_message_t *m);

/* The kernel's HLC stamp for a message it sends in response to `cause`: the clock merged
 * with cause's timestamp (so the reply orders after the request), or a tick when the
 * cause's clock is too far ahead. */
rk_hlc_timestamp_t rki_kernel_stamp(rk_kernel_t *k, const rk_message_header_t *cause);

/* Fills the runtime-side header fields of a host or K2K send into *out, with timestamp
 * ts (a tick of the runtime's clock). */
rk_status_t rki_stamp_header(rk_kernel_t *k, const rk_message_header_t *hdr, size_t len,
                             uint64_t source, rk_hlc_timestamp_t ts, rk_message_header_t *out);

/* Runs k's C handler over msg on the calling (worker) thread; dead-letters it on failure
 * except RK_EAGAIN (back-pressure: the caller keeps the message and runs it again later);
 * the caller counts RK_OK as processed. *produced is the number of replies the handler published
 * to k's output; *consumed is set when
 * the message itself was moved on (built-in forward): the caller must not free it. */
rk_status_t rki_kernel_process(rk_kernel_t *k, rk_message_t *msg, uint64_t processed_before,
                               uint32_t *produced, bool *consumed);

/* The built-in forward: sends the current message on to dest through K2K, moving the
 * message itself (no copy) when dest is a host-run actor of the same runtime. */
rk_status_t rki_ctx_forward(rk_handler_ctx_t *ctx, const char *dest);

void rki_dead_letter_add(rk_kernel_t *k, const rk_message_header_t *hdr, rk_status_t reason,
                         const char *detail);
/* Terminates k: drain or not, waits out racing senders, dead-letters leftovers. */
rk_status_t rki_kernel_terminate(rk_kernel_t *k, bool drain, int64_t timeout_ns);

/* ---- the CPU backend's extras for host-run kernels (cpu/) --------------------------- */

/* Pushes an owned reply into a CPU actor's output (takes ownership on RK_OK); a bare
 * RK_EAGAIN when full. */
rk_status_t rki_cpu_push_output(rk_backend_actor_t *a, rk_message_t *m);
/* Same for a script actor's reply; when full, the receiver that next frees a slot calls
 * rki_script_output_space. */
rk_status_t rki_cpu_push_output_watched(rk_backend_actor_t *a, rk_message_t *m);
/* Moves an owned message into a CPU actor's input (takes ownership on RK_OK); a bare
 * RK_EAGAIN when full. */
rk_status_t rki_cpu_enqueue_owned(rk_backend_actor_t *a, rk_message_t *m);
/* Script actors: true when a sender found the input full since the last call (it
 * waits for space: call host.input_space after freeing a slot). */
bool rki_cpu_take_space_wanted(rk_backend_actor_t *a);
/* Moves up to n (at most 64) owned messages into a CPU actor's input in order, with one
 * ring claim; returns how many went in (ownership of those passes; the caller keeps the
 * rest). Wakes the actor as rki_cpu_enqueue_owned does. */
size_t rki_cpu_enqueue_owned_many(rk_backend_actor_t *a, rk_message_t *const *ms, size_t n);
/* Free input slots seen now (others may take or free some meanwhile). 0 also asks the
 * worker to notify the runtime's `space` word after its next batch (see cpu_internal.h),
 * so a caller that then sleeps on it is woken. */
size_t rki_cpu_input_room(rk_backend_actor_t *a);
/* Script actors: pops the oldest input message (caller serializes). NULL when empty. */
rk_message_t *rki_cpu_pop_input(rk_backend_actor_t *a);
size_t rki_cpu_input_depth(rk_backend_actor_t *a);
void rki_cpu_count_processed(rk_backend_actor_t *a);
/* The wall clock (rk_hlc_wall_micros) for stamps: on a CPU worker, the reading taken when
 * its current run of batches began (see cpu_scheduler.c); elsewhere a fresh reading. */
uint64_t rki_cpu_wall_micros(void);

/* ---- the runtime -------------------------------------------------------------------- */

struct rk_runtime {
  rk_runtime_config_t cfg;
  rk_backend_kind_t kind;
  rk_pool_t *pool;
  rk_hlc_clock_t *clock;

  const rk_backend_ops_t *ops; /* the primary backend */
  void *backend_state;
  const rk_backend_ops_t *cpu_ops; /* host-run (script) kernels; == ops on CPU */
  void *cpu_state;
  rk_backend_host_t host;
  pthread_t poller;
  bool poller_running;
  _Atomic bool poller_stop;

  pthread_mutex_t kernels_lock;
  rk_kernel_t **kernels;
  size_t kernel_count;
  size_t kernel_cap;
  uint64_t next_num;

  rk_k2k_broker_t *broker;

  _Atomic bool shutdown;
  pthread_mutex_t shutdown_lock;
  _Atomic bool failed;
  char fail_detail[256];

  rki_waitset_t events;
  rki_waitset_t space;
  _Atomic uint32_t interrupt_gen;

  int ready_fd;
  _Atomic bool ready_armed;

  pthread_mutex_t script_lock;
  rk_kernel_t *script_head;
  rk_kernel_t *script_tail;
  rk_kernel_t *held_kernels; /* script kernels holding replies (script_lock) */
  _Atomic size_t script_pending;

  _Atomic uint64_t total_launched;
  rki_counter_t messages_sent; /* bumped by every sender, workers included */
  _Atomic uint64_t messages_received;
};

/* RK_EFAILED with the sticky detail when the runtime failed, else RK_OK. */
rk_status_t rki_runtime_check(const rk_runtime_t *rt);
void rki_runtime_fail(void *rt, rk_status_t status, const char *detail);

/* Backends (backend.c): pick + init the primary and the host-run CPU backend; stop their
 * threads; free them. */
rk_status_t rki_backend_start(rk_runtime_t *rt);
void rki_backend_stop(rk_runtime_t *rt);
void rki_backend_fini(rk_runtime_t *rt);
/* Measurements only (tests/bench/bench_runtime_overhead.c): runtimes created after this
 * call with backend RK_BACKEND_CUDA use ops instead of the CUDA backend, so the runtime's
 * own cost can be timed against a stand-in device on a machine without a GPU. NULL
 * restores the CUDA backend. Not part of the public API. */
void rki_backend_override(const rk_backend_ops_t *ops);

/* Readiness (readiness.c). */
rk_status_t rki_ready_open(rk_runtime_t *rt);
void rki_ready_close(rk_runtime_t *rt);
void rki_ready_signal(rk_runtime_t *rt);

/* Script work (script_work.c): called after a message entered a script kernel's input,
 * and when one is (re)activated. */
void rki_script_notify(rk_kernel_t *k);
/* Terminate: takes k out of the script loop; its held replies move to the pending list
 * (receivable, in order), and so do replies made after this. */
void rki_script_forget(rk_kernel_t *k);
/* A script reply (takes ownership of m): into the output, or held when the output is full
 * or older replies are held (see script_work.c). Always RK_OK. */
rk_status_t rki_script_reply(rk_kernel_t *k, rk_message_t *m);
/* A receiver freed output space of a script kernel that holds replies: wakes the loop. */
void rki_script_output_space(rk_kernel_t *k);
/* A receiver saw k->held_count > 0: moves the held replies that fit into the output. */
void rki_script_deliver_held(rk_kernel_t *k);
/* Moves what the backend output holds, then `list` (linked through next, oldest first),
 * to k's pending list, keeping their order (kernel_receive.c). */
void rki_kernel_spill_replies(rk_kernel_t *k, rk_message_t *list);

/* Generic wait loop for host calls: runs try_fn until it returns something other than
 * RK_EAGAIN, sleeping on ws (rt->events or rt->space) in between. try_fn returns a bare RK_EAGAIN
 * (no detail: it runs often); the caller formats the detail when RK_EAGAIN comes back. Returns
 * RK_EAGAIN (timeout 0), RK_ETIMEDOUT, RK_EINTR (rk_runtime_interrupt), RK_ESHUTDOWN
 * (stop_on_shutdown and the runtime shut down) or try_fn's result. */
typedef rk_status_t (*rki_try_fn)(void *arg);
rk_status_t rki_runtime_wait(rk_runtime_t *rt, rki_waitset_t *ws, int64_t timeout_ns,
                             bool stop_on_shutdown, rki_try_fn try_fn, void *arg);
/* Bumps both waitsets (interrupt, shutdown, failure, terminate). */
void rki_runtime_wake_all(rk_runtime_t *rt);

/* K2K (k2k_broker.c). */
rk_status_t rki_k2k_broker_new(const rk_k2k_config_t *cfg, rk_runtime_t *rt, rk_k2k_broker_t **out);
void rki_k2k_broker_free(rk_k2k_broker_t *b);
/* may_wait false: a full target gives QueueFull at once (handlers). stamp: the sender's
 * HLC stamp (a kernel's own clock; hdr->source_kernel is then that kernel's number and is
 * kept as is), or NULL for a tick of the broker's clock. move: when
 * non-NULL and *move is the message holding payload, a delivery into a host-run actor
 * moves that message instead of copying it and sets *move to NULL. */
rk_status_t rki_k2k_send(rk_k2k_broker_t *b, const char *source, const char *destination,
                         const rk_message_header_t *hdr, const void *payload, size_t len,
                         bool may_wait, const rk_hlc_timestamp_t *stamp, rk_message_t **move,
                         rk_delivery_receipt_t *receipt);
/* The kernel a handler's send to dest reaches (after *hops route steps) without taking
 * the broker lock while memo is current (see k2k_broker.c); NULL when dest is not a
 * kernel endpoint, is invalid, or tracing is on: then rki_k2k_send does the whole job.
 * memo belongs to the sending kernel, used by the worker running its handler. */
rk_kernel_t *rki_k2k_target(rk_k2k_broker_t *b, rki_k2k_memo_t *memo, const char *dest,
                            uint32_t *hops);
/* Counts a delivery made outside rki_k2k_send in the broker's statistics. */
void rki_k2k_count_direct(rk_k2k_broker_t *b, rk_delivery_status_t status, uint32_t hops);
/* Maps a receipt status to the status a handler sees. */
rk_status_t rki_delivery_to_status(rk_delivery_status_t s);

/* pthread_create for the runtime's own threads, with asynchronous signals blocked in the
 * new thread (thread_start.c); the caller's mask is unchanged. 0 or an errno value. */
int rki_thread_start(pthread_t *thread, void *(*fn)(void *), void *arg);

/* The kernel whose C handler the calling thread is running, or NULL (kernel_process.c). */
rk_kernel_t *rki_current_handler_kernel(void);

#endif /* RK_RUNTIME_INTERNAL_H */
