/* handler_registry.c — the process-wide table of C handlers, by name.
 *
 * Small and rarely written (registration happens at start-up), so a mutex and a linear
 * table are enough; kernels copy the function pointer at launch and never look again.
 */
#include <stdlib.h>
#include <string.h>

#include "runtime_internal.h"

typedef struct entry {
  char name[RK_HANDLER_NAME_MAX + 1];
  rki_handler_t h;
  bool builtin;
} entry_t;

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static entry_t *reg;
static size_t reg_count, reg_cap;
static pthread_once_t builtins_once = PTHREAD_ONCE_INIT;

static entry_t *find(const char *name) {
  for (size_t i = 0; i < reg_count; i++)
    if (strcmp(reg[i].name, name) == 0) return &reg[i];
  return NULL;
}

static rk_status_t check_name(const char *name) {
  if (!name) return rki_fail(RK_EINVAL, "handler name is NULL");
  size_t n = strlen(name);
  if (n == 0 || n > RK_HANDLER_NAME_MAX)
    return rki_fail(RK_EINVAL, "handler name of %zu bytes: must be 1..%d", n, RK_HANDLER_NAME_MAX);
  return RK_OK;
}

static rk_status_t add(const char *name, rk_handler_fn fn, void *user, bool builtin) {
  if (strcmp(name, "script") == 0 || find(name))
    return rki_fail(RK_EEXIST, "Handler already registered: %s", name);
  if (reg_count == reg_cap) {
    size_t cap = reg_cap ? reg_cap * 2 : 16;
    entry_t *n = realloc(reg, cap * sizeof *n);
    if (!n) return rki_fail(RK_ENOMEM, "handler registry: out of memory");
    reg = n;
    reg_cap = cap;
  }
  entry_t *e = &reg[reg_count++];
  snprintf(e->name, sizeof e->name, "%s", name);
  e->h.fn = fn;
  e->h.user = user;
  e->builtin = builtin;
  return RK_OK;
}

static void load_builtins(void) {
  rki_handlers_register_builtins();
}

/* Called by handlers_builtin.c from inside the pthread_once above. */
rk_status_t rki_handler_register_builtin(const char *name, rk_handler_fn fn) {
  pthread_mutex_lock(&reg_lock);
  rk_status_t st = add(name, fn, NULL, true);
  pthread_mutex_unlock(&reg_lock);
  return st;
}

rk_status_t rk_handler_register(const char *name, rk_handler_fn fn, void *user) {
  rk_status_t st = check_name(name);
  if (st != RK_OK) return st;
  if (!fn) return rki_fail(RK_EINVAL, "handler %s: function is NULL", name);
  pthread_once(&builtins_once, load_builtins);
  pthread_mutex_lock(&reg_lock);
  st = add(name, fn, user, false);
  pthread_mutex_unlock(&reg_lock);
  return st;
}

rk_status_t rk_handler_unregister(const char *name) {
  rk_status_t st = check_name(name);
  if (st != RK_OK) return st;
  pthread_once(&builtins_once, load_builtins);
  pthread_mutex_lock(&reg_lock);
  entry_t *e = find(name);
  if (strcmp(name, "script") == 0 || (e && e->builtin)) {
    st = rki_fail(RK_EINVAL, "handler %s is built in and cannot be removed", name);
  } else if (!e) {
    st = rki_fail(RK_ENOTFOUND, "Handler not found: %s", name);
  } else {
    *e = reg[--reg_count];
  }
  pthread_mutex_unlock(&reg_lock);
  return st;
}

bool rk_handler_exists(const char *name) {
  if (!name) return false;
  if (strcmp(name, "script") == 0) return true;
  rki_handler_t h;
  return rki_handler_lookup(name, &h) == RK_OK;
}

rk_status_t rki_handler_lookup(const char *name, rki_handler_t *out) {
  pthread_once(&builtins_once, load_builtins);
  pthread_mutex_lock(&reg_lock);
  entry_t *e = find(name);
  if (e) *out = e->h;
  pthread_mutex_unlock(&reg_lock);
  return e ? RK_OK : rki_fail(RK_ENOTFOUND, "Handler not found: %s", name);
}
