/* py_runtime.c — RingKernel (rk_runtime_t), RuntimeMetrics, and the module-level helpers
 * that need a runtime (is_cuda_available, _bench_c_roundtrip). */
#include "py_runtime.h"

#include <structmember.h>

#include "ringkernel/cuda.h"

rkpy_state *rkpy_runtime_state(PyObject *obj) {
  return rkpy_state_of_type(Py_TYPE(obj));
}

static int rt_check_open(rkpy_runtime *self) {
  if (self->rt) return 0;
  PyErr_SetString(rkpy_runtime_state((PyObject *)self)->RingKernelError, "runtime is closed");
  return -1;
}

/* ---- construction ------------------------------------------------------------------- */

static int rt_parse_backend(rkpy_state *st, PyObject *obj, rk_backend_kind_t *out) {
  if (PyUnicode_Check(obj)) {
    const char *name = PyUnicode_AsUTF8(obj);
    if (!name) return -1;
    rk_status_t s = rk_backend_parse(name, out);
    if (s != RK_OK) {
      rkpy_raise_status(st, s);
      return -1;
    }
    return 0;
  }
  long v = 0;
  if (rkpy_enum_value(st, "Backend", obj, &v) < 0) return -1;
  *out = (rk_backend_kind_t)v;
  return 0;
}

static PyObject *rt_create_impl(PyTypeObject *type, PyObject *args, PyObject *kwds) {
  static char *kwlist[] = {"backend", "node_id", "enable_k2k", "workers", NULL};
  PyObject *backend = NULL, *node = NULL, *workers = NULL;
  int k2k = 1;
  rkpy_state *st = rkpy_state_of_type(type);
  rk_runtime_config_t cfg;
  rk_runtime_config_init(&cfg);
  cfg.backend = RK_BACKEND_CPU;
  uint64_t v = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "|OOpO:create", kwlist, &backend, &node, &k2k,
                                   &workers) ||
      (backend && rt_parse_backend(st, backend, &cfg.backend) < 0) ||
      (node && rkpy_arg_u64(node, "node_id", 65535, &cfg.node_id) < 0))
    return NULL;
  if (workers) {
    if (rkpy_arg_u64(workers, "workers", 256, &v) < 0) return NULL;
    cfg.worker_count = (uint32_t)v;
  }
  cfg.enable_k2k = k2k != 0;
  rkpy_runtime *self = (rkpy_runtime *)type->tp_alloc(type, 0);
  if (!self) return NULL;
  self->kernels = PyDict_New();
  self->handlers = PyDict_New();
  if (!self->kernels || !self->handlers) {
    Py_DECREF(self);
    return NULL;
  }
  rk_status_t s;
  Py_BEGIN_ALLOW_THREADS
  s = rk_runtime_create(&cfg, &self->rt);
  Py_END_ALLOW_THREADS
  if (s != RK_OK) {
    Py_DECREF(self);
    return rkpy_raise_status(st, s);
  }
  return (PyObject *)self;
}

static PyObject *rt_tp_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
  return rt_create_impl(type, args, kwds);
}

static PyObject *rt_create_sync(PyObject *cls, PyObject *args, PyObject *kwds) {
  return rt_create_impl((PyTypeObject *)cls, args, kwds);
}

/* Awaitable running obj.<sync_name>(*args, **kwds) (ringkernel._aio.call): create and
 * launch do not block, so their awaitable forms just defer the sync call. */
static PyObject *rt_deferred(rkpy_state *st, PyObject *obj, const char *sync_name,
                             PyObject *args, PyObject *kwds) {
  PyObject *fn = PyObject_GetAttrString(obj, sync_name);
  if (!fn) return NULL;
  PyObject *r = rkpy_aio_call_args(st, "call", fn, args, kwds);
  Py_DECREF(fn);
  return r;
}

static PyObject *rt_create(PyObject *cls, PyObject *args, PyObject *kwds) {
  return rt_deferred(rkpy_state_of_type((PyTypeObject *)cls), cls, "create_sync", args, kwds);
}

static int rt_traverse(PyObject *op, visitproc visit, void *arg) {
  rkpy_runtime *self = (rkpy_runtime *)op;
  Py_VISIT(Py_TYPE(op));
  Py_VISIT(self->kernels);
  Py_VISIT(self->handlers);
  Py_VISIT(self->dispatcher);
  return 0;
}

static int rt_clear(PyObject *op) {
  rkpy_runtime *self = (rkpy_runtime *)op;
  Py_CLEAR(self->kernels);
  Py_CLEAR(self->handlers);
  Py_CLEAR(self->dispatcher);
  return 0;
}

static void rt_dealloc(PyObject *op) {
  rkpy_runtime *self = (rkpy_runtime *)op;
  PyTypeObject *tp = Py_TYPE(op);
  PyObject_GC_UnTrack(op);
  if (self->weakrefs) PyObject_ClearWeakRefs(op);
  rt_clear(op);
  if (self->rt) {
    rk_runtime_t *rt = self->rt;
    self->rt = NULL;
    Py_BEGIN_ALLOW_THREADS
    rk_runtime_destroy(rt);
    Py_END_ALLOW_THREADS
  }
  tp->tp_free(op);
  Py_DECREF(tp);
}

/* ---- kernels ------------------------------------------------------------------------ */

static PyObject *rt_launch_sync(PyObject *op, PyObject *args, PyObject *kwds) {
  static char *kwlist[] = {"kernel_id", "options", NULL};
  rkpy_runtime *self = (rkpy_runtime *)op;
  rkpy_state *st = rkpy_runtime_state(op);
  PyObject *id, *options = Py_None, *callable = NULL;
  rk_launch_options_t opts;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "U|O:launch", kwlist, &id, &options) ||
      rt_check_open(self) < 0 || rkpy_options_get(st, options, &opts, &callable) < 0)
    return NULL;
  const char *cid = rkpy_arg_cstring(id, "kernel id");
  if (!cid) return NULL;
  rk_kernel_t *k = NULL;
  rk_status_t s;
  Py_BEGIN_ALLOW_THREADS
  s = rk_runtime_launch(self->rt, cid, &opts, &k);
  Py_END_ALLOW_THREADS
  if (s != RK_OK) return rkpy_raise_status(st, s);
  if (callable && PyDict_SetItem(self->handlers, id, callable) < 0) return NULL;
  return rkpy_kernel_handle(self, k);
}

static PyObject *rt_launch(PyObject *op, PyObject *args, PyObject *kwds) {
  return rt_deferred(rkpy_runtime_state(op), op, "launch_sync", args, kwds);
}

static PyObject *rt_get_kernel(PyObject *op, PyObject *id) {
  rkpy_runtime *self = (rkpy_runtime *)op;
  if (!PyUnicode_Check(id)) {
    PyErr_Format(PyExc_TypeError, "kernel id must be a str, got %.100s", Py_TYPE(id)->tp_name);
    return NULL;
  }
  if (rt_check_open(self) < 0) return NULL;
  const char *cid = rkpy_arg_cstring(id, "kernel id");
  if (!cid) return NULL;
  rk_kernel_t *k = rk_runtime_get_kernel(self->rt, cid);
  if (!k) Py_RETURN_NONE;
  return rkpy_kernel_handle(self, k);
}

static PyObject *rt_list_ids(rkpy_runtime *self, bool include_terminated) {
  size_t n = rk_runtime_list_kernels(self->rt, NULL, 0, include_terminated);
  const char **ids = PyMem_Calloc(n ? n : 1, sizeof *ids);
  if (!ids) return PyErr_NoMemory();
  n = rk_runtime_list_kernels(self->rt, ids, n, include_terminated);
  PyObject *list = PyList_New((Py_ssize_t)n);
  for (size_t i = 0; list && i < n; i++) {
    PyObject *s = PyUnicode_FromString(ids[i]);
    if (!s)
      Py_CLEAR(list);
    else
      PyList_SET_ITEM(list, (Py_ssize_t)i, s);
  }
  PyMem_Free(ids);
  return list;
}

static PyObject *rt_list_kernels(PyObject *op, PyObject *args, PyObject *kwds) {
  static char *kwlist[] = {"include_terminated", NULL};
  int all = 0;
  rkpy_runtime *self = (rkpy_runtime *)op;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "|p:list_kernels", kwlist, &all) ||
      rt_check_open(self) < 0)
    return NULL;
  return rt_list_ids(self, all != 0);
}

/* ---- metrics ------------------------------------------------------------------------ */

typedef struct {
  PyObject_HEAD
  rk_runtime_metrics_t m;
} rkpy_metrics;

static PyObject *rt_metrics(PyObject *op, PyObject *Py_UNUSED(ignored)) {
  rkpy_runtime *self = (rkpy_runtime *)op;
  rkpy_state *st = rkpy_runtime_state(op);
  if (rt_check_open(self) < 0) return NULL;
  rk_runtime_metrics_t m;
  rk_status_t s = rk_runtime_metrics(self->rt, &m);
  if (s != RK_OK) return rkpy_raise_status(st, s);
  rkpy_metrics *obj = PyObject_New(rkpy_metrics, st->RuntimeMetrics_type);
  if (obj) obj->m = m;
  return (PyObject *)obj;
}

static PyObject *metrics_repr(PyObject *op) {
  const rk_runtime_metrics_t *m = &((rkpy_metrics *)op)->m;
  return PyUnicode_FromFormat(
      "RuntimeMetrics(kernels=%llu, launched=%llu, sent=%llu, recv=%llu)",
      (unsigned long long)m->active_kernels, (unsigned long long)m->total_launched,
      (unsigned long long)m->messages_sent, (unsigned long long)m->messages_received);
}

#define METRIC(name)                                                                               \
  {                                                                                                \
#name, T_ULONGLONG, offsetof(rkpy_metrics, m) + offsetof(rk_runtime_metrics_t, name),          \
        READONLY, NULL                                                                             \
  }
static PyMemberDef metrics_members[] = {
    METRIC(active_kernels),    METRIC(total_launched),  METRIC(messages_sent),
    METRIC(messages_received), METRIC(gpu_memory_used), METRIC(host_memory_used),
    {NULL, 0, 0, 0, NULL},
};
#undef METRIC

static PyType_Slot metrics_slots[] = {
    {Py_tp_dealloc, rkpy_dealloc},
    {Py_tp_members, metrics_members},
    {Py_tp_repr, metrics_repr},
    {Py_tp_doc, "Runtime-wide counters (a snapshot)."},
    {0, NULL},
};

static PyType_Spec metrics_spec = {
    .name = "ringkernel.RuntimeMetrics",
    .basicsize = sizeof(rkpy_metrics),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = metrics_slots,
};

/* ---- shutdown, context managers ----------------------------------------------------- */

static PyObject *rt_shutdown_sync(PyObject *op, PyObject *Py_UNUSED(ignored)) {
  rkpy_runtime *self = (rkpy_runtime *)op;
  if (!self->rt) Py_RETURN_NONE;
  rk_status_t s;
  Py_BEGIN_ALLOW_THREADS
  s = rk_runtime_shutdown(self->rt);
  Py_END_ALLOW_THREADS
  if (s != RK_OK) return rkpy_raise_status(rkpy_runtime_state(op), s);
  Py_RETURN_NONE;
}

static PyObject *rt_async_of(PyObject *op, const char *fn) {
  PyObject *a = PyTuple_Pack(1, op);
  if (!a) return NULL;
  PyObject *r = rkpy_aio_call(rkpy_runtime_state(op), fn, a);
  Py_DECREF(a);
  return r;
}

static PyObject *rt_shutdown(PyObject *op, PyObject *Py_UNUSED(ignored)) {
  return rt_async_of(op, "shutdown");
}

static PyObject *rt_enter(PyObject *op, PyObject *Py_UNUSED(ignored)) {
  return Py_NewRef(op);
}

static PyObject *rt_exit(PyObject *op, PyObject *Py_UNUSED(args)) {
  PyObject *r = rt_shutdown_sync(op, NULL);
  if (!r) return NULL;
  Py_DECREF(r);
  Py_RETURN_FALSE;
}

static PyObject *rt_aenter(PyObject *op, PyObject *Py_UNUSED(ignored)) {
  return rt_async_of(op, "aenter");
}

static PyObject *rt_aexit(PyObject *op, PyObject *Py_UNUSED(args)) {
  return rt_async_of(op, "shutdown");
}

/* ---- readiness (for ringkernel._aio) ------------------------------------------------ */

static PyObject *rt_ready_fd(PyObject *op, PyObject *Py_UNUSED(ignored)) {
  rkpy_runtime *self = (rkpy_runtime *)op;
  if (rt_check_open(self) < 0) return NULL;
  return PyLong_FromLong(rk_runtime_ready_fd(self->rt));
}

static PyObject *rt_ready_clear(PyObject *op, PyObject *Py_UNUSED(ignored)) {
  rkpy_runtime *self = (rkpy_runtime *)op;
  if (self->rt) rk_runtime_ready_clear(self->rt);
  Py_RETURN_NONE;
}

static PyObject *rt_get_dispatcher(PyObject *op, void *Py_UNUSED(c)) {
  rkpy_runtime *self = (rkpy_runtime *)op;
  return Py_NewRef(self->dispatcher ? self->dispatcher : Py_None);
}

static int rt_set_dispatcher(PyObject *op, PyObject *value, void *Py_UNUSED(c)) {
  rkpy_runtime *self = (rkpy_runtime *)op;
  Py_XSETREF(self->dispatcher, (value && value != Py_None) ? Py_NewRef(value) : NULL);
  return 0;
}

/* ---- properties, repr --------------------------------------------------------------- */

static PyObject *rt_get_backend(PyObject *op, void *Py_UNUSED(c)) {
  rkpy_runtime *self = (rkpy_runtime *)op;
  if (rt_check_open(self) < 0) return NULL;
  return rkpy_enum(rkpy_runtime_state(op), "Backend", rk_runtime_backend(self->rt));
}

static PyObject *rt_get_node_id(PyObject *op, void *Py_UNUSED(c)) {
  rkpy_runtime *self = (rkpy_runtime *)op;
  if (rt_check_open(self) < 0) return NULL;
  return PyLong_FromUnsignedLongLong(rk_runtime_node_id(self->rt));
}

static PyObject *rt_get_is_shutdown(PyObject *op, void *Py_UNUSED(c)) {
  rkpy_runtime *self = (rkpy_runtime *)op;
  return PyBool_FromLong(!self->rt || rk_runtime_is_shutdown(self->rt));
}

static PyObject *rt_get_is_k2k(PyObject *op, void *Py_UNUSED(c)) {
  rkpy_runtime *self = (rkpy_runtime *)op;
  if (rt_check_open(self) < 0) return NULL;
  return PyBool_FromLong(rk_runtime_is_k2k_enabled(self->rt));
}

static PyObject *rt_repr(PyObject *op) {
  rkpy_runtime *self = (rkpy_runtime *)op;
  if (!self->rt) return PyUnicode_FromString("RingKernel(closed)");
  size_t n = rk_runtime_list_kernels(self->rt, NULL, 0, false);
  return PyUnicode_FromFormat("RingKernel(backend=%s, kernels=%zu, k2k=%s)",
                              rk_backend_name(rk_runtime_backend(self->rt)), n,
                              rk_runtime_is_k2k_enabled(self->rt) ? "true" : "false");
}

/* The runtime's broker wrapper (py_k2k.c); None when K2K is off. */
PyObject *rkpy_k2k_broker_of_runtime(PyObject *runtime, rk_k2k_broker_t *b);

static PyObject *rt_k2k_broker(PyObject *op, PyObject *Py_UNUSED(ignored)) {
  rkpy_runtime *self = (rkpy_runtime *)op;
  if (rt_check_open(self) < 0) return NULL;
  rk_k2k_broker_t *b = rk_runtime_k2k_broker(self->rt);
  if (!b) Py_RETURN_NONE;
  return rkpy_k2k_broker_of_runtime(op, b);
}

PyObject *rkpy_serve(PyObject *op, PyObject *args, PyObject *kwds);

static PyObject *rt_serve_async(PyObject *op, PyObject *args, PyObject *kwds) {
  return rkpy_aio_call_args(rkpy_runtime_state(op), "serve", op, args, kwds);
}

static PyObject *rt_script_pending(PyObject *op, PyObject *Py_UNUSED(ignored)) {
  rkpy_runtime *self = (rkpy_runtime *)op;
  if (rt_check_open(self) < 0) return NULL;
  return PyLong_FromSize_t(rk_runtime_script_work_pending(self->rt));
}

static PyMethodDef rt_methods[] = {
    {"create", (PyCFunction)(void (*)(void))rt_create, METH_CLASS | METH_VARARGS | METH_KEYWORDS,
     "create(backend='cpu', node_id=1, enable_k2k=True, workers=0) -> awaitable RingKernel."},
    {"create_sync", (PyCFunction)(void (*)(void))rt_create_sync,
     METH_CLASS | METH_VARARGS | METH_KEYWORDS,
     "create_sync(backend='cpu', node_id=1, enable_k2k=True, workers=0) -> RingKernel. "
     "backend: 'cpu', 'cuda' (CudaDeviceError without a device) or 'auto'."},
    {"launch", (PyCFunction)(void (*)(void))rt_launch, METH_VARARGS | METH_KEYWORDS,
     "launch(kernel_id, options=None) -> awaitable KernelHandle."},
    {"launch_sync", (PyCFunction)(void (*)(void))rt_launch_sync, METH_VARARGS | METH_KEYWORDS,
     "launch_sync(kernel_id, options=None) -> KernelHandle. RingKernelError for a "
     "duplicate id or after shutdown."},
    {"get_kernel", rt_get_kernel, METH_O, "get_kernel(id) -> KernelHandle or None."},
    {"list_kernels", (PyCFunction)(void (*)(void))rt_list_kernels, METH_VARARGS | METH_KEYWORDS,
     "list_kernels(include_terminated=False) -> kernel ids in launch order."},
    {"metrics", rt_metrics, METH_NOARGS, "metrics() -> RuntimeMetrics."},
    {"shutdown", rt_shutdown, METH_NOARGS, "shutdown() -> awaitable; see shutdown_sync."},
    {"shutdown_sync", rt_shutdown_sync, METH_NOARGS,
     "Terminates every kernel and refuses new work. Idempotent."},
    {"k2k_broker", rt_k2k_broker, METH_NOARGS,
     "k2k_broker() -> the runtime's K2KBroker (None when K2K is disabled)."},
    {"serve", (PyCFunction)(void (*)(void))rkpy_serve, METH_VARARGS | METH_KEYWORDS,
     "serve(timeout=None, max_messages=None) -> messages handled. Runs the Python "
     "handlers of script kernels on this thread until the timeout passes, max_messages "
     "were handled or the runtime shuts down. A reply that finds its kernel's output full "
     "is held: that kernel's next messages wait until it is out (receive to make room)."},
    {"serve_async", (PyCFunction)(void (*)(void))rt_serve_async, METH_VARARGS | METH_KEYWORDS,
     "serve_async(timeout=None, max_messages=None) -> awaitable serve() driven by the "
     "event loop."},
    {"script_work_pending", rt_script_pending, METH_NOARGS,
     "Messages waiting for Python handlers (not counting those of kernels whose reply "
     "waits for output space)."},
    {"_ready_fd", rt_ready_fd, METH_NOARGS, NULL},
    {"_ready_clear", rt_ready_clear, METH_NOARGS, NULL},
    {"__enter__", rt_enter, METH_NOARGS, NULL},
    {"__exit__", rt_exit, METH_VARARGS, NULL},
    {"__aenter__", rt_aenter, METH_NOARGS, NULL},
    {"__aexit__", rt_aexit, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef rt_getset[] = {
    {"backend", rt_get_backend, NULL, "Backend in use (Cpu or Cuda).", NULL},
    {"node_id", rt_get_node_id, NULL, "HLC node id.", NULL},
    {"is_shutdown", rt_get_is_shutdown, NULL, "True after shutdown.", NULL},
    {"is_k2k_enabled", rt_get_is_k2k, NULL, "True when the K2K broker is on.", NULL},
    {"_dispatcher", rt_get_dispatcher, rt_set_dispatcher, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMemberDef rt_members[] = {
    {"__weaklistoffset__", T_PYSSIZET, offsetof(rkpy_runtime, weakrefs), READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

static PyType_Slot rt_slots[] = {
    {Py_tp_new, rt_tp_new},
    {Py_tp_dealloc, rt_dealloc},
    {Py_tp_traverse, rt_traverse},
    {Py_tp_clear, rt_clear},
    {Py_tp_methods, rt_methods},
    {Py_tp_getset, rt_getset},
    {Py_tp_members, rt_members},
    {Py_tp_repr, rt_repr},
    {Py_tp_doc, "RingKernel: the runtime owning kernels (actors) on one backend."},
    {0, NULL},
};

static PyType_Spec rt_spec = {
    .name = "ringkernel.RingKernel",
    .basicsize = sizeof(rkpy_runtime),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = rt_slots,
};

/* ---- module functions --------------------------------------------------------------- */

static PyObject *mod_is_cuda_available(PyObject *Py_UNUSED(m), PyObject *Py_UNUSED(ignored)) {
  return PyBool_FromLong(rk_cuda_is_available());
}

/* n request/reply round trips through an echo kernel entirely in C (64-byte payload),
 * the baseline the Python benchmark compares against. Returns the per-trip times (ns). */
static rk_status_t bench_roundtrips(rk_kernel_t *k, int64_t *times, size_t n) {
  unsigned char payload[64] = {0};
  for (size_t i = 0; i < n; i++) {
    rk_message_t *reply = NULL;
    int64_t t0 = rkpy_now_ns();
    rk_status_t s = rk_kernel_request(k, NULL, payload, sizeof payload, 5000000000LL, &reply);
    times[i] = rkpy_now_ns() - t0;
    rk_message_free(reply);
    if (s != RK_OK) return s;
  }
  return RK_OK;
}

/* Sends `total` 64-byte messages in batches through send_many and drains the replies with
 * receive_many, keeping at most one batch in flight. */
static rk_status_t bench_batches(rk_kernel_t *k, size_t total, size_t batch) {
  static unsigned char payload[64];
  rk_send_item_t items[256];
  rk_message_t *out[256];
  for (size_t i = 0; i < batch; i++)
    items[i] = (rk_send_item_t){NULL, payload, sizeof payload};
  for (size_t sent = 0; sent < total;) {
    size_t n = total - sent < batch ? total - sent : batch, accepted = 0, got = 0;
    rk_status_t s = rk_kernel_send_many(k, items, n, 5000000000LL, &accepted);
    if (s != RK_OK) return s;
    for (size_t recv = 0; recv < n; recv += got) {
      s = rk_kernel_receive_many(k, out, n - recv, 5000000000LL, &got);
      if (s != RK_OK) return s;
      for (size_t j = 0; j < got; j++)
        rk_message_free(out[j]);
    }
    sent += n;
  }
  return RK_OK;
}

/* The runtime configuration of a benchmark helper: the named backend, defaults else. */
static int bench_config(rkpy_state *st, PyObject *backend, rk_runtime_config_t *cfg) {
  rk_runtime_config_init(cfg);
  cfg->backend = RK_BACKEND_CPU;
  return backend ? rt_parse_backend(st, backend, &cfg->backend) : 0;
}

static PyObject *mod_bench_c_batch(PyObject *m, PyObject *args) {
  rkpy_state *st = rkpy_state_of_module(m);
  PyObject *tot, *bat, *backend = NULL;
  size_t total = 0, batch = 0;
  rk_runtime_config_t cfg;
  if (!PyArg_ParseTuple(args, "OO|O:_bench_c_batch", &tot, &bat, &backend) ||
      rkpy_arg_size(tot, "total", 100000000, &total) < 0 ||
      rkpy_arg_size(bat, "batch", 256, &batch) < 0 || bench_config(st, backend, &cfg) < 0)
    return NULL;
  if (batch == 0) return PyErr_Format(PyExc_ValueError, "batch must be 1..256, got 0");
  rk_runtime_t *rt = NULL;
  rk_kernel_t *k = NULL;
  rk_launch_options_t opts;
  rk_launch_options_init(&opts);
  opts.input_capacity = opts.output_capacity = 1024;
  rk_status_t s;
  int64_t t0 = 0, t1 = 0;
  Py_BEGIN_ALLOW_THREADS
  s = rk_runtime_create(&cfg, &rt);
  if (s == RK_OK) s = rk_runtime_launch(rt, "bench_batch", &opts, &k);
  t0 = rkpy_now_ns();
  if (s == RK_OK) s = bench_batches(k, total, batch);
  t1 = rkpy_now_ns();
  rk_runtime_destroy(rt);
  Py_END_ALLOW_THREADS
  if (s != RK_OK) return rkpy_raise_status(st, s);
  return PyFloat_FromDouble((double)(t1 - t0) / 1e9);
}

static PyObject *mod_bench_c_roundtrip(PyObject *m, PyObject *args) {
  rkpy_state *st = rkpy_state_of_module(m);
  PyObject *count, *backend = NULL;
  size_t n = 0;
  rk_runtime_config_t cfg;
  if (!PyArg_ParseTuple(args, "O|O:_bench_c_roundtrip", &count, &backend) ||
      rkpy_arg_size(count, "n", 10000000, &n) < 0 || bench_config(st, backend, &cfg) < 0)
    return NULL;
  int64_t *times = PyMem_Calloc(n ? n : 1, sizeof *times);
  if (!times) return PyErr_NoMemory();
  rk_runtime_t *rt = NULL;
  rk_kernel_t *k = NULL;
  rk_status_t s;
  Py_BEGIN_ALLOW_THREADS
  s = rk_runtime_create(&cfg, &rt);
  if (s == RK_OK) s = rk_runtime_launch(rt, "bench_echo", NULL, &k);
  if (s == RK_OK) s = bench_roundtrips(k, times, n);
  rk_runtime_destroy(rt);
  Py_END_ALLOW_THREADS
  PyObject *list = s == RK_OK ? PyList_New((Py_ssize_t)n) : NULL;
  for (size_t i = 0; list && i < n; i++) {
    PyObject *v = PyLong_FromLongLong(times[i]);
    if (!v)
      Py_CLEAR(list);
    else
      PyList_SET_ITEM(list, (Py_ssize_t)i, v);
  }
  PyMem_Free(times);
  if (s != RK_OK) return rkpy_raise_status(st, s);
  return list;
}

static PyMethodDef rt_module_functions[] = {
    {"is_cuda_available", mod_is_cuda_available, METH_NOARGS,
     "True when the CUDA backend is built in and a usable device is present."},
    {"_bench_c_roundtrip", mod_bench_c_roundtrip, METH_VARARGS,
     "_bench_c_roundtrip(n, backend='cpu') -> n round-trip times (ns) of a C-level "
     "request loop (echo kernel, 64-byte payload)."},
    {"_bench_c_batch", mod_bench_c_batch, METH_VARARGS,
     "_bench_c_batch(total, batch, backend='cpu') -> seconds to push total 64-byte "
     "messages through an echo kernel with send_many/receive_many in C."},
    {NULL, NULL, 0, NULL},
};

int rkpy_runtime_exec(PyObject *m) {
  rkpy_state *st = rkpy_state_of_module(m);
  if (rkpy_add_type(m, &rt_spec, NULL, &st->RingKernel_type) < 0 ||
      rkpy_add_type(m, &metrics_spec, NULL, &st->RuntimeMetrics_type) < 0)
    return -1;
  return PyModule_AddFunctions(m, rt_module_functions);
}
