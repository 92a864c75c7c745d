/* py_bench.c — PyBenchmarkConfig, PyBenchmarkResult and the statistics types of
 * ringkernel.benchmark (spec §11) over ringkernel/bench.h. The suite, baselines and
 * regression reports are in py_bench_suite.c. */
#include "py_bench.h"

#include <string.h>

typedef struct {
  PyObject_HEAD
  rk_bench_config_t c;
} rkpy_bconfig;

typedef struct {
  PyObject_HEAD
  rk_bench_result_t *r;
} rkpy_bresult;

typedef struct {
  PyObject_HEAD
  rk_bench_stats_t s;
} rkpy_bstats;

typedef struct {
  PyObject_HEAD
  rk_bench_ci_t ci;
} rkpy_bci;

typedef struct {
  PyObject_HEAD
  rk_bench_scaling_t s;
} rkpy_bscaling;

/* A workload id as UTF-8 without embedded NULs (borrowed from `obj`). */
static const char *bench_workload_id(PyObject *obj) {
  if (!PyUnicode_Check(obj)) {
    PyErr_Format(PyExc_TypeError, "workload_id must be a str, got %.100s", Py_TYPE(obj)->tp_name);
    return NULL;
  }
  Py_ssize_t len = 0;
  const char *s = PyUnicode_AsUTF8AndSize(obj, &len);
  if (s && strlen(s) != (size_t)len) {
    PyErr_SetString(PyExc_ValueError, "workload_id must not contain NUL characters");
    return NULL;
  }
  return s;
}

/* ---- PyBenchmarkConfig ------------------------------------------------------------ */

const rk_bench_config_t *rkpy_bench_config_of(PyObject *obj) {
  return &((rkpy_bconfig *)obj)->c;
}

PyObject *rkpy_bench_config_new(rkpy_state *st, const rk_bench_config_t *c) {
  PyTypeObject *t = st->PyBenchmarkConfig_type;
  rkpy_bconfig *self = (rkpy_bconfig *)t->tp_alloc(t, 0);
  if (self) self->c = *c;
  return (PyObject *)self;
}

static PyObject *bconfig_make(PyTypeObject *type, const rk_bench_config_t *c) {
  rk_status_t s = rk_bench_config_validate(c);
  if (s != RK_OK) return rkpy_raise_status(rkpy_state_of_type(type), s);
  rkpy_bconfig *self = (rkpy_bconfig *)type->tp_alloc(type, 0);
  if (self) self->c = *c;
  return (PyObject *)self;
}

static int bconfig_set_sizes(rk_bench_config_t *c, PyObject *obj) {
  PyObject *seq = PySequence_Fast(obj, "");
  if (!seq) {
    PyErr_Format(PyExc_TypeError, "sizes must be a sequence of ints, got %.100s",
                 Py_TYPE(obj)->tp_name);
    return -1;
  }
  Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
  int rc = 0;
  if (n > RK_BENCH_MAX_SIZES) {
    PyErr_Format(PyExc_ValueError, "sizes has %zd entries: at most %d", n, RK_BENCH_MAX_SIZES);
    rc = -1;
  }
  uint64_t sizes[RK_BENCH_MAX_SIZES];
  for (Py_ssize_t i = 0; rc == 0 && i < n; i++)
    rc = rkpy_arg_u64(PySequence_Fast_GET_ITEM(seq, i), "sizes[i]", UINT64_MAX, &sizes[i]);
  Py_DECREF(seq);
  if (rc == 0 && rk_bench_config_set_sizes(c, sizes, (size_t)n) != RK_OK) {
    PyErr_SetString(PyExc_ValueError, rk_last_error());
    rc = -1;
  }
  return rc;
}

static int bconfig_u32(PyObject *obj, const char *what, uint32_t *out) {
  uint64_t v = 0;
  if (!obj) return 0;
  if (rkpy_arg_u64(obj, what, UINT32_MAX, &v) < 0) return -1;
  *out = (uint32_t)v;
  return 0;
}

static PyObject *bconfig_new(PyTypeObject *type, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"warmup_iterations",    "measurement_iterations",
                           "regression_threshold", "sizes",
                           "timeout_secs",         NULL};
  PyObject *w = NULL, *m = NULL, *t = NULL, *sizes = NULL, *timeout = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "|OOOOO:PyBenchmarkConfig", kwlist, &w, &m, &t, &sizes,
                                   &timeout))
    return NULL;
  rk_bench_config_t c;
  rk_bench_config_init(&c);
  if (bconfig_u32(w, "warmup_iterations", &c.warmup_iterations) < 0 ||
      bconfig_u32(m, "measurement_iterations", &c.measurement_iterations) < 0)
    return NULL;
  if (t && rkpyv_real(t, "regression_threshold", &c.regression_threshold) < 0) return NULL;
  if (timeout && rkpyv_real(timeout, "timeout_secs", &c.timeout_secs) < 0) return NULL;
  if (sizes && bconfig_set_sizes(&c, sizes) < 0) return NULL;
  return bconfig_make(type, &c);
}

static PyObject *bconfig_preset(PyObject *cls, void (*preset)(rk_bench_config_t *)) {
  rk_bench_config_t c;
  preset(&c);
  return bconfig_make((PyTypeObject *)cls, &c);
}

static PyObject *bconfig_default(PyObject *cls, PyObject *unused) {
  (void)unused;
  return bconfig_preset(cls, rk_bench_config_init);
}

static PyObject *bconfig_quick(PyObject *cls, PyObject *unused) {
  (void)unused;
  return bconfig_preset(cls, rk_bench_config_quick);
}

static PyObject *bconfig_comprehensive(PyObject *cls, PyObject *unused) {
  (void)unused;
  return bconfig_preset(cls, rk_bench_config_comprehensive);
}

static PyObject *bconfig_ci(PyObject *cls, PyObject *unused) {
  (void)unused;
  return bconfig_preset(cls, rk_bench_config_ci);
}

static rk_bench_config_t bconfig_copy(PyObject *self) {
  return ((rkpy_bconfig *)self)->c;
}

static PyObject *bconfig_with_warmup(PyObject *self, PyObject *arg) {
  rk_bench_config_t c = bconfig_copy(self);
  if (bconfig_u32(arg, "warmup_iterations", &c.warmup_iterations) < 0) return NULL;
  return bconfig_make(Py_TYPE(self), &c);
}

static PyObject *bconfig_with_measurements(PyObject *self, PyObject *arg) {
  rk_bench_config_t c = bconfig_copy(self);
  if (bconfig_u32(arg, "measurement_iterations", &c.measurement_iterations) < 0) return NULL;
  return bconfig_make(Py_TYPE(self), &c);
}

static PyObject *bconfig_with_sizes(PyObject *self, PyObject *arg) {
  rk_bench_config_t c = bconfig_copy(self);
  if (bconfig_set_sizes(&c, arg) < 0) return NULL;
  return bconfig_make(Py_TYPE(self), &c);
}

static PyObject *bconfig_with_threshold(PyObject *self, PyObject *arg) {
  rk_bench_config_t c = bconfig_copy(self);
  if (rkpyv_real(arg, "regression_threshold", &c.regression_threshold) < 0) return NULL;
  return bconfig_make(Py_TYPE(self), &c);
}

static PyObject *bconfig_with_timeout(PyObject *self, PyObject *arg) {
  rk_bench_config_t c = bconfig_copy(self);
  if (rkpyv_real(arg, "timeout_secs", &c.timeout_secs) < 0) return NULL;
  return bconfig_make(Py_TYPE(self), &c);
}

static PyObject *bconfig_sizes(PyObject *self, void *unused) {
  (void)unused;
  const rk_bench_config_t *c = &((rkpy_bconfig *)self)->c;
  PyObject *list = PyList_New((Py_ssize_t)c->size_count);
  for (uint32_t i = 0; list && i < c->size_count; i++) {
    PyObject *v = PyLong_FromUnsignedLongLong(c->sizes[i]);
    if (!v)
      Py_CLEAR(list);
    else
      PyList_SET_ITEM(list, i, v);
  }
  return list;
}

static PyObject *bconfig_repr(PyObject *self) {
  const rk_bench_config_t *c = &((rkpy_bconfig *)self)->c;
  PyObject *thr = rkpyv_float_str(c->regression_threshold);
  PyObject *tmo = thr ? rkpyv_float_str(c->timeout_secs) : NULL;
  PyObject *sizes = tmo ? bconfig_sizes(self, NULL) : NULL;
  PyObject *out =
      sizes ? PyUnicode_FromFormat("PyBenchmarkConfig(warmup=%u, measurements=%u, threshold=%U, "
                                   "sizes=%R, timeout_secs=%U)",
                                   (unsigned)c->warmup_iterations,
                                   (unsigned)c->measurement_iterations, thr, sizes, tmo)
            : NULL;
  Py_XDECREF(thr);
  Py_XDECREF(tmo);
  Py_XDECREF(sizes);
  return out;
}

static PyMemberDef bconfig_members[] = {
    {"warmup_iterations", T_UINT, offsetof(rkpy_bconfig, c.warmup_iterations), READONLY,
     "Runs before measuring."},
    {"measurement_iterations", T_UINT, offsetof(rkpy_bconfig, c.measurement_iterations), READONLY,
     "Measured runs."},
    {"regression_threshold", T_DOUBLE, offsetof(rkpy_bconfig, c.regression_threshold), READONLY,
     "Change (a fraction) beyond which a result counts as regressed/improved."},
    {"timeout_secs", T_DOUBLE, offsetof(rkpy_bconfig, c.timeout_secs), READONLY,
     "Time limit of one benchmark."},
    {NULL, 0, 0, 0, NULL},
};

static PyGetSetDef bconfig_getset[] = {
    {"sizes", bconfig_sizes, NULL, "Workload sizes to run.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef bconfig_methods[] = {
    {"default", bconfig_default, METH_NOARGS | METH_CLASS,
     "5 warmup, 10 measurements, [1000, 10000, 100000], 0.10, 60 s."},
    {"quick", bconfig_quick, METH_NOARGS | METH_CLASS,
     "1 warmup, 3 measurements, [10000, 50000], 0.15, 30 s."},
    {"comprehensive", bconfig_comprehensive, METH_NOARGS | METH_CLASS,
     "5 warmup, 10 measurements, six sizes 10k..150k, 0.05, 300 s."},
    {"ci", bconfig_ci, METH_NOARGS | METH_CLASS,
     "2 warmup, 5 measurements, [10000, 50000], 0.10, 120 s."},
    {"with_warmup", bconfig_with_warmup, METH_O, "A copy with warmup_iterations set."},
    {"with_measurements", bconfig_with_measurements, METH_O,
     "A copy with measurement_iterations set."},
    {"with_sizes", bconfig_with_sizes, METH_O, "A copy with sizes set."},
    {"with_regression_threshold", bconfig_with_threshold, METH_O,
     "A copy with regression_threshold set."},
    {"with_timeout_secs", bconfig_with_timeout, METH_O, "A copy with timeout_secs set."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot bconfig_slots[] = {
    {Py_tp_doc, "PyBenchmarkConfig(warmup_iterations=5, measurement_iterations=10, "
                "regression_threshold=0.10, sizes=None, timeout_secs=None)"},
    {Py_tp_new, bconfig_new},
    {Py_tp_repr, bconfig_repr},
    {Py_tp_members, bconfig_members},
    {Py_tp_getset, bconfig_getset},
    {Py_tp_methods, bconfig_methods},
    {0, NULL},
};

static PyType_Spec bconfig_spec = {
    .name = "ringkernel.benchmark.PyBenchmarkConfig",
    .basicsize = sizeof(rkpy_bconfig),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = bconfig_slots,
};

/* ---- PyBenchmarkResult ------------------------------------------------------------ */

const rk_bench_result_t *rkpy_bench_result_of(PyObject *obj) {
  return ((rkpy_bresult *)obj)->r;
}

static PyObject *bresult_wrap_type(PyTypeObject *type, rk_bench_result_t *r) {
  rkpy_bresult *self = (rkpy_bresult *)type->tp_alloc(type, 0);
  if (!self) {
    rk_bench_result_destroy(r);
    return NULL;
  }
  self->r = r;
  return (PyObject *)self;
}

PyObject *rkpy_bench_result_wrap(rkpy_state *st, rk_bench_result_t *r) {
  return bresult_wrap_type(st->PyBenchmarkResult_type, r);
}

PyObject *rkpy_bench_result_copy(rkpy_state *st, const rk_bench_result_t *r) {
  rk_bench_result_t *copy = NULL;
  rk_status_t s = rk_bench_result_clone(r, &copy);
  if (s != RK_OK) return rkpy_raise_status(st, s);
  return rkpy_bench_result_wrap(st, copy);
}

static PyObject *bresult_new(PyTypeObject *type, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"workload_id", "size", "total_time_secs", NULL};
  PyObject *id_obj = NULL, *size_obj = NULL, *time_obj = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "OOO:PyBenchmarkResult", kwlist, &id_obj, &size_obj,
                                   &time_obj))
    return NULL;
  const char *id = bench_workload_id(id_obj);
  uint64_t size = 0;
  double secs = 0;
  if (!id || rkpy_arg_u64(size_obj, "size", UINT64_MAX, &size) < 0 ||
      rkpyv_real(time_obj, "total_time_secs", &secs) < 0)
    return NULL;
  rk_bench_result_t *r = NULL;
  rk_status_t s = rk_bench_result_create(id, size, secs, &r);
  if (s != RK_OK) return rkpy_raise_status(rkpy_state_of_type(type), s);
  return bresult_wrap_type(type, r);
}

/* iterations: None or >= 1 (C's 0 means "not given"); converged: None or a bool. */
static int bresult_optionals(PyObject *it_obj, PyObject *conv_obj, uint64_t *iterations,
                             int *converged) {
  if (it_obj != Py_None) {
    if (rkpy_arg_u64(it_obj, "iterations", UINT64_MAX, iterations) < 0) return -1;
    if (*iterations == 0) {
      PyErr_SetString(PyExc_ValueError, "iterations must be >= 1 (or None), got 0");
      return -1;
    }
  }
  if (conv_obj != Py_None) {
    *converged = PyObject_IsTrue(conv_obj);
    if (*converged < 0) return -1;
  }
  return 0;
}

static PyObject *bresult_from_measurements(PyObject *cls, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"workload_id", "size",      "measurement_times_secs",
                           "iterations",  "converged", NULL};
  PyObject *id_obj = NULL, *size_obj = NULL, *times_obj = NULL;
  PyObject *it_obj = Py_None, *conv_obj = Py_None;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "OOO|OO:from_measurements", kwlist, &id_obj, &size_obj,
                                   &times_obj, &it_obj, &conv_obj))
    return NULL;
  const char *id = bench_workload_id(id_obj);
  uint64_t size = 0, iterations = 0;
  int converged = -1;
  if (!id || rkpy_arg_u64(size_obj, "size", UINT64_MAX, &size) < 0 ||
      bresult_optionals(it_obj, conv_obj, &iterations, &converged) < 0)
    return NULL;
  double *times = NULL;
  size_t n = 0;
  if (rkpyv_doubles(times_obj, "measurement_times_secs", &times, &n) < 0) return NULL;
  rk_bench_result_t *r = NULL;
  rk_status_t s = rk_bench_result_from_measurements(id, size, times, n, iterations, converged, &r);
  PyMem_Free(times);
  PyTypeObject *type = (PyTypeObject *)cls;
  if (s != RK_OK) return rkpy_raise_status(rkpy_state_of_type(type), s);
  return bresult_wrap_type(type, r);
}

static const rk_bench_result_t *br(PyObject *self) {
  return ((rkpy_bresult *)self)->r;
}

static void bresult_dealloc(PyObject *self) {
  PyTypeObject *tp = Py_TYPE(self);
  rk_bench_result_destroy(((rkpy_bresult *)self)->r);
  tp->tp_free(self);
  Py_DECREF(tp);
}

static PyObject *bresult_with_metric(PyObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"key", "value", NULL};
  PyObject *key_obj = NULL, *val_obj = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "UO:with_metric", kwlist, &key_obj, &val_obj))
    return NULL;
  Py_ssize_t len = 0;
  const char *key = PyUnicode_AsUTF8AndSize(key_obj, &len);
  double value = 0;
  if (!key || rkpyv_real(val_obj, "value", &value) < 0) return NULL;
  if (strlen(key) != (size_t)len) {
    PyErr_SetString(PyExc_ValueError, "metric key must not contain NUL characters");
    return NULL;
  }
  rkpy_state *st = rkpyv_state(self);
  rk_bench_result_t *copy = NULL;
  rk_status_t s = rk_bench_result_clone(br(self), &copy);
  if (s == RK_OK) s = rk_bench_result_set_metric(copy, key, value);
  if (s != RK_OK) {
    rk_bench_result_destroy(copy);
    return rkpy_raise_status(st, s);
  }
  return bresult_wrap_type(Py_TYPE(self), copy);
}

static PyObject *bresult_custom_metrics(PyObject *self, PyObject *unused) {
  (void)unused;
  PyObject *d = PyDict_New();
  size_t n = rk_bench_result_metric_count(br(self));
  for (size_t i = 0; d && i < n; i++) {
    const char *key = NULL;
    double value = 0;
    if (rk_bench_result_metric_at(br(self), i, &key, &value) != RK_OK) break;
    PyObject *v = PyFloat_FromDouble(value);
    if (!v || PyDict_SetItemString(d, key, v) < 0) Py_CLEAR(d);
    Py_XDECREF(v);
  }
  return d;
}

static PyObject *bresult_workload_id(PyObject *self, void *unused) {
  (void)unused;
  return PyUnicode_FromString(rk_bench_result_workload_id(br(self)));
}

static PyObject *bresult_size(PyObject *self, void *unused) {
  (void)unused;
  return PyLong_FromUnsignedLongLong(rk_bench_result_size(br(self)));
}

static PyObject *bresult_total_time_secs(PyObject *self, void *unused) {
  (void)unused;
  return PyFloat_FromDouble(rk_bench_result_total_time_secs(br(self)));
}

static PyObject *bresult_throughput_ops(PyObject *self, void *unused) {
  (void)unused;
  return PyFloat_FromDouble(rk_bench_result_throughput_ops(br(self)));
}

static PyObject *bresult_iterations(PyObject *self, void *unused) {
  (void)unused;
  uint64_t it = rk_bench_result_iterations(br(self));
  if (it == 0) Py_RETURN_NONE;
  return PyLong_FromUnsignedLongLong(it);
}

static PyObject *bresult_converged(PyObject *self, void *unused) {
  (void)unused;
  int c = rk_bench_result_converged(br(self));
  if (c < 0) Py_RETURN_NONE;
  return PyBool_FromLong(c);
}

static PyObject *bresult_times(PyObject *self, void *unused) {
  (void)unused;
  size_t n = rk_bench_result_measurement_count(br(self));
  const double *t = rk_bench_result_measurements(br(self));
  PyObject *list = PyList_New((Py_ssize_t)n);
  for (size_t i = 0; list && i < n; i++) {
    PyObject *v = PyFloat_FromDouble(t[i]);
    if (!v)
      Py_CLEAR(list);
    else
      PyList_SET_ITEM(list, (Py_ssize_t)i, v);
  }
  return list;
}

static PyObject *bresult_mops(PyObject *self, PyObject *unused) {
  (void)unused;
  return PyFloat_FromDouble(rk_bench_result_throughput_mops(br(self)));
}

static PyObject *bresult_ms(PyObject *self, PyObject *unused) {
  (void)unused;
  return PyFloat_FromDouble(rk_bench_result_total_time_ms(br(self)));
}

static PyObject *bresult_stddev(PyObject *self, PyObject *unused) {
  (void)unused;
  return PyFloat_FromDouble(rk_bench_result_throughput_stddev(br(self)));
}

static PyObject *bresult_repr(PyObject *self) {
  PyObject *id = bresult_workload_id(self, NULL);
  PyObject *secs = id ? rkpyv_float_str(rk_bench_result_total_time_secs(br(self))) : NULL;
  PyObject *ops = secs ? rkpyv_float_str(rk_bench_result_throughput_ops(br(self))) : NULL;
  PyObject *out =
      ops ? PyUnicode_FromFormat("PyBenchmarkResult(workload_id=%R, size=%llu, total_time_secs=%U, "
                                 "throughput_ops=%U)",
                                 id, (unsigned long long)rk_bench_result_size(br(self)), secs, ops)
          : NULL;
  Py_XDECREF(id);
  Py_XDECREF(secs);
  Py_XDECREF(ops);
  return out;
}

static PyGetSetDef bresult_getset[] = {
    {"workload_id", bresult_workload_id, NULL, "Name of the workload.", NULL},
    {"size", bresult_size, NULL, "Workload size (operations per run).", NULL},
    {"total_time_secs", bresult_total_time_secs, NULL, "Time of one run (mean).", NULL},
    {"throughput_ops", bresult_throughput_ops, NULL, "size * (iterations or 1) / total_time_secs.",
     NULL},
    {"iterations", bresult_iterations, NULL, "Iterations per run, or None.", NULL},
    {"converged", bresult_converged, NULL, "Convergence flag, or None.", NULL},
    {"measurement_times_secs", bresult_times, NULL, "Each measured time.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef bresult_methods[] = {
    {"from_measurements", (PyCFunction)(void (*)(void))bresult_from_measurements,
     METH_VARARGS | METH_KEYWORDS | METH_CLASS,
     "Result over several measured runs: time = mean, throughput = size * (iterations or "
     "1) / mean."},
    {"with_metric", (PyCFunction)(void (*)(void))bresult_with_metric, METH_VARARGS | METH_KEYWORDS,
     "A copy with the custom metric key = value."},
    {"throughput_mops", bresult_mops, METH_NOARGS, "throughput_ops / 1e6."},
    {"total_time_ms", bresult_ms, METH_NOARGS, "total_time_secs * 1000."},
    {"throughput_stddev", bresult_stddev, METH_NOARGS,
     "Sample standard deviation of the per-run throughputs."},
    {"custom_metrics", bresult_custom_metrics, METH_NOARGS, "Custom metrics as a dict."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot bresult_slots[] = {
    {Py_tp_doc, "PyBenchmarkResult(workload_id, size, total_time_secs)"},
    {Py_tp_new, bresult_new},
    {Py_tp_dealloc, bresult_dealloc},
    {Py_tp_repr, bresult_repr},
    {Py_tp_getset, bresult_getset},
    {Py_tp_methods, bresult_methods},
    {0, NULL},
};

static PyType_Spec bresult_spec = {
    .name = "ringkernel.benchmark.PyBenchmarkResult",
    .basicsize = sizeof(rkpy_bresult),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = bresult_slots,
};

/* ---- PyDetailedStatistics --------------------------------------------------------- */

static PyObject *bstats_from_values(PyObject *cls, PyObject *arg) {
  PyTypeObject *type = (PyTypeObject *)cls;
  double *v = NULL;
  size_t n = 0;
  if (rkpyv_doubles(arg, "values", &v, &n) < 0) return NULL;
  rk_bench_stats_t s;
  rk_status_t rc = rk_bench_stats_compute(v, n, &s);
  PyMem_Free(v);
  if (rc != RK_OK) return rkpy_raise_status(rkpy_state_of_type(type), rc);
  rkpy_bstats *self = (rkpy_bstats *)type->tp_alloc(type, 0);
  if (self) self->s = s;
  return (PyObject *)self;
}

static PyObject *bstats_iqr(PyObject *self, PyObject *unused) {
  (void)unused;
  return PyFloat_FromDouble(rk_bench_stats_iqr(&((rkpy_bstats *)self)->s));
}

static PyObject *bstats_cv(PyObject *self, PyObject *unused) {
  (void)unused;
  return PyFloat_FromDouble(rk_bench_stats_cv(&((rkpy_bstats *)self)->s));
}

static PyObject *bstats_repr(PyObject *self) {
  const rk_bench_stats_t *s = &((rkpy_bstats *)self)->s;
  PyObject *mean = rkpyv_float_str(s->mean);
  PyObject *sd = mean ? rkpyv_float_str(s->std_dev) : NULL;
  PyObject *med = sd ? rkpyv_float_str(s->median) : NULL;
  PyObject *out =
      med ? PyUnicode_FromFormat("PyDetailedStatistics(count=%llu, mean=%U, std_dev=%U, median=%U)",
                                 (unsigned long long)s->count, mean, sd, med)
          : NULL;
  Py_XDECREF(mean);
  Py_XDECREF(sd);
  Py_XDECREF(med);
  return out;
}

#define BSTAT(name, doc)                                                                           \
  { #name, T_DOUBLE, offsetof(rkpy_bstats, s.name), READONLY, doc }
static PyMemberDef bstats_members[] = {
    {"count", T_ULONGLONG, offsetof(rkpy_bstats, s.count), READONLY, "Number of values."},
    BSTAT(mean, "Arithmetic mean."),
    BSTAT(std_dev, "Sample standard deviation (n - 1)."),
    BSTAT(min, "Smallest value."),
    BSTAT(max, "Largest value."),
    BSTAT(median, "50th percentile (nearest rank)."),
    BSTAT(p5, "5th percentile."),
    BSTAT(p25, "25th percentile."),
    BSTAT(p75, "75th percentile."),
    BSTAT(p95, "95th percentile."),
    BSTAT(p99, "99th percentile."),
    {NULL, 0, 0, 0, NULL},
};
#undef BSTAT

static PyMethodDef bstats_methods[] = {
    {"from_values", bstats_from_values, METH_O | METH_CLASS,
     "Statistics of a sequence of numbers (percentiles by nearest rank)."},
    {"iqr", bstats_iqr, METH_NOARGS, "p75 - p25."},
    {"coefficient_of_variation", bstats_cv, METH_NOARGS, "std_dev / mean (0 when mean is 0)."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot bstats_slots[] = {
    {Py_tp_doc, "Descriptive statistics; build with PyDetailedStatistics.from_values()."},
    {Py_tp_repr, bstats_repr},
    {Py_tp_members, bstats_members},
    {Py_tp_methods, bstats_methods},
    {0, NULL},
};

static PyType_Spec bstats_spec = {
    .name = "ringkernel.benchmark.PyDetailedStatistics",
    .basicsize = sizeof(rkpy_bstats),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = bstats_slots,
};

/* ---- PyConfidenceInterval --------------------------------------------------------- */

static PyObject *bci_from_values(PyObject *cls, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"values", "confidence", NULL};
  PyObject *values = NULL, *conf_obj = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "O|O:from_values", kwlist, &values, &conf_obj))
    return NULL;
  PyTypeObject *type = (PyTypeObject *)cls;
  double confidence = 0.95;
  if (conf_obj && rkpyv_real(conf_obj, "confidence", &confidence) < 0) return NULL;
  double *v = NULL;
  size_t n = 0;
  if (rkpyv_doubles(values, "values", &v, &n) < 0) return NULL;
  rk_bench_ci_t ci;
  rk_status_t rc = rk_bench_ci_compute(v, n, confidence, &ci);
  PyMem_Free(v);
  if (rc != RK_OK) return rkpy_raise_status(rkpy_state_of_type(type), rc);
  rkpy_bci *self = (rkpy_bci *)type->tp_alloc(type, 0);
  if (self) self->ci = ci;
  return (PyObject *)self;
}

static PyObject *bci_width(PyObject *self, PyObject *unused) {
  (void)unused;
  return PyFloat_FromDouble(rk_bench_ci_width(&((rkpy_bci *)self)->ci));
}

static PyObject *bci_contains(PyObject *self, PyObject *arg) {
  double v = 0;
  if (rkpyv_real(arg, "value", &v) < 0) return NULL;
  const rk_bench_ci_t *ci = &((rkpy_bci *)self)->ci;
  return PyBool_FromLong(v >= ci->lower && v <= ci->upper);
}

static PyObject *bci_repr(PyObject *self) {
  const rk_bench_ci_t *ci = &((rkpy_bci *)self)->ci;
  PyObject *lo = rkpyv_float_str(ci->lower);
  PyObject *hi = lo ? rkpyv_float_str(ci->upper) : NULL;
  PyObject *conf = hi ? rkpyv_float_str(ci->confidence) : NULL;
  PyObject *out =
      conf ? PyUnicode_FromFormat("PyConfidenceInterval(lower=%U, upper=%U, confidence=%U)", lo, hi,
                                  conf)
           : NULL;
  Py_XDECREF(lo);
  Py_XDECREF(hi);
  Py_XDECREF(conf);
  return out;
}

#define BCI(name, doc)                                                                             \
  { #name, T_DOUBLE, offsetof(rkpy_bci, ci.name), READONLY, doc }
static PyMemberDef bci_members[] = {
    BCI(mean, "Sample mean."),
    BCI(lower, "mean - margin."),
    BCI(upper, "mean + margin."),
    BCI(margin, "t((1 + confidence) / 2, n - 1) * s / sqrt(n)."),
    BCI(confidence, "Confidence level, e.g. 0.95."),
    {"count", T_ULONGLONG, offsetof(rkpy_bci, ci.count), READONLY, "Number of values."},
    {NULL, 0, 0, 0, NULL},
};
#undef BCI

static PyMethodDef bci_methods[] = {
    {"from_values", (PyCFunction)(void (*)(void))bci_from_values,
     METH_VARARGS | METH_KEYWORDS | METH_CLASS,
     "Student-t interval of the mean at `confidence` (default 0.95)."},
    {"width", bci_width, METH_NOARGS, "upper - lower."},
    {"contains", bci_contains, METH_O, "lower <= value <= upper."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot bci_slots[] = {
    {Py_tp_doc, "Confidence interval of a mean; build with from_values()."},
    {Py_tp_repr, bci_repr},
    {Py_tp_members, bci_members},
    {Py_tp_methods, bci_methods},
    {0, NULL},
};

static PyType_Spec bci_spec = {
    .name = "ringkernel.benchmark.PyConfidenceInterval",
    .basicsize = sizeof(rkpy_bci),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = bci_slots,
};

/* ---- PyScalingMetrics ------------------------------------------------------------- */

static PyObject *bscaling_fit(PyTypeObject *type, PyObject *sizes_obj, PyObject *tp_obj) {
  double *sizes = NULL, *tps = NULL;
  size_t ns = 0, nt = 0;
  if (rkpyv_doubles(sizes_obj, "sizes", &sizes, &ns) < 0) return NULL;
  if (rkpyv_doubles(tp_obj, "throughputs", &tps, &nt) < 0) {
    PyMem_Free(sizes);
    return NULL;
  }
  rk_bench_scaling_t s;
  rk_status_t rc = RK_OK;
  if (ns != nt)
    PyErr_Format(PyExc_ValueError, "sizes has %zu values but throughputs has %zu", ns, nt);
  else
    rc = rk_bench_scaling_fit(sizes, tps, ns, &s);
  PyMem_Free(sizes);
  PyMem_Free(tps);
  if (ns != nt) return NULL;
  if (rc != RK_OK) return rkpy_raise_status(rkpy_state_of_type(type), rc);
  rkpy_bscaling *self = (rkpy_bscaling *)type->tp_alloc(type, 0);
  if (self) self->s = s;
  return (PyObject *)self;
}

static PyObject *bscaling_from(PyObject *cls, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"sizes", "throughputs", NULL};
  PyObject *sizes = NULL, *tps = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "OO:from_sizes_and_throughputs", kwlist, &sizes, &tps))
    return NULL;
  return bscaling_fit((PyTypeObject *)cls, sizes, tps);
}

static PyObject *bscaling_quality(PyObject *self, PyObject *unused) {
  (void)unused;
  return PyUnicode_FromString(rk_bench_scaling_quality(&((rkpy_bscaling *)self)->s));
}

static PyObject *bscaling_repr(PyObject *self) {
  const rk_bench_scaling_t *s = &((rkpy_bscaling *)self)->s;
  PyObject *e = rkpyv_float_str(s->exponent);
  PyObject *r2 = e ? rkpyv_float_str(s->r_squared) : NULL;
  PyObject *out = r2 ? PyUnicode_FromFormat("PyScalingMetrics(exponent=%U, r_squared=%U, "
                                            "quality=%s)",
                                            e, r2, rk_bench_scaling_quality(s))
                     : NULL;
  Py_XDECREF(e);
  Py_XDECREF(r2);
  return out;
}

static PyMemberDef bscaling_members[] = {
    {"exponent", T_DOUBLE, offsetof(rkpy_bscaling, s.exponent), READONLY,
     "Slope of ln(throughput) over ln(size)."},
    {"r_squared", T_DOUBLE, offsetof(rkpy_bscaling, s.r_squared), READONLY, "Goodness of the fit."},
    {"count", T_ULONGLONG, offsetof(rkpy_bscaling, s.count), READONLY, "Points fitted."},
    {NULL, 0, 0, 0, NULL},
};

static PyMethodDef bscaling_methods[] = {
    {"from_sizes_and_throughputs", (PyCFunction)(void (*)(void))bscaling_from,
     METH_VARARGS | METH_KEYWORDS | METH_CLASS, "Least-squares fit of ln(throughput) on ln(size)."},
    {"scaling_quality", bscaling_quality, METH_NOARGS,
     "'Excellent', 'Good', 'Fair', 'Sub-linear' or 'Poor' (r^2 < 0.5)."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot bscaling_slots[] = {
    {Py_tp_doc, "How throughput scales with size; build with from_sizes_and_throughputs()."},
    {Py_tp_repr, bscaling_repr},
    {Py_tp_members, bscaling_members},
    {Py_tp_methods, bscaling_methods},
    {0, NULL},
};

static PyType_Spec bscaling_spec = {
    .name = "ringkernel.benchmark.PyScalingMetrics",
    .basicsize = sizeof(rkpy_bscaling),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = bscaling_slots,
};

int rkpy_bench_exec(PyObject *m) {
  rkpy_state *st = rkpy_state_of_module(m);
  if (rkpy_add_type(m, &bconfig_spec, NULL, &st->PyBenchmarkConfig_type) < 0) return -1;
  if (rkpy_add_type(m, &bresult_spec, NULL, &st->PyBenchmarkResult_type) < 0) return -1;
  if (rkpy_add_type(m, &bstats_spec, NULL, &st->PyDetailedStatistics_type) < 0) return -1;
  if (rkpy_add_type(m, &bci_spec, NULL, &st->PyConfidenceInterval_type) < 0) return -1;
  if (rkpy_add_type(m, &bscaling_spec, NULL, &st->PyScalingMetrics_type) < 0) return -1;
  return rkpy_bench_suite_exec(m);
}
