/* cuda_actor.h — one persistent GPU actor seen from the host: launch, lifecycle, the
 * mapped rings' host ends, counters. The backend table (cuda_backend.c) and the GPU
 * tests drive actors through this. */
#ifndef RK_CUDA_ACTOR_H
#define RK_CUDA_ACTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ringkernel/cuda.h"
#include "ringkernel/message.h"
#include "rk_cuda_layout.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rkc_actor rkc_actor_t;
typedef struct rkc_directory rkc_directory_t;

typedef struct rkc_actor_config {
  int32_t device;
  uint64_t actor_id;          /* numeric id (>= 1): source_kernel of replies */
  uint64_t node_id;           /* HLC node id of device stamps */
  uint64_t forward_to;        /* forward handler's destination (0 = unset) */
  uint32_t grid, block;       /* block: multiple of 32, 32..1024 */
  uint32_t input_capacity;    /* powers of two, 1..2^20 */
  uint32_t output_capacity;
  uint32_t payload_capacity;  /* 1..65536 */
  uint32_t handler;           /* RKC_HANDLER_* (ignored when kernel is set) */
  const void *kernel;         /* NULL: the built-in kernel; else an NVRTC-loaded one */
  rkc_directory_t *directory; /* K2K directory of the device (required) */
  bool start_active;
  bool no_inbox_watcher;      /* warp 0 reads the inbox with each H2K poll instead of
                               * warp 1 watching it (benchmarks compare the two) */
  bool no_pacing;             /* no learned pause after solo replies (a benchmark switch) */
} rkc_actor_config_t;

/* Allocates the rings, launches the kernel and waits until it runs (HLC calibrated).
 * Caller owns *out. RK_EINVAL, RK_ENODEVICE, RK_ECUDA, RK_EGPUMEM. Blocks (~ms). */
rk_status_t rkc_actor_launch(const rkc_actor_config_t *cfg, rkc_actor_t **out);

/* Switches processing on/off and waits (up to 2 s) until the kernel acts on it;
 * RK_ESTUCK when it does not. One thread at a time per actor. */
rk_status_t rkc_actor_set_active(rkc_actor_t *a, bool active);

/* Stops the kernel: drain lets it process its queued input first, for up to timeout_ns
 * (< 0: 10 s); then it is told to stop at once and given 2 s more. RK_ESTUCK when it
 * did not stop: its memory is then leaked on destroy, never freed under a live kernel. */
rk_status_t rkc_actor_terminate(rkc_actor_t *a, bool drain, int64_t timeout_ns);

/* Frees everything (terminating first with a 2 s limit if needed). NULL-tolerant. */
void rkc_actor_destroy(rkc_actor_t *a);

/* Copies messages into H2K in order; returns how many went in (a prefix). Any thread
 * (producers are serialized by a lock). Never blocks. */
size_t rkc_actor_enqueue(rkc_actor_t *a, const rk_message_header_t *const *hdrs,
                         const void *const *payloads, size_t n);

/* One output record, oldest first (one consumer thread at a time). payload must hold
 * rkc_actor_max_payload bytes (a reply above the payload capacity comes through the K2H
 * spill ring; only a message sent above it can get one). *dead_status is 0 for a reply, else the handler's status of a
 * dead letter (hdr then describes the request). RK_EAGAIN when empty; RK_ECUDA when a
 * visible record never completes (a dead device). */
rk_status_t rkc_actor_dequeue(rkc_actor_t *a, rk_message_header_t *hdr, void *payload,
                              int32_t *dead_status);

/* Called by rkc_actor_dequeue_many for each record: hdr and payload (the scratch buffer)
 * are valid during the call only. Return false to leave this record in the output and
 * stop (it is offered again by the next call). */
typedef bool (*rkc_record_fn)(void *ctx, const rk_message_header_t *hdr, const void *payload,
                              int32_t dead_status);

/* Decodes up to max visible output records, oldest first, into the scratch buffer
 * `payload` (rkc_actor_max_payload bytes) and hands each to fn; returns how many fn took. One
 * consumer thread at a time. Cheaper per record than rkc_actor_dequeue: records are
 * prefetched ahead and the consumer position is published once per 64. */
size_t rkc_actor_dequeue_many(rkc_actor_t *a, size_t max, void *payload, rkc_record_fn fn,
                              void *ctx);

/* After terminate: the next unprocessed input message (H2K, then the K2K inbox), with
 * its real payload also when it was spilled (payload: rkc_actor_max_payload bytes);
 * RK_EAGAIN when none is left. One thread. */
rk_status_t rkc_actor_take_input(rkc_actor_t *a, rk_message_header_t *hdr, void *payload);

/* RK_OK while the kernel runs (or after a clean terminate); the CUDA error otherwise. */
rk_status_t rkc_actor_health(rkc_actor_t *a);
/* Records consumed from the output so far. */
uint64_t rkc_actor_output_position(rkc_actor_t *a);
/* True when the next output record is visible. */
bool rkc_actor_output_visible(rkc_actor_t *a);
size_t rkc_actor_output_depth(rkc_actor_t *a);
/* True once since the last call when the kernel consumed input after a refused enqueue. */
bool rkc_actor_take_space_signal(rkc_actor_t *a);

typedef struct rkc_actor_counters {
  uint64_t processed, dead_letters;
  uint64_t in_enqueued, in_dequeued, in_max_depth, in_rejected;
  uint64_t out_enqueued, out_dequeued, out_max_depth;
} rkc_actor_counters_t;

void rkc_actor_counters(rkc_actor_t *a, rkc_actor_counters_t *out);
void rkc_actor_profile(rkc_actor_t *a, rk_cuda_actor_profile_t *out);
uint64_t rkc_actor_device_bytes(const rkc_actor_t *a);
/* Polls that found the next input slot half-written (the host still writing it), as of
 * the kernel's last profile publish (when it goes idle, and at exit). */
uint64_t rkc_actor_partial_reads(rkc_actor_t *a);
/* Host stores into H2K: non-temporal for every enqueue (true; also
 * RINGKERNEL_CUDA_NT_STORES=1), or only for enqueues of 8 or more messages (false, the
 * default; single sends keep plain stores). From the producer side. */
void rkc_actor_set_nt_stores(rkc_actor_t *a, bool on);
uint32_t rkc_actor_payload_capacity(const rkc_actor_t *a);
/* The largest payload the actor takes and gives back: RK_MAX_PAYLOAD_SIZE when it has
 * spill rings (payload capacity below it), else its payload capacity. */
uint32_t rkc_actor_max_payload(const rkc_actor_t *a);

/* The kernel's diagnostics line (as of its last profile publish: when it goes idle, and
 * at exit): polls and their round-trip cycles, solo-path and batch counts and cycles. */
typedef struct rkc_actor_diag {
  uint64_t polls, poll_cycles, solo, solo_cycles, batches, batch_cycles, pace;
  uint64_t repolls;
  uint64_t watch_polls, watch_cycles, inbox_solo, inbox_solo_cycles;
  uint64_t helper_messages; /* handled by blocks other than block 0 (grid > 1) */
  uint64_t batch_msgs, bphase[3]; /* batches' messages; read, stamp, rest; between */
  uint64_t probe[4]; /* RKC_SOLO_PROBES builds: solo path, cycles from the poll's data to
                      * solo entry, lock taken, stamp ready, reply stored (sums) */
  uint64_t seal_unpublished; /* inbox claims never published when the seal's wait gave up */
} rkc_actor_diag_t;
void rkc_actor_diag(rkc_actor_t *a, rkc_actor_diag_t *out);
rkc_inbox_t *rkc_actor_inbox(const rkc_actor_t *a);

/* K2K directory of one device: actors register their inbox under their numeric id. */
rk_status_t rkc_directory_create(int32_t device, rkc_directory_t **out);
void rkc_directory_destroy(rkc_directory_t *dir);
rk_status_t rkc_directory_add(rkc_directory_t *dir, uint64_t actor_id, rkc_inbox_t *inbox);
void rkc_directory_remove(rkc_directory_t *dir, uint64_t actor_id);
rkc_directory_entry_t *rkc_directory_device(const rkc_directory_t *dir);

#ifdef __cplusplus
}
#endif

#endif /* RK_CUDA_ACTOR_H */
