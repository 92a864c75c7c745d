/* rk_actor_kernel.cu — the precompiled persistent actor kernel (sm_90) with the built-in
 * device handlers, which mirror the CPU built-ins of runtime/src/handlers_builtin*.c. */
#include <cuda_runtime.h>

#include "rk_actor_loop.cuh"
#include "cuda_kernels.h"

#define RKC_SUM_TYPE_INT64 0x53554D49ull /* RK_SUM_TYPE_INT64 of ringkernel/handler.h */

static __device__ int rk_dev_echo(rk_dev_ctx_t *ctx, const rk_dev_msg_t *msg) {
  return rk_dev_reply(ctx, msg, msg->message_type, msg->payload, msg->payload_size);
}

/* float64 (or int64 for RK_SUM_TYPE_INT64) sum, added left to right by lane 0 so the
 * result is bit-identical to the CPU handler's. */
static __device__ int rk_dev_sum(rk_dev_ctx_t *ctx, const rk_dev_msg_t *msg) {
  if (msg->payload_size % 8u) return RK_DEV_EINVAL;
  uint32_t n = msg->payload_size / 8u;
  uint64_t bits = 0;
  if (rk_dev_lane() == 0) {
    if (msg->message_type == RKC_SUM_TYPE_INT64) {
      uint64_t acc = 0;
      for (uint32_t i = 0; i < n; i++) {
        uint64_t v;
        memcpy(&v, msg->payload + 8u * i, 8);
        acc += v;
      }
      bits = acc;
    } else {
      double acc = 0.0;
      for (uint32_t i = 0; i < n; i++) {
        double v;
        memcpy(&v, msg->payload + 8u * i, 8);
        acc += v;
      }
      memcpy(&bits, &acc, 8);
    }
  }
  bits = __shfl_sync(0xffffffffu, bits, 0);
  return rk_dev_reply(ctx, msg, msg->message_type, &bits, 8);
}

/* Replies the running count of messages handled, this one included, as a u64. */
static __device__ int rk_dev_count(rk_dev_ctx_t *ctx, const rk_dev_msg_t *msg) {
  uint64_t count = rk_dev_messages_handled(ctx) + 1u;
  return rk_dev_reply(ctx, msg, msg->message_type, &count, 8);
}

#define RKC_FORWARD_PATIENCE_NS 1000000ull

/* K2K to the launch option forward_to, unchanged; no reply. A full destination is
 * back-pressure: the send is retried for up to 1 ms before the message is dead-lettered
 * (the CPU handler's verdict for a refused delivery). */
static __device__ int rk_dev_forward(rk_dev_ctx_t *ctx, const rk_dev_msg_t *msg) {
  uint64_t dest = ctx->params->forward_to;
  if (dest == 0) return RK_DEV_ENOTFOUND;
  /* lane 0's clock decides for the warp: lanes reading their own could disagree and leave
   * the warp split before the next (warp-collective) send */
  const unsigned long long start = __shfl_sync(0xffffffffu, rkc_globaltimer(), 0);
  for (;;) {
    int st = rk_dev_send(ctx, msg, dest, msg->message_type, msg->payload, msg->payload_size);
    if (st != RK_DEV_EAGAIN) return st;
    const unsigned long long now = __shfl_sync(0xffffffffu, rkc_globaltimer(), 0);
    if (now - start > RKC_FORWARD_PATIENCE_NS) return st;
    __nanosleep(200);
  }
}

struct rkc_builtin_handlers {
  static __device__ int call(rk_dev_ctx_t *ctx, const rk_dev_msg_t *msg) {
    switch (ctx->params->handler) {
    case RKC_HANDLER_SUM: return rk_dev_sum(ctx, msg);
    case RKC_HANDLER_COUNT: return rk_dev_count(ctx, msg);
    case RKC_HANDLER_FORWARD: return rk_dev_forward(ctx, msg);
    default: return rk_dev_echo(ctx, msg);
    }
  }
};

/* The echo and forward built-ins run in registers where a message allows it. */
template <> struct rkc_register_builtins<rkc_builtin_handlers> {
  static constexpr bool value = true;
};

/* 512 threads must fit: a 512-thread block reads 256 slots per batch in about the time
 * 256 threads read 128 (the read of host memory is latency-bound), so the widest block is
 * the throughput choice. The bound keeps it possible whatever the loop needs: unbounded,
 * the compiler took 136 registers at one point (480 threads at most), 114 at another,
 * with the same drain rate as bounded at 128. */
extern "C" __global__ void __launch_bounds__(512, 1) rk_k_actor_builtin(rkc_actor_params_t params) {
  rkc_actor_main<rkc_builtin_handlers>(params);
}

extern "C" const void *rkc_builtin_kernel(void) {
  return (const void *)rk_k_actor_builtin;
}
