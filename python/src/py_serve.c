/* py_serve.c — runtime.serve(): runs the Python handlers of script kernels on the
 * calling thread. The runtime never calls into Python; this loop pulls work items
 * (rk_runtime_next_script_work), calls the handler with a MessageEnvelope, replies with
 * what it returns and reports the outcome (rk_script_work_done). */
#include "py_runtime.h"

typedef struct {
  rk_runtime_t *rt;
  rk_kernel_t *k;
  rk_message_t *msg;
} serve_io;

static rk_status_t serve_step(void *ctx, int64_t slice_ns) {
  serve_io *io = ctx;
  return rk_runtime_next_script_work(io->rt, slice_ns, &io->k, &io->msg);
}

/* Replies with a handler's result: None (no reply), a MessageEnvelope (its payload) or
 * any bytes-like object. */
static rk_status_t serve_reply(rkpy_state *st, rk_kernel_t *k, const rk_message_t *req,
                               PyObject *result) {
  if (result == Py_None) return RK_OK;
  const rk_message_header_t *hdr; /* a reply takes its header from the request */
  const void *payload;
  size_t len;
  Py_buffer view;
  if (rkpy_message_parts(st, result, "handler result", &hdr, &payload, &len, &view) < 0) {
    PyErr_Format(PyExc_TypeError,
                 "a handler must return None, a MessageEnvelope or a bytes-like object, "
                 "got %.100s",
                 Py_TYPE(result)->tp_name);
    return RK_EHANDLER;
  }
  rk_status_t s = rk_kernel_reply(k, req, payload, len);
  if (view.obj) PyBuffer_Release(&view);
  return s;
}

/* The handler's view of the request: an envelope over its own copy of the message, so it
 * may outlive the work item. */
static PyObject *serve_envelope(rkpy_state *st, const rk_message_t *msg) {
  rk_message_t *copy = NULL;
  rk_status_t s = rk_message_create(rk_message_header(msg), rk_message_payload(msg),
                                    rk_message_payload_size(msg), &copy);
  if (s != RK_OK) return rkpy_raise_status(st, s);
  return rkpy_envelope_from_message(st, copy);
}

/* Runs one work item. Returns 0, or -1 with the handler's exception set (the message is
 * then dead-lettered with the exception's text). */
static int serve_one(rkpy_runtime *self, rk_kernel_t *k, rk_message_t *msg) {
  rkpy_state *st = rkpy_runtime_state((PyObject *)self);
  PyObject *id = PyUnicode_FromString(rk_kernel_id(k));
  /* A strong reference: the handler may relaunch or drop things while it runs. */
  PyObject *handler = id ? Py_XNewRef(PyDict_GetItemWithError(self->handlers, id)) : NULL;
  Py_XDECREF(id);
  if (!handler && !PyErr_Occurred()) {
    PyErr_Format(st->KernelError, "no Python handler for kernel %s", rk_kernel_id(k));
  }
  PyObject *env = handler ? serve_envelope(st, msg) : NULL;
  PyObject *result = env ? PyObject_CallOneArg(handler, env) : NULL;
  Py_XDECREF(env);
  Py_XDECREF(handler);
  rk_status_t s = result ? serve_reply(st, k, msg, result) : RK_EHANDLER;
  Py_XDECREF(result);
  if (!PyErr_Occurred()) {
    rk_script_work_done(k, msg, s, s == RK_OK ? NULL : rk_last_error());
    return 0;
  }
  PyObject *type, *value, *tb;
  PyErr_Fetch(&type, &value, &tb);
  PyErr_NormalizeException(&type, &value, &tb);
  PyObject *text = value ? PyObject_Str(value) : NULL;
  const char *detail = text ? PyUnicode_AsUTF8(text) : NULL;
  PyErr_Clear();
  rk_script_work_done(k, msg, RK_EHANDLER, detail ? detail : "handler raised");
  Py_XDECREF(text);
  PyErr_Restore(type, value, tb);
  return -1;
}

PyObject *rkpy_serve(PyObject *op, PyObject *args, PyObject *kwds) {
  static char *kwlist[] = {"timeout", "max_messages", NULL};
  rkpy_runtime *self = (rkpy_runtime *)op;
  rkpy_state *st = rkpy_runtime_state(op);
  PyObject *t = Py_None, *mx = Py_None;
  int64_t timeout_ns = -1;
  uint64_t max = UINT64_MAX;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "|OO:serve", kwlist, &t, &mx) ||
      rkpy_arg_timeout(t, "timeout", 1, &timeout_ns) < 0 ||
      (mx != Py_None && rkpy_arg_u64(mx, "max_messages", UINT64_MAX, &max) < 0))
    return NULL;
  if (!self->rt) return PyErr_Format(st->RingKernelError, "runtime is closed");
  int64_t deadline = timeout_ns < 0 ? -1 : rkpy_now_ns() + timeout_ns;
  uint64_t done = 0;
  serve_io io = {.rt = self->rt};
  while (done < max) {
    rk_status_t s = rkpy_wait_until(serve_step, &io, deadline);
    if (s == RK_ETIMEDOUT || s == RK_EAGAIN || s == RK_ESHUTDOWN) break;
    if (s != RK_OK) return PyErr_Occurred() ? NULL : rkpy_raise_status(st, s);
    if (serve_one(self, io.k, io.msg) < 0) return NULL;
    done++;
  }
  return PyLong_FromUnsignedLongLong(done);
}
