/* lua_message.c — MessageId, CorrelationId, Priority, MessageHeader, MessageEnvelope.
 *
 * Headers are immutable copies of the 256-byte wire header; builders (with_priority,
 * with_correlation) return new headers. An envelope is one userdata holding its header
 * and a copy of the payload inline, so it owns nothing outside the Lua heap; payloads are
 * Lua strings in and out.
 */
#include <stdio.h>
#include <string.h>

#include "lua_util.h"
#include "ringkernel/message.h"

typedef struct rkl_id {
  uint64_t value;
} rkl_id_t;

typedef struct rkl_envelope {
  rk_message_header_t h;
  size_t len;
  char payload[];
} rkl_envelope_t;

static const rkl_class_t rkl_message_id_class;
static const rkl_class_t rkl_correlation_id_class;
static const rkl_class_t rkl_header_class;
static const rkl_class_t rkl_envelope_class;

/* ---- Priority -------------------------------------------------------------------------- */

static int rkl_priority_from_int(lua_State *L) {
  static const char *const names[] = {"value", NULL};
  rkl_args(L, "Priority.from_int", 1, names, false);
  if (lua_type(L, 1) != LUA_TNUMBER)
    return rkl_error(L, "TypeError", "priority must be an int, got %s", luaL_typename(L, 1));
  double v = lua_tonumber(L, 1);
  char num[48];
  if (!(v >= 0 && v <= 3) || v != (double)(int)v)
    return rkl_error(L, "ValueError", "priority must be 0..3, got %s",
                     rkl_num_text(num, sizeof num, v));
  rkl_enum_push(L, &rkl_priority_enum, (int64_t)v);
  return 1;
}

static const rkl_enum_member_t rkl_priority_members[] = {
    {"Low", RK_PRIORITY_LOW},
    {"Normal", RK_PRIORITY_NORMAL},
    {"High", RK_PRIORITY_HIGH},
    {"Critical", RK_PRIORITY_CRITICAL},
    {NULL, 0},
};
static const luaL_Reg rkl_priority_statics[] = {{"from_int", rkl_priority_from_int}, {NULL, NULL}};
const rkl_enum_t rkl_priority_enum = {"Priority", rkl_priority_members, NULL, NULL,
                                      rkl_priority_statics};

/* ---- MessageId / CorrelationId ---------------------------------------------------------- */

static void rkl_push_id(lua_State *L, const rkl_class_t *cls, uint64_t v) {
  ((rkl_id_t *)rkl_new(L, cls))->value = v;
}

static int rkl_id_new(lua_State *L, const rkl_class_t *cls) {
  static const char *const names[] = {"value", NULL};
  rkl_args(L, cls->name, 1, names, false);
  rkl_push_id(L, cls, rkl_check_u64(L, 1, "value", UINT64_MAX));
  return 1;
}

static int rkl_mid_new(lua_State *L) {
  return rkl_id_new(L, &rkl_message_id_class);
}
static int rkl_cid_new(lua_State *L) {
  return rkl_id_new(L, &rkl_correlation_id_class);
}

static int rkl_mid_generate(lua_State *L) {
  rkl_push_id(L, &rkl_message_id_class, rk_message_id_generate());
  return 1;
}

static int rkl_cid_generate(lua_State *L) {
  rkl_push_id(L, &rkl_correlation_id_class, rk_message_id_generate());
  return 1;
}

static int rkl_cid_none(lua_State *L) {
  rkl_push_id(L, &rkl_correlation_id_class, 0);
  return 1;
}

static int rkl_mid_value(lua_State *L) {
  rkl_push_u64(L, ((rkl_id_t *)rkl_self(L, &rkl_message_id_class))->value);
  return 1;
}

static int rkl_cid_value(lua_State *L) {
  uint64_t v = ((rkl_id_t *)rkl_self(L, &rkl_correlation_id_class))->value;
  if (v == 0)
    lua_pushnil(L);
  else
    rkl_push_u64(L, v);
  return 1;
}

static int rkl_cid_is_some(lua_State *L) {
  lua_pushboolean(L, ((rkl_id_t *)rkl_self(L, &rkl_correlation_id_class))->value != 0);
  return 1;
}

/* Python's str(MessageId): msg: + 16 hex digits. */
static int rkl_mid_str(lua_State *L) {
  char buf[32];
  snprintf(buf, sizeof buf, "msg:%016llx",
           (unsigned long long)((rkl_id_t *)rkl_self(L, &rkl_message_id_class))->value);
  lua_pushstring(L, buf);
  return 1;
}

static int rkl_mid_tostring(lua_State *L) {
  char buf[48];
  snprintf(buf, sizeof buf, "MessageId(%llu)",
           (unsigned long long)((rkl_id_t *)lua_touserdata(L, 1))->value);
  lua_pushstring(L, buf);
  return 1;
}

static int rkl_cid_tostring(lua_State *L) {
  uint64_t v = ((rkl_id_t *)lua_touserdata(L, 1))->value;
  char buf[48];
  if (v == 0)
    snprintf(buf, sizeof buf, "CorrelationId.none()");
  else
    snprintf(buf, sizeof buf, "CorrelationId(%llu)", (unsigned long long)v);
  lua_pushstring(L, buf);
  return 1;
}

/* MessageId and CorrelationId share these metamethods, so Lua calls them for mixed
 * pairs too: ids of different classes are never equal. */
static int rkl_id_eq(lua_State *L) {
  lua_getmetatable(L, 1);
  lua_getmetatable(L, 2);
  bool same_class = lua_rawequal(L, -1, -2);
  lua_pushboolean(L, same_class && ((rkl_id_t *)lua_touserdata(L, 1))->value ==
                                       ((rkl_id_t *)lua_touserdata(L, 2))->value);
  return 1;
}

static int rkl_id_lt(lua_State *L) {
  rkl_id_t *a = lua_touserdata(L, 1), *b = lua_touserdata(L, 2);
  if (a == NULL || b == NULL) return rkl_error(L, "TypeError", "ids compare only with ids");
  lua_pushboolean(L, a->value < b->value);
  return 1;
}

static const luaL_Reg rkl_id_meta[] = {{"__eq", rkl_id_eq}, {"__lt", rkl_id_lt}, {NULL, NULL}};
static const luaL_Reg rkl_mid_methods[] = {{"str", rkl_mid_str}, {NULL, NULL}};
static const luaL_Reg rkl_mid_getters[] = {{"value", rkl_mid_value}, {NULL, NULL}};
static const luaL_Reg rkl_mid_statics[] = {{"generate", rkl_mid_generate}, {NULL, NULL}};
static const rkl_class_t rkl_message_id_class = {
    "MessageId",     sizeof(rkl_id_t), rkl_mid_new, rkl_mid_methods,
    rkl_mid_getters, rkl_mid_statics,  rkl_id_meta, rkl_mid_tostring,
};
static const luaL_Reg rkl_cid_methods[] = {{"is_some", rkl_cid_is_some}, {NULL, NULL}};
static const luaL_Reg rkl_cid_getters[] = {{"value", rkl_cid_value}, {NULL, NULL}};
static const luaL_Reg rkl_cid_statics[] = {
    {"generate", rkl_cid_generate}, {"none", rkl_cid_none}, {NULL, NULL}};
static const rkl_class_t rkl_correlation_id_class = {
    "CorrelationId", sizeof(rkl_id_t), rkl_cid_new, rkl_cid_methods,
    rkl_cid_getters, rkl_cid_statics,  rkl_id_meta, rkl_cid_tostring,
};

void rkl_push_message_id(lua_State *L, uint64_t id) {
  rkl_push_id(L, &rkl_message_id_class, id);
}

/* A CorrelationId, MessageId, integer or nil (none). */
static uint64_t rkl_check_correlation(lua_State *L, int idx) {
  rkl_id_t *id = rkl_test(L, idx, &rkl_correlation_id_class);
  if (id == NULL) id = rkl_test(L, idx, &rkl_message_id_class);
  if (id != NULL) return id->value;
  return rkl_opt_u64(L, idx, "correlation id", UINT64_MAX, 0);
}

/* ---- MessageHeader ---------------------------------------------------------------------- */

static void rkl_push_header(lua_State *L, const rk_message_header_t *hdr) {
  *(rk_message_header_t *)rkl_new(L, &rkl_header_class) = *hdr;
}

static rk_message_header_t *rkl_hdr_self(lua_State *L) {
  return rkl_self(L, &rkl_header_class);
}

static int rkl_hdr_new(lua_State *L) {
  static const char *const names[] = {"type_id",      "source_kernel", "dest_kernel",
                                      "payload_size", "timestamp",     NULL};
  rkl_args(L, "MessageHeader.new", 1, names, false);
  uint64_t type = rkl_check_u64(L, 1, "type_id", UINT64_MAX);
  uint64_t src = rkl_check_u64(L, 2, "source_kernel", UINT64_MAX);
  uint64_t dst = rkl_check_u64(L, 3, "dest_kernel", UINT64_MAX);
  uint64_t size = rkl_check_u64(L, 4, "payload_size", UINT64_MAX);
  rk_hlc_timestamp_t ts = rkl_check_timestamp(L, 5, "timestamp");
  rk_message_header_t h;
  rk_message_header_init(&h, type, src, dst, size, ts);
  rkl_push_header(L, &h);
  return 1;
}

static int rkl_hdr_validate(lua_State *L) {
  rk_status_t st = rk_message_header_validate(rkl_hdr_self(L));
  if (st != RK_OK) return rkl_error_status(L, st);
  lua_pushboolean(L, 1);
  return 1;
}

static int rkl_hdr_with_correlation(lua_State *L) {
  rk_message_header_t h = *rkl_hdr_self(L);
  static const char *const names[] = {"correlation_id", NULL};
  rkl_args(L, "MessageHeader.with_correlation", 2, names, false);
  h.correlation_id = rkl_check_correlation(L, 2);
  rkl_push_header(L, &h);
  return 1;
}

static int rkl_hdr_with_priority(lua_State *L) {
  rk_message_header_t h = *rkl_hdr_self(L);
  static const char *const names[] = {"priority", NULL};
  rkl_args(L, "MessageHeader.with_priority", 2, names, false);
  h.priority = (uint8_t)rkl_enum_check(L, 2, &rkl_priority_enum, "priority");
  rkl_push_header(L, &h);
  return 1;
}

static int rkl_hdr_to_bytes(lua_State *L) {
  lua_pushlstring(L, (const char *)rkl_hdr_self(L), RK_HEADER_SIZE);
  return 1;
}

#define RKL_HDR_U64_GETTER(fname, field)                                                           \
  static int fname(lua_State *L) {                                                                 \
    rkl_push_u64(L, rkl_hdr_self(L)->field);                                                       \
    return 1;                                                                                      \
  }
RKL_HDR_U64_GETTER(rkl_hdr_magic, magic)
RKL_HDR_U64_GETTER(rkl_hdr_version, version)
RKL_HDR_U64_GETTER(rkl_hdr_flags, flags)
RKL_HDR_U64_GETTER(rkl_hdr_src, source_kernel)
RKL_HDR_U64_GETTER(rkl_hdr_dst, dest_kernel)
RKL_HDR_U64_GETTER(rkl_hdr_type, message_type)
RKL_HDR_U64_GETTER(rkl_hdr_size, payload_size)
RKL_HDR_U64_GETTER(rkl_hdr_checksum, checksum)

static int rkl_hdr_message_id(lua_State *L) {
  rkl_push_id(L, &rkl_message_id_class, rkl_hdr_self(L)->message_id);
  return 1;
}

static int rkl_hdr_correlation_id(lua_State *L) {
  rkl_push_id(L, &rkl_correlation_id_class, rkl_hdr_self(L)->correlation_id);
  return 1;
}

static int rkl_hdr_priority(lua_State *L) {
  rkl_enum_push(L, &rkl_priority_enum, rkl_hdr_self(L)->priority);
  return 1;
}

static int rkl_hdr_timestamp(lua_State *L) {
  rkl_push_timestamp(L, rkl_hdr_self(L)->timestamp);
  return 1;
}

static int rkl_hdr_deadline(lua_State *L) {
  rkl_push_timestamp(L, rkl_hdr_self(L)->deadline);
  return 1;
}

static int rkl_hdr_tostring(lua_State *L) {
  const rk_message_header_t *h = lua_touserdata(L, 1);
  char buf[160];
  snprintf(buf, sizeof buf, "MessageHeader(type=%llu, src=%llu, dst=%llu, size=%llu)",
           (unsigned long long)h->message_type, (unsigned long long)h->source_kernel,
           (unsigned long long)h->dest_kernel, (unsigned long long)h->payload_size);
  lua_pushstring(L, buf);
  return 1;
}

static int rkl_hdr_eq(lua_State *L) {
  lua_pushboolean(
      L, memcmp(lua_touserdata(L, 1), lua_touserdata(L, 2), sizeof(rk_message_header_t)) == 0);
  return 1;
}

static const luaL_Reg rkl_hdr_methods[] = {
    {"validate", rkl_hdr_validate},
    {"with_correlation", rkl_hdr_with_correlation},
    {"with_priority", rkl_hdr_with_priority},
    {"to_bytes", rkl_hdr_to_bytes},
    {NULL, NULL},
};
static const luaL_Reg rkl_hdr_getters[] = {
    {"magic", rkl_hdr_magic},
    {"version", rkl_hdr_version},
    {"flags", rkl_hdr_flags},
    {"message_id", rkl_hdr_message_id},
    {"correlation_id", rkl_hdr_correlation_id},
    {"source_kernel", rkl_hdr_src},
    {"dest_kernel", rkl_hdr_dst},
    {"message_type", rkl_hdr_type},
    {"priority", rkl_hdr_priority},
    {"payload_size", rkl_hdr_size},
    {"checksum", rkl_hdr_checksum},
    {"timestamp", rkl_hdr_timestamp},
    {"deadline", rkl_hdr_deadline},
    {NULL, NULL},
};
static const luaL_Reg rkl_hdr_statics[] = {{"new", rkl_hdr_new}, {NULL, NULL}};
static const luaL_Reg rkl_hdr_meta[] = {{"__eq", rkl_hdr_eq}, {NULL, NULL}};
static const rkl_class_t rkl_header_class = {
    "MessageHeader",
    sizeof(rk_message_header_t),
    NULL,
    rkl_hdr_methods,
    rkl_hdr_getters,
    rkl_hdr_statics,
    rkl_hdr_meta,
    rkl_hdr_tostring,
};

/* ---- MessageEnvelope -------------------------------------------------------------------- */

void rkl_push_envelope(lua_State *L, const rk_message_header_t *hdr, const void *payload,
                       size_t len) {
  rkl_envelope_t *e = lua_newuserdata(L, sizeof *e + len);
  e->h = *hdr; /* with len, every byte of *e: the header is a padding-free wire layout */
  e->len = len;
  if (len) memcpy(e->payload, payload, len);
  lua_pushlightuserdata(L, (void *)&rkl_envelope_class);
  lua_rawget(L, LUA_REGISTRYINDEX);
  lua_setmetatable(L, -2);
}

void rkl_push_message(lua_State *L, rk_message_t *msg) {
  /* Only an out-of-memory error can raise here; msg then leaks rather than dangles. */
  rkl_push_envelope(L, rk_message_header(msg), rk_message_payload(msg),
                    rk_message_payload_size(msg));
  rk_message_free(msg);
}

const rk_message_header_t *rkl_check_envelope(lua_State *L, int idx, const char *what,
                                              const char **payload, size_t *len) {
  rkl_envelope_t *e = rkl_check(L, idx, &rkl_envelope_class, what);
  *payload = e->payload;
  *len = e->len;
  return &e->h;
}

static rkl_envelope_t *rkl_env_self(lua_State *L) {
  return rkl_self(L, &rkl_envelope_class);
}

static int rkl_env_from_bytes(lua_State *L) {
  static const char *const names[] = {"header", "payload", NULL};
  rkl_args(L, "MessageEnvelope.from_bytes", 1, names, false);
  const rk_message_header_t *h = rkl_check(L, 1, &rkl_header_class, "header");
  size_t len;
  const char *p = rkl_check_string(L, 2, "payload", &len);
  if (len > RK_MAX_PAYLOAD_SIZE)
    return rkl_error(L, "ValueError", "payload %zu bytes > max %d", len, RK_MAX_PAYLOAD_SIZE);
  rk_message_header_t copy = *h;
  copy.payload_size = len;
  rkl_push_envelope(L, &copy, p, len);
  return 1;
}

static int rkl_env_empty(lua_State *L) {
  static const char *const names[] = {"source_kernel", "dest_kernel", "timestamp", NULL};
  rkl_args(L, "MessageEnvelope.empty", 1, names, false);
  uint64_t src = rkl_check_u64(L, 1, "source_kernel", UINT64_MAX);
  uint64_t dst = rkl_check_u64(L, 2, "dest_kernel", UINT64_MAX);
  rk_hlc_timestamp_t ts = rkl_check_timestamp(L, 3, "timestamp");
  rk_message_header_t h;
  rk_message_header_init(&h, 0, src, dst, 0, ts);
  rkl_push_envelope(L, &h, NULL, 0);
  return 1;
}

static int rkl_env_from_raw_bytes(lua_State *L) {
  static const char *const names[] = {"data", NULL};
  rkl_args(L, "MessageEnvelope.from_raw_bytes", 1, names, false);
  size_t len;
  const char *data = rkl_check_string(L, 1, "data", &len);
  rk_message_header_t h;
  const void *payload;
  size_t plen;
  rk_status_t st = rk_envelope_parse(data, len, &h, &payload, &plen);
  if (st != RK_OK) return rkl_error_status(L, st);
  rkl_push_envelope(L, &h, payload, plen);
  return 1;
}

static int rkl_env_to_bytes(lua_State *L) {
  rkl_envelope_t *e = rkl_env_self(L);
  size_t cap = RK_HEADER_SIZE + e->len, written = 0;
  char *buf = lua_newuserdata(L, cap); /* scratch on the Lua heap: nothing leaks on raise */
  rk_status_t st = rk_envelope_serialize(&e->h, e->payload, e->len, buf, cap, &written);
  if (st != RK_OK) return rkl_error_status(L, st);
  lua_pushlstring(L, buf, written);
  return 1;
}

static int rkl_env_header(lua_State *L) {
  rkl_push_header(L, &rkl_env_self(L)->h);
  return 1;
}

static int rkl_env_payload(lua_State *L) {
  rkl_envelope_t *e = rkl_env_self(L);
  lua_pushlstring(L, e->payload, e->len);
  return 1;
}

static int rkl_env_total_size(lua_State *L) {
  lua_pushnumber(L, (lua_Number)(RK_HEADER_SIZE + rkl_env_self(L)->len));
  return 1;
}

static int rkl_env_tostring(lua_State *L) {
  rkl_envelope_t *e = lua_touserdata(L, 1);
  char buf[160];
  snprintf(buf, sizeof buf, "MessageEnvelope(type=%llu, src=%llu, dst=%llu, size=%zu)",
           (unsigned long long)e->h.message_type, (unsigned long long)e->h.source_kernel,
           (unsigned long long)e->h.dest_kernel, e->len);
  lua_pushstring(L, buf);
  return 1;
}

static int rkl_env_len(lua_State *L) {
  lua_pushnumber(L, (lua_Number)((rkl_envelope_t *)lua_touserdata(L, 1))->len);
  return 1;
}

static const luaL_Reg rkl_env_methods[] = {
    {"to_bytes", rkl_env_to_bytes},
    {"payload_view", rkl_env_payload},
    {NULL, NULL},
};
static const luaL_Reg rkl_env_getters[] = {
    {"header", rkl_env_header},
    {"payload", rkl_env_payload},
    {"total_size", rkl_env_total_size},
    {NULL, NULL},
};
static const luaL_Reg rkl_env_statics[] = {
    {"from_bytes", rkl_env_from_bytes},
    {"empty", rkl_env_empty},
    {"from_raw_bytes", rkl_env_from_raw_bytes},
    {NULL, NULL},
};
static const luaL_Reg rkl_env_meta[] = {{"__len", rkl_env_len}, {NULL, NULL}};
static const rkl_class_t rkl_envelope_class = {
    "MessageEnvelope", sizeof(rkl_envelope_t), NULL,         rkl_env_methods,
    rkl_env_getters,   rkl_env_statics,        rkl_env_meta, rkl_env_tostring,
};

void rkl_open_message(lua_State *L, int mod) {
  rkl_enum_register(L, &rkl_priority_enum, mod);
  rkl_class_register(L, &rkl_message_id_class, mod);
  rkl_class_register(L, &rkl_correlation_id_class, mod);
  rkl_class_register(L, &rkl_header_class, mod);
  rkl_class_register(L, &rkl_envelope_class, mod);
}
