/* rkhost.c — the command line: decide what to run, check it can be read, hand it to the
 * interpreter of its language. Anything wrong with the command itself is one line on
 * stderr and exit 2, before an interpreter starts.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "host_internal.h"

typedef enum rkh_language { RKH_LANG_UNKNOWN, RKH_LANG_LUA, RKH_LANG_PYTHON } rkh_language_t;

static const char rkh_usage_text[] =
    "usage: rkhost SCRIPT.lua|SCRIPT.py [ARG...]   run a Lua or Python script\n"
    "       rkhost -e CODE [ARG...]                run Lua code\n"
    "       rkhost -c CODE [ARG...]                run Python code\n"
    "       rkhost info                            build features, backends, devices\n"
    "       rkhost --version | --help\n"
    "\n"
    "Scripts see their arguments as `arg` (Lua: arg[0] is the script, or \"-e\") and\n"
    "sys.argv (Python: sys.argv[0] is the script, or \"-c\"). `require \"ringkernel\"` and\n"
    "`import ringkernel` load the runtime built into this program.\n"
    "Exit status: the script's own, 1 when it raised an error, 2 for a bad command\n"
    "line or an unreadable script, 130 when interrupted with Ctrl-C.\n"
    "Environment: RINGKERNEL_PYTHONPATH overrides where the Python package is found.\n";

int rkh_usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("rkhost: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return RKH_EXIT_USAGE;
}

static bool rkh_ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n > m && strcmp(s + n - m, suffix) == 0;
}

static rkh_language_t rkh_language_of(const char *path) {
  if (rkh_ends_with(path, ".lua")) return RKH_LANG_LUA;
  if (rkh_ends_with(path, ".py")) return RKH_LANG_PYTHON;
  return RKH_LANG_UNKNOWN;
}

/* A script must be a regular file we can open; checked here so the message is ours and
 * no interpreter starts for nothing. */
static int rkh_check_readable(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0)
    return rkh_usage_error("cannot open '%s': %s", path, strerror(errno));
  if (!S_ISREG(st.st_mode))
    return rkh_usage_error("cannot run '%s': not a regular file", path);
  FILE *f = fopen(path, "rb");
  if (!f) return rkh_usage_error("cannot open '%s': %s", path, strerror(errno));
  fclose(f);
  return RKH_EXIT_OK;
}

static int rkh_run(rkh_language_t lang, const rkh_job_t *job) {
  return lang == RKH_LANG_LUA ? rkh_lua_run(job) : rkh_python_run(job);
}

/* -e CODE / -c CODE: the code is argv[1]; what follows belongs to the script. */
static int rkh_run_code(rkh_language_t lang, const char *flag, int argc, char **argv) {
  if (argc < 3) return rkh_usage_error("option %s needs an argument (CODE)", flag);
  rkh_job_t job = {argv[0], RKH_SOURCE_CODE, argv[2], argc - 3, argv + 3};
  return rkh_run(lang, &job);
}

static int rkh_run_script(int argc, char **argv, int script_index) {
  const char *path = argv[script_index];
  rkh_language_t lang = rkh_language_of(path);
  if (lang == RKH_LANG_UNKNOWN)
    return rkh_usage_error("cannot tell the language of '%s': expected a .lua or .py file",
                           path);
  int rc = rkh_check_readable(path);
  if (rc != RKH_EXIT_OK) return rc;
  rkh_job_t job = {argv[0], RKH_SOURCE_FILE, path, argc - script_index - 1,
                   argv + script_index + 1};
  return rkh_run(lang, &job);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs(rkh_usage_text, stderr);
    return RKH_EXIT_USAGE;
  }
  const char *first = argv[1];
  bool help = strcmp(first, "--help") == 0 || strcmp(first, "-h") == 0;
  bool version = strcmp(first, "--version") == 0;
  bool info = strcmp(first, "info") == 0;
  if (help || version || info) {
    if (argc > 2) return rkh_usage_error("'%s' takes no arguments (got '%s')", first, argv[2]);
    if (info) return rkh_info_print(stdout);
    if (version) rkh_version_print(stdout);
    if (help) fputs(rkh_usage_text, stdout);
    return RKH_EXIT_OK;
  }
  if (strcmp(first, "-e") == 0) return rkh_run_code(RKH_LANG_LUA, first, argc, argv);
  if (strcmp(first, "-c") == 0) return rkh_run_code(RKH_LANG_PYTHON, first, argc, argv);
  if (strcmp(first, "--") == 0) {
    if (argc < 3) return rkh_usage_error("'--' must be followed by a script");
    return rkh_run_script(argc, argv, 2);
  }
  if (first[0] == '-' && first[1] != '\0')
    return rkh_usage_error("unknown option '%s' (try 'rkhost --help')", first);
  return rkh_run_script(argc, argv, 1);
}
