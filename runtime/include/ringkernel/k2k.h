/* ringkernel/k2k.h — the kernel-to-kernel (K2K) broker: endpoints, routes, delivery.
 *
 * A broker maps string endpoint ids to delivery targets. A runtime owns one broker
 * (rk_runtime_k2k_broker) in which every launched kernel appears as an endpoint (until
 * it terminates); a standalone broker (rk_k2k_broker_create) holds endpoints without a kernel,
 * each with a bounded inbox read back with rk_k2k_receive.
 *
 * Delivery (rk_k2k_send): when the destination is a registered endpoint the message goes
 * straight into its input. Otherwise the broker walks the route table itself:
 * add_route(destination, next_hop) means "what is addressed to destination goes to
 * next_hop"; the broker follows next_hop entries (each step one hop, recorded in the
 * trace when tracing is on) until it reaches a registered endpoint, which receives the
 * message with dest_kernel still naming the final destination's numeric id when that is
 * known (0 otherwise). More than max_hops steps (a loop, or a long chain) gives
 * MaxHopsExceeded; a destination with neither endpoint nor route gives NotFound.
 * A full target waits up to delivery_timeout_ms (then Timeout); with a timeout of 0 a full
 * target gives QueueFull at once. Unlike host sends, K2K deliveries are accepted by a
 * Launched or Deactivated kernel too (they wait in its input until it is activated); a
 * terminating or terminated kernel gives NotFound.
 *
 * Threads: every function may be called from any thread; the broker locks internally
 * (a reader-writer lock: sends run in parallel, registration is exclusive). Sends from
 * handlers (rk_ctx_send_k2k) never wait.
 */
#ifndef RINGKERNEL_K2K_H
#define RINGKERNEL_K2K_H

#include "ringkernel/api.h"
#include "ringkernel/status.h"
#include "ringkernel/hlc.h"
#include "ringkernel/message.h"
#include "ringkernel/kernel.h"

RK_EXTERN_C_BEGIN

typedef struct rk_k2k_broker rk_k2k_broker_t;

typedef struct rk_k2k_config {
  uint32_t max_pending_messages; /* 1024: inbox bound of a kernel-less endpoint, 1..2^20 */
  uint32_t delivery_timeout_ms;  /* 5000: how long a send waits on a full target */
  bool enable_tracing;           /* false: keep a bounded trace of (message id, hop) */
  uint32_t max_hops;             /* 8: route steps allowed, 1..255 */
} rk_k2k_config_t;

typedef enum rk_delivery_status {
  RK_DELIVERY_DELIVERED = 0,
  RK_DELIVERY_PENDING = 1,
  RK_DELIVERY_NOT_FOUND = 2,
  RK_DELIVERY_QUEUE_FULL = 3,
  RK_DELIVERY_TIMEOUT = 4,
  RK_DELIVERY_MAX_HOPS_EXCEEDED = 5,
  RK_DELIVERY_TENANT_MISMATCH = 6,
} rk_delivery_status_t;

typedef struct rk_delivery_receipt {
  uint64_t message_id;
  char source[RK_KERNEL_ID_MAX + 1];
  char destination[RK_KERNEL_ID_MAX + 1];
  rk_delivery_status_t status;
  uint32_t hops;                /* route steps taken (0 = direct) */
  rk_hlc_timestamp_t timestamp; /* the broker's HLC stamp of the delivery attempt */
} rk_delivery_receipt_t;

typedef struct rk_k2k_stats {
  uint64_t registered_endpoints;
  uint64_t messages_delivered;
  uint64_t routes_configured;
  uint64_t messages_forwarded; /* route hops taken */
  uint64_t not_found;
  uint64_t queue_full;
  uint64_t timeouts;
  uint64_t max_hops_exceeded;
} rk_k2k_stats_t;

/* One traced hop: the message and the endpoint or route step it passed. */
typedef struct rk_k2k_trace_entry {
  uint64_t message_id;
  uint32_t hop; /* 0 = the destination as addressed, 1.. = route steps */
  char endpoint[RK_KERNEL_ID_MAX + 1];
} rk_k2k_trace_entry_t;

/* One endpoint name, for listing. */
typedef struct rk_k2k_name {
  char name[RK_KERNEL_ID_MAX + 1];
} rk_k2k_name_t;

enum { RK_K2K_TRACE_MAX = 4096, RK_K2K_MAX_HOPS_LIMIT = 255 };

RK_API void rk_k2k_config_init(rk_k2k_config_t *cfg);
/* RK_EINVAL with a detail when a field is out of range. */
RK_API rk_status_t rk_k2k_config_validate(const rk_k2k_config_t *cfg);
RK_API const char *rk_delivery_status_name(rk_delivery_status_t status);

/* Standalone broker (cfg NULL = defaults). The caller owns it: rk_k2k_broker_destroy. */
RK_API rk_status_t rk_k2k_broker_create(const rk_k2k_config_t *cfg, rk_k2k_broker_t **out);
/* NULL-tolerant. Refuses nothing: pending inbox messages are freed. Must not race other
 * calls on the same broker. Runtime-owned brokers are destroyed by the runtime only
 * (calling this on one does nothing). */
RK_API void rk_k2k_broker_destroy(rk_k2k_broker_t *b);
RK_API rk_status_t rk_k2k_broker_config(const rk_k2k_broker_t *b, rk_k2k_config_t *out);

/* Registers an endpoint id (1..64 printable bytes). kernel NULL: an inbox endpoint.
 * RK_EEXIST "Endpoint already registered: x" when taken. A runtime registers its kernels
 * itself at launch and unregisters them when they terminate. */
RK_API rk_status_t rk_k2k_register(rk_k2k_broker_t *b, const char *id, rk_kernel_t *kernel);
RK_API rk_status_t rk_k2k_unregister(rk_k2k_broker_t *b, const char *id);
RK_API bool rk_k2k_is_registered(const rk_k2k_broker_t *b, const char *id);
/* Copies up to cap names (sorted) into out; returns the total number of endpoints. */
RK_API size_t rk_k2k_list(const rk_k2k_broker_t *b, rk_k2k_name_t *out, size_t cap);

/* Routes: destination and next_hop need not be registered yet. Replaces an existing route
 * for destination. remove: RK_ENOTFOUND when there is none. */
RK_API rk_status_t rk_k2k_add_route(rk_k2k_broker_t *b, const char *destination,
                                    const char *next_hop);
RK_API rk_status_t rk_k2k_remove_route(rk_k2k_broker_t *b, const char *destination);

/* Delivers a copy of (hdr, payload) from source (an endpoint id, or NULL / "" for the
 * host) to destination; hdr may be NULL. The outcome is data: RK_OK is returned whenever
 * a receipt was produced (check receipt->status; rk_last_error() has the detail of a
 * failed delivery). Errors only for bad arguments (RK_EINVAL, RK_ETOOBIG), with no
 * receipt. The caller keeps its buffers. May wait up to delivery_timeout_ms. */
RK_API rk_status_t rk_k2k_send(rk_k2k_broker_t *b, const char *source, const char *destination,
                               const rk_message_header_t *hdr, const void *payload, size_t len,
                               rk_delivery_receipt_t *receipt);

/* Pops the oldest message of an inbox endpoint. RK_EAGAIN when empty, RK_ENOTFOUND for an
 * unknown id, RK_EINVAL for a kernel endpoint (use rk_kernel_* for those). */
RK_API rk_status_t rk_k2k_receive(rk_k2k_broker_t *b, const char *id, rk_message_t **out);

/* Counters since creation. A runtime's broker also counts what its GPU actors send each
 * other device-side (delivered; refused as queue_full), as of each actor's last counter
 * publish (when it goes idle or stops). */
RK_API rk_status_t rk_k2k_stats(const rk_k2k_broker_t *b, rk_k2k_stats_t *out);

/* Copies up to cap trace entries (oldest first) and returns how many are held (at most
 * RK_K2K_TRACE_MAX; older ones are dropped). 0 when tracing is off. */
RK_API size_t rk_k2k_trace(const rk_k2k_broker_t *b, rk_k2k_trace_entry_t *out, size_t cap);

RK_EXTERN_C_END

#endif /* RINGKERNEL_K2K_H */
