"""Bodies on the wire as the JSON bytes they already are (body_json, protocol/SPEC.md 3.4 and 3.6).

The shim parses a body only for what it must know itself (model, stream, usage); the supervisor parses
it again, natively (JSON.parse). So the bytes are sent only when JSON.parse reads them exactly as the
shim's json.loads did: UTF-8 without a byte-order mark (json.loads also takes UTF-16/32 and a BOM,
JSON.parse neither), and no NaN / Infinity literals (json.loads takes them, JSON.parse does not). Anything
else goes as the parsed body, as before; a supervisor that did not list the feature gets parsed bodies.
"""
from __future__ import annotations

from json import detect_encoding
from typing import Any, Optional

_BYTES = (bytes, bytearray, memoryview)


def as_json_bytes(raw: Any, parsed: Any) -> Optional[bytes]:
    """raw, when it can stand for parsed on the wire; None when the parsed body must be sent instead."""
    if parsed is None or not isinstance(raw, _BYTES):
        return None
    data = raw if type(raw) is bytes else bytes(raw)
    if detect_encoding(data) != "utf-8" or b"NaN" in data or b"Infinity" in data:
        return None
    return data
