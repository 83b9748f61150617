"""Keeps secrets out of everything sent to the supervisor: auth headers, key-like query params, userinfo."""
from __future__ import annotations

from typing import Any, Dict, Iterable, Optional, Tuple
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .provider_facts import SECRET_HEADER_PARTS as _SECRET_PARTS
from .provider_facts import SECRET_HEADERS as _DROP_HEADERS
from .provider_facts import SECRET_PARAMS as _SECRET_PARAMS


def is_secret_name(name: str) -> bool:
    """True for header or parameter names that may carry a credential."""
    lower = name.lower()
    return lower in _DROP_HEADERS or lower in _SECRET_PARAMS or any(part in lower for part in _SECRET_PARTS)


def _text(value: Any) -> str:
    """Header names and values as str (bytes are latin-1, as HTTP/1.1 defines)."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("latin-1")
    return str(value)


#: Header names as the client gave them -> the lower-cased name kept, or None for a credential's;
#: every call repeats the same few names, so each is judged once (bounded).
_NAMES: Dict[Any, Optional[str]] = {}
_NAMES_LIMIT = 512


def _header_name(raw_name: Any) -> Optional[str]:
    """The lower-cased name to report, or None for a header that may carry a credential."""
    name = _text(raw_name).lower()
    kept = None if name in _DROP_HEADERS or any(part in name for part in _SECRET_PARTS) else name
    try:
        if len(_NAMES) >= _NAMES_LIMIT:
            _NAMES.clear()
        _NAMES[raw_name] = kept
    except TypeError:  # an unhashable name (bytearray): judged again next time
        pass
    return kept


#: Header sets as the client gave them (a tuple of its (name, value) pairs) -> their scrubbed map: an agent
#: sends the same few sets call after call, so each is scrubbed once (bounded; a copy is handed out).
_SETS: Dict[Tuple[Any, ...], Dict[str, str]] = {}
_SETS_LIMIT = 64
_TEXT = (str, bytes)


def headers(items: Iterable[Tuple[Any, Any]]) -> Dict[str, str]:
    """Lower-cased headers without credentials; repeated headers are joined with ', '."""
    pairs = tuple(items)
    try:
        return dict(_SETS[pairs])
    except KeyError:
        result = _scrubbed(pairs)
    except TypeError:  # an unhashable name or value (bytearray, a list): scrubbed each time
        return _scrubbed(pairs)
    # Only str and bytes pairs are remembered: an equal set of those is the same text (1 == True, but "1" and
    # "True" are different header values).
    if all(
        type(pair) is tuple and len(pair) == 2 and type(pair[0]) in _TEXT and type(pair[1]) in _TEXT for pair in pairs
    ):
        if len(_SETS) >= _SETS_LIMIT:
            _SETS.clear()
        _SETS[pairs] = result
        return dict(result)
    return result


def _scrubbed(items: Tuple[Tuple[Any, Any], ...]) -> Dict[str, str]:
    """headers() for one set, judged pair by pair."""
    result: Dict[str, str] = {}
    names = _NAMES
    for raw_name, raw_value in items:
        try:
            name = names[raw_name]
        except (KeyError, TypeError):
            name = _header_name(raw_name)
        if name is None:
            continue
        value = raw_value if type(raw_value) is str else _text(raw_value)
        if name in result:
            result[name] = f"{result[name]}, {value}"
        else:
            result[name] = value
    return result


def url(raw: str) -> str:
    """The URL without userinfo and without query parameters named like secrets."""
    if "?" not in raw and "@" not in raw:
        return raw
    try:
        parts = urlsplit(raw)
    except ValueError:
        return raw.split("?", 1)[0]
    netloc = parts.netloc.rsplit("@", 1)[-1]
    query = parts.query
    if query:
        kept = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if not is_secret_name(k)]
        query = urlencode(kept)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
