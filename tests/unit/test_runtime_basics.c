/* Runtime creation, backend choice, getters, metrics, shutdown. */
#include <stdlib.h>

#include "ringkernel/ringkernel.h"
#include "runtime_internal.h"
#include "tests_common/rk_test.h"
#include "tests_common/rk_test_runtime.h"

RK_TEST(config_defaults) {
  rk_runtime_config_t cfg;
  rk_runtime_config_init(&cfg);
  CHECK_EQ_INT(cfg.backend, RK_BACKEND_AUTO);
  CHECK_EQ_INT(cfg.backend, 0);
  CHECK_EQ_INT(RK_BACKEND_WGPU, 4);
  CHECK_EQ_U64(cfg.node_id, 1);
  CHECK(cfg.enable_k2k);
  CHECK_EQ_INT(cfg.worker_count, 0);
  CHECK_EQ_INT(cfg.k2k.max_pending_messages, 1024);
  CHECK_EQ_INT(cfg.k2k.delivery_timeout_ms, 5000);
  CHECK(!cfg.k2k.enable_tracing);
  CHECK_EQ_INT(cfg.k2k.max_hops, 8);
}

RK_TEST(backend_names_parse) {
  rk_backend_kind_t k;
  CHECK_OK(rk_backend_parse("CPU", &k));
  CHECK_EQ_INT(k, RK_BACKEND_CPU);
  CHECK_OK(rk_backend_parse("auto", &k));
  CHECK_EQ_INT(k, RK_BACKEND_AUTO);
  CHECK_STATUS(rk_backend_parse("tpu", &k), RK_EINVAL);
  CHECK_CONTAINS(rk_last_error(), "unknown backend 'tpu'");
  CHECK_STR(rk_backend_name(RK_BACKEND_CUDA), "Cuda");
  CHECK_STR(rk_backend_name(RK_BACKEND_CPU), "Cpu");
}

RK_TEST(backend_choice) {
  rk_runtime_config_t cfg;
  rk_runtime_config_init(&cfg);
  rk_runtime_t *rt = NULL;
  cfg.backend = RK_BACKEND_METAL;
  CHECK_STATUS(rk_runtime_create(&cfg, &rt), RK_EUNSUPPORTED);
  CHECK(rt == NULL);
  CHECK_CONTAINS(rk_last_error(), "Metal");
  cfg.backend = RK_BACKEND_WGPU;
  CHECK_STATUS(rk_runtime_create(&cfg, &rt), RK_EUNSUPPORTED);
  cfg.backend = RK_BACKEND_AUTO;
  CHECK_OK(rk_runtime_create(&cfg, &rt));
  CHECK(rk_runtime_backend(rt) == RK_BACKEND_CPU || rk_runtime_backend(rt) == RK_BACKEND_CUDA);
  rk_runtime_destroy(rt);
  cfg.backend = RK_BACKEND_CUDA;
  rt = NULL;
  rk_status_t st = rk_runtime_create(&cfg, &rt);
  if (st == RK_OK) { /* a GPU is present */
    CHECK_EQ_INT(rk_runtime_backend(rt), RK_BACKEND_CUDA);
    rk_runtime_destroy(rt);
  } else {
    CHECK_EQ_INT(st, RK_ENODEVICE);
    CHECK(rt == NULL);
    const char *why = rk_last_error();
    if (strstr(why, "not built")) /* the stand-in of backend_nocuda.c */
      CHECK_STR(why, "CUDA backend not built (configure with -DRK_WITH_CUDA=ON)");
    else
      CHECK_CONTAINS(why, "CUDA");
  }
  cfg.backend = RK_BACKEND_CPU;
  cfg.node_id = 70000;
  CHECK_STATUS(rk_runtime_create(&cfg, &rt), RK_EINVAL);
  CHECK_CONTAINS(rk_last_error(), "node id 70000");
}

RK_TEST(getters) {
  rk_runtime_config_t cfg;
  rk_runtime_config_init(&cfg);
  cfg.backend = RK_BACKEND_CPU;
  cfg.node_id = 7;
  cfg.enable_k2k = false;
  cfg.worker_count = 1;
  rk_runtime_t *rt = NULL;
  CHECK_OK(rk_runtime_create(&cfg, &rt));
  CHECK_EQ_INT(rk_runtime_backend(rt), RK_BACKEND_CPU);
  CHECK_EQ_U64(rk_runtime_node_id(rt), 7);
  CHECK(!rk_runtime_is_k2k_enabled(rt));
  CHECK(rk_runtime_k2k_broker(rt) == NULL);
  CHECK(!rk_runtime_is_shutdown(rt));
  CHECK_EQ_INT(rk_runtime_worker_count(rt), 1);
  CHECK_OK(rk_runtime_shutdown(rt));
  CHECK(rk_runtime_is_shutdown(rt));
  CHECK_OK(rk_runtime_shutdown(rt)); /* idempotent */
  rk_runtime_destroy(rt);
  rk_runtime_destroy(NULL);
}

RK_TEST(launch_get_list) {
  rk_runtime_t *rt = rk_test_cpu_runtime(1);
  rk_kernel_t *a = NULL, *b = NULL, *dup = NULL;
  CHECK_OK(rk_runtime_launch(rt, "a", NULL, &a));
  CHECK_OK(rk_runtime_launch(rt, "b", NULL, &b));
  CHECK_STATUS(rk_runtime_launch(rt, "a", NULL, &dup), RK_EEXIST);
  CHECK_STR(rk_last_error(), "Kernel already exists: a");
  CHECK(dup == NULL);
  CHECK_STATUS(rk_runtime_launch(rt, "", NULL, &dup), RK_EINVAL);
  CHECK_STATUS(rk_runtime_launch(rt, "bad\nid", NULL, &dup), RK_EINVAL);
  char long_id[80];
  memset(long_id, 'x', 65);
  long_id[65] = 0;
  CHECK_STATUS(rk_runtime_launch(rt, long_id, NULL, &dup), RK_EINVAL);
  CHECK_CONTAINS(rk_last_error(), "65 bytes: must be 1..64");
  rk_launch_options_t o;
  rk_launch_options_init(&o);
  o.handler = "no-such-handler";
  CHECK_STATUS(rk_runtime_launch(rt, "c", &o, &dup), RK_ENOTFOUND);
  CHECK_STR(rk_last_error(), "Handler not found: no-such-handler");
  rk_launch_options_init(&o);
  o.cuda_source = "__device__ int f() { return 0; }";
  o.cuda_entry = "f";
  CHECK_STATUS(rk_runtime_launch(rt, "cu", &o, &dup), RK_EUNSUPPORTED);
  CHECK_STR(rk_last_error(),
            "kernel cu: a CUDA source handler needs the CUDA backend (this runtime uses Cpu)");
  CHECK(rk_runtime_get_kernel(rt, "a") == a);
  CHECK(rk_runtime_get_kernel(rt, "zzz") == NULL);
  CHECK_STR(rk_last_error(), "Kernel not found: zzz");
  CHECK(rk_kernel_numeric_id(a) >= 1);
  CHECK(rk_kernel_numeric_id(a) != rk_kernel_numeric_id(b));
  CHECK(rk_runtime_get_kernel_by_number(rt, rk_kernel_numeric_id(b)) == b);
  const char *ids[4];
  CHECK_EQ_INT(rk_runtime_list_kernels(rt, ids, 4, false), 2);
  CHECK_STR(ids[0], "a");
  CHECK_STR(ids[1], "b");
  CHECK_OK(rk_kernel_terminate(a));
  CHECK_EQ_INT(rk_runtime_list_kernels(rt, ids, 4, false), 1);
  CHECK_EQ_INT(rk_runtime_list_kernels(rt, NULL, 0, true), 2);
  CHECK_OK(rk_runtime_shutdown(rt));
  CHECK_STATUS(rk_runtime_launch(rt, "late", NULL, &dup), RK_ESHUTDOWN);
  CHECK_EQ_INT(rk_kernel_state(b), RK_KERNEL_TERMINATED);
  rk_runtime_destroy(rt);
}

RK_TEST(metrics_exact) {
  rk_runtime_t *rt = rk_test_cpu_runtime(2);
  rk_kernel_t *a = NULL, *b = NULL;
  rk_launch_options_t o;
  rk_launch_options_init(&o);
  o.auto_activate = false;
  CHECK_OK(rk_runtime_launch(rt, "a", NULL, &a));
  CHECK_OK(rk_runtime_launch(rt, "b", &o, &b));
  for (int i = 0; i < 10; i++)
    CHECK_OK(rk_kernel_send_bytes(a, 1, "hello", 5, 0, -1));
  for (int i = 0; i < 10; i++) {
    rk_message_t *m = NULL;
    CHECK_OK(rk_kernel_receive(a, &m, 5000000000LL));
    rk_message_free(m);
  }
  rk_runtime_metrics_t mt;
  CHECK_OK(rk_runtime_metrics(rt, &mt));
  CHECK_EQ_U64(mt.active_kernels, 1);
  CHECK_EQ_U64(mt.total_launched, 2);
  CHECK_EQ_U64(mt.messages_sent, 10);
  CHECK_EQ_U64(mt.messages_received, 10);
  CHECK_EQ_U64(mt.gpu_memory_used, 0);
  CHECK_OK(rk_kernel_send_bytes(a, 1, "x", 1, 0, -1));
  rk_message_t *held = NULL;
  CHECK_OK(rk_kernel_receive(a, &held, 5000000000LL));
  CHECK_OK(rk_runtime_metrics(rt, &mt));
  CHECK(mt.host_memory_used >= 257); /* the held reply lives in the runtime's pool */
  rk_message_free(held);
  rk_runtime_destroy(rt);
}

RK_TEST(sticky_failure) {
  rk_runtime_t *rt = rk_test_cpu_runtime(1);
  rk_kernel_t *k = NULL;
  CHECK_OK(rk_runtime_launch(rt, "k", NULL, &k));
  /* What a backend's host->fail callback does after e.g. a CUDA error. */
  rki_runtime_fail(rt, RK_ECUDA, "cudaErrorIllegalAddress at rk_actor_kernel.cu:42");
  rk_kernel_t *k2 = NULL;
  CHECK_STATUS(rk_runtime_launch(rt, "k2", NULL, &k2), RK_EFAILED);
  CHECK_STR(rk_last_error(), "RK_ECUDA: cudaErrorIllegalAddress at rk_actor_kernel.cu:42");
  CHECK_STATUS(rk_kernel_send_bytes(k, 1, "x", 1, 0, 0), RK_EFAILED);
  rk_message_t *m = NULL;
  CHECK_STATUS(rk_kernel_receive(k, &m, 0), RK_EFAILED);
  CHECK_STATUS(rk_kernel_deactivate(k), RK_EFAILED);
  CHECK_STATUS(rk_kernel_terminate(k), RK_EFAILED);
  CHECK_STR(rk_runtime_last_error(rt),
            "RK_ECUDA: cudaErrorIllegalAddress at rk_actor_kernel.cu:42");
  rki_runtime_fail(rt, RK_EIO, "second failure is ignored");
  CHECK_CONTAINS(rk_runtime_last_error(rt), "cudaErrorIllegalAddress");
  rk_runtime_destroy(rt); /* still tears down cleanly */
}

RK_TEST(bad_input_never_crashes) {
  rk_runtime_t *rt = rk_test_cpu_runtime(1);
  rk_kernel_t *k = NULL;
  CHECK_OK(rk_runtime_launch(rt, "k", NULL, &k));
  rk_message_t *m = NULL;
  rk_kernel_status_t st;
  rk_runtime_metrics_t mt;
  rk_dead_letter_t d;
  size_t n = 0;
  CHECK_STATUS(rk_runtime_create(NULL, NULL), RK_EINVAL);
  CHECK_STATUS(rk_runtime_launch(NULL, "x", NULL, &k), RK_EINVAL);
  CHECK_STATUS(rk_runtime_launch(rt, NULL, NULL, &k), RK_EINVAL);
  CHECK_STATUS(rk_runtime_launch(rt, "x", NULL, NULL), RK_EINVAL);
  CHECK_STATUS(rk_runtime_metrics(NULL, &mt), RK_EINVAL);
  CHECK_STATUS(rk_runtime_metrics(rt, NULL), RK_EINVAL);
  CHECK(rk_runtime_get_kernel(NULL, "k") == NULL);
  CHECK(rk_runtime_get_kernel(rt, NULL) == NULL);
  CHECK_EQ_INT(rk_runtime_list_kernels(NULL, NULL, 0, true), 0);
  CHECK_STATUS(rk_kernel_activate(NULL), RK_EINVAL);
  CHECK_STATUS(rk_kernel_terminate_drain(NULL, 0), RK_EINVAL);
  CHECK_STATUS(rk_kernel_status(NULL, &st), RK_EINVAL);
  CHECK_STATUS(rk_kernel_status(k, NULL), RK_EINVAL);
  CHECK_STATUS(rk_kernel_receive(NULL, &m, 0), RK_EINVAL);
  CHECK_STATUS(rk_kernel_receive(k, NULL, 0), RK_EINVAL);
  CHECK_STATUS(rk_kernel_receive_many(k, NULL, 4, 0, &n), RK_EINVAL);
  CHECK_STATUS(rk_kernel_send_many(k, NULL, 3, 0, &n), RK_EINVAL);
  CHECK_STATUS(rk_kernel_request(k, NULL, "x", 1, 0, NULL), RK_EINVAL);
  CHECK_STATUS(rk_kernel_pop_dead_letter(NULL, &d), RK_EINVAL);
  CHECK_STATUS(rk_kernel_reply(k, NULL, "x", 1), RK_EINVAL);
  CHECK_STATUS(rk_runtime_next_script_work(rt, 0, NULL, &m), RK_EINVAL);
  CHECK_STATUS(rk_message_create(NULL, NULL, 5, &m), RK_EINVAL);
  CHECK_STATUS(rk_message_create(NULL, "x", 1, NULL), RK_EINVAL);
  CHECK_OK(rk_message_create(NULL, "x", 1, &m));
  CHECK_EQ_U64(rk_message_header(m)->magic, RK_MESSAGE_MAGIC);
  rk_message_free(m);
  rk_message_free(NULL);
  rk_script_work_done(NULL, NULL, RK_OK, NULL);
  rk_kernel_set_user(NULL, NULL, NULL);
  rk_runtime_interrupt(NULL);
  rk_runtime_ready_clear(NULL);
  CHECK_EQ_INT(rk_runtime_ready_fd(NULL), -1);
  CHECK(rk_message_header(NULL) == NULL);
  CHECK_EQ_U64(rk_message_payload_size(NULL), 0);
  CHECK_STATUS(rk_ctx_reply(NULL, "x", 1), RK_EINVAL);
  CHECK_STATUS(rk_ctx_send_k2k(NULL, "k", 1, "x", 1), RK_EINVAL);
  CHECK(rk_ctx_kernel(NULL) == NULL);
  CHECK_STR(rk_kernel_state_name((rk_kernel_state_t)99), "Unknown");
  CHECK_STR(rk_backend_name((rk_backend_kind_t)99), "Unknown");
  rk_runtime_config_t cfg;
  rk_runtime_config_init(&cfg);
  cfg.backend = (rk_backend_kind_t)7;
  rk_runtime_t *bad = NULL;
  CHECK_STATUS(rk_runtime_create(&cfg, &bad), RK_EINVAL);
  CHECK_STR(rk_last_error(), "backend 7: must be 0..4");
  rk_runtime_config_init(&cfg);
  cfg.k2k.max_hops = 0;
  CHECK_STATUS(rk_runtime_create(&cfg, &bad), RK_EINVAL);
  rk_launch_options_t o;
  rk_launch_options_init(&o);
  o.block_size = 0;
  CHECK_STATUS(rk_runtime_launch(rt, "b", &o, &k), RK_EINVAL);
  CHECK_STR(rk_last_error(), "block size 0: must be 1..1024");
  rk_launch_options_init(&o);
  o.mode = (rk_kernel_mode_t)5;
  CHECK_STATUS(rk_runtime_launch(rt, "m", &o, &k), RK_EINVAL);
  rk_runtime_destroy(rt);
}

int main(void) {
  RK_RUN(config_defaults);
  RK_RUN(backend_names_parse);
  RK_RUN(backend_choice);
  RK_RUN(getters);
  RK_RUN(launch_get_list);
  RK_RUN(metrics_exact);
  RK_RUN(sticky_failure);
  RK_RUN(bad_input_never_crashes);
  return rk_test_summary();
}
