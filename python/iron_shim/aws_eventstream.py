"""AWS's binary event-stream encoding (Bedrock's ConverseStream), read and written frame by frame.

A frame: total length (4 bytes), headers length (4), CRC32 of those 8 (the prelude checksum),
the headers, the payload, CRC32 of everything before it (the message checksum); big-endian.
A header: name length (1), name, value type (1), value (type 7, a string: length (2) + UTF-8).
The parser hands the stream tap one event per frame: its name is `:event-type` (an exception:
`exception:` + `:exception-type`), its data the payload as text, its raw bytes the frame.
"""
from __future__ import annotations

import struct
import zlib
import json
from typing import Any, Dict, List, Optional, Tuple

from .sse import MAX_EVENT_BYTES, SSEEvent

_PRELUDE = 12
_STRING = 7


class FrameError(ValueError):
    """A frame whose lengths or checksums are wrong: the stream cannot be read further."""


def _headers(data: bytes) -> Dict[str, str]:
    """The string headers of a frame (other value types are skipped by their fixed or given size)."""
    out: Dict[str, str] = {}
    pos = 0
    sizes = {0: 0, 1: 0, 2: 1, 3: 2, 4: 4, 5: 8, 8: 8, 9: 16}
    while pos < len(data):
        size = data[pos]
        name = data[pos + 1 : pos + 1 + size].decode("utf-8", "replace")
        kind = data[pos + 1 + size]
        pos += 2 + size
        if kind in (6, _STRING):
            (length,) = struct.unpack_from(">H", data, pos)
            if kind == _STRING:
                out[name] = data[pos + 2 : pos + 2 + length].decode("utf-8", "replace")
            pos += 2 + length
        elif kind in sizes:
            pos += sizes[kind]
        else:
            raise FrameError(f"header value type {kind} is not one AWS defines")
    return out


def decode(frame: bytes) -> Tuple[Dict[str, str], bytes]:
    """(headers, payload) of one whole frame, its checksums checked."""
    total, head = struct.unpack_from(">II", frame, 0)
    (prelude_crc,) = struct.unpack_from(">I", frame, 8)
    if total != len(frame) or zlib.crc32(frame[:8]) != prelude_crc:
        raise FrameError("event-stream prelude does not check out")
    (message_crc,) = struct.unpack_from(">I", frame, total - 4)
    if zlib.crc32(frame[: total - 4]) != message_crc:
        raise FrameError("event-stream message checksum does not check out")
    return _headers(frame[_PRELUDE : _PRELUDE + head]), frame[_PRELUDE + head : total - 4]


def encode(headers: Dict[str, str], payload: bytes) -> bytes:
    """One frame with string headers and both checksums."""
    head = b""
    for name, value in headers.items():
        raw_name, raw_value = name.encode("utf-8"), value.encode("utf-8")
        head += struct.pack(">B", len(raw_name)) + raw_name + struct.pack(">BH", _STRING, len(raw_value)) + raw_value
    total = _PRELUDE + len(head) + len(payload) + 4
    prelude = struct.pack(">II", total, len(head))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    body = prelude + head + payload
    return body + struct.pack(">I", zlib.crc32(body))


def event_frame(name: str, payload: bytes) -> bytes:
    """An event frame as Bedrock sends it (`name` may be `exception:<type>` for an exception)."""
    if name.startswith("exception:"):
        headers = {":exception-type": name[len("exception:") :], ":content-type": "application/json"}
        return encode({**headers, ":message-type": "exception"}, payload)
    return encode({":event-type": name, ":content-type": "application/json", ":message-type": "event"}, payload)


def error_frame(code: str, message: str, payload: bytes) -> bytes:
    """A generic error frame (`:message-type: error`): botocore raises it with Error.Code = code."""
    headers = {":message-type": "error", ":error-code": code, ":error-message": message}
    return encode({**headers, ":content-type": "application/json"}, payload)


def denial_frame(error: Any, iron: Dict[str, Any]) -> bytes:
    """A policy's end of a stream: an error frame botocore raises as EventStreamError (a ClientError)
    with Bedrock's code, the iron details in its payload."""
    code, message = str(error.get("code") or "ValidationException"), str(error.get("message") or "")
    payload = json.dumps({"message": message, "iron": iron}, separators=(",", ":")).encode("utf-8")
    return error_frame(code, message, payload)


def json_frame(name: str, obj: Any) -> bytes:
    """An event frame with a compact JSON payload (a rewritten event, fresh checksums)."""
    return event_frame(name, json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def frame_json(event: SSEEvent) -> Tuple[Any, Optional[str]]:
    """A frame's JSON payload (None when not JSON), and the error an `exception:` frame ends its stream with."""
    try:
        obj = json.loads(event.data or "")
    except ValueError:
        return None, None
    if event.event.startswith("exception:"):
        message = (obj.get("message") or obj.get("Message")) if isinstance(obj, dict) else None
        return obj, f"{event.event[len('exception:'):]}: {message}"
    return obj, None


def event_name(headers: Dict[str, str]) -> str:
    """The tap's name for a frame: its event type, or `exception:` + its exception type."""
    if headers.get(":message-type") in ("exception", "error"):
        return "exception:" + (headers.get(":exception-type") or headers.get(":error-code") or "error")
    return headers.get(":event-type", "")


class EventStreamParser:
    """The SSE parser's interface over binary frames: whole frames out, split anywhere going in."""

    __slots__ = ("_buf", "overflow")

    def __init__(self) -> None:
        """One parser per response."""
        self._buf = bytearray()
        self.overflow = False

    def feed(self, chunk: bytes) -> List[SSEEvent]:
        """Adds bytes; returns one event per frame they completed (a broken frame raises FrameError)."""
        buf = self._buf
        buf += chunk
        events: List[SSEEvent] = []
        while len(buf) >= _PRELUDE:
            (total,) = struct.unpack_from(">I", buf, 0)
            if total < _PRELUDE + 4 or total > MAX_EVENT_BYTES:
                self.overflow = True
                break
            if len(buf) < total:
                break
            frame = bytes(buf[:total])
            del buf[:total]
            headers, payload = decode(frame)
            events.append(SSEEvent(event_name(headers), payload.decode("utf-8", "replace"), frame))
        return events

    def take_tail(self) -> bytes:
        """The bytes of an unfinished frame (and forgotten)."""
        tail = bytes(self._buf)
        self._buf = bytearray()
        return tail

    def flush(self) -> Optional[SSEEvent]:
        """At end of stream: an unfinished frame is passed on as it is, never parsed."""
        tail = self.take_tail()
        return SSEEvent("", None, tail) if tail else None
