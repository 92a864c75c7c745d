/* py_hybrid.c — HybridConfig, HybridDispatcher and HybridStats (spec §7) over
 * ringkernel/hybrid.h. ProcessingMode is an IntEnum of ringkernel._enums. */
#include "rkpy_values.h"

#include <math.h>
#include <stddef.h>

#include "ringkernel/hybrid.h"

typedef struct {
  PyObject_HEAD
  rk_hybrid_config_t c;
} rkpy_hconfig;

typedef struct {
  PyObject_HEAD
  rk_hybrid_stats_t s;
} rkpy_hstats;

typedef struct {
  PyObject_HEAD
  rk_hybrid_dispatcher_t *d;
} rkpy_hdispatcher;

/* ---- HybridConfig ----------------------------------------------------------------- */

static PyObject *hconfig_wrap(rkpy_state *st, const rk_hybrid_config_t *c) {
  PyTypeObject *t = st->HybridConfig_type;
  rkpy_hconfig *self = (rkpy_hconfig *)t->tp_alloc(t, 0);
  if (self) self->c = *c;
  return (PyObject *)self;
}

static PyObject *hconfig_new(PyTypeObject *type, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"mode", "gpu_threshold", "learning_rate", "gpu_available", NULL};
  PyObject *mode = NULL, *threshold = NULL, *lr = NULL;
  int gpu = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "|OOOp:HybridConfig", kwlist, &mode, &threshold, &lr,
                                   &gpu))
    return NULL;
  rkpy_state *st = rkpy_state_of_type(type);
  rk_hybrid_config_t c;
  rk_hybrid_config_init(&c);
  long mode_value = 0;
  if (mode) {
    if (rkpy_enum_value(st, "ProcessingMode", mode, &mode_value) < 0) return NULL;
    c.mode = (rk_processing_mode_t)mode_value;
  }
  if (rkpyv_opt_u64(threshold, "gpu_threshold", UINT64_MAX, &c.gpu_threshold) < 0) return NULL;
  if (lr && rkpy_arg_double(lr, "learning_rate", 0.0, 1.0, &c.learning_rate) < 0) return NULL;
  c.gpu_available = gpu != 0;
  rkpy_hconfig *self = (rkpy_hconfig *)type->tp_alloc(type, 0);
  if (self) self->c = c;
  return (PyObject *)self;
}

static PyObject *hconfig_preset(PyObject *cls, void (*preset)(rk_hybrid_config_t *)) {
  PyTypeObject *type = (PyTypeObject *)cls;
  rkpy_hconfig *self = (rkpy_hconfig *)type->tp_alloc(type, 0);
  if (self) preset(&self->c);
  return (PyObject *)self;
}

static PyObject *hconfig_cpu_only(PyObject *cls, PyObject *unused) {
  (void)unused;
  return hconfig_preset(cls, rk_hybrid_config_cpu_only);
}

static PyObject *hconfig_gpu_only(PyObject *cls, PyObject *unused) {
  (void)unused;
  return hconfig_preset(cls, rk_hybrid_config_gpu_only);
}

static PyObject *hconfig_adaptive(PyObject *cls, PyObject *unused) {
  (void)unused;
  return hconfig_preset(cls, rk_hybrid_config_adaptive);
}

static PyObject *hconfig_mode(PyObject *self, void *unused) {
  (void)unused;
  return rkpy_enum(rkpyv_state(self), "ProcessingMode", (long)((rkpy_hconfig *)self)->c.mode);
}

static PyObject *hconfig_gpu_available(PyObject *self, void *unused) {
  (void)unused;
  return PyBool_FromLong(((rkpy_hconfig *)self)->c.gpu_available);
}

static PyObject *hconfig_repr(PyObject *self) {
  const rk_hybrid_config_t *c = &((rkpy_hconfig *)self)->c;
  return PyUnicode_FromFormat(
      "HybridConfig(mode=%s, threshold=%llu, gpu=%s)", rk_processing_mode_name(c->mode),
      (unsigned long long)c->gpu_threshold, c->gpu_available ? "true" : "false");
}

static PyObject *hconfig_richcompare(PyObject *a, PyObject *b, int op) {
  if ((op != Py_EQ && op != Py_NE) || Py_TYPE(a) != Py_TYPE(b)) Py_RETURN_NOTIMPLEMENTED;
  const rk_hybrid_config_t *x = &((rkpy_hconfig *)a)->c, *y = &((rkpy_hconfig *)b)->c;
  int eq = x->mode == y->mode && x->gpu_threshold == y->gpu_threshold &&
           x->learning_rate == y->learning_rate && x->gpu_available == y->gpu_available;
  return PyBool_FromLong(op == Py_EQ ? eq : !eq);
}

static Py_hash_t hconfig_hash(PyObject *self) {
  const rk_hybrid_config_t *c = &((rkpy_hconfig *)self)->c;
  return rkpyv_hash_values("(iKdi)", (int)c->mode, (unsigned long long)c->gpu_threshold,
                           c->learning_rate, (int)c->gpu_available);
}

static PyMemberDef hconfig_members[] = {
    {"gpu_threshold", T_ULONGLONG, offsetof(rkpy_hconfig, c.gpu_threshold), READONLY,
     "Workloads of at least this size go to the GPU (Hybrid mode)."},
    {"learning_rate", T_DOUBLE, offsetof(rkpy_hconfig, c.learning_rate), READONLY,
     "Weight of each new measurement in Adaptive mode (0..1)."},
    {NULL, 0, 0, 0, NULL},
};

static PyGetSetDef hconfig_getset[] = {
    {"mode", hconfig_mode, NULL, "ProcessingMode.", NULL},
    {"gpu_available", hconfig_gpu_available, NULL, "Whether a GPU may be used.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef hconfig_methods[] = {
    {"cpu_only", hconfig_cpu_only, METH_NOARGS | METH_CLASS,
     "CpuOnly, threshold 10000, learning rate 0.1, no GPU."},
    {"gpu_only", hconfig_gpu_only, METH_NOARGS | METH_CLASS,
     "GpuOnly, threshold 0, learning rate 0.1, GPU available."},
    {"adaptive", hconfig_adaptive, METH_NOARGS | METH_CLASS,
     "Adaptive, threshold 10000, learning rate 0.1, GPU available."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot hconfig_slots[] = {
    {Py_tp_doc, "HybridConfig(mode=ProcessingMode.CpuOnly, gpu_threshold=10000, "
                "learning_rate=0.1, gpu_available=False)"},
    {Py_tp_new, hconfig_new},
    {Py_tp_repr, hconfig_repr},
    {Py_tp_richcompare, hconfig_richcompare},
    {Py_tp_hash, hconfig_hash},
    {Py_tp_members, hconfig_members},
    {Py_tp_getset, hconfig_getset},
    {Py_tp_methods, hconfig_methods},
    {0, NULL},
};

static PyType_Spec hconfig_spec = {
    .name = "ringkernel.HybridConfig",
    .basicsize = sizeof(rkpy_hconfig),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = hconfig_slots,
};

/* ---- HybridStats ------------------------------------------------------------------ */

static PyObject *hstats_new(PyTypeObject *type, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"cpu_count", "gpu_count", "adaptive_threshold", NULL};
  PyObject *cpu = NULL, *gpu = NULL, *thr = Py_None;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "|OOO:HybridStats", kwlist, &cpu, &gpu, &thr))
    return NULL;
  rk_hybrid_stats_t s = {0};
  if (rkpyv_opt_u64(cpu, "cpu_count", UINT64_MAX, &s.cpu_count) < 0) return NULL;
  if (rkpyv_opt_u64(gpu, "gpu_count", UINT64_MAX, &s.gpu_count) < 0) return NULL;
  if (thr != Py_None) {
    if (rkpy_arg_u64(thr, "adaptive_threshold", UINT64_MAX, &s.adaptive_threshold) < 0) return NULL;
    s.has_adaptive_threshold = true;
  }
  rkpy_hstats *self = (rkpy_hstats *)type->tp_alloc(type, 0);
  if (self) self->s = s;
  return (PyObject *)self;
}

static PyObject *hstats_threshold(PyObject *self, void *unused) {
  (void)unused;
  const rk_hybrid_stats_t *s = &((rkpy_hstats *)self)->s;
  if (!s->has_adaptive_threshold) Py_RETURN_NONE;
  return PyLong_FromUnsignedLongLong(s->adaptive_threshold);
}

static PyObject *hstats_total(PyObject *self, PyObject *unused) {
  (void)unused;
  return PyLong_FromUnsignedLongLong(rk_hybrid_stats_total(&((rkpy_hstats *)self)->s));
}

static PyObject *hstats_gpu_ratio(PyObject *self, PyObject *unused) {
  (void)unused;
  return PyFloat_FromDouble(rk_hybrid_stats_gpu_ratio(&((rkpy_hstats *)self)->s));
}

static PyObject *hstats_repr(PyObject *self) {
  const rk_hybrid_stats_t *s = &((rkpy_hstats *)self)->s;
  PyObject *thr = hstats_threshold(self, NULL);
  if (!thr) return NULL;
  PyObject *out =
      PyUnicode_FromFormat("HybridStats(cpu=%llu, gpu=%llu, threshold=%R)",
                           (unsigned long long)s->cpu_count, (unsigned long long)s->gpu_count, thr);
  Py_DECREF(thr);
  return out;
}

static PyMemberDef hstats_members[] = {
    {"cpu_count", T_ULONGLONG, offsetof(rkpy_hstats, s.cpu_count), READONLY,
     "Executions recorded on the CPU."},
    {"gpu_count", T_ULONGLONG, offsetof(rkpy_hstats, s.gpu_count), READONLY,
     "Executions recorded on the GPU."},
    {NULL, 0, 0, 0, NULL},
};

static PyGetSetDef hstats_getset[] = {
    {"adaptive_threshold", hstats_threshold, NULL, "Learned threshold in Adaptive mode, else None.",
     NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef hstats_methods[] = {
    {"total", hstats_total, METH_NOARGS, "cpu_count + gpu_count."},
    {"gpu_ratio", hstats_gpu_ratio, METH_NOARGS, "gpu_count / total (0.0 when empty)."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot hstats_slots[] = {
    {Py_tp_doc, "Execution counts of a HybridDispatcher (a snapshot)."},
    {Py_tp_new, hstats_new},
    {Py_tp_repr, hstats_repr},
    {Py_tp_members, hstats_members},
    {Py_tp_getset, hstats_getset},
    {Py_tp_methods, hstats_methods},
    {0, NULL},
};

static PyType_Spec hstats_spec = {
    .name = "ringkernel.HybridStats",
    .basicsize = sizeof(rkpy_hstats),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = hstats_slots,
};

/* ---- HybridDispatcher ------------------------------------------------------------- */

static rk_hybrid_dispatcher_t *hd(PyObject *self) {
  return ((rkpy_hdispatcher *)self)->d;
}

static PyObject *hdispatcher_make(PyTypeObject *type, const rk_hybrid_config_t *c) {
  rk_hybrid_dispatcher_t *d = NULL;
  rk_status_t s = rk_hybrid_dispatcher_create(c, &d);
  if (s != RK_OK) return rkpy_raise_status(rkpy_state_of_type(type), s);
  rkpy_hdispatcher *self = (rkpy_hdispatcher *)type->tp_alloc(type, 0);
  if (!self) {
    rk_hybrid_dispatcher_destroy(d);
    return NULL;
  }
  self->d = d;
  return (PyObject *)self;
}

static PyObject *hdispatcher_new(PyTypeObject *type, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"config", NULL};
  rkpy_state *st = rkpy_state_of_type(type);
  PyObject *config = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "|O!:HybridDispatcher", kwlist, st->HybridConfig_type,
                                   &config))
    return NULL;
  rk_hybrid_config_t c;
  rk_hybrid_config_init(&c);
  if (config) c = ((rkpy_hconfig *)config)->c;
  return hdispatcher_make(type, &c);
}

static PyObject *hdispatcher_with_defaults(PyObject *cls, PyObject *unused) {
  (void)unused;
  rk_hybrid_config_t c;
  rk_hybrid_config_init(&c);
  return hdispatcher_make((PyTypeObject *)cls, &c);
}

static void hdispatcher_dealloc(PyObject *self) {
  PyTypeObject *tp = Py_TYPE(self);
  rk_hybrid_dispatcher_destroy(hd(self));
  tp->tp_free(self);
  Py_DECREF(tp);
}

static PyObject *hdispatcher_should_use_gpu(PyObject *self, PyObject *arg) {
  uint64_t n = 0;
  if (rkpy_arg_u64(arg, "workload_size", UINT64_MAX, &n) < 0) return NULL;
  return PyBool_FromLong(rk_hybrid_dispatcher_should_use_gpu(hd(self), n));
}

static PyObject *hdispatcher_record_cpu(PyObject *self, PyObject *unused) {
  (void)unused;
  rk_hybrid_dispatcher_record_cpu(hd(self));
  Py_RETURN_NONE;
}

static PyObject *hdispatcher_record_gpu(PyObject *self, PyObject *unused) {
  (void)unused;
  rk_hybrid_dispatcher_record_gpu(hd(self));
  Py_RETURN_NONE;
}

static int hdispatcher_time_arg(PyObject *obj, const char *what, double *out) {
  if (rkpyv_real(obj, what, out) < 0) return -1;
  if (isfinite(*out) && *out >= 0) return 0;
  PyErr_Format(PyExc_ValueError, "%s must be a finite number >= 0, got %R", what, obj);
  return -1;
}

static PyObject *hdispatcher_update(PyObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"workload_size", "cpu_time_ms", "gpu_time_ms", NULL};
  PyObject *size_obj = NULL, *cpu_obj = NULL, *gpu_obj = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "OOO:update_adaptive_threshold", kwlist, &size_obj,
                                   &cpu_obj, &gpu_obj))
    return NULL;
  uint64_t size = 0;
  double cpu = 0, gpu = 0;
  if (rkpy_arg_u64(size_obj, "workload_size", UINT64_MAX, &size) < 0 ||
      hdispatcher_time_arg(cpu_obj, "cpu_time_ms", &cpu) < 0 ||
      hdispatcher_time_arg(gpu_obj, "gpu_time_ms", &gpu) < 0)
    return NULL;
  rk_status_t s = rk_hybrid_dispatcher_update_adaptive_threshold(hd(self), size, cpu, gpu);
  if (s != RK_OK) return rkpy_raise_status(rkpyv_state(self), s);
  Py_RETURN_NONE;
}

/* Records one timed run; the learning rule lives in C (rk_hybrid_dispatcher_record_timed)
 * so the Lua binding shares it. */
static int hdispatcher_learn(PyObject *self, uint64_t size, bool on_gpu, double ms) {
  rk_status_t s = rk_hybrid_dispatcher_record_timed(hd(self), size, on_gpu, ms);
  if (s == RK_OK) return 0;
  rkpy_raise_status(rkpyv_state(self), s);
  return -1;
}

static PyObject *hdispatcher_dispatch(PyObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"size", "cpu_fn", "gpu_fn", NULL};
  PyObject *size_obj = NULL, *cpu_fn = NULL, *gpu_fn = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "OOO:dispatch", kwlist, &size_obj, &cpu_fn, &gpu_fn))
    return NULL;
  uint64_t size = 0;
  if (rkpy_arg_u64(size_obj, "size", UINT64_MAX, &size) < 0) return NULL;
  if (!PyCallable_Check(cpu_fn) || !PyCallable_Check(gpu_fn)) {
    PyErr_SetString(PyExc_TypeError, "dispatch: cpu_fn and gpu_fn must be callables");
    return NULL;
  }
  bool on_gpu = rk_hybrid_dispatcher_should_use_gpu(hd(self), size);
  int64_t t0 = rkpyv_now_ns();
  PyObject *result = PyObject_CallNoArgs(on_gpu ? gpu_fn : cpu_fn);
  if (!result) return NULL;
  double ms = (double)(rkpyv_now_ns() - t0) / 1e6;
  if (hdispatcher_learn(self, size, on_gpu, ms) < 0) {
    Py_DECREF(result);
    return NULL;
  }
  return result;
}

static PyObject *hdispatcher_threshold(PyObject *self, void *unused) {
  (void)unused;
  return PyLong_FromUnsignedLongLong(rk_hybrid_dispatcher_adaptive_threshold(hd(self)));
}

static PyObject *hdispatcher_stats(PyObject *self, PyObject *unused) {
  (void)unused;
  PyTypeObject *t = rkpyv_state(self)->HybridStats_type;
  rkpy_hstats *out = (rkpy_hstats *)t->tp_alloc(t, 0);
  if (out) rk_hybrid_dispatcher_stats(hd(self), &out->s);
  return (PyObject *)out;
}

static PyObject *hdispatcher_config(PyObject *self, PyObject *unused) {
  (void)unused;
  rk_hybrid_config_t c;
  rk_hybrid_dispatcher_config(hd(self), &c);
  return hconfig_wrap(rkpyv_state(self), &c);
}

static PyObject *hdispatcher_set_gpu(PyObject *self, PyObject *arg) {
  int b = PyObject_IsTrue(arg);
  if (b < 0) return NULL;
  rk_hybrid_dispatcher_set_gpu_available(hd(self), b != 0);
  Py_RETURN_NONE;
}

static PyObject *hdispatcher_repr(PyObject *self) {
  rk_hybrid_config_t c;
  rk_hybrid_stats_t s;
  rk_hybrid_dispatcher_config(hd(self), &c);
  rk_hybrid_dispatcher_stats(hd(self), &s);
  return PyUnicode_FromFormat("HybridDispatcher(mode=%s, threshold=%llu, cpu=%llu, gpu=%llu)",
                              rk_processing_mode_name(c.mode),
                              (unsigned long long)rk_hybrid_dispatcher_adaptive_threshold(hd(self)),
                              (unsigned long long)s.cpu_count, (unsigned long long)s.gpu_count);
}

static PyGetSetDef hdispatcher_getset[] = {
    {"adaptive_threshold", hdispatcher_threshold, NULL,
     "Current threshold (the configured one until Adaptive mode learns).", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef hdispatcher_methods[] = {
    {"with_defaults", hdispatcher_with_defaults, METH_NOARGS | METH_CLASS,
     "Dispatcher with HybridConfig()."},
    {"should_use_gpu", hdispatcher_should_use_gpu, METH_O,
     "Whether a workload of this size goes to the GPU."},
    {"record_cpu_execution", hdispatcher_record_cpu, METH_NOARGS, "Count one CPU run."},
    {"record_gpu_execution", hdispatcher_record_gpu, METH_NOARGS, "Count one GPU run."},
    {"update_adaptive_threshold", (PyCFunction)(void (*)(void))hdispatcher_update,
     METH_VARARGS | METH_KEYWORDS,
     "Adaptive mode: move the threshold toward size*0.8 (GPU faster) or size*1.2."},
    {"dispatch", (PyCFunction)(void (*)(void))hdispatcher_dispatch, METH_VARARGS | METH_KEYWORDS,
     "dispatch(size, cpu_fn, gpu_fn): call the chosen zero-argument callable, count and "
     "time it, learn the threshold, and return its result."},
    {"stats", hdispatcher_stats, METH_NOARGS, "HybridStats snapshot."},
    {"config", hdispatcher_config, METH_NOARGS, "The HybridConfig in use."},
    {"set_gpu_available", hdispatcher_set_gpu, METH_O, "Tell the dispatcher about the GPU."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot hdispatcher_slots[] = {
    {Py_tp_doc, "HybridDispatcher(config=None): routes workloads between CPU and GPU. "
                "Thread-safe."},
    {Py_tp_new, hdispatcher_new},
    {Py_tp_dealloc, hdispatcher_dealloc},
    {Py_tp_repr, hdispatcher_repr},
    {Py_tp_getset, hdispatcher_getset},
    {Py_tp_methods, hdispatcher_methods},
    {0, NULL},
};

static PyType_Spec hdispatcher_spec = {
    .name = "ringkernel.HybridDispatcher",
    .basicsize = sizeof(rkpy_hdispatcher),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = hdispatcher_slots,
};

int rkpy_hybrid_exec(PyObject *m) {
  rkpy_state *st = rkpy_state_of_module(m);
  if (rkpy_add_type(m, &hconfig_spec, NULL, &st->HybridConfig_type) < 0) return -1;
  if (rkpy_add_type(m, &hstats_spec, NULL, &st->HybridStats_type) < 0) return -1;
  return rkpy_add_type(m, &hdispatcher_spec, NULL, &st->HybridDispatcher_type);
}
