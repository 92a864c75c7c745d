/* lua_util.h — what every file of the Lua binding shares (rkl_* prefix).
 *
 * The binding mirrors the Python package (docs/lua.md states the naming rule). Objects
 * are full userdata whose metatables come from one class descriptor each (rkl_class_t):
 * instance methods are called with ':', properties read as fields, class functions live
 * in the class table and calling the class table constructs. Enum members are
 * singleton userdata (rkl_enum_t), so `==` is identity and `<` compares values.
 *
 * Errors are raised as values (tables with `kind`, `message` and a __tostring giving
 * "Kind: message"), never as bare strings, so pcall callers can tell them apart; the
 * kinds and their parents are the Python exception hierarchy (lua_error.c).
 *
 * Every rkl_check_* / rkl_error* function may raise (longjmp): callers must not hold
 * malloc'd memory or locks across them.
 */
#ifndef RK_LUA_UTIL_H
#define RK_LUA_UTIL_H

#include <lauxlib.h>
#include <lua.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ringkernel/hlc.h"
#include "ringkernel/kernel.h"
#include "ringkernel/message.h"
#include "ringkernel/queue.h"
#include "ringkernel/status.h"

/* ---- errors (lua_error.c) -------------------------------------------------------------- */

/* Raises an error value of `kind` ("ValueError", "KernelStateError", ...). Never returns;
 * the int return lets call sites write `return rkl_error(...)`. */
int rkl_error(lua_State *L, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Raises the kind spec §2 maps `status` to (the same table as the Python binding's
 * rkpy_raise_status), with rk_last_error() as the message. */
int rkl_error_status(lua_State *L, rk_status_t status);
/* Same with an explicit kind (e.g. QueueEmptyError for an empty RK_EAGAIN). */
int rkl_error_status_as(lua_State *L, const char *kind, rk_status_t status);
/* Creates rk.exceptions, the top-level kind objects and rk.is_error in table `mod`. */
void rkl_open_errors(lua_State *L, int mod);

/* Pushes a new table holding regs' functions by name (NULL regs: an empty table). Used by
 * classes and enums alike (lua_class.c). */
void rkl_push_reg_table(lua_State *L, const luaL_Reg *regs);

/* __index closure body shared by class instances and enum members: upvalue 2 holds the
 * getters (called with the object), upvalue 1 the methods (lua_class.c). */
int rkl_instance_index(lua_State *L);

/* Sets t.__methods = m and t.__getters = g (stack indices): the tables rk.members lists
 * for a class or enum (lua_class.c). */
void rkl_set_member_tables(lua_State *L, int t, int m, int g);

/* ---- classes (lua_class.c) ------------------------------------------------------------- */

typedef struct rkl_class {
  const char *name;        /* Python class name */
  size_t size;             /* userdata size */
  lua_CFunction ctor;      /* rk.Name(...): arguments start at 1; NULL = not callable */
  const luaL_Reg *methods; /* instance methods (self at 1) */
  const luaL_Reg *getters; /* properties: self at 1, push the value */
  const luaL_Reg *statics; /* class functions, called with '.' */
  const luaL_Reg *meta;    /* extra metamethods: __gc, __eq, __lt, __le, __len */
  lua_CFunction tostring;  /* Python's repr */
} rkl_class_t;

/* Creates the metatable and the class table, and stores the class table as mod[name]. */
void rkl_class_register(lua_State *L, const rkl_class_t *cls, int mod);
/* Pushes a new zeroed userdata of the class. */
void *rkl_new(lua_State *L, const rkl_class_t *cls);
/* The userdata at idx when it is of the class, else NULL. */
void *rkl_test(lua_State *L, int idx, const rkl_class_t *cls);
/* The userdata at idx, or TypeError "<what> must be <Class>, got <type>". */
void *rkl_check(lua_State *L, int idx, const rkl_class_t *cls, const char *what);
/* `self` of an instance method: TypeError hinting at ':' when missing. */
void *rkl_self(lua_State *L, const rkl_class_t *cls);
/* Registers rk.members(cls): the sorted names of a class's or enum's statics, methods
 * and properties (what the parity test compares with Python's dir()). */
void rkl_open_members(lua_State *L, int mod);

/* ---- enums (lua_enum.c) ---------------------------------------------------------------- */

typedef struct rkl_enum_member {
  const char *name;
  int64_t value;
} rkl_enum_member_t;

typedef struct rkl_enum {
  const char *name;                 /* "KernelState"; tostring gives "KernelState.Active" */
  const rkl_enum_member_t *members; /* terminated by a NULL name, in value order */
  const luaL_Reg *methods;          /* member methods (self at 1) */
  const luaL_Reg *getters;          /* member properties besides name and value */
  const luaL_Reg *statics;          /* enum functions: from_int, for_throughput, ... */
} rkl_enum_t;

/* Creates the members and the enum table mod[name] (members by name and in order at
 * 1..n, so ipairs iterates them; calling the table maps a value to its member). */
void rkl_enum_register(lua_State *L, const rkl_enum_t *e, int mod);
/* Pushes the member with `value`; ValueError when there is none. */
void rkl_enum_push(lua_State *L, const rkl_enum_t *e, int64_t value);
/* Pushes the member or nil when there is none. */
void rkl_enum_push_or_nil(lua_State *L, const rkl_enum_t *e, int64_t value);
/* Accepts a member of `e`, its integer value or its name; TypeError / ValueError naming
 * `what` otherwise. */
int64_t rkl_enum_check(lua_State *L, int idx, const rkl_enum_t *e, const char *what);
/* The value of the member of `e` at index 1 (self of a member method), or TypeError. */
int64_t rkl_enum_self(lua_State *L, const rkl_enum_t *e);

/* ---- arguments (lua_args.c) ------------------------------------------------------------ */

/* Normalises a call's arguments so parameter i (0-based) sits at stack index first + i.
 * Parameters come positionally or as ONE table of named arguments (a table without
 * metatable whose keys are all strings; when list_first is true a table with no string
 * key is the first positional argument instead, for functions taking a list). Raises
 * TypeError for unknown names or too many arguments. `names` is NULL-terminated. */
void rkl_args(lua_State *L, const char *fn, int first, const char *const *names, bool list_first);

/* Strict checkers: each raises TypeError (wrong type) or ValueError (out of range) with a
 * message naming `what` and the limit. The opt_ forms return `def` for nil. */
uint64_t rkl_check_u64(lua_State *L, int idx, const char *what, uint64_t max);
uint64_t rkl_opt_u64(lua_State *L, int idx, const char *what, uint64_t max, uint64_t def);
int64_t rkl_check_i64(lua_State *L, int idx, const char *what, int64_t min, int64_t max);
double rkl_check_double(lua_State *L, int idx, const char *what, double lo, double hi);
double rkl_opt_double(lua_State *L, int idx, const char *what, double lo, double hi, double def);
bool rkl_check_bool(lua_State *L, int idx, const char *what);
bool rkl_opt_bool(lua_State *L, int idx, const char *what, bool def);
const char *rkl_check_string(lua_State *L, int idx, const char *what, size_t *len);
/* A finite non-negative duration in seconds → nanoseconds (saturated); nil → def_ns. */
int64_t rkl_opt_timeout(lua_State *L, int idx, const char *what, int64_t def_ns);
/* A Lua array of finite numbers (1..n) copied into a freshly pushed userdata buffer; *n
 * gets the count. The buffer stays on the stack and the GC frees it, so a later raise
 * cannot leak it. */
double *rkl_check_number_list(lua_State *L, int idx, const char *what, size_t *n);

/* Pushes a 64-bit unsigned value: a number up to 2^53, a uint64_t cdata above. */
void rkl_push_u64(lua_State *L, uint64_t v);
/* Loads the FFI helpers rkl_push_u64 / rkl_check_u64 use for values above 2^53. */
void rkl_open_u64(lua_State *L);

/* ---- small helpers --------------------------------------------------------------------- */

/* The type name used in messages: a class or enum name for our objects, else Lua's
 * (lua_args.c). */
const char *rkl_typename(lua_State *L, int idx);

/* A number as error messages show it: "nan", "inf", integers without exponent. */
const char *rkl_num_text(char *buf, size_t cap, double d);
/* "true"/"false", as the spec's reprs print booleans. */
const char *rkl_bool_text(bool b);
/* Pushes Python's repr of a float: the shortest text that reads back exactly, fixed
 * notation for exponents -4..15 (always with a '.': "1.0"), scientific otherwise. */
void rkl_push_pyfloat(lua_State *L, double d);
/* Pushes a string quoted as Python's repr of a str would print it. */
void rkl_push_pyrepr_str(lua_State *L, const char *s, size_t len);

/* ---- values shared between areas -------------------------------------------------------- */

void rkl_push_timestamp(lua_State *L, rk_hlc_timestamp_t ts);
rk_hlc_timestamp_t rkl_check_timestamp(lua_State *L, int idx, const char *what);
void rkl_push_message_id(lua_State *L, uint64_t id);
/* Pushes a MessageEnvelope holding a copy of hdr and payload. */
void rkl_push_envelope(lua_State *L, const rk_message_header_t *hdr, const void *payload,
                       size_t len);
/* Pushes a MessageEnvelope built from an owned message, which it frees. */
void rkl_push_message(lua_State *L, rk_message_t *msg);
/* The header and payload of a MessageEnvelope at idx (borrowed from the userdata). */
const rk_message_header_t *rkl_check_envelope(lua_State *L, int idx, const char *what,
                                              const char **payload, size_t *len);
void rkl_push_queue_stats(lua_State *L, const rk_queue_stats_t *stats);
void rkl_push_queue_metrics(lua_State *L, const rk_queue_metrics_t *metrics);
extern const rkl_enum_t rkl_priority_enum;
extern const rkl_enum_t rkl_kernel_state_enum;
extern const rkl_enum_t rkl_kernel_mode_enum;
extern const rkl_enum_t rkl_queue_tier_enum;
extern const rkl_enum_t rkl_queue_health_enum;

/* ---- areas: each registers its classes, enums and functions into rk and submodules --- */

void rkl_open_hlc(lua_State *L, int mod);
void rkl_open_message(lua_State *L, int mod);
void rkl_open_runtime(lua_State *L, int mod);
void rkl_open_kernel(lua_State *L, int mod);
void rkl_open_options(lua_State *L, int mod);
void rkl_open_k2k(lua_State *L, int mod);
void rkl_open_hybrid(lua_State *L, int mod);
void rkl_open_resource(lua_State *L, int mod);
void rkl_open_queue(lua_State *L, int mod);
void rkl_open_cuda(lua_State *L, int mod);
void rkl_open_bench(lua_State *L, int mod);
void rkl_open_selftime(lua_State *L, int mod);

#endif /* RK_LUA_UTIL_H */
