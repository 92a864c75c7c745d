/* ringkernel/runtime.h — the runtime: backend choice, kernels, metrics, shutdown, and the
 * hooks event loops and script bindings need (readiness fd, script work, interrupt).
 *
 * Lifecycle: rk_runtime_create -> any number of launches/sends/receives ->
 * rk_runtime_shutdown (optional, idempotent) -> rk_runtime_destroy. Destroy shuts down
 * first when needed, then frees every kernel; no other thread may use the runtime or any
 * of its kernels during or after destroy. Everything else may be called from any thread.
 *
 * Waiting: blocking calls sleep on a futex (after an optional bounded poll, see
 * wait_spin_ns); they never spin unbounded.
 *
 * Threads the runtime starts: CPU workers (run C handlers) and, for device backends, a
 * poller. None of them ever calls into a script: script handlers are pulled by the
 * script's own thread (rk_runtime_next_script_work). They start with every asynchronous
 * signal blocked (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1/2, SIGPIPE, SIGCHLD, ...;
 * not the fault signals, SIGABRT or SIGPROF), so a process-directed signal such as
 * Ctrl-C's is delivered to one of the application's threads; the creating thread's own
 * mask is left as it was.
 *
 * Failure: after a sticky backend failure (e.g. a CUDA error) every call returns
 * RK_EFAILED and the detail text of the original failure.
 */
#ifndef RINGKERNEL_RUNTIME_H
#define RINGKERNEL_RUNTIME_H

#include "ringkernel/api.h"
#include "ringkernel/status.h"
#include "ringkernel/kernel.h"
#include "ringkernel/k2k.h"

RK_EXTERN_C_BEGIN

typedef struct rk_runtime rk_runtime_t;

typedef enum rk_backend_kind {
  RK_BACKEND_AUTO = 0,
  RK_BACKEND_CPU = 1,
  RK_BACKEND_CUDA = 2,
  RK_BACKEND_METAL = 3,
  RK_BACKEND_WGPU = 4,
} rk_backend_kind_t;

/* wait_spin_ns value that lets the runtime choose (see the field). */
#define RK_WAIT_SPIN_AUTO 0xFFFFFFFFu

typedef struct rk_runtime_config {
  rk_backend_kind_t backend; /* AUTO: CUDA when a device is usable, else CPU */
  uint64_t node_id;          /* 1: HLC node id (0..65535) */
  bool enable_k2k;           /* true: the runtime owns a broker; every kernel joins it */
  uint32_t worker_count;     /* 0: the machine's online cores (CPU workers), max 256 */
  int32_t cuda_device;       /* 0: device ordinal for the CUDA backend */
  uint32_t wait_spin_ns;     /* RK_WAIT_SPIN_AUTO: blocking host waits (receive, request,
                                send on a full queue, script work) first poll for up to
                                this long, then sleep on a futex; 0 = sleep at once.
                                Polling trades a core for wake-up latency (a futex wake
                                costs microseconds); max 1000000. AUTO = 20000 where the
                                machine has 4 or more online cores, else 0 */
  rk_k2k_config_t k2k;       /* rk_k2k_config_init defaults */
} rk_runtime_config_t;

typedef struct rk_runtime_metrics {
  uint64_t active_kernels;    /* kernels in state Active now */
  uint64_t total_launched;    /* successful launches since create */
  uint64_t messages_sent;     /* messages accepted into kernel inputs (host and K2K) */
  uint64_t messages_received; /* messages handed to the host by receive/request */
  uint64_t gpu_memory_used;   /* bytes the backend holds on devices (0 on CPU) */
  uint64_t host_memory_used;  /* bytes held by the runtime's message pool and queues */
} rk_runtime_metrics_t;

/* Fills the defaults listed above. Never fails. */
RK_API void rk_runtime_config_init(rk_runtime_config_t *cfg);

/* "Auto", "Cpu", "Cuda", "Metal", "Wgpu"; "Unknown" otherwise. */
RK_API const char *rk_backend_name(rk_backend_kind_t kind);
/* Parses "auto", "cpu", "cuda", "metal", "wgpu" (case-insensitive). RK_EINVAL
 * "unknown backend 'x': expected auto, cpu, cuda, metal or wgpu" otherwise. */
RK_API rk_status_t rk_backend_parse(const char *name, rk_backend_kind_t *out);

/* Creates a runtime (cfg NULL = defaults). Errors: RK_ENODEVICE for CUDA without a usable
 * device (detail says why), RK_EUNSUPPORTED for Metal/WGPU, RK_EINVAL for bad fields,
 * RK_EIO when threads or the eventfd cannot be created. *out is NULL on failure. The
 * caller owns the runtime. Blocks while workers start. */
RK_API rk_status_t rk_runtime_create(const rk_runtime_config_t *cfg, rk_runtime_t **out);

/* Shuts down (if not yet) and frees everything, kernels included. NULL-tolerant.
 * Messages the caller received (rk_message_t) stay valid and must still be freed with
 * rk_message_free, before or after this call. */
RK_API void rk_runtime_destroy(rk_runtime_t *rt);

/* Terminates every kernel (queued input is dead-lettered with RK_ESHUTDOWN), refuses new
 * launches and sends (RK_ESHUTDOWN; a send racing with shutdown either lands before it —
 * and is then dead-lettered or processed — or fails and the caller keeps its message),
 * wakes every blocked caller (RK_ESHUTDOWN), and returns only when no worker touches any
 * kernel. Replies already produced stay receivable. Idempotent; blocks. */
RK_API rk_status_t rk_runtime_shutdown(rk_runtime_t *rt);

RK_API rk_backend_kind_t rk_runtime_backend(const rk_runtime_t *rt); /* CPU or CUDA */
RK_API uint64_t rk_runtime_node_id(const rk_runtime_t *rt);
RK_API bool rk_runtime_is_k2k_enabled(const rk_runtime_t *rt);
RK_API bool rk_runtime_is_shutdown(const rk_runtime_t *rt);
RK_API uint32_t rk_runtime_worker_count(const rk_runtime_t *rt);

/* The sticky failure's detail when the runtime failed, else the calling thread's last
 * error (rk_last_error). Never NULL. */
RK_API const char *rk_runtime_last_error(const rk_runtime_t *rt);

/* Launches a kernel (opts NULL = defaults). id: 1..64 printable ASCII bytes. Errors:
 * RK_EINVAL (bad id or option; detail names it), RK_EEXIST "Kernel already exists: x",
 * RK_ENOTFOUND "Handler not found: x", RK_EUNSUPPORTED for a cuda_source on a CPU
 * runtime (or a script kernel), RK_ESHUTDOWN after shutdown, backend errors.
 * *out is owned by the runtime (valid until rk_runtime_destroy). */
RK_API rk_status_t rk_runtime_launch(rk_runtime_t *rt, const char *id,
                                     const rk_launch_options_t *opts, rk_kernel_t **out);

/* The kernel with this id (terminated ones included), or NULL (rk_last_error:
 * "Kernel not found: x"). */
RK_API rk_kernel_t *rk_runtime_get_kernel(rk_runtime_t *rt, const char *id);
RK_API rk_kernel_t *rk_runtime_get_kernel_by_number(rk_runtime_t *rt, uint64_t numeric_id);

/* Writes up to cap kernel ids (launch order; pointers valid until destroy) and returns
 * the total count. terminated: include terminated kernels. */
RK_API size_t rk_runtime_list_kernels(rk_runtime_t *rt, const char **ids, size_t cap,
                                      bool include_terminated);

RK_API rk_status_t rk_runtime_metrics(rk_runtime_t *rt, rk_runtime_metrics_t *out);

/* The runtime's broker (its endpoints are the launched, not yet terminated kernels).
 * Owned by the runtime. NULL when the runtime was created with enable_k2k false. */
RK_API rk_k2k_broker_t *rk_runtime_k2k_broker(rk_runtime_t *rt);

/* Wakes every thread blocked in a receive/request/send/next_script_work wait of this
 * runtime; they return RK_EINTR. Waits that start after the call are not affected.
 * Async-signal-safe (atomic adds and futex wakes only). */
RK_API void rk_runtime_interrupt(rk_runtime_t *rt);

/* Readiness: an eventfd that becomes readable when a reply lands in any kernel's output,
 * script work is queued, or a kernel's input frees a slot after a send found it full.
 * Event loops watch it; on readable, call rk_runtime_ready_clear and THEN drain
 * (try_receive / next_script_work with timeout 0, retry refused sends) until empty, so
 * nothing arriving after the clear is missed. The fd is owned by the runtime (do not
 * close). */
RK_API int rk_runtime_ready_fd(const rk_runtime_t *rt);
RK_API void rk_runtime_ready_clear(rk_runtime_t *rt);
/* Makes the readiness fd readable (cheap when it already is). For bindings that hand a
 * reply from one of their waiters to another (a reply set aside for a parked awaiter):
 * the runtime's own signal for that reply may already have been consumed. */
RK_API void rk_runtime_ready_signal(rk_runtime_t *rt);

/* Script loop: takes the next message addressed to a "script" kernel of this runtime
 * (kernels take turns). *kernel is the target, *msg the request (caller owns it). The
 * caller runs its handler, may rk_kernel_reply() any number of times, and must finish
 * with rk_script_work_done(). RK_EAGAIN (timeout 0) / RK_ETIMEDOUT when none,
 * RK_EINTR, RK_ESHUTDOWN after shutdown. Any thread, but a script kernel's messages
 * are handed out in order only to one loop at a time.
 * Each call first delivers held replies (see rk_kernel_reply) that now fit; a kernel
 * still holding one is not handed out, and when only such kernels have input the call
 * answers as with no work, so a single-threaded script can receive and call again. A
 * receive on any thread that frees space in such a kernel's output wakes a waiting
 * call. */
RK_API rk_status_t rk_runtime_next_script_work(rk_runtime_t *rt, int64_t timeout_ns,
                                               rk_kernel_t **kernel, rk_message_t **msg);

/* Finishes one script work item: result RK_OK counts msg as processed; an error
 * dead-letters it with detail (NULL: the status text). Takes ownership of msg. */
RK_API void rk_script_work_done(rk_kernel_t *kernel, rk_message_t *msg, rk_status_t result,
                                const char *detail);

/* Number of script work items waiting now (all script kernels, except those of kernels
 * holding replies until those are delivered). */
RK_API size_t rk_runtime_script_work_pending(const rk_runtime_t *rt);

RK_EXTERN_C_END

#endif /* RINGKERNEL_RUNTIME_H */
