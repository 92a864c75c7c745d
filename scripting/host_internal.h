/* host_internal.h — what rkhost's source files share: the job the command line asks
 * for, the exit codes, and one entry point per embedded language.
 *
 * Each language lives in host_<lang>.c; when the host is built without that interpreter
 * host_<lang>_none.c stands in and answers every request with a clear "built without"
 * error (exit 2). Only one interpreter is ever started in a process: the one the job
 * names. Internal names use the rkh_ prefix (rkhost-internal, not part of the library).
 */
#ifndef RKH_HOST_INTERNAL_H
#define RKH_HOST_INTERNAL_H

#include <stdio.h>

/* A script's own exit status passes through unchanged; these are rkhost's. */
enum {
  RKH_EXIT_OK = 0,
  RKH_EXIT_SCRIPT_ERROR = 1,  /* the script raised; its traceback is on stderr */
  RKH_EXIT_USAGE = 2,         /* bad flag, unreadable file, unknown extension, no such
                                 interpreter built in */
  RKH_EXIT_INTERRUPTED = 130, /* SIGINT (128 + 2), after an orderly shutdown */
};

typedef enum rkh_source {
  RKH_SOURCE_FILE, /* `text` is the path of a script that was checked to be readable */
  RKH_SOURCE_CODE, /* `text` is code given with -e (Lua) or -c (Python) */
} rkh_source_t;

typedef struct rkh_job {
  const char *program; /* rkhost's own argv[0] */
  rkh_source_t source;
  const char *text;
  int argc;            /* arguments for the script, after the script or code */
  char **argv;
} rkh_job_t;

/* Run the job in a fresh interpreter, shut it down, and return the exit status. Called
 * once per process, from the main thread; blocks until the script ends. */
int rkh_lua_run(const rkh_job_t *job);
int rkh_python_run(const rkh_job_t *job);

/* "LuaJIT 2.1.x" / "3.11.7", or NULL when rkhost is built without that interpreter. */
const char *rkh_lua_version(void);
const char *rkh_python_version(void);

/* One line: "rkhost <version> (LuaJIT x, Python y, CUDA z|no CUDA)". */
void rkh_version_print(FILE *out);
/* The `info` command: build features, backends, CUDA devices (or why none). Returns the
 * exit status. May take a moment: the first CUDA query initialises the driver. */
int rkh_info_print(FILE *out);

/* One line "rkhost: <message>" on stderr; returns RKH_EXIT_USAGE for `return` chains. */
int rkh_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* SIGINT while a script runs. The first signal records itself and calls `on_interrupt`
 * in signal context (so it may only do async-signal-safe work, e.g. arm a Lua hook); a
 * second one before the script has stopped falls back to the default action, so a
 * script that never reaches a check point can still be killed from the keyboard. */
typedef void (*rkh_interrupt_fn)(void);
/* Called on the thread that runs the script; the handler forwards signals that land on
 * other threads to it. */
void rkh_sigint_install(rkh_interrupt_fn on_interrupt);
/* Puts back the handler that was there before rkh_sigint_install. */
void rkh_sigint_restore(void);

#endif /* RKH_HOST_INTERNAL_H */
