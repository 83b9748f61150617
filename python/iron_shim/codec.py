"""msgpack exactly as protocol/SPEC.md section 2 says: smallest formats, float64, no ext types."""
from __future__ import annotations

import struct
from typing import Any, Dict, List, Tuple

from .errors import ProtocolError

#: Containers nested deeper than this are refused on both sides (keeps recursion bounded).
MAX_DEPTH = 256

_P_U8 = struct.Struct(">BB").pack
_P_U16 = struct.Struct(">BH").pack
_P_U32 = struct.Struct(">BI").pack
_P_U64 = struct.Struct(">BQ").pack
_P_I8 = struct.Struct(">Bb").pack
_P_I16 = struct.Struct(">Bh").pack
_P_I32 = struct.Struct(">Bi").pack
_P_I64 = struct.Struct(">Bq").pack
_P_F64 = struct.Struct(">Bd").pack

_U16 = struct.Struct(">H").unpack_from
_U32 = struct.Struct(">I").unpack_from
_U64 = struct.Struct(">Q").unpack_from
_I8 = struct.Struct(">b").unpack_from
_I16 = struct.Struct(">h").unpack_from
_I32 = struct.Struct(">i").unpack_from
_I64 = struct.Struct(">q").unpack_from
_F32 = struct.Struct(">f").unpack_from
_F64 = struct.Struct(">d").unpack_from

_BYTES_TYPES = (bytes, bytearray, memoryview)


def packb(value: Any) -> bytes:
    """Encodes one value into the exact bytes SPEC.md prescribes."""
    out = bytearray()
    try:
        _pack(value, out, MAX_DEPTH)
    except RecursionError:
        raise ProtocolError("msgpack: value nested too deeply to encode") from None
    return bytes(out)


def _pack_str(value: str, out: bytearray) -> None:
    """Writes a str as fixstr/str8/str16/str32 (UTF-8)."""
    try:
        data = value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ProtocolError(f"msgpack: string is not valid UTF-8 ({exc.reason})") from None
    n = len(data)
    if n < 32:
        out.append(0xA0 | n)
    elif n < 0x100:
        out += _P_U8(0xD9, n)
    elif n < 0x10000:
        out += _P_U16(0xDA, n)
    elif n < 0x100000000:
        out += _P_U32(0xDB, n)
    else:
        raise ProtocolError(f"msgpack: string of {n} bytes is too long")
    out += data


def _pack_int(value: int, out: bytearray) -> None:
    """Writes an int in the smallest format that holds it."""
    if value >= 0:
        if value < 0x80:
            out.append(value)
        elif value < 0x100:
            out += _P_U8(0xCC, value)
        elif value < 0x10000:
            out += _P_U16(0xCD, value)
        elif value < 0x100000000:
            out += _P_U32(0xCE, value)
        elif value < 0x10000000000000000:
            out += _P_U64(0xCF, value)
        else:
            raise ProtocolError(f"msgpack: integer {value} does not fit in 64 bits")
    elif value >= -32:
        out.append(value & 0xFF)
    elif value >= -0x80:
        out += _P_I8(0xD0, value)
    elif value >= -0x8000:
        out += _P_I16(0xD1, value)
    elif value >= -0x80000000:
        out += _P_I32(0xD2, value)
    elif value >= -0x8000000000000000:
        out += _P_I64(0xD3, value)
    else:
        raise ProtocolError(f"msgpack: integer {value} does not fit in 64 bits")


def _pack_len(n: int, out: bytearray, fix: int, limit: int, tag16: int, tag32: int, what: str) -> None:
    """Writes the header of an array or map of n items."""
    if n < limit:
        out.append(fix | n)
    elif n < 0x10000:
        out += _P_U16(tag16, n)
    elif n < 0x100000000:
        out += _P_U32(tag32, n)
    else:
        raise ProtocolError(f"msgpack: {what} of {n} items is too long")


def _pack(obj: Any, out: bytearray, depth: int) -> None:
    """Encodes any supported value; exact types first (fast path), subclasses after."""
    t = type(obj)
    if t is str:
        _pack_str(obj, out)
    elif t is int:
        _pack_int(obj, out)
    elif obj is None:
        out.append(0xC0)
    elif t is bool:
        out.append(0xC3 if obj else 0xC2)
    elif t is float:
        out += _P_F64(0xCB, obj)
    elif t is dict:
        if depth <= 0:
            raise ProtocolError(f"msgpack: more than {MAX_DEPTH} nested containers")
        _pack_len(len(obj), out, 0x80, 16, 0xDE, 0xDF, "map")
        depth -= 1
        for key, item in obj.items():
            if type(key) is str:
                _pack_str(key, out)
            else:
                _pack(key, out, depth)
            _pack(item, out, depth)
    elif t is list or t is tuple:
        if depth <= 0:
            raise ProtocolError(f"msgpack: more than {MAX_DEPTH} nested containers")
        _pack_len(len(obj), out, 0x90, 16, 0xDC, 0xDD, "array")
        depth -= 1
        for item in obj:
            _pack(item, out, depth)
    elif t in _BYTES_TYPES:
        data = bytes(obj)
        n = len(data)
        if n < 0x100:
            out += _P_U8(0xC4, n)
        elif n < 0x10000:
            out += _P_U16(0xC5, n)
        elif n < 0x100000000:
            out += _P_U32(0xC6, n)
        else:
            raise ProtocolError(f"msgpack: binary of {n} bytes is too long")
        out += data
    else:
        _pack_subclass(obj, out, depth)


def _pack_subclass(obj: Any, out: bytearray, depth: int) -> None:
    """Encodes subclasses of the supported types (IntEnum, OrderedDict, str enums...)."""
    if isinstance(obj, bool):
        _pack(bool(obj), out, depth)
    elif isinstance(obj, int):
        _pack_int(int(obj), out)
    elif isinstance(obj, float):
        _pack(float(obj), out, depth)
    elif isinstance(obj, str):
        _pack_str(str(obj), out)
    elif isinstance(obj, dict):
        _pack(dict(obj), out, depth)
    elif isinstance(obj, (list, tuple)):
        _pack(list(obj), out, depth)
    elif isinstance(obj, _BYTES_TYPES):
        _pack(bytes(obj), out, depth)
    else:
        raise ProtocolError(f"msgpack: cannot encode a value of type {type(obj).__name__}")


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
    if 0xA0 <= b <= 0xBF:
        return _str(data, pos, b & 0x1F, length)
    if b <= 0x8F:
        return _map(data, pos, b & 0x0F, length, depth)
    if b <= 0x9F:
        return _array(data, pos, b & 0x0F, length, depth)
    if b == 0xC0:
        return None, pos
    if b == 0xC2:
        return False, pos
    if b == 0xC3:
        return True, pos
    size = _SIZES.get(b)
    if size is None:
        if b == 0xC1:
            raise ProtocolError(f"msgpack: reserved byte 0xc1 at offset {pos - 1}")
        raise ProtocolError(f"msgpack: extension type 0x{b:02x} at offset {pos - 1} is not allowed")
    if pos + size > length:
        raise _truncated(pos, size, length)
    if b == 0xCC:
        return data[pos], pos + 1
    if b == 0xCD:
        return _U16(data, pos)[0], pos + 2
    if b == 0xCE:
        return _U32(data, pos)[0], pos + 4
    if b == 0xCF:
        return _U64(data, pos)[0], pos + 8
    if b == 0xD0:
        return _I8(data, pos)[0], pos + 1
    if b == 0xD1:
        return _I16(data, pos)[0], pos + 2
    if b == 0xD2:
        return _I32(data, pos)[0], pos + 4
    if b == 0xD3:
        return _I64(data, pos)[0], pos + 8
    if b == 0xCB:
        return _F64(data, pos)[0], pos + 8
    if b == 0xCA:
        return _F32(data, pos)[0], pos + 4
    n = data[pos] if size == 1 else (_U16(data, pos)[0] if size == 2 else _U32(data, pos)[0])
    pos += size
    if b in (0xD9, 0xDA, 0xDB):
        return _str(data, pos, n, length)
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
    0xCC: 1, 0xCD: 2, 0xCE: 4, 0xCF: 8, 0xD0: 1, 0xD1: 2, 0xD2: 4, 0xD3: 8,
    0xCA: 4, 0xCB: 8, 0xD9: 1, 0xDA: 2, 0xDB: 4, 0xC4: 1, 0xC5: 2, 0xC6: 4,
    0xDC: 2, 0xDD: 4, 0xDE: 2, 0xDF: 4,
}


def _str(data: bytes, pos: int, n: int, length: int) -> Tuple[str, int]:
    """Decodes n bytes of UTF-8 after checking they are there."""
    end = pos + n
    if end > length:
        raise _truncated(pos, n, length)
    try:
        return data[pos:end].decode("utf-8"), end
    except UnicodeDecodeError as exc:
        raise ProtocolError(f"msgpack: invalid UTF-8 in string at offset {pos} ({exc.reason})") from None


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
    """Decodes n key/value pairs (two bytes at least each), keeping their order."""
    if 2 * n > length - pos:
        raise _truncated(pos, 2 * n, length)
    if depth <= 0:
        raise ProtocolError(f"msgpack: more than {MAX_DEPTH} nested containers")
    depth -= 1
    result: Dict[Any, Any] = {}
    for _ in range(n):
        key, pos = _unpack(data, pos, length, depth)
        value, pos = _unpack(data, pos, length, depth)
        try:
            result[key] = value
        except TypeError:
            raise ProtocolError(f"msgpack: map key of type {type(key).__name__} is not supported") from None
    return result, pos
