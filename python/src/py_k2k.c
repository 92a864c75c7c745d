/* py_k2k.c — K2KConfig, K2KBroker (standalone or the runtime's), K2KStats,
 * DeliveryReceipt. */
#include "py_runtime.h"

#include <structmember.h>

/* ---- K2KConfig ---------------------------------------------------------------------- */

typedef struct {
  PyObject_HEAD
  rk_k2k_config_t c;
} rkpy_k2k_config;

static PyObject *cfg_wrap(rkpy_state *st, const rk_k2k_config_t *c) {
  rkpy_k2k_config *o = PyObject_New(rkpy_k2k_config, st->K2KConfig_type);
  if (o) o->c = *c;
  return (PyObject *)o;
}

static PyObject *cfg_tp_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
  static char *kwlist[] = {"max_pending_messages", "delivery_timeout_ms", "enable_tracing",
                           "max_hops", NULL};
  PyObject *pend = NULL, *tmo = NULL, *hops = NULL;
  int tracing = 0;
  rk_k2k_config_t c;
  rk_k2k_config_init(&c);
  tracing = c.enable_tracing;
  uint64_t v = 0;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "|OOpO:K2KConfig", kwlist, &pend, &tmo, &tracing,
                                   &hops))
    return NULL;
  if (pend) {
    if (rkpy_arg_u64(pend, "max_pending_messages", UINT32_MAX, &v) < 0) return NULL;
    c.max_pending_messages = (uint32_t)v;
  }
  if (tmo) {
    if (rkpy_arg_u64(tmo, "delivery_timeout_ms", UINT32_MAX, &v) < 0) return NULL;
    c.delivery_timeout_ms = (uint32_t)v;
  }
  if (hops) {
    if (rkpy_arg_u64(hops, "max_hops", UINT32_MAX, &v) < 0) return NULL;
    c.max_hops = (uint32_t)v;
  }
  c.enable_tracing = tracing != 0;
  rkpy_state *st = rkpy_state_of_type(type);
  rk_status_t s = rk_k2k_config_validate(&c);
  if (s != RK_OK) return rkpy_raise_status(st, s);
  rkpy_k2k_config *o = (rkpy_k2k_config *)type->tp_alloc(type, 0);
  if (o) o->c = c;
  return (PyObject *)o;
}

static PyObject *cfg_default(PyObject *cls, PyObject *Py_UNUSED(ignored)) {
  rk_k2k_config_t c;
  rk_k2k_config_init(&c);
  return cfg_wrap(rkpy_state_of_type((PyTypeObject *)cls), &c);
}

static PyObject *cfg_repr(PyObject *op) {
  const rk_k2k_config_t *c = &((rkpy_k2k_config *)op)->c;
  return PyUnicode_FromFormat("K2KConfig(max_pending=%u, timeout_ms=%u, tracing=%s, max_hops=%u)",
                              c->max_pending_messages, c->delivery_timeout_ms,
                              c->enable_tracing ? "true" : "false", c->max_hops);
}

static PyObject *cfg_get_tracing(PyObject *op, void *Py_UNUSED(c)) {
  return PyBool_FromLong(((rkpy_k2k_config *)op)->c.enable_tracing);
}

#define CFG_FIELD(name)                                                                            \
  { #name, T_UINT, offsetof(rkpy_k2k_config, c) + offsetof(rk_k2k_config_t, name), READONLY, NULL }
static PyMemberDef cfg_members[] = {
    CFG_FIELD(max_pending_messages),
    CFG_FIELD(delivery_timeout_ms),
    CFG_FIELD(max_hops),
    {NULL, 0, 0, 0, NULL},
};
#undef CFG_FIELD

static PyGetSetDef cfg_getset[] = {
    {"enable_tracing", cfg_get_tracing, NULL, "Hop tracing on.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef cfg_methods[] = {
    {"default", cfg_default, METH_CLASS | METH_NOARGS, "default() -> K2KConfig()."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot cfg_slots[] = {
    {Py_tp_new, cfg_tp_new},
    {Py_tp_dealloc, rkpy_dealloc},
    {Py_tp_members, cfg_members},
    {Py_tp_getset, cfg_getset},
    {Py_tp_methods, cfg_methods},
    {Py_tp_repr, cfg_repr},
    {Py_tp_doc, "K2KConfig(max_pending_messages=1024, delivery_timeout_ms=5000, "
                "enable_tracing=False, max_hops=8)."},
    {0, NULL},
};

static PyType_Spec cfg_spec = {
    .name = "ringkernel.K2KConfig",
    .basicsize = sizeof(rkpy_k2k_config),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = cfg_slots,
};

/* ---- K2KStats ----------------------------------------------------------------------- */

typedef struct {
  PyObject_HEAD
  rk_k2k_stats_t s;
} rkpy_k2k_stats;

static PyObject *stats_repr(PyObject *op) {
  const rk_k2k_stats_t *s = &((rkpy_k2k_stats *)op)->s;
  return PyUnicode_FromFormat("K2KStats(endpoints=%llu, delivered=%llu, routes=%llu)",
                              (unsigned long long)s->registered_endpoints,
                              (unsigned long long)s->messages_delivered,
                              (unsigned long long)s->routes_configured);
}

#define STAT_FIELD(name)                                                                           \
  {                                                                                                \
#name, T_ULONGLONG, offsetof(rkpy_k2k_stats, s) + offsetof(rk_k2k_stats_t, name), READONLY,    \
        NULL                                                                                       \
  }
static PyMemberDef stats_members[] = {
    STAT_FIELD(registered_endpoints),
    STAT_FIELD(messages_delivered),
    STAT_FIELD(routes_configured),
    STAT_FIELD(messages_forwarded),
    STAT_FIELD(not_found),
    STAT_FIELD(queue_full),
    STAT_FIELD(timeouts),
    STAT_FIELD(max_hops_exceeded),
    {NULL, 0, 0, 0, NULL},
};
#undef STAT_FIELD

static PyType_Slot stats_slots[] = {
    {Py_tp_dealloc, rkpy_dealloc},
    {Py_tp_members, stats_members},
    {Py_tp_repr, stats_repr},
    {Py_tp_doc, "Broker counters (a snapshot)."},
    {0, NULL},
};

static PyType_Spec stats_spec = {
    .name = "ringkernel.K2KStats",
    .basicsize = sizeof(rkpy_k2k_stats),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = stats_slots,
};

/* ---- DeliveryReceipt ---------------------------------------------------------------- */

typedef struct {
  PyObject_HEAD
  rk_delivery_receipt_t r;
} rkpy_receipt;

static rkpy_state *rc_state(PyObject *op) {
  return rkpy_state_of_type(Py_TYPE(op));
}
static const rk_delivery_receipt_t *rc_of(PyObject *op) {
  return &((rkpy_receipt *)op)->r;
}

static PyObject *rc_get_message_id(PyObject *op, void *Py_UNUSED(c)) {
  return rkpy_message_id_new(rc_state(op), rc_of(op)->message_id);
}
static PyObject *rc_get_source(PyObject *op, void *Py_UNUSED(c)) {
  return PyUnicode_FromString(rc_of(op)->source);
}
static PyObject *rc_get_destination(PyObject *op, void *Py_UNUSED(c)) {
  return PyUnicode_FromString(rc_of(op)->destination);
}
static PyObject *rc_get_status(PyObject *op, void *Py_UNUSED(c)) {
  return rkpy_enum(rc_state(op), "DeliveryStatus", rc_of(op)->status);
}
static PyObject *rc_get_timestamp(PyObject *op, void *Py_UNUSED(c)) {
  return rkpy_timestamp_new(rc_state(op), rc_of(op)->timestamp);
}
static PyObject *rc_get_hops(PyObject *op, void *Py_UNUSED(c)) {
  return PyLong_FromUnsignedLong(rc_of(op)->hops);
}

static PyObject *rc_repr(PyObject *op) {
  const rk_delivery_receipt_t *r = rc_of(op);
  return PyUnicode_FromFormat("DeliveryReceipt(message_id=%llu, source='%s', destination='%s', "
                              "status=%s, hops=%u)",
                              (unsigned long long)r->message_id, r->source, r->destination,
                              rk_delivery_status_name(r->status), r->hops);
}

static PyGetSetDef rc_getset[] = {
    {"message_id", rc_get_message_id, NULL, "MessageId of the delivered copy.", NULL},
    {"source", rc_get_source, NULL, "Sending endpoint ('' = host).", NULL},
    {"destination", rc_get_destination, NULL, "Destination as addressed.", NULL},
    {"status", rc_get_status, NULL, "DeliveryStatus.", NULL},
    {"timestamp", rc_get_timestamp, NULL, "Broker's HlcTimestamp of the attempt.", NULL},
    {"hops", rc_get_hops, NULL, "Route steps taken (0 = direct).", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot rc_slots[] = {
    {Py_tp_dealloc, rkpy_dealloc},
    {Py_tp_getset, rc_getset},
    {Py_tp_repr, rc_repr},
    {Py_tp_doc, "The outcome of one K2KBroker.send()."},
    {0, NULL},
};

static PyType_Spec rc_spec = {
    .name = "ringkernel.DeliveryReceipt",
    .basicsize = sizeof(rkpy_receipt),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = rc_slots,
};

/* ---- K2KBroker ---------------------------------------------------------------------- */

typedef struct {
  PyObject_HEAD
  rk_k2k_broker_t *b;
  PyObject *runtime; /* the owning RingKernel, or NULL for a standalone broker we own */
} rkpy_broker;

static rkpy_state *br_state(PyObject *op) {
  return rkpy_state_of_type(Py_TYPE(op));
}
static rk_k2k_broker_t *br_of(PyObject *op) {
  return ((rkpy_broker *)op)->b;
}

PyObject *rkpy_k2k_broker_of_runtime(PyObject *runtime, rk_k2k_broker_t *b) {
  rkpy_state *st = rkpy_runtime_state(runtime);
  rkpy_broker *o = (rkpy_broker *)st->K2KBroker_type->tp_alloc(st->K2KBroker_type, 0);
  if (!o) return NULL;
  o->b = b;
  o->runtime = Py_NewRef(runtime);
  return (PyObject *)o;
}

static PyObject *br_tp_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
  static char *kwlist[] = {"config", NULL};
  PyObject *cfg = Py_None;
  rkpy_state *st = rkpy_state_of_type(type);
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "|O:K2KBroker", kwlist, &cfg)) return NULL;
  if (cfg != Py_None && !PyObject_TypeCheck(cfg, st->K2KConfig_type)) {
    return PyErr_Format(PyExc_TypeError, "config must be K2KConfig, got %.100s",
                        Py_TYPE(cfg)->tp_name);
  }
  rkpy_broker *o = (rkpy_broker *)type->tp_alloc(type, 0);
  if (!o) return NULL;
  rk_status_t s = rk_k2k_broker_create(cfg == Py_None ? NULL : &((rkpy_k2k_config *)cfg)->c, &o->b);
  if (s != RK_OK) {
    Py_DECREF(o);
    return rkpy_raise_status(st, s);
  }
  return (PyObject *)o;
}

static int br_traverse(PyObject *op, visitproc visit, void *arg) {
  Py_VISIT(Py_TYPE(op));
  Py_VISIT(((rkpy_broker *)op)->runtime);
  return 0;
}

static void br_dealloc(PyObject *op) {
  rkpy_broker *o = (rkpy_broker *)op;
  PyTypeObject *tp = Py_TYPE(op);
  PyObject_GC_UnTrack(op);
  if (!o->runtime) rk_k2k_broker_destroy(o->b);
  Py_CLEAR(o->runtime);
  tp->tp_free(op);
  Py_DECREF(tp);
}

static const char *br_id(PyObject *obj, const char *what) {
  if (!PyUnicode_Check(obj)) {
    PyErr_Format(PyExc_TypeError, "%s must be a str, got %.100s", what, Py_TYPE(obj)->tp_name);
    return NULL;
  }
  return rkpy_arg_cstring(obj, what);
}

/* Unknown or duplicate endpoints and routes are broker errors (K2KError), not kernel
 * errors as the generic mapping would have them. */
static PyObject *br_result(PyObject *op, rk_status_t s) {
  rkpy_state *st = br_state(op);
  if (s == RK_ENOTFOUND || s == RK_EEXIST) return rkpy_raise_as(st->K2KError, s);
  if (s != RK_OK) return rkpy_raise_status(st, s);
  Py_RETURN_NONE;
}

static PyObject *br_is_registered(PyObject *op, PyObject *id) {
  const char *cid = br_id(id, "kernel id");
  if (!cid) return NULL;
  return PyBool_FromLong(rk_k2k_is_registered(br_of(op), cid));
}

static PyObject *br_registered_kernels(PyObject *op, PyObject *Py_UNUSED(ignored)) {
  size_t n = rk_k2k_list(br_of(op), NULL, 0);
  rk_k2k_name_t *names = PyMem_Calloc(n ? n : 1, sizeof *names);
  if (!names) return PyErr_NoMemory();
  n = rk_k2k_list(br_of(op), names, n);
  PyObject *list = PyList_New((Py_ssize_t)n);
  for (size_t i = 0; list && i < n; i++) {
    PyObject *s = PyUnicode_FromString(names[i].name);
    if (!s)
      Py_CLEAR(list);
    else
      PyList_SET_ITEM(list, (Py_ssize_t)i, s);
  }
  PyMem_Free(names);
  return list;
}

static PyObject *br_add_route(PyObject *op, PyObject *args, PyObject *kwds) {
  static char *kwlist[] = {"destination", "next_hop", NULL};
  const char *dst, *hop;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "ss:add_route", kwlist, &dst, &hop)) return NULL;
  return br_result(op, rk_k2k_add_route(br_of(op), dst, hop));
}

static PyObject *br_remove_route(PyObject *op, PyObject *dst) {
  const char *cdst = br_id(dst, "destination");
  if (!cdst) return NULL;
  return br_result(op, rk_k2k_remove_route(br_of(op), cdst));
}

static PyObject *br_register(PyObject *op, PyObject *id) {
  const char *cid = br_id(id, "endpoint id");
  if (!cid) return NULL;
  return br_result(op, rk_k2k_register(br_of(op), cid, NULL));
}

static PyObject *br_unregister(PyObject *op, PyObject *id) {
  const char *cid = br_id(id, "endpoint id");
  if (!cid) return NULL;
  return br_result(op, rk_k2k_unregister(br_of(op), cid));
}

static PyObject *br_stats(PyObject *op, PyObject *Py_UNUSED(ignored)) {
  rkpy_state *st = br_state(op);
  rk_k2k_stats_t s;
  rk_status_t rc = rk_k2k_stats(br_of(op), &s);
  if (rc != RK_OK) return rkpy_raise_status(st, rc);
  rkpy_k2k_stats *o = PyObject_New(rkpy_k2k_stats, st->K2KStats_type);
  if (o) o->s = s;
  return (PyObject *)o;
}

static PyObject *br_config(PyObject *op, PyObject *Py_UNUSED(ignored)) {
  rk_k2k_config_t c;
  rk_status_t s = rk_k2k_broker_config(br_of(op), &c);
  if (s != RK_OK) return rkpy_raise_status(br_state(op), s);
  return cfg_wrap(br_state(op), &c);
}

static PyObject *br_send(PyObject *op, PyObject *args, PyObject *kwds) {
  static char *kwlist[] = {"source", "destination", "envelope", NULL};
  PyObject *src, *dst, *msg;
  rkpy_state *st = br_state(op);
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOO:send", kwlist, &src, &dst, &msg)) return NULL;
  const char *csrc = src == Py_None ? NULL : br_id(src, "source");
  const char *cdst = br_id(dst, "destination");
  if ((!csrc && src != Py_None) || !cdst) return NULL;
  const rk_message_header_t *hdr;
  const void *payload;
  size_t len;
  Py_buffer view;
  if (rkpy_message_parts(st, msg, "envelope", &hdr, &payload, &len, &view) < 0) return NULL;
  rk_delivery_receipt_t r;
  rk_status_t s;
  rk_k2k_broker_t *b = br_of(op);
  Py_BEGIN_ALLOW_THREADS
  s = rk_k2k_send(b, csrc, cdst, hdr, payload, len, &r);
  Py_END_ALLOW_THREADS
  if (view.obj) PyBuffer_Release(&view);
  if (s != RK_OK) return rkpy_raise_status(st, s);
  rkpy_receipt *o = PyObject_New(rkpy_receipt, st->DeliveryReceipt_type);
  if (o) o->r = r;
  return (PyObject *)o;
}

static PyObject *br_receive(PyObject *op, PyObject *id) {
  const char *cid = br_id(id, "endpoint id");
  if (!cid) return NULL;
  rk_message_t *m = NULL;
  rk_status_t s = rk_k2k_receive(br_of(op), cid, &m);
  if (s == RK_EAGAIN) Py_RETURN_NONE;
  if (s != RK_OK) return rkpy_raise_status(br_state(op), s);
  return rkpy_envelope_from_message(br_state(op), m);
}

static PyObject *br_trace(PyObject *op, PyObject *Py_UNUSED(ignored)) {
  size_t n = rk_k2k_trace(br_of(op), NULL, 0);
  rk_k2k_trace_entry_t *e = PyMem_Calloc(n ? n : 1, sizeof *e);
  if (!e) return PyErr_NoMemory();
  n = rk_k2k_trace(br_of(op), e, n);
  PyObject *list = PyList_New((Py_ssize_t)n);
  for (size_t i = 0; list && i < n; i++) {
    PyObject *t =
        Py_BuildValue("(KIs)", (unsigned long long)e[i].message_id, e[i].hop, e[i].endpoint);
    if (!t)
      Py_CLEAR(list);
    else
      PyList_SET_ITEM(list, (Py_ssize_t)i, t);
  }
  PyMem_Free(e);
  return list;
}

static PyObject *br_repr(PyObject *op) {
  rk_k2k_stats_t s;
  if (rk_k2k_stats(br_of(op), &s) != RK_OK) return PyUnicode_FromString("K2KBroker()");
  return PyUnicode_FromFormat("K2KBroker(endpoints=%llu, routes=%llu)",
                              (unsigned long long)s.registered_endpoints,
                              (unsigned long long)s.routes_configured);
}

#define FN(f) (PyCFunction)(void (*)(void))(f)
static PyMethodDef br_methods[] = {
    {"is_registered", br_is_registered, METH_O, "is_registered(id) -> bool."},
    {"registered_kernels", br_registered_kernels, METH_NOARGS, "Endpoint ids, sorted."},
    {"add_route", FN(br_add_route), METH_VARARGS | METH_KEYWORDS,
     "add_route(destination, next_hop): messages for destination go to next_hop."},
    {"remove_route", br_remove_route, METH_O,
     "remove_route(destination); KernelError when there is none."},
    {"register", br_register, METH_O, "register(id): an inbox endpoint (no kernel)."},
    {"unregister", br_unregister, METH_O, "unregister(id)."},
    {"send", FN(br_send), METH_VARARGS | METH_KEYWORDS,
     "send(source, destination, envelope) -> DeliveryReceipt (source None = host)."},
    {"receive", br_receive, METH_O, "receive(id) -> oldest inbox message or None."},
    {"stats", br_stats, METH_NOARGS, "stats() -> K2KStats."},
    {"config", br_config, METH_NOARGS, "config() -> K2KConfig."},
    {"trace", br_trace, METH_NOARGS, "trace() -> [(message_id, hop, endpoint)] when tracing."},
    {NULL, NULL, 0, NULL},
};
#undef FN

static PyType_Slot br_slots[] = {
    {Py_tp_new, br_tp_new},
    {Py_tp_dealloc, br_dealloc},
    {Py_tp_traverse, br_traverse},
    {Py_tp_methods, br_methods},
    {Py_tp_repr, br_repr},
    {Py_tp_doc, "K2KBroker(config=None): endpoints, routes and delivery between kernels."},
    {0, NULL},
};

static PyType_Spec br_spec = {
    .name = "ringkernel.K2KBroker",
    .basicsize = sizeof(rkpy_broker),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = br_slots,
};

int rkpy_k2k_exec(PyObject *m) {
  rkpy_state *st = rkpy_state_of_module(m);
  if (rkpy_add_type(m, &cfg_spec, NULL, &st->K2KConfig_type) < 0 ||
      rkpy_add_type(m, &stats_spec, NULL, &st->K2KStats_type) < 0 ||
      rkpy_add_type(m, &rc_spec, NULL, &st->DeliveryReceipt_type) < 0)
    return -1;
  return rkpy_add_type(m, &br_spec, NULL, &st->K2KBroker_type);
}
