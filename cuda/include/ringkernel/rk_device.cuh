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
 *                 overwritten), RK_ENOTFOUND (-5) when no actor has that id or it has
 *                 terminated. RK_OK means delivered: handled by the destination, or
 *                 returned by its take_input when it terminated first (except when the
 *                 destination never stops, RK_ESTUCK, or its seal gave up on a sender
 *                 stalled over 5 ms between claim and publish: diag_seal_unpublished;
 *                 cuda/README.md, "Sealing an inbox").
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

/* Where a warp last sent, kept in shared memory, one per warp (warps of a batch send at
 * the same time; one shared entry could pair one destination's id with another's inbox).
 * The geometry never changes for one inbox, so it is read once per destination; `tail`
 * and `head` are hints that make the common send one CAS: `tail` is where this warp
 * expects the next free position (its last claim's end; a failed CAS returns the real
 * one), `head` a consumer position seen earlier, which only grows, so a fullness check
 * against it is conservative and the real head is re-read only when it says full. */
typedef struct rk_dev_dest {
  uint64_t actor_id; /* 0: nothing cached */
  uint64_t inbox;    /* device address of the rkc_inbox_t */
  unsigned long long tail, head;
  uint32_t capacity, slot_bytes, payload_cap, pad;
} rk_dev_dest_t;

static_assert(sizeof(rk_dev_dest_t) == 48,
              "the actor loop zeroes its shared state in 8-byte words");

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
  rk_dev_dest_t *cache; /* shared, this warp's: last destination sent to */
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

/* The slot of an inbox at position pos (capacity a power of two; slots follow the
 * inbox header, slot_bytes each). */
static __device__ __forceinline__ rkc_inbox_slot_t *
rk_dev_inbox_slot(const rkc_inbox_t *inbox, uint64_t pos, uint32_t capacity, uint32_t slot_bytes) {
  uint8_t *base = (uint8_t *)inbox + sizeof(rkc_inbox_t);
  return (rkc_inbox_slot_t *)(base + (pos & (capacity - 1)) * slot_bytes);
}

/* Finds the inbox of actor `dest` in a directory (0 when none). Lane-parallel scan (a
 * warp). */
static __device__ rkc_inbox_t *rk_dev_find_inbox(const rkc_directory_entry_t *directory,
                                                 uint64_t dest) {
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

/* Loads with the orders the claim protocol needs (lane 0). */
static __device__ __forceinline__ unsigned long long rk_dev_ld_acquire(const void *p) {
  unsigned long long v;
  asm volatile("ld.acquire.gpu.global.u64 %0, [%1];" : "=l"(v) : "l"(p) : "memory");
  return v;
}

static __device__ __forceinline__ unsigned long long rk_dev_ld_relaxed(const void *p) {
  unsigned long long v;
  asm volatile("ld.relaxed.gpu.global.u64 %0, [%1];" : "=l"(v) : "l"(p) : "memory");
  return v;
}

/* Answers of rk_dev_dest_claim besides a position (positions stay below 2^63). */
#define RK_DEV_CLAIM_FULL (~0ull)
#define RK_DEV_CLAIM_SEALED (~1ull)
/* Re-lookups of a destination whose cached inbox was sealed (its actor terminated; a new
 * one with the same id may have a new inbox, which may itself be sealed meanwhile). */
#define RK_DEV_REOPEN_MAX 4u

/* Warp: makes `c` describe the inbox of actor `dest`: kept when it already does, else
 * looked up in the directory and its geometry and positions read by lane 0 in one
 * device-memory round trip (five loads in flight; head with acquire, last). RK_DEV_ENOTFOUND
 * when no actor has that id or its inbox is already sealed. */
static __device__ int rk_dev_dest_open(const rkc_directory_entry_t *directory, rk_dev_dest_t *c,
                                       uint64_t dest) {
  __syncwarp();
  if (c->actor_id == dest && c->inbox) return RK_DEV_OK;
  rkc_inbox_t *inbox = rk_dev_find_inbox(directory, dest);
  int st = inbox ? RK_DEV_OK : RK_DEV_ENOTFOUND;
  if (rk_dev_lane() == 0) {
    c->actor_id = 0;
    if (inbox) {
      const uint32_t payload_cap = *(volatile uint32_t *)&inbox->payload_capacity;
      const uint64_t slot_bytes = *(volatile uint64_t *)&inbox->slot_bytes;
      const uint32_t capacity = *(volatile uint32_t *)&inbox->capacity;
      const unsigned long long tail = rk_dev_ld_relaxed(&inbox->tail);
      /* acquire: pairs with the consumer's release store of head after reading slots */
      const unsigned long long head = rk_dev_ld_acquire(&inbox->head);
      if (tail & RKC_INBOX_SEALED) {
        st = RK_DEV_ENOTFOUND;
      } else {
        c->inbox = (uint64_t)inbox;
        c->payload_cap = payload_cap;
        c->slot_bytes = (uint32_t)slot_bytes;
        c->capacity = capacity;
        /* tail was read first (the acquire of head would hold back later loads), so head
         * may be ahead of it: the tail is at least head, the better first guess */
        c->tail = head > tail ? head : tail;
        c->head = head;
        c->actor_id = dest;
      }
    }
  }
  st = __shfl_sync(0xffffffffu, st, 0);
  __syncwarp();
  return st;
}

/* Lane 0: claims n consecutive positions of the cached inbox with a CAS from the cached
 * tail, no read before it. Returns the first position, RK_DEV_CLAIM_FULL when fewer than
 * n are free (checked against the cached head; head and tail re-read together only when
 * that says full), or RK_DEV_CLAIM_SEALED when the inbox's consumer has sealed it: then
 * nothing was claimed. A failed CAS returns the real tail and is retried with it, so a
 * stale cache costs a retry, never a wrong answer. */
static __device__ unsigned long long rk_dev_dest_claim(rk_dev_dest_t *c, uint32_t n) {
  rkc_inbox_t *inbox = (rkc_inbox_t *)c->inbox;
  unsigned long long *tail = (unsigned long long *)&inbox->tail;
  unsigned long long pos = c->tail, head = c->head;
  bool refreshed = false;
  for (;;) {
    if (pos - head + n > c->capacity) {
      if (refreshed) {
        c->tail = pos;
        c->head = head;
        return RK_DEV_CLAIM_FULL;
      }
      /* tail first, so both loads are in flight together (an acquire holds back the loads
       * after it); acquire: pairs with the consumer's release store of head after reading
       * slots. head may then be ahead of the tail read: the tail is at least head. */
      pos = rk_dev_ld_relaxed(tail);
      head = rk_dev_ld_acquire(&inbox->head);
      if (pos & RKC_INBOX_SEALED) return RK_DEV_CLAIM_SEALED;
      if (head > pos) pos = head;
      refreshed = true;
      continue;
    }
    /* relaxed: the slot is free by the head acquired earlier, and the slot's content is
     * published by the seq release, not by this claim */
    const unsigned long long seen = atomicCAS(tail, pos, pos + n);
    if (seen == pos) {
      c->tail = pos + n;
      c->head = head;
      return pos;
    }
    if (seen & RKC_INBOX_SEALED) return RK_DEV_CLAIM_SEALED;
    pos = seen;
    refreshed = false; /* someone else moved: full must be checked against a fresh head */
  }
}

/* What a warp's claim got: the first position of its run in `inbox`, or a status. */
typedef struct rk_dev_claim {
  int status; /* RK_DEV_OK, _EAGAIN (full), _ENOTFOUND, _ETOOBIG (max_size too large) */
  uint32_t capacity, slot_bytes;
  rkc_inbox_t *inbox;
  unsigned long long pos;
} rk_dev_claim_t;

/* Warp: claims n consecutive positions of actor `dest`'s inbox for messages of at most
 * max_size payload bytes, through the warp's cache `c`; every lane gets the answer. The
 * K2K send and the forward built-in both claim here. A sealed inbox is dropped from the
 * cache and the destination looked up again: a new actor with the same id is reached,
 * none gives RK_DEV_ENOTFOUND. */
static __device__ rk_dev_claim_t rk_dev_claim(const rkc_directory_entry_t *directory,
                                              rk_dev_dest_t *c, uint64_t dest, uint32_t n,
                                              uint32_t max_size) {
  rk_dev_claim_t r = {RK_DEV_ENOTFOUND, 0u, 0u, (rkc_inbox_t *)0, RK_DEV_CLAIM_FULL};
  for (uint32_t attempt = 0; attempt < RK_DEV_REOPEN_MAX; attempt++) {
    r.status = rk_dev_dest_open(directory, c, dest);
    if (r.status != RK_DEV_OK) return r;
    if (max_size > c->payload_cap) {
      r.status = RK_DEV_ETOOBIG;
      return r;
    }
    unsigned long long pos = 0;
    if (rk_dev_lane() == 0) {
      pos = rk_dev_dest_claim(c, n);
      if (pos == RK_DEV_CLAIM_SEALED) c->actor_id = 0;
    }
    pos = __shfl_sync(0xffffffffu, pos, 0);
    __syncwarp();
    if (pos == RK_DEV_CLAIM_SEALED) {
      r.status = RK_DEV_ENOTFOUND;
      continue;
    }
    if (pos == RK_DEV_CLAIM_FULL) {
      r.status = RK_DEV_EAGAIN;
      return r;
    }
    r.status = RK_DEV_OK;
    r.pos = pos;
    r.inbox = (rkc_inbox_t *)c->inbox;
    r.capacity = c->capacity;
    r.slot_bytes = c->slot_bytes;
    return r;
  }
  return r;
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

/* K2K send to the GPU actor with numeric id `dest`: RK_DEV_EAGAIN when its inbox is
 * full, RK_DEV_ENOTFOUND when no actor has that id (or it has terminated: its inbox is
 * sealed), RK_DEV_ETOOBIG above its payload capacity. RK_DEV_OK means the message is in
 * the inbox: its actor handles it or, terminated, leaves it to the host's take_input. */
static __device__ int rk_dev_send(rk_dev_ctx_t *ctx, const rk_dev_msg_t *msg, uint64_t dest,
                                  uint64_t message_type, const void *payload, uint32_t size) {
  rk_dev_wait_earlier(ctx);
  const rk_dev_claim_t c = rk_dev_claim(ctx->params->directory, ctx->cache, dest, 1u, size);
  if (c.status != RK_DEV_OK) {
    if (c.status == RK_DEV_EAGAIN && rk_dev_lane() == 0) atomicAdd(ctx->k2k_full, 1ull);
    return c.status;
  }
  rkc_inbox_slot_t *slot = rk_dev_inbox_slot(c.inbox, c.pos, c.capacity, c.slot_bytes);
  rk_dev_copy((uint8_t *)(slot + 1), (const uint8_t *)payload, size);
  if (rk_dev_lane() == 0) rk_dev_fill_header(ctx, msg, &slot->header, dest, message_type, size);
  __syncwarp();
  if (rk_dev_lane() == 0) {
    /* release: pairs with the consumer's acquire of seq (rkc_inbox_ready, and the seal's
     * wait); __syncwarp ordered every lane's slot writes before it and a release is
     * cumulative, so no separate fence (the actor loop's forward publishes the same way) */
    asm volatile("st.release.gpu.global.u64 [%0], %1;" ::"l"(&slot->seq), "l"(c.pos + 1)
                 : "memory");
    atomicAdd(ctx->k2k_sent, 1ull);
  }
  __syncwarp();
  return RK_DEV_OK;
}

#endif /* RINGKERNEL_RK_DEVICE_CUH */
