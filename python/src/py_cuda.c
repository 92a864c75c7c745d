/* py_cuda.c — the device half of ringkernel.cuda (spec §10): device queries, the
 * device wrapper, and live GPU pools with their diagnostics. Without the CUDA backend,
 * a driver or a device, the queries report zero devices and everything that needs a
 * device raises CudaDeviceError saying why. Configs live in py_cuda_config.c. */

#include "py_cuda.h"

typedef struct {
  PyObject_HEAD
  rk_cuda_device_info_t info;
} rkpy_devinfo;

typedef struct {
  PyObject_HEAD
  rk_gpu_pool_t *pool; /* NULL once closed */
} rkpy_gpupool;

typedef struct {
  PyObject_HEAD
  rk_gpu_pool_diagnostics_t d;
} rkpy_pooldiag;

/* ---- module functions ------------------------------------------------------------- */

static PyObject *cuda_is_available(PyObject *m, PyObject *unused) {
  (void)m;
  (void)unused;
  bool ok;
  Py_BEGIN_ALLOW_THREADS
  ok = rk_cuda_is_available();
  Py_END_ALLOW_THREADS
  return PyBool_FromLong(ok);
}

static PyObject *cuda_device_count(PyObject *m, PyObject *unused) {
  (void)m;
  (void)unused;
  int32_t n;
  Py_BEGIN_ALLOW_THREADS
  n = rk_cuda_device_count();
  Py_END_ALLOW_THREADS
  return PyLong_FromLong(n);
}

static PyObject *devinfo_wrap(rkpy_state *st, const rk_cuda_device_info_t *info) {
  PyTypeObject *t = st->PyCudaDeviceInfo_type;
  rkpy_devinfo *self = (rkpy_devinfo *)t->tp_alloc(t, 0);
  if (self) self->info = *info;
  return (PyObject *)self;
}

/* Fills *out for `ordinal`; CudaDeviceError naming the ordinal and the reason. */
static int cuda_query(rkpy_state *st, int32_t ordinal, rk_cuda_device_info_t *out) {
  rk_status_t s;
  Py_BEGIN_ALLOW_THREADS
  s = rk_cuda_device_info(ordinal, out);
  Py_END_ALLOW_THREADS
  if (s == RK_OK) return 0;
  const char *why = rk_last_error();
  PyErr_Format(st->CudaDeviceError, "CUDA device %d is not available: %s", (int)ordinal,
               (why && why[0]) ? why : rk_status_str(s));
  return -1;
}

static PyObject *cuda_enumerate(PyObject *m, PyObject *unused) {
  (void)unused;
  rkpy_state *st = rkpy_state_of_module(m);
  int32_t n;
  Py_BEGIN_ALLOW_THREADS
  n = rk_cuda_device_count();
  Py_END_ALLOW_THREADS
  PyObject *list = PyList_New(0);
  for (int32_t i = 0; list && i < n; i++) {
    rk_cuda_device_info_t info;
    PyObject *item = cuda_query(st, i, &info) < 0 ? NULL : devinfo_wrap(st, &info);
    if (!item || PyList_Append(list, item) < 0) Py_CLEAR(list);
    Py_XDECREF(item);
  }
  return list;
}

static PyMethodDef cuda_functions[] = {
    {"is_cuda_available", cuda_is_available, METH_NOARGS,
     "True when the CUDA backend is built and a usable device is present."},
    {"cuda_device_count", cuda_device_count, METH_NOARGS,
     "Number of usable CUDA devices (0 without backend, driver or device)."},
    {"enumerate_devices", cuda_enumerate, METH_NOARGS,
     "A PyCudaDeviceInfo for every usable device."},
    {NULL, NULL, 0, NULL},
};

/* ---- device properties, shared by PyCudaDeviceInfo and PyCudaDevice ---------------- */

/* Both types start with the same layout (PyObject_HEAD + the info struct). */
static const rk_cuda_device_info_t *info_of(PyObject *self) {
  return &((rkpy_devinfo *)self)->info;
}

static PyObject *dev_name(PyObject *self, void *unused) {
  (void)unused;
  return PyUnicode_DecodeUTF8(info_of(self)->name,
                              (Py_ssize_t)strnlen(info_of(self)->name, RK_CUDA_DEVICE_NAME_MAX),
                              "replace");
}

static PyObject *dev_cc(PyObject *self, void *unused) {
  (void)unused;
  return Py_BuildValue("(ii)", (int)info_of(self)->cc_major, (int)info_of(self)->cc_minor);
}

static PyObject *dev_persistent(PyObject *self, void *unused) {
  (void)unused;
  return PyBool_FromLong(info_of(self)->supports_persistent);
}

static PyObject *dev_cooperative(PyObject *self, void *unused) {
  (void)unused;
  return PyBool_FromLong(info_of(self)->supports_cooperative);
}

static PyObject *dev_memory_mb(PyObject *self, PyObject *unused) {
  (void)unused;
  return PyFloat_FromDouble((double)info_of(self)->total_memory / (1024.0 * 1024.0));
}

static PyObject *dev_memory_gb(PyObject *self, PyObject *unused) {
  (void)unused;
  return PyFloat_FromDouble((double)info_of(self)->total_memory / (1024.0 * 1024.0 * 1024.0));
}

static PyObject *dev_persistent_m(PyObject *self, PyObject *unused) {
  return dev_persistent(self, unused);
}

static PyObject *dev_cooperative_m(PyObject *self, PyObject *unused) {
  return dev_cooperative(self, unused);
}

static PyObject *dev_repr_as(PyObject *self, const char *type_name) {
  const rk_cuda_device_info_t *i = info_of(self);
  PyObject *name = dev_name(self, NULL);
  if (!name) return NULL;
  PyObject *out = PyUnicode_FromFormat(
      "%s(ordinal=%d, name=%R, cc=%d.%d, memory_mb=%llu)", type_name, (int)i->ordinal, name,
      (int)i->cc_major, (int)i->cc_minor, (unsigned long long)(i->total_memory >> 20));
  Py_DECREF(name);
  return out;
}

/* Both device types share the layout, so they share the member table. */
static PyMemberDef dev_members[] = {
    {"ordinal", T_INT, offsetof(rkpy_devinfo, info.ordinal), READONLY, "Device ordinal."},
    {"total_memory", T_ULONGLONG, offsetof(rkpy_devinfo, info.total_memory), READONLY,
     "Device memory in bytes."},
    {"multiprocessor_count", T_INT, offsetof(rkpy_devinfo, info.multiprocessor_count), READONLY,
     "Number of SMs."},
    {NULL, 0, 0, 0, NULL},
};

/* ---- PyCudaDeviceInfo ------------------------------------------------------------- */

static PyObject *devinfo_repr(PyObject *self) {
  return dev_repr_as(self, "PyCudaDeviceInfo");
}

static PyGetSetDef devinfo_getset[] = {
    {"name", dev_name, NULL, "Device name.", NULL},
    {"compute_capability", dev_cc, NULL, "(major, minor).", NULL},
    {"supports_persistent", dev_persistent, NULL, "Compute capability 7.0 or newer.", NULL},
    {"supports_cooperative", dev_cooperative, NULL, "Cooperative launch supported.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef devinfo_methods[] = {
    {"total_memory_mb", dev_memory_mb, METH_NOARGS, "total_memory / 2**20."},
    {"total_memory_gb", dev_memory_gb, METH_NOARGS, "total_memory / 2**30."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot devinfo_slots[] = {
    {Py_tp_doc, "What one CUDA device offers (a snapshot from enumerate_devices())."},
    {Py_tp_repr, devinfo_repr},
    {Py_tp_members, dev_members},
    {Py_tp_getset, devinfo_getset},
    {Py_tp_methods, devinfo_methods},
    {0, NULL},
};

static PyType_Spec devinfo_spec = {
    .name = "ringkernel.cuda.PyCudaDeviceInfo",
    .basicsize = sizeof(rkpy_devinfo),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = devinfo_slots,
};

/* ---- PyCudaDevice ----------------------------------------------------------------- */

static PyObject *device_new(PyTypeObject *type, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"ordinal", NULL};
  PyObject *ord_obj = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "|O:PyCudaDevice", kwlist, &ord_obj)) return NULL;
  uint64_t ordinal = 0;
  if (ord_obj && rkpy_arg_u64(ord_obj, "ordinal", INT32_MAX, &ordinal) < 0) return NULL;
  rk_cuda_device_info_t info;
  if (cuda_query(rkpy_state_of_type(type), (int32_t)ordinal, &info) < 0) return NULL;
  rkpy_devinfo *self = (rkpy_devinfo *)type->tp_alloc(type, 0);
  if (self) self->info = info;
  return (PyObject *)self;
}

static PyObject *device_synchronize(PyObject *self, PyObject *unused) {
  (void)unused;
  rk_status_t s;
  int32_t ordinal = info_of(self)->ordinal;
  Py_BEGIN_ALLOW_THREADS
  s = rk_cuda_device_synchronize(ordinal);
  Py_END_ALLOW_THREADS
  if (s != RK_OK) return rkpy_raise_status(rkpyv_state(self), s);
  Py_RETURN_NONE;
}

static PyObject *device_info(PyObject *self, PyObject *unused) {
  (void)unused;
  return devinfo_wrap(rkpyv_state(self), info_of(self));
}

static PyObject *device_repr(PyObject *self) {
  return dev_repr_as(self, "PyCudaDevice");
}

static PyGetSetDef device_getset[] = {
    {"name", dev_name, NULL, "Device name.", NULL},
    {"compute_capability", dev_cc, NULL, "(major, minor).", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef device_methods[] = {
    {"total_memory_mb", dev_memory_mb, METH_NOARGS, "total_memory / 2**20."},
    {"total_memory_gb", dev_memory_gb, METH_NOARGS, "total_memory / 2**30."},
    {"supports_persistent_kernels", dev_persistent_m, METH_NOARGS,
     "Compute capability 7.0 or newer."},
    {"supports_cooperative_groups", dev_cooperative_m, METH_NOARGS,
     "Cooperative launch supported."},
    {"synchronize", device_synchronize, METH_NOARGS,
     "Wait for all work on the device (releases the GIL)."},
    {"info", device_info, METH_NOARGS, "The device's PyCudaDeviceInfo."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot device_slots[] = {
    {Py_tp_doc, "PyCudaDevice(ordinal=0): one CUDA device; CudaDeviceError when it is "
                "not there."},
    {Py_tp_new, device_new},
    {Py_tp_repr, device_repr},
    {Py_tp_members, dev_members},
    {Py_tp_getset, device_getset},
    {Py_tp_methods, device_methods},
    {0, NULL},
};

static PyType_Spec device_spec = {
    .name = "ringkernel.cuda.PyCudaDevice",
    .basicsize = sizeof(rkpy_devinfo),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = device_slots,
};

/* ---- PyGpuPoolDiagnostics --------------------------------------------------------- */

static PyObject *bucket_dict(rkpy_state *st, const rk_gpu_bucket_stats_t *b) {
  PyObject *cls = rkpy_enum(st, "PyGpuSizeClass", (long)b->size_class);
  if (!cls) return NULL;
  PyObject *d = Py_BuildValue(
      "{sNsKsKsKsKsKsKsK}", "size_class", cls, "block_bytes", (unsigned long long)b->block_bytes,
      "total_blocks", (unsigned long long)b->total_blocks, "free_blocks",
      (unsigned long long)b->free_blocks, "in_use_blocks", (unsigned long long)b->in_use_blocks,
      "max_blocks", (unsigned long long)b->max_blocks, "hits", (unsigned long long)b->hits,
      "misses", (unsigned long long)b->misses);
  return d;
}

static PyObject *pooldiag_buckets(PyObject *self, PyObject *unused) {
  (void)unused;
  rkpy_state *st = rkpyv_state(self);
  const rk_gpu_pool_diagnostics_t *d = &((rkpy_pooldiag *)self)->d;
  PyObject *list = PyList_New(RK_GPU_SIZE_CLASS_COUNT);
  for (Py_ssize_t i = 0; list && i < RK_GPU_SIZE_CLASS_COUNT; i++) {
    PyObject *item = bucket_dict(st, &d->buckets[i]);
    if (!item)
      Py_CLEAR(list);
    else
      PyList_SET_ITEM(list, i, item);
  }
  return list;
}

static PyObject *pooldiag_utilization(PyObject *self, PyObject *unused) {
  (void)unused;
  return PyFloat_FromDouble(((rkpy_pooldiag *)self)->d.utilization);
}

static PyObject *pooldiag_repr(PyObject *self) {
  const rk_gpu_pool_diagnostics_t *d = &((rkpy_pooldiag *)self)->d;
  return PyUnicode_FromFormat(
      "PyGpuPoolDiagnostics(total_cuda_bytes=%llu, in_use_bytes=%llu, allocations=%llu)",
      (unsigned long long)d->total_cuda_bytes, (unsigned long long)d->in_use_bytes,
      (unsigned long long)d->total_allocations);
}

#define DIAG_U64(name, doc)                                                                        \
  { #name, T_ULONGLONG, offsetof(rkpy_pooldiag, d.name), READONLY, doc }
static PyMemberDef pooldiag_members[] = {
    DIAG_U64(total_cuda_bytes, "Device memory held by the pool."),
    DIAG_U64(in_use_bytes, "Bytes of live blocks and live large allocations."),
    DIAG_U64(free_bytes, "total_cuda_bytes - in_use_bytes."),
    DIAG_U64(large_allocation_count, "Live allocations above 256 KiB."),
    DIAG_U64(total_allocations, "Allocations since the pool was created."),
    DIAG_U64(total_deallocations, "Frees since the pool was created."),
    {"fragmentation", T_DOUBLE, offsetof(rkpy_pooldiag, d.fragmentation), READONLY,
     "free_bytes / total_cuda_bytes."},
    {"hit_rate", T_DOUBLE, offsetof(rkpy_pooldiag, d.hit_rate), READONLY,
     "Share of class allocations served from a free list."},
    {NULL, 0, 0, 0, NULL},
};
#undef DIAG_U64

static PyMethodDef pooldiag_methods[] = {
    {"bucket_stats", pooldiag_buckets, METH_NOARGS,
     "One dict per size class: size_class, block_bytes, total_blocks, free_blocks, "
     "in_use_blocks, max_blocks, hits, misses."},
    {"utilization", pooldiag_utilization, METH_NOARGS, "in_use_bytes / total_cuda_bytes."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot pooldiag_slots[] = {
    {Py_tp_doc, "Snapshot of a live PyGpuPool."},
    {Py_tp_repr, pooldiag_repr},
    {Py_tp_members, pooldiag_members},
    {Py_tp_methods, pooldiag_methods},
    {0, NULL},
};

static PyType_Spec pooldiag_spec = {
    .name = "ringkernel.cuda.PyGpuPoolDiagnostics",
    .basicsize = sizeof(rkpy_pooldiag),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = pooldiag_slots,
};

/* ---- PyGpuPool -------------------------------------------------------------------- */

static PyObject *gpupool_new(PyTypeObject *type, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {"config", NULL};
  rkpy_state *st = rkpy_state_of_type(type);
  PyObject *cfg = NULL;
  if (!PyArg_ParseTupleAndKeywords(args, kw, "|O!:PyGpuPool", kwlist, st->PyGpuPoolConfig_type,
                                   &cfg))
    return NULL;
  rk_gpu_pool_config_t c;
  rk_gpu_pool_config_init(&c);
  if (cfg) c = *rkpy_gpu_pool_config_of(cfg);
  rk_gpu_pool_t *pool = NULL;
  rk_status_t s;
  Py_BEGIN_ALLOW_THREADS
  s = rk_gpu_pool_create(&c, &pool);
  Py_END_ALLOW_THREADS
  if (s != RK_OK) return rkpy_raise_status(st, s);
  rkpy_gpupool *self = (rkpy_gpupool *)type->tp_alloc(type, 0);
  if (!self) {
    rk_gpu_pool_destroy(pool);
    return NULL;
  }
  self->pool = pool;
  return (PyObject *)self;
}

static void gpupool_dealloc(PyObject *self) {
  PyTypeObject *tp = Py_TYPE(self);
  rk_gpu_pool_destroy(((rkpy_gpupool *)self)->pool);
  tp->tp_free(self);
  Py_DECREF(tp);
}

static rk_gpu_pool_t *gpupool_open(PyObject *self) {
  rk_gpu_pool_t *p = ((rkpy_gpupool *)self)->pool;
  if (!p) PyErr_SetString(PyExc_ValueError, "PyGpuPool is closed");
  return p;
}

static PyObject *gpupool_allocate(PyObject *self, PyObject *arg) {
  rk_gpu_pool_t *p = gpupool_open(self);
  uint64_t bytes = 0;
  if (!p || rkpy_arg_u64(arg, "bytes", UINT64_MAX, &bytes) < 0) return NULL;
  void *ptr = NULL;
  rk_status_t s = rk_gpu_pool_alloc(p, bytes, &ptr);
  if (s != RK_OK) return rkpy_raise_status(rkpyv_state(self), s);
  return PyLong_FromVoidPtr(ptr);
}

static PyObject *gpupool_free(PyObject *self, PyObject *arg) {
  rk_gpu_pool_t *p = gpupool_open(self);
  uint64_t addr = 0;
  if (!p || rkpy_arg_u64(arg, "ptr", UINTPTR_MAX, &addr) < 0) return NULL;
  rk_status_t s = rk_gpu_pool_free(p, (void *)(uintptr_t)addr);
  if (s != RK_OK) return rkpy_raise_status(rkpyv_state(self), s);
  Py_RETURN_NONE;
}

static PyObject *gpupool_diagnostics(PyObject *self, PyObject *unused) {
  (void)unused;
  rk_gpu_pool_t *p = gpupool_open(self);
  if (!p) return NULL;
  rkpy_state *st = rkpyv_state(self);
  rk_gpu_pool_diagnostics_t d;
  rk_status_t s = rk_gpu_pool_diagnostics(p, &d);
  if (s != RK_OK) return rkpy_raise_status(st, s);
  PyTypeObject *t = st->PyGpuPoolDiagnostics_type;
  rkpy_pooldiag *out = (rkpy_pooldiag *)t->tp_alloc(t, 0);
  if (out) out->d = d;
  return (PyObject *)out;
}

static PyObject *gpupool_close(PyObject *self, PyObject *unused) {
  (void)unused;
  rkpy_gpupool *g = (rkpy_gpupool *)self;
  rk_gpu_pool_destroy(g->pool);
  g->pool = NULL;
  Py_RETURN_NONE;
}

static PyObject *gpupool_enter(PyObject *self, PyObject *unused) {
  (void)unused;
  return Py_NewRef(self);
}

static PyObject *gpupool_exit(PyObject *self, PyObject *args) {
  (void)args;
  PyObject *r = gpupool_close(self, NULL);
  Py_XDECREF(r);
  Py_RETURN_FALSE;
}

static PyMethodDef gpupool_methods[] = {
    {"allocate", gpupool_allocate, METH_O,
     "Device memory of at least `bytes`; returns its address as an int."},
    {"free", gpupool_free, METH_O, "Give an address from allocate() back."},
    {"diagnostics", gpupool_diagnostics, METH_NOARGS, "PyGpuPoolDiagnostics snapshot."},
    {"close", gpupool_close, METH_NOARGS, "Free all device memory of the pool."},
    {"__enter__", gpupool_enter, METH_NOARGS, NULL},
    {"__exit__", gpupool_exit, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot gpupool_slots[] = {
    {Py_tp_doc, "PyGpuPool(config=None): a live size-class pool of device memory."},
    {Py_tp_new, gpupool_new},
    {Py_tp_dealloc, gpupool_dealloc},
    {Py_tp_methods, gpupool_methods},
    {0, NULL},
};

static PyType_Spec gpupool_spec = {
    .name = "ringkernel.cuda.PyGpuPool",
    .basicsize = sizeof(rkpy_gpupool),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = gpupool_slots,
};

int rkpy_cuda_exec(PyObject *m) {
  rkpy_state *st = rkpy_state_of_module(m);
  if (PyModule_AddFunctions(m, cuda_functions) < 0) return -1;
  if (rkpy_cuda_config_exec(m) < 0) return -1;
  if (rkpy_add_type(m, &devinfo_spec, NULL, &st->PyCudaDeviceInfo_type) < 0) return -1;
  if (rkpy_add_type(m, &device_spec, NULL, &st->PyCudaDevice_type) < 0) return -1;
  if (rkpy_add_type(m, &pooldiag_spec, NULL, &st->PyGpuPoolDiagnostics_type) < 0) return -1;
  return rkpy_add_type(m, &gpupool_spec, NULL, &st->PyGpuPool_type);
}
