/* py_kernel.c — KernelHandle (rk_kernel_t) and KernelStatus.
 *
 * Replies: receive/try_receive/receive_many take from the handle's stash first (replies
 * set aside by someone looking for another), then from the kernel's output queue, so
 * arrival order is kept. request() registers a fresh correlation id as pending, sends,
 * and receives until its reply comes, stashing the others; receivers skip (stash) the
 * replies of pending requests, so mixing both on one kernel loses nothing to the wrong
 * caller. */
#include "py_runtime.h"

#include <structmember.h>

/* ---- handle objects ----------------------------------------------------------------- */

static rkpy_state *kh_state(PyObject *op) {
  return rkpy_runtime_state(op);
}

static rk_kernel_t *kh_k(PyObject *op) {
  return ((rkpy_kernel *)op)->k;
}

PyObject *rkpy_kernel_handle(rkpy_runtime *runtime, rk_kernel_t *k) {
  PyObject *id = PyUnicode_FromString(rk_kernel_id(k));
  if (!id) return NULL;
  PyObject *cached = PyDict_GetItemWithError(runtime->kernels, id);
  if (cached || PyErr_Occurred()) {
    Py_DECREF(id);
    return cached ? Py_NewRef(cached) : NULL;
  }
  rkpy_state *st = rkpy_runtime_state((PyObject *)runtime);
  rkpy_kernel *h = (rkpy_kernel *)st->KernelHandle_type->tp_alloc(st->KernelHandle_type, 0);
  if (h) {
    h->runtime = (rkpy_runtime *)Py_NewRef(runtime);
    h->k = k;
    h->stash = PyList_New(0);
  }
  if (!h || !h->stash || PyDict_SetItem(runtime->kernels, id, (PyObject *)h) < 0) Py_CLEAR(h);
  Py_DECREF(id);
  return (PyObject *)h;
}

static int kh_traverse(PyObject *op, visitproc visit, void *arg) {
  rkpy_kernel *self = (rkpy_kernel *)op;
  Py_VISIT(Py_TYPE(op));
  Py_VISIT(self->runtime);
  Py_VISIT(self->stash);
  return 0;
}

static int kh_clear(PyObject *op) {
  rkpy_kernel *self = (rkpy_kernel *)op;
  Py_CLEAR(self->stash);
  return 0;
}

/* The runtime reference is dropped last and only here: k stays valid while it is held. */
static void kh_dealloc(PyObject *op) {
  PyTypeObject *tp = Py_TYPE(op);
  PyObject_GC_UnTrack(op);
  kh_clear(op);
  rkpy_cid_set_clear(&((rkpy_kernel *)op)->pending);
  Py_CLEAR(((rkpy_kernel *)op)->runtime);
  tp->tp_free(op);
  Py_DECREF(tp);
}

static PyObject *kh_tp_new(PyTypeObject *Py_UNUSED(t), PyObject *Py_UNUSED(a),
                           PyObject *Py_UNUSED(k)) {
  PyErr_SetString(PyExc_TypeError, "KernelHandle is created by RingKernel.launch()");
  return NULL;
}

/* ---- identity and lifecycle --------------------------------------------------------- */

static PyObject *kh_get_id(PyObject *op, void *Py_UNUSED(c)) {
  return PyUnicode_FromString(rk_kernel_id(kh_k(op)));
}

static PyObject *kh_get_numeric_id(PyObject *op, void *Py_UNUSED(c)) {
  return PyLong_FromUnsignedLongLong(rk_kernel_numeric_id(kh_k(op)));
}

static PyObject *kh_get_runtime(PyObject *op, void *Py_UNUSED(c)) {
  return Py_NewRef((PyObject *)((rkpy_kernel *)op)->runtime);
}

static PyObject *kh_get_state(PyObject *op, void *Py_UNUSED(c)) {
  return rkpy_enum(kh_state(op), "KernelState", rk_kernel_state(kh_k(op)));
}

static PyObject *kh_is_active(PyObject *op, PyObject *Py_UNUSED(ignored)) {
  return PyBool_FromLong(rk_kernel_is_active(kh_k(op)));
}

static PyObject *kh_result(PyObject *op, rk_status_t s) {
  if (s != RK_OK) return rkpy_raise_status(kh_state(op), s);
  Py_RETURN_NONE;
}

static PyObject *kh_activate_sync(PyObject *op, PyObject *Py_UNUSED(ignored)) {
  return kh_result(op, rk_kernel_activate(kh_k(op)));
}

static PyObject *kh_deactivate_sync(PyObject *op, PyObject *Py_UNUSED(ignored)) {
  return kh_result(op, rk_kernel_deactivate(kh_k(op)));
}

static PyObject *kh_terminate_sync(PyObject *op, PyObject *Py_UNUSED(ignored)) {
  rk_status_t s;
  rk_kernel_t *k = kh_k(op);
  Py_BEGIN_ALLOW_THREADS
  s = rk_kernel_terminate(k);
  Py_END_ALLOW_THREADS
  return kh_result(op, s);
}

/* Sleeps in 1 ms naps until the kernel is Terminated: there is no state-change event to
 * block on, and a nap costs nothing measurable while the kernel lives on. */
static rk_status_t kh_wait_step(void *ctx, int64_t slice_ns) {
  return rk_kernel_wait_terminated(ctx, slice_ns);
}

static PyObject *kh_wait_sync(PyObject *op, PyObject *args, PyObject *kwds) {
  static char *kwlist[] = {"timeout", NULL};
  PyObject *t = Py_None;
  int64_t timeout_ns = -1;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O:wait_sync", kwlist, &t) ||
      rkpy_arg_timeout(t, "timeout", 1, &timeout_ns) < 0)
    return NULL;
  rk_status_t s = rkpy_wait(kh_wait_step, kh_k(op), timeout_ns);
  if (s == RK_OK) Py_RETURN_NONE;
  if (PyErr_Occurred()) return NULL;
  return PyErr_Format(PyExc_TimeoutError, "kernel %s not terminated within %R s",
                      rk_kernel_id(kh_k(op)), t);
}

/* ---- status ------------------------------------------------------------------------- */

typedef struct {
  PyObject_HEAD
  PyObject *id, *state, *mode;
  unsigned long long input_queue_depth, output_queue_depth, messages_processed,
      messages_dead_lettered;
  double uptime_secs;
} rkpy_status;

static PyObject *kh_status(PyObject *op, PyObject *Py_UNUSED(ignored)) {
  rkpy_state *st = kh_state(op);
  rk_kernel_status_t ks;
  rk_status_t s = rk_kernel_status(kh_k(op), &ks);
  if (s != RK_OK) return rkpy_raise_status(st, s);
  rkpy_status *o = PyObject_New(rkpy_status, st->KernelStatus_type);
  if (!o) return NULL;
  o->id = PyUnicode_FromString(ks.id);
  o->state = rkpy_enum(st, "KernelState", ks.state);
  o->mode = rkpy_enum(st, "KernelMode", ks.mode);
  o->input_queue_depth = ks.input_queue_depth;
  o->output_queue_depth = ks.output_queue_depth;
  o->messages_processed = ks.messages_processed;
  o->messages_dead_lettered = ks.messages_dead_lettered;
  o->uptime_secs = ks.uptime_secs;
  if (!o->id || !o->state || !o->mode) Py_CLEAR(o);
  return (PyObject *)o;
}

static void status_dealloc(PyObject *op) {
  rkpy_status *o = (rkpy_status *)op;
  Py_XDECREF(o->id);
  Py_XDECREF(o->state);
  Py_XDECREF(o->mode);
  rkpy_dealloc(op);
}

static PyObject *status_repr(PyObject *op) {
  rkpy_status *o = (rkpy_status *)op;
  return PyUnicode_FromFormat("KernelStatus(id=%R, state=%S, processed=%llu)", o->id, o->state,
                              o->messages_processed);
}

#define STATUS_FIELD(name, type)                                                                   \
  { #name, type, offsetof(rkpy_status, name), READONLY, NULL }
static PyMemberDef status_members[] = {
    STATUS_FIELD(id, T_OBJECT),
    STATUS_FIELD(state, T_OBJECT),
    STATUS_FIELD(mode, T_OBJECT),
    STATUS_FIELD(input_queue_depth, T_ULONGLONG),
    STATUS_FIELD(output_queue_depth, T_ULONGLONG),
    STATUS_FIELD(messages_processed, T_ULONGLONG),
    STATUS_FIELD(messages_dead_lettered, T_ULONGLONG),
    STATUS_FIELD(uptime_secs, T_DOUBLE),
    {NULL, 0, 0, 0, NULL},
};
#undef STATUS_FIELD

static PyType_Slot status_slots[] = {
    {Py_tp_dealloc, status_dealloc},
    {Py_tp_members, status_members},
    {Py_tp_repr, status_repr},
    {Py_tp_doc, "A snapshot of one kernel's state and counters."},
    {0, NULL},
};

static PyType_Spec status_spec = {
    .name = "ringkernel.KernelStatus",
    .basicsize = sizeof(rkpy_status),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = status_slots,
};

static PyObject *kh_stats(PyObject *op, int output) {
  rk_queue_stats_t qs;
  rk_status_t s =
      output ? rk_kernel_output_stats(kh_k(op), &qs) : rk_kernel_input_stats(kh_k(op), &qs);
  if (s != RK_OK) return rkpy_raise_status(kh_state(op), s);
  return rkpy_queue_stats_new(kh_state(op), &qs);
}

static PyObject *kh_input_stats(PyObject *op, PyObject *Py_UNUSED(ignored)) {
  return kh_stats(op, 0);
}

static PyObject *kh_output_stats(PyObject *op, PyObject *Py_UNUSED(ignored)) {
  return kh_stats(op, 1);
}

/* Metrics of the input queue (where back-pressure shows) with the default monitor. */
static PyObject *kh_queue_metrics(PyObject *op, PyObject *Py_UNUSED(ignored)) {
  rk_queue_stats_t qs;
  rk_queue_monitor_t mon;
  rk_queue_metrics_t qm;
  rk_queue_monitor_init(&mon);
  rk_status_t s = rk_kernel_input_stats(kh_k(op), &qs);
  if (s == RK_OK) s = rk_queue_metrics_compute(&mon, &qs, rk_kernel_input_capacity(kh_k(op)), &qm);
  if (s != RK_OK) return rkpy_raise_status(kh_state(op), s);
  return rkpy_queue_metrics_new(kh_state(op), &qm);
}

static PyObject *kh_dead_letters(PyObject *op, PyObject *Py_UNUSED(ignored)) {
  PyObject *list = PyList_New(0);
  rk_dead_letter_t dl;
  while (list && rk_kernel_pop_dead_letter(kh_k(op), &dl) == RK_OK) {
    PyObject *d = Py_BuildValue("{sKsKsKssss}", "message_id", (unsigned long long)dl.message_id,
                                "correlation_id", (unsigned long long)dl.correlation_id,
                                "message_type", (unsigned long long)dl.message_type, "reason",
                                rk_status_name(dl.reason), "detail", dl.detail);
    if (!d || PyList_Append(list, d) < 0) Py_CLEAR(list);
    Py_XDECREF(d);
  }
  return list;
}

/* ---- sending ------------------------------------------------------------------------ */

/* The header and payload of a send: a MessageEnvelope, or any bytes-like payload (a fresh
 * header, message type 0). view is filled (and must be released) in the second case. */
static int kh_message_parts(rkpy_state *st, PyObject *msg, const rk_message_header_t **hdr,
                            const void **payload, size_t *len, Py_buffer *view) {
  if (rkpy_message_parts(st, msg, "message", hdr, payload, len, view) == 0) return 0;
  PyErr_Format(PyExc_TypeError, "message must be a MessageEnvelope or bytes-like, got %.100s",
               Py_TYPE(msg)->tp_name);
  return -1;
}

typedef struct {
  rk_kernel_t *k;
  const rk_message_header_t *hdr;
  const void *payload;
  size_t len;
  rk_message_t *reply;
} kh_io;

static rk_status_t kh_send_step(void *ctx, int64_t slice_ns) {
  kh_io *io = ctx;
  return rk_kernel_send(io->k, io->hdr, io->payload, io->len, slice_ns);
}

static rk_status_t kh_receive_step(void *ctx, int64_t slice_ns) {
  kh_io *io = ctx;
  return rk_kernel_receive(io->k, &io->reply, slice_ns);
}

/* Sends one message; timeout_ns 0 = fail at once with QueueFullError when full. */
static int kh_send_one(PyObject *op, PyObject *msg, int64_t timeout_ns, uint64_t cid,
                       int64_t *waited_ns) {
  rkpy_state *st = kh_state(op);
  Py_buffer view;
  kh_io io = {.k = kh_k(op)};
  rk_message_header_t copy;
  if (kh_message_parts(st, msg, &io.hdr, &io.payload, &io.len, &view) < 0) return -1;
  if (cid) {
    if (io.hdr)
      copy = *io.hdr;
    else
      rk_message_header_init(&copy, 0, 0, 0, io.len, (rk_hlc_timestamp_t){0, 0, 0});
    copy.correlation_id = cid;
    copy.message_id = 0;
    io.hdr = &copy;
  }
  /* A send that finds room does not block: try it with the GIL held, and release the GIL
   * (a wake-up's worth of time on the request path) only to wait for space. */
  rk_status_t s = kh_send_step(&io, 0);
  if (waited_ns) *waited_ns = 0;
  if (s == RK_EAGAIN && timeout_ns != 0) {
    const int64_t start = rkpy_now_ns();
    s = rkpy_wait(kh_send_step, &io, timeout_ns);
    if (waited_ns) *waited_ns = rkpy_now_ns() - start;
  }
  if (view.obj) PyBuffer_Release(&view);
  if (s == RK_OK) return 0;
  if (!PyErr_Occurred()) rkpy_raise_status(st, s);
  return -1;
}

static PyObject *kh_send_sync(PyObject *op, PyObject *const *args, Py_ssize_t nargs,
                              PyObject *kwnames) {
  static const char *const names[] = {"envelope", "timeout"};
  PyObject *a[2];
  int64_t timeout_ns = 0;
  if (rkpy_parse_args("send_sync", args, nargs, kwnames, names, 2, 1, a) < 0 ||
      (a[1] && rkpy_arg_timeout(a[1], "timeout", 1, &timeout_ns) < 0) ||
      kh_send_one(op, a[0], timeout_ns, 0, NULL) < 0)
    return NULL;
  Py_RETURN_NONE;
}

typedef struct {
  rk_kernel_t *k;
  rk_send_item_t *items;
  size_t count, done;
} kh_batch;

static rk_status_t kh_batch_step(void *ctx, int64_t slice_ns) {
  kh_batch *b = ctx;
  size_t accepted = 0;
  rk_status_t s =
      rk_kernel_send_many(b->k, b->items + b->done, b->count - b->done, slice_ns, &accepted);
  b->done += accepted;
  return s;
}

/* Payloads other than bytes and envelopes (bytearray, memoryview, NumPy) are read through
 * a buffer view held until the send is over; the array for them is allocated only when
 * the first such payload shows up, so a batch of bytes or envelopes allocates none. */
static int kh_fill_items(rkpy_state *st, PyObject *seq, rk_send_item_t *items, Py_buffer **views,
                         Py_ssize_t n) {
  for (Py_ssize_t i = 0; i < n; i++) {
    PyObject *msg = PyTuple_GET_ITEM(seq, i);
    Py_buffer scratch, *view = &scratch;
    if (!PyBytes_CheckExact(msg) && !PyObject_TypeCheck(msg, st->MessageEnvelope_type)) {
      if (!*views && !(*views = PyMem_Calloc((size_t)n, sizeof **views))) {
        PyErr_NoMemory();
        return -1;
      }
      view = &(*views)[i];
    }
    if (kh_message_parts(st, msg, &items[i].header, &items[i].payload, &items[i].len, view) < 0)
      return -1;
  }
  return 0;
}

/* Bytes a batch copies (each message's header and payload) up to which it is first tried
 * with the GIL held: copying that much takes microseconds, about what handing the GIL
 * off and back costs (plus the clock read of a timed wait). Larger batches copy with the
 * GIL released, so other threads are not held up for long. */
#define KH_SEND_HOLD_GIL_BYTES (256 * 1024)

static size_t kh_batch_bytes(const rk_send_item_t *items, Py_ssize_t n) {
  size_t total = 0;
  for (Py_ssize_t i = 0; i < n; i++)
    total += RK_HEADER_SIZE + items[i].len;
  return total;
}

static rk_status_t kh_batch_send(kh_batch *b, int64_t timeout_ns) {
  rk_status_t s = RK_EAGAIN;
  if (timeout_ns == 0 || kh_batch_bytes(b->items, (Py_ssize_t)b->count) <= KH_SEND_HOLD_GIL_BYTES)
    s = kh_batch_step(b, 0);
  if (s == RK_EAGAIN && timeout_ns != 0) s = rkpy_wait(kh_batch_step, b, timeout_ns);
  return s;
}

/* Vectorcall (no argument tuple or keyword dict per call): batch loops call it often. */
static PyObject *kh_send_many(PyObject *op, PyObject *const *args, Py_ssize_t nargs,
                              PyObject *kwnames) {
  static const char *const names[] = {"messages", "timeout"};
  PyObject *a[2];
  int64_t timeout_ns = 0;
  rkpy_state *st = kh_state(op);
  if (rkpy_parse_args("send_many", args, nargs, kwnames, names, 2, 1, a) < 0 ||
      (a[1] && rkpy_arg_timeout(a[1], "timeout", 1, &timeout_ns) < 0))
    return NULL;
  PyObject *msgs = a[0];
  /* A tuple of our own, not PySequence_Fast: for a list that returns the list itself, and
   * another thread could empty it (freeing the envelopes whose memory we point into)
   * while the send waits with the GIL released. */
  PyObject *seq = PySequence_Tuple(msgs);
  if (!seq) {
    if (PyErr_ExceptionMatches(PyExc_TypeError)) {
      PyErr_Clear();
      PyErr_SetString(PyExc_TypeError, "messages must be a sequence of envelopes or bytes");
    }
    return NULL;
  }
  Py_ssize_t n = PyTuple_GET_SIZE(seq);
  rk_send_item_t *items = PyMem_Malloc((n ? (size_t)n : 1) * sizeof *items);
  Py_buffer *views = NULL;
  kh_batch b = {.k = kh_k(op), .items = items, .count = (size_t)n};
  rk_status_t s = RK_OK;
  int failed = !items;
  if (failed)
    PyErr_NoMemory();
  else
    failed = kh_fill_items(st, seq, items, &views, n) < 0;
  if (!failed && n > 0) s = kh_batch_send(&b, timeout_ns);
  for (Py_ssize_t i = 0; views && i < n; i++)
    if (views[i].obj) PyBuffer_Release(&views[i]);
  PyMem_Free(items);
  PyMem_Free(views);
  Py_DECREF(seq);
  if (failed || PyErr_Occurred()) return NULL;
  if (s != RK_OK && s != RK_EAGAIN && s != RK_ETIMEDOUT && b.done == 0)
    return rkpy_raise_status(st, s);
  return PyLong_FromSize_t(b.done);
}

/* ---- receiving ---------------------------------------------------------------------- */

/* The correlation id of a received envelope. */
static uint64_t kh_cid_of(rkpy_state *st, PyObject *env) {
  const rk_message_header_t *hdr;
  const void *p;
  size_t len;
  return rkpy_envelope_parts(st, env, &hdr, &p, &len) == 0 ? hdr->correlation_id : 0;
}

/* 1 when a request in flight waits for this correlation id, 0 if not (the int lets
 * callers keep their -1-on-error shape). */
static int kh_is_pending(PyObject *op, uint64_t cid) {
  return rkpy_cid_set_contains(&((rkpy_kernel *)op)->pending, cid);
}

/* Removes and returns (new ref) stash entry i; NULL with an exception on failure. */
static PyObject *kh_stash_take_at(PyObject *stash, Py_ssize_t i) {
  PyObject *env = PyList_GET_ITEM(stash, i);
  Py_INCREF(env);
  if (PyList_SetSlice(stash, i, i + 1, NULL) < 0) Py_CLEAR(env);
  return env;
}

/* Oldest stashed reply no pending request waits for (new ref), or NULL without an
 * exception when there is none. */
static PyObject *kh_stash_pop(PyObject *op) {
  PyObject *stash = ((rkpy_kernel *)op)->stash;
  for (Py_ssize_t i = 0; stash && i < PyList_GET_SIZE(stash); i++) {
    int pending = kh_is_pending(op, kh_cid_of(kh_state(op), PyList_GET_ITEM(stash, i)));
    if (pending < 0) return NULL;
    if (!pending) return kh_stash_take_at(stash, i);
  }
  return NULL;
}

/* A reply was set aside (GIL held): threads blocked in a wait on this kernel look in the
 * stash again (their wait step sees stash_gen move; the interrupt ends a wait already
 * asleep), and parked asyncio awaiters are woken through the readiness fd (the runtime's
 * signal for that reply may have been consumed by whoever took it). */
static void kh_stash_changed(PyObject *op) {
  rkpy_kernel *h = (rkpy_kernel *)op;
  atomic_fetch_add(&h->stash_gen, 1);
  if (atomic_load(&h->waiters) > 0) rk_runtime_interrupt(h->runtime->rt);
  if (h->runtime->dispatcher) rk_runtime_ready_signal(h->runtime->rt);
}

/* Appends a received reply to the stash (consumes env). 0 / -1. */
static int kh_stash_push(PyObject *op, PyObject *env) {
  int rc = env ? PyList_Append(((rkpy_kernel *)op)->stash, env) : -1;
  Py_XDECREF(env);
  if (rc == 0) kh_stash_changed(op);
  return rc;
}

/* A wait step that ends (RK_OK with `moved` set) as soon as the kernel's stash changed
 * after gen0 was read (with the GIL, when the caller last looked in the stash), so the
 * caller looks again instead of sleeping beside a reply another thread set aside. */
typedef struct {
  rkpy_wait_step step;
  void *ctx;
  rkpy_kernel *h;
  uint64_t gen0;
  bool moved;
} kh_stash_watch;

static rk_status_t kh_watch_step(void *ctx, int64_t slice_ns) {
  kh_stash_watch *w = ctx;
  atomic_fetch_add(&w->h->waiters, 1); /* before the look: pairs with kh_stash_changed */
  rk_status_t s;
  if (atomic_load(&w->h->stash_gen) != w->gen0) {
    w->moved = true;
    s = RK_OK;
  } else {
    s = w->step(w->ctx, slice_ns);
  }
  atomic_fetch_sub(&w->h->waiters, 1);
  return s;
}

static kh_stash_watch kh_watch(PyObject *op, rkpy_wait_step step, void *ctx) {
  rkpy_kernel *h = (rkpy_kernel *)op;
  return (kh_stash_watch){step, ctx, h, atomic_load(&h->stash_gen), false};
}

/* The next reply no pending request waits for: stash first, then the queue (waiting up
 * to timeout_ns in total). Returns NULL with no exception when there is none within the
 * timeout and none_on_empty is set. */
static PyObject *kh_receive_impl(PyObject *op, int64_t timeout_ns, int none_on_empty) {
  rkpy_state *st = kh_state(op);
  kh_io io = {.k = kh_k(op)};
  /* Each round looks once with the GIL held and no clock read (try_receive's only look; a
   * reply already waiting needs no more); the deadline is set when a wait is needed. */
  int64_t deadline = timeout_ns < 0 ? -1 : 0;
  bool clock_read = timeout_ns <= 0;
  for (;;) {
    PyObject *stashed = kh_stash_pop(op);
    if (stashed || PyErr_Occurred()) return stashed;
    rk_status_t s = kh_receive_step(&io, 0);
    if (s == RK_EAGAIN && timeout_ns != 0) {
      if (!clock_read) deadline = rkpy_now_ns() + timeout_ns;
      clock_read = true;
      kh_stash_watch w = kh_watch(op, kh_receive_step, &io);
      s = rkpy_wait_until(kh_watch_step, &w, deadline);
      if (s == RK_OK && w.moved) continue; /* another thread set a reply aside: look */
      /* rkpy_wait_until named what was left of the deadline (0.00199985 s for 0.002) */
      if (s == RK_ETIMEDOUT) rk_last_error_set_timeout(timeout_ns);
    }
    if (s == RK_OK) {
      uint64_t cid = rk_message_header(io.reply)->correlation_id;
      PyObject *env = rkpy_envelope_from_message(st, io.reply);
      int pending = env ? kh_is_pending(op, cid) : -1;
      if (pending == 0) return env;
      if (pending < 0) {
        Py_XDECREF(env);
        return NULL;
      }
      if (kh_stash_push(op, env) < 0) return NULL;
      continue;
    }
    if (PyErr_Occurred()) return NULL;
    if (none_on_empty && (s == RK_EAGAIN || s == RK_ETIMEDOUT)) return NULL;
    if (s == RK_EAGAIN) return rkpy_raise_as(PyExc_TimeoutError, s);
    return rkpy_raise_status(st, s);
  }
}

static PyObject *kh_try_receive(PyObject *op, PyObject *Py_UNUSED(ignored)) {
  PyObject *r = kh_receive_impl(op, 0, 1);
  if (r || PyErr_Occurred()) return r;
  Py_RETURN_NONE;
}

static PyObject *kh_receive_sync(PyObject *op, PyObject *const *args, Py_ssize_t nargs,
                                 PyObject *kwnames) {
  static const char *const names[] = {"timeout"};
  PyObject *a[1];
  int64_t timeout_ns = -1;
  if (rkpy_parse_args("receive_sync", args, nargs, kwnames, names, 1, 0, a) < 0 ||
      (a[0] && rkpy_arg_timeout(a[0], "timeout", 1, &timeout_ns) < 0))
    return NULL;
  return kh_receive_impl(op, timeout_ns, 0);
}

static PyObject *kh_receive_timeout_sync(PyObject *op, PyObject *t) {
  int64_t timeout_ns = 0;
  if (rkpy_arg_timeout(t, "timeout", 0, &timeout_ns) < 0) return NULL;
  return kh_receive_impl(op, timeout_ns, 0);
}

/* receive_many takes replies out of the runtime this many at a time: one
 * rk_kernel_receive_many call (one lock, one queue scan) per chunk instead of one
 * rk_kernel_receive per message, and a chunk's array fits on the stack. */
#define KH_RECEIVE_CHUNK 256

typedef struct {
  rk_kernel_t *k;
  rk_message_t **out;
  size_t want, got;
} kh_chunk;

static rk_status_t kh_chunk_step(void *ctx, int64_t slice_ns) {
  kh_chunk *c = ctx;
  return rk_kernel_receive_many(c->k, c->out, c->want, slice_ns, &c->got);
}

/* Moves the stashed replies no pending request waits for into list (oldest first) until
 * it holds max. 0 / -1. */
static int kh_drain_stash(PyObject *op, PyObject *list, size_t max) {
  while ((size_t)PyList_GET_SIZE(list) < max) {
    PyObject *env = kh_stash_pop(op);
    if (!env) return PyErr_Occurred() ? -1 : 0;
    int rc = PyList_Append(list, env);
    Py_DECREF(env);
    if (rc < 0) return -1;
  }
  return 0;
}

/* Wraps a received chunk into envelopes: replies a pending request waits for go to the
 * stash, the others to list, in arrival order. Every message is owned by an envelope or
 * freed, also on error. 0 / -1. */
static int kh_take_chunk(PyObject *op, PyObject *list, rk_message_t **msgs, size_t n) {
  rkpy_state *st = kh_state(op);
  size_t i = 0;
  int rc = 0;
  for (; i < n && rc == 0; i++) {
    uint64_t cid = rk_message_header(msgs[i])->correlation_id;
    PyObject *env = rkpy_envelope_from_message(st, msgs[i]);
    int pending = env ? kh_is_pending(op, cid) : -1;
    if (pending > 0) {
      rc = kh_stash_push(op, env); /* consumes env */
      continue;
    }
    rc = pending == 0 ? PyList_Append(list, env) : -1;
    Py_XDECREF(env);
  }
  for (; i < n; i++)
    rk_message_free(msgs[i]);
  return rc;
}

/* Fills list up to max: the stash first, then chunks from the runtime taken with the GIL
 * held (a chunk that finds replies never blocks). Only when nothing at all was found does
 * it wait, releasing the GIL, until deadline (< 0: none; 0 timeout: no wait). */
static int kh_receive_into(PyObject *op, PyObject *list, size_t max, int64_t timeout_ns) {
  rk_message_t *buf[KH_RECEIVE_CHUNK];
  /* read the clock only once a wait is needed: on the GPU host's VM a read is not free */
  int64_t deadline = timeout_ns < 0 ? -1 : 0;
  bool clock_read = timeout_ns <= 0;
  if (kh_drain_stash(op, list, max) < 0) return -1;
  while ((size_t)PyList_GET_SIZE(list) < max) {
    size_t left = max - (size_t)PyList_GET_SIZE(list);
    kh_chunk c = {kh_k(op), buf, left < KH_RECEIVE_CHUNK ? left : KH_RECEIVE_CHUNK, 0};
    rk_status_t s = kh_chunk_step(&c, 0);
    if (s == RK_EAGAIN && PyList_GET_SIZE(list) == 0 && timeout_ns != 0) {
      if (!clock_read) deadline = rkpy_now_ns() + timeout_ns;
      clock_read = true;
      kh_stash_watch w = kh_watch(op, kh_chunk_step, &c);
      s = rkpy_wait_until(kh_watch_step, &w, deadline);
      if (s == RK_OK && w.moved) { /* another thread set replies aside: take those first */
        if (kh_drain_stash(op, list, max) < 0) return -1;
        continue;
      }
    }
    if (PyErr_Occurred()) {
      for (size_t i = 0; i < c.got; i++)
        rk_message_free(buf[i]);
      return -1;
    }
    if (s == RK_EAGAIN || s == RK_ETIMEDOUT) return 0;
    if (s != RK_OK) {
      rkpy_raise_status(kh_state(op), s);
      return -1;
    }
    if (kh_take_chunk(op, list, buf, c.got) < 0) return -1;
    /* A short chunk drained the queue: another call would only find it empty. Unless
     * all it held went to pending requests and the caller is willing to wait. */
    if (c.got < c.want && (PyList_GET_SIZE(list) > 0 || timeout_ns == 0)) return 0;
  }
  return 0;
}

static PyObject *kh_receive_many(PyObject *op, PyObject *const *args, Py_ssize_t nargs,
                                 PyObject *kwnames) {
  static const char *const names[] = {"max_messages", "timeout"};
  PyObject *a[2];
  size_t max = 1024;
  int64_t timeout_ns = 0;
  if (rkpy_parse_args("receive_many", args, nargs, kwnames, names, 2, 0, a) < 0 ||
      (a[0] && rkpy_arg_size(a[0], "max_messages", RK_QUEUE_CAPACITY_MAX, &max) < 0) ||
      (a[1] && rkpy_arg_timeout(a[1], "timeout", 1, &timeout_ns) < 0))
    return NULL;
  PyObject *list = PyList_New(0);
  if (list && kh_receive_into(op, list, max, timeout_ns) < 0) Py_CLEAR(list);
  return list;
}

/* ---- request ------------------------------------------------------------------------ */

/* Index in the stash of the reply with this correlation id, or -1. */
static Py_ssize_t kh_stash_find(PyObject *op, uint64_t cid) {
  PyObject *stash = ((rkpy_kernel *)op)->stash;
  for (Py_ssize_t i = 0; stash && i < PyList_GET_SIZE(stash); i++)
    if (kh_cid_of(kh_state(op), PyList_GET_ITEM(stash, i)) == cid) return i;
  return -1;
}

/* Takes the stashed reply with this correlation id, if any (new ref, or NULL). */
static PyObject *kh_stash_take(PyObject *op, uint64_t cid) {
  Py_ssize_t i = kh_stash_find(op, cid);
  return i < 0 ? NULL : kh_stash_take_at(((rkpy_kernel *)op)->stash, i);
}

/* Registers a request in flight (see kh_receive_impl). 0 / -1 with MemoryError. */
static int kh_pending_add(PyObject *op, uint64_t cid) {
  if (rkpy_cid_set_add(&((rkpy_kernel *)op)->pending, cid) == 0) return 0;
  PyErr_NoMemory();
  return -1;
}

/* Forgets a request in flight; cannot fail, so an exception being raised stays. A reply
 * to it already set aside (a receiver met it while the request was pending) turns into
 * a plain reply: receivers blocked or parked beside it are told, as when a reply is set
 * aside, or they would sleep until their timeout with it in the stash. */
static void kh_pending_forget(PyObject *op, uint64_t cid) {
  rkpy_cid_set_remove(&((rkpy_kernel *)op)->pending, cid);
  if (kh_stash_find(op, cid) >= 0) kh_stash_changed(op);
}

/* Sends a request: a fresh correlation id, registered as pending until forgotten.
 * send_timeout_ns: how long the send may wait for input space (0 for the asyncio path,
 * which must not block its loop); *waited_ns (may be NULL): how long it waited. */
static int kh_start_request(PyObject *op, PyObject *msg, int64_t send_timeout_ns, uint64_t *cid,
                            int64_t *waited_ns) {
  *cid = rk_message_id_generate();
  if (kh_pending_add(op, *cid) < 0) return -1;
  if (kh_send_one(op, msg, send_timeout_ns, *cid, waited_ns) == 0) return 0;
  kh_pending_forget(op, *cid);
  return -1;
}

/* The runtime's wait for one correlation id: replies for others met meanwhile stay
 * parked in the runtime, in order, so a request never holds a plain receiver's reply
 * outside the GIL (a receive_many could otherwise return later replies first). */
typedef struct {
  rk_kernel_t *k;
  uint64_t cid;
  rk_message_t *reply;
} kh_reply_io;

static rk_status_t kh_reply_step(void *ctx, int64_t slice_ns) {
  kh_reply_io *io = ctx;
  return rk_kernel_receive_reply(io->k, io->cid, slice_ns, &io->reply);
}

/* Waits for the reply with cid: in the runtime, or in the stash where a plain receiver
 * that met it set it aside (that ends the wait: kh_watch_step sees the stash move).
 * rkpy_wait slices the wait so Ctrl-C is seen; timeout_ns bounds the whole call (< 0:
 * forever); a TimeoutError names named_timeout_ns, the caller's own timeout (of which
 * timeout_ns may be what is left). */
static PyObject *kh_await_reply(PyObject *op, uint64_t cid, int64_t timeout_ns,
                                int64_t named_timeout_ns) {
  rkpy_state *st = kh_state(op);
  kh_reply_io io = {kh_k(op), cid, NULL};
  const int64_t deadline = timeout_ns < 0 ? -1 : rkpy_now_ns() + timeout_ns;
  for (;;) {
    PyObject *hit = kh_stash_take(op, cid);
    if (hit || PyErr_Occurred()) return hit;
    kh_stash_watch w = kh_watch(op, kh_reply_step, &io);
    rk_status_t s = rkpy_wait_until(kh_watch_step, &w, deadline);
    if (s == RK_OK && w.moved) continue; /* another thread set a reply aside: look */
    if (s == RK_EAGAIN) s = RK_ETIMEDOUT;
    if (s == RK_ETIMEDOUT) rk_last_error_set_timeout(named_timeout_ns); /* the whole wait's */
    if (s != RK_OK) return PyErr_Occurred() ? NULL : rkpy_raise_status(st, s);
    return rkpy_envelope_from_message(st, io.reply);
  }
}

/* How long a request first waits for its reply with the GIL held. Handing the GIL off
 * and taking it back around the wait (a mutex and a condition variable each way) is a
 * visible part of a device round trip of a few microseconds, and the reply usually comes
 * within this; other threads are held up at most this long, far below the interpreter's
 * own switch interval (5 ms). Longer waits release the GIL as before. */
#define KH_HOLD_GIL_NS 20000LL

/* Not when this runtime runs Python handlers: a script kernel's reply is made by
 * runtime.serve() on another thread, which needs the GIL, so holding it only delays the
 * reply. */
static bool kh_may_hold_gil(PyObject *op) {
  PyObject *handlers = ((rkpy_kernel *)op)->runtime->handlers;
  return handlers && PyDict_GET_SIZE(handlers) == 0;
}

/* True when the stash is empty. When it is not, another thread may already have set our
 * reply aside (while the send waited for space with the GIL released): the sliced wait,
 * which looks in the stash first, then goes at once. */
static bool kh_stash_empty(PyObject *op) {
  PyObject *stash = ((rkpy_kernel *)op)->stash;
  return !stash || PyList_GET_SIZE(stash) == 0;
}

/* The request's first wait: up to KH_HOLD_GIL_NS with the GIL held and no clock read.
 * Returns the reply (new ref); NULL with an exception on error; NULL without one when
 * the reply did not come (replies for others stay in the runtime). *waited_ns: what the
 * wait surely took off the timeout. */
static PyObject *kh_hold_gil_reply(PyObject *op, uint64_t cid, int64_t timeout_ns,
                                   int64_t *waited_ns) {
  rkpy_state *st = kh_state(op);
  int64_t hold = timeout_ns >= 0 && timeout_ns < KH_HOLD_GIL_NS ? timeout_ns : KH_HOLD_GIL_NS;
  rk_message_t *m = NULL;
  rk_status_t s = rk_kernel_receive_reply(kh_k(op), cid, hold, &m);
  /* a timed-out wait lasted at least hold; a reply may have come at once */
  *waited_ns = s == RK_ETIMEDOUT ? hold : 0;
  if (s == RK_EAGAIN || s == RK_ETIMEDOUT || s == RK_EINTR) return NULL; /* as rkpy_wait */
  if (s != RK_OK) return rkpy_raise_status(st, s);
  return rkpy_envelope_from_message(st, m);
}

/* The reply to the request with cid: a first wait with the GIL held, then the sliced
 * wait that releases it. */
static PyObject *kh_reply_for(PyObject *op, uint64_t cid, int64_t wait_ns,
                              int64_t named_timeout_ns) {
  if (wait_ns != 0 && kh_may_hold_gil(op) && kh_stash_empty(op)) {
    int64_t held = 0;
    PyObject *reply = kh_hold_gil_reply(op, cid, wait_ns, &held);
    if (reply || PyErr_Occurred()) return reply;
    if (wait_ns > 0) wait_ns = wait_ns > held ? wait_ns - held : 0;
  }
  return kh_await_reply(op, cid, wait_ns, named_timeout_ns);
}

/* Vectorcall, like send_sync: the request path builds no argument tuple or dict. */
static PyObject *kh_request_sync(PyObject *op, PyObject *const *args, Py_ssize_t nargs,
                                 PyObject *kwnames) {
  static const char *const names[] = {"envelope", "timeout"};
  PyObject *a[2];
  int64_t timeout_ns = -1, waited = 0;
  uint64_t cid = 0;
  if (rkpy_parse_args("request_sync", args, nargs, kwnames, names, 2, 1, a) < 0 ||
      (a[1] && rkpy_arg_timeout(a[1], "timeout", 1, &timeout_ns) < 0) ||
      kh_start_request(op, a[0], timeout_ns, &cid, &waited) < 0)
    return NULL;
  /* One timeout bounds the whole request: what the send waited for space comes off it. */
  int64_t wait_ns = timeout_ns;
  if (timeout_ns > 0) {
    wait_ns = timeout_ns - waited;
    if (wait_ns < 0) wait_ns = 0;
  }
  PyObject *reply = kh_reply_for(op, cid, wait_ns, timeout_ns);
  kh_pending_forget(op, cid);
  return reply;
}

/* For ringkernel._aio: sends with a fresh pending correlation id and returns it. */
static PyObject *kh_send_request(PyObject *op, PyObject *msg) {
  uint64_t cid = 0;
  if (kh_start_request(op, msg, 0, &cid, NULL) < 0) return NULL;
  return PyLong_FromUnsignedLongLong(cid);
}

/* For ringkernel._aio: the request with this correlation id is over. */
static PyObject *kh_forget_request(PyObject *op, PyObject *cid_obj) {
  uint64_t cid = 0;
  if (rkpy_arg_u64(cid_obj, "correlation_id", UINT64_MAX, &cid) < 0) return NULL;
  kh_pending_forget(op, cid);
  Py_RETURN_NONE;
}

/* The reply with cid if it is already here (others taken meanwhile are stashed), else
 * NULL without an exception. Unlike a zero-timeout kh_await_reply, a miss builds no
 * TimeoutError: the asyncio path polls once or twice per request, and raising and
 * clearing an exception each time was a visible part of its cost. */
static PyObject *kh_reply_if_here(PyObject *op, uint64_t cid) {
  rkpy_state *st = kh_state(op);
  PyObject *hit = kh_stash_take(op, cid);
  if (hit || PyErr_Occurred()) return hit;
  rk_message_t *m = NULL;
  rk_status_t s = rk_kernel_receive_reply(kh_k(op), cid, 0, &m);
  if (s == RK_EAGAIN || s == RK_ETIMEDOUT || s == RK_EINTR) return NULL;
  if (s != RK_OK) return rkpy_raise_status(st, s);
  return rkpy_envelope_from_message(st, m);
}

/* For ringkernel._aio: _poll_reply(cid, hold_ns=0) -> the reply with this correlation id
 * if it has arrived (others that arrive meanwhile are stashed), else None. hold_ns > 0:
 * first wait up to that long with the GIL held, as request_sync's first wait does (the
 * caller passes it only when its event loop has nothing else to run); otherwise, and
 * whenever holding the GIL cannot help (Python handlers, replies stashed), never blocks. */
static PyObject *kh_poll_reply(PyObject *op, PyObject *const *args, Py_ssize_t nargs,
                               PyObject *kwnames) {
  static const char *const names[] = {"correlation_id", "hold_ns"};
  PyObject *a[2];
  uint64_t cid = 0, hold_ns = 0;
  if (rkpy_parse_args("_poll_reply", args, nargs, kwnames, names, 2, 1, a) < 0 ||
      rkpy_arg_u64(a[0], "correlation_id", UINT64_MAX, &cid) < 0 ||
      (a[1] && rkpy_arg_u64(a[1], "hold_ns", KH_HOLD_GIL_NS, &hold_ns) < 0))
    return NULL;
  PyObject *r = NULL;
  if (hold_ns > 0 && kh_may_hold_gil(op) && kh_stash_empty(op)) {
    int64_t held = 0;
    r = kh_hold_gil_reply(op, cid, (int64_t)hold_ns, &held);
    if (r || PyErr_Occurred()) return r;
  }
  r = kh_reply_if_here(op, cid);
  if (r || PyErr_Occurred()) return r;
  Py_RETURN_NONE;
}

/* ---- awaitables (coroutines of ringkernel._aio) ------------------------------------- */

#define KH_ASYNC(cname, pyname)                                                                    \
  static PyObject *cname(PyObject *op, PyObject *args, PyObject *kwds) {                           \
    return rkpy_aio_call_args(kh_state(op), pyname, op, args, kwds);                               \
  }
KH_ASYNC(kh_activate, "activate")
KH_ASYNC(kh_deactivate, "deactivate")
KH_ASYNC(kh_terminate, "terminate")
KH_ASYNC(kh_send, "send")
KH_ASYNC(kh_receive, "receive")
KH_ASYNC(kh_receive_timeout, "receive_timeout")
KH_ASYNC(kh_request, "request")
KH_ASYNC(kh_wait, "wait")
#undef KH_ASYNC

static PyObject *kh_repr(PyObject *op) {
  PyObject *state = kh_get_state(op, NULL);
  if (!state) return NULL;
  PyObject *r =
      PyUnicode_FromFormat("KernelHandle(id='%s', state=%S)", rk_kernel_id(kh_k(op)), state);
  Py_DECREF(state);
  return r;
}

static PyObject *kh_richcompare(PyObject *a, PyObject *b, int op) {
  if (Py_TYPE(a) != Py_TYPE(b) || (op != Py_EQ && op != Py_NE)) Py_RETURN_NOTIMPLEMENTED;
  int same = kh_k(a) == kh_k(b);
  return PyBool_FromLong(op == Py_EQ ? same : !same);
}

/* Kernels are heap objects: the low bits of the address carry no information. */
static Py_hash_t kh_hash(PyObject *op) {
  Py_hash_t h = (Py_hash_t)((uintptr_t)kh_k(op) >> 4);
  return h == -1 ? -2 : h;
}

#define KW (METH_VARARGS | METH_KEYWORDS)
#define FAST (METH_FASTCALL | METH_KEYWORDS)
#define FN(f) (PyCFunction)(void (*)(void))(f)
static PyMethodDef kh_methods[] = {
    {"is_active", kh_is_active, METH_NOARGS, "True when the kernel is Active."},
    {"status", kh_status, METH_NOARGS, "status() -> KernelStatus snapshot."},
    {"activate", FN(kh_activate), KW, "Awaitable activate_sync()."},
    {"activate_sync", kh_activate_sync, METH_NOARGS,
     "Launched/Deactivated -> Active; KernelStateError otherwise."},
    {"deactivate", FN(kh_deactivate), KW, "Awaitable deactivate_sync()."},
    {"deactivate_sync", kh_deactivate_sync, METH_NOARGS,
     "Active -> Deactivated (queued messages wait); KernelStateError otherwise."},
    {"terminate", FN(kh_terminate), KW, "Awaitable terminate_sync()."},
    {"terminate_sync", kh_terminate_sync, METH_NOARGS,
     "Stops the kernel; unprocessed input is dead-lettered. Replies stay receivable."},
    {"send", FN(kh_send), KW, "Awaitable send_sync(envelope)."},
    {"send_sync", FN(kh_send_sync), FAST,
     "send_sync(envelope, timeout=0) -> None. envelope: MessageEnvelope or any bytes-like "
     "object (sent without an intermediate copy). timeout 0: QueueFullError at once when "
     "full; None: wait for room."},
    {"send_many", FN(kh_send_many), FAST,
     "send_many(messages, timeout=0) -> number accepted, in order (the rest were not "
     "sent)."},
    {"receive", FN(kh_receive), KW, "Awaitable: the next reply."},
    {"receive_sync", FN(kh_receive_sync), FAST,
     "receive_sync(timeout=None) -> MessageEnvelope; TimeoutError when none in time."},
    {"receive_timeout", FN(kh_receive_timeout), KW, "Awaitable receive_timeout_sync(t)."},
    {"receive_timeout_sync", kh_receive_timeout_sync, METH_O,
     "receive_timeout_sync(seconds) -> MessageEnvelope or TimeoutError."},
    {"try_receive", kh_try_receive, METH_NOARGS, "try_receive() -> MessageEnvelope or None."},
    {"receive_many", FN(kh_receive_many), FAST,
     "receive_many(max_messages=1024, timeout=0) -> list; waits only for the first."},
    {"request", FN(kh_request), KW, "Awaitable request_sync(envelope, timeout=None)."},
    {"request_sync", FN(kh_request_sync), FAST,
     "request_sync(envelope, timeout=None) -> the reply carrying the request's "
     "correlation id; other replies stay receivable in order."},
    {"wait", FN(kh_wait), KW, "Awaitable wait_sync(timeout=None)."},
    {"wait_sync", FN(kh_wait_sync), KW,
     "wait_sync(timeout=None) -> None once the kernel is Terminated; TimeoutError."},
    {"input_queue_stats", kh_input_stats, METH_NOARGS, "QueueStats of the input queue."},
    {"output_queue_stats", kh_output_stats, METH_NOARGS, "QueueStats of the output queue."},
    {"queue_metrics", kh_queue_metrics, METH_NOARGS,
     "QueueMetrics of the input queue (default monitor thresholds)."},
    {"dead_letters", kh_dead_letters, METH_NOARGS,
     "dead_letters() -> list of dicts (message_id, correlation_id, message_type, reason, "
     "detail), removing them."},
    {"_send_request", kh_send_request, METH_O, NULL},
    {"_poll_reply", FN(kh_poll_reply), FAST, NULL},
    {"_forget_request", kh_forget_request, METH_O, NULL},
    {NULL, NULL, 0, NULL},
};
#undef KW
#undef FAST
#undef FN

static PyGetSetDef kh_getset[] = {
    {"id", kh_get_id, NULL, "The kernel's string id.", NULL},
    {"numeric_id", kh_get_numeric_id, NULL, "Numeric id used in message headers.", NULL},
    {"state", kh_get_state, NULL, "KernelState now.", NULL},
    {"runtime", kh_get_runtime, NULL, "The RingKernel that launched this kernel.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot kh_slots[] = {
    {Py_tp_new, kh_tp_new},
    {Py_tp_dealloc, kh_dealloc},
    {Py_tp_traverse, kh_traverse},
    {Py_tp_clear, kh_clear},
    {Py_tp_methods, kh_methods},
    {Py_tp_getset, kh_getset},
    {Py_tp_repr, kh_repr},
    {Py_tp_richcompare, kh_richcompare},
    {Py_tp_hash, kh_hash},
    {Py_tp_doc, "A launched kernel (actor): lifecycle, messages, queue statistics."},
    {0, NULL},
};

static PyType_Spec kh_spec = {
    .name = "ringkernel.KernelHandle",
    .basicsize = sizeof(rkpy_kernel),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = kh_slots,
};

int rkpy_kernel_exec(PyObject *m) {
  rkpy_state *st = rkpy_state_of_module(m);
  if (rkpy_add_type(m, &kh_spec, NULL, &st->KernelHandle_type) < 0) return -1;
  return rkpy_add_type(m, &status_spec, NULL, &st->KernelStatus_type);
}
