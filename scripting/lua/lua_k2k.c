/* lua_k2k.c — K2KConfig, K2KStats, DeliveryStatus, DeliveryReceipt, K2KBroker.
 *
 * A K2KBroker is either standalone (rk.K2KBroker(config): owned, destroyed by __gc) or
 * the runtime's (rt:k2k_broker()): borrowed, with the RingKernel kept alive through the
 * broker's environment, so it can never outlive its runtime.
 */
#include <stdio.h>
#include <string.h>

#include "lua_runtime.h"

typedef struct rkl_broker {
  rk_k2k_broker_t *b;
  bool owned;
} rkl_broker_t;

static const rkl_class_t rkl_k2k_config_class;
static const rkl_class_t rkl_k2k_stats_class;
static const rkl_class_t rkl_receipt_class;
static const rkl_class_t rkl_broker_class;

/* ---- DeliveryStatus --------------------------------------------------------------------- */

extern const rkl_enum_t rkl_delivery_status_enum;

static int rkl_ds_is(lua_State *L, unsigned mask) {
  lua_pushboolean(L, (mask >> rkl_enum_self(L, &rkl_delivery_status_enum)) & 1u);
  return 1;
}

static int rkl_ds_is_success(lua_State *L) {
  return rkl_ds_is(L, 1u << RK_DELIVERY_DELIVERED);
}
static int rkl_ds_is_pending(lua_State *L) {
  return rkl_ds_is(L, 1u << RK_DELIVERY_PENDING);
}
static int rkl_ds_is_failure(lua_State *L) {
  return rkl_ds_is(L, ~((1u << RK_DELIVERY_DELIVERED) | (1u << RK_DELIVERY_PENDING)));
}

static const rkl_enum_member_t rkl_ds_members[] = {
    {"Delivered", RK_DELIVERY_DELIVERED},
    {"Pending", RK_DELIVERY_PENDING},
    {"NotFound", RK_DELIVERY_NOT_FOUND},
    {"QueueFull", RK_DELIVERY_QUEUE_FULL},
    {"Timeout", RK_DELIVERY_TIMEOUT},
    {"MaxHopsExceeded", RK_DELIVERY_MAX_HOPS_EXCEEDED},
    {"TenantMismatch", RK_DELIVERY_TENANT_MISMATCH},
    {NULL, 0},
};
static const luaL_Reg rkl_ds_methods[] = {
    {"is_success", rkl_ds_is_success},
    {"is_pending", rkl_ds_is_pending},
    {"is_failure", rkl_ds_is_failure},
    {NULL, NULL},
};
const rkl_enum_t rkl_delivery_status_enum = {"DeliveryStatus", rkl_ds_members, rkl_ds_methods, NULL,
                                             NULL};

/* ---- K2KConfig -------------------------------------------------------------------------- */

static rk_k2k_config_t *rkl_cfg_self(lua_State *L) {
  return rkl_self(L, &rkl_k2k_config_class);
}

static void rkl_push_k2k_config(lua_State *L, const rk_k2k_config_t *c) {
  *(rk_k2k_config_t *)rkl_new(L, &rkl_k2k_config_class) = *c;
}

static int rkl_cfg_new(lua_State *L) {
  static const char *const names[] = {"max_pending_messages", "delivery_timeout_ms",
                                      "enable_tracing", "max_hops", NULL};
  rkl_args(L, "K2KConfig", 1, names, false);
  rk_k2k_config_t c;
  rk_k2k_config_init(&c);
  c.max_pending_messages =
      (uint32_t)rkl_opt_u64(L, 1, "max_pending_messages", UINT32_MAX, c.max_pending_messages);
  c.delivery_timeout_ms =
      (uint32_t)rkl_opt_u64(L, 2, "delivery_timeout_ms", UINT32_MAX, c.delivery_timeout_ms);
  c.enable_tracing = rkl_opt_bool(L, 3, "enable_tracing", c.enable_tracing);
  c.max_hops = (uint32_t)rkl_opt_u64(L, 4, "max_hops", UINT32_MAX, c.max_hops);
  rk_status_t st = rk_k2k_config_validate(&c);
  if (st != RK_OK) return rkl_error_status(L, st);
  rkl_push_k2k_config(L, &c);
  return 1;
}

static int rkl_cfg_default(lua_State *L) {
  rk_k2k_config_t c;
  rk_k2k_config_init(&c);
  rkl_push_k2k_config(L, &c);
  return 1;
}

static int rkl_cfg_pending(lua_State *L) {
  lua_pushnumber(L, rkl_cfg_self(L)->max_pending_messages);
  return 1;
}

static int rkl_cfg_timeout(lua_State *L) {
  lua_pushnumber(L, rkl_cfg_self(L)->delivery_timeout_ms);
  return 1;
}

static int rkl_cfg_tracing(lua_State *L) {
  lua_pushboolean(L, rkl_cfg_self(L)->enable_tracing);
  return 1;
}

static int rkl_cfg_hops(lua_State *L) {
  lua_pushnumber(L, rkl_cfg_self(L)->max_hops);
  return 1;
}

static int rkl_cfg_tostring(lua_State *L) {
  const rk_k2k_config_t *c = lua_touserdata(L, 1);
  char buf[128];
  snprintf(buf, sizeof buf,
           "K2KConfig(max_pending=%u, timeout_ms=%u, tracing=%s, "
           "max_hops=%u)",
           c->max_pending_messages, c->delivery_timeout_ms, rkl_bool_text(c->enable_tracing),
           c->max_hops);
  lua_pushstring(L, buf);
  return 1;
}

static const luaL_Reg rkl_cfg_getters[] = {
    {"max_pending_messages", rkl_cfg_pending},
    {"delivery_timeout_ms", rkl_cfg_timeout},
    {"enable_tracing", rkl_cfg_tracing},
    {"max_hops", rkl_cfg_hops},
    {NULL, NULL},
};
static const luaL_Reg rkl_cfg_statics[] = {{"default", rkl_cfg_default}, {NULL, NULL}};
static const rkl_class_t rkl_k2k_config_class = {
    "K2KConfig",     sizeof(rk_k2k_config_t), rkl_cfg_new, NULL,
    rkl_cfg_getters, rkl_cfg_statics,         NULL,        rkl_cfg_tostring,
};

/* ---- K2KStats --------------------------------------------------------------------------- */

#define RKL_K2K_STAT(field)                                                                        \
  static int rkl_k2k_stat_##field(lua_State *L) {                                                  \
    rkl_push_u64(L, ((rk_k2k_stats_t *)rkl_self(L, &rkl_k2k_stats_class))->field);                 \
    return 1;                                                                                      \
  }
RKL_K2K_STAT(registered_endpoints)
RKL_K2K_STAT(messages_delivered)
RKL_K2K_STAT(routes_configured)
RKL_K2K_STAT(messages_forwarded)
RKL_K2K_STAT(not_found)
RKL_K2K_STAT(queue_full)
RKL_K2K_STAT(timeouts)
RKL_K2K_STAT(max_hops_exceeded)
#undef RKL_K2K_STAT

static int rkl_k2k_stats_tostring(lua_State *L) {
  const rk_k2k_stats_t *s = lua_touserdata(L, 1);
  char buf[128];
  snprintf(buf, sizeof buf, "K2KStats(endpoints=%llu, delivered=%llu, routes=%llu)",
           (unsigned long long)s->registered_endpoints, (unsigned long long)s->messages_delivered,
           (unsigned long long)s->routes_configured);
  lua_pushstring(L, buf);
  return 1;
}

static const luaL_Reg rkl_k2k_stats_getters[] = {
    {"registered_endpoints", rkl_k2k_stat_registered_endpoints},
    {"messages_delivered", rkl_k2k_stat_messages_delivered},
    {"routes_configured", rkl_k2k_stat_routes_configured},
    {"messages_forwarded", rkl_k2k_stat_messages_forwarded},
    {"not_found", rkl_k2k_stat_not_found},
    {"queue_full", rkl_k2k_stat_queue_full},
    {"timeouts", rkl_k2k_stat_timeouts},
    {"max_hops_exceeded", rkl_k2k_stat_max_hops_exceeded},
    {NULL, NULL},
};
static const rkl_class_t rkl_k2k_stats_class = {
    "K2KStats", sizeof(rk_k2k_stats_t), NULL, NULL, rkl_k2k_stats_getters, NULL,
    NULL,       rkl_k2k_stats_tostring,
};

/* ---- DeliveryReceipt -------------------------------------------------------------------- */

static rk_delivery_receipt_t *rkl_rc_self(lua_State *L) {
  return rkl_self(L, &rkl_receipt_class);
}

static int rkl_rc_message_id(lua_State *L) {
  rkl_push_message_id(L, rkl_rc_self(L)->message_id);
  return 1;
}

static int rkl_rc_source(lua_State *L) {
  lua_pushstring(L, rkl_rc_self(L)->source);
  return 1;
}

static int rkl_rc_destination(lua_State *L) {
  lua_pushstring(L, rkl_rc_self(L)->destination);
  return 1;
}

static int rkl_rc_status(lua_State *L) {
  rkl_enum_push(L, &rkl_delivery_status_enum, rkl_rc_self(L)->status);
  return 1;
}

static int rkl_rc_timestamp(lua_State *L) {
  rkl_push_timestamp(L, rkl_rc_self(L)->timestamp);
  return 1;
}

static int rkl_rc_hops(lua_State *L) {
  lua_pushnumber(L, rkl_rc_self(L)->hops);
  return 1;
}

static int rkl_rc_tostring(lua_State *L) {
  const rk_delivery_receipt_t *r = lua_touserdata(L, 1);
  char buf[320];
  snprintf(buf, sizeof buf,
           "DeliveryReceipt(message_id=%llu, source='%s', destination='%s', "
           "status=%s, hops=%u)",
           (unsigned long long)r->message_id, r->source, r->destination,
           rk_delivery_status_name(r->status), r->hops);
  lua_pushstring(L, buf);
  return 1;
}

static const luaL_Reg rkl_rc_getters[] = {
    {"message_id", rkl_rc_message_id},
    {"source", rkl_rc_source},
    {"destination", rkl_rc_destination},
    {"status", rkl_rc_status},
    {"timestamp", rkl_rc_timestamp},
    {"hops", rkl_rc_hops},
    {NULL, NULL},
};
static const rkl_class_t rkl_receipt_class = {
    "DeliveryReceipt", sizeof(rk_delivery_receipt_t), NULL, NULL, rkl_rc_getters, NULL, NULL,
    rkl_rc_tostring,
};

/* ---- K2KBroker -------------------------------------------------------------------------- */

static rk_k2k_broker_t *rkl_br_self(lua_State *L) {
  return ((rkl_broker_t *)rkl_self(L, &rkl_broker_class))->b;
}

static int rkl_br_new(lua_State *L) {
  static const char *const names[] = {"config", NULL};
  rkl_args(L, "K2KBroker", 1, names, false);
  const rk_k2k_config_t *cfg = NULL;
  if (!lua_isnil(L, 1)) cfg = rkl_check(L, 1, &rkl_k2k_config_class, "config");
  rkl_broker_t *br = rkl_new(L, &rkl_broker_class);
  br->owned = true;
  rk_status_t st = rk_k2k_broker_create(cfg, &br->b);
  if (st != RK_OK) return rkl_error_status(L, st);
  return 1;
}

void rkl_push_runtime_broker(lua_State *L, rk_k2k_broker_t *b, int owner_idx) {
  rkl_broker_t *br = rkl_new(L, &rkl_broker_class);
  br->b = b;
  br->owned = false;
  lua_createtable(L, 0, 1);
  lua_pushvalue(L, owner_idx);
  lua_setfield(L, -2, "runtime");
  lua_setfenv(L, -2);
}

static int rkl_br_gc(lua_State *L) {
  rkl_broker_t *br = lua_touserdata(L, 1);
  if (br->owned) rk_k2k_broker_destroy(br->b);
  br->b = NULL;
  return 0;
}

/* Unknown or duplicate endpoints and routes are broker errors (K2KError), not kernel
 * errors, as in the Python binding. */
static int rkl_br_result(lua_State *L, rk_status_t st) {
  if (st == RK_ENOTFOUND || st == RK_EEXIST) return rkl_error_status_as(L, "K2KError", st);
  if (st != RK_OK) return rkl_error_status(L, st);
  return 0;
}

/* Methods taking one endpoint id argument named `what`. */
static const char *rkl_br_id_arg(lua_State *L, const char *fn, const char *what) {
  const char *names[] = {what, NULL};
  rkl_args(L, fn, 2, names, false);
  return rkl_check_string(L, 2, what, NULL);
}

static int rkl_br_is_registered(lua_State *L) {
  rk_k2k_broker_t *b = rkl_br_self(L);
  const char *id = rkl_br_id_arg(L, "K2KBroker.is_registered", "kernel_id");
  lua_pushboolean(L, rk_k2k_is_registered(b, id));
  return 1;
}

static int rkl_br_registered_kernels(lua_State *L) {
  rk_k2k_broker_t *b = rkl_br_self(L);
  size_t n = rk_k2k_list(b, NULL, 0);
  rk_k2k_name_t *names = lua_newuserdata(L, (n ? n : 1) * sizeof *names);
  if (n > 0) n = rk_k2k_list(b, names, n);
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    lua_pushstring(L, names[i].name);
    lua_rawseti(L, -2, (int)i + 1);
  }
  return 1;
}

static int rkl_br_add_route(lua_State *L) {
  static const char *const names[] = {"destination", "next_hop", NULL};
  rk_k2k_broker_t *b = rkl_br_self(L);
  rkl_args(L, "K2KBroker.add_route", 2, names, false);
  const char *dst = rkl_check_string(L, 2, "destination", NULL);
  const char *hop = rkl_check_string(L, 3, "next_hop", NULL);
  return rkl_br_result(L, rk_k2k_add_route(b, dst, hop));
}

static int rkl_br_remove_route(lua_State *L) {
  rk_k2k_broker_t *b = rkl_br_self(L);
  const char *dst = rkl_br_id_arg(L, "K2KBroker.remove_route", "destination");
  return rkl_br_result(L, rk_k2k_remove_route(b, dst));
}

static int rkl_br_register(lua_State *L) {
  rk_k2k_broker_t *b = rkl_br_self(L);
  const char *id = rkl_br_id_arg(L, "K2KBroker.register", "endpoint_id");
  return rkl_br_result(L, rk_k2k_register(b, id, NULL));
}

static int rkl_br_unregister(lua_State *L) {
  rk_k2k_broker_t *b = rkl_br_self(L);
  const char *id = rkl_br_id_arg(L, "K2KBroker.unregister", "endpoint_id");
  return rkl_br_result(L, rk_k2k_unregister(b, id));
}

static int rkl_br_send(lua_State *L) {
  static const char *const names[] = {"source", "destination", "envelope", NULL};
  rk_k2k_broker_t *b = rkl_br_self(L);
  rkl_args(L, "K2KBroker.send", 2, names, false);
  const char *src = lua_isnil(L, 2) ? NULL : rkl_check_string(L, 2, "source", NULL);
  const char *dst = rkl_check_string(L, 3, "destination", NULL);
  const rk_message_header_t *hdr = NULL;
  const char *payload;
  size_t len;
  if (lua_type(L, 4) == LUA_TSTRING)
    payload = lua_tolstring(L, 4, &len);
  else
    hdr = rkl_check_envelope(L, 4, "envelope", &payload, &len);
  rk_delivery_receipt_t *r = rkl_new(L, &rkl_receipt_class);
  return rkl_br_result(L, rk_k2k_send(b, src, dst, hdr, payload, len, r)) + 1;
}

static int rkl_br_receive(lua_State *L) {
  rk_k2k_broker_t *b = rkl_br_self(L);
  const char *id = rkl_br_id_arg(L, "K2KBroker.receive", "endpoint_id");
  rk_message_t *m = NULL;
  rk_status_t st = rk_k2k_receive(b, id, &m);
  if (st == RK_EAGAIN) {
    lua_pushnil(L);
    return 1;
  }
  if (st != RK_OK) return rkl_error_status(L, st);
  rkl_push_message(L, m);
  return 1;
}

static int rkl_br_stats(lua_State *L) {
  rk_k2k_broker_t *b = rkl_br_self(L);
  rk_k2k_stats_t *s = rkl_new(L, &rkl_k2k_stats_class);
  return rkl_br_result(L, rk_k2k_stats(b, s)) + 1;
}

static int rkl_br_config(lua_State *L) {
  rk_k2k_broker_t *b = rkl_br_self(L);
  rk_k2k_config_t *c = rkl_new(L, &rkl_k2k_config_class);
  return rkl_br_result(L, rk_k2k_broker_config(b, c)) + 1;
}

/* trace() -> list of {message_id, hop, endpoint}, oldest first. */
static int rkl_br_trace(lua_State *L) {
  rk_k2k_broker_t *b = rkl_br_self(L);
  size_t n = rk_k2k_trace(b, NULL, 0);
  rk_k2k_trace_entry_t *e = lua_newuserdata(L, (n ? n : 1) * sizeof *e);
  n = rk_k2k_trace(b, e, n);
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    lua_createtable(L, 3, 0);
    rkl_push_u64(L, e[i].message_id);
    lua_rawseti(L, -2, 1);
    lua_pushnumber(L, e[i].hop);
    lua_rawseti(L, -2, 2);
    lua_pushstring(L, e[i].endpoint);
    lua_rawseti(L, -2, 3);
    lua_rawseti(L, -2, (int)i + 1);
  }
  return 1;
}

static int rkl_br_tostring(lua_State *L) {
  rkl_broker_t *br = lua_touserdata(L, 1);
  rk_k2k_stats_t s;
  if (br->b == NULL || rk_k2k_stats(br->b, &s) != RK_OK) {
    lua_pushliteral(L, "K2KBroker()");
    return 1;
  }
  char buf[96];
  snprintf(buf, sizeof buf, "K2KBroker(endpoints=%llu, routes=%llu)",
           (unsigned long long)s.registered_endpoints, (unsigned long long)s.routes_configured);
  lua_pushstring(L, buf);
  return 1;
}

static const luaL_Reg rkl_br_methods[] = {
    {"is_registered", rkl_br_is_registered},
    {"registered_kernels", rkl_br_registered_kernels},
    {"add_route", rkl_br_add_route},
    {"remove_route", rkl_br_remove_route},
    {"register", rkl_br_register},
    {"unregister", rkl_br_unregister},
    {"send", rkl_br_send},
    {"receive", rkl_br_receive},
    {"stats", rkl_br_stats},
    {"config", rkl_br_config},
    {"trace", rkl_br_trace},
    {NULL, NULL},
};
static const luaL_Reg rkl_br_meta[] = {{"__gc", rkl_br_gc}, {NULL, NULL}};
static const rkl_class_t rkl_broker_class = {
    "K2KBroker", sizeof(rkl_broker_t), rkl_br_new,      rkl_br_methods, NULL,
    NULL,        rkl_br_meta,          rkl_br_tostring,
};

void rkl_open_k2k(lua_State *L, int mod) {
  rkl_enum_register(L, &rkl_delivery_status_enum, mod);
  rkl_class_register(L, &rkl_k2k_config_class, mod);
  rkl_class_register(L, &rkl_k2k_stats_class, mod);
  rkl_class_register(L, &rkl_receipt_class, mod);
  rkl_class_register(L, &rkl_broker_class, mod);
}
