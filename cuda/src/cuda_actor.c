/* cuda_actor.c — host side of one persistent GPU actor. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "cuda_actor.h"
#include "cuda_internal.h"
#include "cuda_ring_words.h"
#include "cuda_kernels.h"
#include "cuda_pinned.h"
#include "rk_internal.h"

#define RKC_WARPS_MAX 32u
#define RKC_NT_BATCH_MIN 8u         /* enqueues of this many messages use non-temporal stores */

struct rkc_actor {
  rkc_actor_config_t cfg;
  cudaStream_t stream;
  rkc_control_t *control; /* mapped; host writes the host line only */
  _Atomic uint64_t *h2k;  /* mapped ring words */
  _Atomic uint64_t *k2h;
  rkc_inbox_t *inbox;                                /* device */
  uint8_t *request_stage, *reply_stage, *user_state; /* device */
  rkc_grid_batch_t *grid_batch;                      /* device, grid > 1 only */
  uint8_t *h2k_spill, *k2h_spill; /* mapped spill rings; NULL when the slot holds any payload */
  uint8_t *big_stage;             /* device: a lone message's staged reply (spilling only) */
  uint32_t slot_words, batch_max;
  uint64_t device_bytes;
  bool launched, terminated, stuck;
  bool counted;              /* counted as running by cuda_pinned.c */
  bool nt_stores;            /* H2K words written with non-temporal stores */
  int64_t health_checked_ns; /* last cudaStreamQuery of rkc_actor_health (poller) */

  pthread_mutex_t send_lock;     /* producers of H2K */
  uint64_t h2k_tail;             /* next position to write (under send_lock) */
  uint64_t h2k_head_cache;       /* device consumer position last read */
  uint64_t h2k_spill_tail;       /* H2K spill ring: next byte position to write (send_lock) */
  uint64_t h2k_spill_head_cache; /* the device's h2k_spill_head last read */
  uint64_t in_rejected, in_max_depth;
  atomic_bool space_wanted;      /* an enqueue was refused since the last signal */
  _Atomic uint64_t refused_head; /* device consumer position seen at that refusal */

  _Atomic uint64_t k2h_head;      /* next position to read (one consumer; read by poll) */
  _Atomic uint64_t out_max_depth; /* raised by the consumer and by counter snapshots */
  uint64_t take_pos;              /* take_input cursor over H2K */
  uint8_t *inbox_copy;            /* take_input: host copy of the inbox after terminate */
  uint64_t inbox_pos, inbox_end;
};

/* ---- control-block access ---------------------------------------------------------- */
/* The control block lives in mapped memory shared with the device; host words are
 * accessed through atomics so the compiler neither caches nor tears them. */
#define RKC_ATOM64(p) ((_Atomic uint64_t *)(void *)(p))
#define RKC_ATOM32(p) ((_Atomic uint32_t *)(void *)(p))

#define RKC_DEQUEUE_PREFETCH 4u /* K2H records fetched ahead of the decode (4, 16 and 32
                                 * measured alike on the H100 host) */

static uint64_t rkc_dev_u64(const uint64_t *p) {
  return atomic_load_explicit(RKC_ATOM64(p), memory_order_acquire);
}
static uint32_t rkc_dev_u32(const uint32_t *p) {
  return atomic_load_explicit(RKC_ATOM32(p), memory_order_acquire);
}

static void rkc_sleep_ns(long ns) {
  struct timespec ts = {0, ns};
  nanosleep(&ts, NULL);
}

/* ---- compact header <-> wire header -------------------------------------------------- */
static void rkc_compact(const rk_message_header_t *h, rkc_header_t *c) {
  c->message_id = h->message_id;
  c->correlation_id = h->correlation_id;
  c->source_kernel = h->source_kernel;
  c->dest_kernel = h->dest_kernel;
  c->message_type = h->message_type;
  c->ts_physical = h->timestamp.physical;
  c->ts_logical_node = (h->timestamp.logical << 16) | (h->timestamp.node_id & 0xFFFFu);
  c->payload_size = (uint32_t)h->payload_size;
  c->flags_priority = (h->flags & RKC_FLAG_MASK_WIRE) | ((uint32_t)h->priority << 24);
}

static void rkc_expand(const rkc_header_t *c, rk_message_header_t *h) {
  memset(h, 0, sizeof *h);
  h->magic = RK_MESSAGE_MAGIC;
  h->version = RK_MESSAGE_VERSION;
  h->flags = c->flags_priority & RKC_FLAG_MASK_WIRE;
  h->message_id = c->message_id ? c->message_id : rk_message_id_generate();
  h->correlation_id = c->correlation_id;
  h->source_kernel = c->source_kernel;
  h->dest_kernel = c->dest_kernel;
  h->message_type = c->message_type;
  h->priority = (uint8_t)(c->flags_priority >> 24);
  h->payload_size = c->payload_size;
  h->timestamp.physical = c->ts_physical;
  h->timestamp.logical = c->ts_logical_node >> 16;
  h->timestamp.node_id = c->ts_logical_node & 0xFFFFu;
}

/* ---- ring words -------------------------------------------------------------------- */
static uint32_t rkc_flag(uint64_t pos, uint32_t capacity) {
  return (uint32_t)(pos / capacity) + 1u;
}

/* Writes one message as flag words. Payload first, header last, so the device's first
 * read of the slot more often finds it complete. */
static void rkc_write_slot(_Atomic uint64_t *slot, uint32_t flag, const rkc_header_t *c,
                           const uint8_t *payload, bool nt) {
  if (nt) {
    if (c->payload_size)
      rkc_encode_words_nt(slot + RKC_HEADER_WORDS, payload, c->payload_size, flag);
    rkc_encode_words_nt(slot, c, sizeof *c, flag);
    return;
  }
  if (c->payload_size) rkc_encode_words(slot + RKC_HEADER_WORDS, payload, c->payload_size, flag);
  rkc_encode_words(slot, c, sizeof *c, flag);
}

/* Decodes words [0, bytes / 4) of src, waiting for those still in flight (the first
 * word was seen current, so the rest are on their way). RK_ECUDA after 1 s (a dead
 * device). */
static rk_status_t rkc_read_words(const _Atomic uint64_t *src, void *data, uint32_t bytes,
                                  uint32_t flag, const char *what) {
  const uint32_t words = (bytes + 3u) / 4u;
  uint32_t w = rkc_decode_words(src, data, bytes, flag, 0);
  int64_t deadline = 0;
  while (w < words) {
    if (!deadline)
      deadline = rkc_mono_ns() + 1000000000ll;
    else if (rkc_mono_ns() > deadline)
      return rki_fail(RK_ECUDA, "GPU ring record %s incomplete after 1 s (word %u)", what, w);
    w = rkc_decode_words(src, data, bytes, flag, w);
  }
  return RK_OK;
}

/* The spill ring a slot's references point into, and where the last one read ended. */
typedef struct rkc_spill_view {
  const uint8_t *ring; /* NULL: the actor has no spill rings */
  uint64_t end;        /* the last reference's end position; 0 = none read */
} rkc_spill_view_t;

/* A spilled record (its header read): copies the payload out of the spill entry its
 * reference names. RK_ECUDA when the reference is not an entry of the ring
 * (rkc_spill_ref_valid) or the size is above RK_MAX_PAYLOAD_SIZE (the caller's buffer
 * holds that much). */
static rk_status_t rkc_read_spilled(_Atomic uint64_t *slot, uint32_t flag, const rkc_header_t *c,
                                    uint8_t *payload, rkc_spill_view_t *spill) {
  rkc_spill_ref_t ref;
  rk_status_t st =
      rkc_read_words(slot + RKC_HEADER_WORDS, &ref, sizeof ref, flag, "spill reference");
  if (st != RK_OK) return st;
  const uint64_t base = (uint64_t)(uintptr_t)spill->ring;
  if (c->payload_size > RK_MAX_PAYLOAD_SIZE ||
      !rkc_spill_ref_valid(ref.address, ref.end, c->payload_size, base, RKC_SPILL_RING_BYTES))
    return rki_fail(RK_ECUDA,
                    "GPU ring record: spilled payload of %u bytes at %#llx (end %llu) is not an "
                    "entry of the %u-byte spill ring at %#llx (or above the %d-byte maximum)",
                    c->payload_size, (unsigned long long)ref.address,
                    (unsigned long long)ref.end, RKC_SPILL_RING_BYTES, (unsigned long long)base,
                    RK_MAX_PAYLOAD_SIZE);
  /* acquire: the entry's bytes were written before the slot words we saw current */
  atomic_thread_fence(memory_order_acquire);
  memcpy(payload, (const void *)(uintptr_t)ref.address, c->payload_size);
  spill->end = ref.end;
  return RK_OK;
}

/* Reads one complete slot; a spilled payload is copied out of `spill`'s ring. RK_ECUDA
 * when it never completes or claims more payload than the actor's capacity without a
 * spill reference. */
static rk_status_t rkc_read_slot(_Atomic uint64_t *slot, uint32_t flag, rkc_header_t *c,
                                 uint8_t *payload, uint32_t payload_cap, rkc_spill_view_t *spill) {
  rk_status_t st = rkc_read_words(slot, c, sizeof *c, flag, "header");
  if (st != RK_OK) return st;
  if (c->payload_size > payload_cap) { /* only here a record can be spilled: off the fast path */
    if ((c->flags_priority & RKC_FLAG_SPILLED) && spill->ring)
      return rkc_read_spilled(slot, flag, c, payload, spill);
    /* a dead letter's 4-byte status also at a capacity of 1..3: every slot has room for
     * 16 payload bytes (RKC_ACTOR_SLOT_WORDS) */
    if ((c->flags_priority & RKC_FLAG_DEAD_LETTER) && c->payload_size <= 4u)
      return rkc_read_words(slot + RKC_HEADER_WORDS, payload, c->payload_size, flag, "status");
    return rki_fail(RK_ECUDA, "GPU ring record payload %u > capacity %u", c->payload_size,
                    payload_cap);
  }
  return rkc_read_words(slot + RKC_HEADER_WORDS, payload, c->payload_size, flag, "payload");
}

/* ---- launch ------------------------------------------------------------------------- */
static rk_status_t rkc_validate(const rkc_actor_config_t *cfg) {
  if (cfg->block < 32 || cfg->block > 1024 || cfg->block % 32)
    return rki_fail(RK_EINVAL, "block_size %u: must be a multiple of 32 in 32..1024", cfg->block);
  if (cfg->grid < 1 || cfg->grid > 65535)
    return rki_fail(RK_EINVAL, "grid_size %u: must be 1..65535", cfg->grid);
  if (cfg->payload_capacity < 1 || cfg->payload_capacity > RK_MAX_PAYLOAD_SIZE)
    return rki_fail(RK_EINVAL, "payload capacity %u: must be 1..65536", cfg->payload_capacity);
  const uint32_t caps[2] = {cfg->input_capacity, cfg->output_capacity};
  for (int i = 0; i < 2; i++)
    if (caps[i] < 1 || caps[i] > (1u << 20) || (caps[i] & (caps[i] - 1)))
      return rki_fail(RK_EINVAL, "queue capacity %u: must be a power of two in 1..1048576",
                      caps[i]);
  if (!cfg->directory) return rki_fail(RK_EINVAL, "GPU actor needs a K2K directory");
  if (cfg->actor_id == 0) return rki_fail(RK_EINVAL, "GPU actor id 0: must be at least 1");
  return RK_OK;
}

static uint64_t rkc_inbox_slot_bytes(uint32_t payload_capacity) {
  return (sizeof(rkc_inbox_slot_t) + payload_capacity + 63u) & ~63ull;
}

/* Device memory is stream-ordered on the actor's own stream: cudaFree waits for the
 * whole device, which never goes idle while persistent actors live; cudaFreeAsync does
 * not. */
static rk_status_t rkc_dev_alloc(rkc_actor_t *a, void **p, size_t bytes) {
  rk_status_t st = RKC_CHECK(cudaMallocAsync(p, bytes, a->stream));
  if (st != RK_OK) {
    *p = NULL;
    return rki_fail(RK_EGPUMEM, "GPU actor: cudaMallocAsync(%zu) failed: %s", bytes,
                    rk_last_error());
  }
  a->device_bytes += bytes;
  return RKC_CHECK(cudaMemsetAsync(*p, 0, bytes, a->stream));
}

/* Ring bytes of H2K (input) or K2H (output). */
static size_t rkc_ring_bytes(const rkc_actor_t *a, bool input) {
  return (size_t)a->slot_words * 8u * (input ? a->cfg.input_capacity : a->cfg.output_capacity);
}

static size_t rkc_inbox_bytes(const rkc_actor_config_t *cfg) {
  return sizeof(rkc_inbox_t) + rkc_inbox_slot_bytes(cfg->payload_capacity) * cfg->input_capacity;
}

/* Spill rings exist when a slot cannot hold every payload the runtime accepts. */
static bool rkc_spills(const rkc_actor_config_t *cfg) {
  return cfg->payload_capacity < RK_MAX_PAYLOAD_SIZE;
}

static rk_status_t rkc_alloc_all(rkc_actor_t *a) {
  const rkc_actor_config_t *cfg = &a->cfg;
  rk_status_t st = RKC_CHECK(cudaStreamCreateWithFlags(&a->stream, cudaStreamNonBlocking));
  if (st == RK_OK) st = rkc_pinned_alloc(sizeof(rkc_control_t), (void **)&a->control);
  if (st == RK_OK) st = rkc_pinned_alloc(rkc_ring_bytes(a, true), (void **)&a->h2k);
  if (st == RK_OK) st = rkc_pinned_alloc(rkc_ring_bytes(a, false), (void **)&a->k2h);
  uint64_t ib_slot = rkc_inbox_slot_bytes(cfg->payload_capacity);
  if (st == RK_OK) st = rkc_dev_alloc(a, (void **)&a->inbox, rkc_inbox_bytes(cfg));
  if (st == RK_OK)
    st = rkc_dev_alloc(a, (void **)&a->request_stage,
                       (size_t)a->batch_max * RKC_REQUEST_STRIDE(cfg->payload_capacity));
  if (st == RK_OK)
    st = rkc_dev_alloc(a, (void **)&a->reply_stage,
                       (size_t)a->batch_max * RKC_REPLY_STRIDE(cfg->payload_capacity));
  if (st == RK_OK) st = rkc_dev_alloc(a, (void **)&a->user_state, RKC_USER_STATE_BYTES);
  if (st == RK_OK && cfg->grid > 1)
    st = rkc_dev_alloc(a, (void **)&a->grid_batch, RKC_GRID_BATCH_BYTES(a->batch_max));
  if (st == RK_OK && rkc_spills(cfg)) {
    st = rkc_pinned_alloc(RKC_SPILL_RING_BYTES, (void **)&a->h2k_spill);
    if (st == RK_OK) st = rkc_pinned_alloc(RKC_SPILL_RING_BYTES, (void **)&a->k2h_spill);
    if (st == RK_OK) st = rkc_dev_alloc(a, (void **)&a->big_stage, 64u + RKC_SPILL_MAX_PAYLOAD);
  }
  if (st == RK_OK) {
    rkc_inbox_t ib;
    memset(&ib, 0, sizeof ib);
    ib.capacity = cfg->input_capacity;
    ib.payload_capacity = cfg->payload_capacity;
    ib.slot_bytes = ib_slot;
    st = RKC_CHECK(cudaMemcpyAsync(a->inbox, &ib, sizeof ib, cudaMemcpyHostToDevice, a->stream));
  }
  /* other actors may find the inbox in the directory as soon as it is added */
  if (st == RK_OK) st = RKC_CHECK(cudaStreamSynchronize(a->stream));
  return st;
}

/* Nothing here waits for the whole device: the actor's private device memory is freed
 * on its own stream, a stream is destroyed without waiting (the driver releases it once
 * its work is done), the pinned blocks go to the cache and the inbox, which other
 * actors' kernels may still reach through a cached pointer, is parked (cuda_pinned.h). */
static void rkc_free_all(rkc_actor_t *a) {
  free(a->inbox_copy);
  if (a->stuck) return; /* never free memory a live kernel may still touch */
  void *dev[5] = {a->request_stage, a->reply_stage, a->user_state, a->grid_batch, a->big_stage};
  for (int i = 0; i < 5 && a->stream; i++)
    if (dev[i]) (void)RKC_CHECK(cudaFreeAsync(dev[i], a->stream));
  if (a->stream) {
    (void)RKC_CHECK(cudaStreamSynchronize(a->stream)); /* this stream only */
    (void)RKC_CHECK(cudaStreamDestroy(a->stream));
  }
  rkc_pinned_park_device(a->inbox, rkc_inbox_bytes(&a->cfg), a->cfg.device);
  rkc_pinned_free(a->control, sizeof(rkc_control_t));
  rkc_pinned_free((void *)a->h2k, rkc_ring_bytes(a, true));
  rkc_pinned_free((void *)a->k2h, rkc_ring_bytes(a, false));
  rkc_pinned_free(a->h2k_spill, RKC_SPILL_RING_BYTES);
  rkc_pinned_free(a->k2h_spill, RKC_SPILL_RING_BYTES);
}

/* The kernel was seen to return (or never started): it no longer holds the device. */
static void rkc_note_stopped(rkc_actor_t *a) {
  if (!a->counted) return;
  a->counted = false;
  rkc_pinned_actor_stopped();
}

/* The launch shape the kernel can run, said plainly rather than left to fail in the
 * driver: its registers bound the block, and a grid must fit the device at once (its
 * blocks leave only once they see block 0's stop, so one never scheduled would keep the
 * kernel from finishing; other actors' blocks are not counted here). */
static rk_status_t rkc_check_shape(const rkc_actor_config_t *cfg, const void *fn, size_t smem) {
  struct cudaFuncAttributes attr;
  rk_status_t st = RKC_CHECK(cudaFuncGetAttributes(&attr, fn));
  if (st != RK_OK) return st;
  if ((int)cfg->block > attr.maxThreadsPerBlock)
    return rki_fail(RK_EINVAL,
                    "block_size %u: this GPU actor kernel runs at most %d threads per block "
                    "(it uses %d registers per thread)",
                    cfg->block, attr.maxThreadsPerBlock, attr.numRegs);
  if (cfg->grid <= 1) return RK_OK;
  int per_sm = 0, sms = 0;
  st = RKC_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, fn, (int)cfg->block, smem));
  if (st == RK_OK)
    st = RKC_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, cfg->device));
  if (st != RK_OK) return st;
  if ((long)cfg->grid > (long)per_sm * sms)
    return rki_fail(RK_EINVAL,
                    "grid_size %u: at most %d blocks of %u threads fit on device %d at once "
                    "(a persistent actor needs all its blocks resident)",
                    cfg->grid, per_sm * sms, cfg->block, (int)cfg->device);
  return RK_OK;
}

static rk_status_t rkc_start_kernel(rkc_actor_t *a) {
  const rkc_actor_config_t *cfg = &a->cfg;
  rkc_actor_params_t p;
  memset(&p, 0, sizeof p);
  p.control = a->control;
  p.h2k = (uint64_t *)a->h2k;
  p.k2h = (uint64_t *)a->k2h;
  p.inbox = a->inbox;
  p.directory = rkc_directory_device(cfg->directory);
  p.request_stage = a->request_stage;
  p.reply_stage = a->reply_stage;
  p.user_state = a->user_state;
  p.grid_batch = a->grid_batch;
  p.actor_id = cfg->actor_id;
  p.node_id = cfg->node_id;
  p.forward_to = cfg->forward_to;
  p.h2k_capacity = cfg->input_capacity;
  p.k2h_capacity = cfg->output_capacity;
  p.payload_capacity = cfg->payload_capacity;
  p.slot_words = a->slot_words;
  p.batch_max = a->batch_max;
  p.handler = cfg->handler;
  p.profiling = rk_cuda_profiling_enabled() ? 1u : 0u;
  p.inbox_slot_bytes = (uint32_t)rkc_inbox_slot_bytes(cfg->payload_capacity);
  p.inbox_watcher = cfg->no_inbox_watcher ? 0u : 1u;
  p.pacing = cfg->no_pacing ? 0u : 1u;
  p.h2k_spill = a->h2k_spill;
  p.k2h_spill = a->k2h_spill;
  p.big_stage = a->big_stage;
  void *args[1] = {&p};
  size_t smem =
      (size_t)a->batch_max * (RKC_BATCH_ENTRY_BYTES + 4u) + RKC_SOLO_SMEM(cfg->payload_capacity);
  const void *fn = cfg->kernel ? cfg->kernel : rkc_builtin_kernel();
  rk_status_t ast = rkc_check_shape(cfg, fn, smem);
  if (ast != RK_OK) return ast;
  a->control->active = cfg->start_active ? 1u : 0u;
  dim3 grid = {cfg->grid, 1, 1}, block = {cfg->block, 1, 1};
  rkc_pinned_actor_running();
  a->counted = true;
  rk_status_t st = RKC_CHECK(cudaLaunchKernel(fn, grid, block, args, smem, a->stream));
  if (st != RK_OK) {
    rkc_note_stopped(a);
    return st;
  }
  a->launched = true;
  return RK_OK;
}

/* Waits for the kernel's start word, then gives it the offset between the host's wall
 * clock and %globaltimer, so device HLC stamps live on the host's time line. */
static rk_status_t rkc_wait_started(rkc_actor_t *a) {
  int64_t deadline = rkc_mono_ns() + 10000000000ll;
  while (!rkc_dev_u32(&a->control->started)) {
    cudaError_t e = cudaStreamQuery(a->stream);
    if (e != cudaErrorNotReady) {
      if (e == cudaSuccess)
        return rki_fail(RK_ECUDA, "GPU actor %llu: kernel exited before it started",
                        (unsigned long long)a->cfg.actor_id);
      return RKC_CHECK(e);
    }
    if (rkc_mono_ns() > deadline) {
      a->stuck = true;
      return rki_fail(RK_ESTUCK,
                      "GPU actor %llu: kernel not running after 10 s "
                      "(device busy with other persistent kernels?)",
                      (unsigned long long)a->cfg.actor_id);
    }
    rkc_sleep_ns(10000);
  }
  int64_t gt = (int64_t)rkc_dev_u64(&a->control->start_globaltimer);
  atomic_store_explicit((_Atomic int64_t *)(void *)&a->control->hlc_offset_ns, rkc_wall_ns() - gt,
                        memory_order_relaxed);
  /* release: orders the offset before the valid word the kernel polls */
  atomic_store_explicit(RKC_ATOM32(&a->control->offset_valid), 1u, memory_order_release);
  return RK_OK;
}

rk_status_t rkc_actor_launch(const rkc_actor_config_t *cfg, rkc_actor_t **out) {
  if (!out) return rki_fail(RK_EINVAL, "GPU actor launch: out is NULL");
  *out = NULL;
  if (!cfg) return rki_fail(RK_EINVAL, "GPU actor launch: config is NULL");
  rk_status_t st = rkc_validate(cfg);
  if (st == RK_OK) st = rkc_fail_if_broken();
  if (st == RK_OK) st = rkc_use_device(cfg->device);
  if (st != RK_OK) return st;
  rkc_actor_t *a = calloc(1, sizeof *a);
  if (!a) return rki_fail(RK_ENOMEM, "GPU actor: out of host memory");
  a->cfg = *cfg;
  a->slot_words = RKC_ACTOR_SLOT_WORDS(cfg->payload_capacity);
  a->batch_max = (cfg->block / 32u) * RKC_SLOTS_PER_WARP;
  const char *nt = getenv("RINGKERNEL_CUDA_NT_STORES");
  a->nt_stores = nt && strcmp(nt, "1") == 0;
  pthread_mutex_init(&a->send_lock, NULL);
  rkc_range_push("rk.launch");
  st = rkc_alloc_all(a);
  if (st == RK_OK) st = rkc_directory_add(cfg->directory, cfg->actor_id, a->inbox);
  if (st == RK_OK) st = rkc_start_kernel(a);
  if (st == RK_OK) st = rkc_wait_started(a);
  rkc_range_pop();
  if (st != RK_OK) {
    char detail[1024];
    snprintf(detail, sizeof detail, "%s", rk_last_error());
    rkc_actor_destroy(a);
    return rki_fail(st, "%s", detail);
  }
  *out = a;
  return RK_OK;
}

rk_status_t rkc_actor_set_active(rkc_actor_t *a, bool active) {
  if (a->terminated) return rki_fail(RK_ESHUTDOWN, "GPU actor terminated");
  uint32_t want = active ? 1u : 0u;
  atomic_store_explicit(RKC_ATOM32(&a->control->active), want, memory_order_release);
  int64_t deadline = rkc_mono_ns() + 2000000000ll;
  while (rkc_dev_u32(&a->control->active_ack) != want) {
    cudaError_t e = cudaStreamQuery(a->stream);
    if (e != cudaErrorNotReady)
      return e == cudaSuccess ? rki_fail(RK_ECUDA, "GPU actor %llu: kernel exited unexpectedly",
                                         (unsigned long long)a->cfg.actor_id)
                              : RKC_CHECK(e);
    if (rkc_mono_ns() > deadline)
      return rki_fail(RK_ESTUCK, "GPU actor %llu did not %s within 2 s",
                      (unsigned long long)a->cfg.actor_id, active ? "activate" : "deactivate");
    rkc_sleep_ns(2000);
  }
  return RK_OK;
}

/* Waits for `terminated` until deadline (monotonic ns). */
static bool rkc_wait_terminated(rkc_actor_t *a, int64_t deadline) {
  while (!rkc_dev_u32(&a->control->terminated)) {
    cudaError_t e = cudaStreamQuery(a->stream);
    if (e != cudaErrorNotReady) {
      (void)RKC_CHECK(e);
      return true; /* the kernel is gone (finished or faulted) */
    }
    if (rkc_mono_ns() > deadline) return false;
    rkc_sleep_ns(20000);
  }
  return true;
}

/* Waits until every block of the kernel has returned, until deadline (monotonic ns). */
static rk_status_t rkc_wait_kernel_done(rkc_actor_t *a, int64_t deadline) {
  for (;;) {
    cudaError_t e = cudaStreamQuery(a->stream);
    if (e != cudaErrorNotReady) return RKC_CHECK(e);
    if (rkc_mono_ns() > deadline)
      return rki_fail(RK_ESTUCK,
                      "GPU actor %llu: block 0 stopped but other blocks of its grid did not "
                      "(never resident while other actors hold the device?)",
                      (unsigned long long)a->cfg.actor_id);
    rkc_sleep_ns(20000);
  }
}

rk_status_t rkc_actor_terminate(rkc_actor_t *a, bool drain, int64_t timeout_ns) {
  if (!a) return rki_fail(RK_EINVAL, "GPU actor is NULL");
  if (a->terminated)
    return a->stuck ? rki_fail(RK_ESTUCK, "GPU actor %llu did not stop earlier",
                               (unsigned long long)a->cfg.actor_id)
                    : RK_OK;
  if (!a->launched) {
    a->terminated = true;
    return RK_OK;
  }
  rkc_range_push("rk.terminate");
  /* No new sender finds this actor from now on; senders that cached its inbox still
   * reach it until its loop, seeing terminate, seals the inbox (cuda/README.md, Sealing
   * an inbox): what they sent before is handled (drain) or returned by take_input. */
  rkc_directory_remove(a->cfg.directory, a->cfg.actor_id);
  /* drain: timeout_ns bounds the drain (< 0: up to 60 s, never forever); then, or
   * without drain, the kernel gets a stop grace (timeout_ns when a non-drain caller
   * gives one, else 5 s) before it counts as stuck. */
  int64_t grace = (!drain && timeout_ns > 0) ? timeout_ns : 5000000000ll;
  bool done = false;
  if (drain) { /* a deactivated actor is drained too */
    int64_t limit = timeout_ns < 0 ? 60000000000ll : timeout_ns;
    atomic_store_explicit(RKC_ATOM32(&a->control->active), 1u, memory_order_relaxed);
    atomic_store_explicit(RKC_ATOM32(&a->control->terminate), 2u, memory_order_release);
    done = rkc_wait_terminated(a, rkc_mono_ns() + limit);
  }
  if (!done) {
    atomic_store_explicit(RKC_ATOM32(&a->control->terminate), 1u, memory_order_release);
    done = rkc_wait_terminated(a, rkc_mono_ns() + grace);
  }
  rkc_range_pop();
  if (!done) {
    a->stuck = true;
    a->terminated = true;
    return rki_fail(RK_ESTUCK, "GPU actor %llu did not stop within %lld ms of being told to",
                    (unsigned long long)a->cfg.actor_id, (long long)(grace / 1000000));
  }
  a->terminated = true;
  /* Block 0 has left; the other blocks of a grid leave when they see `stop`, which needs
   * them resident: bounded, so a grid squeezed out by other actors is reported, not
   * waited for forever. */
  rk_status_t st = rkc_wait_kernel_done(a, rkc_mono_ns() + grace);
  if (st == RK_ESTUCK) {
    a->stuck = true;
    return st;
  }
  rkc_note_stopped(a);
  a->take_pos = rkc_dev_u64(&a->control->h2k_head);
  return st;
}

void rkc_actor_destroy(rkc_actor_t *a) {
  if (!a) return;
  if (a->launched && !a->terminated) (void)rkc_actor_terminate(a, false, 2000000000ll);
  rkc_directory_remove(a->cfg.directory, a->cfg.actor_id);
  rkc_free_all(a);
  pthread_mutex_destroy(&a->send_lock);
  free(a);
}

/* ---- H2K producer ------------------------------------------------------------------ */
static bool rkc_h2k_room(rkc_actor_t *a) {
  if (a->h2k_tail - a->h2k_head_cache < a->cfg.input_capacity) return true;
  /* acquire: pairs with the device's publish of h2k_head after it read the slots */
  a->h2k_head_cache = rkc_dev_u64(&a->control->h2k_head);
  return a->h2k_tail - a->h2k_head_cache < a->cfg.input_capacity;
}

/* Room for an entry of `bytes` in the H2K spill ring (send_lock held): *start and *end
 * as rkc_spill_reserve gives them. The device's consumed position is read only when the
 * cached one says there is no room, as for the ring itself. */
static bool rkc_h2k_spill_room(rkc_actor_t *a, uint32_t bytes, uint64_t *start, uint64_t *end) {
  if (rkc_spill_reserve(a->h2k_spill_tail, a->h2k_spill_head_cache, RKC_SPILL_RING_BYTES, bytes,
                        start, end))
    return true;
  /* The consumer position first: the device publishes h2k_spill_head before h2k_head, so
   * the spill position read next is at least as new, and the refusal's space signal
   * (rkc_actor_take_space_signal) fires once the device moves past this position. */
  a->h2k_head_cache = rkc_dev_u64(&a->control->h2k_head);
  /* acquire: pairs with the device's publish after the entry's handler returned */
  a->h2k_spill_head_cache = rkc_dev_u64(&a->control->h2k_spill_head);
  return rkc_spill_reserve(a->h2k_spill_tail, a->h2k_spill_head_cache, RKC_SPILL_RING_BYTES, bytes,
                           start, end) != 0;
}

/* Writes a message whose payload is larger than the slot into H2K position `pos`: the
 * payload into the spill ring, then the slot with RKC_FLAG_SPILLED and the reference.
 * False (nothing written) when the payload is above RK_MAX_PAYLOAD_SIZE, the actor has no
 * spill ring, or the device has not freed enough of it yet: the caller stops there, as
 * for a full ring, and keeps the message. */
static bool rkc_enqueue_spilled(rkc_actor_t *a, const rk_message_header_t *h, const void *payload,
                                uint64_t pos, bool nt) {
  uint64_t start, end;
  if (!a->h2k_spill || h->payload_size > RK_MAX_PAYLOAD_SIZE ||
      !rkc_h2k_spill_room(a, (uint32_t)h->payload_size, &start, &end))
    return false;
  uint8_t *entry = a->h2k_spill + start % RKC_SPILL_RING_BYTES;
  memcpy(entry, payload, h->payload_size);
#if defined(__x86_64__)
  _mm_sfence(); /* a large memcpy may use non-temporal stores: drain them before the slot */
#endif
  atomic_thread_fence(memory_order_release); /* the entry's bytes before the slot's words */
  rkc_header_t c;
  rkc_compact(h, &c);
  c.flags_priority |= RKC_FLAG_SPILLED;
  const rkc_spill_ref_t ref = {(uint64_t)(uintptr_t)entry, end};
  const uint32_t cap = a->cfg.input_capacity;
  _Atomic uint64_t *slot = a->h2k + (pos & (cap - 1)) * a->slot_words;
  const uint32_t flag = rkc_flag(pos, cap);
  if (nt) {
    rkc_encode_words_nt(slot + RKC_HEADER_WORDS, &ref, sizeof ref, flag);
    rkc_encode_words_nt(slot, &c, sizeof c, flag);
  } else {
    rkc_encode_words(slot + RKC_HEADER_WORDS, &ref, sizeof ref, flag);
    rkc_encode_words(slot, &c, sizeof c, flag);
  }
  a->h2k_spill_tail = end;
  return true;
}

/* An enqueue stopped short: the space signal waits for the device to move past the
 * consumer position last read (fresh after a full ring or a full spill ring). */
static void rkc_note_refusal(rkc_actor_t *a) {
  a->in_rejected++;
  atomic_store_explicit(&a->refused_head, a->h2k_head_cache, memory_order_relaxed);
  atomic_store_explicit(&a->space_wanted, true, memory_order_relaxed);
}

size_t rkc_actor_enqueue(rkc_actor_t *a, const rk_message_header_t *const *hdrs,
                         const void *const *payloads, size_t n) {
  if (a->terminated || n == 0) return 0;
  /* Batches go out with non-temporal stores (measured: 44 vs 88 ns per 64-byte message,
   * the lines are not read into the cache first); single messages keep plain stores, which
   * measured the same or faster for the round trip. */
  const bool nt = a->nt_stores || n >= RKC_NT_BATCH_MIN;
  pthread_mutex_lock(&a->send_lock);
  size_t i = 0;
  const uint32_t cap = a->cfg.input_capacity;
  for (; i < n; i++) {
    if (!rkc_h2k_room(a)) break;
    uint64_t pos = a->h2k_tail;
    if (hdrs[i]->payload_size > a->cfg.payload_capacity) {
      if (!rkc_enqueue_spilled(a, hdrs[i], payloads[i], pos, nt)) break;
      a->h2k_tail = pos + 1;
      continue;
    }
    rkc_header_t c;
    rkc_compact(hdrs[i], &c);
    rkc_write_slot(a->h2k + (pos & (cap - 1)) * a->slot_words, rkc_flag(pos, cap), &c,
                   (const uint8_t *)payloads[i], nt);
    a->h2k_tail = pos + 1;
  }
#if defined(__x86_64__)
  if (nt) _mm_sfence(); /* drain the write-combining buffers now */
#endif
  if (i) {
    /* release: the slots' words before the producer position (the device uses it only to
     * size its batch; every word also carries its own flag) */
    atomic_store_explicit(RKC_ATOM64(&a->control->h2k_tail), a->h2k_tail, memory_order_release);
    uint64_t depth = a->h2k_tail - a->h2k_head_cache;
    if (depth > a->in_max_depth) a->in_max_depth = depth;
  }
  if (i < n) rkc_note_refusal(a);
  pthread_mutex_unlock(&a->send_lock);
  return i;
}

bool rkc_actor_take_space_signal(rkc_actor_t *a) {
  if (!atomic_load_explicit(&a->space_wanted, memory_order_relaxed)) return false;
  uint64_t head = rkc_dev_u64(&a->control->h2k_head);
  if (head == atomic_load_explicit(&a->refused_head, memory_order_relaxed)) return false;
  atomic_store_explicit(&a->space_wanted, false, memory_order_relaxed);
  return true;
}

/* ---- K2H consumer ------------------------------------------------------------------ */
uint64_t rkc_actor_output_position(rkc_actor_t *a) {
  return atomic_load_explicit(&a->k2h_head, memory_order_relaxed);
}

bool rkc_actor_output_visible(rkc_actor_t *a) {
  const uint32_t cap = a->cfg.output_capacity;
  uint64_t head = rkc_actor_output_position(a);
  uint64_t v =
      atomic_load_explicit(a->k2h + (head & (cap - 1)) * a->slot_words, memory_order_relaxed);
  return (uint32_t)(v >> 32) == rkc_flag(head, cap);
}

/* Fetches the lines of output record `pos` into the host cache ahead of its decode: host
 * reads of lines the device just wrote miss the cache, and overlapping those misses is
 * what a batch gains. */
static void rkc_prefetch_record(const rkc_actor_t *a, uint64_t pos) {
  const char *rec = (const char *)(a->k2h + (pos & (a->cfg.output_capacity - 1)) * a->slot_words);
  for (uint32_t off = 0; off < a->slot_words * 8u && off < 512u; off += 64u)
    __builtin_prefetch(rec + off, 0, 3);
}

/* Raises the recorded output high-water mark. The depth is sampled (per 64 records read,
 * and at every counters snapshot), so a burst the host drains between samples can go
 * unrecorded; a depth above 2^40 is a torn read of a moving tail and is ignored. */
static void rkc_note_output_depth(rkc_actor_t *a, uint64_t depth) {
  if (depth >= (1ull << 40)) return;
  uint64_t seen = atomic_load_explicit(&a->out_max_depth, memory_order_relaxed);
  while (depth > seen &&
         !atomic_compare_exchange_weak_explicit(&a->out_max_depth, &seen, depth,
                                                memory_order_relaxed, memory_order_relaxed)) {
  }
}

/* Publishes the consumer position for the device (it reads it only when its cached copy
 * says K2H is full) and samples the output depth once per 64 records: reading the
 * device's line costs a cache miss, too much for every record. */
static void rkc_publish_consumed(rkc_actor_t *a, uint64_t before, uint64_t head) {
  /* release: our reads of the slots before the device may overwrite them */
  atomic_store_explicit(RKC_ATOM64(&a->control->k2h_head), head, memory_order_release);
  if ((before >> 6) == (head >> 6)) return;
  rkc_note_output_depth(a, rkc_dev_u64(&a->control->k2h_tail) - head);
}

/* A spilled record was consumed: its spill entry goes back to the device at once (it may
 * be waiting for room to write a large reply). */
static void rkc_release_k2h_spill(rkc_actor_t *a, rkc_spill_view_t *spill) {
  /* release: our copy out of the entry before the device may overwrite it */
  atomic_store_explicit(RKC_ATOM64(&a->control->k2h_spill_head), spill->end, memory_order_release);
  spill->end = 0;
}
#define RKC_PUBLISH_EVERY 64u   /* records consumed between publishes within one batch */

/* The decode loop of both dequeue calls; *st is RK_ECUDA when a visible record never
 * completed (left in place), else RK_OK. */
static size_t rkc_dequeue(rkc_actor_t *a, size_t max, void *payload, rkc_record_fn fn, void *ctx,
                          rk_status_t *st) {
  const uint32_t cap = a->cfg.output_capacity;
  const uint64_t first = rkc_actor_output_position(a);
  uint64_t head = first, published = first;
  rkc_spill_view_t spill = {a->k2h_spill, 0};
  *st = RK_OK;
  const uint32_t ahead = RKC_DEQUEUE_PREFETCH;
  for (uint32_t k = 1; k < ahead && max > 1; k++)
    rkc_prefetch_record(a, head + k);
  while (head - first < max) {
    _Atomic uint64_t *slot = a->k2h + (head & (cap - 1)) * a->slot_words;
    uint32_t flag = rkc_flag(head, cap);
    if ((uint32_t)(atomic_load_explicit(slot, memory_order_relaxed) >> 32) != flag) break;
    if (max > 1) rkc_prefetch_record(a, head + ahead);
    rkc_header_t c;
    *st = rkc_read_slot(slot, flag, &c, payload, a->cfg.payload_capacity, &spill);
    if (*st != RK_OK) break;
    int32_t dead = 0;
    if (c.flags_priority & RKC_FLAG_DEAD_LETTER) {
      int32_t s;
      memcpy(&s, payload, 4);
      dead = s ? s : RK_EHANDLER;
      c.flags_priority &= ~RKC_FLAG_DEAD_LETTER;
      c.payload_size = 0;
    }
    rk_message_header_t h;
    rkc_expand(&c, &h);
    if (!fn(ctx, &h, payload, dead)) break;
    head++;
    atomic_store_explicit(&a->k2h_head, head, memory_order_relaxed);
    if (spill.end) rkc_release_k2h_spill(a, &spill);
    if (head - published >= RKC_PUBLISH_EVERY) {
      rkc_publish_consumed(a, published, head);
      published = head;
    }
  }
  if (head != published) rkc_publish_consumed(a, published, head);
  return (size_t)(head - first);
}

size_t rkc_actor_dequeue_many(rkc_actor_t *a, size_t max, void *payload, rkc_record_fn fn,
                              void *ctx) {
  rk_status_t st;
  return rkc_dequeue(a, max, payload, fn, ctx, &st);
}

typedef struct rkc_one_out {
  rk_message_header_t *hdr;
  int32_t *dead_status;
} rkc_one_out_t;

static bool rkc_take_one(void *ctx, const rk_message_header_t *hdr, const void *payload,
                         int32_t dead_status) {
  (void)payload; /* decoded into the caller's buffer already */
  rkc_one_out_t *o = ctx;
  *o->hdr = *hdr;
  *o->dead_status = dead_status;
  return true;
}

rk_status_t rkc_actor_dequeue(rkc_actor_t *a, rk_message_header_t *hdr, void *payload,
                              int32_t *dead_status) {
  rkc_one_out_t o = {hdr, dead_status};
  rk_status_t st;
  if (rkc_dequeue(a, 1, payload, rkc_take_one, &o, &st) == 1) return RK_OK;
  return st != RK_OK ? st : RK_EAGAIN;
}

size_t rkc_actor_output_depth(rkc_actor_t *a) {
  uint64_t tail = rkc_dev_u64(&a->control->k2h_tail);
  uint64_t head = rkc_actor_output_position(a);
  size_t depth = tail > head ? (size_t)(tail - head) : 0;
  if (depth == 0 && rkc_actor_output_visible(a)) depth = 1;
  return depth;
}

/* ---- after terminate ---------------------------------------------------------------- */
/* The copy runs on the actor's own stream (idle once the kernel returned): a copy on the
 * legacy default stream could wait for other streams' work. The kernel sealed the inbox
 * as it left (RKC_INBOX_SEALED in tail) after every claim below the final tail was
 * published (or its wait gave up: such a slot is skipped below), so the copy holds every
 * message a sender was told was delivered and the loop did not handle. */
static rk_status_t rkc_copy_inbox(rkc_actor_t *a) {
  size_t bytes = rkc_inbox_bytes(&a->cfg);
  uint8_t *copy = malloc(bytes);
  if (!copy)
    return rki_fail(RK_ENOMEM, "GPU actor: out of host memory for a %zu-byte inbox copy", bytes);
  rk_status_t st =
      RKC_CHECK(cudaMemcpyAsync(copy, a->inbox, bytes, cudaMemcpyDeviceToHost, a->stream));
  if (st == RK_OK) st = RKC_CHECK(cudaStreamSynchronize(a->stream));
  if (st != RK_OK) {
    free(copy);
    return st;
  }
  const rkc_inbox_t *ib = (const rkc_inbox_t *)copy;
  a->inbox_copy = copy;
  a->inbox_pos = ib->head;
  a->inbox_end = ib->tail & ~RKC_INBOX_SEALED;
  return RK_OK;
}

static rk_status_t rkc_take_inbox(rkc_actor_t *a, rk_message_header_t *hdr, void *payload) {
  if (!a->inbox_copy) {
    rk_status_t st = rkc_copy_inbox(a);
    if (st != RK_OK) return st;
  }
  const uint64_t slot_bytes = rkc_inbox_slot_bytes(a->cfg.payload_capacity);
  const uint32_t cap = a->cfg.input_capacity;
  while (a->inbox_pos < a->inbox_end) {
    const rkc_inbox_slot_t *slot =
        (const rkc_inbox_slot_t *)(a->inbox_copy + sizeof(rkc_inbox_t) +
                                   (a->inbox_pos & (cap - 1)) * slot_bytes);
    uint64_t pos = a->inbox_pos++;
    if (slot->seq != pos + 1) continue; /* claimed by a sender that never published */
    if (slot->header.payload_size > a->cfg.payload_capacity)
      return rki_fail(RK_ECUDA,
                      "GPU actor %llu: inbox record %llu claims %u payload bytes > "
                      "capacity %u",
                      (unsigned long long)a->cfg.actor_id, (unsigned long long)pos,
                      slot->header.payload_size, a->cfg.payload_capacity);
    rkc_expand(&slot->header, hdr);
    memcpy(payload, slot + 1, slot->header.payload_size);
    return RK_OK;
  }
  return RK_EAGAIN;
}

rk_status_t rkc_actor_take_input(rkc_actor_t *a, rk_message_header_t *hdr, void *payload) {
  if (!a->terminated || a->stuck)
    return rki_fail(RK_ESTATE, "take_input needs a terminated GPU actor");
  if (a->take_pos < a->h2k_tail) {
    const uint32_t cap = a->cfg.input_capacity;
    rkc_header_t c;
    rkc_spill_view_t spill = {a->h2k_spill, 0};
    rk_status_t st =
        rkc_read_slot(a->h2k + (a->take_pos & (cap - 1)) * a->slot_words,
                      rkc_flag(a->take_pos, cap), &c, payload, a->cfg.payload_capacity, &spill);
    if (st != RK_OK) return st;
    a->take_pos++;
    c.flags_priority &= ~RKC_FLAG_SPILLED;
    rkc_expand(&c, hdr);
    return RK_OK;
  }
  return rkc_take_inbox(a, hdr, payload);
}

/* ---- counters ----------------------------------------------------------------------- */
void rkc_actor_counters(rkc_actor_t *a, rkc_actor_counters_t *out) {
  memset(out, 0, sizeof *out);
  out->processed = rkc_dev_u64(&a->control->processed);
  out->dead_letters = rkc_dev_u64(&a->control->dead_letters);
  pthread_mutex_lock(&a->send_lock);
  out->in_enqueued = a->h2k_tail;
  out->in_rejected = a->in_rejected;
  out->in_max_depth = a->in_max_depth;
  pthread_mutex_unlock(&a->send_lock);
  out->in_dequeued = rkc_dev_u64(&a->control->h2k_head);
  out->out_dequeued = rkc_actor_output_position(a);
  out->out_enqueued = rkc_dev_u64(&a->control->k2h_tail);
  if (out->out_enqueued > out->out_dequeued)
    rkc_note_output_depth(a, out->out_enqueued - out->out_dequeued);
  out->out_max_depth = atomic_load_explicit(&a->out_max_depth, memory_order_relaxed);
}

void rkc_actor_profile(rkc_actor_t *a, rk_cuda_actor_profile_t *out) {
  const rkc_control_t *c = a->control;
  out->messages = rkc_dev_u64(&c->prof_messages);
  out->replies = rkc_dev_u64(&c->prof_replies);
  out->k2k_sent = rkc_dev_u64(&c->prof_k2k_sent);
  out->k2k_received = rkc_dev_u64(&c->prof_k2k_received);
  out->k2k_full = rkc_dev_u64(&c->prof_k2k_full);
  out->busy_cycles = rkc_dev_u64(&c->prof_busy_cycles);
  out->idle_polls = rkc_dev_u64(&c->prof_idle_polls);
}

uint64_t rkc_actor_device_bytes(const rkc_actor_t *a) {
  return a->device_bytes;
}
uint64_t rkc_actor_partial_reads(rkc_actor_t *a) {
  return rkc_dev_u64(&a->control->prof_partial_reads);
}
void rkc_actor_set_nt_stores(rkc_actor_t *a, bool on) {
  a->nt_stores = on;
}
uint32_t rkc_actor_payload_capacity(const rkc_actor_t *a) {
  return a->cfg.payload_capacity;
}
uint32_t rkc_actor_max_payload(const rkc_actor_t *a) {
  return a->h2k_spill ? RK_MAX_PAYLOAD_SIZE : a->cfg.payload_capacity;
}

void rkc_actor_diag(rkc_actor_t *a, rkc_actor_diag_t *out) {
  const rkc_control_t *c = a->control;
  out->polls = rkc_dev_u64(&c->diag_polls);
  out->poll_cycles = rkc_dev_u64(&c->diag_poll_cycles);
  out->solo = rkc_dev_u64(&c->diag_solo);
  out->solo_cycles = rkc_dev_u64(&c->diag_solo_cycles);
  out->batches = rkc_dev_u64(&c->diag_batches);
  out->batch_cycles = rkc_dev_u64(&c->diag_batch_cycles);
  out->pace = rkc_dev_u64(&c->diag_pace);
  out->repolls = rkc_dev_u64(&c->diag_repolls);
  out->watch_polls = rkc_dev_u64(&c->diag_watch_polls);
  out->watch_cycles = rkc_dev_u64(&c->diag_watch_cycles);
  out->inbox_solo = rkc_dev_u64(&c->diag_inbox_solo);
  out->inbox_solo_cycles = rkc_dev_u64(&c->diag_inbox_solo_cycles);
  out->helper_messages = rkc_dev_u64(&c->diag_helper_messages);
  out->batch_msgs = rkc_dev_u64(&c->diag_batch_msgs);
  out->seal_unpublished = rkc_dev_u64(&c->diag_seal_unpublished);
  for (int i = 0; i < 3; i++)
    out->bphase[i] = rkc_dev_u64(&c->diag_bphase[i]);
  for (int i = 0; i < 4; i++)
    out->probe[i] = rkc_dev_u64(&c->diag_probe[i]);
}
rkc_inbox_t *rkc_actor_inbox(const rkc_actor_t *a) {
  return a->inbox;
}

/* The poller asks this on every pass; cudaStreamQuery is a driver call (~1 µs, under
 * the driver's lock), which slowed every pass and with it every reply's notification:
 * a dead kernel is looked for once per millisecond. */
#define RKC_HEALTH_EVERY_NS 1000000ll

rk_status_t rkc_actor_health(rkc_actor_t *a) {
  if (a->terminated || !a->launched) return RK_OK;
  const int64_t now = rkc_mono_ns();
  if (now - a->health_checked_ns < RKC_HEALTH_EVERY_NS) return RK_OK;
  a->health_checked_ns = now;
  cudaError_t e = cudaStreamQuery(a->stream);
  if (e == cudaErrorNotReady) return RK_OK;
  if (e == cudaSuccess)
    return rki_fail(RK_ECUDA, "GPU actor %llu: kernel exited unexpectedly",
                    (unsigned long long)a->cfg.actor_id);
  return RKC_CHECK(e);
}
