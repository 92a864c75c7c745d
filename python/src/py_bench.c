/* py_bench.c — ringkernel.benchmark (spec §11) over ringkernel/bench.h. */
#include "rkpy_values.h"

int rkpy_bench_exec(PyObject *m) { return m ? 0 : -1; }
