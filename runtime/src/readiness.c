/* readiness.c — the eventfd that tells event loops "replies or script work are waiting,
 * or an input that refused a send has room again".
 *
 * `ready_armed` keeps the hot path cheap: only the 0 -> 1 transition writes the eventfd,
 * so a burst of replies costs one system call until the loop clears it again.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "runtime_internal.h"

rk_status_t rki_ready_open(rk_runtime_t *rt) {
  rt->ready_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (rt->ready_fd < 0) return rki_fail(RK_EIO, "eventfd failed (errno %d)", errno);
  return RK_OK;
}

void rki_ready_close(rk_runtime_t *rt) {
  if (rt->ready_fd >= 0) close(rt->ready_fd);
  rt->ready_fd = -1;
}

void rki_ready_signal(rk_runtime_t *rt) {
  if (atomic_load_explicit(&rt->ready_armed, memory_order_relaxed)) return;
  /* acq_rel: pairs with the release store in rk_runtime_ready_clear. */
  if (atomic_exchange_explicit(&rt->ready_armed, true, memory_order_acq_rel)) return;
  uint64_t one = 1;
  ssize_t w = write(rt->ready_fd, &one, sizeof one);
  (void)w; /* EAGAIN means the counter is saturated: the fd is readable anyway */
}

int rk_runtime_ready_fd(const rk_runtime_t *rt) {
  return rt ? rt->ready_fd : -1;
}

void rk_runtime_ready_signal(rk_runtime_t *rt) {
  if (rt && rt->ready_fd >= 0) rki_ready_signal(rt);
}

void rk_runtime_ready_clear(rk_runtime_t *rt) {
  if (!rt) return;
  uint64_t v;
  ssize_t r = read(rt->ready_fd, &v, sizeof v);
  (void)r; /* EAGAIN: nothing was signalled */
  /* release: pairs with rki_ready_signal's exchange; signals after this point write again.
   * A signal between the read and this store is covered by the caller draining after
   * the clear (see runtime.h). */
  atomic_store_explicit(&rt->ready_armed, false, memory_order_release);
}
