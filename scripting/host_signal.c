/* host_signal.c — SIGINT while a Lua script runs (Python installs its own handler, which
 * turns the signal into KeyboardInterrupt).
 *
 * The handler is installed without SA_RESTART so that a script blocked in a system call
 * gets EINTR back and reaches the interpreter's next check point. The kernel may deliver
 * a process-directed signal to any thread that does not block it — a runtime worker
 * included — so the handler passes it on to the script's (main) thread, where the
 * interrupted system call and the interpreter are. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>

#include "host_internal.h"

_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "the signal handler needs a lock-free counter");

/* Relaxed throughout: the count publishes no other data, readers need only its value. */
static atomic_int rkh_sigint_count;
static rkh_interrupt_fn rkh_on_interrupt;
static struct sigaction rkh_sigint_previous;
static pthread_t rkh_script_thread;

static void rkh_sigint_handler(int sig) {
  if (!pthread_equal(pthread_self(), rkh_script_thread)) {
    pthread_kill(rkh_script_thread, sig);
    return;
  }
  if (atomic_fetch_add_explicit(&rkh_sigint_count, 1, memory_order_relaxed) == 0) {
    rkh_on_interrupt();
    return;
  }
  /* Second Ctrl-C: the script did not stop, so end the process as the signal says. */
  signal(sig, SIG_DFL);
  raise(sig);
}

void rkh_sigint_install(rkh_interrupt_fn on_interrupt) {
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = rkh_sigint_handler;
  sigemptyset(&action.sa_mask);
  rkh_on_interrupt = on_interrupt;
  rkh_script_thread = pthread_self();
  atomic_store_explicit(&rkh_sigint_count, 0, memory_order_relaxed);
  sigaction(SIGINT, &action, &rkh_sigint_previous);
}

void rkh_sigint_restore(void) { sigaction(SIGINT, &rkh_sigint_previous, NULL); }
