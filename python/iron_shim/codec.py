"""msgpack exactly as protocol/SPEC.md section 2 says: smallest formats, float64, no ext types.

Encoding is on every call's hot path: leaves of maps and arrays are written inline and short strings
(keys, model names, header names and values) are encoded once and remembered. Decoding lives in
codec_decode.py."""
from __future__ import annotations

import struct

from .codec_decode import MAX_DEPTH, unpackb
from .errors import ProtocolError

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up (see named_tuple.py)
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, List

__all__ = ["MAX_DEPTH", "packb", "repeat_map", "unpackb"]

_P_U8 = struct.Struct(">BB").pack
_P_U16 = struct.Struct(">BH").pack
_P_U32 = struct.Struct(">BI").pack
_P_U64 = struct.Struct(">BQ").pack
_P_I8 = struct.Struct(">Bb").pack
_P_I16 = struct.Struct(">Bh").pack
_P_I32 = struct.Struct(">Bi").pack
_P_I64 = struct.Struct(">Bq").pack
_P_F64 = struct.Struct(">Bd").pack

_BYTES_TYPES = (bytes, bytearray, memoryview)

#: Encoded short strings (keys, models, header names and values repeat on every call), bounded.
_STRINGS: Dict[str, bytes] = {}
_CACHED_CHARS = 48
_CACHE_ENTRIES = 1024
#: repeat_map() keys -> {the map's items: its bytes}; a few distinct maps per key are kept.
_MAPS: Dict[str, Dict[Any, bytes]] = {}
_MAPS_ENTRIES = 64
#: The one-byte encodings: fixint 0..127, and the fixstr / fixmap / fixarray headers.
_FIXINT = [bytes((i,)) for i in range(128)]
_FIXSTR = [bytes((0xA0 | n,)) for n in range(32)]
_FIXMAP = [bytes((0x80 | n,)) for n in range(16)]
_FIXARRAY = [bytes((0x90 | n,)) for n in range(16)]


def packb(value: Any) -> bytes:
    """Encodes one value into the exact bytes SPEC.md prescribes. The pieces are collected in a list and
    joined once: a bytearray grown piece by piece cost ~20 % more (its resizes, callgrind)."""
    parts: List[bytes] = []
    try:
        _pack(value, parts.append, MAX_DEPTH)
    except RecursionError:
        raise ProtocolError("msgpack: value nested too deeply to encode") from None
    return b"".join(parts)


def repeat_map(key: str) -> None:
    """Map values under this key are str -> str maps that repeat from message to message (an agent's request
    headers): each distinct one is encoded once and its bytes reused (bounded)."""
    _MAPS.setdefault(key, {})


def _repeated_map(memo: Dict[Any, bytes], value: Dict[Any, Any], depth: int) -> bytes:
    """The bytes of a map under a repeat_map() key: remembered when every key and value is a str (so an equal
    map is encoded the same: a str equals no int, float or bool), else encoded each time."""
    try:
        items = (tuple(value), tuple(value.values()))  # two tuples, not one per entry (the GC tracks each)
        return memo[items]
    except KeyError:
        pass
    except TypeError:  # an unhashable value: not one to remember
        items = None
    parts: List[bytes] = []
    _pack(value, parts.append, depth)
    encoded = b"".join(parts)
    if items is not None and all(type(k) is str for k in items[0]) and all(type(v) is str for v in items[1]):
        if len(memo) >= _MAPS_ENTRIES:
            memo.clear()
        memo[items] = encoded
    return encoded


def _str_bytes(value: str) -> bytes:
    """A str as fixstr/str8/str16/str32 (UTF-8) with its header; short ones are remembered."""
    try:
        data = value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ProtocolError(f"msgpack: string is not valid UTF-8 ({exc.reason})") from None
    n = len(data)
    if n < 32:
        encoded = _FIXSTR[n] + data
    elif n < 0x100:
        encoded = _P_U8(0xD9, n) + data
    elif n < 0x10000:
        encoded = _P_U16(0xDA, n) + data
    elif n < 0x100000000:
        encoded = _P_U32(0xDB, n) + data
    else:
        raise ProtocolError(f"msgpack: string of {n} bytes is too long")
    if len(value) <= _CACHED_CHARS:
        if len(_STRINGS) >= _CACHE_ENTRIES:
            _STRINGS.clear()
        _STRINGS[value] = encoded
    return encoded


def _int_bytes(value: int) -> bytes:
    """An int in the smallest format that holds it."""
    if value >= 0:
        if value < 0x80:
            return _FIXINT[value]
        if value < 0x100:
            return _P_U8(0xCC, value)
        if value < 0x10000:
            return _P_U16(0xCD, value)
        if value < 0x100000000:
            return _P_U32(0xCE, value)
        if value < 0x10000000000000000:
            return _P_U64(0xCF, value)
    elif value >= -32:
        return bytes((value & 0xFF,))
    elif value >= -0x80:
        return _P_I8(0xD0, value)
    elif value >= -0x8000:
        return _P_I16(0xD1, value)
    elif value >= -0x80000000:
        return _P_I32(0xD2, value)
    elif value >= -0x8000000000000000:
        return _P_I64(0xD3, value)
    raise ProtocolError(f"msgpack: integer {value} does not fit in 64 bits")


def _len_bytes(n: int, fix: int, limit: int, tag16: int, tag32: int, what: str) -> bytes:
    """The header of an array or map of n items."""
    if n < limit:
        return bytes((fix | n,))
    if n < 0x10000:
        return _P_U16(tag16, n)
    if n < 0x100000000:
        return _P_U32(tag32, n)
    raise ProtocolError(f"msgpack: {what} of {n} items is too long")


def _pack(obj: Any, put: Callable[[bytes], Any], depth: int) -> None:
    """Encodes any supported value into put (a list's append); the leaves of maps and arrays (str, small int,
    nil) inline."""
    t = type(obj)
    if t is str:
        put(_STRINGS.get(obj) or _str_bytes(obj))
    elif t is dict:
        if depth <= 0:
            raise ProtocolError(f"msgpack: more than {MAX_DEPTH} nested containers")
        n = len(obj)
        put(_FIXMAP[n] if n < 16 else _len_bytes(n, 0x80, 16, 0xDE, 0xDF, "map"))
        depth -= 1
        get = _STRINGS.get
        for key, item in obj.items():
            if type(key) is str:
                put(get(key) or _str_bytes(key))
            else:
                _pack(key, put, depth)
            ti = type(item)
            if ti is str:
                put(get(item) or _str_bytes(item))
            elif item is None:
                put(b"\xc0")
            elif ti is int:
                put(_FIXINT[item] if 0 <= item < 0x80 else _int_bytes(item))
            elif ti is bool:
                put(b"\xc3" if item else b"\xc2")
            elif ti is float:
                put(_P_F64(0xCB, item))
            elif ti is dict and not item and depth > 0:  # llm.request's attrs, most often: no call for it
                put(b"\x80")
            elif ti is bytes and len(item) < 0x10000:  # body_json: bin8 / bin16 inline
                n = len(item)
                put(_P_U8(0xC4, n) if n < 0x100 else _P_U16(0xC5, n))
                put(item)
            elif ti is dict and depth > 0 and type(key) is str and key in _MAPS:
                put(_repeated_map(_MAPS[key], item, depth))
            else:
                _pack(item, put, depth)
    elif t is int:
        put(_int_bytes(obj))
    elif obj is None:
        put(b"\xc0")
    elif t is bool:
        put(b"\xc3" if obj else b"\xc2")
    elif t is float:
        put(_P_F64(0xCB, obj))
    elif t is list or t is tuple:
        if depth <= 0:
            raise ProtocolError(f"msgpack: more than {MAX_DEPTH} nested containers")
        n = len(obj)
        put(_FIXARRAY[n] if n < 16 else _len_bytes(n, 0x90, 16, 0xDC, 0xDD, "array"))
        depth -= 1
        for item in obj:
            if type(item) is str:
                put(_STRINGS.get(item) or _str_bytes(item))
            else:
                _pack(item, put, depth)
    elif t in _BYTES_TYPES:
        data = bytes(obj)
        n = len(data)
        if n < 0x100:
            put(_P_U8(0xC4, n))
        elif n < 0x10000:
            put(_P_U16(0xC5, n))
        elif n < 0x100000000:
            put(_P_U32(0xC6, n))
        else:
            raise ProtocolError(f"msgpack: binary of {n} bytes is too long")
        put(data)
    else:
        _pack_subclass(obj, put, depth)


def _pack_subclass(obj: Any, put: Callable[[bytes], Any], depth: int) -> None:
    """Encodes subclasses of the supported types (IntEnum, OrderedDict, str enums...)."""
    if isinstance(obj, bool):
        _pack(bool(obj), put, depth)
    elif isinstance(obj, int):
        put(_int_bytes(int(obj)))
    elif isinstance(obj, float):
        _pack(float(obj), put, depth)
    elif isinstance(obj, str):
        put(_str_bytes(str(obj)))
    elif isinstance(obj, dict):
        _pack(dict(obj), put, depth)
    elif isinstance(obj, (list, tuple)):
        _pack(list(obj), put, depth)
    elif isinstance(obj, _BYTES_TYPES):
        _pack(bytes(obj), put, depth)
    else:
        raise ProtocolError(f"msgpack: cannot encode a value of type {type(obj).__name__}")
