/* Script kernels (served by the caller's loop), the readiness fd, interrupt. */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>

#include "ringkernel/ringkernel.h"
#include "tests_common/rk_test.h"
#include "tests_common/rk_test_runtime.h"

#define SEC 1000000000LL

static rk_kernel_t *launch(rk_runtime_t *rt, const char *id, const char *handler) {
  rk_launch_options_t o;
  rk_launch_options_init(&o);
  o.handler = handler;
  rk_kernel_t *k = NULL;
  CHECK_OK(rk_runtime_launch(rt, id, &o, &k));
  return k;
}

static bool readable(int fd, int timeout_ms) {
  struct pollfd p = {fd, POLLIN, 0};
  return poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN);
}

/* One turn of a binding's serve loop: upper-cases the payload; type 99 fails. */
static rk_status_t serve_one(rk_runtime_t *rt, int64_t timeout, rk_kernel_t **served) {
  rk_kernel_t *k = NULL;
  rk_message_t *msg = NULL;
  rk_status_t st = rk_runtime_next_script_work(rt, timeout, &k, &msg);
  if (st != RK_OK) return st;
  *served = k;
  if (rk_message_header(msg)->message_type == 99) {
    rk_script_work_done(k, msg, RK_EHANDLER, "ValueError: script said no");
    return RK_OK;
  }
  char buf[64];
  size_t n = rk_message_payload_size(msg);
  for (size_t i = 0; i < n && i < sizeof buf; i++) {
    char c = ((const char *)rk_message_payload(msg))[i];
    buf[i] = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
  }
  CHECK_OK(rk_kernel_reply(k, msg, buf, n));
  rk_script_work_done(k, msg, RK_OK, NULL);
  return RK_OK;
}

RK_TEST(script_work_loop) {
  rk_runtime_t *rt = rk_test_cpu_runtime(1);
  rk_kernel_t *s1 = launch(rt, "py1", "script");
  rk_kernel_t *s2 = launch(rt, "py2", "script");
  rk_kernel_t *served = NULL;
  CHECK_STATUS(serve_one(rt, 0, &served), RK_EAGAIN);
  CHECK_STATUS(serve_one(rt, 1000000, &served), RK_ETIMEDOUT);
  CHECK_OK(rk_kernel_send_bytes(s1, 1, "abc", 3, 11, -1));
  CHECK_OK(rk_kernel_send_bytes(s1, 1, "def", 3, 12, -1));
  CHECK_OK(rk_kernel_send_bytes(s2, 1, "xyz", 3, 21, -1));
  CHECK_EQ_INT(rk_runtime_script_work_pending(rt), 3);
  /* kernels take turns: py1, py2, py1 */
  CHECK_OK(serve_one(rt, 0, &served));
  CHECK(served == s1);
  CHECK_OK(serve_one(rt, 0, &served));
  CHECK(served == s2);
  CHECK_OK(serve_one(rt, 0, &served));
  CHECK(served == s1);
  CHECK_EQ_INT(rk_runtime_script_work_pending(rt), 0);
  rk_message_t *m = NULL;
  CHECK_OK(rk_kernel_receive(s1, &m, 0));
  CHECK(memcmp(rk_message_payload(m), "ABC", 3) == 0);
  CHECK_EQ_U64(rk_message_header(m)->correlation_id, 11);
  CHECK_EQ_U64(rk_message_header(m)->source_kernel, rk_kernel_numeric_id(s1));
  rk_message_free(m);
  CHECK_OK(rk_kernel_receive(s1, &m, 0));
  CHECK(memcmp(rk_message_payload(m), "DEF", 3) == 0);
  rk_message_free(m);
  CHECK_OK(rk_kernel_receive(s2, &m, 0));
  CHECK(memcmp(rk_message_payload(m), "XYZ", 3) == 0);
  rk_message_free(m);
  /* a script error dead-letters with the script's detail */
  CHECK_OK(rk_kernel_send_bytes(s2, 99, "boom", 4, 0, -1));
  CHECK_OK(serve_one(rt, 0, &served));
  rk_dead_letter_t d;
  CHECK_OK(rk_kernel_pop_dead_letter(s2, &d));
  CHECK_EQ_INT(d.reason, RK_EHANDLER);
  CHECK_STR(d.detail, "ValueError: script said no");
  rk_kernel_status_t st;
  CHECK_OK(rk_kernel_status(s1, &st));
  CHECK_EQ_U64(st.messages_processed, 2);
  /* a deactivated script kernel hands out nothing and keeps its messages */
  CHECK_OK(rk_kernel_send_bytes(s1, 1, "later", 5, 0, -1));
  CHECK_OK(rk_kernel_deactivate(s1));
  CHECK_STATUS(serve_one(rt, 0, &served), RK_EAGAIN);
  CHECK_OK(rk_kernel_activate(s1));
  CHECK_OK(serve_one(rt, 0, &served));
  CHECK(served == s1);
  /* rk_kernel_reply refuses non-script kernels */
  rk_kernel_t *e = launch(rt, "echo", NULL);
  CHECK_OK(rk_kernel_receive(s1, &m, 0));
  CHECK_STATUS(rk_kernel_reply(e, m, "x", 1), RK_EINVAL);
  rk_message_free(m);
  CHECK_OK(rk_runtime_shutdown(rt));
  CHECK_STATUS(serve_one(rt, -1, &served), RK_ESHUTDOWN);
  rk_runtime_destroy(rt);
}

static void *serve_thread(void *arg) {
  rk_kernel_t *served = NULL;
  CHECK_OK(serve_one(arg, 10 * SEC, &served));
  return NULL;
}

RK_TEST(request_served_by_script_thread) {
  rk_runtime_t *rt = rk_test_cpu_runtime(1);
  rk_kernel_t *s = launch(rt, "py", "script");
  pthread_t th;
  pthread_create(&th, NULL, serve_thread, rt);
  rk_message_t *reply = NULL;
  CHECK_OK(rk_kernel_request(s, NULL, "hello", 5, 10 * SEC, &reply));
  CHECK(memcmp(rk_message_payload(reply), "HELLO", 5) == 0);
  rk_message_free(reply);
  pthread_join(th, NULL);
  /* nobody serving: the request times out, the request stays queued, nothing is lost */
  reply = NULL;
  CHECK_STATUS(rk_kernel_request(s, NULL, "q", 1, 2000000, &reply), RK_ETIMEDOUT);
  CHECK(reply == NULL);
  CHECK_EQ_INT(rk_runtime_script_work_pending(rt), 1);
  rk_kernel_t *served = NULL;
  CHECK_OK(serve_one(rt, 0, &served));
  rk_message_t *m = NULL;
  CHECK_OK(rk_kernel_receive(s, &m, 0)); /* the late reply is still delivered */
  CHECK(memcmp(rk_message_payload(m), "Q", 1) == 0);
  rk_message_free(m);
  rk_runtime_destroy(rt);
}

RK_TEST(readiness_fd) {
  rk_runtime_t *rt = rk_test_cpu_runtime(1);
  int fd = rk_runtime_ready_fd(rt);
  CHECK(fd >= 0);
  CHECK(!readable(fd, 0));
  rk_kernel_t *k = launch(rt, "echo", NULL);
  CHECK_OK(rk_kernel_send_bytes(k, 1, "x", 1, 0, -1));
  CHECK(readable(fd, 10000)); /* a reply landed */
  rk_runtime_ready_clear(rt);
  CHECK(!readable(fd, 0));
  rk_message_t *m = NULL;
  CHECK_OK(rk_kernel_try_receive(k, &m));
  rk_message_free(m);
  rk_kernel_t *s = launch(rt, "py", "script");
  CHECK_OK(rk_kernel_send_bytes(s, 1, "y", 1, 0, -1));
  CHECK(readable(fd, 10000)); /* script work is waiting */
  rk_runtime_ready_clear(rt);
  CHECK(!readable(fd, 0));
  rk_runtime_destroy(rt);
}

static void *interrupter(void *arg) {
  struct timespec ts = {0, 20000000};
  nanosleep(&ts, NULL);
  rk_runtime_interrupt(arg);
  return NULL;
}

RK_TEST(interrupt_wakes_waiters) {
  rk_runtime_t *rt = rk_test_cpu_runtime(1);
  rk_kernel_t *k = launch(rt, "idle", NULL);
  pthread_t th;
  pthread_create(&th, NULL, interrupter, rt);
  rk_message_t *m = NULL;
  CHECK_STATUS(rk_kernel_receive(k, &m, -1), RK_EINTR);
  pthread_join(th, NULL);
  pthread_create(&th, NULL, interrupter, rt);
  rk_kernel_t *sk = NULL;
  CHECK_STATUS(rk_runtime_next_script_work(rt, 60 * SEC, &sk, &m), RK_EINTR);
  pthread_join(th, NULL);
  /* later waits are unaffected */
  CHECK_STATUS(rk_kernel_receive(k, &m, 1000000), RK_ETIMEDOUT);
  rk_runtime_destroy(rt);
}

int main(void) {
  RK_RUN(script_work_loop);
  RK_RUN(request_served_by_script_thread);
  RK_RUN(readiness_fd);
  RK_RUN(interrupt_wakes_waiters);
  return rk_test_summary();
}
