/* thread_start.c — starting the runtime's own threads (CPU workers, the device poller)
 * with asynchronous signals blocked.
 *
 * A process-directed signal (Ctrl-C's SIGINT, a SIGTERM from a supervisor) goes to any
 * thread that does not block it. Python runs its signal handlers only on the main thread
 * and LuaJIT scripts expect their own thread to see EINTR, so the runtime's threads block
 * every asynchronous signal and the kernel always picks a script thread. A new thread
 * inherits its creator's mask, hence the mask is set around pthread_create and the
 * caller's restored right after.
 *
 * Left deliverable: the synchronous signals a fault raises on the faulting thread
 * (blocking those makes a fault kill the process without its handler, e.g. a
 * sanitizer's), SIGABRT (abort() must stay reportable), and SIGPROF (sampling profilers
 * must see the threads that do the work).
 */
#define _GNU_SOURCE
#include <signal.h>

#include "runtime_internal.h"

static void async_signals(sigset_t *set) {
  static const int keep[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGABRT, SIGPROF};
  sigfillset(set);
  for (size_t i = 0; i < sizeof keep / sizeof keep[0]; i++)
    sigdelset(set, keep[i]);
}

int rki_thread_start(pthread_t *thread, void *(*fn)(void *), void *arg) {
  sigset_t block, saved;
  async_signals(&block);
  int rc = pthread_sigmask(SIG_BLOCK, &block, &saved);
  if (rc != 0) return rc;
  rc = pthread_create(thread, NULL, fn, arg);
  pthread_sigmask(SIG_SETMASK, &saved, NULL);
  return rc;
}
