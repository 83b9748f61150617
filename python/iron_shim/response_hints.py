"""Response hints (protocol/SPEC.md 3.5): release a read response no output policy could act on.

A request decision may carry `response_hints`: patterns of which at least one matches some text of every
response a policy could redact or deny (the supervisor's PII detectors give one each). A response whose
texts none of them matches is released at once; its llm.response is still sent, with its body, and
decided on as before. Anything unexpected (a hint that does not compile, a body that is not JSON, an
error) means "not clean": the shim waits for the decision, as without hints.

The hints are written in the subset JavaScript and Python `re` read alike (no lookaround, \\b, \\s, `.`
or `$`); where they differ Python matches more (Unicode \\d), which only makes the shim ask more often.
"""
from __future__ import annotations

import re
from typing import Any, Dict, Optional, Pattern, Tuple

Hints = Tuple[Tuple[str, bool], ...]

#: Keys whose values the supervisor's safety policy never scans (ids, roles, usage, signatures, …): a
#: subset of SKIP in src/policy/pii/body-texts.ts (test/unit/response-hints-python.test.ts checks it),
#: left out here so random ids ("chatcmpl-…") do not look like numbers or keys.
SKIPPED_KEYS = frozenset(
    (
        "model",
        "role",
        "type",
        "id",
        "object",
        "created",
        "created_at",
        "index",
        "status",
        "finish_reason",
        "stop_reason",
        "stop_sequence",
        "system_fingerprint",
        "service_tier",
        "usage",
        "logprobs",
        "top_logprobs",
        "signature",
        "call_id",
        "tool_call_id",
        "tool_use_id",
        "finishReason",
        "usageMetadata",
        "modelVersion",
        "responseId",
        "thoughtSignature",
        "safetyRatings",
        "done_reason",
        "prompt_filter_results",
        "content_filter_results",
    )
)

#: Past this many characters the search costs about what the decision's round trip does: ask instead.
MAX_SCANNED_CHARS = 4096
_MAX_CACHED = 32
_compiled: Dict[Hints, Optional[Tuple[Pattern[str], ...]]] = {}
_last: Tuple[Any, Optional[Tuple[Pattern[str], ...]]] = (None, None)


def compiled(hints: Hints) -> Optional[Tuple[Pattern[str], ...]]:
    """The hints compiled once per distinct list; None when one does not compile (then the shim asks).
    Each is its own pattern: Python's re finds a literal start quickly, an alternation of them slowly."""
    last = _last
    if hints is last[0]:
        return last[1]  # the same tuple as the last call's (protocol.parse_hints hands out one per list)
    found = _compiled.get(hints, False)
    if found is not False:
        _remember(hints, found)  # type: ignore[arg-type]
        return found  # type: ignore[return-value]
    patterns: Optional[Tuple[Pattern[str], ...]]
    try:
        # A multiline ^ matches where each text starts in the joined texts (clean()).
        patterns = tuple(re.compile(source, re.M | (re.I if flag else 0)) for source, flag in dict.fromkeys(hints))
    except (re.error, TypeError, ValueError, RecursionError, OverflowError):
        patterns = None
    if len(_compiled) >= _MAX_CACHED:
        _compiled.clear()
    _compiled[hints] = patterns
    _remember(hints, patterns)
    return patterns


def _remember(hints: Hints, patterns: Optional[Tuple[Pattern[str], ...]]) -> None:
    """The last hints looked up and their patterns: the next call's are most often the very same tuple."""
    global _last
    _last = (hints, patterns)


def clean(hints: Hints, body: Any, output: Any) -> bool:
    """True only when no hint matches the output text or any string value of the parsed body (keys are
    structure: the supervisor's safety policy reads values only); never raises (an error is "not clean")."""
    try:
        return _clean(hints, body, output)
    except Exception:  # noqa: BLE001
        return False


def _clean(hints: Hints, body: Any, output: Any) -> bool:
    patterns = compiled(hints)
    if patterns is None or not isinstance(output, str):
        return False
    texts = {output: None}  # the output is most often the body's one text: searched once
    stack = [body]
    while stack:
        value = stack.pop()
        if type(value) is str:
            texts[value] = None
        elif type(value) is dict:
            for key, child in value.items():
                if type(key) is not str:
                    return False
                if key not in SKIPPED_KEYS:
                    stack.append(child)
        elif type(value) is list:
            stack.extend(value)
        elif value is not None and type(value) not in (int, float, bool):
            return False  # not what a JSON parse makes: ask
    # One search per pattern over every text: a match in one text is a match in the joined string (a
    # newline between them and re.M keep ^ at each text's start); one across two only makes the shim ask.
    joined = "\n".join(texts)
    if len(joined) > MAX_SCANNED_CHARS:
        return False
    for pattern in patterns:
        if pattern.search(joined) is not None:
            return False
    return True
