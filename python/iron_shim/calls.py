"""The values that flow between the governor and the interceptors: a call, a verdict, an outcome."""
from __future__ import annotations

import json
import os
import time
from typing import Any, NamedTuple, Optional, Tuple

from . import denial as denials
from . import providers


class Call:
    """One governed LLM call, from its request to its response report."""

    __slots__ = (
        "id",
        "info",
        "library",
        "started",
        "report",
        "added_usage",
        "chunks",
        "chunk_batch",
        "chunk_index",
        "deadline_ms",
        "response_decision",
        "response_hints",
        "chunk_hints",
    )

    def __init__(self, info: providers.CallInfo, library: str) -> None:
        """A fresh call id (c- + 16 random hex digits) for a recognised call."""
        self.id = "c-" + os.urandom(8).hex()
        self.info = info
        self.library = library
        self.started = time.perf_counter()
        self.report = True
        self.added_usage = False
        self.chunks = False  # the engine watches this call's streamed text (llm.chunk, SPEC 3.6a)
        self.chunk_batch = False  # llm.chunk may carry every delta read so far (texts, SPEC 3.6a)
        self.chunk_index = 0
        self.response_decision = True  # False: no policy can act on the response; report it, wait for nothing
        self.response_hints: Optional[Tuple[Tuple[str, bool], ...]] = None  # a response none matches needs no decision
        #: a streamed read none matches is released without a chunk decision (source, ignore case, hold)
        self.chunk_hints: Optional[Tuple[Tuple[str, bool, bool], ...]] = None
        self.deadline_ms: Optional[int] = None  # the per-call deadline the engine set (timeout_ms, SPEC 3.5)

    @property
    def kind(self) -> str:
        """The provider wire format: openai or anthropic."""
        return self.info.target.kind


class Verdict(NamedTuple):
    """What the interceptor does with a request: "pass" untouched, "send" (body: replacement), "deny".

    A "send" may also carry a new URL (modify.url, SPEC 3.5), headers to set on the way out, and the
    call's deadline in seconds (timeout_ms, SPEC 3.5), which caps the HTTP client's own timeouts."""

    action: str
    call: Optional[Call]
    body: Optional[bytes]
    response: Optional[denials.SyntheticResponse]
    url: Optional[str] = None
    headers: Tuple[Tuple[str, str], ...] = ()
    timeout: Optional[float] = None


class Outcome(NamedTuple):
    """What the interceptor does with a response: "keep", "replace" (body), or "deny" (response)."""

    action: str
    body: Optional[bytes]
    response: Optional[denials.SyntheticResponse]


PASS = Verdict("pass", None, None, None)
KEEP = Outcome("keep", None, None)


def json_bytes(value: Any) -> bytes:
    """Compact JSON for bodies the shim rewrites."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def capped(current: Any, deadline: float) -> float:
    """A client timeout (seconds, None or a library sentinel) capped at the call's deadline."""
    if isinstance(current, (int, float)) and not isinstance(current, bool) and 0 < current < deadline:
        return float(current)
    return deadline


def is_event_stream(content_type: Optional[str]) -> bool:
    """True for an SSE response."""
    return bool(content_type) and "text/event-stream" in str(content_type).lower()
