/* py_queue.c — QueueStats, QueueMonitor and QueueMetrics (spec §9) over
 * ringkernel/queue.h. QueueTier and QueueHealth are IntEnums of ringkernel._enums. */
#include "rkpy_values.h"

#include <stddef.h>

#include "ringkernel/queue.h"

typedef struct {
  PyObject_HEAD
  rk_queue_stats_t s;
} rkpy_qstats;

typedef struct {
  PyObject_HEAD
  rk_queue_monitor_t m;
} rkpy_qmonitor;

typedef struct {
  PyObject_HEAD
  rk_queue_metrics_t m;
} rkpy_qmetrics;

/* ---- QueueStats ------------------------------------------------------------------- */

PyObject *rkpy_queue_stats_new(rkpy_state *st, const struct rk_queue_stats *stats) {
  PyTypeObject *t = st->QueueStats_type;
  rkpy_qstats *self = (rkpy_qstats *)t->tp_alloc(t, 0);
  if (self) self->s = *stats;
  return (PyObject *)self;
}

static PyObject *qstats_new(PyTypeObject *type, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"enqueued",  "dequeued", "dropped", "depth",
                           "max_depth", "rejected", NULL};
  PyObject *o[6] = {NULL, NULL, NULL, NULL, NULL, NULL};
  if (!PyArg_ParseTupleAndKeywords(args, kw, "|OOOOOO:QueueStats", kwlist, &o[0], &o[1], &o[2],
                                   &o[3], &o[4], &o[5]))
    return NULL;
  rk_queue_stats_t s = {0};
  uint64_t *fields[6] = {&s.enqueued, &s.dequeued, &s.dropped, &s.depth, &s.max_depth, &s.rejected};
  for (int i = 0; i < 6; i++) {
    if (rkpyv_opt_u64(o[i], kwlist[i], UINT64_MAX, fields[i]) < 0) return NULL;
  }
  rkpy_qstats *self = (rkpy_qstats *)type->tp_alloc(type, 0);
  if (self) self->s = s;
  return (PyObject *)self;
}

static PyObject *qstats_utilization(PyObject *self, PyObject *arg) {
  uint64_t capacity = 0;
  if (rkpy_arg_u64(arg, "capacity", UINT64_MAX, &capacity) < 0) return NULL;
  return PyFloat_FromDouble(rk_queue_stats_utilization(&((rkpy_qstats *)self)->s, capacity));
}

static PyObject *qstats_drop_rate(PyObject *self, PyObject *unused) {
  (void)unused;
  return PyFloat_FromDouble(rk_queue_stats_drop_rate(&((rkpy_qstats *)self)->s));
}

static PyObject *qstats_repr(PyObject *self) {
  const rk_queue_stats_t *s = &((rkpy_qstats *)self)->s;
  return PyUnicode_FromFormat(
      "QueueStats(enqueued=%llu, dequeued=%llu, dropped=%llu, depth=%llu, max_depth=%llu)",
      (unsigned long long)s->enqueued, (unsigned long long)s->dequeued,
      (unsigned long long)s->dropped, (unsigned long long)s->depth,
      (unsigned long long)s->max_depth);
}

static PyObject *qstats_richcompare(PyObject *a, PyObject *b, int op) {
  if ((op != Py_EQ && op != Py_NE) || Py_TYPE(a) != Py_TYPE(b)) Py_RETURN_NOTIMPLEMENTED;
  const rk_queue_stats_t *x = &((rkpy_qstats *)a)->s, *y = &((rkpy_qstats *)b)->s;
  int eq = x->enqueued == y->enqueued && x->dequeued == y->dequeued && x->dropped == y->dropped &&
           x->depth == y->depth && x->max_depth == y->max_depth && x->rejected == y->rejected;
  return PyBool_FromLong(op == Py_EQ ? eq : !eq);
}

static Py_hash_t qstats_hash(PyObject *self) {
  const rk_queue_stats_t *s = &((rkpy_qstats *)self)->s;
  return rkpyv_hash_values("(KKKKKK)", (unsigned long long)s->enqueued,
                           (unsigned long long)s->dequeued, (unsigned long long)s->dropped,
                           (unsigned long long)s->depth, (unsigned long long)s->max_depth,
                           (unsigned long long)s->rejected);
}

#define QSTATS_MEMBER(name, doc)                                                                   \
  { #name, T_ULONGLONG, offsetof(rkpy_qstats, s.name), READONLY, doc }
static PyMemberDef qstats_members[] = {
    QSTATS_MEMBER(enqueued, "Messages accepted."),
    QSTATS_MEMBER(dequeued, "Messages taken out."),
    QSTATS_MEMBER(dropped, "Messages accepted and then discarded by the queue."),
    QSTATS_MEMBER(depth, "Messages in the queue when the snapshot was taken."),
    QSTATS_MEMBER(max_depth, "Highest depth seen since the queue was created."),
    QSTATS_MEMBER(rejected, "Pushes refused while full (the sender kept the message)."),
    {NULL, 0, 0, 0, NULL},
};
#undef QSTATS_MEMBER

static PyMethodDef qstats_methods[] = {
    {"utilization", qstats_utilization, METH_O, "depth / capacity (0.0 when capacity is 0)."},
    {"drop_rate", qstats_drop_rate, METH_NOARGS, "dropped / (enqueued + dropped)."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot qstats_slots[] = {
    {Py_tp_doc, "Snapshot of one queue's counters."},
    {Py_tp_new, qstats_new},
    {Py_tp_repr, qstats_repr},
    {Py_tp_richcompare, qstats_richcompare},
    {Py_tp_hash, qstats_hash},
    {Py_tp_members, qstats_members},
    {Py_tp_methods, qstats_methods},
    {0, NULL},
};

static PyType_Spec qstats_spec = {
    .name = "ringkernel.QueueStats",
    .basicsize = sizeof(rkpy_qstats),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = qstats_slots,
};

/* ---- QueueMonitor ----------------------------------------------------------------- */

static PyObject *qmonitor_make(PyTypeObject *type, const rk_queue_monitor_t *m) {
  if (rk_queue_monitor_validate(m) != RK_OK) {
    PyErr_SetString(PyExc_ValueError, rk_last_error());
    return NULL;
  }
  rkpy_qmonitor *self = (rkpy_qmonitor *)type->tp_alloc(type, 0);
  if (self) self->m = *m;
  return (PyObject *)self;
}

static PyObject *qmonitor_new(PyTypeObject *type, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"warning_threshold", "critical_threshold", NULL};
  PyObject *w = NULL, *c = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "|OO:QueueMonitor", kwlist, &w, &c)) return NULL;
  rk_queue_monitor_t m;
  rk_queue_monitor_init(&m);
  if (w && rkpyv_real(w, "warning_threshold", &m.warning_threshold) < 0) return NULL;
  if (c && rkpyv_real(c, "critical_threshold", &m.critical_threshold) < 0) return NULL;
  return qmonitor_make(type, &m);
}

static PyObject *qmonitor_default(PyObject *cls, PyObject *unused) {
  (void)unused;
  rk_queue_monitor_t m;
  rk_queue_monitor_init(&m);
  return qmonitor_make((PyTypeObject *)cls, &m);
}

static int qmonitor_depth_capacity(PyObject *args, PyObject *kw, const char *fmt, char **kwlist,
                                   uint64_t *depth, uint64_t *capacity, PyObject **tier) {
  PyObject *d = NULL, *c = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kw, fmt, kwlist, &d, &c, tier)) return -1;
  if (rkpy_arg_u64(d, "depth", UINT64_MAX, depth) < 0) return -1;
  return rkpy_arg_u64(c, "capacity", UINT64_MAX, capacity);
}

static PyObject *qmonitor_utilization(PyObject *self, PyObject *args, PyObject *kw) {
  (void)self;
  static char *kwlist[] = {"depth", "capacity", NULL};
  uint64_t depth = 0, capacity = 0;
  if (qmonitor_depth_capacity(args, kw, "OO:utilization", kwlist, &depth, &capacity, NULL) < 0)
    return NULL;
  return PyFloat_FromDouble(rk_queue_monitor_utilization(depth, capacity));
}

static PyObject *qmonitor_check_health(PyObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"depth", "capacity", NULL};
  uint64_t depth = 0, capacity = 0;
  if (qmonitor_depth_capacity(args, kw, "OO:check_health", kwlist, &depth, &capacity, NULL) < 0)
    return NULL;
  rk_queue_health_t h = rk_queue_monitor_check_health(&((rkpy_qmonitor *)self)->m, depth, capacity);
  return rkpy_enum(rkpyv_state(self), "QueueHealth", (long)h);
}

static PyObject *qmonitor_suggest_upgrade(PyObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"depth", "capacity", "current_tier", NULL};
  uint64_t depth = 0, capacity = 0;
  PyObject *tier_obj = NULL;
  if (qmonitor_depth_capacity(args, kw, "OOO:suggest_upgrade", kwlist, &depth, &capacity,
                              &tier_obj) < 0)
    return NULL;
  rkpy_state *st = rkpyv_state(self);
  long tier = 0;
  if (rkpy_enum_value(st, "QueueTier", tier_obj, &tier) < 0) return NULL;
  rk_queue_tier_t up = rk_queue_monitor_suggest_upgrade(&((rkpy_qmonitor *)self)->m, depth,
                                                        capacity, (rk_queue_tier_t)tier);
  return rkpyv_enum_or_none(st, "QueueTier", (long)up, up != RK_QUEUE_TIER_NONE);
}

static PyObject *qmonitor_metrics(PyObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"stats", "capacity", NULL};
  rkpy_state *st = rkpyv_state(self);
  PyObject *stats = NULL, *cap = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "O!O:metrics", kwlist, st->QueueStats_type, &stats,
                                   &cap))
    return NULL;
  uint64_t capacity = 0;
  if (rkpy_arg_u64(cap, "capacity", UINT64_MAX, &capacity) < 0) return NULL;
  rk_queue_metrics_t out;
  rk_status_t s = rk_queue_metrics_compute(&((rkpy_qmonitor *)self)->m, &((rkpy_qstats *)stats)->s,
                                           capacity, &out);
  if (s != RK_OK) return rkpy_raise_status(st, s);
  return rkpy_queue_metrics_new(st, &out);
}

static PyObject *qmonitor_percent(double fraction) {
  char *s = PyOS_double_to_string(fraction * 100.0, 'g', 6, 0, NULL);
  if (!s) return PyErr_NoMemory();
  PyObject *out = PyUnicode_FromFormat("%s%%", s);
  PyMem_Free(s);
  return out;
}

static PyObject *qmonitor_repr(PyObject *self) {
  const rk_queue_monitor_t *m = &((rkpy_qmonitor *)self)->m;
  PyObject *w = qmonitor_percent(m->warning_threshold);
  PyObject *c = w ? qmonitor_percent(m->critical_threshold) : NULL;
  PyObject *out = c ? PyUnicode_FromFormat("QueueMonitor(warning=%U, critical=%U)", w, c) : NULL;
  Py_XDECREF(w);
  Py_XDECREF(c);
  return out;
}

static PyMemberDef qmonitor_members[] = {
    {"warning_threshold", T_DOUBLE, offsetof(rkpy_qmonitor, m.warning_threshold), READONLY,
     "Utilization at or above which a queue is in Warning."},
    {"critical_threshold", T_DOUBLE, offsetof(rkpy_qmonitor, m.critical_threshold), READONLY,
     "Utilization at or above which a queue is Critical."},
    {NULL, 0, 0, 0, NULL},
};

static PyMethodDef qmonitor_methods[] = {
    {"default", qmonitor_default, METH_NOARGS | METH_CLASS,
     "Monitor with warning 0.75 and critical 0.90."},
    {"utilization", (PyCFunction)(void (*)(void))qmonitor_utilization, METH_VARARGS | METH_KEYWORDS,
     "depth / capacity (0.0 when capacity is 0)."},
    {"check_health", (PyCFunction)(void (*)(void))qmonitor_check_health,
     METH_VARARGS | METH_KEYWORDS, "QueueHealth for depth/capacity (inclusive >=)."},
    {"suggest_upgrade", (PyCFunction)(void (*)(void))qmonitor_suggest_upgrade,
     METH_VARARGS | METH_KEYWORDS, "The next QueueTier when utilization >= warning, else None."},
    {"metrics", (PyCFunction)(void (*)(void))qmonitor_metrics, METH_VARARGS | METH_KEYWORDS,
     "QueueMetrics for a QueueStats snapshot of a queue of `capacity`."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot qmonitor_slots[] = {
    {Py_tp_doc, "QueueMonitor(warning_threshold=0.75, critical_threshold=0.90)"},
    {Py_tp_new, qmonitor_new},
    {Py_tp_repr, qmonitor_repr},
    {Py_tp_members, qmonitor_members},
    {Py_tp_methods, qmonitor_methods},
    {0, NULL},
};

static PyType_Spec qmonitor_spec = {
    .name = "ringkernel.QueueMonitor",
    .basicsize = sizeof(rkpy_qmonitor),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = qmonitor_slots,
};

/* ---- QueueMetrics ----------------------------------------------------------------- */

PyObject *rkpy_queue_metrics_new(rkpy_state *st, const struct rk_queue_metrics *metrics) {
  PyTypeObject *t = st->QueueMetrics_type;
  rkpy_qmetrics *self = (rkpy_qmetrics *)t->tp_alloc(t, 0);
  if (self) self->m = *metrics;
  return (PyObject *)self;
}

static const rk_queue_metrics_t *qmetrics_of(PyObject *self) {
  return &((rkpy_qmetrics *)self)->m;
}

static PyObject *qmetrics_health(PyObject *self, void *c) {
  (void)c;
  return rkpy_enum(rkpyv_state(self), "QueueHealth", (long)qmetrics_of(self)->health);
}

static PyObject *qmetrics_stats(PyObject *self, void *c) {
  (void)c;
  return rkpy_queue_stats_new(rkpyv_state(self), &qmetrics_of(self)->stats);
}

static PyObject *qmetrics_tier(PyObject *self, void *c) {
  (void)c;
  rk_queue_tier_t t = qmetrics_of(self)->tier;
  return rkpyv_enum_or_none(rkpyv_state(self), "QueueTier", (long)t, t != RK_QUEUE_TIER_NONE);
}

static PyObject *qmetrics_suggested(PyObject *self, void *c) {
  (void)c;
  rk_queue_tier_t t = qmetrics_of(self)->suggested_upgrade;
  return rkpyv_enum_or_none(rkpyv_state(self), "QueueTier", (long)t, t != RK_QUEUE_TIER_NONE);
}

static PyObject *qmetrics_repr(PyObject *self) {
  const rk_queue_metrics_t *m = qmetrics_of(self);
  PyObject *util = rkpyv_float_str(m->utilization);
  if (!util) return NULL;
  PyObject *out = PyUnicode_FromFormat(
      "QueueMetrics(health=%s, utilization=%U, depth=%llu, capacity=%llu, tier=%s)",
      rk_queue_health_name(m->health), util, (unsigned long long)m->stats.depth,
      (unsigned long long)m->capacity, rk_queue_tier_name(m->tier));
  Py_DECREF(util);
  return out;
}

static PyMemberDef qmetrics_members[] = {
    {"utilization", T_DOUBLE, offsetof(rkpy_qmetrics, m.utilization), READONLY,
     "depth / capacity."},
    {"capacity", T_ULONGLONG, offsetof(rkpy_qmetrics, m.capacity), READONLY,
     "Capacity of the queue in messages."},
    {NULL, 0, 0, 0, NULL},
};

static PyGetSetDef qmetrics_getset[] = {
    {"health", qmetrics_health, NULL, "QueueHealth of the queue.", NULL},
    {"stats", qmetrics_stats, NULL, "The QueueStats the metrics were computed from.", NULL},
    {"tier", qmetrics_tier, NULL, "Smallest QueueTier holding the capacity.", NULL},
    {"suggested_upgrade", qmetrics_suggested, NULL, "Next QueueTier to move to, or None.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot qmetrics_slots[] = {
    {Py_tp_doc, "What the queue monitor says about one queue (a snapshot)."},
    {Py_tp_repr, qmetrics_repr},
    {Py_tp_members, qmetrics_members},
    {Py_tp_getset, qmetrics_getset},
    {0, NULL},
};

static PyType_Spec qmetrics_spec = {
    .name = "ringkernel.QueueMetrics",
    .basicsize = sizeof(rkpy_qmetrics),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = qmetrics_slots,
};

int rkpy_queue_exec(PyObject *m) {
  rkpy_state *st = rkpy_state_of_module(m);
  if (rkpy_add_type(m, &qstats_spec, NULL, &st->QueueStats_type) < 0) return -1;
  if (rkpy_add_type(m, &qmonitor_spec, NULL, &st->QueueMonitor_type) < 0) return -1;
  return rkpy_add_type(m, &qmetrics_spec, NULL, &st->QueueMetrics_type);
}
