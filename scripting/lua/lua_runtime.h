/* lua_runtime.h — what lua_runtime.c, lua_kernel.c, lua_serve.c and lua_k2k.c share.
 *
 * Ownership: a RingKernel userdata owns its rk_runtime_t (destroyed by __gc). Its
 * environment table holds `kernels` (kernel id -> the one KernelHandle of that kernel)
 * and `handlers` (kernel id -> Lua function of a script kernel). Every KernelHandle and
 * every broker obtained from the runtime keeps the RingKernel userdata in its own
 * environment, so the C objects they point to live as long as they do: kernel pointers
 * are valid until rk_runtime_destroy, which only __gc of the last reference runs.
 */
#ifndef RK_LUA_RUNTIME_H
#define RK_LUA_RUNTIME_H

#include "lua_util.h"
#include "ringkernel/k2k.h"
#include "ringkernel/runtime.h"

typedef struct rkl_runtime {
  rk_runtime_t *rt;
} rkl_runtime_t;

typedef struct rkl_kernel {
  rk_kernel_t *k;
} rkl_kernel_t;

extern const rkl_class_t rkl_runtime_class;
extern const rkl_class_t rkl_kernel_class;

/* `self` of a RingKernel method; RingKernelError "runtime is closed" once it is. */
rkl_runtime_t *rkl_rt_self(lua_State *L);
/* Pushes the cached KernelHandle of k (creating it), runtime userdata at rt_idx. */
void rkl_push_kernel(lua_State *L, int rt_idx, rk_kernel_t *k);
/* Pushes a K2KBroker wrapping a runtime-owned broker; owner_idx is kept alive by it. */
void rkl_push_runtime_broker(lua_State *L, rk_k2k_broker_t *b, int owner_idx);
/* Fills *out from the LaunchOptions at idx (nil = defaults) and pushes the script
 * handler function or nil. String pointers borrow from the options at idx. */
void rkl_options_get(lua_State *L, int idx, rk_launch_options_t *out);

/* Index of the reply stash in a KernelHandle's environment table (created lazily). */
#define RKL_KERNEL_STASH_SLOT 1

/* CLOCK_MONOTONIC in nanoseconds. */
int64_t rkl_now_ns(void);
/* The monotonic time timeout_ns from now; -1 (never) for a negative timeout or one so
 * large the sum would overflow. */
int64_t rkl_deadline_ns(int64_t timeout_ns);
/* The time left until a deadline from rkl_deadline_ns: -1 for none, 0 once it has
 * passed. */
int64_t rkl_left_ns(int64_t deadline_ns);

/* One step of a blocking wait; may block for at most slice_ns. */
typedef rk_status_t (*rkl_wait_step)(void *ctx, int64_t slice_ns);
/* Runs step in slices of at most 50 ms until it returns something other than
 * RK_ETIMEDOUT, RK_EAGAIN or RK_EINTR, or timeout_ns (< 0: forever) has passed, which
 * returns RK_ETIMEDOUT. Between slices it runs an empty Lua function, so a debug hook
 * (rkhost's Ctrl-C handler) can raise; no C resource is held across that point. */
rk_status_t rkl_wait(lua_State *L, rkl_wait_step step, void *ctx, int64_t timeout_ns);

/* rt:serve / rt:run_until_idle (lua_serve.c); self at 1. */
int rkl_runtime_serve(lua_State *L);
int rkl_runtime_run_until_idle(lua_State *L);

#endif /* RK_LUA_RUNTIME_H */
