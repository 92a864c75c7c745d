/* py_hlc.c — HlcTimestamp (an immutable value) and HlcClock (rk_hlc_clock_t). */
#include "rkpy.h"

#include "ringkernel/hlc.h"

typedef struct {
  PyObject_HEAD
  rk_hlc_timestamp_t ts;
} rkpy_timestamp;

typedef struct {
  PyObject_HEAD
  rk_hlc_clock_t *clock;
} rkpy_clock;

PyObject *rkpy_timestamp_new(rkpy_state *st, rk_hlc_timestamp_t ts) {
  rkpy_timestamp *self = PyObject_New(rkpy_timestamp, st->HlcTimestamp_type);
  if (!self) return NULL;
  self->ts = ts;
  return (PyObject *)self;
}

int rkpy_timestamp_get(rkpy_state *st, PyObject *obj, const char *what, rk_hlc_timestamp_t *out) {
  if (!PyObject_TypeCheck(obj, st->HlcTimestamp_type)) {
    PyErr_Format(PyExc_TypeError, "%s must be an HlcTimestamp, got %.100s", what,
                 Py_TYPE(obj)->tp_name);
    return -1;
  }
  *out = ((rkpy_timestamp *)obj)->ts;
  return 0;
}

static rkpy_state *ts_state(PyObject *self) {
  return rkpy_state_of_type(Py_TYPE(self));
}

static PyObject *ts_tp_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
  static char *kwlist[] = {"physical", "logical", "node_id", NULL};
  PyObject *p, *l, *n;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOO:HlcTimestamp", kwlist, &p, &l, &n)) return NULL;
  rk_hlc_timestamp_t ts;
  if (rkpy_arg_u64(p, "physical", UINT64_MAX, &ts.physical) < 0 ||
      rkpy_arg_u64(l, "logical", UINT64_MAX, &ts.logical) < 0 ||
      rkpy_arg_u64(n, "node_id", UINT64_MAX, &ts.node_id) < 0)
    return NULL;
  rkpy_timestamp *self = (rkpy_timestamp *)type->tp_alloc(type, 0);
  if (self) self->ts = ts;
  return (PyObject *)self;
}

static PyObject *ts_now(PyObject *cls, PyObject *args, PyObject *kwds) {
  static char *kwlist[] = {"node_id", NULL};
  PyObject *n;
  uint64_t node = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "O:now", kwlist, &n) ||
      rkpy_arg_u64(n, "node_id", UINT64_MAX, &node) < 0)
    return NULL;
  return rkpy_timestamp_new(rkpy_state_of_type((PyTypeObject *)cls), rk_hlc_timestamp_now(node));
}

static PyObject *ts_zero(PyObject *cls, PyObject *Py_UNUSED(ignored)) {
  rk_hlc_timestamp_t z = {0, 0, 0};
  return rkpy_timestamp_new(rkpy_state_of_type((PyTypeObject *)cls), z);
}

/* Splits a non-negative int below 2^128 into its 64-bit halves. */
static int ts_split128(PyObject *packed, uint64_t *hi, uint64_t *lo) {
  PyObject *idx = PyNumber_Index(packed);
  if (!idx) return -1;
  int rc = -1;
  PyObject *sixty_four = PyLong_FromLong(64);
  PyObject *high = sixty_four ? PyNumber_Rshift(idx, sixty_four) : NULL;
  if (high) {
    rc = rkpy_arg_u64(high, "packed >> 64", UINT64_MAX, hi);
    if (rc < 0) {
      PyErr_Clear();
      PyErr_Format(PyExc_ValueError, "packed must be 0..2**128-1, got %R", idx);
    } else {
      *lo = PyLong_AsUnsignedLongLongMask(idx);
      rc = (*lo == (uint64_t)-1 && PyErr_Occurred()) ? -1 : 0;
    }
  }
  Py_XDECREF(high);
  Py_XDECREF(sixty_four);
  Py_DECREF(idx);
  return rc;
}

static PyObject *ts_unpack(PyObject *cls, PyObject *packed) {
  uint64_t hi = 0, lo = 0;
  if (ts_split128(packed, &hi, &lo) < 0) return NULL;
  return rkpy_timestamp_new(rkpy_state_of_type((PyTypeObject *)cls),
                            rk_hlc_timestamp_unpack(hi, lo));
}

static PyObject *ts_pack(PyObject *self, PyObject *Py_UNUSED(ignored)) {
  uint64_t hi = 0, lo = 0;
  rk_hlc_timestamp_pack(((rkpy_timestamp *)self)->ts, &hi, &lo);
  PyObject *h = PyLong_FromUnsignedLongLong(hi);
  PyObject *l = PyLong_FromUnsignedLongLong(lo);
  PyObject *sixty_four = PyLong_FromLong(64);
  PyObject *shifted = (h && sixty_four) ? PyNumber_Lshift(h, sixty_four) : NULL;
  PyObject *result = (shifted && l) ? PyNumber_Or(shifted, l) : NULL;
  Py_XDECREF(h);
  Py_XDECREF(l);
  Py_XDECREF(sixty_four);
  Py_XDECREF(shifted);
  return result;
}

static PyObject *ts_is_zero(PyObject *self, PyObject *Py_UNUSED(ignored)) {
  return PyBool_FromLong(rk_hlc_timestamp_is_zero(((rkpy_timestamp *)self)->ts));
}

static PyObject *ts_as_micros(PyObject *self, PyObject *Py_UNUSED(ignored)) {
  return PyLong_FromUnsignedLongLong(((rkpy_timestamp *)self)->ts.physical);
}

static PyObject *ts_as_millis(PyObject *self, PyObject *Py_UNUSED(ignored)) {
  return PyLong_FromUnsignedLongLong(((rkpy_timestamp *)self)->ts.physical / 1000);
}

static PyObject *ts_get_physical(PyObject *self, void *Py_UNUSED(c)) {
  return PyLong_FromUnsignedLongLong(((rkpy_timestamp *)self)->ts.physical);
}

static PyObject *ts_get_logical(PyObject *self, void *Py_UNUSED(c)) {
  return PyLong_FromUnsignedLongLong(((rkpy_timestamp *)self)->ts.logical);
}

static PyObject *ts_get_node_id(PyObject *self, void *Py_UNUSED(c)) {
  return PyLong_FromUnsignedLongLong(((rkpy_timestamp *)self)->ts.node_id);
}

static PyObject *ts_richcompare(PyObject *a, PyObject *b, int op) {
  rkpy_state *st = ts_state(a);
  if (!st || !PyObject_TypeCheck(b, st->HlcTimestamp_type)) Py_RETURN_NOTIMPLEMENTED;
  int c = rk_hlc_timestamp_compare(((rkpy_timestamp *)a)->ts, ((rkpy_timestamp *)b)->ts);
  Py_RETURN_RICHCOMPARE(c, 0, op);
}

static Py_hash_t ts_hash(PyObject *self) {
  rk_hlc_timestamp_t t = ((rkpy_timestamp *)self)->ts;
  PyObject *tuple = Py_BuildValue("(KKK)", (unsigned long long)t.physical,
                                  (unsigned long long)t.logical, (unsigned long long)t.node_id);
  if (!tuple) return -1;
  Py_hash_t h = PyObject_Hash(tuple);
  Py_DECREF(tuple);
  return h;
}

static PyObject *ts_repr(PyObject *self) {
  rk_hlc_timestamp_t t = ((rkpy_timestamp *)self)->ts;
  return PyUnicode_FromFormat("HlcTimestamp(physical=%llu, logical=%llu, node_id=%llu)",
                              (unsigned long long)t.physical, (unsigned long long)t.logical,
                              (unsigned long long)t.node_id);
}

static PyObject *ts_str(PyObject *self) {
  rk_hlc_timestamp_t t = ((rkpy_timestamp *)self)->ts;
  return PyUnicode_FromFormat("HLC(%llu.%llu.%llu)", (unsigned long long)t.physical,
                              (unsigned long long)t.logical, (unsigned long long)t.node_id);
}

static PyObject *ts_reduce(PyObject *self, PyObject *Py_UNUSED(ignored)) {
  rk_hlc_timestamp_t t = ((rkpy_timestamp *)self)->ts;
  return Py_BuildValue("(O(KKK))", (PyObject *)Py_TYPE(self), (unsigned long long)t.physical,
                       (unsigned long long)t.logical, (unsigned long long)t.node_id);
}

static PyMethodDef ts_methods[] = {
    {"now", (PyCFunction)(void (*)(void))ts_now, METH_CLASS | METH_VARARGS | METH_KEYWORDS,
     "now(node_id) -> the wall clock in microseconds, logical 0."},
    {"zero", ts_zero, METH_CLASS | METH_NOARGS, "zero() -> HlcTimestamp(0, 0, 0)."},
    {"unpack", ts_unpack, METH_CLASS | METH_O, "unpack(packed) -> inverse of pack()."},
    {"pack", ts_pack, METH_NOARGS,
     "pack() -> physical << 64 | (logical & (2**48-1)) << 16 | (node_id & 0xFFFF)."},
    {"is_zero", ts_is_zero, METH_NOARGS, "True when physical and logical are both 0."},
    {"as_micros", ts_as_micros, METH_NOARGS, "Physical time in microseconds."},
    {"as_millis", ts_as_millis, METH_NOARGS, "Physical time in milliseconds."},
    {"__reduce__", ts_reduce, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef ts_getset[] = {
    {"physical", ts_get_physical, NULL, "Microseconds since the Unix epoch.", NULL},
    {"logical", ts_get_logical, NULL, "Logical counter within one microsecond.", NULL},
    {"node_id", ts_get_node_id, NULL, "Node that stamped it.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot ts_slots[] = {
    {Py_tp_new, ts_tp_new},
    {Py_tp_dealloc, rkpy_dealloc},
    {Py_tp_methods, ts_methods},
    {Py_tp_getset, ts_getset},
    {Py_tp_richcompare, ts_richcompare},
    {Py_tp_hash, ts_hash},
    {Py_tp_repr, ts_repr},
    {Py_tp_str, ts_str},
    {Py_tp_doc, "HlcTimestamp(physical, logical, node_id): a hybrid logical clock value."},
    {0, NULL},
};

static PyType_Spec ts_spec = {
    .name = "ringkernel.HlcTimestamp",
    .basicsize = sizeof(rkpy_timestamp),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = ts_slots,
};

/* ---- HlcClock ------------------------------------------------------------------------ */

static PyObject *clock_tp_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
  static char *kwlist[] = {"node_id", "max_drift_ms", NULL};
  PyObject *n, *d = NULL;
  uint64_t node = 0, drift = RK_HLC_DEFAULT_MAX_DRIFT_MS;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|O:HlcClock", kwlist, &n, &d) ||
      rkpy_arg_u64(n, "node_id", UINT64_MAX, &node) < 0 ||
      (d && rkpy_arg_u64(d, "max_drift_ms", UINT64_MAX / 1000, &drift) < 0))
    return NULL;
  rkpy_clock *self = (rkpy_clock *)type->tp_alloc(type, 0);
  if (!self) return NULL;
  rk_status_t s = rk_hlc_clock_create(node, drift, &self->clock);
  if (s != RK_OK) {
    Py_DECREF(self);
    return rkpy_raise_status(rkpy_state_of_type(type), s);
  }
  return (PyObject *)self;
}

static void clock_dealloc(PyObject *self) {
  rk_hlc_clock_destroy(((rkpy_clock *)self)->clock);
  rkpy_dealloc(self);
}

static PyObject *clock_now(PyObject *self, PyObject *Py_UNUSED(ignored)) {
  return rkpy_timestamp_new(ts_state(self), rk_hlc_clock_now(((rkpy_clock *)self)->clock));
}

static PyObject *clock_tick(PyObject *self, PyObject *Py_UNUSED(ignored)) {
  return rkpy_timestamp_new(ts_state(self), rk_hlc_clock_tick(((rkpy_clock *)self)->clock));
}

static PyObject *clock_update(PyObject *self, PyObject *args, PyObject *kwds) {
  static char *kwlist[] = {"received", NULL};
  PyObject *r;
  rkpy_state *st = ts_state(self);
  rk_hlc_timestamp_t recv, out;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "O:update", kwlist, &r) ||
      rkpy_timestamp_get(st, r, "received", &recv) < 0)
    return NULL;
  rk_status_t s = rk_hlc_clock_update(((rkpy_clock *)self)->clock, recv, &out);
  if (s != RK_OK) return rkpy_raise_status(st, s);
  return rkpy_timestamp_new(st, out);
}

static PyObject *clock_get_node_id(PyObject *self, void *Py_UNUSED(c)) {
  return PyLong_FromUnsignedLongLong(rk_hlc_clock_node_id(((rkpy_clock *)self)->clock));
}

static PyObject *clock_get_max_drift(PyObject *self, void *Py_UNUSED(c)) {
  return PyLong_FromUnsignedLongLong(rk_hlc_clock_max_drift_ms(((rkpy_clock *)self)->clock));
}

static PyObject *clock_repr(PyObject *self) {
  rk_hlc_clock_t *c = ((rkpy_clock *)self)->clock;
  return PyUnicode_FromFormat("HlcClock(node_id=%llu, max_drift_ms=%llu)",
                              (unsigned long long)rk_hlc_clock_node_id(c),
                              (unsigned long long)rk_hlc_clock_max_drift_ms(c));
}

static PyMethodDef clock_methods[] = {
    {"now", clock_now, METH_NOARGS, "now() -> max(stored, wall clock); changes nothing."},
    {"tick", clock_tick, METH_NOARGS, "tick() -> a timestamp greater than every earlier one."},
    {"update", (PyCFunction)(void (*)(void))clock_update, METH_VARARGS | METH_KEYWORDS,
     "update(received) -> merge a received timestamp; RingKernelError on too much skew."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef clock_getset[] = {
    {"node_id", clock_get_node_id, NULL, "This clock's node id.", NULL},
    {"max_drift_ms", clock_get_max_drift, NULL, "Largest accepted skew, ms.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot clock_slots[] = {
    {Py_tp_new, clock_tp_new},
    {Py_tp_dealloc, clock_dealloc},
    {Py_tp_methods, clock_methods},
    {Py_tp_getset, clock_getset},
    {Py_tp_repr, clock_repr},
    {Py_tp_doc, "HlcClock(node_id, max_drift_ms=60000): a thread-safe hybrid logical clock."},
    {0, NULL},
};

static PyType_Spec clock_spec = {
    .name = "ringkernel.HlcClock",
    .basicsize = sizeof(rkpy_clock),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = clock_slots,
};

int rkpy_hlc_exec(PyObject *m) {
  rkpy_state *st = rkpy_state_of_module(m);
  if (rkpy_add_type(m, &ts_spec, NULL, &st->HlcTimestamp_type) < 0) return -1;
  return rkpy_add_type(m, &clock_spec, NULL, &st->HlcClock_type);
}
