/* Requests through a device-style backend (one with a poll, so waits spin the device way
 * and replies are seen by looking) from several threads at once: each gets its own reply,
 * promptly (a reply parked by another requester wakes its owner), replies nobody asked for
 * are parked in order and stay receivable, a timed-out request's late reply is not lost.
 *
 * The backend is a stand-in installed with rki_backend_override: a "device" thread of its
 * own turns each input message into its echo reply, so replies arrive asynchronously, as
 * a GPU's do, while requesters race to dequeue them.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "ringkernel/ringkernel.h"
#include "runtime_internal.h"
#include "tests_common/rk_test.h"

#define SEC 1000000000LL

enum { FAKE_CAP = 256, FAKE_PAYLOAD = 64, THREADS = 4, PER_THREAD = 1000, STRAYS = 100 };

typedef struct fake_record {
  rk_message_header_t hdr;
  unsigned char payload[FAKE_PAYLOAD];
} fake_record_t;

typedef struct fake_queue {
  uint64_t head, tail;
  fake_record_t rec[FAKE_CAP];
} fake_queue_t;

/* One actor per runtime; everything under lock. */
struct rk_backend_actor {
  pthread_mutex_t lock;
  pthread_cond_t work; /* input arrived, hold released, or stop */
  rk_kernel_t *kernel;
  uint64_t numeric_id;
  bool hold; /* the device makes no replies while set */
  bool stop;
  uint64_t signaled; /* output tail when output_ready was last sent (poll) */
  uint64_t processed;
  fake_queue_t in, out;
  pthread_t device;
  const rk_backend_host_t *host;
};

/* lock guards `actor` against poll, as the CUDA backend's lock guards its actor list. */
typedef struct fake_backend {
  const rk_backend_host_t *host;
  pthread_mutex_t lock;
  rk_backend_actor_t *actor;
} fake_backend_t;

static fake_backend_t fake = {NULL, PTHREAD_MUTEX_INITIALIZER, NULL};

static bool queue_full(const fake_queue_t *q) { return q->tail - q->head == FAKE_CAP; }
static fake_record_t *queue_slot(fake_queue_t *q, uint64_t i) { return &q->rec[i % FAKE_CAP]; }

/* The device: echoes each input message into the output, the reply addressed back. */
static void *device_main(void *arg) {
  rk_backend_actor_t *a = arg;
  pthread_mutex_lock(&a->lock);
  while (!a->stop) {
    if (a->hold || a->in.head == a->in.tail || queue_full(&a->out)) {
      pthread_cond_wait(&a->work, &a->lock);
      continue;
    }
    fake_record_t *req = queue_slot(&a->in, a->in.head++);
    fake_record_t *rep = queue_slot(&a->out, a->out.tail);
    *rep = *req;
    rep->hdr.source_kernel = a->numeric_id;
    rep->hdr.dest_kernel = req->hdr.source_kernel;
    a->out.tail++;
    a->processed++;
  }
  pthread_mutex_unlock(&a->lock);
  return NULL;
}

static rk_status_t fk_probe(int32_t device) {
  (void)device;
  return RK_OK;
}

static rk_status_t fk_init(const rk_backend_config_t *cfg, void **state) {
  fake.host = cfg->host;
  *state = &fake;
  return RK_OK;
}

static void fk_noop(void *state) { (void)state; }

static rk_status_t fk_actor_create(void *state, const rk_backend_actor_desc_t *desc,
                                   rk_backend_actor_t **out) {
  fake_backend_t *be = state;
  rk_backend_actor_t *a = calloc(1, sizeof *a);
  if (!a) return RK_ENOMEM;
  pthread_mutex_init(&a->lock, NULL);
  pthread_cond_init(&a->work, NULL);
  a->kernel = desc->kernel;
  a->numeric_id = desc->numeric_id;
  a->host = be->host;
  if (pthread_create(&a->device, NULL, device_main, a) != 0) {
    free(a);
    return RK_EIO;
  }
  pthread_mutex_lock(&be->lock);
  be->actor = a;
  pthread_mutex_unlock(&be->lock);
  *out = a;
  return RK_OK;
}

static rk_status_t fk_set_active(rk_backend_actor_t *a, bool active) {
  (void)a, (void)active;
  return RK_OK;
}

static void stop_device(rk_backend_actor_t *a) {
  pthread_mutex_lock(&a->lock);
  bool was_running = !a->stop;
  a->stop = true;
  pthread_cond_signal(&a->work);
  pthread_mutex_unlock(&a->lock);
  if (was_running) pthread_join(a->device, NULL);
}

static rk_status_t fk_terminate(rk_backend_actor_t *a, bool drain, int64_t timeout_ns) {
  (void)drain, (void)timeout_ns;
  stop_device(a);
  return RK_OK;
}

static size_t fk_take_input(rk_backend_actor_t *a, rk_message_t **out, size_t max) {
  size_t n = 0;
  pthread_mutex_lock(&a->lock);
  while (n < max && a->in.head != a->in.tail) {
    fake_record_t *r = queue_slot(&a->in, a->in.head);
    if (rk_message_create(&r->hdr, r->payload, (size_t)r->hdr.payload_size, &out[n]) != RK_OK)
      break;
    a->in.head++;
    n++;
  }
  pthread_mutex_unlock(&a->lock);
  return n;
}

static void fk_actor_destroy(rk_backend_actor_t *a) {
  stop_device(a);
  pthread_mutex_lock(&fake.lock);
  if (fake.actor == a) fake.actor = NULL;
  pthread_mutex_unlock(&fake.lock);
  pthread_cond_destroy(&a->work);
  pthread_mutex_destroy(&a->lock);
  free(a);
}

static size_t fk_enqueue(rk_backend_actor_t *a, const rk_message_header_t *const *hdrs,
                         const void *const *payloads, size_t n) {
  size_t done = 0;
  pthread_mutex_lock(&a->lock);
  for (; done < n && !queue_full(&a->in) && hdrs[done]->payload_size <= FAKE_PAYLOAD; done++) {
    fake_record_t *r = queue_slot(&a->in, a->in.tail++);
    r->hdr = *hdrs[done];
    memcpy(r->payload, payloads[done], (size_t)hdrs[done]->payload_size);
  }
  pthread_cond_signal(&a->work);
  pthread_mutex_unlock(&a->lock);
  return done;
}

static size_t fk_dequeue(rk_backend_actor_t *a, rk_message_t **out, size_t max) {
  size_t n = 0;
  pthread_mutex_lock(&a->lock);
  while (n < max && a->out.head != a->out.tail) {
    fake_record_t *r = queue_slot(&a->out, a->out.head);
    if (rk_message_create(&r->hdr, r->payload, (size_t)r->hdr.payload_size, &out[n]) != RK_OK)
      break;
    a->out.head++;
    n++;
  }
  if (n) pthread_cond_signal(&a->work); /* output room for a device waiting on it */
  pthread_mutex_unlock(&a->lock);
  return n;
}

static size_t fk_output_depth(rk_backend_actor_t *a) {
  pthread_mutex_lock(&a->lock);
  size_t d = (size_t)(a->out.tail - a->out.head);
  pthread_mutex_unlock(&a->lock);
  return d;
}

static void fk_counters(rk_backend_actor_t *a, rk_backend_counters_t *out) {
  memset(out, 0, sizeof *out);
  pthread_mutex_lock(&a->lock);
  out->processed = a->processed;
  pthread_mutex_unlock(&a->lock);
}

static uint64_t fk_device_memory(void *state) {
  (void)state;
  return 0;
}

/* As a device backend's poll: new output since the last signal -> output_ready. */
static int fk_poll(void *state) {
  fake_backend_t *be = state;
  bool news = false;
  pthread_mutex_lock(&be->lock);
  rk_backend_actor_t *a = be->actor;
  if (a) {
    pthread_mutex_lock(&a->lock);
    news = a->out.tail != a->signaled && a->out.head != a->out.tail;
    if (news) a->signaled = a->out.tail;
    pthread_mutex_unlock(&a->lock);
    if (news) be->host->output_ready(a->kernel);
  }
  pthread_mutex_unlock(&be->lock);
  return news;
}

static const rk_backend_ops_t fake_ops = {
    .name = "fake-device",
    .probe = fk_probe,
    .init = fk_init,
    .shutdown = fk_noop,
    .fini = fk_noop,
    .actor_create = fk_actor_create,
    .actor_set_active = fk_set_active,
    .actor_terminate = fk_terminate,
    .take_input = fk_take_input,
    .actor_destroy = fk_actor_destroy,
    .enqueue = fk_enqueue,
    .dequeue = fk_dequeue,
    .output_depth = fk_output_depth,
    .counters = fk_counters,
    .device_memory_used = fk_device_memory,
    .poll = fk_poll,
    .k2k_stats = NULL,
};

static rk_runtime_t *fake_runtime(uint32_t spin_ns, rk_kernel_t **k) {
  rki_backend_override(&fake_ops);
  rk_runtime_config_t cfg;
  rk_runtime_config_init(&cfg);
  cfg.backend = RK_BACKEND_CUDA;
  cfg.wait_spin_ns = spin_ns;
  rk_runtime_t *rt = NULL;
  CHECK_OK(rk_runtime_create(&cfg, &rt));
  rki_backend_override(NULL);
  if (rt) CHECK_OK(rk_runtime_launch(rt, "dev", NULL, k));
  return rt;
}

/* ---- several requesters ------------------------------------------------------------- */

typedef struct requester {
  rk_kernel_t *k;
  uint64_t id;
  uint64_t ok, wrong;
  uint64_t slowest_ns;
} requester_t;

/* Far below the requests' 30 s timeout: a request whose reply another thread parked
 * without waking it would sleep until that timeout (and then find the reply). */
#define SLOWEST_OK (5 * SEC)

static void *request_loop(void *arg) {
  requester_t *r = arg;
  for (uint64_t i = 0; i < PER_THREAD; i++) {
    uint64_t v[2] = {r->id, i};
    rk_message_t *reply = NULL;
    uint64_t t0 = rk_test_now_ns();
    rk_status_t st = rk_kernel_request(r->k, NULL, v, sizeof v, 30 * SEC, &reply);
    uint64_t took = rk_test_now_ns() - t0;
    if (took > r->slowest_ns) r->slowest_ns = took;
    if (st != RK_OK) {
      r->wrong++;
      continue;
    }
    bool same = rk_message_payload_size(reply) == sizeof v &&
                memcmp(rk_message_payload(reply), v, sizeof v) == 0;
    if (same)
      r->ok++;
    else
      r->wrong++;
    rk_message_free(reply);
  }
  return NULL;
}

/* spin_ns 20 000: waits spin the device way (a look every round); 0: they sleep at once
 * and only the poller's signal wakes them. */
static void concurrent_requests(uint32_t spin_ns) {
  rk_kernel_t *k = NULL;
  rk_runtime_t *rt = fake_runtime(spin_ns, &k);
  if (!rt) return;
  requester_t r[THREADS];
  pthread_t th[THREADS];
  for (int i = 0; i < THREADS; i++) {
    r[i] = (requester_t){k, (uint64_t)i + 1, 0, 0, 0};
    pthread_create(&th[i], NULL, request_loop, &r[i]);
  }
  for (int i = 0; i < THREADS; i++) {
    pthread_join(th[i], NULL);
    CHECK_EQ_U64(r[i].ok, PER_THREAD);
    CHECK_EQ_U64(r[i].wrong, 0);
    CHECK(r[i].slowest_ns < SLOWEST_OK);
  }
  rk_message_t *left = NULL;
  CHECK_STATUS(rk_kernel_try_receive(k, &left), RK_EAGAIN);
  rk_runtime_destroy(rt);
}

RK_TEST(concurrent_requests_spinning) {
  concurrent_requests(20000);
}

RK_TEST(concurrent_requests_sleeping) {
  concurrent_requests(0);
}

/* Replies to plain sends (correlation 1..STRAYS) arrive among the requests' replies: the
 * requesters park them, and afterwards every one is received, in order. */
RK_TEST(stray_replies_parked_in_order) {
  rk_kernel_t *k = NULL;
  rk_runtime_t *rt = fake_runtime(20000, &k);
  if (!rt) return;
  requester_t r[2];
  pthread_t th[2];
  for (int i = 0; i < 2; i++) {
    r[i] = (requester_t){k, (uint64_t)i + 1, 0, 0, 0};
    pthread_create(&th[i], NULL, request_loop, &r[i]);
  }
  for (uint64_t c = 1; c <= STRAYS; c++) {
    uint64_t v = 1000 + c;
    CHECK_OK(rk_kernel_send_bytes(k, 7, &v, sizeof v, c, 30 * SEC));
  }
  for (int i = 0; i < 2; i++) {
    pthread_join(th[i], NULL);
    CHECK_EQ_U64(r[i].ok, PER_THREAD);
    CHECK_EQ_U64(r[i].wrong, 0);
    CHECK(r[i].slowest_ns < SLOWEST_OK);
  }
  for (uint64_t c = 1; c <= STRAYS; c++) {
    rk_message_t *m = NULL;
    CHECK_OK(rk_kernel_receive(k, &m, 30 * SEC));
    if (!m) break;
    uint64_t v = 0;
    memcpy(&v, rk_message_payload(m), sizeof v);
    CHECK_EQ_U64(rk_message_header(m)->correlation_id, c);
    CHECK_EQ_U64(v, 1000 + c);
    rk_message_free(m);
  }
  rk_message_t *left = NULL;
  CHECK_STATUS(rk_kernel_try_receive(k, &left), RK_EAGAIN);
  rk_runtime_destroy(rt);
}

/* A request whose reply is late times out; the reply, made later, is received. */
RK_TEST(late_reply_not_lost) {
  rk_kernel_t *k = NULL;
  rk_runtime_t *rt = fake_runtime(20000, &k);
  if (!rt) return;
  pthread_mutex_lock(&fake.lock);
  rk_backend_actor_t *a = fake.actor; /* stays until the runtime is destroyed */
  pthread_mutex_unlock(&fake.lock);
  pthread_mutex_lock(&a->lock);
  a->hold = true;
  pthread_mutex_unlock(&a->lock);
  rk_message_t *reply = NULL;
  CHECK_STATUS(rk_kernel_request(k, NULL, "late", 4, 20000000, &reply), RK_ETIMEDOUT);
  CHECK(reply == NULL);
  pthread_mutex_lock(&a->lock);
  a->hold = false;
  pthread_cond_signal(&a->work);
  pthread_mutex_unlock(&a->lock);
  CHECK_OK(rk_kernel_receive(k, &reply, 30 * SEC));
  CHECK(reply && rk_message_payload_size(reply) == 4 &&
        memcmp(rk_message_payload(reply), "late", 4) == 0);
  rk_message_free(reply);
  rk_runtime_destroy(rt);
}

/* ---- pipelined batch senders -------------------------------------------------------- */

enum { BATCH_SENDERS = 3, BATCH_PER_SENDER = 20000, BATCH_ITEMS = 100 };

typedef struct batch_tag {
  uint32_t sender;
  uint32_t seq;
} batch_tag_t;

typedef struct batch_sender {
  rk_kernel_t *k;
  uint32_t id;
  uint64_t unexpected; /* a send_many status other than RK_OK / RK_EAGAIN */
} batch_sender_t;

/* Sends BATCH_PER_SENDER tagged messages through send_many with timeout 0, as a
 * pipelined binding does: a refused call (input full) is retried from `accepted` on. */
static void *batch_send_loop(void *arg) {
  batch_sender_t *b = arg;
  batch_tag_t *tags = malloc(BATCH_PER_SENDER * sizeof *tags);
  rk_send_item_t *items = malloc(BATCH_PER_SENDER * sizeof *items);
  if (!tags || !items) {
    b->unexpected++;
    free(tags);
    free(items);
    return NULL;
  }
  for (uint32_t i = 0; i < BATCH_PER_SENDER; i++) {
    tags[i] = (batch_tag_t){b->id, i};
    items[i] = (rk_send_item_t){NULL, &tags[i], sizeof tags[i]};
  }
  for (size_t done = 0; done < BATCH_PER_SENDER;) {
    size_t want = BATCH_PER_SENDER - done < BATCH_ITEMS ? BATCH_PER_SENDER - done : BATCH_ITEMS;
    size_t accepted = 0;
    rk_status_t st = rk_kernel_send_many(b->k, items + done, want, 0, &accepted);
    if (st != RK_OK && st != RK_EAGAIN) b->unexpected++;
    if (st != RK_OK && st != RK_EAGAIN) break;
    done += accepted;
  }
  free(tags);
  free(items);
  return NULL;
}

/* Until the held device's input is full (the senders' refused calls start then). */
static void wait_input_full(rk_backend_actor_t *a) {
  const struct timespec ms = {0, 1000000};
  for (int i = 0; i < 30000; i++) {
    pthread_mutex_lock(&a->lock);
    bool full = queue_full(&a->in);
    pthread_mutex_unlock(&a->lock);
    if (full) return;
    nanosleep(&ms, NULL);
  }
}

/* Several senders keep a held, then running, device's input full (so send_many's probe
 * after a refusal runs): every message arrives exactly once, each sender's in its order
 * with strictly increasing stamps. */
RK_TEST(pipelined_send_many_exactly_once) {
  rk_kernel_t *k = NULL;
  rk_runtime_t *rt = fake_runtime(20000, &k);
  if (!rt) return;
  pthread_mutex_lock(&fake.lock);
  rk_backend_actor_t *a = fake.actor;
  pthread_mutex_unlock(&fake.lock);
  pthread_mutex_lock(&a->lock);
  a->hold = true;
  pthread_mutex_unlock(&a->lock);
  batch_sender_t b[BATCH_SENDERS];
  pthread_t th[BATCH_SENDERS];
  for (uint32_t i = 0; i < BATCH_SENDERS; i++) {
    b[i] = (batch_sender_t){k, i, 0};
    pthread_create(&th[i], NULL, batch_send_loop, &b[i]);
  }
  wait_input_full(a);
  pthread_mutex_lock(&a->lock);
  CHECK_EQ_U64(a->in.tail - a->in.head, FAKE_CAP);
  a->hold = false;
  pthread_cond_signal(&a->work);
  pthread_mutex_unlock(&a->lock);
  uint32_t next[BATCH_SENDERS] = {0};
  rk_hlc_timestamp_t last[BATCH_SENDERS];
  memset(last, 0, sizeof last);
  uint64_t wrong = 0;
  rk_message_t *ms[64];
  for (size_t got = 0; got < (size_t)BATCH_SENDERS * BATCH_PER_SENDER;) {
    size_t n = 0;
    CHECK_OK(rk_kernel_receive_many(k, ms, 64, 30 * SEC, &n));
    if (n == 0) break;
    for (size_t i = 0; i < n; i++) {
      batch_tag_t t = {UINT32_MAX, 0};
      if (rk_message_payload_size(ms[i]) == sizeof t) memcpy(&t, rk_message_payload(ms[i]), sizeof t);
      rk_hlc_timestamp_t ts = rk_message_header(ms[i])->timestamp;
      if (t.sender >= BATCH_SENDERS || t.seq != next[t.sender] ||
          (t.seq > 0 && rk_hlc_timestamp_compare(last[t.sender], ts) >= 0))
        wrong++;
      else
        next[t.sender]++, last[t.sender] = ts;
      rk_message_free(ms[i]);
    }
    got += n;
  }
  for (uint32_t i = 0; i < BATCH_SENDERS; i++) {
    pthread_join(th[i], NULL);
    CHECK_EQ_U64(b[i].unexpected, 0);
    CHECK_EQ_U64(next[i], BATCH_PER_SENDER);
  }
  CHECK_EQ_U64(wrong, 0);
  rk_message_t *left = NULL;
  CHECK_STATUS(rk_kernel_try_receive(k, &left), RK_EAGAIN);
  rk_runtime_destroy(rt);
}

int main(void) {
  RK_RUN(concurrent_requests_spinning);
  RK_RUN(concurrent_requests_sleeping);
  RK_RUN(stray_replies_parked_in_order);
  RK_RUN(late_reply_not_lost);
  RK_RUN(pipelined_send_many_exactly_once);
  return rk_test_summary();
}
