/* cuda_pinned.h — memory an actor gives back while other actors may still run.
 *
 * cudaFreeHost and cudaFree wait for the whole device, and a device that runs a
 * persistent actor never idles: freeing one actor's mapped pinned memory while another
 * actor lives would block forever. So freed pinned blocks stay here, kept by size class
 * and reused by later launches, and an actor's K2K inbox (device memory other actors may
 * still hold a cached pointer to) is parked, never reused; both are really freed only when
 * no actor of the process runs. "Runs" is counted from just before a kernel launch until
 * the host saw that kernel return; a stuck kernel counts for the rest of the process.
 * Every function may be called from any thread. */
#ifndef RK_CUDA_PINNED_H
#define RK_CUDA_PINNED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ringkernel/status.h"

/* Zeroed mapped, portable pinned memory of at least `bytes` (a cached block when one of
 * the same size class is free). *out is NULL on failure. RK_EINVAL for 0 bytes, RK_ECUDA. */
rk_status_t rkc_pinned_alloc(size_t bytes, void **out);
/* Gives back a block of rkc_pinned_alloc (same `bytes`): freed at once when no actor
 * runs, else cached. NULL-tolerant. */
void rkc_pinned_free(void *p, size_t bytes);
/* Device memory (cudaMallocAsync) that kernels may still reach through a stale pointer:
 * freed at once when no actor runs, else parked until none does. NULL-tolerant. */
void rkc_pinned_park_device(void *p, size_t bytes, int32_t device);

/* An actor kernel is about to be launched / was seen to have returned. */
void rkc_pinned_actor_running(void);
void rkc_pinned_actor_stopped(void);
/* Runs fn(ctx) only if no actor kernel runs, and keeps any from being launched while it
 * does (for calls that wait for an idle device, such as loading a module); returns
 * whether it ran. */
bool rkc_pinned_run_idle(void (*fn)(void *), void *ctx);
/* Frees what is cached and parked when no actor runs (backend fini); else nothing. */
void rkc_pinned_release(void);

typedef struct rkc_pinned_stats {
  uint64_t running;      /* actor kernels counted as running */
  uint64_t cached_bytes; /* pinned blocks kept for reuse */
  uint64_t parked_bytes; /* device blocks waiting for an idle device */
  uint64_t reused;       /* allocations served from the cache */
} rkc_pinned_stats_t;
void rkc_pinned_stats(rkc_pinned_stats_t *out);

#endif /* RK_CUDA_PINNED_H */
