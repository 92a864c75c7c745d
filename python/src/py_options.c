/* py_options.c — LaunchOptions: an immutable rk_launch_options_t plus the Python objects
 * it names (handler name or callable, CUDA source). Builders return new objects. */
#include "rkpy.h"

#include <string.h>

#include "ringkernel/kernel.h"

typedef struct {
  PyObject_HEAD
  rk_launch_options_t o;
  PyObject *handler;     /* None, str (a registered C handler) or a callable (script) */
  PyObject *cuda_source; /* None or str */
  PyObject *cuda_entry;  /* None or str */
  PyObject *forward_to;  /* None or str */
} rkpy_options;

static rkpy_state *opt_state(PyObject *self) {
  return rkpy_state_of_type(Py_TYPE(self));
}

static rkpy_options *opt_alloc(PyTypeObject *type) {
  rkpy_options *self = (rkpy_options *)type->tp_alloc(type, 0);
  if (!self) return NULL;
  rk_launch_options_init(&self->o);
  self->handler = Py_NewRef(Py_None);
  self->cuda_source = Py_NewRef(Py_None);
  self->cuda_entry = Py_NewRef(Py_None);
  self->forward_to = Py_NewRef(Py_None);
  return self;
}

static rkpy_options *opt_copy(PyObject *src) {
  rkpy_options *s = (rkpy_options *)src;
  rkpy_options *self = opt_alloc(Py_TYPE(src));
  if (!self) return NULL;
  self->o = s->o;
  Py_SETREF(self->handler, Py_NewRef(s->handler));
  Py_SETREF(self->cuda_source, Py_NewRef(s->cuda_source));
  Py_SETREF(self->cuda_entry, Py_NewRef(s->cuda_entry));
  Py_SETREF(self->forward_to, Py_NewRef(s->forward_to));
  return self;
}

static PyObject *opt_tp_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
  if (PyTuple_GET_SIZE(args) > 0 || (kwds && PyDict_GET_SIZE(kwds) > 0)) {
    PyErr_SetString(PyExc_TypeError, "LaunchOptions() takes no arguments: use the with_* builders");
    return NULL;
  }
  return (PyObject *)opt_alloc(type);
}

static int opt_traverse(PyObject *self, visitproc visit, void *arg) {
  rkpy_options *o = (rkpy_options *)self;
  Py_VISIT(Py_TYPE(self));
  Py_VISIT(o->handler);
  Py_VISIT(o->cuda_source);
  Py_VISIT(o->cuda_entry);
  Py_VISIT(o->forward_to);
  return 0;
}

static int opt_clear(PyObject *self) {
  rkpy_options *o = (rkpy_options *)self;
  Py_CLEAR(o->handler);
  Py_CLEAR(o->cuda_source);
  Py_CLEAR(o->cuda_entry);
  Py_CLEAR(o->forward_to);
  return 0;
}

static void opt_dealloc(PyObject *self) {
  PyTypeObject *tp = Py_TYPE(self);
  PyObject_GC_UnTrack(self);
  opt_clear(self);
  tp->tp_free(self);
  Py_DECREF(tp);
}

/* Queue capacities: 1..2^20, rounded up to a power of two. */
static int opt_capacity(PyObject *obj, const char *what, uint32_t *out) {
  uint64_t v = 0;
  if (rkpy_arg_u64(obj, what, UINT64_MAX, &v) < 0) return -1;
  if (v == 0 || v > RK_QUEUE_CAPACITY_MAX) {
    PyErr_Format(PyExc_ValueError, "%s %llu: must be 1..%d", what, (unsigned long long)v,
                 (int)RK_QUEUE_CAPACITY_MAX);
    return -1;
  }
  uint32_t p = 1;
  while (p < v)
    p <<= 1;
  *out = p;
  return 0;
}

static int opt_range(PyObject *obj, const char *what, uint64_t lo, uint64_t hi, uint32_t *out) {
  uint64_t v = 0;
  if (rkpy_arg_u64(obj, what, UINT64_MAX, &v) < 0) return -1;
  if (v < lo || v > hi) {
    PyErr_Format(PyExc_ValueError, "%s %llu: must be %llu..%llu", what, (unsigned long long)v,
                 (unsigned long long)lo, (unsigned long long)hi);
    return -1;
  }
  *out = (uint32_t)v;
  return 0;
}

enum { RKPY_GRID_MAX = 0x7FFFFFFF, RKPY_BLOCK_MAX = 1024 };

/* A copy with one u32 field replaced; hi == 0 means a queue capacity. */
static PyObject *opt_with_u32(PyObject *self, PyObject *arg, size_t offset, const char *what,
                              uint64_t hi) {
  uint32_t v = 0;
  int rc = hi == 0 ? opt_capacity(arg, what, &v) : opt_range(arg, what, 1, hi, &v);
  if (rc < 0) return NULL;
  rkpy_options *copy = opt_copy(self);
  if (copy) memcpy((char *)&copy->o + offset, &v, sizeof v);
  return (PyObject *)copy;
}

#define OPT_U32(fn, field, what, hi)                                                               \
  static PyObject *fn(PyObject *self, PyObject *arg) {                                             \
    return opt_with_u32(self, arg, offsetof(rk_launch_options_t, field), what, hi);                \
  }
OPT_U32(opt_with_input_capacity, input_capacity, "input_queue_capacity", 0)
OPT_U32(opt_with_output_capacity, output_capacity, "output_queue_capacity", 0)
OPT_U32(opt_with_grid_size, grid_size, "grid_size", RKPY_GRID_MAX)
OPT_U32(opt_with_block_size, block_size, "block_size", RKPY_BLOCK_MAX)
OPT_U32(opt_with_payload_capacity, payload_capacity, "payload_capacity", RK_PAYLOAD_CAPACITY_MAX)
#undef OPT_U32

static PyObject *opt_with_queue_capacity(PyObject *self, PyObject *arg) {
  uint32_t v = 0;
  if (opt_capacity(arg, "queue_capacity", &v) < 0) return NULL;
  rkpy_options *copy = opt_copy(self);
  if (copy) copy->o.input_capacity = copy->o.output_capacity = v;
  return (PyObject *)copy;
}

static PyObject *opt_with_mode(PyObject *self, PyObject *arg) {
  long mode = 0;
  if (rkpy_enum_value(opt_state(self), "KernelMode", arg, &mode) < 0) return NULL;
  rkpy_options *copy = opt_copy(self);
  if (copy) copy->o.mode = (rk_kernel_mode_t)mode;
  return (PyObject *)copy;
}

static PyObject *opt_with_flag(PyObject *self, PyObject *args, size_t offset, int dflt) {
  int v = dflt;
  if (!PyArg_ParseTuple(args, "|p", &v)) return NULL;
  rkpy_options *copy = opt_copy(self);
  if (copy) *(bool *)((char *)&copy->o + offset) = v != 0;
  return (PyObject *)copy;
}

static PyObject *opt_with_k2k(PyObject *self, PyObject *args) {
  return opt_with_flag(self, args, offsetof(rk_launch_options_t, enable_k2k), 1);
}

static PyObject *opt_with_cooperative(PyObject *self, PyObject *args) {
  return opt_with_flag(self, args, offsetof(rk_launch_options_t, cooperative), 1);
}

static PyObject *opt_without_auto_activate(PyObject *self, PyObject *Py_UNUSED(ignored)) {
  rkpy_options *copy = opt_copy(self);
  if (copy) copy->o.auto_activate = false;
  return (PyObject *)copy;
}

static PyObject *opt_with_handler(PyObject *self, PyObject *handler) {
  if (!PyUnicode_Check(handler) && !PyCallable_Check(handler)) {
    PyErr_Format(PyExc_TypeError, "handler must be a handler name (str) or a callable, got %.100s",
                 Py_TYPE(handler)->tp_name);
    return NULL;
  }
  if (PyUnicode_Check(handler) &&
      (PyUnicode_GetLength(handler) < 1 || PyUnicode_GetLength(handler) > 64)) {
    PyErr_Format(PyExc_ValueError, "handler name %R: must be 1..64 characters", handler);
    return NULL;
  }
  rkpy_options *copy = opt_copy(self);
  if (copy) Py_SETREF(copy->handler, Py_NewRef(handler));
  return (PyObject *)copy;
}

static PyObject *opt_with_forward_to(PyObject *self, PyObject *dest) {
  if (!PyUnicode_Check(dest)) {
    PyErr_Format(PyExc_TypeError, "forward_to must be a kernel id (str), got %.100s",
                 Py_TYPE(dest)->tp_name);
    return NULL;
  }
  rkpy_options *copy = opt_copy(self);
  if (copy) Py_SETREF(copy->forward_to, Py_NewRef(dest));
  return (PyObject *)copy;
}

static PyObject *opt_with_cuda_source(PyObject *self, PyObject *args, PyObject *kwds) {
  static char *kwlist[] = {"source", "entry", NULL};
  PyObject *src, *entry = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "U|U:with_cuda_source", kwlist, &src, &entry))
    return NULL;
  rkpy_options *copy = opt_copy(self);
  if (!copy) return NULL;
  Py_SETREF(copy->cuda_source, Py_NewRef(src));
  if (entry) Py_SETREF(copy->cuda_entry, Py_NewRef(entry));
  return (PyObject *)copy;
}

static PyObject *opt_single_block(PyObject *cls, PyObject *threads) {
  PyObject *base = (PyObject *)opt_alloc((PyTypeObject *)cls);
  if (!base) return NULL;
  PyObject *r = opt_with_block_size(base, threads);
  Py_DECREF(base);
  return r;
}

static PyObject *opt_multi_block(PyObject *cls, PyObject *args, PyObject *kwds) {
  static char *kwlist[] = {"grid_size", "block_size", NULL};
  PyObject *g, *b;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO:multi_block", kwlist, &g, &b)) return NULL;
  rkpy_options *o = opt_alloc((PyTypeObject *)cls);
  if (!o) return NULL;
  if (opt_range(g, "grid_size", 1, RKPY_GRID_MAX, &o->o.grid_size) < 0 ||
      opt_range(b, "block_size", 1, RKPY_BLOCK_MAX, &o->o.block_size) < 0) {
    Py_DECREF(o);
    return NULL;
  }
  return (PyObject *)o;
}

/* Fills a C options struct for rk_runtime_launch. The string pointers borrow from the
 * options object (UTF-8 cached inside the str), valid while it lives. *callable is the
 * script handler (borrowed) or NULL. */
int rkpy_options_get(rkpy_state *st, PyObject *obj, rk_launch_options_t *out, PyObject **callable) {
  *callable = NULL;
  if (obj == NULL || obj == Py_None) {
    rk_launch_options_init(out);
    return 0;
  }
  if (!PyObject_TypeCheck(obj, st->LaunchOptions_type)) {
    PyErr_Format(PyExc_TypeError, "options must be LaunchOptions, got %.100s",
                 Py_TYPE(obj)->tp_name);
    return -1;
  }
  rkpy_options *o = (rkpy_options *)obj;
  *out = o->o;
  if (PyUnicode_Check(o->handler)) {
    out->handler = PyUnicode_AsUTF8(o->handler);
  } else if (o->handler != Py_None) {
    out->handler = "script";
    *callable = o->handler;
  }
  if (o->cuda_source != Py_None) out->cuda_source = PyUnicode_AsUTF8(o->cuda_source);
  if (o->cuda_entry != Py_None) out->cuda_entry = PyUnicode_AsUTF8(o->cuda_entry);
  if (o->forward_to != Py_None) out->forward_to = PyUnicode_AsUTF8(o->forward_to);
  return PyErr_Occurred() ? -1 : 0;
}

static PyObject *opt_u32(uint32_t v) {
  return PyLong_FromUnsignedLong(v);
}
#define OPT_GET(name, expr)                                                                        \
  static PyObject *name(PyObject *self, void *Py_UNUSED(c)) {                                      \
    const rk_launch_options_t *o = &((rkpy_options *)self)->o;                                     \
    return expr;                                                                                   \
  }
OPT_GET(opt_get_grid, opt_u32(o->grid_size))
OPT_GET(opt_get_block, opt_u32(o->block_size))
OPT_GET(opt_get_input, opt_u32(o->input_capacity))
OPT_GET(opt_get_output, opt_u32(o->output_capacity))
OPT_GET(opt_get_payload, opt_u32(o->payload_capacity))
OPT_GET(opt_get_auto, PyBool_FromLong(o->auto_activate))
OPT_GET(opt_get_coop, PyBool_FromLong(o->cooperative))
OPT_GET(opt_get_k2k, PyBool_FromLong(o->enable_k2k))
#undef OPT_GET

static PyObject *opt_get_mode(PyObject *self, void *Py_UNUSED(c)) {
  return rkpy_enum(opt_state(self), "KernelMode", ((rkpy_options *)self)->o.mode);
}

static PyObject *opt_get_handler(PyObject *self, void *Py_UNUSED(c)) {
  return Py_NewRef(((rkpy_options *)self)->handler);
}

static PyObject *opt_get_cuda_source(PyObject *self, void *Py_UNUSED(c)) {
  return Py_NewRef(((rkpy_options *)self)->cuda_source);
}

static PyObject *opt_repr(PyObject *self) {
  const rk_launch_options_t *o = &((rkpy_options *)self)->o;
  return PyUnicode_FromFormat("LaunchOptions(grid=%u, block=%u, queues=%u)", o->grid_size,
                              o->block_size, o->input_capacity);
}

static PyMethodDef opt_methods[] = {
    {"single_block", opt_single_block, METH_CLASS | METH_O,
     "single_block(threads) -> one block of `threads` threads."},
    {"multi_block", (PyCFunction)(void (*)(void))opt_multi_block,
     METH_CLASS | METH_VARARGS | METH_KEYWORDS, "multi_block(grid_size, block_size)."},
    {"with_mode", opt_with_mode, METH_O, "with_mode(KernelMode) -> new options."},
    {"with_queue_capacity", opt_with_queue_capacity, METH_O,
     "with_queue_capacity(n) -> both queues hold n (rounded up to a power of two)."},
    {"with_input_queue_capacity", opt_with_input_capacity, METH_O, "Input queue capacity."},
    {"with_output_queue_capacity", opt_with_output_capacity, METH_O, "Output queue capacity."},
    {"with_grid_size", opt_with_grid_size, METH_O, "with_grid_size(blocks)."},
    {"with_block_size", opt_with_block_size, METH_O, "with_block_size(threads), 1..1024."},
    {"with_payload_capacity", opt_with_payload_capacity, METH_O,
     "with_payload_capacity(bytes) -> payload area of a GPU kernel's queue slots, 1..65536 "
     "(a larger send, up to 65536, goes through pinned spill buffers: processed alone, "
     "slower); CPU kernels take any payload up to 65536."},
    {"without_auto_activate", opt_without_auto_activate, METH_NOARGS,
     "Launch leaves the kernel Launched instead of Active."},
    {"with_cooperative", opt_with_cooperative, METH_VARARGS, "with_cooperative(on=True)."},
    {"with_k2k", opt_with_k2k, METH_VARARGS, "with_k2k(on=True): join the runtime's broker."},
    {"with_handler", opt_with_handler, METH_O,
     "with_handler(name_or_callable): a registered C handler ('echo', 'sum', 'count', "
     "'forward') or a Python callable served by runtime.serve()."},
    {"with_forward_to", opt_with_forward_to, METH_O,
     "with_forward_to(kernel_id): K2K destination of the 'forward' handler."},
    {"with_cuda_source", (PyCFunction)(void (*)(void))opt_with_cuda_source,
     METH_VARARGS | METH_KEYWORDS,
     "with_cuda_source(source, entry=None): a CUDA C device handler (CUDA backend)."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef opt_getset[] = {
    {"mode", opt_get_mode, NULL, "KernelMode.", NULL},
    {"grid_size", opt_get_grid, NULL, "Blocks.", NULL},
    {"block_size", opt_get_block, NULL, "Threads per block.", NULL},
    {"input_queue_capacity", opt_get_input, NULL, "Input queue capacity.", NULL},
    {"output_queue_capacity", opt_get_output, NULL, "Output queue capacity.", NULL},
    {"payload_capacity", opt_get_payload, NULL, "GPU slot payload area, bytes (CPU kernels: no limit below 65536).", NULL},
    {"auto_activate", opt_get_auto, NULL, "Active right after launch.", NULL},
    {"cooperative", opt_get_coop, NULL, "Cooperative launch (GPU).", NULL},
    {"enable_k2k", opt_get_k2k, NULL, "Registered with the K2K broker.", NULL},
    {"handler", opt_get_handler, NULL, "Handler name, callable or None (echo).", NULL},
    {"cuda_source", opt_get_cuda_source, NULL, "CUDA C source or None.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot opt_slots[] = {
    {Py_tp_new, opt_tp_new},
    {Py_tp_dealloc, opt_dealloc},
    {Py_tp_traverse, opt_traverse},
    {Py_tp_clear, opt_clear},
    {Py_tp_methods, opt_methods},
    {Py_tp_getset, opt_getset},
    {Py_tp_repr, opt_repr},
    {Py_tp_doc, "LaunchOptions(): kernel launch configuration (builders return copies)."},
    {0, NULL},
};

static PyType_Spec opt_spec = {
    .name = "ringkernel.LaunchOptions",
    .basicsize = sizeof(rkpy_options),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = opt_slots,
};

int rkpy_options_exec(PyObject *m) {
  rkpy_state *st = rkpy_state_of_module(m);
  return rkpy_add_type(m, &opt_spec, NULL, &st->LaunchOptions_type);
}
