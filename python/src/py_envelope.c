/* py_envelope.c — MessageEnvelope: a header plus a payload that is never copied on the
 * way in or out.
 *
 * The payload lives in one of two places: a buffer-protocol object the envelope holds a
 * view of (from_bytes, from_raw_bytes: bytes, bytearray, memoryview, NumPy arrays), or an
 * rk_message_t the runtime handed over (received replies). `payload` copies it into
 * bytes (the spec's type); the envelope itself exports the payload through the buffer
 * protocol, so memoryview(envelope) / envelope.payload_view() reads it in place. A
 * mutable source buffer stays shared: changes to it before a send are what gets sent. */
#include "rkpy.h"

#include <string.h>

#include "ringkernel/kernel.h"

typedef struct {
  PyObject_HEAD
  /* The header read by everything: &h for envelopes built here, the received message's
   * own header otherwise, so receiving copies no header (receive_many wraps every reply). */
  const rk_message_header_t *hdr;
  rk_message_header_t h; /* storage for envelopes built here; untouched when received */
  const void *payload;
  size_t len;
  Py_buffer view;    /* holds the source object when view.obj != NULL */
  rk_message_t *msg; /* owned received message, or NULL */
} rkpy_envelope;

static rkpy_state *env_state(PyObject *self) {
  return rkpy_state_of_type(Py_TYPE(self));
}

static rkpy_envelope *env_alloc(rkpy_state *st) {
  rkpy_envelope *e = PyObject_New(rkpy_envelope, st->MessageEnvelope_type);
  if (!e) return NULL;
  e->hdr = &e->h; /* every constructor writes h before the envelope is seen */
  e->payload = "";
  e->len = 0;
  memset(&e->view, 0, sizeof e->view);
  e->msg = NULL;
  return e;
}

PyObject *rkpy_envelope_from_message(rkpy_state *st, rk_message_t *msg) {
  rkpy_envelope *e = env_alloc(st);
  if (!e) {
    rk_message_free(msg);
    return NULL;
  }
  e->msg = msg;
  e->hdr = rk_message_header(msg);
  e->payload = rk_message_payload(msg);
  e->len = rk_message_payload_size(msg);
  return (PyObject *)e;
}

static void env_parts(PyObject *obj, const rk_message_header_t **hdr, const void **payload,
                      size_t *len) {
  rkpy_envelope *e = (rkpy_envelope *)obj;
  *hdr = e->hdr;
  *payload = e->payload;
  *len = e->len;
}

int rkpy_envelope_parts(rkpy_state *st, PyObject *obj, const rk_message_header_t **hdr,
                        const void **payload, size_t *len) {
  if (!PyObject_TypeCheck(obj, st->MessageEnvelope_type)) {
    PyErr_Format(PyExc_TypeError, "expected a MessageEnvelope, got %.100s", Py_TYPE(obj)->tp_name);
    return -1;
  }
  env_parts(obj, hdr, payload, len);
  return 0;
}

int rkpy_message_parts(rkpy_state *st, PyObject *obj, const char *what,
                       const rk_message_header_t **hdr, const void **payload, size_t *len,
                       Py_buffer *view) {
  view->obj = NULL;
  /* Exact bytes first, without a buffer view: immutable, and the caller holds a reference
   * for as long as it uses the pointer, so the view's export/release pair buys nothing
   * (it was a third of send_many's per-message cost). */
  if (PyBytes_CheckExact(obj)) {
    *hdr = NULL;
    *payload = PyBytes_AS_STRING(obj);
    *len = (size_t)PyBytes_GET_SIZE(obj);
    return 0;
  }
  if (PyObject_TypeCheck(obj, st->MessageEnvelope_type)) {
    env_parts(obj, hdr, payload, len);
    return 0;
  }
  if (rkpy_arg_buffer(obj, what, view) < 0) return -1;
  *hdr = NULL;
  *payload = view->buf;
  *len = (size_t)view->len;
  return 0;
}

static int env_check_size(size_t len) {
  if (len <= RK_MAX_PAYLOAD_SIZE) return 0;
  PyErr_Format(PyExc_ValueError, "payload %zu bytes > max %d", len, RK_MAX_PAYLOAD_SIZE);
  return -1;
}

static PyObject *env_tp_new(PyTypeObject *Py_UNUSED(type), PyObject *Py_UNUSED(args),
                            PyObject *Py_UNUSED(kwds)) {
  PyErr_SetString(PyExc_TypeError,
                  "MessageEnvelope has no constructor: use MessageEnvelope.from_bytes(), "
                  ".empty() or .from_raw_bytes()");
  return NULL;
}

static PyObject *env_from_bytes(PyObject *cls, PyObject *args, PyObject *kwds) {
  static char *kwlist[] = {"header", "payload", NULL};
  PyObject *hobj, *pobj;
  rkpy_state *st = rkpy_state_of_type((PyTypeObject *)cls);
  rk_message_header_t h;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO:from_bytes", kwlist, &hobj, &pobj) ||
      rkpy_header_get(st, hobj, "header", &h) < 0)
    return NULL;
  rkpy_envelope *e = env_alloc(st);
  if (!e) return NULL;
  if (rkpy_arg_buffer(pobj, "payload", &e->view) < 0 || env_check_size(e->view.len) < 0) {
    Py_DECREF(e);
    return NULL;
  }
  e->h = h;
  e->h.payload_size = (uint64_t)e->view.len;
  e->payload = e->view.buf;
  e->len = (size_t)e->view.len;
  return (PyObject *)e;
}

static PyObject *env_empty(PyObject *cls, PyObject *args, PyObject *kwds) {
  static char *kwlist[] = {"source_kernel", "dest_kernel", "timestamp", NULL};
  PyObject *s, *d, *ts;
  rkpy_state *st = rkpy_state_of_type((PyTypeObject *)cls);
  uint64_t src = 0, dst = 0;
  rk_hlc_timestamp_t stamp;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOO:empty", kwlist, &s, &d, &ts) ||
      rkpy_arg_u64(s, "source_kernel", UINT64_MAX, &src) < 0 ||
      rkpy_arg_u64(d, "dest_kernel", UINT64_MAX, &dst) < 0 ||
      rkpy_timestamp_get(st, ts, "timestamp", &stamp) < 0)
    return NULL;
  rkpy_envelope *e = env_alloc(st);
  if (e) rk_message_header_init(&e->h, 0, src, dst, 0, stamp);
  return (PyObject *)e;
}

static PyObject *env_from_raw_bytes(PyObject *cls, PyObject *data) {
  rkpy_state *st = rkpy_state_of_type((PyTypeObject *)cls);
  rkpy_envelope *e = env_alloc(st);
  if (!e) return NULL;
  if (rkpy_arg_buffer(data, "data", &e->view) < 0) {
    Py_DECREF(e);
    return NULL;
  }
  rk_status_t s = rk_envelope_parse(e->view.buf, (size_t)e->view.len, &e->h, &e->payload, &e->len);
  if (s != RK_OK) {
    Py_DECREF(e);
    return rkpy_raise_status(st, s);
  }
  return (PyObject *)e;
}

static void env_dealloc(PyObject *self) {
  rkpy_envelope *e = (rkpy_envelope *)self;
  if (e->view.obj) PyBuffer_Release(&e->view);
  rk_message_free(e->msg);
  rkpy_dealloc(self);
}

static PyObject *env_get_header(PyObject *self, void *Py_UNUSED(c)) {
  return rkpy_header_new(env_state(self), ((rkpy_envelope *)self)->hdr);
}

static PyObject *env_get_payload(PyObject *self, void *Py_UNUSED(c)) {
  rkpy_envelope *e = (rkpy_envelope *)self;
  return PyBytes_FromStringAndSize(e->payload, (Py_ssize_t)e->len);
}

static PyObject *env_get_total_size(PyObject *self, void *Py_UNUSED(c)) {
  return PyLong_FromSize_t(RK_HEADER_SIZE + ((rkpy_envelope *)self)->len);
}

static PyObject *env_payload_view(PyObject *self, PyObject *Py_UNUSED(ignored)) {
  return PyMemoryView_FromObject(self);
}

static PyObject *env_to_bytes(PyObject *self, PyObject *Py_UNUSED(ignored)) {
  rkpy_envelope *e = (rkpy_envelope *)self;
  PyObject *out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(RK_HEADER_SIZE + e->len));
  if (!out) return NULL;
  size_t written = 0;
  rk_status_t s = rk_envelope_serialize(e->hdr, e->payload, e->len, PyBytes_AS_STRING(out),
                                        RK_HEADER_SIZE + e->len, &written);
  if (s != RK_OK) {
    Py_DECREF(out);
    return rkpy_raise_status(env_state(self), s);
  }
  return out;
}

static int env_getbuffer(PyObject *self, Py_buffer *view, int flags) {
  rkpy_envelope *e = (rkpy_envelope *)self;
  return PyBuffer_FillInfo(view, self, (void *)e->payload, (Py_ssize_t)e->len, 1, flags);
}

static PyObject *env_repr(PyObject *self) {
  const rk_message_header_t *h = ((rkpy_envelope *)self)->hdr;
  return PyUnicode_FromFormat("MessageEnvelope(type=%llu, src=%llu, dst=%llu, size=%zu)",
                              (unsigned long long)h->message_type,
                              (unsigned long long)h->source_kernel,
                              (unsigned long long)h->dest_kernel, ((rkpy_envelope *)self)->len);
}

static PyMethodDef env_methods[] = {
    {"from_bytes", (PyCFunction)(void (*)(void))env_from_bytes,
     METH_CLASS | METH_VARARGS | METH_KEYWORDS,
     "from_bytes(header, payload) -> envelope over any bytes-like payload (not copied); "
     "payload_size is set to len(payload)."},
    {"empty", (PyCFunction)(void (*)(void))env_empty, METH_CLASS | METH_VARARGS | METH_KEYWORDS,
     "empty(source_kernel, dest_kernel, timestamp) -> envelope with no payload."},
    {"from_raw_bytes", env_from_raw_bytes, METH_CLASS | METH_O,
     "from_raw_bytes(data) -> parse 256 header bytes then the payload."},
    {"to_bytes", env_to_bytes, METH_NOARGS, "to_bytes() -> header bytes then payload."},
    {"payload_view", env_payload_view, METH_NOARGS,
     "payload_view() -> read-only memoryview of the payload, without a copy."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef env_getset[] = {
    {"header", env_get_header, NULL, "MessageHeader (a copy).", NULL},
    {"payload", env_get_payload, NULL, "Payload as bytes (a copy; see payload_view).", NULL},
    {"total_size", env_get_total_size, NULL, "256 + len(payload).", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot env_slots[] = {
    {Py_tp_new, env_tp_new},
    {Py_tp_dealloc, env_dealloc},
    {Py_tp_methods, env_methods},
    {Py_tp_getset, env_getset},
    {Py_tp_repr, env_repr},
    {Py_bf_getbuffer, env_getbuffer},
    {Py_tp_doc, "A message: header plus payload (exported read-only as a buffer)."},
    {0, NULL},
};

static PyType_Spec env_spec = {
    .name = "ringkernel.MessageEnvelope",
    .basicsize = sizeof(rkpy_envelope),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = env_slots,
};

int rkpy_envelope_exec(PyObject *m) {
  rkpy_state *st = rkpy_state_of_module(m);
  return rkpy_add_type(m, &env_spec, NULL, &st->MessageEnvelope_type);
}
