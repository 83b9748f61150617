"""Bodies on the wire as the JSON bytes they already are (body_json, protocol/SPEC.md 3.4 and 3.6).

The shim parses a body only for what it must know itself (model, stream, usage); the supervisor parses
it again, natively (JSON.parse). So the bytes are sent only when JSON.parse reads them exactly as the
shim's parse did: strict UTF-8 without a byte-order mark (json.loads also takes UTF-16/32, a BOM and
encoded lone surrogates, JSON.parse none of them) and no NaN / Infinity literals (json.loads takes them,
JSON.parse does not: the parse that finds one refuses it, and the body is parsed again as json.loads
would). Anything else goes as the parsed body, as before; a supervisor that did not list the feature
gets parsed bodies.
"""
from __future__ import annotations

import json
from json import detect_encoding
from typing import Any, Optional, Tuple


class _Constant(Exception):
    """A NaN / Infinity literal: JSON.parse would refuse the body."""


def _refuse(name: str) -> Any:
    raise _Constant(name)


#: json.loads' own decoder (the C scanner) but refusing NaN / Infinity; stateless, shared by threads.
_STRICT = json.JSONDecoder(parse_constant=_refuse)
_SCAN = _STRICT.scan_once


def loads(raw: Any) -> Tuple[Any, Optional[bytes]]:
    """json.loads(raw) (its errors too), and raw itself when it may stand for the result on the wire."""
    # A body that opens an object with a non-NUL byte after it is UTF-8 to detect_encoding (no BOM, not
    # UTF-16/32); that Python function is skipped then.
    if type(raw) is not bytes or (raw[:1] != b"{" or raw[1:2] == b"\0") and detect_encoding(raw) != "utf-8":
        return json.loads(raw), None
    try:
        text = raw.decode("utf-8")
        try:
            # JSONDecoder.decode's own steps without its two Python frames and two whitespace matches: a
            # body that opens with "{" has no leading whitespace, and one that ends where the value ends
            # has no trailing data. Anything else (an error, whitespace or data after it) goes the whole way.
            obj, end = _SCAN(text, 0)
            if end == len(text):
                return obj, raw
        except StopIteration:
            pass
        return _STRICT.decode(text), raw
    except (_Constant, UnicodeDecodeError):
        return json.loads(raw), None
