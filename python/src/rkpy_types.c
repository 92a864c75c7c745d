/* rkpy_types.c — creating heap types into the module, and reaching the IntEnums of
 * ringkernel._enums from C. */
#include "rkpy.h"

int rkpy_add_type(PyObject *m, PyType_Spec *spec, PyObject *base, PyTypeObject **out) {
  PyObject *type = PyType_FromModuleAndSpec(m, spec, base);
  if (!type) return -1;
  *out = (PyTypeObject *)type;
  return PyModule_AddType(m, *out);
}

static PyObject *rkpy_enum_class(rkpy_state *st, const char *enum_name) {
  if (!st->enums_module) {
    st->enums_module = PyImport_ImportModule("ringkernel._enums");
    if (!st->enums_module) return NULL;
  }
  return PyObject_GetAttrString(st->enums_module, enum_name);
}

PyObject *rkpy_enum(rkpy_state *st, const char *enum_name, long value) {
  PyObject *cls = rkpy_enum_class(st, enum_name);
  if (!cls) return NULL;
  PyObject *member = PyObject_CallFunction(cls, "l", value);
  Py_DECREF(cls);
  return member;
}

int rkpy_enum_value(rkpy_state *st, const char *enum_name, PyObject *obj, long *out) {
  if (!PyLong_Check(obj)) {
    PyErr_Format(PyExc_TypeError, "expected %s or int, got %.100s", enum_name,
                 Py_TYPE(obj)->tp_name);
    return -1;
  }
  PyObject *member = rkpy_enum(st, enum_name, PyLong_AsLong(obj));
  if (!member) {
    if (PyErr_ExceptionMatches(PyExc_ValueError) || PyErr_ExceptionMatches(PyExc_OverflowError)) {
      PyErr_Clear();
      PyErr_Format(PyExc_ValueError, "%R is not a valid %s", obj, enum_name);
    }
    return -1;
  }
  *out = PyLong_AsLong(member);
  Py_DECREF(member);
  return 0;
}

void rkpy_dealloc(PyObject *self) {
  PyTypeObject *tp = Py_TYPE(self);
  tp->tp_free(self);
  Py_DECREF(tp);
}
