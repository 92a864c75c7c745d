/* The runtime's threads block asynchronous signals, so a process-directed signal reaches
 * the application's own thread (Ctrl-C in a script), and leave their creator's mask as it
 * was. (The poller thread of device backends starts the same way; no device here.) */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>

#include "ringkernel/ringkernel.h"
#include "tests_common/rk_test.h"
#include "tests_common/rk_test_runtime.h"

static const int async_sigs[] = {SIGINT,  SIGTERM, SIGHUP,  SIGQUIT, SIGUSR1,
                                 SIGUSR2, SIGPIPE, SIGCHLD, SIGALRM};
enum { NSIGS = sizeof async_sigs / sizeof async_sigs[0] };

/* Replies one byte per signal of async_sigs (1: blocked on this worker), then one for
 * SIGSEGV, which must stay deliverable. */
static rk_status_t mask_probe(rk_handler_ctx_t *ctx, const rk_message_header_t *hdr,
                              const void *payload, size_t len, void *user) {
  (void)hdr, (void)payload, (void)len, (void)user;
  sigset_t cur;
  if (pthread_sigmask(SIG_BLOCK, NULL, &cur) != 0) return rk_ctx_fail(ctx, RK_EIO, "no mask");
  unsigned char out[NSIGS + 1];
  for (int i = 0; i < NSIGS; i++)
    out[i] = (unsigned char)sigismember(&cur, async_sigs[i]);
  out[NSIGS] = (unsigned char)sigismember(&cur, SIGSEGV);
  return rk_ctx_reply(ctx, out, sizeof out);
}

RK_TEST(workers_block_async_signals) {
  rk_runtime_t *rt = rk_test_cpu_runtime(2);
  rk_launch_options_t o;
  rk_launch_options_init(&o);
  o.handler = "mask_probe";
  rk_kernel_t *k = NULL;
  CHECK_OK(rk_runtime_launch(rt, "probe", &o, &k));
  /* several requests, so both workers are likely to answer at least one */
  for (int r = 0; r < 8; r++) {
    rk_message_t *reply = NULL;
    CHECK_OK(rk_kernel_request(k, NULL, "?", 1, 5000000000LL, &reply));
    CHECK_EQ_U64(rk_message_payload_size(reply), NSIGS + 1);
    const unsigned char *b = rk_message_payload(reply);
    for (int i = 0; i < NSIGS; i++)
      if (b[i] != 1) RK_FAIL_AT("signal %d not blocked on a worker", async_sigs[i]);
    CHECK_EQ_INT(b[NSIGS], 0);
    rk_message_free(reply);
  }
  rk_runtime_destroy(rt);
}

RK_TEST(creator_mask_unchanged) {
  sigset_t usr2, before, after;
  sigemptyset(&usr2);
  sigaddset(&usr2, SIGUSR2);
  CHECK_EQ_INT(pthread_sigmask(SIG_BLOCK, &usr2, &before), 0);
  rk_runtime_t *rt = rk_test_cpu_runtime(1);
  CHECK_EQ_INT(pthread_sigmask(SIG_BLOCK, NULL, &after), 0);
  CHECK_EQ_INT(sigismember(&after, SIGUSR2), 1); /* what the caller blocked stays blocked */
  CHECK_EQ_INT(sigismember(&after, SIGINT), 0);  /* and nothing more */
  rk_runtime_destroy(rt);
  CHECK_EQ_INT(pthread_sigmask(SIG_SETMASK, &before, NULL), 0);
}

int main(void) {
  CHECK_OK(rk_handler_register("mask_probe", mask_probe, NULL));
  RK_RUN(workers_block_async_signals);
  RK_RUN(creator_mask_unchanged);
  return rk_test_summary();
}
