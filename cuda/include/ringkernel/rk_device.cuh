/* ringkernel/rk_device.cuh — what a CUDA C message handler sees.
 *
 * A device handler is a function with this fixed signature:
 *
 *     extern "C" __device__ int my_handler(rk_dev_ctx_t *ctx, const rk_dev_msg_t *msg);
 *
 * (RK_DEVICE_HANDLER(my_handler) spells it). It runs on ALL 32 lanes of one warp per
 * message; messages of one batch run on different warps at the same time, so a handler
 * must not assume it is alone. Replies and K2K sends still leave in the order the
 * messages arrived: a send waits until the handlers of earlier messages have finished.
 * Return 0 (RK_OK) for success; any negative rk_status_t dead-letters the message with
 * that status (the value lane 0 returns counts).
 *
 * Helpers below are warp-collective: call them from all 32 lanes with the same arguments.
 *   rk_dev_reply  one reply per message, to the host (the actor's K2H queue); it carries
 *                 the request's correlation id and the actor's device HLC stamp.
 *   rk_dev_send   K2K to another GPU actor by numeric id, through its device inbox;
 *                 RK_EAGAIN (-3) when that inbox is full (back-pressure: nothing is
 *                 overwritten), RK_ENOTFOUND (-5) when no actor has that id.
 *   rk_dev_state  4 KiB of per-actor device memory, zeroed at launch, kept across messages
 *                 (warps of one batch share it: use atomics).
 * Handler source given to LaunchOptions.with_cuda_source() is compiled with NVRTC at
 * launch together with this header; `#include <ringkernel/rk_device.cuh>` is optional.
 */
#ifndef RINGKERNEL_RK_DEVICE_CUH
#define RINGKERNEL_RK_DEVICE_CUH

#include "rk_cuda_layout.h"

/* A read-only view of the message being handled. */
typedef struct rk_dev_msg {
  uint64_t message_id;
  uint64_t correlation_id;
  uint64_t source_kernel; /* 0 = host */
  uint64_t dest_kernel;
  uint64_t message_type;
  uint64_t ts_physical; /* the message's HLC timestamp */
  uint64_t ts_logical;
  uint64_t ts_node;
  uint32_t payload_size;
  uint32_t flags;
  uint32_t priority;
  const uint8_t *payload; /* payload_size bytes, device memory */
} rk_dev_msg_t;

/* Per-message context; fields are the runtime's, read them through the helpers. */
typedef struct rk_dev_ctx {
  const rkc_actor_params_t *params;
  uint32_t index;             /* position of the message in its batch */
  uint32_t *replied;          /* shared, per batch index: RK_DEV_REPLIED_* bits */
  rkc_header_t *reply_header; /* staging for this message's reply */
  uint8_t *reply_payload;
  uint32_t reply_capacity; /* bytes reply_payload holds: the actor's payload capacity,
                            * or the maximum payload for a message processed alone (one
                            * whose own payload was above the capacity) */
  uint64_t handled_before; /* messages this actor handled before this one */
  uint64_t stamp_physical; /* the actor's HLC stamp for this message */
  uint64_t stamp_logical_node;
  unsigned long long *k2k_sent;
  unsigned long long *k2k_full;
  rkc_directory_entry_t *cache; /* shared, this warp's: last destination looked up */
} rk_dev_ctx_t;

/* Bits of ctx->replied[i]: a reply is staged, a dead letter is staged, the handler of
 * message i has returned (its K2K sends are claimed, so later messages may send). */
#define RK_DEV_REPLIED_REPLY 1u
#define RK_DEV_REPLIED_DEAD 2u
#define RK_DEV_REPLIED_DONE 4u

#define RK_DEVICE_HANDLER(name)                                                                    \
  extern "C" __device__ int name(rk_dev_ctx_t *ctx, const rk_dev_msg_t *msg)

#define RK_DEV_OK 0
#define RK_DEV_EINVAL (-1)
#define RK_DEV_EAGAIN (-3)
#define RK_DEV_ENOTFOUND (-5)
#define RK_DEV_ESTATE (-7)
#define RK_DEV_ETOOBIG (-9)

static __device__ __forceinline__ uint32_t rk_dev_lane(void) {
  return threadIdx.x & 31u;
}

static __device__ __forceinline__ void *rk_dev_state(rk_dev_ctx_t *ctx) {
  return ctx->params->user_state;
}

/* Messages this actor handled before the current one (its position in the actor's
 * processing order). */
static __device__ __forceinline__ uint64_t rk_dev_messages_handled(const rk_dev_ctx_t *ctx) {
  return ctx->handled_before;
}

static __device__ __forceinline__ uint64_t rk_dev_actor_id(const rk_dev_ctx_t *ctx) {
  return ctx->params->actor_id;
}

/* Warp-cooperative copy (device or shared memory). 4-byte words when both ends are
 * 4-aligned (a 64-byte payload is then one load per lane instead of two dependent byte
 * rounds), bytes for the rest. */
static __device__ __forceinline__ void rk_dev_copy(uint8_t *dst, const uint8_t *src, uint32_t n) {
  uint32_t done = 0;
  if ((((unsigned long long)dst | (unsigned long long)src) & 3u) == 0u) {
    done = n & ~3u;
    for (uint32_t i = 4u * rk_dev_lane(); i < done; i += 128u)
      *(uint32_t *)(dst + i) = *(const uint32_t *)(src + i);
  }
  for (uint32_t i = done + rk_dev_lane(); i < n; i += 32u)
    dst[i] = src[i];
}

static __device__ __forceinline__ void rk_dev_fill_header(const rk_dev_ctx_t *ctx,
                                                          const rk_dev_msg_t *msg, rkc_header_t *h,
                                                          uint64_t dest, uint64_t type,
                                                          uint32_t size) {
  h->message_id = 0; /* the host assigns ids to device-made messages */
  h->correlation_id = msg->correlation_id;
  h->source_kernel = ctx->params->actor_id;
  h->dest_kernel = dest;
  h->message_type = type;
  h->ts_physical = ctx->stamp_physical;
  h->ts_logical_node = ctx->stamp_logical_node;
  h->payload_size = size;
  h->flags_priority = (msg->priority << 24);
}

/* Replies to the host. RK_DEV_ETOOBIG above the actor's payload capacity (above 65536
 * bytes for a request that was itself larger than the capacity: it is processed alone and
 * its reply may go through the K2H spill ring), RK_DEV_ESTATE for a second reply to the
 * same message. */
static __device__ int rk_dev_reply(rk_dev_ctx_t *ctx, const rk_dev_msg_t *msg,
                                   uint64_t message_type, const void *payload, uint32_t size) {
  if (size > ctx->reply_capacity) return RK_DEV_ETOOBIG;
  __syncwarp();
  if (ctx->replied[ctx->index] != 0) return RK_DEV_ESTATE;
  rk_dev_copy(ctx->reply_payload, (const uint8_t *)payload, size);
  if (rk_dev_lane() == 0)
    rk_dev_fill_header(ctx, msg, ctx->reply_header, msg->source_kernel, message_type, size);
  __syncwarp();
  if (rk_dev_lane() == 0) ctx->replied[ctx->index] = RK_DEV_REPLIED_REPLY;
  __syncwarp();
  return RK_DEV_OK;
}

/* Finds the inbox of actor `dest` in a directory (0 when none). Lane-parallel scan (a
 * warp), the last answer cached in `cache` (the caller stores it). */
static __device__ rkc_inbox_t *rk_dev_find_inbox(const rkc_directory_entry_t *directory,
                                                 const rkc_directory_entry_t *cache,
                                                 uint64_t dest) {
  if (cache->actor_id == dest && cache->inbox) return (rkc_inbox_t *)cache->inbox;
  uint64_t found = 0;
  for (uint32_t base = 0; base < RKC_DIRECTORY_SIZE && !found; base += 32u) {
    const volatile rkc_directory_entry_t *e = directory + base + rk_dev_lane();
    uint64_t id = e->actor_id;
    uint64_t inbox = e->inbox;
    unsigned hit = __ballot_sync(0xffffffffu, id == dest && inbox != 0);
    if (hit) found = __shfl_sync(0xffffffffu, inbox, __ffs(hit) - 1);
  }
  return (rkc_inbox_t *)found;
}

/* Finds the inbox of actor `dest` (0 when none). Lane-parallel scan, cached per warp. */
static __device__ rkc_inbox_t *rk_dev_lookup(rk_dev_ctx_t *ctx, uint64_t dest) {
  return rk_dev_find_inbox(ctx->params->directory, ctx->cache, dest);
}

/* The slot of an inbox at position pos (capacity a power of two; slots follow the
 * inbox header, slot_bytes each). */
static __device__ __forceinline__ rkc_inbox_slot_t *
rk_dev_inbox_slot(const rkc_inbox_t *inbox, uint64_t pos, uint32_t capacity, uint32_t slot_bytes) {
  uint8_t *base = (uint8_t *)inbox + sizeof(rkc_inbox_t);
  return (rkc_inbox_slot_t *)(base + (pos & (capacity - 1)) * slot_bytes);
}

/* An inbox's geometry and positions as one producer (lane 0) read them: the five plain
 * loads are in flight together (one device-memory round trip); head with acquire. A
 * sealed inbox (its actor terminated) reads capacity 0: full. */
typedef struct rk_dev_inbox_view {
  uint32_t payload_cap, slot_bytes, capacity;
  unsigned long long tail, head;
} rk_dev_inbox_view_t;

static __device__ rk_dev_inbox_view_t rk_dev_inbox_read(rkc_inbox_t *inbox) {
  rk_dev_inbox_view_t v;
  v.payload_cap = *(volatile uint32_t *)&inbox->payload_capacity;
  v.slot_bytes = (uint32_t) * (volatile uint64_t *)&inbox->slot_bytes;
  v.capacity = *(volatile uint32_t *)&inbox->capacity;
  v.tail = *(volatile unsigned long long *)&inbox->tail;
  /* acquire: pairs with the consumer's release store of head after reading slots */
  asm volatile("ld.acquire.gpu.global.u64 %0, [%1];" : "=l"(v.head) : "l"(&inbox->head) : "memory");
  return v;
}

/* Claims n consecutive inbox positions for one producer (lane 0) and returns the first,
 * or ~0 when fewer than n are free. pos and head were read together with the inbox's
 * geometry (one device-memory round trip); a failed CAS retries with the tail it saw, and
 * an inbox that looks full is re-read once, so stale first reads cost a retry, never a
 * wrong answer. */
static __device__ uint64_t rk_dev_inbox_claim_n(rkc_inbox_t *inbox, unsigned long long pos,
                                                unsigned long long head, uint32_t capacity,
                                                uint32_t n) {
  unsigned long long *tail = (unsigned long long *)&inbox->tail;
  for (;;) {
    if (pos - head + n > capacity) {
      unsigned long long fresh;
      /* acquire: pairs with the consumer's release store of head after reading slots */
      asm volatile("ld.acquire.gpu.global.u64 %0, [%1];"
                   : "=l"(fresh)
                   : "l"(&inbox->head)
                   : "memory");
      if (fresh == head) return ~0ull;
      head = fresh;
      continue;
    }
    unsigned long long seen = atomicCAS(tail, pos, pos + n);
    if (seen == pos) return pos;
    pos = seen;
  }
}

/* Claims one inbox position (lane 0), ~0 when the inbox is full. */
static __device__ uint64_t rk_dev_inbox_claim(rkc_inbox_t *inbox, unsigned long long pos,
                                              unsigned long long head, uint32_t capacity) {
  return rk_dev_inbox_claim_n(inbox, pos, head, capacity, 1u);
}

/* Waits (warp) until the handlers of the batch's earlier messages have returned, so K2K
 * sends leave in the order the messages arrived. Only a sending handler waits: the others
 * never serialise on each other. */
static __device__ void rk_dev_wait_earlier(const rk_dev_ctx_t *ctx) {
  for (;;) {
    bool done = true;
    for (uint32_t j = rk_dev_lane(); j < ctx->index; j += 32u)
      /* atomic read: pairs with the atomicOr of RK_DEV_REPLIED_DONE in the actor loop */
      done = done && (atomicAdd(&ctx->replied[j], 0u) & RK_DEV_REPLIED_DONE) != 0u;
    if (__all_sync(0xffffffffu, done)) return;
  }
}

/* K2K send to the GPU actor with numeric id `dest`. */
static __device__ int rk_dev_send(rk_dev_ctx_t *ctx, const rk_dev_msg_t *msg, uint64_t dest,
                                  uint64_t message_type, const void *payload, uint32_t size) {
  rkc_inbox_t *inbox = rk_dev_lookup(ctx, dest);
  if (!inbox) return RK_DEV_ENOTFOUND;
  if (rk_dev_lane() == 0) {
    ctx->cache->actor_id = dest;
    ctx->cache->inbox = (uint64_t)inbox;
  }
  rk_dev_inbox_view_t view = {0, 0, 0, 0, 0};
  if (rk_dev_lane() == 0) view = rk_dev_inbox_read(inbox);
  uint32_t payload_cap = __shfl_sync(0xffffffffu, view.payload_cap, 0);
  if (size > payload_cap) return RK_DEV_ETOOBIG;
  rk_dev_wait_earlier(ctx);
  uint64_t pos = 0;
  if (rk_dev_lane() == 0) pos = rk_dev_inbox_claim(inbox, view.tail, view.head, view.capacity);
  pos = __shfl_sync(0xffffffffu, pos, 0);
  if (pos == ~0ull) {
    if (rk_dev_lane() == 0) atomicAdd(ctx->k2k_full, 1ull);
    return RK_DEV_EAGAIN;
  }
  const uint32_t slot_bytes = __shfl_sync(0xffffffffu, view.slot_bytes, 0);
  const uint32_t capacity = __shfl_sync(0xffffffffu, view.capacity, 0);
  rkc_inbox_slot_t *slot = rk_dev_inbox_slot(inbox, pos, capacity, slot_bytes);
  rk_dev_copy((uint8_t *)(slot + 1), (const uint8_t *)payload, size);
  if (rk_dev_lane() == 0) rk_dev_fill_header(ctx, msg, &slot->header, dest, message_type, size);
  __syncwarp();
  if (rk_dev_lane() == 0) {
    /* release: pairs with the consumer's acquire of seq (rkc_inbox_ready); __syncwarp
     * ordered every lane's slot writes before it and a release is cumulative, so no
     * separate fence (the actor loop's forward publishes the same way) */
    asm volatile("st.release.gpu.global.u64 [%0], %1;" ::"l"(&slot->seq), "l"(pos + 1) : "memory");
    atomicAdd(ctx->k2k_sent, 1ull);
  }
  __syncwarp();
  return RK_DEV_OK;
}

#endif /* RINGKERNEL_RK_DEVICE_CUH */
