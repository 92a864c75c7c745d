-- Messages and envelopes: the 256-byte wire header, its fields and byte layout,
-- serialisation round trips, and what happens to bytes that are not a message.
--
-- Run: rkhost samples/messages.lua
local rk = require "ringkernel"

local function check(cond, what)
  if not cond then
    io.stderr:write("messages: FAILED: ", tostring(what), "\n")
    os.exit(1)
  end
end

-- The little-endian unsigned 64-bit field at byte offset `off` of `s`, as a uint64 cdata.
local function u64_at(s, off)
  local v = 0ULL
  for i = 8, 1, -1 do v = v * 256 + s:byte(off + i) end
  return v
end

local clock = rk.HlcClock { node_id = 1 }
local timestamp = clock:tick()

-- A header for a 4-byte payload from the host (0) to kernel 1000.
local header = rk.MessageHeader.new { type_id = 7, source_kernel = 0, dest_kernel = 1000,
                                      payload_size = 4, timestamp = timestamp }
check(header.magic == rk.MESSAGE_MAGIC and rk.MESSAGE_MAGIC == 0x52494E474B45524EULL,
      "magic 'RINGKERN'")
check(header.message_type == 7 and header.dest_kernel == 1000, "fields as given")
check(header.priority == rk.Priority.Normal, "priority Normal by default")
check(not header.correlation_id:is_some(), "no correlation id by default")
check(header.timestamp == timestamp, "timestamp kept")
print(("header: %s, id %s, stamped %s"):format(tostring(header), header.message_id:str(),
                                               header.timestamp:str()))

-- Message ids come from one process-wide counter: each new header gets a fresh one.
local other = rk.MessageHeader.new { type_id = 7, source_kernel = 0, dest_kernel = 1000,
                                     payload_size = 0, timestamp = timestamp }
check(other.message_id.value > header.message_id.value, "message ids increase")
check(header.message_id:str() == ("msg:%016x"):format(header.message_id.value), "id text")

-- Builders return new headers.
local cid = rk.CorrelationId.generate()
local urgent = header:with_correlation(cid):with_priority(rk.Priority.High)
check(urgent.correlation_id == cid and urgent.priority == rk.Priority.High, "builders")
check(header.priority == rk.Priority.Normal, "builders leave the original alone")
check(cid:is_some() and not rk.CorrelationId.none():is_some(), "is_some")

-- Envelope = header + payload; the wire form is the 256 header bytes then the payload.
local payload = "\1\2\3\4"
local envelope = rk.MessageEnvelope.from_bytes(urgent, payload)
local raw = envelope:to_bytes()
check(envelope.total_size == 260 and #raw == 260, "total_size = 256 + payload")
check(envelope.payload == payload and raw:sub(257) == payload, "payload after the header")
check(u64_at(raw, 0) == rk.MESSAGE_MAGIC and u64_at(raw, 8) % 2^32 == rk.MESSAGE_VERSION,
      "magic and version at offsets 0 and 8")
check(u64_at(raw, 16) == urgent.message_id.value and u64_at(raw, 24) == cid.value,
      "message and correlation ids at 16 and 24")
check(u64_at(raw, 32) == 0 and u64_at(raw, 40) == 1000 and u64_at(raw, 48) == 7,
      "source, destination and type at 32, 40, 48")
check(raw:byte(57) == rk.Priority.High.value and u64_at(raw, 64) == 4,
      "priority at 56, payload size at 64")
check(u64_at(raw, 80) == timestamp.physical and u64_at(raw, 88) == timestamp.logical and
      u64_at(raw, 96) == timestamp.node_id, "timestamp at 80")
check(raw:sub(129, 256) == ("\0"):rep(128), "reserved tail is zero")
print(("envelope: %d bytes, payload %q"):format(envelope.total_size, envelope.payload))

-- Round trip through bytes.
local restored = rk.MessageEnvelope.from_raw_bytes(raw)
check(restored.payload == payload and restored:to_bytes() == raw, "round trip")
check(restored.header.message_id == urgent.message_id, "ids survive the round trip")

-- Payload size follows the real payload, so every envelope round-trips.
local grown = rk.MessageEnvelope.from_bytes(header, ("x"):rep(100))
check(grown.header.payload_size == 100, "from_bytes sets payload_size to the payload")

-- Bytes that are not a message give error values with the Python exception's kind.
local function expect_error(kind, text, data)
  local ok, err = pcall(rk.MessageEnvelope.from_raw_bytes, data)
  check(not ok and rk.is_error(err, kind), #data .. " bad bytes must raise " .. kind)
  check(err.message:find(text, 1, true), kind .. " says " .. text .. ": " .. tostring(err))
  print(("rejected %d bytes: %s"):format(#data, tostring(err)))
end
expect_error("RingKernelError", "buffer too small for header", raw:sub(1, 100))
expect_error("RingKernelError", "buffer too small for payload", raw:sub(1, 258))
expect_error("ValueError", "Validation failed", ("\0"):rep(8) .. raw:sub(9))

-- Priorities are ordered.
check(rk.Priority.from_int(3) == rk.Priority.Critical, "Priority.from_int")
check(rk.Priority.Low < rk.Priority.High and rk.Priority.High < rk.Priority.Critical,
      "priorities order")
print("messages: all checks passed")
