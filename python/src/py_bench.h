/* py_bench.h — shared by the two files of ringkernel.benchmark (py_bench.c: config,
 * results and statistics; py_bench_suite.c: suite, baselines, regression reports). */
#ifndef RKPY_BENCH_H
#define RKPY_BENCH_H

#include "rkpy_values.h"

#include "ringkernel/bench.h"

/* Adds PyBenchmarkSuite, PyBenchmarkBaseline, PyRegressionReport and PyRegressionEntry. */
int rkpy_bench_suite_exec(PyObject *m);

/* A new PyBenchmarkResult owning `r` (destroyed here on failure). */
PyObject *rkpy_bench_result_wrap(rkpy_state *st, rk_bench_result_t *r);
/* A new PyBenchmarkResult holding a copy of the borrowed `r`. */
PyObject *rkpy_bench_result_copy(rkpy_state *st, const rk_bench_result_t *r);
/* The C result inside a PyBenchmarkResult (the caller checked the type). */
const rk_bench_result_t *rkpy_bench_result_of(PyObject *obj);
/* A new PyBenchmarkConfig holding a copy of `c`. */
PyObject *rkpy_bench_config_new(rkpy_state *st, const rk_bench_config_t *c);
/* The C config inside a PyBenchmarkConfig (the caller checked the type). */
const rk_bench_config_t *rkpy_bench_config_of(PyObject *obj);

#endif /* RKPY_BENCH_H */
