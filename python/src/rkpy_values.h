/* rkpy_values.h — shared by python-values's part of the extension: the hybrid,
 * resource, queue, CUDA and benchmark types (spec §7–§11). Each type wraps one C object
 * or plain struct of the runtime; the logic stays in libringkernel, shared with Lua. */
#ifndef RKPY_VALUES_H
#define RKPY_VALUES_H

#include "rkpy.h"

#include <structmember.h>

/* Per-area exec steps called by rkpy_values_exec (py_values.c). 0 / -1 with an
 * exception set. */
int rkpy_hybrid_exec(PyObject *m);
int rkpy_resource_exec(PyObject *m);
int rkpy_queue_exec(PyObject *m);

/* The module state of the type of `self` (heap types of this extension only). */
rkpy_state *rkpyv_state(PyObject *self);

/* A float formatted like Python's repr() (shortest round-trip), as a new str. */
PyObject *rkpyv_float_str(double v);

/* Parses an optional u64 argument: leaves *out untouched when obj is NULL. */
int rkpyv_opt_u64(PyObject *obj, const char *what, uint64_t max, uint64_t *out);

/* A finite-or-not double from an int/float (never bool); TypeError otherwise. */
int rkpyv_real(PyObject *obj, const char *what, double *out);

/* The member of ringkernel._enums.<enum_name> with `value` (new reference), or None
 * when `present` is false. */
PyObject *rkpyv_enum_or_none(rkpy_state *st, const char *enum_name, long value, int present);

/* Copies a sequence (or any iterable) of real numbers into a PyMem_Malloc'd array that
 * the caller frees with PyMem_Free; TypeError names the bad item. 0 / -1. */
int rkpyv_doubles(PyObject *obj, const char *what, double **out, size_t *n);

/* Hash of the tuple Py_BuildValue(fmt, ...) builds: value types hash the same fields their
 * __eq__ compares. -1 with an exception set on failure. */
Py_hash_t rkpyv_hash_values(const char *fmt, ...);

/* Monotonic clock in nanoseconds (for timing callables). */
int64_t rkpyv_now_ns(void);

#endif /* RKPY_VALUES_H */
