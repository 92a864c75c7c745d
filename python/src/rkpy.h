/* rkpy.h — what every source file of the extension ringkernel._ringkernel shares.
 *
 * The extension is one module with multi-phase init and heap types; every type object and
 * exception lives in the module state (rkpy_state), never in a static PyObject global, so
 * sub-interpreters and re-imports each get their own. module.c owns the state's lifecycle;
 * the py_*.c files create their types into it from their *_exec functions.
 *
 * Contract between the two halves of the extension:
 *   module.c exec runs, in order: the core types (runtime, kernel, messages, HLC, K2K),
 *   then rkpy_values_exec (hybrid, resource, queue), rkpy_bench_exec, rkpy_cuda_exec.
 *   Each returns 0 on success or -1 with a Python exception set.
 */
#ifndef RKPY_H
#define RKPY_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

#include "ringkernel/status.h"

/* Exceptions of spec §2 (module.c creates them with their bases). */
#define RKPY_EXCEPTIONS(X)                                                                         \
  X(RingKernelError)                                                                               \
  X(MemoryLimitError)                                                                              \
  X(KernelError)                                                                                   \
  X(KernelStateError)                                                                              \
  X(CudaError)                                                                                     \
  X(CudaDeviceError)                                                                               \
  X(CudaMemoryError)                                                                               \
  X(QueueError)                                                                                    \
  X(QueueFullError)                                                                                \
  X(QueueEmptyError)                                                                               \
  X(K2KError)                                                                                      \
  X(K2KDeliveryError)                                                                              \
  X(BenchmarkError)                                                                                \
  X(HybridError)                                                                                   \
  X(GpuNotAvailableError)                                                                          \
  X(ResourceError)                                                                                 \
  X(ReservationError)

/* Type objects kept in the module state. The first group is python-core's, the rest are
 * python-values's (hybrid, resource, queue, benchmark, cuda). A slot stays NULL until its
 * exec function fills it. */
#define RKPY_TYPES(X)                                                                              \
  X(HlcTimestamp)                                                                                  \
  X(HlcClock)                                                                                      \
  X(MessageId)                                                                                     \
  X(CorrelationId)                                                                                 \
  X(MessageHeader)                                                                                 \
  X(MessageEnvelope)                                                                               \
  X(LaunchOptions)                                                                                 \
  X(RingKernel)                                                                                    \
  X(KernelHandle)                                                                                  \
  X(KernelStatus)                                                                                  \
  X(RuntimeMetrics)                                                                                \
  X(K2KConfig)                                                                                     \
  X(K2KBroker)                                                                                     \
  X(K2KStats)                                                                                      \
  X(DeliveryReceipt)                                                                               \
  X(HybridConfig)                                                                                  \
  X(HybridDispatcher)                                                                              \
  X(HybridStats)                                                                                   \
  X(MemoryEstimate)                                                                                \
  X(ResourceGuard)                                                                                 \
  X(Reservation)                                                                                   \
  X(QueueMonitor)                                                                                  \
  X(QueueStats)                                                                                    \
  X(QueueMetrics)                                                                                  \
  X(PyCudaDevice)                                                                                  \
  X(PyCudaDeviceInfo)                                                                              \
  X(PyGpuPoolConfig)                                                                               \
  X(PyGpuPool)                                                                                     \
  X(PyGpuPoolDiagnostics)                                                                          \
  X(PyStreamConfig)                                                                                \
  X(PyStreamId)                                                                                    \
  X(PyBenchmarkConfig)                                                                             \
  X(PyBenchmarkResult)                                                                             \
  X(PyBenchmarkSuite)                                                                              \
  X(PyBenchmarkBaseline)                                                                           \
  X(PyRegressionReport)                                                                            \
  X(PyRegressionEntry)                                                                             \
  X(PyDetailedStatistics)                                                                          \
  X(PyConfidenceInterval)                                                                          \
  X(PyScalingMetrics)

#define RKPY_EXC_FIELD(name) PyObject *name;
#define RKPY_TYPE_FIELD(name) PyTypeObject *name##_type;
typedef struct rkpy_state {
  RKPY_EXCEPTIONS(RKPY_EXC_FIELD)
  RKPY_TYPES(RKPY_TYPE_FIELD)
  PyObject *enums_module; /* ringkernel._enums, imported on first use */
  PyObject *aio_module;   /* ringkernel._aio, imported on first use */
} rkpy_state;
#undef RKPY_EXC_FIELD
#undef RKPY_TYPE_FIELD

/* The module definition (module.c); PyType_GetModuleByDef finds the module from a type. */
extern PyModuleDef rkpy_module_def;

rkpy_state *rkpy_state_of_module(PyObject *m);
/* For methods of heap types created with rkpy_add_type (including subclasses). */
rkpy_state *rkpy_state_of_type(PyTypeObject *t);

/* Raises the exception that spec §2 maps `s` to, with rk_last_error() as the message
 * (rk_status_str when the detail text is empty). Always returns NULL. Mapping:
 * EINVAL/EVALIDATION/ETOOBIG → ValueError, ETIMEDOUT → TimeoutError, ENOMEM →
 * MemoryError, EAGAIN → QueueFullError, ESTATE → KernelStateError, ENOTFOUND/EHANDLER/
 * ESTUCK → KernelError, EMEMLIMIT → MemoryLimitError, ERESERVATION → ReservationError,
 * ENODEVICE → CudaDeviceError, EGPUMEM → CudaMemoryError, ECUDA/ECOMPILE → CudaError,
 * EMAXHOPS → K2KDeliveryError, EINTR → the pending signal's exception (KeyboardInterrupt),
 * EIO → OSError, everything else → RingKernelError. */
PyObject *rkpy_raise_status(rkpy_state *st, rk_status_t s);
/* Same, but with an explicit exception type (e.g. QueueEmptyError for an empty EAGAIN). */
PyObject *rkpy_raise_as(PyObject *exc_type, rk_status_t s);

/* The member of ringkernel._enums.<enum_name> with `value` (new reference), or NULL with
 * ValueError when the value is not a member. */
PyObject *rkpy_enum(rkpy_state *st, const char *enum_name, long value);
/* Accepts an int or a member of the IntEnum <enum_name>; writes its integer value. Raises
 * TypeError for other types and ValueError for values that are not members. */
int rkpy_enum_value(rkpy_state *st, const char *enum_name, PyObject *obj, long *out);

/* Creates a heap type from `spec` bound to module `m` (base may be NULL), adds it to the
 * module under its short name and writes a new reference to *out. 0 / -1. */
int rkpy_add_type(PyObject *m, PyType_Spec *spec, PyObject *base, PyTypeObject **out);

/* tp_dealloc of a heap type without references to other objects: frees the object and
 * drops the instance's reference to its type. */
void rkpy_dealloc(PyObject *self);

/* ---- argument helpers: 0 on success, -1 with TypeError/ValueError naming `what` ------ */

/* Arguments of a METH_FASTCALL | METH_KEYWORDS method (no tuple or dict is built):
 * out[i] is the argument for names[i] given by position or keyword (borrowed), NULL when
 * absent; the first `required` must be present. TypeError naming fname for too many,
 * unknown, repeated or missing arguments. */
int rkpy_parse_args(const char *fname, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
                    const char *const *names, int n, int required, PyObject **out);

/* An int in 0..max ("capacity must be 0..4294967295, got -1"). */
int rkpy_arg_u64(PyObject *obj, const char *what, uint64_t max, uint64_t *out);
/* An int in 0..max, as size_t. */
int rkpy_arg_size(PyObject *obj, const char *what, size_t max, size_t *out);
/* A finite non-negative duration in seconds (int or float); None → *out_ns = -1 (forever)
 * when allow_none, else TypeError. Written as nanoseconds, saturated at INT64_MAX. */
int rkpy_arg_timeout(PyObject *obj, const char *what, int allow_none, int64_t *out_ns);
/* The UTF-8 text of a str argument that C will read as a NUL-terminated string; a str
 * holding a NUL would be silently cut short there, so it raises ValueError naming `what`. */
const char *rkpy_arg_cstring(PyObject *str, const char *what);
/* A finite float in [lo, hi]. */
int rkpy_arg_double(PyObject *obj, const char *what, double lo, double hi, double *out);
/* A C-contiguous read-only view of any buffer-protocol object (bytes, bytearray,
 * memoryview, NumPy arrays). Release with PyBuffer_Release. */
int rkpy_arg_buffer(PyObject *obj, const char *what, Py_buffer *view);

/* ---- python-core's values, for either half --------------------------------------------- */

struct rk_hlc_timestamp;
/* A new HlcTimestamp. */
PyObject *rkpy_timestamp_new(rkpy_state *st, struct rk_hlc_timestamp ts);
/* The value of an HlcTimestamp argument (TypeError naming `what` for other types). */
int rkpy_timestamp_get(rkpy_state *st, PyObject *obj, const char *what,
                       struct rk_hlc_timestamp *out);

struct rk_message_header;
struct rk_message;
/* MessageId / CorrelationId objects. */
PyObject *rkpy_message_id_new(rkpy_state *st, uint64_t value);
PyObject *rkpy_correlation_id_new(rkpy_state *st, uint64_t value);
/* A CorrelationId, MessageId, int or None (= 0). */
int rkpy_correlation_id_get(rkpy_state *st, PyObject *obj, uint64_t *out);
/* MessageHeader from / to its C form. */
PyObject *rkpy_header_new(rkpy_state *st, const struct rk_message_header *h);
int rkpy_header_get(rkpy_state *st, PyObject *obj, const char *what, struct rk_message_header *out);
/* A MessageEnvelope owning a received message (freed with the envelope, also on error). */
PyObject *rkpy_envelope_from_message(rkpy_state *st, struct rk_message *msg);
/* Borrowed pointers into an envelope (valid while it lives); TypeError for other types. */
int rkpy_envelope_parts(rkpy_state *st, PyObject *obj, const struct rk_message_header **hdr,
                        const void **payload, size_t *len);
/* What a send or reply takes: a MessageEnvelope's parts, or any bytes-like payload with
 * *hdr NULL (a fresh header); view is filled and must be released when view->obj is set
 * (not for exact bytes, read in place while the caller holds the object).
 * -1 with rkpy_arg_buffer's error, naming `what`. */
int rkpy_message_parts(rkpy_state *st, PyObject *obj, const char *what,
                       const struct rk_message_header **hdr, const void **payload, size_t *len,
                       Py_buffer *view);

struct rk_launch_options;
/* The C launch options of a LaunchOptions (or defaults for None/NULL). Strings borrow
 * from the object; *callable is its script handler (borrowed) or NULL. */
int rkpy_options_get(rkpy_state *st, PyObject *obj, struct rk_launch_options *out,
                     PyObject **callable);

/* ---- the two halves' entry points ---------------------------------------------------- */

/* python-core's own exec steps (module.c calls them first, in this order). */
int rkpy_hlc_exec(PyObject *m);
int rkpy_ids_exec(PyObject *m);
int rkpy_header_exec(PyObject *m);
int rkpy_envelope_exec(PyObject *m);
int rkpy_options_exec(PyObject *m);
int rkpy_runtime_exec(PyObject *m);
int rkpy_kernel_exec(PyObject *m);
int rkpy_k2k_exec(PyObject *m);
/* python-values: hybrid, resource and queue types. */
int rkpy_values_exec(PyObject *m);
/* python-values: benchmark types (ringkernel.benchmark). */
int rkpy_bench_exec(PyObject *m);
/* python-values: CUDA types (ringkernel.cuda). */
int rkpy_cuda_exec(PyObject *m);

/* python-values: QueueStats / QueueMetrics objects from live queue snapshots (new
 * references; NULL with an exception set on failure). Declared with struct tags so this
 * header does not depend on the queue header's include order. */
struct rk_queue_stats;
struct rk_queue_metrics;
PyObject *rkpy_queue_stats_new(rkpy_state *st, const struct rk_queue_stats *stats);
PyObject *rkpy_queue_metrics_new(rkpy_state *st, const struct rk_queue_metrics *metrics);

#endif /* RKPY_H */
