/* rkpy_args.c — argument checks shared by every type: each failure names the argument,
 * the value and the accepted range, so bad input is a clear ValueError/TypeError. */
#include <stdbool.h>
#include <string.h>

#include "rkpy.h"

#include <math.h>

/* Writes the value of an int-like object that fits 64 bits unsigned; *out_of_range is
 * set for negative values and values of 2**64 and more. */
static int rkpy_index_u64(PyObject *idx, int *out_of_range, uint64_t *out) {
  int overflow = 0;
  long long v = PyLong_AsLongLongAndOverflow(idx, &overflow);
  if (v == -1 && !overflow && PyErr_Occurred()) return -1;
  *out_of_range = overflow < 0 || (overflow == 0 && v < 0);
  if (overflow <= 0) {
    *out = (uint64_t)v;
    return 0;
  }
  unsigned long long u = PyLong_AsUnsignedLongLong(idx);
  if (u == (unsigned long long)-1 && PyErr_Occurred()) {
    PyErr_Clear();
    *out_of_range = 1;
  }
  *out = u;
  return 0;
}

int rkpy_arg_u64(PyObject *obj, const char *what, uint64_t max, uint64_t *out) {
  PyObject *idx = PyNumber_Index(obj);
  if (!idx) {
    PyErr_Clear();
    PyErr_Format(PyExc_TypeError, "%s must be an int, got %.100s", what, Py_TYPE(obj)->tp_name);
    return -1;
  }
  int out_of_range = 0;
  uint64_t v = 0;
  int rc = rkpy_index_u64(idx, &out_of_range, &v);
  if (rc == 0 && (out_of_range || v > max)) {
    PyErr_Format(PyExc_ValueError, "%s must be 0..%llu, got %R", what, (unsigned long long)max,
                 idx);
    rc = -1;
  }
  Py_DECREF(idx);
  if (rc == 0) *out = v;
  return rc;
}

int rkpy_arg_size(PyObject *obj, const char *what, size_t max, size_t *out) {
  uint64_t v = 0;
  if (rkpy_arg_u64(obj, what, max, &v) < 0) return -1;
  *out = (size_t)v;
  return 0;
}

static int rkpy_arg_real(PyObject *obj, const char *what, double *out) {
  if (PyBool_Check(obj) || !(PyFloat_Check(obj) || PyLong_Check(obj) || PyNumber_Check(obj))) {
    PyErr_Format(PyExc_TypeError, "%s must be a number, got %.100s", what, Py_TYPE(obj)->tp_name);
    return -1;
  }
  double v = PyFloat_AsDouble(obj);
  if (v == -1.0 && PyErr_Occurred()) return -1;
  *out = v;
  return 0;
}

int rkpy_arg_timeout(PyObject *obj, const char *what, int allow_none, int64_t *out_ns) {
  if (obj == Py_None && allow_none) {
    *out_ns = -1;
    return 0;
  }
  double secs = 0;
  if (rkpy_arg_real(obj, what, &secs) < 0) return -1;
  if (!isfinite(secs) || secs < 0) {
    PyErr_Format(PyExc_ValueError, "%s must be a finite number of seconds >= 0, got %R", what, obj);
    return -1;
  }
  double ns = secs * 1e9;
  *out_ns = ns >= 9.2e18 ? INT64_MAX : (int64_t)ns;
  return 0;
}

int rkpy_arg_double(PyObject *obj, const char *what, double lo, double hi, double *out) {
  double v = 0;
  if (rkpy_arg_real(obj, what, &v) < 0) return -1;
  if (isfinite(v) && v >= lo && v <= hi) {
    *out = v;
    return 0;
  }
  char *los = PyOS_double_to_string(lo, 'r', 0, 0, NULL);
  char *his = PyOS_double_to_string(hi, 'r', 0, 0, NULL);
  if (los && his)
    PyErr_Format(PyExc_ValueError, "%s must be a finite number in [%s, %s], got %R", what, los, his,
                 obj);
  else
    PyErr_NoMemory();
  PyMem_Free(los);
  PyMem_Free(his);
  return -1;
}

int rkpy_arg_buffer(PyObject *obj, const char *what, Py_buffer *view) {
  if (!PyObject_CheckBuffer(obj)) {
    PyErr_Format(PyExc_TypeError, "%s must be a bytes-like object, got %.100s", what,
                 Py_TYPE(obj)->tp_name);
    return -1;
  }
  if (PyObject_GetBuffer(obj, view, PyBUF_C_CONTIGUOUS) < 0) {
    PyErr_Clear();
    PyErr_Format(PyExc_ValueError, "%s must be a C-contiguous buffer", what);
    return -1;
  }
  return 0;
}

/* Keyword names are ASCII str objects, whose characters are stored NUL-terminated right
 * after the object: strcmp on them is a fraction of PyUnicode_CompareWithASCIIString's
 * cost, which showed on every request_sync(..., timeout=...) call. */
static int rkpy_arg_index(const char *const *names, int n, PyObject *key) {
  bool ascii = PyUnicode_Check(key) && PyUnicode_IS_COMPACT_ASCII(key);
  for (int i = 0; i < n; i++) {
    /* the length check keeps a name with a NUL inside from matching its prefix */
    if (ascii ? (size_t)PyUnicode_GET_LENGTH(key) == strlen(names[i]) &&
                    strcmp((const char *)PyUnicode_DATA(key), names[i]) == 0
              : PyUnicode_CompareWithASCIIString(key, names[i]) == 0)
      return i;
  }
  return -1;
}

int rkpy_parse_args(const char *fname, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
                    const char *const *names, int n, int required, PyObject **out) {
  if (nargs > n) {
    PyErr_Format(PyExc_TypeError, "%s() takes at most %d arguments (%zd given)", fname, n, nargs);
    return -1;
  }
  for (int i = 0; i < n; i++)
    out[i] = i < nargs ? args[i] : NULL;
  Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  for (Py_ssize_t j = 0; j < nkw; j++) {
    PyObject *key = PyTuple_GET_ITEM(kwnames, j);
    int i = rkpy_arg_index(names, n, key);
    if (i < 0 || out[i]) {
      PyErr_Format(PyExc_TypeError,
                   i < 0 ? "%s() got an unexpected keyword argument '%U'"
                         : "%s() got multiple values for argument '%U'",
                   fname, key);
      return -1;
    }
    out[i] = args[nargs + j];
  }
  for (int i = 0; i < required; i++) {
    if (!out[i]) {
      PyErr_Format(PyExc_TypeError, "%s() missing required argument '%s'", fname, names[i]);
      return -1;
    }
  }
  return 0;
}

const char *rkpy_arg_cstring(PyObject *str, const char *what) {
  Py_ssize_t size = 0;
  const char *text = PyUnicode_AsUTF8AndSize(str, &size);
  if (!text) return NULL;
  if ((size_t)size != strlen(text)) {
    PyErr_Format(PyExc_ValueError, "%s must not contain a NUL character", what);
    return NULL;
  }
  return text;
}
