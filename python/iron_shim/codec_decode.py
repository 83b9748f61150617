"""The msgpack decoder of SPEC.md section 2: one value filling the input, or a ProtocolError."""
from __future__ import annotations

import struct

from .errors import ProtocolError

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up (see named_tuple.py)
if TYPE_CHECKING:
    from typing import Any, Dict, List, Tuple

#: Containers nested deeper than this are refused (keeps recursion bounded).
MAX_DEPTH = 256

_U16 = struct.Struct(">H").unpack_from
_U32 = struct.Struct(">I").unpack_from
_U64 = struct.Struct(">Q").unpack_from
_I8 = struct.Struct(">b").unpack_from
_I16 = struct.Struct(">h").unpack_from
_I32 = struct.Struct(">i").unpack_from
_I64 = struct.Struct(">q").unpack_from
_F32 = struct.Struct(">f").unpack_from
_F64 = struct.Struct(">d").unpack_from

_CONSTANTS = {0xC0: None, 0xC2: False, 0xC3: True}


def unpackb(data: Any) -> Any:
    """Decodes exactly one msgpack value that fills the whole input."""
    if not isinstance(data, bytes):
        if not isinstance(data, (bytearray, memoryview)):
            raise ProtocolError(f"msgpack: expected bytes to decode, got {type(data).__name__}")
        data = bytes(data)
    length = len(data)
    if length == 0:
        raise ProtocolError("msgpack: empty input")
    try:
        value, pos = _unpack(data, 0, length, MAX_DEPTH)
    except RecursionError:
        raise ProtocolError("msgpack: input nested too deeply") from None
    if pos != length:
        raise ProtocolError(f"msgpack: {length - pos} trailing bytes after the value at offset {pos}")
    return value


def _truncated(pos: int, need: int, length: int) -> ProtocolError:
    """The one error for input that ends too early (never a hang, never a huge allocation)."""
    return ProtocolError(f"msgpack: truncated input: need {need} bytes at offset {pos}, {length - pos} left")


def _utf8(data: bytes, pos: int, end: int) -> str:
    """Decodes a string's bytes, turning bad UTF-8 into a ProtocolError."""
    try:
        return data[pos:end].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(f"msgpack: invalid UTF-8 in string at offset {pos} ({exc.reason})") from None


def _unpack(data: bytes, pos: int, length: int, depth: int) -> Tuple[Any, int]:
    """Decodes the value at pos; returns it with the offset just past it."""
    if pos >= length:
        raise _truncated(pos, 1, length)
    b = data[pos]
    pos += 1
    if b < 0x80:
        return b, pos
    if b >= 0xE0:
        return b - 0x100, pos
    if b >= 0xA0 and b <= 0xBF:
        end = pos + (b & 0x1F)
        if end > length:
            raise _truncated(pos, b & 0x1F, length)
        return _utf8(data, pos, end), end
    if b <= 0x8F:
        return _map(data, pos, b & 0x0F, length, depth)
    if b <= 0x9F:
        return _array(data, pos, b & 0x0F, length, depth)
    if b in _CONSTANTS:
        return _CONSTANTS[b], pos
    size = _SIZES.get(b)
    if size is None:
        if b == 0xC1:
            raise ProtocolError(f"msgpack: reserved byte 0xc1 at offset {pos - 1}")
        raise ProtocolError(f"msgpack: extension type 0x{b:02x} at offset {pos - 1} is not allowed")
    if pos + size > length:
        raise _truncated(pos, size, length)
    if b <= 0xD3 and b >= 0xCA:
        return _NUMBERS[b](data, pos)[0], pos + size
    n = data[pos] if size == 1 else (_U16(data, pos)[0] if size == 2 else _U32(data, pos)[0])
    pos += size
    if b in (0xD9, 0xDA, 0xDB):
        end = pos + n
        if end > length:
            raise _truncated(pos, n, length)
        return _utf8(data, pos, end), end
    if b in (0xC4, 0xC5, 0xC6):
        end = pos + n
        if end > length:
            raise _truncated(pos, n, length)
        return data[pos:end], end
    if b in (0xDC, 0xDD):
        return _array(data, pos, n, length, depth)
    return _map(data, pos, n, length, depth)


# Bytes of payload following the type byte, for every sized format (0xc1 and ext are absent).
_SIZES: Dict[int, int] = {
    0xCC: 1,
    0xCD: 2,
    0xCE: 4,
    0xCF: 8,
    0xD0: 1,
    0xD1: 2,
    0xD2: 4,
    0xD3: 8,
    0xCA: 4,
    0xCB: 8,
    0xD9: 1,
    0xDA: 2,
    0xDB: 4,
    0xC4: 1,
    0xC5: 2,
    0xC6: 4,
    0xDC: 2,
    0xDD: 4,
    0xDE: 2,
    0xDF: 4,
}
_NUMBERS = {
    0xCA: _F32,
    0xCB: _F64,
    0xCC: struct.Struct(">B").unpack_from,
    0xCD: _U16,
    0xCE: _U32,
    0xCF: _U64,
    0xD0: _I8,
    0xD1: _I16,
    0xD2: _I32,
    0xD3: _I64,
}


#: The unsigned integers and float64 a map value may hold, decoded inline: byte -> (size, reader).
_UINTS = {b: (_SIZES[b], _NUMBERS[b]) for b in (0xCC, 0xCD, 0xCE, 0xCF, 0xCB)}

#: Map keys whose array value comes again and again byte for byte (repeat()): key -> [(bytes, value)].
_REPEATS: Dict[str, List[Any]] = {}


def repeat(key: str) -> None:
    """Remembers the last array decoded under this map key with its bytes: the next one with the same bytes
    is that very value, not decoded again (a request decision's response_hints: ~580 bytes, 11 maps, each
    time). The value is shared by every message that carries it: its readers must not change it."""
    _REPEATS.setdefault(key, [None])


def remembered(key: str) -> Any:
    """The value repeat() remembers for this key now (None before the first): shared, never to be changed."""
    memo = _REPEATS.get(key)
    seen = memo[0] if memo is not None else None
    return seen[1] if seen is not None else None


def _repeated(memo: List[Any], data: bytes, pos: int, length: int, depth: int) -> Tuple[Any, int]:
    """The array at pos: the remembered value when its bytes are there again, else decoded and remembered.
    msgpack says where a value ends, so the same bytes at pos are the same value (and end at the same place)."""
    seen = memo[0]
    if seen is not None and data.startswith(seen[0], pos):
        return seen[1], pos + len(seen[0])
    value, end = _unpack(data, pos, length, depth)
    if end <= length:
        memo[0] = (data[pos:end], value)  # one tuple: a thread reading memo[0] sees the old pair or the new
    return value, end


def _array(data: bytes, pos: int, n: int, length: int, depth: int) -> Tuple[List[Any], int]:
    """Decodes n items; each takes at least one byte, so n is checked against what is left."""
    if n > length - pos:
        raise _truncated(pos, n, length)
    if depth <= 0:
        raise ProtocolError(f"msgpack: more than {MAX_DEPTH} nested containers")
    depth -= 1
    items = []
    append = items.append
    for _ in range(n):
        item, pos = _unpack(data, pos, length, depth)
        append(item)
    return items, pos


def _map(data: bytes, pos: int, n: int, length: int, depth: int) -> Tuple[Dict[Any, Any], int]:
    """Decodes n key/value pairs (two bytes at least each), keeping their order; short string keys
    and the common leaf values are read inline (a decision is a dozen short strings: no call per key).

    Bounds are not checked per entry: reading a byte past the end raises IndexError, and a string cut
    short by the end leaves pos past it, which the next read or the final check reports as truncated."""
    if 2 * n > length - pos:
        raise _truncated(pos, 2 * n, length)
    if depth <= 0:
        raise ProtocolError(f"msgpack: more than {MAX_DEPTH} nested containers")
    depth -= 1
    result: Dict[Any, Any] = {}
    at = pos  # where the string being decoded inline starts (for the error)
    try:
        for _ in range(n):
            b = data[pos]
            if 0xA0 <= b <= 0xBF:
                at = pos + 1
                pos = at + b - 0xA0
                key = data[at:pos].decode()
            else:
                key, pos = _unpack(data, pos, length, depth)
            b = data[pos]
            if b < 0x80:
                value = b
                pos += 1
            elif 0xA0 <= b <= 0xBF:
                at = pos + 1
                pos = at + b - 0xA0
                value = data[at:pos].decode()
            elif b in _CONSTANTS:
                value = _CONSTANTS[b]
                pos += 1
            elif b in _UINTS:  # ids, budgets, timeouts: read inline too
                size, read = _UINTS[b]
                if pos + 1 + size > length:
                    raise _truncated(pos + 1, size, length)
                value = read(data, pos + 1)[0]
                pos += 1 + size
            elif (0x90 <= b <= 0x9F or b == 0xDC) and key in _REPEATS:
                value, pos = _repeated(_REPEATS[key], data, pos, length, depth)
            else:
                value, pos = _unpack(data, pos, length, depth)
            result[key] = value
    except IndexError:
        raise _truncated(pos, 1, length) from None
    except UnicodeDecodeError as exc:  # only the inline decodes raise it (_utf8 turns its own into ProtocolError)
        if pos > length:  # a string cut short by the end of the input
            raise _truncated(at, pos - at, length) from None
        raise ProtocolError(f"msgpack: invalid UTF-8 in string at offset {at} ({exc.reason})") from None
    except TypeError:  # the only unhashable values are containers, and the only TypeError is their use as key
        raise ProtocolError(f"msgpack: map key of type {type(key).__name__} is not supported") from None
    if pos > length:
        raise _truncated(at, pos - at, length)
    return result, pos
