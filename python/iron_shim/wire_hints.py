"""The policies' hints in a decision (response_hints, SPEC 3.5; chunk_hints, 3.6a), parsed once while the
decoder hands out the same list again."""
from __future__ import annotations

from .codec_decode import remembered, repeat

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up (see named_tuple.py)
if TYPE_CHECKING:
    from typing import Any, Dict, Optional, Tuple

#: Every request decision of a supervisor carries the same response_hints (and every stream's the same
#: chunk_hints): decoded once (codec_decode.repeat) and parsed once (the decoder's shared list, and what it gave).
repeat("response_hints")
repeat("chunk_hints")
_parsed_once: Dict[str, Tuple[Any, Any]] = {}


def _once(key: str, value: Any, parse: Any) -> Any:
    """parse(value), remembered while the decoder hands out its one shared value for key again."""
    last = _parsed_once.get(key)
    if last is not None and value is last[0]:
        return last[1]
    parsed = parse(value)
    if value is not None and value is remembered(key):  # shared and never changed: parse it once
        _parsed_once[key] = (value, parsed)
    return parsed


def parse_hints(value: Any) -> Optional[Tuple[Tuple[str, bool], ...]]:
    """response_hints (3.5) as (source, ignore case) pairs; None when absent or off-spec (then the shim asks)."""
    return _once("response_hints", value, _parse_hints)


def _parse_hints(value: Any) -> Optional[Tuple[Tuple[str, bool], ...]]:
    """parse_hints() without the memo."""
    if type(value) is not list or len(value) > 64:
        return None
    hints = []
    for hint in value:
        source = hint.get("re") if type(hint) is dict else None
        flag = hint.get("i", False) if type(hint) is dict else None
        if type(source) is not str or not source or len(source) > 1024 or type(flag) is not bool:
            return None
        hints.append((source, flag))
    return tuple(hints)


def parse_chunk_hints(value: Any) -> Optional[Tuple[Tuple[str, bool, bool], ...]]:
    """chunk_hints (3.6a) as (source, ignore case, hold) triples; None when absent or off-spec (the shim asks)."""
    return _once("chunk_hints", value, _parse_chunk_hints)


def _parse_chunk_hints(value: Any) -> Optional[Tuple[Tuple[str, bool, bool], ...]]:
    """parse_chunk_hints() without the memo."""
    hints = _parse_hints(value)
    if hints is None:
        return None
    holds = []
    for hint in value:
        hold = hint.get("hold", False)
        if type(hold) is not bool:
            return None
        holds.append(hold)
    return tuple((source, flag, hold) for (source, flag), hold in zip(hints, holds))
