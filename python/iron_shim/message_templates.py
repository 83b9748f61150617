"""The two messages of every governed call, llm.request (SPEC 3.4) and llm.response (3.6), encoded from templates.

The msgpack bytes of their fixed parts (the map header, every key, v and type) are built once per key order;
per call only the varying values are encoded, and the pieces joined once. The result is byte for byte what
codec.packb writes for the same dict (test/python/test_message_templates.py compares the two over generated
messages). Anything else goes to the generic encoder: a dict whose keys are not one of the known orders to
packb, and a value of a type or size the fast path does not write inline to codec._pack, as packb would encode
it inside the message's map. Keys are compared by equality: a str subclass key equal to one of ours is written
as its characters, as packb writes it (unless the subclass's __str__ says otherwise: not one the shim makes)."""
from __future__ import annotations

from .codec import _FIXINT, _FIXSTR, _MAPS, _P_F64, _P_U8, _P_U16, _P_U32, _STRINGS
from .codec import MAX_DEPTH, _len_bytes, _pack, _repeated_map, _str_bytes, packb

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up (see named_tuple.py)
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, List, Optional, Tuple

    Encoder = Callable[[List[Any], Tuple[bytes, ...], Tuple[Any, ...]], Optional[bytes]]

#: The depth packb encodes a message's values at (its top map is one level).
_DEPTH = MAX_DEPTH - 1
_NIL = b"\xc0"
_TRUE = b"\xc3"
_FALSE = b"\xc2"

REQUEST_KEYS = ("v", "type", "id", "call", "provider", "endpoint", "model", "method", "url", "headers")
REQUEST_TAIL = ("stream", "est_tokens", "library", "attrs")
#: Added last when a call goes out under a grant (SPEC 3.4a on main since admit-grant): the grant's id.
REQUEST_OPTIONAL = ("admitted",)
RESPONSE_KEYS = ("v", "type", "id", "call", "status", "usage", "output")
RESPONSE_MIDDLE = ("latency_ms", "stream", "complete", "error", "request_id", "model")
#: Added after the fixed keys, in this order, when present: llm_response's retry_after, the reporter's
#: finish_reasons, Client.post's reply.
RESPONSE_OPTIONAL = ("retry_after", "finish_reasons", "reply")
EST_KEYS = ("input", "output")
USAGE_KEYS = ("input_tokens", "output_tokens", "cached_input_tokens", "cache_creation_input_tokens", "reasoning_tokens")


def encode(msg: Dict[str, Any]) -> bytes:
    """msg's msgpack bytes, from a template when its keys are one of the known orders, else packb(msg)."""
    if type(msg) is dict:
        shape = _SHAPES.get(tuple(msg))
        if shape is not None:
            try:
                encoded = shape[0](list(msg.values()), shape[1], shape[2])
            except Exception:  # noqa: BLE001 - nothing the template expects: packb decides (and raises)
                encoded = None
            if encoded is not None:
                return encoded
    return packb(msg)


def template_of(msg: Dict[str, Any]) -> Optional[bytes]:
    """The template path alone (for tests): msg's bytes, or None when it is not one of the known shapes."""
    shape = _SHAPES.get(tuple(msg)) if type(msg) is dict else None
    return None if shape is None else shape[0](list(msg.values()), shape[1], shape[2])


def _value(value: Any) -> bytes:
    """One value of a message's map as packb writes it there."""
    parts: List[bytes] = []
    _pack(value, parts.append, _DEPTH)
    return b"".join(parts)


def _str(value: Any) -> bytes:
    """A str value (or nil); short ones from and into codec's memo, as packb."""
    if type(value) is str:
        return _STRINGS.get(value) or _str_bytes(value)
    return _NIL if value is None else _value(value)


def _fresh_str(value: Any) -> bytes:
    """A str seen once (a call id): a short ASCII one without the memo (it would only push the others out)."""
    if type(value) is str and len(value) < 32 and value.isascii():
        return _FIXSTR[len(value)] + value.encode()
    return _str(value)


def _int(value: Any) -> bytes:
    """An int (or nil); uint formats inline, anything else through _pack."""
    if type(value) is int and 0 <= value < 0x100000000:
        if value < 0x80:
            return _FIXINT[value]
        if value < 0x100:
            return _P_U8(0xCC, value)
        if value < 0x10000:
            return _P_U16(0xCD, value)
        return _P_U32(0xCE, value)
    return _NIL if value is None else _value(value)


def _bool(value: Any) -> bytes:
    """A bool (or anything, through _pack)."""
    return _TRUE if value is True else _FALSE if value is False else _value(value)


def _map_of(value: Any, keys: Tuple[Any, ...]) -> bytes:
    """A map of ints (or nils) under exactly the keys keys[0], from keys[1:] (the header with the first key,
    then each next key); any other value through _pack."""
    if type(value) is dict and tuple(value) == keys[0]:
        out = []
        for piece, item in zip(keys[1:], value.values()):
            out.append(piece)
            out.append(_FIXINT[item] if type(item) is int and 0 <= item < 0x80 else _int(item))
        return b"".join(out)
    return _value(value)


def _body(value: Any) -> Tuple[bytes, Any]:
    """(header, data) of body_json's bytes (bin8/16/32), or (b"", the encoded value) of anything else."""
    if type(value) is bytes:
        n = len(value)
        if n < 0x100:
            return _P_U8(0xC4, n), value
        if n < 0x10000:
            return _P_U16(0xC5, n), value
        if n < 0x100000000:
            return _P_U32(0xC6, n), value
    return b"", _value(value)


def _request(values: List[Any], keys: Tuple[bytes, ...], est: Tuple[Any, ...]) -> Optional[bytes]:
    """llm.request's bytes from its 15 values and the optional one after them (None when v or type are not the
    template's)."""
    (
        v,
        kind,
        msg_id,
        call,
        provider,
        endpoint,
        model,
        method,
        url,
        headers,
        body,
        stream,
        tokens,
        library,
        attrs,
    ) = (
        values if len(values) == 15 else values[:15]
    )
    if type(kind) is not str or kind != "llm.request" or type(v) is not int or v != 1:
        return None
    memo = _MAPS.get("headers")
    get = _STRINGS.get
    head, data = _body(body)
    out = (
        keys[0],
        _int(msg_id),
        keys[1],
        _fresh_str(call),
        keys[2],
        type(provider) is str and get(provider) or _str(provider),
        keys[3],
        type(endpoint) is str and get(endpoint) or _str(endpoint),
        keys[4],
        _NIL if model is None else type(model) is str and get(model) or _str(model),
        keys[5],
        type(method) is str and get(method) or _str(method),
        keys[6],
        type(url) is str and get(url) or _str(url),
        keys[7],
        _repeated_map(memo, headers, _DEPTH) if memo is not None and type(headers) is dict else _value(headers),
        keys[8],
        head,
        data,
        keys[9],
        _TRUE if stream is True else _FALSE if stream is False else _value(stream),
        keys[10],
        _map_of(tokens, est),
        keys[11],
        type(library) is str and get(library) or _str(library),
        keys[12],
        b"\x80" if type(attrs) is dict and not attrs else _value(attrs),
    )
    return b"".join(out if len(values) == 15 else out + (keys[13], _str(values[15])))


def _response(values: List[Any], keys: Tuple[bytes, ...], usage: Tuple[Any, ...]) -> Optional[bytes]:
    """llm.response's bytes from its 14 values and the optional ones after them (None when v or type are
    not the template's)."""
    v, kind, msg_id, call, status, used, output, body, latency, stream, complete, error, rid, model = values[:14]
    if type(kind) is not str or kind != "llm.response" or type(v) is not int or v != 1:
        return None
    head, data = _body(body)
    get = _STRINGS.get
    pieces = [
        keys[0],
        _int(msg_id),
        keys[1],
        _fresh_str(call),
        keys[2],
        _int(status),
        keys[3],
        _NIL if used is None else _map_of(used, usage),
        keys[4],
        type(output) is str and get(output) or _str(output),
        keys[5],
        head,
        data,
        keys[6],
        _P_F64(0xCB, latency) if type(latency) is float else _value(latency),
        keys[7],
        _TRUE if stream is True else _FALSE if stream is False else _value(stream),
        keys[8],
        _TRUE if complete is True else _FALSE if complete is False else _value(complete),
        keys[9],
        _NIL if error is None else type(error) is str and get(error) or _str(error),
        keys[10],
        _NIL if rid is None else type(rid) is str and get(rid) or _str(rid),
        keys[11],
        _NIL if model is None else type(model) is str and get(model) or _str(model),
    ]
    for key, value in zip(keys[12:], values[14:]):
        pieces.append(key)
        pieces.append(_bool(value) if type(value) is bool else _value(value))
    return b"".join(pieces)


def _key(key: str) -> bytes:
    """A key's msgpack bytes (fixstr: every key here is short ASCII)."""
    return _FIXSTR[len(key)] + key.encode()


def _runs(shape: Tuple[str, ...], kind: str) -> Tuple[bytes, ...]:
    """The constant runs of a message: its map header, v, type and the "id" key in one; then each next key."""
    first = _len_bytes(len(shape), 0x80, 16, 0xDE, 0xDF, "map") + _key("v") + _FIXINT[1] + _key("type") + _key(kind)
    return (first + _key("id"),) + tuple(_key(key) for key in shape[3:])


def _map_pieces(keys: Tuple[str, ...]) -> Tuple[Any, ...]:
    """A fixed-key map's template for _map_of: its keys, its header with the first key, each next key."""
    head = _len_bytes(len(keys), 0x80, 16, 0xDE, 0xDF, "map") + _key(keys[0])
    return (keys, head) + tuple(_key(k) for k in keys[1:])


def _shapes() -> Dict[Tuple[int, ...], Tuple[Encoder, Tuple[bytes, ...], Tuple[Any, ...]]]:
    """Every key order the builders (protocol.llm_request / llm_response, the reporter, Client.post) produce,
    by its keys."""
    shapes: Dict[Tuple[int, ...], Tuple[Encoder, Tuple[bytes, ...], Tuple[Any, ...]]] = {}
    est, usage = _map_pieces(EST_KEYS), _map_pieces(USAGE_KEYS)
    for body in ("body", "body_json"):
        for tail in ((), REQUEST_OPTIONAL):
            keys = REQUEST_KEYS + (body,) + REQUEST_TAIL + tail
            shapes[keys] = (_request, _runs(keys, "llm.request"), est)
        for present in range(1 << len(RESPONSE_OPTIONAL)):
            tail = tuple(key for bit, key in enumerate(RESPONSE_OPTIONAL) if present >> bit & 1)
            keys = RESPONSE_KEYS + (body,) + RESPONSE_MIDDLE + tail
            shapes[keys] = (_response, _runs(keys, "llm.response"), usage)
    return shapes


_SHAPES = _shapes()
