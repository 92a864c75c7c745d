/* py_cuda_config.c — PyGpuPoolConfig, PyStreamConfig and PyStreamId of ringkernel.cuda
 * (spec §10). Pure values over ringkernel/cuda.h: they work with or without a GPU. */

#include "py_cuda.h"

typedef struct {
  PyObject_HEAD
  rk_gpu_pool_config_t c;
} rkpy_poolcfg;

typedef struct {
  PyObject_HEAD
  rk_stream_config_t c;
} rkpy_streamcfg;

typedef struct {
  PyObject_HEAD
  rk_stream_id_t id;
} rkpy_streamid;

#define RKPY_MAX_COMPUTE_STREAMS 32

const rk_gpu_pool_config_t *rkpy_gpu_pool_config_of(PyObject *obj) {
  return &((rkpy_poolcfg *)obj)->c;
}

/* ---- PyGpuPoolConfig -------------------------------------------------------------- */

/* Six per-class counts (256 B .. 256 KiB) from any sequence of ints. */
static int poolcfg_counts(PyObject *seq_obj, const char *what, uint32_t out[]) {
  PyObject *seq = PySequence_Fast(seq_obj, "");
  if (!seq) {
    PyErr_Format(PyExc_TypeError, "%s must be a sequence of %d ints, got %.100s", what,
                 RK_GPU_SIZE_CLASS_COUNT, Py_TYPE(seq_obj)->tp_name);
    return -1;
  }
  int rc = 0;
  if (PySequence_Fast_GET_SIZE(seq) != RK_GPU_SIZE_CLASS_COUNT) {
    PyErr_Format(PyExc_ValueError, "%s must have %d entries (256B..256KB), got %zd", what,
                 RK_GPU_SIZE_CLASS_COUNT, PySequence_Fast_GET_SIZE(seq));
    rc = -1;
  }
  for (Py_ssize_t i = 0; rc == 0 && i < RK_GPU_SIZE_CLASS_COUNT; i++) {
    uint64_t v = 0;
    rc = rkpy_arg_u64(PySequence_Fast_GET_ITEM(seq, i), what, UINT32_MAX, &v);
    out[i] = (uint32_t)v;
  }
  Py_DECREF(seq);
  return rc;
}

static PyObject *poolcfg_make(PyTypeObject *type, const rk_gpu_pool_config_t *c) {
  rk_status_t s = rk_gpu_pool_config_validate(c);
  if (s != RK_OK) return rkpy_raise_status(rkpy_state_of_type(type), s);
  rkpy_poolcfg *self = (rkpy_poolcfg *)type->tp_alloc(type, 0);
  if (self) self->c = *c;
  return (PyObject *)self;
}

static PyObject *poolcfg_new(PyTypeObject *type, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"initial_counts",    "max_counts", "max_pool_bytes",
                           "track_allocations", "device",     NULL};
  PyObject *init = Py_None, *max = Py_None, *bytes = Py_None, *dev = NULL;
  int track = 1;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "|OOOpO:PyGpuPoolConfig", kwlist, &init, &max, &bytes,
                                   &track, &dev))
    return NULL;
  rk_gpu_pool_config_t c;
  rk_gpu_pool_config_init(&c);
  if (init != Py_None && poolcfg_counts(init, "initial_counts", c.initial_counts) < 0) return NULL;
  if (max != Py_None && poolcfg_counts(max, "max_counts", c.max_counts) < 0) return NULL;
  if (bytes != Py_None && rkpy_arg_u64(bytes, "max_pool_bytes", UINT64_MAX, &c.max_pool_bytes) < 0)
    return NULL;
  uint64_t device = 0;
  if (rkpyv_opt_u64(dev, "device", INT32_MAX, &device) < 0) return NULL;
  c.device = (int32_t)device;
  c.track_allocations = track != 0;
  return poolcfg_make(type, &c);
}

static PyObject *poolcfg_preset(PyObject *cls, void (*preset)(rk_gpu_pool_config_t *)) {
  rk_gpu_pool_config_t c;
  preset(&c);
  return poolcfg_make((PyTypeObject *)cls, &c);
}

static PyObject *poolcfg_default(PyObject *cls, PyObject *unused) {
  (void)unused;
  return poolcfg_preset(cls, rk_gpu_pool_config_init);
}

static PyObject *poolcfg_graph(PyObject *cls, PyObject *unused) {
  (void)unused;
  return poolcfg_preset(cls, rk_gpu_pool_config_for_graph_analytics);
}

static PyObject *poolcfg_simulation(PyObject *cls, PyObject *unused) {
  (void)unused;
  return poolcfg_preset(cls, rk_gpu_pool_config_for_simulation);
}

static PyObject *poolcfg_minimal(PyObject *cls, PyObject *unused) {
  (void)unused;
  return poolcfg_preset(cls, rk_gpu_pool_config_minimal);
}

static PyObject *counts_tuple(const uint32_t counts[]) {
  return Py_BuildValue("(IIIIII)", counts[0], counts[1], counts[2], counts[3], counts[4],
                       counts[5]);
}

static PyObject *poolcfg_initial(PyObject *self, void *unused) {
  (void)unused;
  return counts_tuple(((rkpy_poolcfg *)self)->c.initial_counts);
}

static PyObject *poolcfg_max(PyObject *self, void *unused) {
  (void)unused;
  return counts_tuple(((rkpy_poolcfg *)self)->c.max_counts);
}

static PyObject *poolcfg_track(PyObject *self, void *unused) {
  (void)unused;
  return PyBool_FromLong(((rkpy_poolcfg *)self)->c.track_allocations);
}

static PyObject *poolcfg_repr(PyObject *self) {
  const rk_gpu_pool_config_t *c = &((rkpy_poolcfg *)self)->c;
  PyObject *init = counts_tuple(c->initial_counts);
  PyObject *max = init ? counts_tuple(c->max_counts) : NULL;
  PyObject *out = max ? PyUnicode_FromFormat("PyGpuPoolConfig(initial_counts=%R, max_counts=%R, "
                                             "max_pool_bytes=%llu, track_allocations=%s)",
                                             init, max, (unsigned long long)c->max_pool_bytes,
                                             c->track_allocations ? "True" : "False")
                      : NULL;
  Py_XDECREF(init);
  Py_XDECREF(max);
  return out;
}

static PyObject *poolcfg_richcompare(PyObject *a, PyObject *b, int op) {
  if ((op != Py_EQ && op != Py_NE) || Py_TYPE(a) != Py_TYPE(b)) Py_RETURN_NOTIMPLEMENTED;
  const rk_gpu_pool_config_t *x = &((rkpy_poolcfg *)a)->c, *y = &((rkpy_poolcfg *)b)->c;
  int eq = x->max_pool_bytes == y->max_pool_bytes && x->track_allocations == y->track_allocations &&
           x->device == y->device &&
           memcmp(x->initial_counts, y->initial_counts, sizeof x->initial_counts) == 0 &&
           memcmp(x->max_counts, y->max_counts, sizeof x->max_counts) == 0;
  return PyBool_FromLong(op == Py_EQ ? eq : !eq);
}

static Py_hash_t poolcfg_hash(PyObject *self) {
  const rk_gpu_pool_config_t *c = &((rkpy_poolcfg *)self)->c;
  PyObject *init = counts_tuple(c->initial_counts);
  PyObject *max = init ? counts_tuple(c->max_counts) : NULL;
  Py_hash_t h = max ? rkpyv_hash_values("(OOKii)", init, max, (unsigned long long)c->max_pool_bytes,
                                        (int)c->track_allocations, (int)c->device)
                    : -1;
  Py_XDECREF(init);
  Py_XDECREF(max);
  return h;
}

static PyMemberDef poolcfg_members[] = {
    {"max_pool_bytes", T_ULONGLONG, offsetof(rkpy_poolcfg, c.max_pool_bytes), READONLY,
     "Ceiling on device memory for all classes and large allocations together."},
    {"device", T_INT, offsetof(rkpy_poolcfg, c.device), READONLY, "Device ordinal."},
    {NULL, 0, 0, 0, NULL},
};

static PyGetSetDef poolcfg_getset[] = {
    {"initial_counts", poolcfg_initial, NULL,
     "Blocks carved at creation per class (256B, 1KB, 4KB, 16KB, 64KB, 256KB).", NULL},
    {"max_counts", poolcfg_max, NULL, "Per-class block ceilings, same order.", NULL},
    {"track_allocations", poolcfg_track, NULL, "Keep per-pointer records.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef poolcfg_methods[] = {
    {"default", poolcfg_default, METH_NOARGS | METH_CLASS, "Same as PyGpuPoolConfig()."},
    {"for_graph_analytics", poolcfg_graph, METH_NOARGS | METH_CLASS,
     "Many 256-byte blocks; 2 GiB."},
    {"for_simulation", poolcfg_simulation, METH_NOARGS | METH_CLASS, "Mid-size blocks; 4 GiB."},
    {"minimal", poolcfg_minimal, METH_NOARGS | METH_CLASS, "10/100 blocks per class; 64 MiB."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot poolcfg_slots[] = {
    {Py_tp_doc, "PyGpuPoolConfig(initial_counts=None, max_counts=None, max_pool_bytes=None, "
                "track_allocations=True, device=0); None keeps the default preset's value."},
    {Py_tp_new, poolcfg_new},
    {Py_tp_repr, poolcfg_repr},
    {Py_tp_richcompare, poolcfg_richcompare},
    {Py_tp_hash, poolcfg_hash},
    {Py_tp_members, poolcfg_members},
    {Py_tp_getset, poolcfg_getset},
    {Py_tp_methods, poolcfg_methods},
    {0, NULL},
};

static PyType_Spec poolcfg_spec = {
    .name = "ringkernel.cuda.PyGpuPoolConfig",
    .basicsize = sizeof(rkpy_poolcfg),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = poolcfg_slots,
};

/* ---- PyStreamConfig --------------------------------------------------------------- */

static PyObject *streamcfg_wrap(PyTypeObject *type, const rk_stream_config_t *c) {
  rkpy_streamcfg *self = (rkpy_streamcfg *)type->tp_alloc(type, 0);
  if (self) self->c = *c;
  return (PyObject *)self;
}

static PyObject *streamcfg_new(PyTypeObject *type, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"num_compute_streams", "use_transfer_stream", "enable_graph_capture",
                           NULL};
  rk_stream_config_t c;
  rk_stream_config_init(&c);
  PyObject *n = NULL;
  int transfer = c.use_transfer_stream, graph = c.enable_graph_capture;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "|Opp:PyStreamConfig", kwlist, &n, &transfer, &graph))
    return NULL;
  if (n) {
    uint64_t v = 0;
    if (rkpy_arg_u64(n, "num_compute_streams", RKPY_MAX_COMPUTE_STREAMS, &v) < 0) return NULL;
    if (v == 0) {
      PyErr_Format(PyExc_ValueError, "num_compute_streams must be 1..%d, got 0",
                   RKPY_MAX_COMPUTE_STREAMS);
      return NULL;
    }
    c.num_compute_streams = (uint32_t)v;
  }
  c.use_transfer_stream = transfer != 0;
  c.enable_graph_capture = graph != 0;
  return streamcfg_wrap(type, &c);
}

static PyObject *streamcfg_preset(PyObject *cls, void (*preset)(rk_stream_config_t *)) {
  rk_stream_config_t c;
  preset(&c);
  return streamcfg_wrap((PyTypeObject *)cls, &c);
}

static PyObject *streamcfg_default(PyObject *cls, PyObject *unused) {
  (void)unused;
  return streamcfg_preset(cls, rk_stream_config_init);
}

static PyObject *streamcfg_minimal(PyObject *cls, PyObject *unused) {
  (void)unused;
  return streamcfg_preset(cls, rk_stream_config_minimal);
}

static PyObject *streamcfg_performance(PyObject *cls, PyObject *unused) {
  (void)unused;
  return streamcfg_preset(cls, rk_stream_config_performance);
}

static PyObject *streamcfg_simulation(PyObject *cls, PyObject *unused) {
  (void)unused;
  return streamcfg_preset(cls, rk_stream_config_for_simulation);
}

static PyObject *streamcfg_transfer(PyObject *self, void *unused) {
  (void)unused;
  return PyBool_FromLong(((rkpy_streamcfg *)self)->c.use_transfer_stream);
}

static PyObject *streamcfg_graph(PyObject *self, void *unused) {
  (void)unused;
  return PyBool_FromLong(((rkpy_streamcfg *)self)->c.enable_graph_capture);
}

static PyObject *streamcfg_repr(PyObject *self) {
  const rk_stream_config_t *c = &((rkpy_streamcfg *)self)->c;
  return PyUnicode_FromFormat("PyStreamConfig(num_compute_streams=%u, use_transfer_stream=%s, "
                              "enable_graph_capture=%s)",
                              (unsigned)c->num_compute_streams,
                              c->use_transfer_stream ? "True" : "False",
                              c->enable_graph_capture ? "True" : "False");
}

static PyObject *streamcfg_richcompare(PyObject *a, PyObject *b, int op) {
  if ((op != Py_EQ && op != Py_NE) || Py_TYPE(a) != Py_TYPE(b)) Py_RETURN_NOTIMPLEMENTED;
  const rk_stream_config_t *x = &((rkpy_streamcfg *)a)->c, *y = &((rkpy_streamcfg *)b)->c;
  int eq = x->num_compute_streams == y->num_compute_streams &&
           x->use_transfer_stream == y->use_transfer_stream &&
           x->enable_graph_capture == y->enable_graph_capture;
  return PyBool_FromLong(op == Py_EQ ? eq : !eq);
}

static Py_hash_t streamcfg_hash(PyObject *self) {
  const rk_stream_config_t *c = &((rkpy_streamcfg *)self)->c;
  return rkpyv_hash_values("(Iii)", (unsigned)c->num_compute_streams, (int)c->use_transfer_stream,
                           (int)c->enable_graph_capture);
}

static PyMemberDef streamcfg_members[] = {
    {"num_compute_streams", T_UINT, offsetof(rkpy_streamcfg, c.num_compute_streams), READONLY,
     "Compute streams (1..32)."},
    {NULL, 0, 0, 0, NULL},
};

static PyGetSetDef streamcfg_getset[] = {
    {"use_transfer_stream", streamcfg_transfer, NULL, "A dedicated copy stream.", NULL},
    {"enable_graph_capture", streamcfg_graph, NULL, "Capture work into CUDA graphs.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef streamcfg_methods[] = {
    {"default", streamcfg_default, METH_NOARGS | METH_CLASS, "4 compute + transfer."},
    {"minimal", streamcfg_minimal, METH_NOARGS | METH_CLASS, "1 stream."},
    {"performance", streamcfg_performance, METH_NOARGS | METH_CLASS,
     "4 compute + transfer + graph capture."},
    {"for_simulation", streamcfg_simulation, METH_NOARGS | METH_CLASS, "2 compute + transfer."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot streamcfg_slots[] = {
    {Py_tp_doc, "PyStreamConfig(num_compute_streams=4, use_transfer_stream=True, "
                "enable_graph_capture=False)"},
    {Py_tp_new, streamcfg_new},
    {Py_tp_repr, streamcfg_repr},
    {Py_tp_richcompare, streamcfg_richcompare},
    {Py_tp_hash, streamcfg_hash},
    {Py_tp_members, streamcfg_members},
    {Py_tp_getset, streamcfg_getset},
    {Py_tp_methods, streamcfg_methods},
    {0, NULL},
};

static PyType_Spec streamcfg_spec = {
    .name = "ringkernel.cuda.PyStreamConfig",
    .basicsize = sizeof(rkpy_streamcfg),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = streamcfg_slots,
};

/* ---- PyStreamId ------------------------------------------------------------------- */

static PyObject *streamid_wrap(PyObject *cls, rk_stream_id_t id) {
  PyTypeObject *type = (PyTypeObject *)cls;
  rkpy_streamid *self = (rkpy_streamid *)type->tp_alloc(type, 0);
  if (self) self->id = id;
  return (PyObject *)self;
}

static PyObject *streamid_compute(PyObject *cls, PyObject *arg) {
  uint64_t i = 0;
  if (rkpy_arg_u64(arg, "index", RKPY_MAX_COMPUTE_STREAMS - 1, &i) < 0) return NULL;
  return streamid_wrap(cls, rk_stream_id_compute((uint32_t)i));
}

static PyObject *streamid_transfer(PyObject *cls, PyObject *unused) {
  (void)unused;
  return streamid_wrap(cls, rk_stream_id_transfer());
}

static PyObject *streamid_default(PyObject *cls, PyObject *unused) {
  (void)unused;
  return streamid_wrap(cls, rk_stream_id_default());
}

static const rk_stream_id_t *sid(PyObject *self) {
  return &((rkpy_streamid *)self)->id;
}

static const char *streamid_kind_name(int32_t kind) {
  switch ((rk_stream_kind_t)kind) {
  case RK_STREAM_COMPUTE: return "compute";
  case RK_STREAM_TRANSFER: return "transfer";
  case RK_STREAM_DEFAULT: return "default";
  }
  return "default";
}

static PyObject *streamid_kind(PyObject *self, void *unused) {
  (void)unused;
  return PyUnicode_FromString(streamid_kind_name(sid(self)->kind));
}

static PyObject *streamid_is(PyObject *self, rk_stream_kind_t kind) {
  return PyBool_FromLong(sid(self)->kind == (int32_t)kind);
}

static PyObject *streamid_is_compute(PyObject *self, PyObject *unused) {
  (void)unused;
  return streamid_is(self, RK_STREAM_COMPUTE);
}

static PyObject *streamid_is_transfer(PyObject *self, PyObject *unused) {
  (void)unused;
  return streamid_is(self, RK_STREAM_TRANSFER);
}

static PyObject *streamid_is_default(PyObject *self, PyObject *unused) {
  (void)unused;
  return streamid_is(self, RK_STREAM_DEFAULT);
}

static PyObject *streamid_repr(PyObject *self) {
  switch ((rk_stream_kind_t)sid(self)->kind) {
  case RK_STREAM_COMPUTE:
    return PyUnicode_FromFormat("PyStreamId.compute(%u)", (unsigned)sid(self)->index);
  case RK_STREAM_TRANSFER: return PyUnicode_FromString("PyStreamId.transfer()");
  case RK_STREAM_DEFAULT: break;
  }
  return PyUnicode_FromString("PyStreamId.default_stream()");
}

static PyObject *streamid_richcompare(PyObject *a, PyObject *b, int op) {
  if ((op != Py_EQ && op != Py_NE) || Py_TYPE(a) != Py_TYPE(b)) Py_RETURN_NOTIMPLEMENTED;
  int eq = sid(a)->kind == sid(b)->kind && sid(a)->index == sid(b)->index;
  return PyBool_FromLong(op == Py_EQ ? eq : !eq);
}

static Py_hash_t streamid_hash(PyObject *self) {
  Py_hash_t h = (Py_hash_t)sid(self)->kind * 1000003 + (Py_hash_t)sid(self)->index;
  return h == -1 ? -2 : h;
}

static PyMemberDef streamid_members[] = {
    {"index", T_UINT, offsetof(rkpy_streamid, id.index), READONLY,
     "Compute stream index (0 for the others)."},
    {NULL, 0, 0, 0, NULL},
};

static PyGetSetDef streamid_getset[] = {
    {"kind", streamid_kind, NULL, "'compute', 'transfer' or 'default'.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef streamid_methods[] = {
    {"compute", streamid_compute, METH_O | METH_CLASS, "Compute stream `index` (0..31)."},
    {"transfer", streamid_transfer, METH_NOARGS | METH_CLASS, "The transfer stream."},
    {"default_stream", streamid_default, METH_NOARGS | METH_CLASS, "The default stream."},
    {"is_compute", streamid_is_compute, METH_NOARGS, NULL},
    {"is_transfer", streamid_is_transfer, METH_NOARGS, NULL},
    {"is_default", streamid_is_default, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot streamid_slots[] = {
    {Py_tp_doc, "Names one stream of a stream set (hashable)."},
    {Py_tp_repr, streamid_repr},
    {Py_tp_richcompare, streamid_richcompare},
    {Py_tp_hash, streamid_hash},
    {Py_tp_members, streamid_members},
    {Py_tp_getset, streamid_getset},
    {Py_tp_methods, streamid_methods},
    {0, NULL},
};

static PyType_Spec streamid_spec = {
    .name = "ringkernel.cuda.PyStreamId",
    .basicsize = sizeof(rkpy_streamid),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = streamid_slots,
};

int rkpy_cuda_config_exec(PyObject *m) {
  rkpy_state *st = rkpy_state_of_module(m);
  if (rkpy_add_type(m, &poolcfg_spec, NULL, &st->PyGpuPoolConfig_type) < 0) return -1;
  if (rkpy_add_type(m, &streamcfg_spec, NULL, &st->PyStreamConfig_type) < 0) return -1;
  return rkpy_add_type(m, &streamid_spec, NULL, &st->PyStreamId_type);
}
