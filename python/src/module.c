/* module.c — the extension module ringkernel._ringkernel: definition, state lifecycle,
 * exceptions, constants, and the order in which every part creates its types. */
#include "rkpy.h"

#include "ringkernel/message.h"

typedef int (*rkpy_exec_fn)(PyObject *m);

/* python-core's types first (the shared basics), then python-values's areas. */
static const rkpy_exec_fn rkpy_exec_steps[] = {
    rkpy_hlc_exec,     rkpy_ids_exec,     rkpy_header_exec, rkpy_envelope_exec,
    rkpy_options_exec, rkpy_runtime_exec, rkpy_kernel_exec, rkpy_k2k_exec,
    rkpy_values_exec,  rkpy_bench_exec,   rkpy_cuda_exec,
};

rkpy_state *rkpy_state_of_module(PyObject *m) {
  return (rkpy_state *)PyModule_GetState(m);
}

rkpy_state *rkpy_state_of_type(PyTypeObject *t) {
  PyObject *m = PyType_GetModuleByDef(t, &rkpy_module_def);
  return m ? rkpy_state_of_module(m) : NULL;
}

static int rkpy_new_exception(PyObject *m, const char *name, PyObject *base, PyObject **out) {
  char qualname[96];
  PyOS_snprintf(qualname, sizeof qualname, "ringkernel.exceptions.%s", name);
  *out = PyErr_NewException(qualname, base, NULL);
  if (!*out) return -1;
  return PyModule_AddObjectRef(m, name, *out);
}

/* Bases come before their subclasses (spec §2's tree, depth first). */
static int rkpy_add_exceptions(PyObject *m, rkpy_state *st) {
#define RKPY_EXC(name, base)                                                                       \
  if (rkpy_new_exception(m, #name, base, &st->name) < 0) return -1;
  RKPY_EXC(RingKernelError, PyExc_Exception)
  RKPY_EXC(MemoryLimitError, st->RingKernelError)
  RKPY_EXC(KernelError, st->RingKernelError)
  RKPY_EXC(KernelStateError, st->KernelError)
  RKPY_EXC(CudaError, st->RingKernelError)
  RKPY_EXC(CudaDeviceError, st->CudaError)
  RKPY_EXC(CudaMemoryError, st->CudaError)
  RKPY_EXC(QueueError, st->RingKernelError)
  RKPY_EXC(QueueFullError, st->QueueError)
  RKPY_EXC(QueueEmptyError, st->QueueError)
  RKPY_EXC(K2KError, st->RingKernelError)
  RKPY_EXC(K2KDeliveryError, st->K2KError)
  RKPY_EXC(BenchmarkError, st->RingKernelError)
  RKPY_EXC(HybridError, st->RingKernelError)
  RKPY_EXC(GpuNotAvailableError, st->HybridError)
  RKPY_EXC(ResourceError, st->RingKernelError)
  RKPY_EXC(ReservationError, st->ResourceError)
#undef RKPY_EXC
  return 0;
}

static int rkpy_add_constants(PyObject *m) {
  if (PyModule_AddStringConstant(m, "__version__", RKPY_VERSION) < 0 ||
      PyModule_AddIntConstant(m, "MAX_PAYLOAD_SIZE", RK_MAX_PAYLOAD_SIZE) < 0 ||
      PyModule_AddIntConstant(m, "MESSAGE_VERSION", RK_MESSAGE_VERSION) < 0 ||
      PyModule_AddIntConstant(m, "HEADER_SIZE", RK_HEADER_SIZE) < 0)
    return -1;
  PyObject *magic = PyLong_FromUnsignedLongLong(RK_MESSAGE_MAGIC);
  int rc = PyModule_AddObjectRef(m, "MESSAGE_MAGIC", magic);
  Py_XDECREF(magic);
  return rc;
}

static int rkpy_exec(PyObject *m) {
  rkpy_state *st = rkpy_state_of_module(m);
  if (rkpy_add_exceptions(m, st) < 0 || rkpy_add_constants(m) < 0) return -1;
  for (size_t i = 0; i < sizeof rkpy_exec_steps / sizeof rkpy_exec_steps[0]; i++) {
    if (rkpy_exec_steps[i](m) < 0) return -1;
  }
  return 0;
}

static int rkpy_traverse(PyObject *m, visitproc visit, void *arg) {
  rkpy_state *st = rkpy_state_of_module(m);
  if (!st) return 0;
#define RKPY_VISIT_EXC(name) Py_VISIT(st->name);
#define RKPY_VISIT_TYPE(name) Py_VISIT(st->name##_type);
  RKPY_EXCEPTIONS(RKPY_VISIT_EXC)
  RKPY_TYPES(RKPY_VISIT_TYPE)
#undef RKPY_VISIT_EXC
#undef RKPY_VISIT_TYPE
  Py_VISIT(st->enums_module);
  Py_VISIT(st->aio_module);
  return 0;
}

static int rkpy_clear(PyObject *m) {
  rkpy_state *st = rkpy_state_of_module(m);
  if (!st) return 0;
#define RKPY_CLEAR_EXC(name) Py_CLEAR(st->name);
#define RKPY_CLEAR_TYPE(name) Py_CLEAR(st->name##_type);
  RKPY_EXCEPTIONS(RKPY_CLEAR_EXC)
  RKPY_TYPES(RKPY_CLEAR_TYPE)
#undef RKPY_CLEAR_EXC
#undef RKPY_CLEAR_TYPE
  Py_CLEAR(st->enums_module);
  Py_CLEAR(st->aio_module);
  return 0;
}

static void rkpy_free(void *m) {
  rkpy_clear((PyObject *)m);
}

static PyModuleDef_Slot rkpy_slots[] = {
    {Py_mod_exec, rkpy_exec},
    {0, NULL},
};

PyModuleDef rkpy_module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "ringkernel._ringkernel",
    .m_doc = "C extension behind the ringkernel package (persistent GPU/CPU actors).",
    .m_size = sizeof(rkpy_state),
    .m_slots = rkpy_slots,
    .m_traverse = rkpy_traverse,
    .m_clear = rkpy_clear,
    .m_free = rkpy_free,
};

PyMODINIT_FUNC PyInit__ringkernel(void) {
  return PyModuleDef_Init(&rkpy_module_def);
}
