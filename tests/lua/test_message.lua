-- MessageId, CorrelationId, Priority, MessageHeader, MessageEnvelope (spec §4).
local T = require "testkit"
local rk = require "ringkernel"

T.case("Priority enum", function()
  T.eq(rk.Priority.Low.value, 0)
  T.eq(rk.Priority.Critical.value, 3)
  T.eq(rk.Priority.High.name, "High")
  T.eq(tostring(rk.Priority.High), "Priority.High")
  T.eq(rk.Priority.from_int(2), rk.Priority.High)
  T.eq(rk.Priority(1), rk.Priority.Normal)
  T.truthy(rk.Priority.Low < rk.Priority.Critical, "ordered by value")
  T.eq(#rk.Priority, 4)
  local names = {}
  for i, p in ipairs(rk.Priority) do names[i] = p.name end
  T.eq(table.concat(names, ","), "Low,Normal,High,Critical")
  T.raises("ValueError", "priority must be 0..3, got 4", rk.Priority.from_int, 4)
  T.raises("TypeError", "priority must be an int, got string", rk.Priority.from_int, "1")
  T.raises("ValueError", "7 is not a valid Priority", rk.Priority, 7)
  T.raises("AttributeError", "read-only", function() rk.Priority.High.value = 9 end)
end)

T.case("MessageId and CorrelationId", function()
  local id = rk.MessageId(255)
  T.eq(id.value, 255)
  T.eq(tostring(id), "MessageId(255)")
  T.eq(id:str(), "msg:00000000000000ff")
  T.eq(id, rk.MessageId(255))
  local g1, g2 = rk.MessageId.generate(), rk.MessageId.generate()
  T.truthy(g2.value > g1.value, "generate increases")
  local c = rk.CorrelationId.generate()
  T.truthy(c.value > g2.value, "one shared counter")
  T.truthy(c:is_some(), "generated is some")
  local none = rk.CorrelationId.none()
  T.eq(none.value, nil)
  T.eq(none:is_some(), false)
  T.eq(tostring(none), "CorrelationId.none()")
  T.eq(tostring(rk.CorrelationId(9)), "CorrelationId(9)")
  T.eq(rk.CorrelationId(9) == rk.MessageId(9), false)
  T.raises("ValueError", "value must be 0..", rk.MessageId, -3)
end)

local function header()
  local clock = rk.HlcClock { node_id = 1 }
  return rk.MessageHeader.new {
    type_id = 1, source_kernel = 0, dest_kernel = 1000, payload_size = 4,
    timestamp = clock:tick(),
  }
end

T.case("MessageHeader.new defaults and fields", function()
  local h = header()
  T.eq(h.magic, rk.MESSAGE_MAGIC)
  T.eq(h.version, 1)
  T.eq(h.flags, 0)
  T.eq(h.message_type, 1)
  T.eq(h.source_kernel, 0)
  T.eq(h.dest_kernel, 1000)
  T.eq(h.payload_size, 4)
  T.eq(h.priority, rk.Priority.Normal)
  T.eq(h.correlation_id:is_some(), false)
  T.truthy(h.message_id.value > 0, "fresh id")
  T.eq(h.timestamp.node_id, 1)
  T.truthy(h.deadline:is_zero(), "no deadline")
  T.eq(tostring(h), "MessageHeader(type=1, src=0, dst=1000, size=4)")
  T.eq(h:validate(), true)
  T.eq(#h:to_bytes(), 256)
  T.eq(h:to_bytes():sub(1, 8), "NREKGNIR", "magic stored little-endian")
end)

T.case("header builders return new headers", function()
  local h = header()
  local h2 = h:with_priority(rk.Priority.Critical):with_correlation(rk.CorrelationId(77))
  T.eq(h.priority, rk.Priority.Normal)
  T.eq(h2.priority, rk.Priority.Critical)
  T.eq(h2.correlation_id.value, 77)
  T.eq(h:with_priority(2).priority, rk.Priority.High)
  T.eq(h:with_priority("Low").priority, rk.Priority.Low)
  T.eq(h:with_correlation(5).correlation_id.value, 5)
  T.raises("ValueError", "9 is not a valid Priority", h.with_priority, h, 9)
  T.raises("TypeError", "priority must be Priority, got QueueHealth.Warning", h.with_priority,
           h, rk.QueueHealth.Warning)
end)

T.case("validate: oversized payload_size", function()
  local h = rk.MessageHeader.new(1, 0, 1, 70000, rk.HlcTimestamp.zero())
  T.raises("ValueError", "Validation failed", h.validate, h)
end)

T.case("envelope from_bytes, properties and round trip", function()
  local payload = "\1\2\3\4"
  local env = rk.MessageEnvelope.from_bytes(header(), payload)
  T.eq(env.payload, payload)
  T.eq(env.total_size, 260)
  T.eq(#env, 4)
  T.eq(env.header.payload_size, 4)
  T.eq(tostring(env), "MessageEnvelope(type=1, src=0, dst=1000, size=4)")
  local raw = env:to_bytes()
  T.eq(#raw, 260)
  T.eq(raw:sub(257), payload)
  local back = rk.MessageEnvelope.from_raw_bytes(raw)
  T.eq(back.payload, payload)
  T.eq(back.header, env.header)
  -- payload_size follows the real payload so every envelope round-trips
  local env2 = rk.MessageEnvelope.from_bytes(header(), "longer payload")
  T.eq(env2.header.payload_size, 14)
  T.eq(rk.MessageEnvelope.from_raw_bytes(env2:to_bytes()).payload, "longer payload")
end)

T.case("envelope empty", function()
  local env = rk.MessageEnvelope.empty(3, 4, rk.HlcTimestamp.zero())
  T.eq(env.payload, "")
  T.eq(env.total_size, 256)
  T.eq(env.header.source_kernel, 3)
  T.eq(env.header.dest_kernel, 4)
end)

T.case("from_raw_bytes errors", function()
  T.raises("RingKernelError", "Deserialization failed: buffer too small for header",
           rk.MessageEnvelope.from_raw_bytes, string.rep("\0", 100))
  T.raises("ValueError", "Validation failed", rk.MessageEnvelope.from_raw_bytes,
           string.rep("\0", 256))
  local raw = rk.MessageEnvelope.from_bytes(header(), "abcd"):to_bytes()
  T.raises("RingKernelError", "Deserialization failed: buffer too small for payload",
           rk.MessageEnvelope.from_raw_bytes, raw:sub(1, 258))
end)

T.case("bad arguments", function()
  T.raises("ValueError", "payload 70000 bytes > max 65536", rk.MessageEnvelope.from_bytes,
           header(), string.rep("x", 70000))
  T.raises("TypeError", "payload must be a string, got number", rk.MessageEnvelope.from_bytes,
           header(), 5)
  T.raises("TypeError", "header must be MessageHeader, got string",
           rk.MessageEnvelope.from_bytes, "h", "p")
  T.raises("TypeError", "timestamp must be HlcTimestamp, got nil", rk.MessageHeader.new, 1, 0,
           0, 0)
  T.raises("TypeError", "cannot create 'MessageHeader' instances", rk.MessageHeader)
end)

T.done()
