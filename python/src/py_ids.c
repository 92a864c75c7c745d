/* py_ids.c — MessageId and CorrelationId: hashable wrappers of one u64 drawn from the
 * process-wide id counter (rk_message_id_generate). */
#include "rkpy.h"

#include "ringkernel/message.h"

typedef struct {
  PyObject_HEAD
  uint64_t value;
} rkpy_id;

static PyObject *id_alloc(PyTypeObject *type, uint64_t value) {
  rkpy_id *self = (rkpy_id *)type->tp_alloc(type, 0);
  if (self) self->value = value;
  return (PyObject *)self;
}

PyObject *rkpy_message_id_new(rkpy_state *st, uint64_t value) {
  return id_alloc(st->MessageId_type, value);
}

PyObject *rkpy_correlation_id_new(rkpy_state *st, uint64_t value) {
  return id_alloc(st->CorrelationId_type, value);
}

int rkpy_correlation_id_get(rkpy_state *st, PyObject *obj, uint64_t *out) {
  if (PyObject_TypeCheck(obj, st->CorrelationId_type) ||
      PyObject_TypeCheck(obj, st->MessageId_type)) {
    *out = ((rkpy_id *)obj)->value;
    return 0;
  }
  if (obj == Py_None) {
    *out = 0;
    return 0;
  }
  return rkpy_arg_u64(obj, "correlation id", UINT64_MAX, out);
}

static PyObject *id_tp_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
  static char *kwlist[] = {"value", NULL};
  PyObject *v;
  uint64_t value = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "O", kwlist, &v) ||
      rkpy_arg_u64(v, "value", UINT64_MAX, &value) < 0)
    return NULL;
  return id_alloc(type, value);
}

static PyObject *id_generate(PyObject *cls, PyObject *Py_UNUSED(ignored)) {
  return id_alloc((PyTypeObject *)cls, rk_message_id_generate());
}

static PyObject *id_none(PyObject *cls, PyObject *Py_UNUSED(ignored)) {
  return id_alloc((PyTypeObject *)cls, 0);
}

static PyObject *id_int(PyObject *self) {
  return PyLong_FromUnsignedLongLong(((rkpy_id *)self)->value);
}

static PyObject *id_get_value(PyObject *self, void *Py_UNUSED(c)) {
  return id_int(self);
}

static PyObject *cid_get_value(PyObject *self, void *Py_UNUSED(c)) {
  if (((rkpy_id *)self)->value == 0) Py_RETURN_NONE;
  return id_int(self);
}

static PyObject *cid_is_some(PyObject *self, PyObject *Py_UNUSED(ignored)) {
  return PyBool_FromLong(((rkpy_id *)self)->value != 0);
}

static int cid_bool(PyObject *self) {
  return ((rkpy_id *)self)->value != 0;
}

static PyObject *id_richcompare(PyObject *a, PyObject *b, int op) {
  if (Py_TYPE(a) != Py_TYPE(b)) Py_RETURN_NOTIMPLEMENTED;
  uint64_t x = ((rkpy_id *)a)->value, y = ((rkpy_id *)b)->value;
  Py_RETURN_RICHCOMPARE(x, y, op);
}

static Py_hash_t id_hash(PyObject *self) {
  PyObject *v = id_int(self);
  if (!v) return -1;
  Py_hash_t h = PyObject_Hash(v);
  Py_DECREF(v);
  return h;
}

static PyObject *id_repr(PyObject *self) {
  return PyUnicode_FromFormat("MessageId(%llu)", (unsigned long long)((rkpy_id *)self)->value);
}

static PyObject *id_str(PyObject *self) {
  char buf[32];
  PyOS_snprintf(buf, sizeof buf, "msg:%016llx", (unsigned long long)((rkpy_id *)self)->value);
  return PyUnicode_FromString(buf);
}

static PyObject *cid_repr(PyObject *self) {
  uint64_t v = ((rkpy_id *)self)->value;
  if (v == 0) return PyUnicode_FromString("CorrelationId.none()");
  return PyUnicode_FromFormat("CorrelationId(%llu)", (unsigned long long)v);
}

static PyObject *id_reduce(PyObject *self, PyObject *Py_UNUSED(ignored)) {
  return Py_BuildValue("(O(K))", (PyObject *)Py_TYPE(self),
                       (unsigned long long)((rkpy_id *)self)->value);
}

static PyMethodDef id_methods[] = {
    {"generate", id_generate, METH_CLASS | METH_NOARGS,
     "generate() -> the next id of the process-wide counter (starts at 1)."},
    {"__reduce__", id_reduce, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef id_getset[] = {
    {"value", id_get_value, NULL, "The id as an int.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot id_slots[] = {
    {Py_tp_new, id_tp_new},
    {Py_tp_dealloc, rkpy_dealloc},
    {Py_tp_methods, id_methods},
    {Py_tp_getset, id_getset},
    {Py_tp_richcompare, id_richcompare},
    {Py_tp_hash, id_hash},
    {Py_tp_repr, id_repr},
    {Py_tp_str, id_str},
    {Py_nb_int, id_int},
    {Py_nb_index, id_int},
    {Py_tp_doc, "MessageId(value): a message's unique id."},
    {0, NULL},
};

static PyType_Spec id_spec = {
    .name = "ringkernel.MessageId",
    .basicsize = sizeof(rkpy_id),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = id_slots,
};

static PyMethodDef cid_methods[] = {
    {"generate", id_generate, METH_CLASS | METH_NOARGS,
     "generate() -> a fresh correlation id from the process-wide counter."},
    {"none", id_none, METH_CLASS | METH_NOARGS, "none() -> the empty correlation id (0)."},
    {"is_some", cid_is_some, METH_NOARGS, "True unless this is CorrelationId.none()."},
    {"__reduce__", id_reduce, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef cid_getset[] = {
    {"value", cid_get_value, NULL, "The id as an int, or None for none().", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot cid_slots[] = {
    {Py_tp_new, id_tp_new},
    {Py_tp_dealloc, rkpy_dealloc},
    {Py_tp_methods, cid_methods},
    {Py_tp_getset, cid_getset},
    {Py_tp_richcompare, id_richcompare},
    {Py_tp_hash, id_hash},
    {Py_tp_repr, cid_repr},
    {Py_nb_int, id_int},
    {Py_nb_index, id_int},
    {Py_nb_bool, cid_bool},
    {Py_tp_doc, "CorrelationId(value): ties a reply to its request (0 = none)."},
    {0, NULL},
};

static PyType_Spec cid_spec = {
    .name = "ringkernel.CorrelationId",
    .basicsize = sizeof(rkpy_id),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = cid_slots,
};

int rkpy_ids_exec(PyObject *m) {
  rkpy_state *st = rkpy_state_of_module(m);
  if (rkpy_add_type(m, &id_spec, NULL, &st->MessageId_type) < 0) return -1;
  return rkpy_add_type(m, &cid_spec, NULL, &st->CorrelationId_type);
}
