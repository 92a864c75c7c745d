/* rk_cuda_layout.h — memory shared by the host and a persistent GPU actor: the control
 * block, the mapped H2K/K2H rings, the device K2K inbox and the K2K directory. Compiled by
 * C (host), nvcc and NVRTC (device); the static_asserts below pin every offset.
 *
 * Design note — why the rings are not the 256-byte wire header.
 * A GPU read of pinned host memory is a PCIe round trip (~1.3 µs on the H100 machine),
 * and a poll that catches a half-written message costs another. So the mapped rings use
 * the "low-latency" word format: every 8-byte word carries 4 bytes of data and a 4-byte
 * flag (the slot's lap number + 1). An aligned 8-byte store is single-copy atomic on
 * both sides, so one read of a slot both detects the message and delivers it, with no
 * fence or index between them: a word whose flag is current holds current data. Only
 * the header fields that carry information travel (a 64-byte compact header, below);
 * the API still sees the 256-byte wire header, rebuilt on the host.
 *
 * Indices: positions are 64-bit counters that never wrap; slot = pos & (capacity - 1),
 * flag = (uint32_t)(pos / capacity) + 1 (never 0, the value of fresh memory). The
 * consumer publishes how far it has read on its own control-block line; the producer
 * reads it only when its cached copy says the ring is full, so the hot path needs no
 * index traffic across PCIe at all.
 */
#ifndef RK_CUDA_LAYOUT_H
#define RK_CUDA_LAYOUT_H

#if defined(__CUDACC_RTC__)
typedef unsigned long long uint64_t;
typedef long long int64_t;
typedef unsigned int uint32_t;
typedef unsigned char uint8_t;
typedef int int32_t;
#else
#include <stdint.h>
#endif

#if defined(__cplusplus)
#define RKC_STATIC_ASSERT(c, m) static_assert(c, m)
#else
#define RKC_STATIC_ASSERT(c, m) _Static_assert(c, m)
#endif

/* 64-byte compact header: what a ring slot carries before the payload. */
typedef struct rkc_header {
  uint64_t message_id;
  uint64_t correlation_id;
  uint64_t source_kernel;
  uint64_t dest_kernel;
  uint64_t message_type;
  uint64_t ts_physical;
  uint64_t ts_logical_node; /* logical << 16 | node_id & 0xFFFF (the HLC pack form) */
  uint32_t payload_size;
  uint32_t flags_priority;  /* wire flags in bits 0..23, priority in bits 24..31 */
} rkc_header_t;

RKC_STATIC_ASSERT(sizeof(rkc_header_t) == 64, "compact header is one cache line");

#define RKC_HEADER_WORDS 16u /* 4-byte data words of the compact header */

/* Internal flag bits of flags_priority (bits 16..23 are never set by the wire API's
 * users of the GPU backend: checked on enqueue). */
#define RKC_FLAG_DEAD_LETTER 0x00800000u /* K2H record: a dead letter, not a reply */
#define RKC_FLAG_SPILLED 0x00400000u     /* the payload is in a spill ring (below) */
#define RKC_FLAG_MASK_WIRE 0x0000FFFFu

/* Words of 8 bytes (4 data + 4 flag) a message of `payload_cap` payload bytes takes (for
 * the actor's payload capacity: a ring slot). */
#define RKC_SLOT_WORDS(payload_cap) (RKC_HEADER_WORDS + (((payload_cap) + 3u) / 4u))

/* Payloads above the slot (cuda/README.md, "Payloads above the slot"). A message whose
 * payload_size exceeds the actor's payload capacity travels with RKC_FLAG_SPILLED and,
 * in place of its payload, a spill reference: the entry's address in a spill ring of
 * mapped pinned memory (the same pointer on host and device) and the ring position just
 * past the entry. payload_size stays the real size. There are two rings per actor, H2K
 * (host writes, device reads) and K2H (device writes, host reads), allocated only when the
 * payload capacity is below RK_MAX_PAYLOAD_SIZE. Entries are 64-byte aligned and never
 * wrap: one that does not fit before the ring's end starts at offset 0, and the skipped
 * tail counts as used until the consumer passes it. The consumer publishes the position
 * it has finished with (H2K: device line `h2k_spill_head`, after the handler returned;
 * K2H: host line `k2h_spill_head`, after the host copied the payload out). */
#define RKC_SPILL_MAX_PAYLOAD 65536u /* RK_MAX_PAYLOAD_SIZE (message.h; not seen by NVRTC) */
#define RKC_SPILL_RING_BYTES (256u * 1024u) /* >= 2 largest entries plus a skipped tail */
#define RKC_SPILL_ALIGN 64u
#define RKC_SPILL_REF_BYTES 16u
#define RKC_SPILL_REF_WORDS (RKC_SPILL_REF_BYTES / 4u)

typedef struct rkc_spill_ref {
  uint64_t address; /* the entry's first byte (mapped pinned memory) */
  uint64_t end;     /* ring position just past the entry: the consumer's next head */
} rkc_spill_ref_t;

RKC_STATIC_ASSERT(sizeof(rkc_spill_ref_t) == RKC_SPILL_REF_BYTES, "spill reference");
RKC_STATIC_ASSERT(RKC_SPILL_RING_BYTES >= 2u * RKC_SPILL_MAX_PAYLOAD + RKC_SPILL_ALIGN,
                  "a spill ring holds two largest entries");

/* Ring words of one slot of an actor: its payload area, and at least room for a spill
 * reference (a payload capacity below 16 bytes would not hold one). */
#define RKC_ACTOR_SLOT_WORDS(payload_cap)                                                          \
  (RKC_SLOT_WORDS(payload_cap) > RKC_HEADER_WORDS + RKC_SPILL_REF_WORDS                            \
       ? RKC_SLOT_WORDS(payload_cap)                                                               \
       : RKC_HEADER_WORDS + RKC_SPILL_REF_WORDS)

#if defined(__CUDACC__) || defined(__CUDACC_RTC__)
#define RKC_HOST_DEVICE static __host__ __device__ inline
#else
#define RKC_HOST_DEVICE static inline
#endif

/* Reserves an entry of `bytes` in a spill ring of `ring_bytes` whose producer is at
 * `tail` and consumer at `head` (byte positions that never wrap). On success *start is
 * the entry's position (its offset is start % ring_bytes) and *end the producer's next
 * tail: past the entry, 64-byte aligned, with a skipped ring tail included. False when
 * the consumer has not freed enough yet (nothing changes: try again later). */
RKC_HOST_DEVICE int rkc_spill_reserve(uint64_t tail, uint64_t head, uint64_t ring_bytes,
                                      uint32_t bytes, uint64_t *start, uint64_t *end) {
  const uint64_t size =
      ((uint64_t)bytes + RKC_SPILL_ALIGN - 1u) & ~(uint64_t)(RKC_SPILL_ALIGN - 1u);
  const uint64_t off = tail % ring_bytes;
  const uint64_t first = off + size > ring_bytes ? tail + (ring_bytes - off) : tail;
  if (size > ring_bytes || first + size - head > ring_bytes) return 0;
  *start = first;
  *end = first + size;
  return 1;
}

/* Whether a spill reference read from a ring slot names a whole entry of `bytes` inside
 * the ring at `base` (mapped address) of `ring_bytes`, with an `end` that matches it: the
 * entry's offset plus its aligned size, as rkc_spill_reserve made them. The reader checks
 * before copying out (and, for K2H, before publishing `end` back to the device as its
 * consumed position): a torn or corrupt record is an error, never a read outside the
 * ring. Written without address + bytes, which wraps for an address near 2^64. */
RKC_HOST_DEVICE int rkc_spill_ref_valid(uint64_t address, uint64_t end, uint32_t bytes,
                                        uint64_t base, uint64_t ring_bytes) {
  const uint64_t size =
      ((uint64_t)bytes + RKC_SPILL_ALIGN - 1u) & ~(uint64_t)(RKC_SPILL_ALIGN - 1u);
  if (size > ring_bytes || address < base || address - base > ring_bytes - size) return 0;
  return end >= size && (end - size) % ring_bytes == address - base;
}

/* Control block: one per actor, in mapped pinned host memory. Each line has one writer. */
typedef struct rkc_control {
  /* host line: written by the host only */
  uint32_t terminate;        /* 1: stop; 2: drain then stop */
  uint32_t active;           /* 1: process input, 0: keep it queued */
  uint64_t h2k_tail;         /* H2K producer position (published after the slots) */
  uint64_t k2h_head;         /* K2H consumer position */
  int64_t hlc_offset_ns;     /* host wall ns - %globaltimer, measured at launch */
  uint32_t offset_valid;     /* 1 once hlc_offset_ns is set */
  uint32_t host_pad0;
  uint64_t k2h_spill_head;   /* K2H spill ring: the host has copied out entries before it */
  uint64_t host_pad[2];
  /* device line: written by the device only */
  uint32_t started;          /* 1 once the kernel runs */
  uint32_t terminated;       /* 1 when the kernel has left its loop */
  uint32_t active_ack;       /* the value of `active` the kernel acts on now */
  int32_t last_error;        /* device-side status (rk_status_t), 0 = none */
  uint64_t start_globaltimer;/* %globaltimer when the kernel started */
  uint64_t h2k_head;         /* H2K consumer position */
  uint64_t k2h_tail;         /* K2H producer position */
  uint64_t processed;        /* handler runs that succeeded */
  uint64_t dead_letters;     /* handler runs that failed */
  uint64_t h2k_spill_head;   /* H2K spill ring: entries before it are done with (their
                              * handlers returned), published before h2k_head moves on */
  /* profile line: written by the device only */
  uint64_t prof_messages;
  uint64_t prof_replies;
  uint64_t prof_k2k_sent;
  uint64_t prof_k2k_received;
  uint64_t prof_k2k_full;
  uint64_t prof_busy_cycles;
  uint64_t prof_idle_polls;
  uint64_t prof_partial_reads; /* polls that found the next H2K slot half-written */
  /* diagnostics line: written by the device only, with the profile line; where the time
   * of the latency path goes (benchmarks print it) */
  uint64_t diag_polls;         /* H2K polls taken in by warp 0 */
  uint64_t diag_poll_cycles;   /* their issue-to-data time, SM cycles */
  uint64_t diag_solo;          /* H2K messages handled by the solo path */
  uint64_t diag_solo_cycles;   /* its time from the poll's data to the published reply */
  uint64_t diag_batches;       /* block batches (H2K or inbox) */
  uint64_t diag_batch_cycles;  /* their time from leaving the watch to the publish */
  uint64_t diag_pace;          /* the learned pause after solo replies, SM cycles */
  uint64_t diag_repolls;       /* polls repeated at once: the producer position was ahead
                                * of a slot that did not read as complete yet */
  uint64_t diag_helper_messages; /* messages handled by blocks other than block 0 */
  /* solo-path probes, summed over solo messages (SM cycles from the poll's data): only
   * a build with RKC_SOLO_PROBES writes them (the reads cost the latency path) */
  uint64_t diag_probe[4];
  uint64_t diag_seal_unpublished; /* inbox positions claimed before the seal whose sender
                                 * had not published them when the consumer gave up
                                 * waiting (RKC_SEAL_WAIT_NS): lost, so counted */
  uint64_t diag_pad[2];
  /* the inbox watcher: its polls and their time (sleeps included), inbox messages its
   * solo path handled and their time from the poll that saw them */
  uint64_t diag_watch_polls;
  uint64_t diag_watch_cycles;
  uint64_t diag_inbox_solo;
  uint64_t diag_inbox_solo_cycles;
  /* batches: their messages, and the time (SM cycles, thread 0) reading, stamping, and
   * handling/replying; then the time between batches (watch, plan) */
  uint64_t diag_batch_msgs;
  uint64_t diag_bphase[3];
} rkc_control_t;

RKC_STATIC_ASSERT(sizeof(rkc_control_t) == 384, "six cache lines");
#if !defined(__CUDACC_RTC__) /* NVRTC has no offsetof; nvcc and C check the layout */
RKC_STATIC_ASSERT(__builtin_offsetof(rkc_control_t, started) == 64, "device line");
RKC_STATIC_ASSERT(__builtin_offsetof(rkc_control_t, prof_messages) == 128, "profile line");
RKC_STATIC_ASSERT(__builtin_offsetof(rkc_control_t, diag_polls) == 192, "diagnostics line");
#endif

/* K2K inbox in device memory. Producers (any GPU actor) claim positions with a CAS on
 * `tail` after checking them against `head` (a copy cached per sending warp, re-read only
 * when it says full), write the slot, then publish seq = pos + 1 (release); the consumer
 * reads seq (acquire) before the slot and publishes `head` (release) after it has read
 * it. A full inbox is refused, never overwritten.
 *
 * Sealing: when its actor leaves its loop, the consumer sets RKC_INBOX_SEALED in `tail`
 * with one atomic OR, which returns the final tail. Every claim is a CAS whose expected
 * value never has that bit, so a claim either happened before the seal (below the final
 * tail: the consumer waits for it to be published, then handles it or leaves it to the
 * host's take_input) or fails and sees the bit (the sender never writes). Whoever
 * computes with tail masks the bit. */
#define RKC_INBOX_SEALED 0x8000000000000000ull

typedef struct rkc_inbox {
  uint64_t tail;             /* producers' claim counter | RKC_INBOX_SEALED */
  uint64_t pad0[7];
  uint64_t head;             /* consumer position */
  uint64_t pad1[7];
  uint32_t capacity;         /* power of two */
  uint32_t payload_capacity;
  uint64_t slot_bytes;       /* sizeof(rkc_inbox_slot_t) + payload capacity, 64-aligned */
  uint64_t pad2[6];
} rkc_inbox_t;               /* slots follow, slot_bytes each */

typedef struct rkc_inbox_slot {
  uint64_t seq;              /* pos + 1 once the slot at pos is complete */
  uint64_t pad[7];
  rkc_header_t header;
} rkc_inbox_slot_t;          /* payload follows */

RKC_STATIC_ASSERT(sizeof(rkc_inbox_t) == 192, "inbox header");
RKC_STATIC_ASSERT(sizeof(rkc_inbox_slot_t) == 128, "inbox slot header");

/* K2K directory: one per device, in device memory; the host writes entries at launch and
 * clears them at terminate; actors look destinations up by numeric id. */
#define RKC_DIRECTORY_SIZE 1024u
typedef struct rkc_directory_entry {
  uint64_t actor_id;         /* 0 = free */
  uint64_t inbox;            /* device address of the rkc_inbox_t */
} rkc_directory_entry_t;

/* A grid of more than one block: block 0 runs the actor as always; when a batch goes
 * down the staged handler path it hands the batch to every block through this area in
 * device memory (the batch's entries and reply bits follow it: batch_max entries of
 * RKC_BATCH_ENTRY_BYTES, then batch_max uint32 bits). Warps of all blocks take messages
 * one at a time with an add on `take`, which holds the batch number, its size and the
 * next index in one word: the index an add returns is always handled by its warp, also
 * when the warp came late for an older batch (a number, size and index kept apart let a
 * late block skip a message of the next batch, which then never completed). */
typedef struct rkc_grid_batch {
  unsigned long long take;  /* batch << 32 | messages << 16 | next index; release */
  uint32_t completed;       /* messages handled (release after the handler's writes) */
  uint32_t stop;            /* 1: the actor leaves; other blocks return */
  uint32_t online;          /* other blocks inside their loop */
  uint32_t pad0;
  uint64_t handled_base;    /* messages the actor handled before this batch */
  unsigned long long k2k_sent, k2k_full; /* other blocks' K2K counts, folded by block 0 */
  unsigned long long helper_messages;    /* messages other blocks handled (diagnostics) */
  uint64_t pad;
} rkc_grid_batch_t;

RKC_STATIC_ASSERT(sizeof(rkc_grid_batch_t) == 64, "grid batch header");
#define RKC_GRID_BATCH_BYTES(batch_max) (64u + (batch_max) * (RKC_BATCH_ENTRY_BYTES + 4u))

/* Built-in device handlers (precompiled into the library). */
enum {
  RKC_HANDLER_ECHO = 0,
  RKC_HANDLER_SUM = 1,
  RKC_HANDLER_COUNT = 2,
  RKC_HANDLER_FORWARD = 3,
  RKC_HANDLER_USER = 100,
};

/* Everything a persistent actor kernel receives (by value). */
typedef struct rkc_actor_params {
  rkc_control_t *control;    /* mapped host memory (device address) */
  uint64_t *h2k;             /* mapped host memory: capacity * slot_words words */
  uint64_t *k2h;
  rkc_inbox_t *inbox;        /* device memory */
  rkc_directory_entry_t *directory; /* device memory, RKC_DIRECTORY_SIZE entries */
  uint8_t *request_stage;    /* device memory: batch_max * RKC_REQUEST_STRIDE */
  uint8_t *reply_stage;      /* device memory: batch_max * RKC_REPLY_STRIDE */
  uint8_t *user_state;       /* device memory: RKC_USER_STATE_BYTES, zeroed */
  rkc_grid_batch_t *grid_batch; /* device memory when the grid has more than one block */
  uint64_t actor_id;
  uint64_t node_id;
  uint64_t forward_to;       /* numeric id for the forward handler, 0 = unset */
  uint32_t h2k_capacity;
  uint32_t k2h_capacity;
  uint32_t payload_capacity;
  uint32_t slot_words;       /* RKC_ACTOR_SLOT_WORDS(payload_capacity) */
  uint32_t batch_max;
  uint32_t handler;          /* RKC_HANDLER_* */
  uint32_t profiling;        /* 1: count busy cycles */
  uint32_t inbox_slot_bytes; /* the inbox's slot_bytes (its capacity is h2k_capacity), so
                              * the consumer never reads its own inbox header */
  uint32_t inbox_watcher;    /* 1: warp 1 watches the inbox (block > 32); 0: warp 0 reads
                              * it with each H2K poll (a benchmark switch) */
  uint32_t pacing;           /* 1: learn a pause after solo replies (rkc_pace_learn);
                              * 0: poll again at once (compared by bench_gpu) */
  uint8_t *h2k_spill;        /* mapped host memory, RKC_SPILL_RING_BYTES; 0 = no spilling */
  uint8_t *k2h_spill;        /* mapped host memory, RKC_SPILL_RING_BYTES */
  uint8_t *big_stage;        /* device memory: 64 + RKC_SPILL_MAX_PAYLOAD, the staged reply
                              * of a message processed alone (a spilled one) */
} rkc_actor_params_t;

#define RKC_USER_STATE_BYTES 4096u
/* H2K slots each warp reads per batch (all loads in flight before any check): a batch is
 * 16 x warps messages. The read of host memory is latency-bound (a 512-thread block's
 * 256-slot batch read in 8.1 us against 7.0 us for 128), so more loads in flight is what
 * raises the device's rate; but each slot costs a warp two registers per lane (32 slots
 * took the kernel to 225 registers: 256-thread blocks at most, no gain). The host sizes
 * shared memory with it, so host and device (nvcc and NVRTC) share this one value. */
#define RKC_SLOTS_PER_WARP 16u
#define RKC_BATCH_ENTRY_BYTES 96u /* sizeof the loop's per-message shared entry */

/* Per-message staging strides in device memory, 16-byte aligned so handlers may read a
 * payload as uint4 / double and the reply header's 8-byte fields stay aligned. */
#define RKC_REQUEST_STRIDE(payload_cap) ((((payload_cap) + 15u) / 16u) * 16u)
#define RKC_REPLY_STRIDE(payload_cap) (64u + RKC_REQUEST_STRIDE(payload_cap))

/* The solo path (one message, payload in the first 32 words) stages in shared memory when
 * the actor's payload capacity is at most this. */
#define RKC_SOLO_MAX_PAYLOAD 4096u
#define RKC_SOLO_SMEM(payload_cap) \
  ((payload_cap) <= RKC_SOLO_MAX_PAYLOAD ? 64u + RKC_REPLY_STRIDE(payload_cap) : 0u)

#endif /* RK_CUDA_LAYOUT_H */
