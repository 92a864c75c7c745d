/* py_header.c — MessageHeader: an immutable copy of the 256-byte wire header. */
#include "rkpy.h"

#include <string.h>

#include "ringkernel/message.h"

typedef struct {
  PyObject_HEAD
  rk_message_header_t h;
} rkpy_header;

static rkpy_state *hdr_state(PyObject *self) {
  return rkpy_state_of_type(Py_TYPE(self));
}

static const rk_message_header_t *hdr_of(PyObject *self) {
  return &((rkpy_header *)self)->h;
}

PyObject *rkpy_header_new(rkpy_state *st, const rk_message_header_t *h) {
  rkpy_header *self = PyObject_New(rkpy_header, st->MessageHeader_type);
  if (self) self->h = *h;
  return (PyObject *)self;
}

int rkpy_header_get(rkpy_state *st, PyObject *obj, const char *what, rk_message_header_t *out) {
  if (!PyObject_TypeCheck(obj, st->MessageHeader_type)) {
    PyErr_Format(PyExc_TypeError, "%s must be a MessageHeader, got %.100s", what,
                 Py_TYPE(obj)->tp_name);
    return -1;
  }
  *out = ((rkpy_header *)obj)->h;
  return 0;
}

static PyObject *hdr_tp_new(PyTypeObject *Py_UNUSED(type), PyObject *Py_UNUSED(args),
                            PyObject *Py_UNUSED(kwds)) {
  PyErr_SetString(PyExc_TypeError, "MessageHeader has no constructor: use MessageHeader.new(...)");
  return NULL;
}

static PyObject *hdr_new(PyObject *cls, PyObject *args, PyObject *kwds) {
  static char *kwlist[] = {"type_id",      "source_kernel", "dest_kernel",
                           "payload_size", "timestamp",     NULL};
  PyObject *t, *s, *d, *p, *ts;
  rkpy_state *st = rkpy_state_of_type((PyTypeObject *)cls);
  uint64_t type_id = 0, src = 0, dst = 0, size = 0;
  rk_hlc_timestamp_t stamp;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOOOO:new", kwlist, &t, &s, &d, &p, &ts) ||
      rkpy_arg_u64(t, "type_id", UINT64_MAX, &type_id) < 0 ||
      rkpy_arg_u64(s, "source_kernel", UINT64_MAX, &src) < 0 ||
      rkpy_arg_u64(d, "dest_kernel", UINT64_MAX, &dst) < 0 ||
      rkpy_arg_u64(p, "payload_size", UINT64_MAX, &size) < 0 ||
      rkpy_timestamp_get(st, ts, "timestamp", &stamp) < 0)
    return NULL;
  rk_message_header_t h;
  rk_message_header_init(&h, type_id, src, dst, size, stamp);
  return rkpy_header_new(st, &h);
}

static PyObject *hdr_validate(PyObject *self, PyObject *Py_UNUSED(ignored)) {
  rk_status_t s = rk_message_header_validate(hdr_of(self));
  if (s != RK_OK) return rkpy_raise_status(hdr_state(self), s);
  Py_RETURN_TRUE;
}

static PyObject *hdr_with_correlation(PyObject *self, PyObject *cid) {
  rkpy_state *st = hdr_state(self);
  rk_message_header_t h = *hdr_of(self);
  if (rkpy_correlation_id_get(st, cid, &h.correlation_id) < 0) return NULL;
  return rkpy_header_new(st, &h);
}

static PyObject *hdr_with_priority(PyObject *self, PyObject *prio) {
  rkpy_state *st = hdr_state(self);
  rk_message_header_t h = *hdr_of(self);
  long v = 0;
  if (rkpy_enum_value(st, "Priority", prio, &v) < 0) return NULL;
  h.priority = (uint8_t)v;
  return rkpy_header_new(st, &h);
}

static PyObject *hdr_to_bytes(PyObject *self, PyObject *Py_UNUSED(ignored)) {
  return PyBytes_FromStringAndSize((const char *)hdr_of(self), RK_HEADER_SIZE);
}

static PyObject *hdr_u64(uint64_t v) {
  return PyLong_FromUnsignedLongLong(v);
}

static PyObject *hdr_get_magic(PyObject *s, void *c) {
  (void)c;
  return hdr_u64(hdr_of(s)->magic);
}
static PyObject *hdr_get_version(PyObject *s, void *c) {
  (void)c;
  return hdr_u64(hdr_of(s)->version);
}
static PyObject *hdr_get_flags(PyObject *s, void *c) {
  (void)c;
  return hdr_u64(hdr_of(s)->flags);
}
static PyObject *hdr_get_src(PyObject *s, void *c) {
  (void)c;
  return hdr_u64(hdr_of(s)->source_kernel);
}
static PyObject *hdr_get_dst(PyObject *s, void *c) {
  (void)c;
  return hdr_u64(hdr_of(s)->dest_kernel);
}
static PyObject *hdr_get_type(PyObject *s, void *c) {
  (void)c;
  return hdr_u64(hdr_of(s)->message_type);
}
static PyObject *hdr_get_size(PyObject *s, void *c) {
  (void)c;
  return hdr_u64(hdr_of(s)->payload_size);
}
static PyObject *hdr_get_checksum(PyObject *s, void *c) {
  (void)c;
  return hdr_u64(hdr_of(s)->checksum);
}

static PyObject *hdr_get_message_id(PyObject *self, void *Py_UNUSED(c)) {
  return rkpy_message_id_new(hdr_state(self), hdr_of(self)->message_id);
}

static PyObject *hdr_get_correlation_id(PyObject *self, void *Py_UNUSED(c)) {
  return rkpy_correlation_id_new(hdr_state(self), hdr_of(self)->correlation_id);
}

static PyObject *hdr_get_priority(PyObject *self, void *Py_UNUSED(c)) {
  return rkpy_enum(hdr_state(self), "Priority", hdr_of(self)->priority);
}

static PyObject *hdr_get_timestamp(PyObject *self, void *Py_UNUSED(c)) {
  return rkpy_timestamp_new(hdr_state(self), hdr_of(self)->timestamp);
}

static PyObject *hdr_get_deadline(PyObject *self, void *Py_UNUSED(c)) {
  return rkpy_timestamp_new(hdr_state(self), hdr_of(self)->deadline);
}

static PyObject *hdr_repr(PyObject *self) {
  const rk_message_header_t *h = hdr_of(self);
  return PyUnicode_FromFormat(
      "MessageHeader(type=%llu, src=%llu, dst=%llu, size=%llu)",
      (unsigned long long)h->message_type, (unsigned long long)h->source_kernel,
      (unsigned long long)h->dest_kernel, (unsigned long long)h->payload_size);
}

static PyObject *hdr_richcompare(PyObject *a, PyObject *b, int op) {
  if (Py_TYPE(a) != Py_TYPE(b) || (op != Py_EQ && op != Py_NE)) Py_RETURN_NOTIMPLEMENTED;
  int same = memcmp(hdr_of(a), hdr_of(b), sizeof(rk_message_header_t)) == 0;
  return PyBool_FromLong(op == Py_EQ ? same : !same);
}

static PyMethodDef hdr_methods[] = {
    {"new", (PyCFunction)(void (*)(void))hdr_new, METH_CLASS | METH_VARARGS | METH_KEYWORDS,
     "new(type_id, source_kernel, dest_kernel, payload_size, timestamp) -> MessageHeader "
     "with a fresh message id, no correlation and priority Normal."},
    {"validate", hdr_validate, METH_NOARGS,
     "validate() -> True, or ValueError 'Validation failed: ...' (magic, version, size)."},
    {"with_correlation", hdr_with_correlation, METH_O,
     "with_correlation(cid) -> a copy carrying that correlation id."},
    {"with_priority", hdr_with_priority, METH_O,
     "with_priority(priority) -> a copy with that Priority."},
    {"to_bytes", hdr_to_bytes, METH_NOARGS, "to_bytes() -> the 256 wire bytes."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef hdr_getset[] = {
    {"magic", hdr_get_magic, NULL, "MESSAGE_MAGIC for a valid header.", NULL},
    {"version", hdr_get_version, NULL, "Wire format version.", NULL},
    {"flags", hdr_get_flags, NULL, "Flag bits.", NULL},
    {"message_id", hdr_get_message_id, NULL, "MessageId.", NULL},
    {"correlation_id", hdr_get_correlation_id, NULL, "CorrelationId.", NULL},
    {"source_kernel", hdr_get_src, NULL, "Numeric id of the sender (0 = host).", NULL},
    {"dest_kernel", hdr_get_dst, NULL, "Numeric id of the receiver (0 = host).", NULL},
    {"message_type", hdr_get_type, NULL, "Application message type.", NULL},
    {"priority", hdr_get_priority, NULL, "Priority.", NULL},
    {"payload_size", hdr_get_size, NULL, "Payload length in bytes.", NULL},
    {"checksum", hdr_get_checksum, NULL, "CRC32C of the payload (0 = not set).", NULL},
    {"timestamp", hdr_get_timestamp, NULL, "HlcTimestamp of the sender.", NULL},
    {"deadline", hdr_get_deadline, NULL, "HlcTimestamp deadline (zero = none).", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot hdr_slots[] = {
    {Py_tp_new, hdr_tp_new},
    {Py_tp_dealloc, rkpy_dealloc},
    {Py_tp_methods, hdr_methods},
    {Py_tp_getset, hdr_getset},
    {Py_tp_repr, hdr_repr},
    {Py_tp_richcompare, hdr_richcompare},
    {Py_tp_doc, "The 256-byte message header (read-only; builders return copies)."},
    {0, NULL},
};

static PyType_Spec hdr_spec = {
    .name = "ringkernel.MessageHeader",
    .basicsize = sizeof(rkpy_header),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = hdr_slots,
};

int rkpy_header_exec(PyObject *m) {
  rkpy_state *st = rkpy_state_of_module(m);
  return rkpy_add_type(m, &hdr_spec, NULL, &st->MessageHeader_type);
}
