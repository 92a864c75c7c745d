/* ringkernel/kernel.h — persistent actors ("kernels"), their launch options, lifecycle,
 * messages in and out, dead letters.
 *
 * Lifecycle (API spec §5):
 *
 *     Created(0) -> Launched(1) -> Active(2) <-> Deactivated(3)
 *                      |              |             |
 *                      +--------------+-------------+--> Terminating(4) -> Terminated(5)
 *
 *   activate:   from Launched or Deactivated
 *   deactivate: from Active
 *   terminate:  from Launched, Active or Deactivated
 * Anything else fails with RK_ESTATE and the detail
 * "Invalid state transition: Terminated -> Active".
 *
 * Ownership: a kernel is owned by the runtime that launched it. The rk_kernel_t pointer
 * stays valid (and safe to call, returning RK_ESHUTDOWN / RK_ESTATE as appropriate) until
 * rk_runtime_destroy(); nobody frees it individually.
 *
 * Threads: every function here may be called from any thread concurrently unless its
 * comment says otherwise. Blocking calls take a timeout in nanoseconds: 0 = try once,
 * < 0 = wait forever, > 0 = wait up to that long. Every blocking wait sleeps on a futex
 * (never spins) and returns RK_EINTR early when rk_runtime_interrupt() is called.
 * Bindings that must poll for signals (Python's Ctrl-C) call with a timeout slice
 * (e.g. 50 ms) in a loop and check signals between slices; rk_runtime_interrupt() is
 * the other way out.
 *
 * Messages: every send copies header and payload; the caller keeps its buffers on success
 * and on every error. Received messages are rk_message_t objects owned by the caller and
 * released with rk_message_free().
 */
#ifndef RINGKERNEL_KERNEL_H
#define RINGKERNEL_KERNEL_H

#include "ringkernel/api.h"
#include "ringkernel/status.h"
#include "ringkernel/message.h"
#include "ringkernel/queue.h"

RK_EXTERN_C_BEGIN

typedef struct rk_kernel rk_kernel_t;

/* An owned message: a 256-byte wire header plus its payload bytes, pool-allocated. */
typedef struct rk_message rk_message_t;

typedef enum rk_kernel_state {
  RK_KERNEL_CREATED = 0,
  RK_KERNEL_LAUNCHED = 1,
  RK_KERNEL_ACTIVE = 2,
  RK_KERNEL_DEACTIVATED = 3,
  RK_KERNEL_TERMINATING = 4,
  RK_KERNEL_TERMINATED = 5,
} rk_kernel_state_t;

typedef enum rk_kernel_mode {
  RK_KERNEL_MODE_PERSISTENT = 0,
  RK_KERNEL_MODE_EVENT_DRIVEN = 1,
} rk_kernel_mode_t;

enum {
  RK_KERNEL_ID_MAX = 64,           /* string id: 1..64 printable ASCII bytes */
  RK_QUEUE_CAPACITY_MAX = 1 << 20, /* queue capacity: 1..2^20, rounded up to 2^k */
  RK_PAYLOAD_CAPACITY_MAX = 65536, /* per-message payload limit of a kernel */
  RK_DEAD_LETTER_DETAIL_MAX = 192, /* bytes of detail text kept per dead letter */
};

/* Launch options. Initialise with rk_launch_options_init(); strings are copied at launch,
 * so the caller may free them after rk_runtime_launch() returns. */
typedef struct rk_launch_options {
  rk_kernel_mode_t mode;     /* Persistent */
  uint32_t grid_size;        /* 1 (GPU: blocks) */
  uint32_t block_size;       /* 256 (GPU: threads per block) */
  uint32_t input_capacity;   /* 1024; rounded up to a power of two; 0 or > 2^20: EINVAL */
  uint32_t output_capacity;  /* 1024; same rules */
  uint32_t payload_capacity; /* 4096: GPU slot payload area, 1..65536. Every kernel
                                takes any payload up to 65536: on a GPU kernel a larger
                                one goes through pinned spill rings (slower, processed
                                alone); a device K2K send stays limited to the
                                destination's capacity (cuda/README.md) */
  bool auto_activate;        /* true: launch leaves the kernel Active, else Launched */
  bool cooperative;          /* false (GPU: cooperative launch) */
  bool enable_k2k;           /* false (GPU: give the actor a device K2K inbox). On every
                                backend a kernel is a K2K endpoint of its runtime's
                                broker when the runtime has K2K enabled */
  const char *handler;       /* NULL -> "echo"; "script" -> served by the script loop */
  const char *forward_to;    /* K2K destination used by the "forward" handler */
  const char *cuda_source;   /* CUDA C source of a device handler (CUDA backend) */
  const char *cuda_entry;    /* its entry function name */
} rk_launch_options_t;

/* Snapshot returned by rk_kernel_status(). */
typedef struct rk_kernel_status {
  char id[RK_KERNEL_ID_MAX + 1];
  uint64_t numeric_id;
  rk_kernel_state_t state;
  rk_kernel_mode_t mode;
  uint64_t input_queue_depth;
  uint64_t output_queue_depth;
  uint64_t messages_processed; /* handler runs that returned RK_OK */
  uint64_t messages_dead_lettered;
  double uptime_secs; /* since launch */
} rk_kernel_status_t;

/* One dead letter: a message the kernel could not process, and why. */
typedef struct rk_dead_letter {
  uint64_t message_id;
  uint64_t correlation_id;
  uint64_t message_type;
  rk_status_t reason; /* e.g. RK_EHANDLER, RK_ESHUTDOWN */
  char detail[RK_DEAD_LETTER_DETAIL_MAX];
} rk_dead_letter_t;

/* One entry of rk_kernel_send_many(). header NULL: a fresh header with message_type 0. */
typedef struct rk_send_item {
  const rk_message_header_t *header;
  const void *payload;
  size_t len;
} rk_send_item_t;

/* Fills the defaults listed in rk_launch_options_t. Never fails. */
RK_API void rk_launch_options_init(rk_launch_options_t *opts);

/* "Created", "Launched", "Active", "Deactivated", "Terminating", "Terminated";
 * "Unknown" otherwise. Never NULL. */
RK_API const char *rk_kernel_state_name(rk_kernel_state_t state);
RK_API const char *rk_kernel_mode_name(rk_kernel_mode_t mode);

/* Identity. The string id lives as long as the kernel. numeric_id >= 1 is unique per
 * runtime and is what headers carry in source_kernel / dest_kernel. */
RK_API const char *rk_kernel_id(const rk_kernel_t *k);
RK_API uint64_t rk_kernel_numeric_id(const rk_kernel_t *k);
RK_API rk_kernel_state_t rk_kernel_state(const rk_kernel_t *k);
RK_API bool rk_kernel_is_active(const rk_kernel_t *k);
/* Waits until the kernel is Terminated: RK_OK, or RK_ETIMEDOUT after timeout_ns (< 0:
 * no limit; 0: look once). Blocks, polling the state once per millisecond; any thread.
 * The bindings call it in slices so a script's Ctrl-C is seen. */
RK_API rk_status_t rk_kernel_wait_terminated(const rk_kernel_t *k, int64_t timeout_ns);

/* Lifecycle transitions (see the diagram above). Non-blocking except terminate.
 * Deactivate keeps queued messages: none are processed, none are lost, and they are
 * processed after the next activate. */
RK_API rk_status_t rk_kernel_activate(rk_kernel_t *k);
RK_API rk_status_t rk_kernel_deactivate(rk_kernel_t *k);

/* Terminates without processing what is still queued: each message left in the input is
 * dead-lettered with reason RK_ESHUTDOWN, replies already produced stay receivable.
 * Blocks until no worker runs the kernel's handler. */
RK_API rk_status_t rk_kernel_terminate(rk_kernel_t *k);

/* Terminates after letting the kernel process its queued input (it stops accepting new
 * sends at once). Waits up to timeout_ns for the input to drain, then dead-letters the
 * rest with RK_ESHUTDOWN as rk_kernel_terminate() does; returns RK_OK either way (read the
 * dead letters to see what was left). A deactivated kernel is drained too. A script
 * kernel is drained by the script loop, so call this from another thread than the one
 * serving it (or it simply waits out the timeout). */
RK_API rk_status_t rk_kernel_terminate_drain(rk_kernel_t *k, int64_t timeout_ns);

/* Fills *out. RK_EINVAL on NULL. */
RK_API rk_status_t rk_kernel_status(const rk_kernel_t *k, rk_kernel_status_t *out);
RK_API rk_status_t rk_kernel_input_stats(const rk_kernel_t *k, rk_queue_stats_t *out);
RK_API rk_status_t rk_kernel_output_stats(const rk_kernel_t *k, rk_queue_stats_t *out);
RK_API uint32_t rk_kernel_input_capacity(const rk_kernel_t *k);
RK_API uint32_t rk_kernel_output_capacity(const rk_kernel_t *k);

/* Sends one message to the kernel's input. The runtime stamps message_id when 0, the HLC
 * timestamp, source_kernel 0 (host) and dest_kernel (this kernel); hdr may be NULL
 * (message_type 0, no correlation). Copies hdr and payload. Errors (caller keeps both):
 *   RK_ESTATE "Kernel not active: x" (Launched, Deactivated),
 *   RK_ESHUTDOWN (kernel terminating/terminated or runtime shut down),
 *   RK_ETOOBIG "payload 70000 bytes > max 65536",
 *   RK_EVALIDATION (bad magic / version in hdr),
 *   RK_EAGAIN "Queue full (capacity: 1024)" (timeout 0), RK_ETIMEDOUT, RK_EINTR. */
RK_API rk_status_t rk_kernel_send(rk_kernel_t *k, const rk_message_header_t *hdr,
                                  const void *payload, size_t len, int64_t timeout_ns);

/* Convenience: sends a fresh header with the given type and correlation id (0 = none). */
RK_API rk_status_t rk_kernel_send_bytes(rk_kernel_t *k, uint64_t message_type, const void *payload,
                                        size_t len, uint64_t correlation_id, int64_t timeout_ns);

/* Sends items in order until one is refused; *accepted (may be NULL) counts those taken.
 * Items after the first refusal stay with the caller. Returns RK_OK when all were
 * accepted, else the refusal's status (RK_EAGAIN when the queue filled up). timeout_ns
 * bounds the whole call. */
RK_API rk_status_t rk_kernel_send_many(rk_kernel_t *k, const rk_send_item_t *items, size_t count,
                                       int64_t timeout_ns, size_t *accepted);

/* Receives the next reply (K2H message) in arrival order. *out is owned by the caller.
 * RK_EAGAIN when empty and timeout 0, RK_ETIMEDOUT, RK_EINTR. Replies of a terminated
 * kernel stay receivable; once they are gone a waiting receive returns RK_ESHUTDOWN
 * "Kernel terminated: x (no replies left)" instead of waiting for nothing. */
RK_API rk_status_t rk_kernel_receive(rk_kernel_t *k, rk_message_t **out, int64_t timeout_ns);
RK_API rk_status_t rk_kernel_try_receive(rk_kernel_t *k, rk_message_t **out);

/* Receives up to max messages; waits (up to timeout_ns) only for the first one.
 * *count is the number written to out[]. */
RK_API rk_status_t rk_kernel_receive_many(rk_kernel_t *k, rk_message_t **out, size_t max,
                                          int64_t timeout_ns, size_t *count);

/* Sends with a fresh correlation id (hdr's correlation_id is replaced) and waits for the
 * reply carrying it. Replies for other correlation ids that arrive meanwhile stay
 * receivable, in order. *reply is owned by the caller. timeout_ns bounds the whole call
 * (a wait for input room and the wait for the reply share it). */
RK_API rk_status_t rk_kernel_request(rk_kernel_t *k, const rk_message_header_t *hdr,
                                     const void *payload, size_t len, int64_t timeout_ns,
                                     rk_message_t **reply);

/* Waits for the reply carrying correlation_id: the waiting half of rk_kernel_request, for
 * bindings that send and wait apart (a Python request, an awaitable). Replies for other
 * correlation ids met meanwhile are parked in the runtime and stay receivable in order
 * (rk_kernel_receive serves them first): the caller never holds another's reply.
 * RK_EAGAIN (timeout 0, not there yet), RK_ETIMEDOUT, RK_EINTR, RK_ESHUTDOWN (the kernel
 * terminated and that reply is not there), RK_EINVAL for correlation id 0. */
RK_API rk_status_t rk_kernel_receive_reply(rk_kernel_t *k, uint64_t correlation_id,
                                           int64_t timeout_ns, rk_message_t **out);

/* Dead letters: a bounded list (oldest dropped beyond 1024, still counted).
 * pop: RK_EAGAIN when empty. count: entries currently held. */
RK_API rk_status_t rk_kernel_pop_dead_letter(rk_kernel_t *k, rk_dead_letter_t *out);
RK_API size_t rk_kernel_dead_letter_count(const rk_kernel_t *k);

/* One opaque pointer per kernel for the binding. on_destroy (may be NULL) is called once
 * with the pointer when the runtime destroys the kernel (inside rk_runtime_destroy) or
 * when the pointer is replaced. Never called from a worker thread. */
RK_API void rk_kernel_set_user(rk_kernel_t *k, void *user, void (*on_destroy)(void *user));
RK_API void *rk_kernel_get_user(const rk_kernel_t *k);

/* Script kernels (handler "script"): replies to `request` (a message obtained from
 * rk_runtime_next_script_work). The reply carries the request's correlation id, message
 * type and the kernel's HLC stamp; source = this kernel, dest = the request's source.
 * A full output never loses the reply: the runtime holds it (after any reply of this
 * kernel held before, so order is kept) and the script loop delivers it before it hands
 * out this kernel's next message; meanwhile the kernel's input waits (back-pressure on
 * its senders). Terminating the kernel moves held replies to its receivable replies.
 * Returns RK_OK (held or not), RK_EINVAL, RK_ETOOBIG, RK_ENOMEM. The caller keeps
 * request. */
RK_API rk_status_t rk_kernel_reply(rk_kernel_t *k, const rk_message_t *request, const void *payload,
                                   size_t len);

/* Owned messages. create copies hdr (stamped only where its magic is 0: a fresh header)
 * and the payload. Accessors never fail on a valid message. free is NULL-tolerant. */
RK_API rk_status_t rk_message_create(const rk_message_header_t *hdr, const void *payload,
                                     size_t len, rk_message_t **out);
RK_API const rk_message_header_t *rk_message_header(const rk_message_t *m);
RK_API const void *rk_message_payload(const rk_message_t *m);
RK_API size_t rk_message_payload_size(const rk_message_t *m);
RK_API void rk_message_free(rk_message_t *m);

RK_EXTERN_C_END

#endif /* RINGKERNEL_KERNEL_H */
