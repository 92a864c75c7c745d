/* py_values.c — entry point for the hybrid, resource and queue types, and the small
 * helpers the python-values files share. */
#include "rkpy_values.h"

#include <stdarg.h>
#include <time.h>

int rkpy_values_exec(PyObject *m) {
  if (rkpy_queue_exec(m) < 0) return -1;
  if (rkpy_hybrid_exec(m) < 0) return -1;
  return rkpy_resource_exec(m);
}

rkpy_state *rkpyv_state(PyObject *self) {
  return rkpy_state_of_type(Py_TYPE(self));
}

PyObject *rkpyv_float_str(double v) {
  char *s = PyOS_double_to_string(v, 'r', 0, Py_DTSF_ADD_DOT_0, NULL);
  if (!s) return PyErr_NoMemory();
  PyObject *out = PyUnicode_FromString(s);
  PyMem_Free(s);
  return out;
}

int rkpyv_opt_u64(PyObject *obj, const char *what, uint64_t max, uint64_t *out) {
  if (!obj) return 0;
  return rkpy_arg_u64(obj, what, max, out);
}

int rkpyv_real(PyObject *obj, const char *what, double *out) {
  if (PyBool_Check(obj) || !(PyFloat_Check(obj) || PyLong_Check(obj))) {
    PyErr_Format(PyExc_TypeError, "%s must be a number, got %.100s", what, Py_TYPE(obj)->tp_name);
    return -1;
  }
  double v = PyFloat_AsDouble(obj);
  if (v == -1.0 && PyErr_Occurred()) return -1;
  *out = v;
  return 0;
}

PyObject *rkpyv_enum_or_none(rkpy_state *st, const char *enum_name, long value, int present) {
  if (!present) Py_RETURN_NONE;
  return rkpy_enum(st, enum_name, value);
}

Py_hash_t rkpyv_hash_values(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  PyObject *t = Py_VaBuildValue(fmt, ap);
  va_end(ap);
  if (!t) return -1;
  Py_hash_t h = PyObject_Hash(t);
  Py_DECREF(t);
  return h;
}

int64_t rkpyv_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int rkpyv_doubles(PyObject *obj, const char *what, double **out, size_t *n) {
  PyObject *seq = PySequence_Fast(obj, "");
  if (!seq) {
    PyErr_Format(PyExc_TypeError, "%s must be a sequence of numbers, got %.100s", what,
                 Py_TYPE(obj)->tp_name);
    return -1;
  }
  Py_ssize_t len = PySequence_Fast_GET_SIZE(seq);
  double *v = PyMem_Malloc(sizeof(double) * (size_t)(len > 0 ? len : 1));
  int rc = v ? 0 : -1;
  if (!v) PyErr_NoMemory();
  for (Py_ssize_t i = 0; rc == 0 && i < len; i++) {
    PyObject *item = PySequence_Fast_GET_ITEM(seq, i);
    v[i] = PyBool_Check(item) || PyUnicode_Check(item) ? -1.0 : PyFloat_AsDouble(item);
    if (PyBool_Check(item) || PyUnicode_Check(item) || (v[i] == -1.0 && PyErr_Occurred())) {
      PyErr_Clear();
      PyErr_Format(PyExc_TypeError, "%s[%zd] must be a number, got %.100s", what, i,
                   Py_TYPE(item)->tp_name);
      rc = -1;
    }
  }
  Py_DECREF(seq);
  if (rc < 0) {
    PyMem_Free(v);
    return -1;
  }
  *out = v;
  *n = (size_t)len;
  return 0;
}
