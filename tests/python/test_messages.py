import struct

import pytest

import ringkernel
from ringkernel import (
    CorrelationId,
    HlcTimestamp,
    MessageEnvelope,
    MessageHeader,
    MessageId,
    Priority,
    RingKernelError,
)

TS = HlcTimestamp(physical=1000, logical=2, node_id=3)


def header(size=4, type_id=1):
    return MessageHeader.new(type_id=type_id, source_kernel=0, dest_kernel=1000,
                             payload_size=size, timestamp=TS)


def test_constants():
    assert ringkernel.MAX_PAYLOAD_SIZE == 65536
    assert ringkernel.MESSAGE_MAGIC == 0x52494E474B45524E
    assert ringkernel.MESSAGE_VERSION == 1


def test_message_id():
    a, b = MessageId.generate(), MessageId.generate()
    assert b.value > a.value >= 1
    m = MessageId(255)
    assert int(m) == 255 and m.value == 255
    assert repr(m) == "MessageId(255)"
    assert str(m) == "msg:00000000000000ff"
    assert {MessageId(1), MessageId(1)} == {MessageId(1)}


def test_correlation_id():
    none = CorrelationId.none()
    assert not none and not none.is_some() and none.value is None
    assert repr(none) == "CorrelationId.none()"
    c = CorrelationId(7)
    assert c and c.is_some() and c.value == 7 and repr(c) == "CorrelationId(7)"
    g1, g2 = CorrelationId.generate(), MessageId.generate()
    assert g2.value > g1.value  # one process-wide counter
    assert CorrelationId(7) == CorrelationId(7) != CorrelationId(8)


def test_header_new_defaults():
    h = header()
    assert h.magic == ringkernel.MESSAGE_MAGIC and h.version == 1 and h.flags == 0
    assert isinstance(h.message_id, MessageId) and h.message_id.value >= 1
    assert h.correlation_id == CorrelationId.none()
    assert h.priority is Priority.Normal
    assert (h.source_kernel, h.dest_kernel, h.message_type, h.payload_size) == (0, 1000, 1, 4)
    assert h.timestamp == TS
    assert repr(h) == "MessageHeader(type=1, src=0, dst=1000, size=4)"
    assert h.validate() is True
    assert header().message_id != h.message_id


def test_header_builders_return_copies():
    h = header()
    h2 = h.with_correlation(CorrelationId(42)).with_priority(Priority.Critical)
    assert h2.correlation_id.value == 42 and h2.priority is Priority.Critical
    assert h.correlation_id.value is None and h.priority is Priority.Normal
    assert h.with_priority(2).priority is Priority.High
    with pytest.raises(ValueError):
        h.with_priority(9)
    with pytest.raises(TypeError):
        h.with_priority("high")


def test_header_wire_layout():
    h = header(size=4).with_correlation(CorrelationId(9)).with_priority(Priority.High)
    raw = h.to_bytes()
    assert len(raw) == 256
    magic, version, flags, mid, cid, src, dst, mtype = struct.unpack_from("<QIIQQQQQ", raw, 0)
    assert magic == 0x52494E474B45524E and raw[:8] == b"NREKGNIR"
    assert (version, flags, mid, cid, src, dst, mtype) == (1, 0, h.message_id.value, 9, 0, 1000, 1)
    assert raw[56] == 2
    assert struct.unpack_from("<Q", raw, 64)[0] == 4
    assert struct.unpack_from("<QQQ", raw, 80) == (1000, 2, 3)
    assert raw[128:] == bytes(128)


def test_header_validate_rejects():
    big = header(size=65537)
    with pytest.raises(ValueError, match="Validation failed"):
        big.validate()
    with pytest.raises(TypeError):
        MessageHeader()


def test_envelope_from_bytes():
    env = MessageEnvelope.from_bytes(header(size=99), b"\x01\x02\x03\x04")
    assert env.payload == b"\x01\x02\x03\x04"
    assert env.total_size == 260
    assert env.header.payload_size == 4  # ours: the real length
    assert env.header.message_type == 1


def test_envelope_roundtrip_bytes():
    env = MessageEnvelope.from_bytes(header(), bytearray(b"abcdefg"))
    raw = env.to_bytes()
    assert len(raw) == 256 + 7 and raw[256:] == b"abcdefg"
    back = MessageEnvelope.from_raw_bytes(raw)
    assert back.payload == b"abcdefg"
    assert back.header.message_id == env.header.message_id
    assert back.to_bytes() == raw
    assert MessageEnvelope.from_raw_bytes(raw + b"trailing").payload == b"abcdefg"


def test_envelope_empty():
    env = MessageEnvelope.empty(source_kernel=1, dest_kernel=2, timestamp=TS)
    assert env.payload == b"" and env.total_size == 256
    assert (env.header.source_kernel, env.header.dest_kernel) == (1, 2)


def test_from_raw_bytes_errors():
    with pytest.raises(RingKernelError,
                       match="Deserialization failed: buffer too small for header"):
        MessageEnvelope.from_raw_bytes(b"x" * 10)
    bad_magic = bytearray(MessageEnvelope.from_bytes(header(), b"abcd").to_bytes())
    bad_magic[0] ^= 0xFF
    with pytest.raises(ValueError, match="Validation failed"):
        MessageEnvelope.from_raw_bytes(bytes(bad_magic))
    short = MessageEnvelope.from_bytes(header(), b"abcd").to_bytes()[:258]
    with pytest.raises(RingKernelError,
                       match="Deserialization failed: buffer too small for payload"):
        MessageEnvelope.from_raw_bytes(short)
    with pytest.raises(TypeError, match="bytes-like"):
        MessageEnvelope.from_raw_bytes("text")


def test_oversized_payload():
    with pytest.raises(ValueError, match="payload 65537 bytes > max 65536"):
        MessageEnvelope.from_bytes(header(), bytes(65537))
    assert MessageEnvelope.from_bytes(header(), bytes(65536)).total_size == 256 + 65536


def test_payload_view_is_zero_copy():
    data = bytearray(b"hello")
    env = MessageEnvelope.from_bytes(header(), data)
    view = env.payload_view()
    assert view.readonly and bytes(view) == b"hello"
    data[0] = ord("j")  # the envelope shares the caller's buffer
    assert bytes(view) == b"jello" and env.payload == b"jello"
    assert memoryview(env).obj is env


def test_numpy_payload():
    np = pytest.importorskip("numpy")
    arr = np.arange(8, dtype=np.float64)
    env = MessageEnvelope.from_bytes(header(), arr)
    assert env.total_size == 256 + 64
    assert np.frombuffer(env.payload_view(), dtype=np.float64).tolist() == list(range(8))
    with pytest.raises(ValueError, match="C-contiguous"):
        MessageEnvelope.from_bytes(header(), arr[::2])
