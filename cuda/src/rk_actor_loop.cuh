/* rk_actor_loop.cuh — the persistent actor kernel's main loop, a template over the
 * handler so the precompiled built-ins and NVRTC-compiled user handlers share it.
 *
 * Block 0 serves the actor (one ring has one consumer); other blocks of a larger grid
 * help with the handlers of staged batches (rkc_grid_handle). Two watchers run until the
 * block is needed, each handling single messages itself (the solo paths, one at a time
 * under a shared-memory lock; the echo and forward built-ins build their messages in
 * registers there and in batches):
 *
 *   warp 0 reads the first 32 words of the next H2K slot (the compact header and the
 *          first 64 payload bytes) while lane 0 reads the host line (terminate, active,
 *          producer position): one PCIe round trip detects a message and usually
 *          delivers it.
 *   warp 1 polls the K2K inbox's sequence words in device memory, so a K2K message never
 *          waits for a PCIe round trip of warp 0. (With one warp, warp 0 reads the inbox
 *          in the same round trip as its H2K slot.)
 *
 * Several messages waiting, a state change or a full output make the watchers leave,
 * and the whole block handles a batch:
 *
 *   read   up to batch_max slots spread over the warps, each warp issuing all its loads
 *          before checking any, so a batch costs about one round trip.
 *   stamp  warp 0 merges the batch's greatest timestamp into the device HLC once; the
 *          messages take consecutive logical values in order (rkc_batch_stamp).
 *   handle one warp per message.
 *   reply  staged replies are compacted in batch order into the K2H ring (flag words,
 *          no fence), so replies leave in the order their requests arrived.
 *
 * Idle: the H2K poll backs off with __nanosleep (none for the first polls after
 * activity, then growing to 2 µs), the inbox poll likewise but only up to 256 ns (a
 * device-memory read is cheap, and K2K wake-up stays short), so an idle actor leaves its
 * SM nearly cold.
 *
 * Terminate: warp 0 seals the inbox once the loop sees terminate, or as it leaves
 * (rkc_seal_inbox): no sender's claim can land after the loop's last look, and claims
 * made before the seal are waited for, then drained or left whole for take_input.
 */
#ifndef RK_ACTOR_LOOP_CUH
#define RK_ACTOR_LOOP_CUH

#include "rk_device.cuh"

#define RKC_SPIN_POLLS 4096u
#define RKC_MAX_SLEEP_NS 2000u
#define RKC_INBOX_MAX_SLEEP_NS 256u
/* replied[i] bits that mean "a K2H record is staged" */
#define RKC_REPLIED_RECORD (RK_DEV_REPLIED_REPLY | RK_DEV_REPLIED_DEAD)

static __device__ __forceinline__ uint64_t rkc_ld_sys(const uint64_t *p) {
  uint64_t v;
  asm volatile("ld.volatile.global.u64 %0, [%1];" : "=l"(v) : "l"(p) : "memory");
  return v;
}

static __device__ __forceinline__ void rkc_st_sys(uint64_t *p, uint64_t v) {
  asm volatile("st.volatile.global.u64 [%0], %1;" ::"l"(p), "l"(v) : "memory");
}

static __device__ __forceinline__ uint64_t rkc_globaltimer(void) {
  uint64_t t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  return t;
}

/* Paths a steady actor rarely or never takes (staged handlers, a grid's hand-off, spilled
 * messages, the seal, start-up) are kept out of line: inlined, they made the kernel 545
 * KiB of code with the batch and solo paths spread through it; out of line the loop
 * body is 342 KiB (the batch read measured the same either way, H100). */
#define RKC_COLD __noinline__

/* Probe points of the solo path (lane 0), compiled in only for measurements. */
#ifdef RKC_SOLO_PROBES
#define RKC_PROBE(L, k) \
  do { if (rk_dev_lane() == 0) (L)->probe_at[k] = clock64(); } while (0)
#else
#define RKC_PROBE(L, k) do { } while (0)
#endif

static __device__ __forceinline__ uint32_t rkc_shfl_u32(uint32_t v, uint32_t src) {
  return __shfl_sync(0xffffffffu, v, (int)src);
}

/* capacity is a power of two: a shift, not a 64-bit division (a long subroutine on the
 * latency path, which computes flags several times per message). */
static __device__ __forceinline__ uint32_t rkc_flag_of(uint64_t pos, uint32_t capacity) {
  return (uint32_t)(pos >> (__ffs(capacity) - 1)) + 1u;
}

/* Where the forward built-in's messages go: its destination's inbox as claimed. */
typedef struct rkc_fwd {
  rkc_inbox_t *inbox;
  uint64_t pos; /* first claimed position; ~0: not claimed */
  uint32_t slot_bytes, capacity;
} rkc_fwd_t;

/* Block-shared state of the loop. */
typedef struct rkc_loop {
  rkc_actor_params_t p;
  uint64_t h2k_head, k2h_tail, k2h_head_cache, inbox_head, handled;
  uint64_t processed, dead, replies, k2k_recv, idle_polls, busy_cycles, partial_reads;
  uint64_t polls, poll_cycles, solo, solo_cycles, batches, batch_cycles;
  uint64_t poll_done;                 /* clock64 when the last poll's data was in */
  uint64_t poll_wall_us;              /* wall clock (µs) read during the last poll */
  uint32_t grid_seq;                  /* the last batch handed to the grid (grid > 1) */
  unsigned long long helper_messages; /* other blocks' messages, as last read */
  uint64_t repolls;
  uint64_t watch_polls, watch_cycles, inbox_solo, inbox_solo_cycles;
  /* batch diagnostics, added with atomics by thread 0: a plain `+=` under `tid == 0`
   * let the compiler load the field in every thread, which racecheck reports */
  unsigned long long batch_msgs, bphase[3];
  uint64_t last_batch_end;
  long long probe_at[4];               /* RKC_SOLO_PROBES: clock64 at each probe point */
  unsigned long long probe_sum[4];     /* and their sums from poll_done, solo messages */
  uint32_t polls_since_reply; /* polls since the last solo reply (lane 0 of warp 0) */
  uint32_t batch_large;       /* a message of this batch has words past the first 32 */
  uint32_t spill_at;          /* batch index of the first spilled H2K message, ~0: none */
  uint32_t spill_reply;       /* the lone message's reply goes through the K2H spill ring */
  uint64_t k2h_spill_tail, k2h_spill_head_cache; /* K2H spill ring positions (thread 0) */
  uint64_t spill_start, spill_end;               /* the K2H spill entry being written */
  rkc_fwd_t fwd;              /* the forward built-in's claim for the current batch */
  uint32_t pace;              /* learned pause after a solo reply, SM cycles */
  unsigned long long k2k_sent, k2k_full;
  uint64_t hlc_physical, hlc_logical;
  int64_t offset_ns;
  uint64_t host_tail;
  uint32_t terminate, active, head_valid, inbox_ready, idle, n, from_inbox, stop;
  uint32_t skip_poll, bursts;
  uint32_t reply_count, reply_ok;
  uint32_t ack;        /* the value of `active` the loop acts on (2 before the first) */
  uint32_t inbox_go;   /* inbox watcher may handle messages (set between watch phases) */
  uint32_t h2k_done;   /* warp 0 left its watch: the inbox watcher leaves too (atomic) */
  uint32_t want_block; /* the inbox watcher needs the block (atomic) */
  uint32_t solo_lock;  /* one solo path at a time (atomic) */
  uint32_t sealed; /* the inbox is sealed (rkc_seal_inbox ran) */
  uint32_t pad_sealed;
  uint64_t seal_unpublished; /* claims the seal's wait gave up on (diagnostics) */
  /* last K2K destination sent to, per warp (rk_dev_dest_t says why per warp) */
  rk_dev_dest_t cache[32];
} rkc_loop_t;

/* Dynamic shared memory per batch index. */
typedef struct rkc_batch_entry {
  rkc_header_t header;
  const uint8_t *payload;
  uint64_t stamp_physical, stamp_logical_node;
  uint32_t offset; /* K2H position offset of its reply within the batch */
  int32_t status;  /* handler result */
} rkc_batch_entry_t;

static_assert(sizeof(rkc_batch_entry_t) == RKC_BATCH_ENTRY_BYTES, "host sizes shared memory");
#if !defined(__CUDACC_RTC__)
static_assert(__builtin_offsetof(rkc_header_t, payload_size) == 14u * 4u, "size word");
#endif

static __device__ uint64_t rkc_wall_micros_at(const rkc_loop_t *L, uint64_t globaltimer) {
  return (uint64_t)((int64_t)globaltimer + L->offset_ns) / 1000u;
}

static __device__ uint64_t rkc_wall_micros(const rkc_loop_t *L) {
  return rkc_wall_micros_at(L, rkc_globaltimer());
}

/* The host's receive rule (rk_hlc_merge) for one message, wall clock read once per batch
 * by the caller: the stamps of a batch share a microsecond and differ in logical. The
 * clock (lp, ll) lives in registers while a batch is stamped. */
static __device__ __forceinline__ void rkc_hlc_merge_ts(uint64_t &lp, uint64_t &ll, uint64_t rp,
                                                        uint64_t rl, uint64_t wall) {
  uint64_t m = wall > lp ? wall : lp;
  if (rp > m) m = rp;
  uint64_t l;
  if (m == lp && m == rp)
    l = (ll > rl ? ll : rl) + 1;
  else if (m == lp)
    l = ll + 1;
  else if (m == rp)
    l = rl + 1;
  else
    l = 0;
  lp = m;
  ll = l;
}

static __device__ void rkc_hlc_merge(uint64_t &lp, uint64_t &ll, uint64_t node,
                                     rkc_batch_entry_t *e, uint64_t wall) {
  rkc_hlc_merge_ts(lp, ll, e->header.ts_physical, e->header.ts_logical_node >> 16, wall);
  e->stamp_physical = lp;
  e->stamp_logical_node = (ll << 16) | (node & 0xFFFFu);
}

/* One thread (the solo paths' lane 0): stamps one message with the wall clock `wall`
 * (microseconds). Batches are stamped by rkc_batch_stamp. */
static __device__ void rkc_hlc_stamp_one(rkc_loop_t *L, rkc_batch_entry_t *e, uint64_t wall) {
  uint64_t lp = L->hlc_physical, ll = L->hlc_logical;
  rkc_hlc_merge(lp, ll, L->p.node_id, e, wall);
  L->hlc_physical = lp;
  L->hlc_logical = ll;
}

/* Warp 0: stamps a batch as one receive of all its messages: the clock merges with the
 * greatest timestamp of the batch (found by a warp reduction, lexicographic on physical,
 * logical), and the messages take consecutive logical values from there in batch order.
 * Each stamp is still greater than its message's timestamp and than every earlier stamp
 * of the actor, the HLC rules; a thread-0 loop merging one message after the other
 * costs ~100 ns per message, which bounded the batch rate. */
static __device__ void rkc_batch_stamp(rkc_loop_t *L, rkc_batch_entry_t *batch, uint32_t n) {
  const uint32_t lane = rk_dev_lane();
  uint64_t rp = 0, rl = 0;
  for (uint32_t i = lane; i < n; i += 32u) {
    const uint64_t p = batch[i].header.ts_physical, l = batch[i].header.ts_logical_node >> 16;
    if (p > rp || (p == rp && l > rl)) rp = p, rl = l;
  }
  for (int off = 16; off; off >>= 1) {
    const uint64_t op = __shfl_xor_sync(0xffffffffu, rp, off);
    const uint64_t ol = __shfl_xor_sync(0xffffffffu, rl, off);
    if (op > rp || (op == rp && ol > rl)) rp = op, rl = ol;
  }
  uint64_t m = 0, base = 0;
  if (lane == 0) {
    uint64_t lp = L->hlc_physical, ll = L->hlc_logical;
    rkc_hlc_merge_ts(lp, ll, rp, rl, rkc_wall_micros(L));
    m = lp;
    base = ll;
    L->hlc_physical = lp;
    L->hlc_logical = ll + n - 1u;
  }
  m = __shfl_sync(0xffffffffu, m, 0);
  base = __shfl_sync(0xffffffffu, base, 0);
  const uint64_t node = L->p.node_id & 0xFFFFu;
  for (uint32_t i = lane; i < n; i += 32u) {
    batch[i].stamp_physical = m;
    batch[i].stamp_logical_node = ((base + i) << 16) | node;
  }
  __syncwarp();
}

/* Decodes word `w` (data in the low half) of a slot into the entry's header or stage. */
static __device__ __forceinline__ void rkc_put_word(rkc_batch_entry_t *e, uint8_t *stage,
                                                    uint32_t w, uint32_t data) {
  if (w < RKC_HEADER_WORDS)
    ((uint32_t *)&e->header)[w] = data;
  else
    ((uint32_t *)stage)[w - RKC_HEADER_WORDS] = data;
}

/* Reads the slot words [32, words) of one slot, waiting for each to be current (the
 * producer published the slot, so they arrive). */
static __device__ void rkc_read_rest(const uint64_t *slot, uint32_t flag, uint32_t words,
                                     uint8_t *stage) {
  for (uint32_t w = 32u + rk_dev_lane(); w < words; w += 32u) {
    uint64_t v;
    do
      v = rkc_ld_sys(slot + w);
    while ((uint32_t)(v >> 32) != flag);
    ((uint32_t *)stage)[w - RKC_HEADER_WORDS] = (uint32_t)v;
  }
}

/* One warp reads its share of H2K slots [head, head + n): all loads first, then checks.
 * v[s] keeps word `lane` of the warp's s-th slot for the register built-ins (current for
 * the lanes below the message's word count, which are the only ones they use);
 * batch_large is set when a message has words past the first 32.
 * The loop state lives in registers: the loads are volatile asm, after which the
 * compiler re-reads anything it keeps in shared memory (L), and those dependent
 * shared-memory reads between the issues made the read of a 128-slot batch take 7 µs
 * where the same loads alone take 3.4 µs (bench_gpu_read, H100). */
static __device__ void rkc_read_h2k(rkc_loop_t *L, rkc_batch_entry_t *batch, uint32_t warp,
                                    uint32_t nwarps, uint64_t first_word, bool have_first,
                                    uint64_t (&v)[RKC_SLOTS_PER_WARP]) {
  const uint32_t lane = rk_dev_lane();
  const uint32_t sw = L->p.slot_words, cap = L->p.h2k_capacity, n = L->n;
  const uint64_t head = L->h2k_head;
  const uint64_t *h2k = L->p.h2k;
  uint8_t *const stage0 = L->p.request_stage;
  const uint32_t stride = RKC_REQUEST_STRIDE(L->p.payload_capacity);
  const uint32_t flag_shift = __ffs(cap) - 1;
#pragma unroll
  for (uint32_t s = 0; s < RKC_SLOTS_PER_WARP; s++) {
    uint32_t i = warp + s * nwarps;
    v[s] = 0;
    if (i < n && lane < sw && !(i == 0 && have_first))
      v[s] = rkc_ld_sys(h2k + ((head + i) & (cap - 1)) * sw + lane);
  }
  if (have_first && warp == 0) v[0] = first_word;
  bool large = false;
#pragma unroll
  for (uint32_t s = 0; s < RKC_SLOTS_PER_WARP; s++) {
    uint32_t i = warp + s * nwarps;
    if (i >= n) break;
    const uint64_t pos = head + i;
    const uint32_t flag = (uint32_t)(pos >> flag_shift) + 1u;
    const uint64_t *slot = h2k + (pos & (cap - 1)) * sw;
    rkc_batch_entry_t *e = &batch[i];
    uint8_t *stage = stage0 + (uint64_t)i * stride;
    /* header words first: payload_size (word 14) says which payload words exist */
    uint64_t w = v[s];
    if (lane < RKC_HEADER_WORDS)
      while ((uint32_t)(w >> 32) != flag)
        w = rkc_ld_sys(slot + lane);
    uint32_t size = __shfl_sync(0xffffffffu, (uint32_t)w, 14);
    /* a spilled message's slot holds a spill reference in place of its payload */
    const bool spilled = (__shfl_sync(0xffffffffu, (uint32_t)w, 15) & RKC_FLAG_SPILLED) != 0u;
    uint32_t words = spilled ? RKC_HEADER_WORDS + RKC_SPILL_REF_WORDS : RKC_SLOT_WORDS(size);
    if (lane < words && lane < sw) {
      while ((uint32_t)(w >> 32) != flag)
        w = rkc_ld_sys(slot + lane);
      rkc_put_word(e, stage, lane, (uint32_t)w);
    }
    v[s] = w;
    if (words > 32u) {
      large = true;
      __syncwarp();
      rkc_read_rest(slot, flag, words, stage);
    }
    if (spilled) { /* warp-uniform, rare */
      /* never in registers; the batch is cut before it (rkc_cut_at_spill). Its payload
       * is read in place, in the mapped H2K spill ring (over PCIe): the reference's
       * address is payload words 0..1, taken from registers (other lanes wrote the
       * stage, so reading it back would race) */
      large = true;
      const uint64_t address = ((uint64_t)rkc_shfl_u32((uint32_t)w, RKC_HEADER_WORDS + 1u) << 32) |
                               rkc_shfl_u32((uint32_t)w, RKC_HEADER_WORDS);
      if (lane == 0) {
        e->payload = (const uint8_t *)address;
        atomicMin(&L->spill_at, i);
      }
    } else if (lane == 0) {
      e->payload = stage;
    }
  }
  if (large && lane == 0) L->batch_large = 1u;
  __syncwarp();
}

static __device__ __forceinline__ rkc_inbox_slot_t *rkc_inbox_slot(const rkc_loop_t *L,
                                                                   uint64_t pos) {
  return rk_dev_inbox_slot(L->p.inbox, pos, L->p.h2k_capacity, L->p.inbox_slot_bytes);
}

/* Word `lane` of the inbox message at pos (header words, then the first 64 payload
 * bytes, which every inbox slot has room for). */
static __device__ __forceinline__ uint32_t rkc_inbox_word(const rkc_loop_t *L, uint64_t pos) {
  const uint32_t lane = rk_dev_lane();
  const rkc_inbox_slot_t *slot = rkc_inbox_slot(L, pos);
  return lane < RKC_HEADER_WORDS ? ((const volatile uint32_t *)&slot->header)[lane]
                                 : ((const volatile uint32_t *)(slot + 1))[lane - RKC_HEADER_WORDS];
}

/* One warp: the inbox message at pos into e from its words `d` (rkc_inbox_word), the
 * payload used in place. */
static __device__ void rkc_inbox_entry(const rkc_loop_t *L, rkc_batch_entry_t *e, uint64_t pos,
                                       uint32_t d) {
  if (rk_dev_lane() < RKC_HEADER_WORDS) ((uint32_t *)&e->header)[rk_dev_lane()] = d;
  if (rk_dev_lane() == 0) e->payload = (const uint8_t *)(rkc_inbox_slot(L, pos) + 1);
}

/* One warp copies its share of inbox slots [inbox_head, +n) headers into the batch (the
 * payload is used in place) and keeps word `lane` of each in v[s] for the built-ins in
 * registers; batch_large is set when a message has words past the first 32. */
static __device__ void rkc_read_inbox(rkc_loop_t *L, rkc_batch_entry_t *batch, uint32_t warp,
                                      uint32_t nwarps, uint64_t (&v)[RKC_SLOTS_PER_WARP]) {
#pragma unroll
  for (uint32_t s = 0; s < RKC_SLOTS_PER_WARP; s++) {
    const uint32_t i = warp + s * nwarps;
    if (i >= L->n) break;
    const uint32_t d = rkc_inbox_word(L, L->inbox_head + i);
    rkc_inbox_entry(L, &batch[i], L->inbox_head + i, d);
    v[s] = d;
    if (rk_dev_lane() == 14u && d > 64u) L->batch_large = 1u;
  }
}

/* Lane 0: gives the inbox slots before `head` back to their producers. */
static __device__ __forceinline__ void rkc_release_inbox_head(const rkc_loop_t *L, uint64_t head) {
  /* release: pairs with the producers' acquire load of head before they claim slots */
  asm volatile("st.release.gpu.global.u64 [%0], %1;" ::"l"(&L->p.inbox->head), "l"(head)
               : "memory");
}

/* Counts ready inbox slots from inbox_head (one warp; up to 32 per call). */
static __device__ uint32_t rkc_inbox_ready(rkc_loop_t *L, uint32_t limit) {
  uint64_t pos = L->inbox_head + rk_dev_lane();
  rkc_inbox_slot_t *slot = rkc_inbox_slot(L, pos);
  uint64_t seq;
  asm volatile("ld.relaxed.gpu.global.u64 %0, [%1];" : "=l"(seq) : "l"(&slot->seq) : "memory");
  unsigned ready = __ballot_sync(0xffffffffu, seq == pos + 1 && rk_dev_lane() < limit);
  /* consecutive ready slots from the head (all 32: __ffs(0) would say 0) */
  uint32_t n = ~ready ? (uint32_t)__ffs(~ready) - 1u : 32u;
  /* acquire (relaxed loads + fence, so an empty poll costs no fence): pairs with the
   * producer's release store of seq in rk_dev_send */
  if (n) asm volatile("fence.acq_rel.gpu;" ::: "memory");
  return n;
}

/* How long the seal waits for a claim below the final tail to be published, without
 * progress, before it gives up on it (counted in diag_seal_unpublished). A sender
 * publishes right after its claim (slot stores, then seq), so this only passes when a
 * sender's warp is starved of its SM for that long. */
#define RKC_SEAL_WAIT_NS 5000000ull

/* Warp: the published state of positions [base, base + 32) below `end`: bit k set when
 * position base + k is claimed but not published yet. */
static __device__ unsigned rkc_inbox_unpublished(const rkc_loop_t *L, uint64_t base, uint64_t end) {
  const uint64_t pos = base + rk_dev_lane();
  bool missing = false;
  if (pos < end) {
    uint64_t seq;
    asm volatile("ld.relaxed.gpu.global.u64 %0, [%1];"
                 : "=l"(seq)
                 : "l"(&rkc_inbox_slot(L, pos)->seq)
                 : "memory");
    missing = seq != pos + 1;
  }
  return __ballot_sync(0xffffffffu, missing);
}

/* Warp 0, the actor terminating (both modes; once): seals the inbox so that no message
 * lands after the loop's last look at it. The atomic OR returns the final tail: every
 * claim below it was made before the seal, every later claim fails on the bit (see
 * rkc_inbox_t). The wait until the positions [inbox_head, final) are published lets
 * half-written claims complete, so a drain handles them and a stop leaves them whole
 * for the host's take_input; inbox_ready then counts the published run from the head. */
static __device__ RKC_COLD void rkc_seal_inbox(rkc_loop_t *L) {
  const uint32_t lane = rk_dev_lane();
  const bool sealed = L->sealed != 0u;
  __syncwarp(); /* every lane's read before lane 0's write below (racecheck) */
  if (sealed) return;
  unsigned long long end = 0;
  uint64_t last_progress = 0;
  if (lane == 0) {
    end = atomicOr((unsigned long long *)&L->p.inbox->tail, RKC_INBOX_SEALED) & ~RKC_INBOX_SEALED;
    last_progress = rkc_globaltimer();
  }
  end = __shfl_sync(0xffffffffu, end, 0);
  uint64_t base = L->inbox_head;
  while (base < end) {
    const unsigned missing = rkc_inbox_unpublished(L, base, end);
    const uint64_t next = missing ? base + (uint32_t)__ffs(missing) - 1u : base + 32u;
    bool give_up = false;
    if (lane == 0) {
      const uint64_t now = rkc_globaltimer();
      if (next != base) last_progress = now;
      give_up = now - last_progress > RKC_SEAL_WAIT_NS;
    }
    base = next < end ? next : end;
    if (__shfl_sync(0xffffffffu, give_up, 0)) break;
    if (missing) __nanosleep(200);
  }
  uint64_t lost = 0;
  for (uint64_t b = base; b < end; b += 32u)
    lost += __popc(rkc_inbox_unpublished(L, b, end));
  /* acquire (relaxed loads + fence): pairs with the senders' release stores of seq, so
   * the batch that drains these slots reads them whole */
  asm volatile("fence.acq_rel.gpu;" ::: "memory");
  if (lane == 0) {
    L->seal_unpublished += lost;
    L->inbox_ready = (uint32_t)(base - L->inbox_head);
    L->sealed = 1u;
  }
  __syncwarp();
}

/* What a handler runs with besides its message: the actor's parameters, its count of
 * messages handled before the batch, where K2K counts go, this warp's lookup cache.
 * Block 0 passes its shared state; other blocks of a grid pass theirs and the grid
 * area's counters. */
typedef struct rkc_handler_env {
  const rkc_actor_params_t *params;
  uint64_t handled_base;
  unsigned long long *k2k_sent, *k2k_full;
  rk_dev_dest_t *cache;
} rkc_handler_env_t;

/* Runs the handler on one message (one warp). `stage` receives the reply (64-byte
 * compact header, then the payload); a failure stages a dead-letter record instead (the
 * request's header with RKC_FLAG_DEAD_LETTER, payload = the status). The DONE bit lets
 * K2K sends of later messages go (rk_dev_wait_earlier), so a batch's sends leave in
 * arrival order. */
template <typename Handler>
static __device__ void rkc_handle_msg(const rkc_handler_env_t &env, rkc_batch_entry_t *e,
                                      uint32_t i, uint32_t *replied, uint8_t *stage,
                                      uint32_t reply_capacity) {
  rk_dev_msg_t m;
  m.message_id = e->header.message_id;
  m.correlation_id = e->header.correlation_id;
  m.source_kernel = e->header.source_kernel;
  m.dest_kernel = e->header.dest_kernel;
  m.message_type = e->header.message_type;
  m.ts_physical = e->header.ts_physical;
  m.ts_logical = e->header.ts_logical_node >> 16;
  m.ts_node = e->header.ts_logical_node & 0xFFFFu;
  m.payload_size = e->header.payload_size;
  m.flags = e->header.flags_priority & RKC_FLAG_MASK_WIRE; /* not the internal bits */
  m.priority = e->header.flags_priority >> 24;
  m.payload = e->payload;
  rk_dev_ctx_t c;
  c.params = env.params;
  c.index = i;
  c.replied = replied;
  c.reply_header = (rkc_header_t *)stage;
  c.reply_payload = stage + 64u;
  c.reply_capacity = reply_capacity;
  c.handled_before = env.handled_base + i;
  c.stamp_physical = e->stamp_physical;
  c.stamp_logical_node = e->stamp_logical_node;
  c.k2k_sent = env.k2k_sent;
  c.k2k_full = env.k2k_full;
  c.cache = env.cache;
  int st = Handler::call(&c, &m);
  st = __shfl_sync(0xffffffffu, st, 0);
  __syncwarp();
  if (rk_dev_lane() == 0) {
    e->status = st;
    if (st != 0) {
      *c.reply_header = e->header;
      /* the request's status in place of its payload: never its spill reference */
      c.reply_header->flags_priority =
          (e->header.flags_priority & ~RKC_FLAG_SPILLED) | RKC_FLAG_DEAD_LETTER;
      c.reply_header->payload_size = 4;
      *(int32_t *)c.reply_payload = st;
      replied[i] = RK_DEV_REPLIED_DEAD;
    }
    /* atomic: pairs with the atomic reads of rk_dev_wait_earlier in later messages */
    atomicOr(&replied[i], RK_DEV_REPLIED_DONE);
  }
  __syncwarp();
}

/* Block 0's handler call (its shared state is the environment); a reply of up to
 * reply_capacity bytes fits the stage. */
template <typename Handler>
static __device__ void rkc_handle_one(rkc_loop_t *L, rkc_batch_entry_t *e, uint32_t i,
                                      uint32_t *replied, uint8_t *stage, uint32_t reply_capacity) {
  const rkc_handler_env_t env = {&L->p, L->handled, &L->k2k_sent, &L->k2k_full,
                                 &L->cache[threadIdx.x >> 5]};
  rkc_handle_msg<Handler>(env, e, i, replied, stage, reply_capacity);
}

/* Lane 0: takes the next message index of the batch now published, or ~0 when it has
 * none left. One add on the whole take word (see rkc_grid_batch_t): whatever batch the
 * add lands in, the index it returns is this warp's to handle, even when the warp came
 * for an older batch (an index it returned to nobody would be a message never handled);
 * the fence after it makes the add an acquire of that batch's entries. Contended CAS
 * loops measured 2× slower at grid 16. */
static __device__ uint32_t rkc_grid_take(rkc_grid_batch_t *gb) {
  const unsigned long long w = atomicAdd(&gb->take, 1ull);
  asm volatile("fence.acq_rel.gpu;" ::: "memory"); /* pairs with block 0's release */
  const uint32_t idx = (uint32_t)w & 0xFFFFu, n = ((uint32_t)w >> 16) & 0xFFFFu;
  return idx < n ? idx : ~0u;
}

/* Any block's warp, grid > 1: takes messages of the published batch one at a time and
 * handles them until it has none left. The entries, the reply bits and the staged replies
 * live in device memory. A helper reads the batch's handled count after its take: the
 * batch cannot move on until that message is counted complete. */
template <typename Handler>
static __device__ void rkc_grid_work(const rkc_handler_env_t &env0, rkc_grid_batch_t *gb,
                                     bool helper) {
  rkc_batch_entry_t *entries = (rkc_batch_entry_t *)(gb + 1);
  uint32_t *replied = (uint32_t *)(entries + env0.params->batch_max);
  const uint32_t rstride = RKC_REPLY_STRIDE(env0.params->payload_capacity);
  rkc_handler_env_t env = env0;
  for (;;) {
    uint32_t i = 0;
    if (rk_dev_lane() == 0) i = rkc_grid_take(gb);
    i = __shfl_sync(0xffffffffu, i, 0);
    if (i == ~0u) return;
    if (helper) env.handled_base = *(volatile uint64_t *)&gb->handled_base;
    rkc_handle_msg<Handler>(env, &entries[i], i, replied,
                            env.params->reply_stage + (uint64_t)i * rstride,
                            env.params->payload_capacity);
    if (rk_dev_lane() == 0) {
      if (helper) atomicAdd(&gb->helper_messages, 1ull);
      /* release: the handler's writes (status, reply bits, staged reply) before the count
       * block 0 acquires */
      __threadfence();
      atomicAdd(&gb->completed, 1u);
    }
  }
}

/* Block 0, grid > 1: hands the batch to every block of the grid through the grid area
 * and takes its own share; returns once every message was handled, with the statuses
 * and reply bits back in shared memory for the reply phase. */
template <typename Handler>
static __device__ RKC_COLD void rkc_grid_handle(rkc_loop_t *L, rkc_batch_entry_t *batch, uint32_t *replied) {
  rkc_grid_batch_t *gb = L->p.grid_batch;
  rkc_batch_entry_t *ge = (rkc_batch_entry_t *)(gb + 1);
  uint32_t *gr = (uint32_t *)(ge + L->p.batch_max);
  const uint32_t tid = threadIdx.x, n = L->n;
  for (uint32_t w = tid; w < n * (sizeof(rkc_batch_entry_t) / 8u); w += blockDim.x)
    ((uint64_t *)ge)[w] = ((const uint64_t *)batch)[w];
  for (uint32_t i = tid; i < n; i += blockDim.x)
    gr[i] = 0;
  __syncthreads();
  if (tid == 0) {
    L->grid_seq++;
    gb->completed = 0;
    gb->handled_base = L->handled;
    const unsigned long long take = ((unsigned long long)L->grid_seq << 32) | (n << 16);
    /* release: the entries, reply bits and fields above before the take word that the
     * other blocks acquire */
    asm volatile("st.release.gpu.global.u64 [%0], %1;" ::"l"(&gb->take), "l"(take) : "memory");
  }
  __syncthreads();
  const rkc_handler_env_t env = {&L->p, L->handled, &L->k2k_sent, &L->k2k_full,
                                 &L->cache[tid >> 5]};
  rkc_grid_work<Handler>(env, gb, false);
  __syncthreads();
  if (tid == 0) {
    uint32_t done;
    do /* acquire: pairs with the release (fence + add) of every handled message */
      asm volatile("ld.acquire.gpu.global.u32 %0, [%1];"
                   : "=r"(done)
                   : "l"(&gb->completed)
                   : "memory");
    while (done < n);
    L->k2k_sent += atomicExch(&gb->k2k_sent, 0ull);
    L->k2k_full += atomicExch(&gb->k2k_full, 0ull);
    L->helper_messages = *(volatile unsigned long long *)&gb->helper_messages;
  }
  __syncthreads();
  for (uint32_t i = tid; i < n; i += blockDim.x) {
    batch[i].status = ((volatile rkc_batch_entry_t *)ge)[i].status;
    replied[i] = ((volatile uint32_t *)gr)[i];
  }
  __syncthreads();
}

/* A block other than 0, grid > 1: waits for batch numbers and helps handle them until
 * the actor stops. */
template <typename Handler>
static __device__ RKC_COLD void rkc_helper_main(const rkc_actor_params_t &params) {
  __shared__ rkc_actor_params_t P;
  __shared__ rk_dev_dest_t cache[32];
  __shared__ uint32_t seq, go;
  rkc_grid_batch_t *gb = params.grid_batch;
  if (!gb) return;
  const uint32_t tid = threadIdx.x;
  if (tid == 0) {
    P = params;
    seq = 0;
    atomicAdd(&gb->online, 1u);
  }
  if (tid < 32) cache[tid].actor_id = 0, cache[tid].inbox = 0; /* nothing cached */
  for (;;) {
    if (tid == 0) {
      for (uint32_t idle = 0;; idle++) {
        unsigned long long take;
        /* acquire: pairs with block 0's release of the take word */
        asm volatile("ld.acquire.gpu.global.u64 %0, [%1];"
                     : "=l"(take)
                     : "l"(&gb->take)
                     : "memory");
        const uint32_t s = (uint32_t)(take >> 32);
        go = *(volatile uint32_t *)&gb->stop ? 0u : (s != seq ? 1u : 2u);
        if (go != 2u) {
          seq = s;
          break;
        }
        if (idle > 256u) __nanosleep(idle > 4096u ? 1000u : 100u);
      }
    }
    __syncthreads();
    if (!go) break;
    const rkc_handler_env_t env = {&P, 0, &gb->k2k_sent, &gb->k2k_full, &cache[tid >> 5]};
    rkc_grid_work<Handler>(env, gb, true);
    __syncthreads();
  }
  if (tid == 0) atomicSub(&gb->online, 1u);
}

template <typename Handler>
static __device__ RKC_COLD void rkc_handle(rkc_loop_t *L, rkc_batch_entry_t *batch, uint32_t *replied,
                                  uint32_t warp, uint32_t nwarps) {
  const uint32_t rstride = RKC_REPLY_STRIDE(L->p.payload_capacity);
  for (uint32_t i = warp; i < L->n; i += nwarps)
    rkc_handle_one<Handler>(L, &batch[i], i, replied, L->p.reply_stage + (uint64_t)i * rstride,
                            L->p.payload_capacity);
}

/* Writes one staged record as flag words into K2H position `pos` (one warp). */
static __device__ void rkc_write_k2h(rkc_loop_t *L, const uint8_t *staged, uint64_t pos) {
  const rkc_header_t *h = (const rkc_header_t *)staged;
  uint32_t words = RKC_SLOT_WORDS(h->payload_size);
  uint64_t flag = (uint64_t)rkc_flag_of(pos, L->p.k2h_capacity) << 32;
  uint64_t *slot = L->p.k2h + (pos & (L->p.k2h_capacity - 1)) * L->p.slot_words;
  const uint32_t *src = (const uint32_t *)staged;
  uint32_t last = h->payload_size & 3u;
  for (uint32_t w = rk_dev_lane(); w < words; w += 32u) {
    uint32_t d;
    if (w + 1 == words && w >= RKC_HEADER_WORDS && last) {
      const uint8_t *b = staged + 4u * w; /* never read past the staged payload */
      d = 0;
      for (uint32_t k = 0; k < last; k++)
        d |= (uint32_t)b[k] << (8 * k);
    } else {
      d = src[w];
    }
    rkc_st_sys(slot + w, flag | d);
  }
}

/* Thread 0: waits until the host has freed room for `need` more K2H records. Returns
 * false when told to terminate meanwhile. */
static __device__ bool rkc_wait_k2h_room(rkc_loop_t *L, uint32_t need) {
  uint32_t spins = 0;
  while (L->k2h_tail + need - L->k2h_head_cache > L->p.k2h_capacity) {
    /* acquire: pairs with the host's release store of k2h_head after reading records */
    uint64_t head;
    asm volatile("ld.acquire.sys.global.u64 %0, [%1];"
                 : "=l"(head)
                 : "l"(&L->p.control->k2h_head)
                 : "memory");
    L->k2h_head_cache = head;
    if (L->k2h_tail + need - head <= L->p.k2h_capacity) break;
    if (((volatile uint32_t *)&L->p.control->terminate)[0] == 1u) return false;
    __nanosleep(spins < 64 ? 64 : 1000);
    spins++;
  }
  return true;
}

/* Publishes progress on the device line (posted writes; the host reads them lazily). */
static __device__ void rkc_publish(rkc_loop_t *L) {
  rkc_control_t *c = L->p.control;
  rkc_st_sys(&c->h2k_head, L->h2k_head);
  rkc_st_sys(&c->k2h_tail, L->k2h_tail);
  rkc_st_sys(&c->processed, L->processed);
  rkc_st_sys(&c->dead_letters, L->dead);
}

static __device__ RKC_COLD void rkc_publish_profile(rkc_loop_t *L) {
  rkc_control_t *c = L->p.control;
  rkc_st_sys(&c->prof_messages, L->handled);
  rkc_st_sys(&c->prof_replies, L->replies);
  rkc_st_sys(&c->prof_k2k_sent, L->k2k_sent);
  rkc_st_sys(&c->prof_k2k_received, L->k2k_recv);
  rkc_st_sys(&c->prof_k2k_full, L->k2k_full);
  rkc_st_sys(&c->prof_busy_cycles, L->busy_cycles);
  rkc_st_sys(&c->prof_idle_polls, L->idle_polls);
  rkc_st_sys(&c->prof_partial_reads, L->partial_reads);
  rkc_st_sys(&c->diag_polls, L->polls);
  rkc_st_sys(&c->diag_poll_cycles, L->poll_cycles);
  rkc_st_sys(&c->diag_solo, L->solo);
  rkc_st_sys(&c->diag_solo_cycles, L->solo_cycles);
  rkc_st_sys(&c->diag_batches, L->batches);
  rkc_st_sys(&c->diag_batch_cycles, L->batch_cycles);
  rkc_st_sys(&c->diag_pace, L->pace);
  rkc_st_sys(&c->diag_repolls, L->repolls);
  rkc_st_sys(&c->diag_helper_messages, L->helper_messages);
  rkc_st_sys(&c->diag_seal_unpublished, L->seal_unpublished);
  rkc_st_sys(&c->diag_batch_msgs, L->batch_msgs);
  for (int i = 0; i < 3; i++)
    rkc_st_sys(&c->diag_bphase[i], L->bphase[i]);
#ifdef RKC_SOLO_PROBES
  for (int i = 0; i < 4; i++)
    rkc_st_sys(&c->diag_probe[i], L->probe_sum[i]);
#endif
}

/* Thread 0 at start: reports the kernel's clock and waits for the host's offset. */
static __device__ RKC_COLD bool rkc_handshake(rkc_loop_t *L) {
  rkc_control_t *c = L->p.control;
  rkc_st_sys(&c->start_globaltimer, rkc_globaltimer());
  __threadfence_system();
  ((volatile uint32_t *)&c->started)[0] = 1u;
  for (;;) {
    if (((volatile uint32_t *)&c->offset_valid)[0]) break;
    if (((volatile uint32_t *)&c->terminate)[0]) return false;
    __nanosleep(1000);
  }
  L->offset_ns = ((volatile int64_t *)&c->hlc_offset_ns)[0];
  return true;
}

/* Warp 0: one poll of H2K (slot words, host line); with `inbox` also the inbox. */
static __device__ uint64_t rkc_poll(rkc_loop_t *L, bool inbox) {
  const uint32_t lane = rk_dev_lane();
  const uint32_t cap = L->p.h2k_capacity;
  const uint64_t *slot = L->p.h2k + (L->h2k_head & (cap - 1)) * L->p.slot_words;
  uint64_t w = 0, ctl = 0, tail = 0;
  const uint64_t t0 = clock64();
  if (lane < L->p.slot_words) w = rkc_ld_sys(slot + lane);
  uint64_t gt = 0;
  if (lane == 0) {
    ctl = rkc_ld_sys((const uint64_t *)&L->p.control->terminate);
    tail = rkc_ld_sys(&L->p.control->h2k_tail);
    /* read while the loads are in flight: %globaltimer costs ~300 ns to read (measured),
     * which the solo path's stamp would otherwise pay after the data is in */
    gt = rkc_globaltimer();
    /* and turned into wall microseconds while they still are (a 64-bit division) */
    L->poll_wall_us = rkc_wall_micros_at(L, gt);
  }
  uint32_t ready = inbox ? rkc_inbox_ready(L, 32u) : 0u;
  bool valid = (uint32_t)(w >> 32) == rkc_flag_of(L->h2k_head, cap);
  valid = __shfl_sync(0xffffffffu, valid, 0);
  if (lane == 0) {
    L->terminate = (uint32_t)ctl;
    L->active = (uint32_t)(ctl >> 32);
    L->host_tail = tail;
    L->poll_done = clock64(); /* every load of the poll is in: the stores above used them */
    L->polls++;
    L->poll_cycles += L->poll_done - t0;
    L->head_valid = valid;
    if (inbox) L->inbox_ready = ready;
  }
  __syncwarp();
  return w;
}

/* Thread 0: chooses the next batch. When both H2K and the inbox have messages, the
 * source alternates from batch to batch: a busy host must not starve K2K senders (whose
 * inbox then fills, and the built-in forward dead-letters after 1 ms), nor the reverse. */
static __device__ void rkc_plan(rkc_loop_t *L, rkc_batch_entry_t *batch, uint32_t *replied) {
  uint64_t avail = L->host_tail > L->h2k_head ? L->host_tail - L->h2k_head : 0;
  if (L->head_valid && avail == 0) avail = 1;
  const bool last_from_inbox = L->from_inbox != 0u; /* the previous batch's source */
  L->from_inbox = 0;
  L->n = 0;
  L->spill_at = ~0u;
  if (!L->active) return;
  if (L->inbox_ready && (!avail || !last_from_inbox)) {
    L->n = L->inbox_ready < L->p.batch_max ? L->inbox_ready : L->p.batch_max;
    L->from_inbox = 1;
  } else if (avail) {
    L->n = (uint32_t)(avail < L->p.batch_max ? avail : L->p.batch_max);
  }
  for (uint32_t i = 0; i < L->n; i++)
    replied[i] = 0;
}

/* Warp 0: each message's record offset within the batch's K2H output (records keep the
 * request order), 32 messages per ballot; reply_count and reply_ok for thread 0. */
static __device__ void rkc_compact(rkc_loop_t *L, rkc_batch_entry_t *batch,
                                   const uint32_t *replied) {
  const uint32_t lane = rk_dev_lane();
  uint32_t off = 0, ok = 0;
  for (uint32_t base = 0; base < L->n; base += 32u) {
    const uint32_t i = base + lane;
    const bool in = i < L->n;
    const unsigned rec = __ballot_sync(0xffffffffu, in && (replied[i] & RKC_REPLIED_RECORD));
    const unsigned good = __ballot_sync(0xffffffffu, in && batch[i].status == 0);
    if (in) batch[i].offset = off + __popc(rec & ((1u << lane) - 1u));
    off += __popc(rec);
    ok += __popc(good);
  }
  if (lane == 0) {
    L->reply_count = off;
    L->reply_ok = ok;
  }
  __syncwarp();
}

/* Kernels whose echo and forward built-ins may run in registers (rkc_out_word and its
 * users) when the actor's handler is one of them: the precompiled kernel specializes
 * this to true; a user handler compiled with NVRTC has no built-ins. */
template <typename Handler> struct rkc_register_builtins { static constexpr bool value = false; };

/* Warp: the words of the message whose word `lane` is `d` (word 14 is its payload size). */
static __device__ __forceinline__ uint32_t rkc_words_of(uint32_t d) {
  return RKC_SLOT_WORDS(__shfl_sync(0xffffffffu, d, 14));
}

/* Warp: word `lane` of the message a built-in sends for the one whose word `lane` is
 * `d` (all its words within the first 32), built in registers: no staging in shared or
 * device memory and no handler frame (the staged path costs ~1.4 µs of dependent
 * shared-memory steps per message, measured). It is the message rk_dev_reply or
 * rk_dev_send would build: id 0 (assigned by the host), the request's correlation id and
 * type, from this actor to `dest`, the stamp (sp, sl), the same payload, the request's
 * priority and no wire flags. */
static __device__ __forceinline__ uint32_t rkc_out_word(uint64_t me, uint32_t d, uint64_t dest,
                                                        uint64_t sp, uint64_t sl) {
  const uint32_t lane = rk_dev_lane();
  /* selects, not a switch on the lane (which would run its cases one after another) */
  uint32_t r = d; /* correlation (2, 3), type (8, 9), size (14), payload (16..) */
  r = lane < 2u ? 0u : r;
  r = lane == 4u ? (uint32_t)me : r;
  r = lane == 5u ? (uint32_t)(me >> 32) : r;
  r = lane == 6u ? (uint32_t)dest : r;
  r = lane == 7u ? (uint32_t)(dest >> 32) : r;
  r = lane == 10u ? (uint32_t)sp : r;
  r = lane == 11u ? (uint32_t)(sp >> 32) : r;
  r = lane == 12u ? (uint32_t)sl : r;
  r = lane == 13u ? (uint32_t)(sl >> 32) : r;
  r = lane == 15u ? (d & 0xFF000000u) : r;
  return r;
}

/* Where the echo built-in writes, copied into registers once per batch: the stores are
 * volatile asm, after which the compiler re-reads whatever it keeps in shared memory. */
typedef struct rkc_k2h_ref {
  uint64_t *k2h;
  uint64_t me;
  uint32_t capacity, slot_words;
} rkc_k2h_ref_t;

static __device__ __forceinline__ rkc_k2h_ref_t rkc_k2h_ref(const rkc_loop_t *L) {
  return {L->p.k2h, L->p.actor_id, L->p.k2h_capacity, L->p.slot_words};
}

/* Warp: the echo built-in's reply to that message, stored into K2H position `pos`, each
 * lane its own flag word. */
static __device__ __forceinline__ void rkc_echo_store(const rkc_k2h_ref_t &o, uint32_t d,
                                                      uint32_t words, uint64_t pos, uint64_t sp,
                                                      uint64_t sl) {
  const uint64_t source = ((uint64_t)rkc_shfl_u32(d, 5) << 32) | rkc_shfl_u32(d, 4);
  const uint32_t r = rkc_out_word(o.me, d, source, sp, sl);
  uint64_t *slot = o.k2h + (pos & (o.capacity - 1)) * o.slot_words;
  if (rk_dev_lane() < words)
    rkc_st_sys(slot + rk_dev_lane(), ((uint64_t)rkc_flag_of(pos, o.capacity) << 32) | r);
}

/* Warp: claims n consecutive slots of the forward destination's inbox for a message
 * run whose largest payload is max_size (rk_dev_claim, the send's claim; every lane gets
 * the answer). pos is ~0 when the destination is unknown or terminated, too small or
 * short of n free slots: the staged path then applies the built-in's rules (dead letter,
 * back-pressure patience). */
static __device__ rkc_fwd_t rkc_fwd_claim(rkc_loop_t *L, uint32_t n, uint32_t max_size) {
  rkc_fwd_t f = {0, ~0ull, 0, 0};
  const uint64_t dest = L->p.forward_to;
  if (!dest) return f;
  const rk_dev_claim_t c =
      rk_dev_claim(L->p.directory, &L->cache[threadIdx.x >> 5], dest, n, max_size);
  if (c.status != RK_DEV_OK) return f;
  f.inbox = c.inbox;
  f.pos = c.pos;
  f.slot_bytes = c.slot_bytes;
  f.capacity = c.capacity;
  return f;
}

static __device__ __forceinline__ rkc_inbox_slot_t *rkc_fwd_slot(const rkc_fwd_t &f, uint64_t pos) {
  return rk_dev_inbox_slot(f.inbox, pos, f.capacity, f.slot_bytes);
}

/* Warp: the forward built-in's message for the one whose word `lane` is `d`, written
 * into the claimed inbox slot at pos (header words, then the payload in place). */
static __device__ __forceinline__ void rkc_fwd_store(const rkc_loop_t *L, const rkc_fwd_t &f,
                                                     uint32_t d, uint32_t words, uint64_t pos,
                                                     uint64_t sp, uint64_t sl) {
  const uint32_t lane = rk_dev_lane();
  const uint32_t r = rkc_out_word(L->p.actor_id, d, L->p.forward_to, sp, sl);
  rkc_inbox_slot_t *slot = rkc_fwd_slot(f, pos);
  if (lane < RKC_HEADER_WORDS)
    ((uint32_t *)&slot->header)[lane] = r;
  else if (lane < words)
    ((uint32_t *)(slot + 1))[lane - RKC_HEADER_WORDS] = r;
}

/* Warp, after its rkc_fwd_store calls: publishes the slots at positions `first` +
 * k * stride (k < count) to the consumer. */
static __device__ void rkc_fwd_publish(const rkc_fwd_t &f, uint64_t first, uint32_t stride,
                                       uint32_t count) {
  /* __syncwarp orders every lane's slot writes before lane 0's release, and a release is
   * cumulative, so no separate fence on the K2K latency path (the measured send took
   * 2.6 µs with both) */
  __syncwarp();
  if (rk_dev_lane() == 0) {
    for (uint32_t k = 0; k < count; k++) {
      const uint64_t pos = first + (uint64_t)k * stride;
      /* release: pairs with the consumer's acquire of seq (rkc_inbox_ready) */
      asm volatile("st.release.gpu.global.u64 [%0], %1;" ::"l"(&rkc_fwd_slot(f, pos)->seq),
                   "l"(pos + 1)
                   : "memory");
    }
  }
  __syncwarp();
}

/* Warp, solo path, lock held: the echo or forward built-in on the message whose word
 * `lane` is `d`, in registers. Stamps it (lane 0 merges its timestamp, words 10..13,
 * into the clock with wall_us, a recent wall-clock reading) and counts it. False
 * (nothing done) when a forward finds no room: the staged path's patience applies. */
static __device__ bool rkc_solo_builtin(rkc_loop_t *L, uint32_t d, uint32_t words,
                                        uint64_t wall_us) {
  const uint32_t lane = rk_dev_lane();
  const bool forward = L->p.handler == RKC_HANDLER_FORWARD;
  rkc_fwd_t f;
  if (forward) {
    f = rkc_fwd_claim(L, 1u, rkc_shfl_u32(d, 14));
    if (f.pos == ~0ull) return false;
  }
  const uint32_t t10 = rkc_shfl_u32(d, 10), t11 = rkc_shfl_u32(d, 11);
  const uint32_t t12 = rkc_shfl_u32(d, 12), t13 = rkc_shfl_u32(d, 13);
  uint64_t sp = 0, sl = 0;
  if (lane == 0) {
    uint64_t lp = L->hlc_physical, ll = L->hlc_logical;
    const uint64_t rl = (((uint64_t)t13 << 32) | t12) >> 16;
    rkc_hlc_merge_ts(lp, ll, ((uint64_t)t11 << 32) | t10, rl, wall_us);
    L->hlc_physical = lp;
    L->hlc_logical = ll;
    sp = lp;
    sl = (ll << 16) | (L->p.node_id & 0xFFFFu);
  }
  sp = __shfl_sync(0xffffffffu, sp, 0);
  sl = __shfl_sync(0xffffffffu, sl, 0);
  RKC_PROBE(L, 2);
  if (forward) {
    rkc_fwd_store(L, f, d, words, f.pos, sp, sl);
    rkc_fwd_publish(f, f.pos, 1u, 1u);
  } else {
    rkc_echo_store(rkc_k2h_ref(L), d, words, L->k2h_tail, sp, sl);
    __syncwarp();
  }
  RKC_PROBE(L, 3);
  if (lane == 0) {
    if (forward) {
      L->k2k_sent++;
    } else {
      L->k2h_tail++;
      L->replies++;
    }
    L->handled++;
    L->processed++;
  }
  return true;
}

/* True when the built-ins of this kernel may run in registers for the actor's handler. */
template <typename Handler>
static __device__ __forceinline__ bool rkc_builtin_in_registers(const rkc_loop_t *L) {
  return rkc_register_builtins<Handler>::value &&
         (L->p.handler == RKC_HANDLER_ECHO || L->p.handler == RKC_HANDLER_FORWARD);
}

/* Thread 0 after a batch: the input consumed, progress published. */
static __device__ void rkc_batch_done(rkc_loop_t *L) {
  L->handled += L->n;
  if (L->from_inbox) {
    L->inbox_head += L->n;
    L->inbox_ready -= L->n; /* still a safe count: only this loop consumes the inbox */
    L->k2k_recv += L->n;
    rkc_release_inbox_head(L, L->inbox_head);
  } else {
    L->h2k_head += L->n;
  }
  rkc_publish(L);
  if (L->p.profiling) rkc_publish_profile(L);
}

/* Warp, a batch of small messages read into registers (v[s]: word `lane` of the warp's
 * s-th message, batch index warp + s * nwarps): calls fn(i, d, words) for each; returns
 * how many. */
template <typename Fn>
static __device__ __forceinline__ uint32_t rkc_each_small(const rkc_loop_t *L,
                                                          const uint64_t (&v)[RKC_SLOTS_PER_WARP],
                                                          uint32_t warp, uint32_t nwarps, Fn fn) {
  uint32_t count = 0;
  const uint32_t n = L->n; /* in a register: fn's stores would make L->n re-read */
#pragma unroll
  for (uint32_t s = 0; s < RKC_SLOTS_PER_WARP; s++) {
    const uint32_t i = warp + s * nwarps;
    if (i >= n) break;
    const uint32_t d = (uint32_t)v[s];
    fn(i, d, rkc_words_of(d));
    count++;
  }
  return count;
}

/* The block, an H2K batch of small messages to the echo built-in: every message replies,
 * so reply i goes to K2H position k2h_tail + i, built from the words the read left in
 * registers. */
static __device__ void rkc_echo_batch(rkc_loop_t *L, const rkc_batch_entry_t *batch,
                                      const uint64_t (&v)[RKC_SLOTS_PER_WARP], uint32_t warp,
                                      uint32_t nwarps) {
  if (threadIdx.x == 0) L->stop = rkc_wait_k2h_room(L, L->n) ? 0u : 1u;
  __syncthreads();
  if (!L->stop) {
    const rkc_k2h_ref_t out = rkc_k2h_ref(L);
    const uint64_t tail = L->k2h_tail;
    rkc_each_small(L, v, warp, nwarps, [&](uint32_t i, uint32_t d, uint32_t words) {
      rkc_echo_store(out, d, words, tail + i, batch[i].stamp_physical,
                     batch[i].stamp_logical_node);
    });
  }
  __syncthreads();
  if (threadIdx.x == 0 && !L->stop) { /* stopped while the output was full: stays input */
    L->k2h_tail += L->n;
    L->replies += L->n;
    L->processed += L->n;
    rkc_batch_done(L);
  }
}

/* The block, a batch of small messages to the forward built-in: the destination's inbox
 * is claimed for the whole batch at once (messages keep their order), each warp writes
 * its messages' slots from the words the read left in registers and publishes them.
 * False (nothing done) when the destination has no room for the batch or is unknown:
 * the staged path then applies the built-in's rules message by message. */
static __device__ bool rkc_forward_batch(rkc_loop_t *L, const rkc_batch_entry_t *batch,
                                         const uint64_t (&v)[RKC_SLOTS_PER_WARP], uint32_t warp,
                                         uint32_t nwarps) {
  if (warp == 0) {
    uint32_t max_size = 0;
    for (uint32_t i = rk_dev_lane(); i < L->n; i += 32u)
      if (batch[i].header.payload_size > max_size) max_size = batch[i].header.payload_size;
    for (int off = 16; off; off >>= 1) {
      const uint32_t other = __shfl_xor_sync(0xffffffffu, max_size, off);
      if (other > max_size) max_size = other;
    }
    rkc_fwd_t f = rkc_fwd_claim(L, L->n, max_size);
    if (rk_dev_lane() == 0) L->fwd = f;
  }
  __syncthreads();
  const rkc_fwd_t f = L->fwd;
  if (f.pos == ~0ull) return false;
  const uint32_t mine =
      rkc_each_small(L, v, warp, nwarps, [&](uint32_t i, uint32_t d, uint32_t words) {
        rkc_fwd_store(L, f, d, words, f.pos + i, batch[i].stamp_physical,
                      batch[i].stamp_logical_node);
      });
  rkc_fwd_publish(f, f.pos + warp, nwarps, mine);
  __syncthreads();
  if (threadIdx.x == 0) {
    L->k2k_sent += L->n;
    L->processed += L->n;
    rkc_batch_done(L);
  }
  return true;
}

/* Thread 0, an H2K batch holding a spilled message: the batch ends before it, or is that
 * message alone when it comes first. Its payload is read over PCIe in place and its
 * reply may be larger than a slot, so it runs by itself (rkc_run_spilled); the messages
 * cut off are read again by the next batch. */
static __device__ void rkc_cut_at_spill(rkc_loop_t *L) {
  L->n = L->spill_at == 0u ? 1u : L->spill_at;
}

/* Warp 0: writes the K2H record of a reply whose payload went to the K2H spill ring at
 * spill_start: the staged header with RKC_FLAG_SPILLED, then the spill reference, into
 * K2H position `pos`. */
static __device__ void rkc_write_k2h_ref(rkc_loop_t *L, const rkc_header_t *h, uint64_t pos) {
  const uint32_t lane = rk_dev_lane();
  /* the reference's words by selects (an indexed struct would live in local memory) */
  const uint64_t address = (uint64_t)(L->p.k2h_spill + L->spill_start % RKC_SPILL_RING_BYTES);
  const uint64_t end = L->spill_end;
  uint32_t d = 0;
  if (lane < RKC_HEADER_WORDS) {
    d = ((const uint32_t *)h)[lane] | (lane == 15u ? RKC_FLAG_SPILLED : 0u);
  } else {
    const uint64_t half = lane < RKC_HEADER_WORDS + 2u ? address : end; /* rkc_spill_ref_t */
    d = (lane & 1u) ? (uint32_t)(half >> 32) : (uint32_t)half;
  }
  uint64_t *slot = L->p.k2h + (pos & (L->p.k2h_capacity - 1)) * L->p.slot_words;
  if (lane < RKC_HEADER_WORDS + RKC_SPILL_REF_WORDS)
    rkc_st_sys(slot + lane, ((uint64_t)rkc_flag_of(pos, L->p.k2h_capacity) << 32) | d);
  __syncwarp();
}

/* Thread 0: waits until the host has copied enough out of the K2H spill ring for an
 * entry of `bytes`, which it reserves (spill_start, spill_end). False when told to
 * terminate meanwhile, with the patience of rkc_wait_k2h_room. */
static __device__ bool rkc_wait_k2h_spill_room(rkc_loop_t *L, uint32_t bytes) {
  uint32_t spins = 0;
  for (;;) {
    uint64_t start = 0, end = 0;
    if (rkc_spill_reserve(L->k2h_spill_tail, L->k2h_spill_head_cache, RKC_SPILL_RING_BYTES, bytes,
                          &start, &end)) {
      L->spill_start = start;
      L->spill_end = end;
      return true;
    }
    uint64_t head;
    /* acquire: pairs with the host's release store after it copied entries out */
    asm volatile("ld.acquire.sys.global.u64 %0, [%1];"
                 : "=l"(head)
                 : "l"(&L->p.control->k2h_spill_head)
                 : "memory");
    if (head == L->k2h_spill_head_cache) {
      if (((volatile uint32_t *)&L->p.control->terminate)[0] == 1u) return false;
      __nanosleep(spins < 64 ? 64 : 1000);
      spins++;
    }
    L->k2h_spill_head_cache = head;
  }
}

/* The block, a spilled H2K message alone (stamped, its payload in the H2K spill ring):
 * warp 0 runs the handler with the big stage, whose reply may be up to the maximum
 * payload; a reply above the slot goes into the K2H spill ring (every warp copies) and
 * its slot carries the reference. Then the request's spill entry is given back before
 * the input position moves past it. Terminate while K2H or its spill ring is full: the
 * message stays input, as in rkc_run_batch. */
template <typename Handler>
static __device__ RKC_COLD void rkc_run_spilled(rkc_loop_t *L, rkc_batch_entry_t *batch, uint32_t *replied) {
  const uint32_t tid = threadIdx.x;
  const rkc_header_t *h = (const rkc_header_t *)L->p.big_stage;
  if (tid < 32u) {
    /* acquire: the slot's words were seen current; the entry's bytes (written before
     * them) must not come from a stale cached line of an earlier lap */
    __threadfence_system();
    rkc_handle_one<Handler>(L, &batch[0], 0, replied, L->p.big_stage, RKC_SPILL_MAX_PAYLOAD);
  }
  __syncthreads();
  if (tid == 0) {
    const uint32_t rec = (replied[0] & RKC_REPLIED_RECORD) ? 1u : 0u;
    L->reply_count = rec;
    L->spill_reply = rec && h->payload_size > L->p.payload_capacity ? 1u : 0u;
    bool room = rkc_wait_k2h_room(L, rec);
    if (room && L->spill_reply) room = rkc_wait_k2h_spill_room(L, h->payload_size);
    L->stop = room ? 0u : 1u;
    if (room) {
      if (batch[0].status == 0)
        L->processed++;
      else
        L->dead++;
    }
  }
  __syncthreads();
  if (!L->stop && L->spill_reply) {
    /* 16-byte pieces: the big stage's payload and the entry are 64-byte aligned, and the
     * entry's size is rounded up to 64 */
    const uint4 *src = (const uint4 *)(L->p.big_stage + 64u);
    uint4 *dst = (uint4 *)(L->p.k2h_spill + L->spill_start % RKC_SPILL_RING_BYTES);
    const uint32_t pieces = (h->payload_size + 15u) / 16u;
    for (uint32_t k = tid; k < pieces; k += blockDim.x)
      dst[k] = src[k];
    __threadfence_system(); /* the entry's bytes before the slot's words */
  }
  __syncthreads();
  if (!L->stop && tid < 32u && L->reply_count) {
    if (L->spill_reply)
      rkc_write_k2h_ref(L, h, L->k2h_tail);
    else
      rkc_write_k2h(L, L->p.big_stage, L->k2h_tail);
  }
  __syncthreads();
  if (tid == 0 && !L->stop) {
    if (L->spill_reply) L->k2h_spill_tail = L->spill_end;
    L->k2h_tail += L->reply_count;
    L->replies += L->reply_count;
    /* the handler's reads of the request's entry are over: the host may reuse it, and
     * learns so before h2k_head moves past the message (its space signal needs that) */
    const rkc_spill_ref_t *ref = (const rkc_spill_ref_t *)L->p.request_stage;
    __threadfence_system();
    rkc_st_sys(&L->p.control->h2k_spill_head, ref->end);
    __threadfence_system();
    rkc_batch_done(L);
  }
}

template <typename Handler>
static __device__ void rkc_run_batch(rkc_loop_t *L, rkc_batch_entry_t *batch, uint32_t *replied,
                                     uint64_t first_word) {
  const uint32_t tid = threadIdx.x, warp = tid >> 5, nwarps = blockDim.x >> 5;
  uint64_t v[RKC_SLOTS_PER_WARP];
  long long mark = clock64();
  if (L->from_inbox)
    rkc_read_inbox(L, batch, warp, nwarps, v);
  else
    rkc_read_h2k(L, batch, warp, nwarps, first_word, warp == 0 && L->head_valid, v);
  __syncthreads();
  if (tid == 0) {
    const long long now = clock64();
    atomicAdd(&L->bphase[0], (unsigned long long)(now - mark));
    mark = now;
    if (L->spill_at != ~0u) rkc_cut_at_spill(L);
    atomicAdd(&L->batch_msgs, (unsigned long long)L->n);
  }
  if (warp == 0) {
    __syncwarp(); /* thread 0's cut before the stamp's reads of n */
    rkc_batch_stamp(L, batch, L->n);
  }
  /* the barrier carries thread 0's verdict: no other thread reads spill_at */
  const bool spilled_alone = __syncthreads_or(tid == 0 && L->spill_at == 0u) != 0;
  if (tid == 0) atomicAdd(&L->bphase[1], (unsigned long long)(clock64() - mark));
  if (spilled_alone) {
    rkc_run_spilled<Handler>(L, batch, replied);
    return;
  }
  if (rkc_builtin_in_registers<Handler>(L) && !L->batch_large) {
    if (L->p.handler == RKC_HANDLER_ECHO) {
      rkc_echo_batch(L, batch, v, warp, nwarps);
      return;
    }
    if (rkc_forward_batch(L, batch, v, warp, nwarps)) return;
  }
  if (gridDim.x > 1 && L->p.grid_batch)
    rkc_grid_handle<Handler>(L, batch, replied);
  else
    rkc_handle<Handler>(L, batch, replied, warp, nwarps);
  __syncthreads();
  if (warp == 0) rkc_compact(L, batch, replied);
  if (tid == 0) {
    const uint32_t off = L->reply_count, ok = L->reply_ok;
    L->stop = rkc_wait_k2h_room(L, off) ? 0u : 1u;
    if (!L->stop) { /* stopped while the host's output was full: the batch stays input */
      L->processed += ok;
      L->dead += L->n - ok;
    }
  }
  __syncthreads();
  if (!L->stop) {
    const uint32_t rstride = RKC_REPLY_STRIDE(L->p.payload_capacity);
    for (uint32_t i = warp; i < L->n; i += nwarps)
      if (replied[i] & RKC_REPLIED_RECORD)
        rkc_write_k2h(L, L->p.reply_stage + (uint64_t)i * rstride, L->k2h_tail + batch[i].offset);
  }
  __syncthreads();
  if (tid == 0 && !L->stop) {
    L->k2h_tail += L->reply_count;
    L->replies += L->reply_count;
    rkc_batch_done(L);
  }
}

/* The solo lock: both watchers' solo paths use the solo staging, batch[0], the K2H
 * producer position, the HLC and the counters, so one runs at a time. One thread (lane
 * 0) takes and gives it; the warp syncs around. */
static __device__ void rkc_lock(rkc_loop_t *L) {
  while (atomicCAS(&L->solo_lock, 0u, 1u) != 0u) {
  }
  __threadfence_block(); /* acquire: pairs with the fence in rkc_unlock */
}

static __device__ void rkc_unlock(rkc_loop_t *L) {
  __threadfence_block(); /* release: the holder's shared writes before the lock is free */
  atomicExch(&L->solo_lock, 0u);
}

/* Warp, lock held: sends the staged record of batch[0] (if any) and counts the message. */
static __device__ void rkc_solo_record(rkc_loop_t *L, const rkc_batch_entry_t *e,
                                       const uint32_t *replied, const uint8_t *stage) {
  const uint32_t rec = (replied[0] & RKC_REPLIED_RECORD) ? 1u : 0u;
  if (rec) rkc_write_k2h(L, stage, L->k2h_tail);
  __syncwarp();
  if (rk_dev_lane() == 0) {
    L->k2h_tail += rec;
    L->replies += rec;
    L->handled++;
    if (e->status == 0)
      L->processed++;
    else
      L->dead++;
  }
}

/* Warp, lock held: true when K2H has room for a solo record by the cached consumer
 * position (the batch path refreshes the cache when it runs short). */
static __device__ bool rkc_solo_room(const rkc_loop_t *L) {
  return L->k2h_tail + 2u - L->k2h_head_cache <= L->p.k2h_capacity;
}

/* Warp, end of an H2K solo message (lock held): the input consumed, progress published,
 * the lock given back. */
static __device__ void rkc_solo_h2k_done(rkc_loop_t *L) {
  if (rk_dev_lane() == 0) {
    L->h2k_head++;
    L->head_valid = 0;
    L->idle = 1; /* published below; the next empty poll need not publish again */
    rkc_publish(L);
    L->solo++;
    L->solo_cycles += clock64() - L->poll_done;
#ifdef RKC_SOLO_PROBES
    for (int k = 0; k < 4; k++)
      L->probe_sum[k] += L->probe_at[k] - (long long)L->poll_done;
#endif
  }
  __syncwarp();
  if (rk_dev_lane() == 0) rkc_unlock(L);
}

/* The H2K solo path (warp 0, right after a poll): one message whose words all arrived in
 * the poll's read and fit in them is handled at once, staged in shared memory, with no
 * block barrier and no device-memory round trip: the latency path. Returns false when
 * the message (or the state) needs the batch path. */
template <typename Handler>
static __device__ bool rkc_solo(rkc_loop_t *L, rkc_batch_entry_t *batch, uint32_t *replied,
                                uint8_t *solo, uint64_t w) {
  const uint32_t lane = rk_dev_lane();
  RKC_PROBE(L, 0);
  if (!solo || !L->active || L->terminate || !L->head_valid) return false;
  const uint32_t flag = rkc_flag_of(L->h2k_head, L->p.h2k_capacity);
  const uint32_t size = __shfl_sync(0xffffffffu, (uint32_t)w, 14);
  const uint32_t words = RKC_SLOT_WORDS(size);
  /* a spilled message goes down the batch path, alone (its flag word is lane 15's, in
   * the same vote) */
  const bool spilled = lane == 15u && ((uint32_t)w & RKC_FLAG_SPILLED) != 0u;
  bool ok = (lane >= words || (uint32_t)(w >> 32) == flag) && !spilled;
  if (!__all_sync(0xffffffffu, ok)) {
    if (__any_sync(0xffffffffu, spilled)) return false;
    /* the poll caught the slot half-written: BENCH.md's second round trip, counted */
    if (lane == 0) L->partial_reads++;
    return false;
  }
  if (words > 32u) return false;
  if (lane == 0) rkc_lock(L);
  __syncwarp();
  RKC_PROBE(L, 1);
  if (!rkc_solo_room(L)) {
    __syncwarp();
    if (lane == 0) rkc_unlock(L);
    return false;
  }
  if (rkc_builtin_in_registers<Handler>(L) &&
      rkc_solo_builtin(L, (uint32_t)w, words, L->poll_wall_us)) {
    rkc_solo_h2k_done(L);
    return true;
  }
  rkc_batch_entry_t *e = &batch[0];
  uint8_t *req = solo, *stage = solo + 64u;
  if (lane < words) rkc_put_word(e, req, lane, (uint32_t)w);
  __syncwarp();
  if (lane == 0) {
    e->payload = req;
    replied[0] = 0;
    rkc_hlc_stamp_one(L, e, L->poll_wall_us);
  }
  __syncwarp();
  rkc_handle_one<Handler>(L, e, 0, replied, stage, L->p.payload_capacity);
  rkc_solo_record(L, e, replied, stage);
  rkc_solo_h2k_done(L);
  return true;
}

/* The inbox solo path (the inbox watcher, the slot at inbox_head acquired ready): the
 * payload is read in place, the reply staged in shared memory. False when K2H is short
 * of room (the batch path waits for it). */
template <typename Handler>
static __device__ bool rkc_solo_inbox(rkc_loop_t *L, rkc_batch_entry_t *batch, uint32_t *replied,
                                      uint8_t *solo) {
  const uint32_t lane = rk_dev_lane();
  if (lane == 0) rkc_lock(L);
  __syncwarp();
  if (!rkc_solo_room(L)) {
    __syncwarp();
    if (lane == 0) rkc_unlock(L);
    return false;
  }
  bool done = false, released = false;
  if (rkc_builtin_in_registers<Handler>(L)) {
    const uint32_t d = rkc_inbox_word(L, L->inbox_head);
    uint64_t wall = 0;
    if (lane == 0) wall = rkc_wall_micros(L); /* read while the slot's words are in flight */
    const uint32_t words = rkc_words_of(d);
    if (words <= 32u && L->p.handler == RKC_HANDLER_ECHO) {
      /* An echo cannot fail: give the slot back before replying, so the release's fence
       * waits for these loads only, not for the reply's stores to host memory. The
       * ballot needs every lane's loaded word (so each load is in); __syncwarp orders the
       * lanes' loads before lane 0's release. */
      __ballot_sync(0xffffffffu, d == 0u);
      __syncwarp();
      if (lane == 0) rkc_release_inbox_head(L, L->inbox_head + 1u);
      released = true;
    }
    done = words <= 32u && rkc_solo_builtin(L, d, words, wall);
  }
  if (!done) {
    rkc_batch_entry_t *e = &batch[0];
    uint8_t *stage = solo + 64u;
    rkc_inbox_entry(L, e, L->inbox_head, rkc_inbox_word(L, L->inbox_head));
    __syncwarp();
    if (lane == 0) {
      replied[0] = 0;
      rkc_hlc_stamp_one(L, e, rkc_wall_micros(L));
    }
    __syncwarp();
    rkc_handle_one<Handler>(L, e, 0, replied, stage, L->p.payload_capacity);
    rkc_solo_record(L, e, replied, stage);
  }
  if (lane == 0) {
    L->inbox_head++;
    L->k2k_recv++;
    if (!released) rkc_release_inbox_head(L, L->inbox_head);
    rkc_publish(L);
  }
  __syncwarp();
  if (lane == 0) rkc_unlock(L);
  return true;
}

/* Lane 0 of warp 0 after an empty poll: publish once (under the lock: the inbox watcher
 * publishes too, and a stale copy must not overwrite its newer one), then back off. */
static __device__ void rkc_idle(rkc_loop_t *L) {
  if (L->idle == 0) {
    rkc_lock(L);
    rkc_publish(L);
    rkc_publish_profile(L);
    rkc_unlock(L);
  }
  L->idle++;
  L->idle_polls++;
  if (L->idle > RKC_SPIN_POLLS) {
    uint32_t ns = (L->idle - RKC_SPIN_POLLS) * 8u;
    __nanosleep(ns < RKC_MAX_SLEEP_NS ? ns : RKC_MAX_SLEEP_NS);
  }
}

/* Reply pacing. After a solo reply the next message of a request/reply partner comes
 * once the reply has crossed PCIe and the host has turned around (~1 µs), but a poll
 * issued at once samples host memory half a PCIe round trip later (~0.65 µs): it misses,
 * and the message waits for the next poll, a whole round trip (~2 µs) later (measured:
 * 1.9 polls per message). So the first poll after a solo reply is held back by a learned
 * pause: a message found only by the second poll lengthens it by a large step, one found
 * by the first shortens it by a small step, so it settles just past the partner's
 * turn-around with few misses. Messages that come later than that are unaffected. */
#define RKC_PACE_UP_CYCLES 256u
#define RKC_PACE_DOWN_CYCLES 32u
#define RKC_PACE_MAX_CYCLES 3000u

/* Lane 0 after each poll: counts it, and adapts the pause when it found a message. */
static __device__ void rkc_pace_learn(rkc_loop_t *L) {
  const uint32_t n = ++L->polls_since_reply;
  const bool found = L->head_valid || L->host_tail > L->h2k_head;
  if (!found || n > 2u) return;
  if (n == 1u)
    L->pace = L->pace > RKC_PACE_DOWN_CYCLES ? L->pace - RKC_PACE_DOWN_CYCLES : 0u;
  else
    L->pace = L->pace + RKC_PACE_UP_CYCLES < RKC_PACE_MAX_CYCLES ? L->pace + RKC_PACE_UP_CYCLES
                                                                 : RKC_PACE_MAX_CYCLES;
}

/* Warp 0 after a solo reply: waits the learned pause (a clock spin: __nanosleep is only
 * accurate to a factor of two). */
static __device__ void rkc_pace_wait(const rkc_loop_t *L) {
  const uint32_t pace = L->pace;
  if (!pace || !L->p.pacing) return;
  const long long until = clock64() + pace;
  while (clock64() < until) {
  }
}

/* Warp 0: polls H2K (and, with `inbox_here`, the inbox) and runs the H2K solo path until
 * the block is needed: a state change, several messages, one the solo path refused, or
 * the inbox watcher asking. Returns the last poll's slot word (batch slot 0). */
template <typename Handler>
static __device__ uint64_t rkc_watch_h2k(rkc_loop_t *L, rkc_batch_entry_t *batch, uint32_t *replied,
                                         uint8_t *solo, bool inbox_here) {
  const uint32_t lane = rk_dev_lane();
  uint64_t w;
  for (;;) {
    w = rkc_poll(L, inbox_here);
    if (lane == 0) rkc_pace_learn(L);
    const bool handled = rkc_solo<Handler>(L, batch, replied, solo, w);
    bool leave = false;
    if (lane == 0) {
      const bool more = L->host_tail > L->h2k_head;
      /* The producer position can arrive ahead of the slot words it covers (the reads
       * of one poll sample host memory at different moments): the slot is then polled
       * again at once; the block's batch path would read it again too, behind block
       * barriers. */
      const bool repoll = !handled && !L->head_valid && more;
      leave =
          L->terminate != 0u || L->active != L->ack ||
          (L->active && (L->head_valid || (more && !repoll) || (inbox_here && L->inbox_ready))) ||
          /* atomic: pairs with the inbox watcher's atomicExch */
          (!inbox_here && atomicAdd(&L->want_block, 0u) != 0u);
      if (!leave && !handled && !repoll) rkc_idle(L);
      if (repoll) L->repolls++;
      if (handled) L->polls_since_reply = 0;
    }
    if (__shfl_sync(0xffffffffu, leave, 0)) break;
    if (handled) rkc_pace_wait(L);
  }
  /* atomic: pairs with the inbox watcher's atomic read */
  if (lane == 0) atomicExch(&L->h2k_done, 1u);
  return w;
}

/* Warp 1: polls the K2K inbox in device memory and runs the inbox solo path until warp 0
 * leaves its watch, or asks for the block when several messages wait (a batch) or the
 * solo path refused one. Leaves inbox_ready fresh for the block's plan. */
template <typename Handler>
static __device__ void rkc_watch_inbox(rkc_loop_t *L, rkc_batch_entry_t *batch, uint32_t *replied,
                                       uint8_t *solo) {
  const uint32_t lane = rk_dev_lane();
  uint32_t idle = 0;
  long long t_poll = clock64();
  for (;;) {
    uint32_t ready = L->inbox_go ? rkc_inbox_ready(L, 32u) : 0u;
    __syncwarp(); /* lane 0's acquire of seq before the other lanes read the slot */
    const long long t_seen = clock64();
    if (lane == 0) { /* the watcher's own counters: only warp 1 writes them */
      L->watch_polls++;
      L->watch_cycles += (uint64_t)(t_seen - t_poll);
    }
    t_poll = t_seen;
    uint32_t done = 0;
    /* atomic: pairs with warp 0's atomicExch of h2k_done */
    if (lane == 0) done = atomicAdd(&L->h2k_done, 0u);
    if (__shfl_sync(0xffffffffu, done, 0)) break;
    if (ready == 0) {
      if (++idle > RKC_SPIN_POLLS && lane == 0) {
        uint32_t ns = (idle - RKC_SPIN_POLLS) * 8u;
        __nanosleep(ns < RKC_INBOX_MAX_SLEEP_NS ? ns : RKC_INBOX_MAX_SLEEP_NS);
      }
      __syncwarp();
      continue;
    }
    idle = 0;
    if (ready == 1 && solo && rkc_solo_inbox<Handler>(L, batch, replied, solo)) {
      if (lane == 0) {
        L->inbox_solo++;
        L->inbox_solo_cycles += (uint64_t)(clock64() - t_seen);
      }
      continue;
    }
    /* atomic: pairs with warp 0's atomic read in rkc_watch_h2k */
    if (lane == 0) atomicExch(&L->want_block, 1u);
    break;
  }
  uint32_t ready = rkc_inbox_ready(L, 32u);
  if (lane == 0) {
    L->inbox_ready = ready;
    /* the watcher's counters are its own (no other warp touches them): published here */
    rkc_control_t *c = L->p.control;
    rkc_st_sys(&c->diag_watch_polls, L->watch_polls);
    rkc_st_sys(&c->diag_watch_cycles, L->watch_cycles);
    rkc_st_sys(&c->diag_inbox_solo, L->inbox_solo);
    rkc_st_sys(&c->diag_inbox_solo_cycles, L->inbox_solo_cycles);
  }
}

/* True when the actor should leave its loop (thread 0 decides; read after a barrier). */
static __device__ bool rkc_should_exit(const rkc_loop_t *L) {
  if (L->stop || L->terminate == 1u) return true;
  if (L->terminate == 2u) /* drain: leave once nothing is pending */
    return !L->head_valid && L->host_tail <= L->h2k_head && !L->inbox_ready;
  return false;
}

/* Thread 0 of block 0 leaving: tells the other blocks to return and waits (up to 10 ms)
 * for those inside their loop; a block not started yet sees `stop` when it starts (the
 * host waits for the whole kernel before it frees the grid area). */
static __device__ void rkc_grid_stop(rkc_grid_batch_t *gb) {
  asm volatile("st.release.gpu.global.u32 [%0], %1;" ::"l"(&gb->stop), "r"(1u) : "memory");
  const uint64_t until = rkc_globaltimer() + 10000000ull;
  while (*(volatile uint32_t *)&gb->online != 0u && rkc_globaltimer() < until)
    __nanosleep(1000);
}

template <typename Handler>
static __device__ void rkc_actor_main(const rkc_actor_params_t &params) {
  extern __shared__ uint64_t rkc_dyn_smem[];
  __shared__ rkc_loop_t L;
  if (blockIdx.x != 0) {
    rkc_helper_main<Handler>(params);
    return;
  }
  const uint32_t tid = threadIdx.x, warp = tid >> 5;
  /* warp 1 exists and watches the inbox, unless the launch switched it off */
  const bool inbox_watcher = blockDim.x > 32u && params.inbox_watcher;
  rkc_batch_entry_t *batch = (rkc_batch_entry_t *)rkc_dyn_smem;
  uint32_t *replied = (uint32_t *)(batch + params.batch_max);
  uint8_t *solo = RKC_SOLO_SMEM(params.payload_capacity) ? (uint8_t *)(replied + params.batch_max)
                                                         : (uint8_t *)0;
  if (tid == 0) {
    for (uint32_t i = 0; i < sizeof L / 8u; i++)
      ((uint64_t *)&L)[i] = 0;
    L.p = params;
    L.ack = 2u; /* no value acted on yet: the first poll leaves the watch to set it */
    L.stop = rkc_handshake(&L) ? 0u : 1u;
  }
  __syncthreads();
  while (!L.stop) {
    uint64_t first = 0;
    if (!L.skip_poll) {
      if (warp == 0)
        first = rkc_watch_h2k<Handler>(&L, batch, replied, solo, !inbox_watcher);
      else if (warp == 1 && inbox_watcher)
        rkc_watch_inbox<Handler>(&L, batch, replied, solo);
    }
    __syncthreads();
    if (L.terminate) { /* uniform: read after the barrier; written only in warp 0's watch */
      if (warp == 0) rkc_seal_inbox(&L);
      __syncthreads();
    }
    if (rkc_should_exit(&L)) break;
    if (tid == 0) {
      if (L.active != L.ack) {
        L.ack = L.active;
        ((volatile uint32_t *)&L.p.control->active_ack)[0] = L.ack;
      }
      rkc_plan(&L, batch, replied);
      L.skip_poll = 0;
      L.h2k_done = 0;
      L.want_block = 0;
      L.inbox_go = L.active && !L.terminate ? 1u : 0u;
      L.batch_large = 0;
      if (L.n) L.idle = 0;
    }
    __syncthreads();
    if (L.n == 0) continue;
    uint64_t t0 = clock64();
    /* between two batches of a stream (the last one skipped its poll): watch and plan */
    if (tid == 0 && L.last_batch_end)
      atomicAdd(&L.bphase[2], (unsigned long long)(t0 - L.last_batch_end));
    rkc_run_batch<Handler>(&L, batch, replied, first);
    if (tid == 0) {
      const uint64_t end = clock64(), spent = end - t0;
      if (L.p.profiling) L.busy_cycles += spent;
      L.batches++;
      L.batch_cycles += spent;
      /* The host's producer position from the last poll is still ahead: the next batch
       * is known to be there, so skip one PCIe round trip of polling (at most 16 times in
       * a row, so terminate and deactivate are still seen promptly under load). The stale
       * slot word must not be reused; inbox_ready stays (it only undercounts). */
      L.skip_poll = (L.host_tail > L.h2k_head && L.bursts < 16u) ? 1u : 0u;
      L.last_batch_end = L.skip_poll ? end : 0u;
      L.bursts = L.skip_poll ? L.bursts + 1u : 0u;
      if (L.skip_poll) L.head_valid = 0;
    }
    __syncthreads();
  }
  __syncthreads();
  /* a loop stopped without seeing terminate in a poll (a full K2H, the handshake) seals
   * here; no claim may land in an inbox nobody reads any more */
  if (warp == 0) rkc_seal_inbox(&L);
  if (tid == 0) {
    if (L.p.grid_batch) rkc_grid_stop(L.p.grid_batch);
    rkc_publish(&L);
    rkc_publish_profile(&L);
    __threadfence_system(); /* every record and counter before `terminated` */
    ((volatile uint32_t *)&L.p.control->terminated)[0] = 1u;
  }
}

#endif /* RK_ACTOR_LOOP_CUH */
