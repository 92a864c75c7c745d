/* host_python.c — runs a Python script in an embedded CPython, the way `python3 script.py`
 * would, with `import ringkernel` finding the pure-Python package and its extension
 * `ringkernel._ringkernel` being the copy built into this program (registered with
 * PyImport_AppendInittab before the interpreter starts, so the process holds one runtime).
 *
 * The file is run here rather than through Py_RunMain so that rkhost decides the exit
 * status after finalisation: SystemExit gives its code, an uncaught exception prints its
 * traceback and gives 1, KeyboardInterrupt (Python's own SIGINT handler) gives 130.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host_internal.h"

/* The extension's init function (python/, target rk_python_builtin). */
PyObject *PyInit__ringkernel(void);

static int rkh_py_status_failed(PyStatus status, const char *what) {
  if (!PyStatus_Exception(status)) return 0;
  fprintf(stderr, "rkhost: %s failed: %s%s%s\n", what, status.func ? status.func : "",
          status.func ? ": " : "", status.err_msg ? status.err_msg : "unknown error");
  return 1;
}

/* sys.argv = [script or "-c", args...]; rkhost parses its own flags, so Python must not. */
static int rkh_py_initialize(const rkh_job_t *job) {
  PyConfig config;
  PyConfig_InitPythonConfig(&config);
  config.parse_argv = 0;
  config.install_signal_handlers = 1;
  int argc = job->argc + 1;
  char **argv = malloc(sizeof(char *) * (size_t)argc);
  if (!argv) {
    PyConfig_Clear(&config);
    fputs("rkhost: out of memory\n", stderr);
    return -1;
  }
  argv[0] = (char *)(job->source == RKH_SOURCE_FILE ? job->text : "-c");
  memcpy(argv + 1, job->argv, sizeof(char *) * (size_t)job->argc);
  PyStatus status = PyConfig_SetBytesString(&config, &config.program_name, job->program);
  if (!PyStatus_Exception(status)) status = PyConfig_SetBytesArgv(&config, argc, argv);
  if (!PyStatus_Exception(status)) status = Py_InitializeFromConfig(&config);
  free(argv);
  PyConfig_Clear(&config);
  return rkh_py_status_failed(status, "starting Python") ? -1 : 0;
}

static bool rkh_py_is_package_dir(const char *dir) {
  char init[PATH_MAX];
  int n = snprintf(init, sizeof init, "%s/ringkernel/__init__.py", dir);
  return n > 0 && (size_t)n < sizeof init && access(init, R_OK) == 0;
}

/* Where the ringkernel package lives: $RINGKERNEL_PYTHONPATH, else the build tree, else
 * the installed copy; NULL when none holds it (the import then reports what it finds). */
static const char *rkh_py_package_dir(void) {
  const char *env = getenv("RINGKERNEL_PYTHONPATH");
  if (env && env[0]) return env;
  if (rkh_py_is_package_dir(RKH_PYTHON_BUILD_DIR)) return RKH_PYTHON_BUILD_DIR;
  if (rkh_py_is_package_dir(RKH_PYTHON_INSTALL_DIR)) return RKH_PYTHON_INSTALL_DIR;
  return NULL;
}

static int rkh_py_path_prepend(const char *dir) {
  PyObject *path = PySys_GetObject("path"); /* borrowed */
  PyObject *entry = PyUnicode_DecodeFSDefault(dir);
  int rc = (path && entry) ? PyList_Insert(path, 0, entry) : -1;
  Py_XDECREF(entry);
  return rc;
}

/* sys.path[0] is the script's folder (or "" for -c), as in `python3`; the package folder
 * comes right after it, ahead of site-packages, so this build's package wins. */
static int rkh_py_set_path(const rkh_job_t *job) {
  const char *package = rkh_py_package_dir();
  if (package && rkh_py_path_prepend(package) != 0) return -1;
  if (job->source == RKH_SOURCE_CODE) return rkh_py_path_prepend("");
  char real[PATH_MAX];
  if (!realpath(job->text, real)) return rkh_py_path_prepend(".");
  char *slash = strrchr(real, '/');
  if (slash == real) slash[1] = '\0';
  else *slash = '\0';
  return rkh_py_path_prepend(real);
}

static PyObject *rkh_py_take_exception(void) {
#if PY_VERSION_HEX >= 0x030C0000
  return PyErr_GetRaisedException();
#else
  PyObject *type, *value, *traceback;
  PyErr_Fetch(&type, &value, &traceback);
  PyErr_NormalizeException(&type, &value, &traceback);
  if (traceback && value) PyException_SetTraceback(value, traceback);
  Py_XDECREF(type);
  Py_XDECREF(traceback);
  return value;
#endif
}

/* SystemExit(code): None -> 0, an int -> itself, anything else is printed -> 1. */
static int rkh_py_system_exit(void) {
  PyObject *exc = rkh_py_take_exception();
  PyObject *code = exc ? PyObject_GetAttrString(exc, "code") : NULL;
  int status = RKH_EXIT_SCRIPT_ERROR;
  if (code == Py_None) {
    status = RKH_EXIT_OK;
  } else if (code && PyLong_Check(code)) {
    status = (int)PyLong_AsLong(code);
  } else if (code) {
    PyObject *text = PyObject_Str(code);
    const char *utf8 = text ? PyUnicode_AsUTF8(text) : NULL;
    if (utf8) fprintf(stderr, "%s\n", utf8);
    Py_XDECREF(text);
  }
  PyErr_Clear();
  Py_XDECREF(code);
  Py_XDECREF(exc);
  return status;
}

/* Turns the outcome of the run into the exit status, printing the traceback if any. */
static int rkh_py_outcome(PyObject *result) {
  if (result) {
    Py_DECREF(result);
    return RKH_EXIT_OK;
  }
  if (PyErr_ExceptionMatches(PyExc_SystemExit)) return rkh_py_system_exit();
  int status = PyErr_ExceptionMatches(PyExc_KeyboardInterrupt) ? RKH_EXIT_INTERRUPTED
                                                                 : RKH_EXIT_SCRIPT_ERROR;
  PyErr_Print();
  return status;
}

static PyObject *rkh_py_run_file(const char *path, PyObject *globals) {
  FILE *f = fopen(path, "rb");
  if (!f) return PyErr_SetFromErrnoWithFilename(PyExc_OSError, path);
  PyObject *file = PyUnicode_DecodeFSDefault(path);
  if (!file || PyDict_SetItemString(globals, "__file__", file) != 0 ||
      PyDict_SetItemString(globals, "__cached__", Py_None) != 0) {
    Py_XDECREF(file);
    fclose(f);
    return NULL;
  }
  Py_DECREF(file);
  return PyRun_FileExFlags(f, path, Py_file_input, globals, globals, 1, NULL);
}

static int rkh_py_execute(const rkh_job_t *job) {
  if (rkh_py_set_path(job) != 0) return rkh_py_outcome(NULL);
  PyObject *main_module = PyImport_AddModule("__main__"); /* borrowed */
  if (!main_module) return rkh_py_outcome(NULL);
  PyObject *globals = PyModule_GetDict(main_module);   /* borrowed */
  if (job->source == RKH_SOURCE_FILE) return rkh_py_outcome(rkh_py_run_file(job->text, globals));
  return rkh_py_outcome(PyRun_StringFlags(job->text, Py_file_input, globals, globals, NULL));
}

int rkh_python_run(const rkh_job_t *job) {
  if (PyImport_AppendInittab("ringkernel._ringkernel", PyInit__ringkernel) != 0) {
    fputs("rkhost: cannot register the built-in module ringkernel._ringkernel\n", stderr);
    return RKH_EXIT_SCRIPT_ERROR;
  }
  if (rkh_py_initialize(job) != 0) return RKH_EXIT_SCRIPT_ERROR;
  int status = rkh_py_execute(job);
  /* Finalisation joins non-daemon threads, runs atexit handlers and destroys the
   * script's objects, which shuts its runtimes down. Failing to flush stdout there is
   * an error, as in `python3` (status 120). */
  if (Py_FinalizeEx() < 0 && status == RKH_EXIT_OK) status = 120;
  return status;
}

const char *rkh_python_version(void) { return PY_VERSION; }
