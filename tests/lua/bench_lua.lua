-- Lua binding benchmark: request round trip and batch throughput through the binding,
-- each beside the same work done by a C loop on the C API in the same run on the same
-- kernel (rk._bench_c_*), with the ratio. Usage: rkhost bench_lua.lua [backend] [n].
-- Target (BENCH.md, on the H100): Lua request round trip p50 <= 4 us.
local rk = require "ringkernel"

local backend = arg and arg[1] or "auto"
local n = tonumber(arg and arg[2]) or 20000
local payload = string.rep("x", 64)
local now = rk._monotonic_ns

local function percentiles(samples)
  table.sort(samples)
  local function at(p) return samples[math.floor(p / 100 * (#samples - 1) + 0.5) + 1] end
  return { p50 = at(50), p99 = at(99), min = samples[1] }
end

local function lua_roundtrips(k, count)
  local samples = {}
  for i = 1, count do
    local t0 = now()
    k:request(payload, 5.0)
    samples[i] = now() - t0
  end
  return samples
end

local function lua_batch_seconds(k, count, batch)
  local msgs = {}
  for i = 1, batch do msgs[i] = payload end
  local t0, sent, received = now(), 0, 0
  while received < count do
    if sent < count then
      local want = math.min(batch, count - sent)
      if want < batch then msgs = { unpack(msgs, 1, want) } end
      sent = sent + k:send_many(msgs)
    end
    received = received + #k:receive_many(batch, 1.0)
  end
  return (now() - t0) / 1e9
end

local rt = rk.RingKernel.create { backend = backend }
local k = rt:launch("bench", rk.LaunchOptions():with_queue_capacity(4096))
print(string.format("backend %s, %d samples, %d-byte payload, echo handler",
                    tostring(rt.backend), n, #payload))

lua_roundtrips(k, math.min(n, 2000))
rk._bench_c_roundtrip(k, math.min(n, 2000), #payload)
local lua_rt = percentiles(lua_roundtrips(k, n))
local c_split = percentiles(rk._bench_c_roundtrip(k, n, #payload, true))
local c_req = percentiles(rk._bench_c_roundtrip(k, n, #payload, false))
local function row(name, p)
  print(string.format("%-40s p50 %8.0f ns  p99 %8.0f ns  min %8.0f ns", name, p.p50, p.p99,
                      p.min))
end
row("request round trip, Lua k:request", lua_rt)
row("same calls from C (send + receive)", c_split)
row("C rk_kernel_request", c_req)
print(string.format("ratio Lua / C (send + receive) p50 %.2f;  Lua / C request p50 %.2f",
                    lua_rt.p50 / c_split.p50, lua_rt.p50 / c_req.p50))

local total, batch = n * 20, 256
local lua_s = lua_batch_seconds(k, total, batch)
local c_s = rk._bench_c_batch(k, total, batch, #payload)
print(string.format("batch throughput (%d per batch)  Lua %.2f M msg/s  C %.2f M msg/s  " ..
                    "ratio Lua/C %.2f", batch, total / lua_s / 1e6, total / c_s / 1e6,
                    c_s / lua_s))
rt:shutdown()
