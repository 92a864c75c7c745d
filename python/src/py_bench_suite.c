/* py_bench_suite.c — PyBenchmarkSuite, PyBenchmarkBaseline, PyRegressionReport and
 * PyRegressionEntry of ringkernel.benchmark (spec §11). The C objects are not locked
 * internally; every call here runs with the GIL held, which serialises them. */
#include "py_bench.h"

typedef struct {
  PyObject_HEAD
  rk_bench_suite_t *s;
} rkpy_bsuite;

typedef struct {
  PyObject_HEAD
  rk_bench_baseline_t *b;
} rkpy_bbaseline;

typedef struct {
  PyObject_HEAD
  rk_bench_report_t *r;
} rkpy_breport;

typedef struct {
  PyObject_HEAD
  PyObject *workload_id;
  rk_bench_report_entry_t e; /* e.workload_id is not used: it is borrowed */
} rkpy_bentry;

/* ---- PyRegressionEntry ------------------------------------------------------------ */

static PyObject *bentry_new_from(rkpy_state *st, const rk_bench_report_entry_t *e) {
  PyObject *id = PyUnicode_FromString(e->workload_id);
  if (!id) return NULL;
  PyTypeObject *t = st->PyRegressionEntry_type;
  rkpy_bentry *self = (rkpy_bentry *)t->tp_alloc(t, 0);
  if (!self) {
    Py_DECREF(id);
    return NULL;
  }
  self->workload_id = id;
  self->e = *e;
  self->e.workload_id = NULL;
  return (PyObject *)self;
}

static void bentry_dealloc(PyObject *self) {
  PyTypeObject *tp = Py_TYPE(self);
  Py_XDECREF(((rkpy_bentry *)self)->workload_id);
  tp->tp_free(self);
  Py_DECREF(tp);
}

static PyObject *bentry_status(PyObject *self, void *unused) {
  (void)unused;
  return rkpy_enum(rkpyv_state(self), "PyRegressionStatus", (long)((rkpy_bentry *)self)->e.status);
}

static PyObject *bentry_repr(PyObject *self) {
  const rkpy_bentry *b = (const rkpy_bentry *)self;
  PyObject *pct = rkpyv_float_str(b->e.percent_change);
  if (!pct) return NULL;
  PyObject *out = PyUnicode_FromFormat(
      "PyRegressionEntry(workload_id=%R, size=%llu, percent_change=%U, status=%s)", b->workload_id,
      (unsigned long long)b->e.size, pct, rk_regression_status_text(b->e.status));
  Py_DECREF(pct);
  return out;
}

static PyMemberDef bentry_members[] = {
    {"workload_id", T_OBJECT_EX, offsetof(rkpy_bentry, workload_id), READONLY,
     "Workload compared."},
    {"size", T_ULONGLONG, offsetof(rkpy_bentry, e.size), READONLY, "Workload size."},
    {"current_throughput", T_DOUBLE, offsetof(rkpy_bentry, e.current_throughput), READONLY,
     "Throughput now (ops/s)."},
    {"baseline_throughput", T_DOUBLE, offsetof(rkpy_bentry, e.baseline_throughput), READONLY,
     "Throughput in the baseline (ops/s)."},
    {"percent_change", T_DOUBLE, offsetof(rkpy_bentry, e.percent_change), READONLY,
     "(current - baseline) / baseline as a fraction: -0.2 is -20%."},
    {NULL, 0, 0, 0, NULL},
};

static PyGetSetDef bentry_getset[] = {
    {"status", bentry_status, NULL, "PyRegressionStatus.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot bentry_slots[] = {
    {Py_tp_doc, "One workload's comparison against the baseline."},
    {Py_tp_dealloc, bentry_dealloc},
    {Py_tp_repr, bentry_repr},
    {Py_tp_members, bentry_members},
    {Py_tp_getset, bentry_getset},
    {0, NULL},
};

static PyType_Spec bentry_spec = {
    .name = "ringkernel.benchmark.PyRegressionEntry",
    .basicsize = sizeof(rkpy_bentry),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = bentry_slots,
};

/* ---- PyRegressionReport ----------------------------------------------------------- */

static const rk_bench_report_t *rep(PyObject *self) {
  return ((rkpy_breport *)self)->r;
}

static void breport_dealloc(PyObject *self) {
  PyTypeObject *tp = Py_TYPE(self);
  rk_bench_report_destroy(((rkpy_breport *)self)->r);
  tp->tp_free(self);
  Py_DECREF(tp);
}

static PyObject *breport_regressions(PyObject *self, void *unused) {
  (void)unused;
  return PyLong_FromSize_t(rk_bench_report_regression_count(rep(self)));
}

static PyObject *breport_improvements(PyObject *self, void *unused) {
  (void)unused;
  return PyLong_FromSize_t(rk_bench_report_improvement_count(rep(self)));
}

static PyObject *breport_unchanged(PyObject *self, void *unused) {
  (void)unused;
  return PyLong_FromSize_t(rk_bench_report_unchanged_count(rep(self)));
}

static PyObject *breport_version(PyObject *self, void *unused) {
  (void)unused;
  return PyUnicode_FromString(rk_bench_report_baseline_version(rep(self)));
}

static PyObject *breport_threshold(PyObject *self, void *unused) {
  (void)unused;
  return PyFloat_FromDouble(rk_bench_report_threshold(rep(self)));
}

static PyObject *breport_has_regressions(PyObject *self, PyObject *unused) {
  (void)unused;
  return PyBool_FromLong(rk_bench_report_has_regressions(rep(self)));
}

static PyObject *breport_pick(PyObject *self, rk_status_t (*pick)(const rk_bench_report_t *,
                                                                  rk_bench_report_entry_t *)) {
  rk_bench_report_entry_t e;
  if (pick(rep(self), &e) != RK_OK) Py_RETURN_NONE;
  return bentry_new_from(rkpyv_state(self), &e);
}

static PyObject *breport_worst(PyObject *self, PyObject *unused) {
  (void)unused;
  return breport_pick(self, rk_bench_report_worst_regression);
}

static PyObject *breport_best(PyObject *self, PyObject *unused) {
  (void)unused;
  return breport_pick(self, rk_bench_report_best_improvement);
}

static PyObject *breport_summary(PyObject *self, PyObject *unused) {
  (void)unused;
  return PyUnicode_FromString(rk_bench_report_summary(rep(self)));
}

static PyObject *breport_entries(PyObject *self, PyObject *unused) {
  (void)unused;
  rkpy_state *st = rkpyv_state(self);
  size_t n = rk_bench_report_entry_count(rep(self));
  PyObject *list = PyList_New((Py_ssize_t)n);
  for (size_t i = 0; list && i < n; i++) {
    rk_bench_report_entry_t e;
    rk_status_t s = rk_bench_report_entry_at(rep(self), i, &e);
    PyObject *item = s == RK_OK ? bentry_new_from(st, &e) : rkpy_raise_status(st, s);
    if (!item)
      Py_CLEAR(list);
    else
      PyList_SET_ITEM(list, (Py_ssize_t)i, item);
  }
  return list;
}

static PyObject *breport_repr(PyObject *self) {
  return PyUnicode_FromFormat("PyRegressionReport(%s)", rk_bench_report_summary(rep(self)));
}

static PyGetSetDef breport_getset[] = {
    {"regression_count", breport_regressions, NULL, "Entries that regressed.", NULL},
    {"improvement_count", breport_improvements, NULL, "Entries that improved.", NULL},
    {"unchanged_count", breport_unchanged, NULL, "Entries within the threshold.", NULL},
    {"baseline_version", breport_version, NULL, "Version of the baseline compared to.", NULL},
    {"threshold", breport_threshold, NULL, "Regression threshold used (a fraction).", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef breport_methods[] = {
    {"has_regressions", breport_has_regressions, METH_NOARGS, "regression_count > 0."},
    {"worst_regression", breport_worst, METH_NOARGS,
     "The entry with the most negative change among regressions, or None."},
    {"best_improvement", breport_best, METH_NOARGS,
     "The entry with the most positive change among improvements, or None."},
    {"summary", breport_summary, METH_NOARGS, "One line of counts."},
    {"entries", breport_entries, METH_NOARGS, "Every PyRegressionEntry, in result order."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot breport_slots[] = {
    {Py_tp_doc, "Results compared with a baseline; from PyBenchmarkSuite.compare_to_baseline()."},
    {Py_tp_dealloc, breport_dealloc},
    {Py_tp_repr, breport_repr},
    {Py_tp_getset, breport_getset},
    {Py_tp_methods, breport_methods},
    {0, NULL},
};

static PyType_Spec breport_spec = {
    .name = "ringkernel.benchmark.PyRegressionReport",
    .basicsize = sizeof(rkpy_breport),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = breport_slots,
};

/* ---- PyBenchmarkBaseline ---------------------------------------------------------- */

static const rk_bench_baseline_t *bl(PyObject *self) {
  return ((rkpy_bbaseline *)self)->b;
}

static void bbaseline_dealloc(PyObject *self) {
  PyTypeObject *tp = Py_TYPE(self);
  rk_bench_baseline_destroy(((rkpy_bbaseline *)self)->b);
  tp->tp_free(self);
  Py_DECREF(tp);
}

static PyObject *bbaseline_version(PyObject *self, void *unused) {
  (void)unused;
  return PyUnicode_FromString(rk_bench_baseline_version(bl(self)));
}

static Py_ssize_t bbaseline_len(PyObject *self) {
  return (Py_ssize_t)rk_bench_baseline_count(bl(self));
}

static PyObject *bbaseline_is_empty(PyObject *self, PyObject *unused) {
  (void)unused;
  return PyBool_FromLong(rk_bench_baseline_count(bl(self)) == 0);
}

static PyObject *bbaseline_get(PyObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"workload_id", "size", NULL};
  const char *id = NULL;
  PyObject *size_obj = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "sO:get", kwlist, &id, &size_obj)) return NULL;
  uint64_t size = 0;
  if (rkpy_arg_u64(size_obj, "size", UINT64_MAX, &size) < 0) return NULL;
  const rk_bench_result_t *r = rk_bench_baseline_get(bl(self), id, size);
  if (!r) Py_RETURN_NONE;
  return rkpy_bench_result_copy(rkpyv_state(self), r);
}

static PyObject *bbaseline_results(PyObject *self, PyObject *unused) {
  (void)unused;
  rkpy_state *st = rkpyv_state(self);
  size_t n = rk_bench_baseline_count(bl(self));
  PyObject *list = PyList_New((Py_ssize_t)n);
  for (size_t i = 0; list && i < n; i++) {
    PyObject *item = rkpy_bench_result_copy(st, rk_bench_baseline_result_at(bl(self), i));
    if (!item)
      Py_CLEAR(list);
    else
      PyList_SET_ITEM(list, (Py_ssize_t)i, item);
  }
  return list;
}

static PyObject *bbaseline_repr(PyObject *self) {
  PyObject *v = bbaseline_version(self, NULL);
  if (!v) return NULL;
  PyObject *out = PyUnicode_FromFormat("PyBenchmarkBaseline(version=%R, results=%zu)", v,
                                       rk_bench_baseline_count(bl(self)));
  Py_DECREF(v);
  return out;
}

static PyGetSetDef bbaseline_getset[] = {
    {"version", bbaseline_version, NULL, "Version label given to create_baseline().", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef bbaseline_methods[] = {
    {"is_empty", bbaseline_is_empty, METH_NOARGS, "len(baseline) == 0."},
    {"get", (PyCFunction)(void (*)(void))bbaseline_get, METH_VARARGS | METH_KEYWORDS,
     "The baseline's result for (workload_id, size), or None."},
    {"results", bbaseline_results, METH_NOARGS, "Copies of every result in the baseline."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot bbaseline_slots[] = {
    {Py_tp_doc, "Results frozen under a version; from PyBenchmarkSuite.create_baseline()."},
    {Py_tp_dealloc, bbaseline_dealloc},
    {Py_tp_repr, bbaseline_repr},
    {Py_sq_length, bbaseline_len},
    {Py_tp_getset, bbaseline_getset},
    {Py_tp_methods, bbaseline_methods},
    {0, NULL},
};

static PyType_Spec bbaseline_spec = {
    .name = "ringkernel.benchmark.PyBenchmarkBaseline",
    .basicsize = sizeof(rkpy_bbaseline),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = bbaseline_slots,
};

/* ---- PyBenchmarkSuite ------------------------------------------------------------- */

static rk_bench_suite_t *su(PyObject *self) {
  return ((rkpy_bsuite *)self)->s;
}

static PyObject *bsuite_new(PyTypeObject *type, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"config", NULL};
  rkpy_state *st = rkpy_state_of_type(type);
  PyObject *cfg = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "|O!:PyBenchmarkSuite", kwlist,
                                   st->PyBenchmarkConfig_type, &cfg))
    return NULL;
  rk_bench_suite_t *s = NULL;
  rk_status_t rc = rk_bench_suite_create(cfg ? rkpy_bench_config_of(cfg) : NULL, &s);
  if (rc != RK_OK) return rkpy_raise_status(st, rc);
  rkpy_bsuite *self = (rkpy_bsuite *)type->tp_alloc(type, 0);
  if (!self) {
    rk_bench_suite_destroy(s);
    return NULL;
  }
  self->s = s;
  return (PyObject *)self;
}

static void bsuite_dealloc(PyObject *self) {
  PyTypeObject *tp = Py_TYPE(self);
  rk_bench_suite_destroy(su(self));
  tp->tp_free(self);
  Py_DECREF(tp);
}

static PyObject *bsuite_config(PyObject *self, void *unused) {
  (void)unused;
  rk_bench_config_t c;
  rk_bench_suite_config(su(self), &c);
  return rkpy_bench_config_new(rkpyv_state(self), &c);
}

static PyObject *bsuite_add_result(PyObject *self, PyObject *arg) {
  rkpy_state *st = rkpyv_state(self);
  if (!PyObject_TypeCheck(arg, st->PyBenchmarkResult_type)) {
    PyErr_Format(PyExc_TypeError, "add_result() expects a PyBenchmarkResult, got %.100s",
                 Py_TYPE(arg)->tp_name);
    return NULL;
  }
  rk_status_t s = rk_bench_suite_add_result(su(self), rkpy_bench_result_of(arg));
  if (s != RK_OK) return rkpy_raise_status(st, s);
  Py_RETURN_NONE;
}

static PyObject *bsuite_results(PyObject *self, PyObject *unused) {
  (void)unused;
  rkpy_state *st = rkpyv_state(self);
  size_t n = rk_bench_suite_result_count(su(self));
  PyObject *list = PyList_New((Py_ssize_t)n);
  for (size_t i = 0; list && i < n; i++) {
    PyObject *item = rkpy_bench_result_copy(st, rk_bench_suite_result_at(su(self), i));
    if (!item)
      Py_CLEAR(list);
    else
      PyList_SET_ITEM(list, (Py_ssize_t)i, item);
  }
  return list;
}

static Py_ssize_t bsuite_len(PyObject *self) {
  return (Py_ssize_t)rk_bench_suite_result_count(su(self));
}

static PyObject *bsuite_is_empty(PyObject *self, PyObject *unused) {
  (void)unused;
  return PyBool_FromLong(rk_bench_suite_result_count(su(self)) == 0);
}

static PyObject *bsuite_clear(PyObject *self, PyObject *unused) {
  (void)unused;
  rk_bench_suite_clear(su(self));
  Py_RETURN_NONE;
}

static PyObject *bsuite_create_baseline(PyObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"version", NULL};
  const char *version = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "s:create_baseline", kwlist, &version)) return NULL;
  rkpy_state *st = rkpyv_state(self);
  rk_bench_baseline_t *b = NULL;
  rk_status_t s = rk_bench_suite_create_baseline(su(self), version, &b);
  if (s != RK_OK) return rkpy_raise_status(st, s);
  PyTypeObject *t = st->PyBenchmarkBaseline_type;
  rkpy_bbaseline *out = (rkpy_bbaseline *)t->tp_alloc(t, 0);
  if (!out) {
    rk_bench_baseline_destroy(b);
    return NULL;
  }
  out->b = b;
  return (PyObject *)out;
}

static PyObject *bsuite_set_baseline(PyObject *self, PyObject *arg) {
  rkpy_state *st = rkpyv_state(self);
  if (arg != Py_None && !PyObject_TypeCheck(arg, st->PyBenchmarkBaseline_type)) {
    PyErr_Format(PyExc_TypeError,
                 "set_baseline() expects a PyBenchmarkBaseline or None, got %.100s",
                 Py_TYPE(arg)->tp_name);
    return NULL;
  }
  rk_status_t s = rk_bench_suite_set_baseline(su(self), arg == Py_None ? NULL : bl(arg));
  if (s != RK_OK) return rkpy_raise_status(st, s);
  Py_RETURN_NONE;
}

static PyObject *bsuite_compare(PyObject *self, PyObject *unused) {
  (void)unused;
  if (!rk_bench_suite_baseline(su(self))) Py_RETURN_NONE;
  rkpy_state *st = rkpyv_state(self);
  rk_bench_report_t *r = NULL;
  rk_status_t s = rk_bench_suite_compare(su(self), &r);
  if (s != RK_OK) return rkpy_raise_status(st, s);
  PyTypeObject *t = st->PyRegressionReport_type;
  rkpy_breport *out = (rkpy_breport *)t->tp_alloc(t, 0);
  if (!out) {
    rk_bench_report_destroy(r);
    return NULL;
  }
  out->r = r;
  return (PyObject *)out;
}

static PyObject *bsuite_report(PyObject *self,
                               rk_status_t (*writer)(const rk_bench_suite_t *, char **)) {
  char *text = NULL;
  rk_status_t s = writer(su(self), &text);
  if (s != RK_OK) return rkpy_raise_status(rkpyv_state(self), s);
  PyObject *out = PyUnicode_FromString(text);
  rk_string_free(text);
  return out;
}

static PyObject *bsuite_markdown(PyObject *self, PyObject *unused) {
  (void)unused;
  return bsuite_report(self, rk_bench_suite_report_markdown);
}

static PyObject *bsuite_json(PyObject *self, PyObject *unused) {
  (void)unused;
  return bsuite_report(self, rk_bench_suite_report_json);
}

static PyObject *bsuite_latex(PyObject *self, PyObject *unused) {
  (void)unused;
  return bsuite_report(self, rk_bench_suite_report_latex);
}

static PyObject *bsuite_repr(PyObject *self) {
  return PyUnicode_FromFormat("PyBenchmarkSuite(results=%zu, baseline=%s)",
                              rk_bench_suite_result_count(su(self)),
                              rk_bench_suite_baseline(su(self)) ? "set" : "none");
}

static PyGetSetDef bsuite_getset[] = {
    {"config", bsuite_config, NULL, "The suite's PyBenchmarkConfig.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef bsuite_methods[] = {
    {"add_result", bsuite_add_result, METH_O, "Store a copy of a PyBenchmarkResult."},
    {"results", bsuite_results, METH_NOARGS, "Copies of the stored results, in order."},
    {"is_empty", bsuite_is_empty, METH_NOARGS, "len(suite) == 0."},
    {"clear_results", bsuite_clear, METH_NOARGS, "Drop every result (the baseline stays)."},
    {"create_baseline", (PyCFunction)(void (*)(void))bsuite_create_baseline,
     METH_VARARGS | METH_KEYWORDS, "A PyBenchmarkBaseline of the current results."},
    {"set_baseline", bsuite_set_baseline, METH_O,
     "Compare against this baseline from now on (None clears it)."},
    {"compare_to_baseline", bsuite_compare, METH_NOARGS,
     "PyRegressionReport against the baseline, or None when none is set."},
    {"generate_markdown_report", bsuite_markdown, METH_NOARGS,
     "Markdown report: results table and, with a baseline, the regression section."},
    {"generate_json_export", bsuite_json, METH_NOARGS,
     "JSON with every result, its statistics and confidence interval."},
    {"generate_latex_table", bsuite_latex, METH_NOARGS, "booktabs LaTeX table of the results."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot bsuite_slots[] = {
    {Py_tp_doc, "PyBenchmarkSuite(config=None): results, baselines and reports."},
    {Py_tp_new, bsuite_new},
    {Py_tp_dealloc, bsuite_dealloc},
    {Py_tp_repr, bsuite_repr},
    {Py_sq_length, bsuite_len},
    {Py_tp_getset, bsuite_getset},
    {Py_tp_methods, bsuite_methods},
    {0, NULL},
};

static PyType_Spec bsuite_spec = {
    .name = "ringkernel.benchmark.PyBenchmarkSuite",
    .basicsize = sizeof(rkpy_bsuite),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = bsuite_slots,
};

int rkpy_bench_suite_exec(PyObject *m) {
  rkpy_state *st = rkpy_state_of_module(m);
  if (rkpy_add_type(m, &bentry_spec, NULL, &st->PyRegressionEntry_type) < 0) return -1;
  if (rkpy_add_type(m, &breport_spec, NULL, &st->PyRegressionReport_type) < 0) return -1;
  if (rkpy_add_type(m, &bbaseline_spec, NULL, &st->PyBenchmarkBaseline_type) < 0) return -1;
  return rkpy_add_type(m, &bsuite_spec, NULL, &st->PyBenchmarkSuite_type);
}
