/* py_resource.c — MemoryEstimate, ResourceGuard and reservations (spec §8) over
 * ringkernel/resource.h. The guard's counters live in C behind its own lock, so Python
 * threads (and C callers) sharing one guard keep exact totals. */
#include "rkpy_values.h"

#include <stddef.h>

#include "ringkernel/resource.h"

typedef struct {
  PyObject_HEAD
  rk_memory_estimate_t e;
} rkpy_estimate;

typedef struct {
  PyObject_HEAD
  rk_resource_guard_t *g;
} rkpy_guard;

typedef struct {
  PyObject_HEAD
  rk_reservation_t *r;
} rkpy_reservation;

/* ---- MemoryEstimate --------------------------------------------------------------- */

/* A MemoryEstimate of `type` holding *e, or the error for status s (the C call's). */
static PyObject *estimate_wrap(PyTypeObject *type, rk_status_t s, const rk_memory_estimate_t *e) {
  if (s != RK_OK) return rkpy_raise_status(rkpy_state_of_type(type), s);
  rkpy_estimate *self = (rkpy_estimate *)type->tp_alloc(type, 0);
  if (self) self->e = *e;
  return (PyObject *)self;
}

static PyObject *estimate_make(PyTypeObject *type, uint64_t primary, uint64_t aux, uint64_t peak,
                               double confidence) {
  rk_memory_estimate_t e;
  rk_status_t s = rk_memory_estimate_init(&e, primary, aux, peak, confidence);
  return estimate_wrap(type, s, &e);
}

static PyObject *estimate_new(PyTypeObject *type, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"primary_bytes", "auxiliary_bytes", "peak_bytes", "confidence", NULL};
  PyObject *p = NULL, *a = NULL, *k = NULL, *c = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "|OOOO:MemoryEstimate", kwlist, &p, &a, &k, &c))
    return NULL;
  uint64_t primary = 0, aux = 0, peak = 0;
  double confidence = 1.0;
  if (rkpyv_opt_u64(p, "primary_bytes", UINT64_MAX, &primary) < 0 ||
      rkpyv_opt_u64(a, "auxiliary_bytes", UINT64_MAX, &aux) < 0 ||
      rkpyv_opt_u64(k, "peak_bytes", UINT64_MAX, &peak) < 0)
    return NULL;
  if (c && rkpyv_real(c, "confidence", &confidence) < 0) return NULL;
  return estimate_make(type, primary, aux, peak, confidence);
}

static PyObject *estimate_for_elements(PyObject *cls, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"count", "bytes_per_element", NULL};
  PyObject *c = NULL, *b = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "OO:for_elements", kwlist, &c, &b)) return NULL;
  uint64_t count = 0, bpe = 0;
  if (rkpy_arg_u64(c, "count", UINT64_MAX, &count) < 0 ||
      rkpy_arg_u64(b, "bytes_per_element", UINT64_MAX, &bpe) < 0)
    return NULL;
  rk_memory_estimate_t e;
  rk_status_t s = rk_memory_estimate_for_elements(count, bpe, &e);
  return estimate_wrap((PyTypeObject *)cls, s, &e);
}

static PyObject *estimate_total(PyObject *self, PyObject *unused) {
  (void)unused;
  return PyLong_FromUnsignedLongLong(rk_memory_estimate_total(&((rkpy_estimate *)self)->e));
}

/* A new estimate with `primary` replaced; the peak never drops below the new total
 * (the same rule as the Lua binding's with_primary). */
static PyObject *estimate_with_primary(PyObject *self, PyObject *arg) {
  uint64_t primary = 0;
  if (rkpy_arg_u64(arg, "primary_bytes", UINT64_MAX, &primary) < 0) return NULL;
  const rk_memory_estimate_t *e = &((rkpy_estimate *)self)->e;
  rk_memory_estimate_t probe = *e;
  probe.primary_bytes = primary;
  uint64_t total = rk_memory_estimate_total(&probe);
  uint64_t peak = e->peak_bytes > total ? e->peak_bytes : total;
  return estimate_make(Py_TYPE(self), primary, e->auxiliary_bytes, peak, e->confidence);
}

static PyObject *estimate_repr(PyObject *self) {
  const rk_memory_estimate_t *e = &((rkpy_estimate *)self)->e;
  PyObject *conf = rkpyv_float_str(e->confidence);
  if (!conf) return NULL;
  PyObject *out = PyUnicode_FromFormat(
      "MemoryEstimate(primary=%llu, auxiliary=%llu, peak=%llu, confidence=%U)",
      (unsigned long long)e->primary_bytes, (unsigned long long)e->auxiliary_bytes,
      (unsigned long long)e->peak_bytes, conf);
  Py_DECREF(conf);
  return out;
}

static PyObject *estimate_richcompare(PyObject *a, PyObject *b, int op) {
  if ((op != Py_EQ && op != Py_NE) || Py_TYPE(a) != Py_TYPE(b)) Py_RETURN_NOTIMPLEMENTED;
  const rk_memory_estimate_t *x = &((rkpy_estimate *)a)->e, *y = &((rkpy_estimate *)b)->e;
  int eq = x->primary_bytes == y->primary_bytes && x->auxiliary_bytes == y->auxiliary_bytes &&
           x->peak_bytes == y->peak_bytes && x->confidence == y->confidence;
  return PyBool_FromLong(op == Py_EQ ? eq : !eq);
}

static Py_hash_t estimate_hash(PyObject *self) {
  const rk_memory_estimate_t *e = &((rkpy_estimate *)self)->e;
  return rkpyv_hash_values("(KKKd)", (unsigned long long)e->primary_bytes,
                           (unsigned long long)e->auxiliary_bytes,
                           (unsigned long long)e->peak_bytes, e->confidence);
}

static PyMemberDef estimate_members[] = {
    {"primary_bytes", T_ULONGLONG, offsetof(rkpy_estimate, e.primary_bytes), READONLY,
     "Bytes of the main data."},
    {"auxiliary_bytes", T_ULONGLONG, offsetof(rkpy_estimate, e.auxiliary_bytes), READONLY,
     "Bytes of helper structures."},
    {"peak_bytes", T_ULONGLONG, offsetof(rkpy_estimate, e.peak_bytes), READONLY,
     "Highest use at any moment (what validate() checks)."},
    {"confidence", T_DOUBLE, offsetof(rkpy_estimate, e.confidence), READONLY,
     "Confidence in the estimate, 0..1."},
    {NULL, 0, 0, 0, NULL},
};

static PyMethodDef estimate_methods[] = {
    {"total_bytes", estimate_total, METH_NOARGS, "primary_bytes + auxiliary_bytes."},
    {"with_primary", estimate_with_primary, METH_O,
     "A new estimate with primary_bytes replaced (peak raised to the new total if lower)."},
    {"for_elements", (PyCFunction)(void (*)(void))estimate_for_elements,
     METH_VARARGS | METH_KEYWORDS | METH_CLASS,
     "Estimate for count elements of bytes_per_element bytes each."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot estimate_slots[] = {
    {Py_tp_doc, "MemoryEstimate(primary_bytes=0, auxiliary_bytes=0, peak_bytes=0, "
                "confidence=1.0); peak 0 means primary + auxiliary."},
    {Py_tp_new, estimate_new},
    {Py_tp_repr, estimate_repr},
    {Py_tp_richcompare, estimate_richcompare},
    {Py_tp_hash, estimate_hash},
    {Py_tp_members, estimate_members},
    {Py_tp_methods, estimate_methods},
    {0, NULL},
};

static PyType_Spec estimate_spec = {
    .name = "ringkernel.MemoryEstimate",
    .basicsize = sizeof(rkpy_estimate),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = estimate_slots,
};

/* ---- Reservation ------------------------------------------------------------------ */

static rk_reservation_t *rsv(PyObject *self) {
  return ((rkpy_reservation *)self)->r;
}

static void reservation_dealloc(PyObject *self) {
  PyTypeObject *tp = Py_TYPE(self);
  rk_reservation_destroy(rsv(self));
  tp->tp_free(self);
  Py_DECREF(tp);
}

static PyObject *reservation_bytes(PyObject *self, void *unused) {
  (void)unused;
  return PyLong_FromUnsignedLongLong(rk_reservation_bytes(rsv(self)));
}

static PyObject *reservation_is_committed(PyObject *self, PyObject *unused) {
  (void)unused;
  return PyBool_FromLong(rk_reservation_is_committed(rsv(self)));
}

static PyObject *reservation_is_released(PyObject *self, PyObject *unused) {
  (void)unused;
  return PyBool_FromLong(rk_reservation_is_released(rsv(self)));
}

static PyObject *reservation_commit(PyObject *self, PyObject *unused) {
  (void)unused;
  rk_status_t s = rk_reservation_commit(rsv(self));
  if (s != RK_OK) return rkpy_raise_as(rkpyv_state(self)->ReservationError, s);
  Py_RETURN_NONE;
}

static PyObject *reservation_release(PyObject *self, PyObject *unused) {
  (void)unused;
  rk_reservation_release(rsv(self));
  Py_RETURN_NONE;
}

static PyObject *reservation_enter(PyObject *self, PyObject *unused) {
  (void)unused;
  return Py_NewRef(self);
}

/* Releases what was not committed, on normal exit and on exceptions alike; never
 * swallows the exception. */
static PyObject *reservation_exit(PyObject *self, PyObject *args) {
  (void)args;
  rk_reservation_release(rsv(self));
  Py_RETURN_FALSE;
}

static PyObject *reservation_repr(PyObject *self) {
  const char *state = rk_reservation_is_committed(rsv(self))  ? "committed"
                      : rk_reservation_is_released(rsv(self)) ? "released"
                                                              : "held";
  return PyUnicode_FromFormat("Reservation(bytes=%llu, %s)",
                              (unsigned long long)rk_reservation_bytes(rsv(self)), state);
}

static PyGetSetDef reservation_getset[] = {
    {"bytes", reservation_bytes, NULL, "Bytes reserved.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef reservation_methods[] = {
    {"is_committed", reservation_is_committed, METH_NOARGS, "Whether commit() ran."},
    {"is_released", reservation_is_released, METH_NOARGS,
     "Whether the bytes went back to the guard uncommitted."},
    {"commit", reservation_commit, METH_NOARGS,
     "Turn the reserved bytes into a recorded allocation on the guard (twice: no-op; "
     "after release: ReservationError)."},
    {"release", reservation_release, METH_NOARGS,
     "Give uncommitted bytes back to the guard (idempotent)."},
    {"__enter__", reservation_enter, METH_NOARGS, NULL},
    {"__exit__", reservation_exit, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot reservation_slots[] = {
    {Py_tp_doc, "Bytes reserved on a ResourceGuard; a context manager that releases them "
                "unless committed."},
    {Py_tp_dealloc, reservation_dealloc},
    {Py_tp_repr, reservation_repr},
    {Py_tp_getset, reservation_getset},
    {Py_tp_methods, reservation_methods},
    {0, NULL},
};

static PyType_Spec reservation_spec = {
    .name = "ringkernel.Reservation",
    .basicsize = sizeof(rkpy_reservation),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = reservation_slots,
};

/* ---- ResourceGuard ---------------------------------------------------------------- */

static rk_resource_guard_t *grd(PyObject *self) {
  return ((rkpy_guard *)self)->g;
}

static PyObject *guard_wrap(PyTypeObject *type, rk_status_t s, rk_resource_guard_t *g) {
  if (s != RK_OK) return rkpy_raise_status(rkpy_state_of_type(type), s);
  rkpy_guard *self = (rkpy_guard *)type->tp_alloc(type, 0);
  if (!self) {
    rk_resource_guard_destroy(g);
    return NULL;
  }
  self->g = g;
  return (PyObject *)self;
}

static PyObject *guard_new(PyTypeObject *type, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"max_memory_bytes", "safety_margin", NULL};
  PyObject *max_obj = Py_None, *margin_obj = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "|OO:ResourceGuard", kwlist, &max_obj, &margin_obj))
    return NULL;
  uint64_t max_bytes = RK_RESOURCE_DEFAULT_MAX_BYTES;
  double margin = RK_RESOURCE_DEFAULT_MARGIN;
  if (max_obj != Py_None) {
    if (rkpy_arg_u64(max_obj, "max_memory_bytes", UINT64_MAX, &max_bytes) < 0) return NULL;
    if (max_bytes == 0) {
      PyErr_SetString(PyExc_ValueError, "max_memory_bytes must be >= 1 (None means 4 GiB), got 0");
      return NULL;
    }
  }
  if (margin_obj && rkpyv_real(margin_obj, "safety_margin", &margin) < 0) return NULL;
  rk_resource_guard_t *g = NULL;
  rk_status_t s = rk_resource_guard_create(max_bytes, margin, &g);
  return guard_wrap(type, s, g);
}

static PyObject *guard_default(PyObject *cls, PyObject *unused) {
  (void)unused;
  rk_resource_guard_t *g = NULL;
  rk_status_t s = rk_resource_guard_create_default(&g);
  return guard_wrap((PyTypeObject *)cls, s, g);
}

static PyObject *guard_unguarded(PyObject *cls, PyObject *unused) {
  (void)unused;
  rk_resource_guard_t *g = NULL;
  rk_status_t s = rk_resource_guard_create_unguarded(&g);
  return guard_wrap((PyTypeObject *)cls, s, g);
}

static void guard_dealloc(PyObject *self) {
  PyTypeObject *tp = Py_TYPE(self);
  rk_resource_guard_destroy(grd(self));
  tp->tp_free(self);
  Py_DECREF(tp);
}

static PyObject *guard_max(PyObject *self, void *unused) {
  (void)unused;
  return PyLong_FromUnsignedLongLong(rk_resource_guard_max_memory(grd(self)));
}

static PyObject *guard_current(PyObject *self, void *unused) {
  (void)unused;
  return PyLong_FromUnsignedLongLong(rk_resource_guard_current_memory(grd(self)));
}

static PyObject *guard_reserved(PyObject *self, void *unused) {
  (void)unused;
  return PyLong_FromUnsignedLongLong(rk_resource_guard_reserved_memory(grd(self)));
}

static PyObject *guard_margin(PyObject *self, void *unused) {
  (void)unused;
  return PyFloat_FromDouble(rk_resource_guard_safety_margin(grd(self)));
}

static PyObject *guard_available(PyObject *self, PyObject *unused) {
  (void)unused;
  return PyLong_FromUnsignedLongLong(rk_resource_guard_available(grd(self)));
}

static PyObject *guard_can_allocate(PyObject *self, PyObject *arg) {
  uint64_t b = 0;
  if (rkpy_arg_u64(arg, "bytes", UINT64_MAX, &b) < 0) return NULL;
  return PyBool_FromLong(rk_resource_guard_can_allocate(grd(self), b));
}

static PyObject *guard_record_allocation(PyObject *self, PyObject *arg) {
  uint64_t b = 0;
  if (rkpy_arg_u64(arg, "bytes", UINT64_MAX, &b) < 0) return NULL;
  rk_resource_guard_record_allocation(grd(self), b);
  Py_RETURN_NONE;
}

static PyObject *guard_record_deallocation(PyObject *self, PyObject *arg) {
  uint64_t b = 0;
  if (rkpy_arg_u64(arg, "bytes", UINT64_MAX, &b) < 0) return NULL;
  rk_resource_guard_record_deallocation(grd(self), b);
  Py_RETURN_NONE;
}

static PyObject *guard_reserve(PyObject *self, PyObject *arg) {
  uint64_t b = 0;
  if (rkpy_arg_u64(arg, "bytes", UINT64_MAX, &b) < 0) return NULL;
  rkpy_state *st = rkpyv_state(self);
  rk_reservation_t *r = NULL;
  rk_status_t s = rk_resource_reserve(grd(self), b, &r);
  if (s != RK_OK) return rkpy_raise_status(st, s);
  PyTypeObject *t = st->Reservation_type;
  rkpy_reservation *out = (rkpy_reservation *)t->tp_alloc(t, 0);
  if (!out) {
    rk_reservation_destroy(r);
    return NULL;
  }
  out->r = r;
  return (PyObject *)out;
}

static PyObject *guard_validate(PyObject *self, PyObject *arg) {
  rkpy_state *st = rkpyv_state(self);
  if (!PyObject_TypeCheck(arg, st->MemoryEstimate_type)) {
    PyErr_Format(PyExc_TypeError, "validate() expects a MemoryEstimate, got %.100s",
                 Py_TYPE(arg)->tp_name);
    return NULL;
  }
  rk_status_t s = rk_resource_guard_validate(grd(self), &((rkpy_estimate *)arg)->e);
  if (s != RK_OK) return rkpy_raise_status(st, s);
  Py_RETURN_NONE;
}

static PyObject *guard_max_safe_elements(PyObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"bytes_per_element", NULL};
  PyObject *b = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "O:max_safe_elements", kwlist, &b)) return NULL;
  uint64_t bpe = 0, n = 0;
  if (rkpy_arg_u64(b, "bytes_per_element", UINT64_MAX, &bpe) < 0) return NULL;
  rk_status_t s = rk_resource_guard_max_safe_elements(grd(self), bpe, &n);
  if (s != RK_OK) return rkpy_raise_status(rkpyv_state(self), s);
  return PyLong_FromUnsignedLongLong(n);
}

static PyObject *guard_utilization(PyObject *self, PyObject *unused) {
  (void)unused;
  return PyFloat_FromDouble(rk_resource_guard_utilization(grd(self)));
}

static PyObject *guard_set_enforce(PyObject *self, PyObject *arg) {
  int b = PyObject_IsTrue(arg);
  if (b < 0) return NULL;
  rk_resource_guard_set_enforce(grd(self), b != 0);
  Py_RETURN_NONE;
}

static PyObject *guard_is_enforcing(PyObject *self, PyObject *unused) {
  (void)unused;
  return PyBool_FromLong(rk_resource_guard_is_enforcing(grd(self)));
}

static PyObject *guard_repr(PyObject *self) {
  PyObject *margin = rkpyv_float_str(rk_resource_guard_safety_margin(grd(self)));
  if (!margin) return NULL;
  PyObject *out = PyUnicode_FromFormat(
      "ResourceGuard(max=%llu, current=%llu, reserved=%llu, margin=%U, enforcing=%s)",
      (unsigned long long)rk_resource_guard_max_memory(grd(self)),
      (unsigned long long)rk_resource_guard_current_memory(grd(self)),
      (unsigned long long)rk_resource_guard_reserved_memory(grd(self)), margin,
      rk_resource_guard_is_enforcing(grd(self)) ? "true" : "false");
  Py_DECREF(margin);
  return out;
}

static PyGetSetDef guard_getset[] = {
    {"max_memory", guard_max, NULL, "Limit in bytes.", NULL},
    {"current_memory", guard_current, NULL, "Bytes recorded as allocated.", NULL},
    {"reserved_memory", guard_reserved, NULL, "Bytes held by live reservations.", NULL},
    {"safety_margin", guard_margin, NULL, "Fraction of max kept free (0..0.9).", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef guard_methods[] = {
    {"default", guard_default, METH_NOARGS | METH_CLASS,
     "Guard limited to 80% of physical memory, margin 0.1."},
    {"unguarded", guard_unguarded, METH_NOARGS | METH_CLASS, "Guard that never refuses."},
    {"available_memory", guard_available, METH_NOARGS,
     "max - current - reserved - floor(max * margin), never below 0."},
    {"can_allocate", guard_can_allocate, METH_O, "Whether `bytes` fit now."},
    {"record_allocation", guard_record_allocation, METH_O, "current += bytes."},
    {"record_deallocation", guard_record_deallocation, METH_O, "current -= bytes (never below 0)."},
    {"reserve", guard_reserve, METH_O, "Reserve bytes; ReservationError when they do not fit."},
    {"validate", guard_validate, METH_O,
     "MemoryLimitError when the estimate's peak exceeds available memory."},
    {"max_safe_elements", (PyCFunction)(void (*)(void))guard_max_safe_elements,
     METH_VARARGS | METH_KEYWORDS, "available_memory() // bytes_per_element."},
    {"utilization", guard_utilization, METH_NOARGS, "(current + reserved) / max."},
    {"set_enforce_limits", guard_set_enforce, METH_O, "Switch enforcement on or off."},
    {"is_enforcing", guard_is_enforcing, METH_NOARGS, "Whether limits are enforced."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot guard_slots[] = {
    {Py_tp_doc, "ResourceGuard(max_memory_bytes=None, safety_margin=0.1): exact, "
                "thread-safe memory accounting (None means 4 GiB)."},
    {Py_tp_new, guard_new},
    {Py_tp_dealloc, guard_dealloc},
    {Py_tp_repr, guard_repr},
    {Py_tp_getset, guard_getset},
    {Py_tp_methods, guard_methods},
    {0, NULL},
};

static PyType_Spec guard_spec = {
    .name = "ringkernel.ResourceGuard",
    .basicsize = sizeof(rkpy_guard),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = guard_slots,
};

int rkpy_resource_exec(PyObject *m) {
  rkpy_state *st = rkpy_state_of_module(m);
  if (rkpy_add_type(m, &estimate_spec, NULL, &st->MemoryEstimate_type) < 0) return -1;
  if (rkpy_add_type(m, &reservation_spec, NULL, &st->Reservation_type) < 0) return -1;
  return rkpy_add_type(m, &guard_spec, NULL, &st->ResourceGuard_type);
}
