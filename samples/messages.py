"""Messages and envelopes: the 256-byte wire header, its fields and byte layout,
serialisation round trips, and what happens to bytes that are not a message.

Run: rkhost samples/messages.py
"""
import struct

import ringkernel as rk


def check(cond, what):
    if not cond:
        raise SystemExit(f"messages: FAILED: {what}")


clock = rk.HlcClock(node_id=1)
timestamp = clock.tick()

# A header for a 4-byte payload from the host (0) to kernel 1000.
header = rk.MessageHeader.new(type_id=7, source_kernel=0, dest_kernel=1000, payload_size=4,
                              timestamp=timestamp)
check(header.magic == rk.MESSAGE_MAGIC == 0x52494E474B45524E, "magic 'RINGKERN'")
check(header.message_type == 7 and header.dest_kernel == 1000, "fields as given")
check(header.priority == rk.Priority.Normal, "priority Normal by default")
check(not header.correlation_id.is_some(), "no correlation id by default")
check(header.timestamp == timestamp, "timestamp kept")
print(f"header: {header!r}, id {header.message_id}, stamped {header.timestamp}")

# Message ids come from one process-wide counter: each new header gets a fresh one.
other = rk.MessageHeader.new(type_id=7, source_kernel=0, dest_kernel=1000, payload_size=0,
                             timestamp=timestamp)
check(other.message_id.value > header.message_id.value, "message ids increase")
check(str(header.message_id) == f"msg:{header.message_id.value:016x}", "id text form")

# Builders return new headers.
cid = rk.CorrelationId.generate()
urgent = header.with_correlation(cid).with_priority(rk.Priority.High)
check(urgent.correlation_id == cid and urgent.priority == rk.Priority.High, "builders")
check(header.priority == rk.Priority.Normal, "builders leave the original alone")
check(bool(cid) and not rk.CorrelationId.none(), "CorrelationId truthiness")

# Envelope = header + payload; the wire form is the 256 header bytes then the payload.
payload = b"\x01\x02\x03\x04"
envelope = rk.MessageEnvelope.from_bytes(urgent, payload)
raw = envelope.to_bytes()
check(envelope.total_size == 260 == len(raw), "total_size = 256 + payload")
check(envelope.payload == payload and raw[256:] == payload, "payload after the header")
magic, version = struct.unpack_from("<QI", raw, 0)
msg_id, corr, src, dst, mtype, prio = struct.unpack_from("<QQQQQB", raw, 16)
size = struct.unpack_from("<Q", raw, 64)[0]
physical, logical, node = struct.unpack_from("<QQQ", raw, 80)
check(magic == rk.MESSAGE_MAGIC and version == rk.MESSAGE_VERSION == 1, "magic, version")
check((msg_id, corr, src, dst, mtype, prio) ==
      (urgent.message_id.value, cid.value, 0, 1000, 7, int(rk.Priority.High)),
      "ids, kernels, type and priority at their offsets")
check(size == 4 and (physical, logical, node) ==
      (timestamp.physical, timestamp.logical, timestamp.node_id), "size and timestamp")
check(raw[128:256] == bytes(128), "reserved tail is zero")
print(f"envelope: {envelope.total_size} bytes, payload {envelope.payload!r}")

# Round trip through bytes.
restored = rk.MessageEnvelope.from_raw_bytes(raw)
check(restored.payload == payload and restored.to_bytes() == raw, "round trip")
check(restored.header.message_id == urgent.message_id, "ids survive the round trip")

# Payload size follows the real payload, so every envelope round-trips.
grown = rk.MessageEnvelope.from_bytes(header, b"x" * 100)
check(grown.header.payload_size == 100, "from_bytes sets payload_size to the payload")


def expect_error(exc_type, text, data):
    try:
        rk.MessageEnvelope.from_raw_bytes(data)
    except exc_type as e:
        check(text in str(e), f"{exc_type.__name__} says {text!r}: {e}")
        print(f"rejected {len(data)} bytes: {type(e).__name__}: {e}")
        return
    check(False, f"{len(data)} bad bytes must raise {exc_type.__name__}")


expect_error(rk.RingKernelError, "buffer too small for header", raw[:100])
expect_error(rk.RingKernelError, "buffer too small for payload", raw[:258])
expect_error(ValueError, "Validation failed", b"\x00" * 8 + raw[8:])

# Priorities are ordered integers.
check(rk.Priority.from_int(3) == rk.Priority.Critical, "Priority.from_int")
check(sorted([rk.Priority.High, rk.Priority.Low, rk.Priority.Critical]) ==
      [rk.Priority.Low, rk.Priority.High, rk.Priority.Critical], "priorities order")
print("messages: all checks passed")
