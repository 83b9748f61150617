"""Grants (protocol/SPEC.md 3.4a): admit a call like one the supervisor just allowed, without waiting.

A request decision may carry a `grant`: for this connection, until it expires (from the moment it is
read) or its calls or budget run out, the shim may let a call go at once when it is like the call that
earned the grant (provider, endpoint, model, URL, stream, attributes), no request hint matches its texts
(the supervisor's request-side detectors' portable patterns: a hint may over-match, never under-match),
and its conservative cost bound fits in what is left of the grant's budget. The call is still sent as
`llm.request` (with `admitted`), and the supervisor decides on it as on any other. Anything unexpected
means "ask", as without a grant. A grant is dropped when the link goes down, when the supervisor ends it
(`grant.end`), and when a newer one comes.
"""
from __future__ import annotations

import math
import threading
import time
from typing import Any, Dict, Mapping, Optional, Tuple

from . import response_hints
from .protocol import Decision

#: The output caps the supervisor reads at the top of a body (src/policy/policies/budget.ts CAP_KEYS).
CAP_KEYS = ("max_tokens", "max_completion_tokens", "max_output_tokens")
#: Keys the supervisor's input estimate prices at a flat count (media) or that hold a cap of their own
#: (Gemini's generationConfig, Ollama's options): a body with one of them anywhere is asked.
ASKED_KEYS = frozenset(
    (
        "image_url",
        "input_image",
        "image",
        "input_audio",
        "audio",
        "file",
        "file_data",
        "file_id",
        "source",
        "document",
        "generationConfig",
        "options",
    )
)


class Grant:
    """One grant as the shim holds it; admit() is safe from any thread."""

    __slots__ = (
        "id",
        "deadline",
        "calls",
        "micros",
        "like",
        "in_factor",
        "in_micros",
        "out_micros",
        "out_default",
        "hints",
        "decision",
        "lock",
    )

    def __init__(self, spec: Mapping[str, Any], decision: Decision, now: float) -> None:
        """Reads the grant's terms; raises ValueError when they are off-spec (then there is no grant)."""
        self.id = _typed(spec, "id", str)
        self.deadline = now + _typed(spec, "ttl_ms", int) / 1000.0
        self.calls = _typed(spec, "calls", int)
        self.micros = _typed(spec, "micros", int)
        attrs = _typed(spec, "attrs", dict)
        model = spec.get("model")
        if model is not None and type(model) is not str:
            raise ValueError("grant: model must be a string or nil")
        self.like = (
            _typed(spec, "provider", str),
            _typed(spec, "endpoint", str),
            model,
            _typed(spec, "url", str),
            _typed(spec, "stream", bool),
            dict(attrs),
        )
        self.in_factor = float(_number(spec, "in_factor"))
        self.in_micros = float(_number(spec, "in_micros"))
        self.out_micros = float(_number(spec, "out_micros"))
        out_default = spec.get("out_default")
        if out_default is not None and type(out_default) is not int:
            raise ValueError("grant: out_default must be an int or nil")
        self.out_default: Optional[int] = out_default
        hints = spec.get("request_hints")
        if type(hints) is not list or len(hints) > 64:
            raise ValueError("grant: request_hints must be a list of at most 64 hints")
        pairs = []
        for hint in hints:
            if type(hint) is not dict or type(hint.get("re")) is not str or type(hint.get("i")) is not bool:
                raise ValueError("grant: a request hint must be {re, i}")
            if not 1 <= len(hint["re"]) <= 1024:
                raise ValueError("grant: a request hint holds 1-1024 characters")
            pairs.append((hint["re"], hint["i"]))
        self.hints: Tuple[Tuple[str, bool], ...] = tuple(pairs)
        if self.hints and response_hints.compiled(self.hints) is None:
            raise ValueError("grant: a request hint does not compile")
        self.decision = decision
        self.lock = threading.Lock()

    def admit(self, msg: Dict[str, Any], body: Any, raw: Optional[bytes], now: float) -> bool:
        """True when this llm.request may go at once (the grant's calls and budget taken); never raises."""
        try:
            if now >= self.deadline or self.calls <= 0 or raw is None or type(body) is not dict:
                return False
            like = self.like
            if (
                msg["provider"] != like[0]
                or msg["endpoint"] != like[1]
                or msg["model"] != like[2]
                or msg["url"] != like[3]
                or msg["stream"] is not like[4]
                or msg["attrs"] != like[5]
            ):
                return False
            bound = self._bound(body, len(raw))
            if bound is None or not self._clean(body):
                return False
            with self.lock:
                if self.calls <= 0 or bound > self.micros:
                    return False
                self.calls -= 1
                self.micros -= bound
            return True
        except Exception:  # noqa: BLE001 - anything unexpected: ask
            return False

    def _bound(self, body: Dict[str, Any], size: int) -> Optional[int]:
        """The call's cost bound in micro-dollars, never below the supervisor's hold; None: ask."""
        output: Optional[int] = None
        for key in CAP_KEYS:
            if key in body:
                value = body[key]
                if type(value) is not int or value < 0:
                    return None
                output = value if output is None else max(output, value)
        if output is None:
            output = self.out_default
        if output is None:
            return None
        tokens = math.ceil(size * self.in_factor) + 16
        return math.ceil(tokens * self.in_micros + output * self.out_micros)

    def _clean(self, body: Dict[str, Any]) -> bool:
        """No request hint matches a text of the body, and nothing in it is priced at a flat count."""
        stack = [body]
        while stack:
            value = stack.pop()
            if type(value) is dict:
                for key, child in value.items():
                    if key in ASKED_KEYS:
                        return False
                    stack.append(child)
            elif type(value) is list:
                stack.extend(value)
            elif type(value) is str and value.startswith("data:"):
                return False
        return not self.hints or response_hints.clean(self.hints, body, "")


def from_reply(reply: Mapping[str, Any], decision: Decision) -> Optional[Grant]:
    """The grant a request decision carries, or None (none, or off-spec: then the shim asks as before)."""
    spec = reply.get("grant")
    if type(spec) is not dict:
        return None
    try:
        return Grant(spec, decision, time.monotonic())
    except (ValueError, TypeError, KeyError):
        return None


def _typed(spec: Mapping[str, Any], key: str, kind: type) -> Any:
    """spec[key] when it has exactly this type (bool is not an int here)."""
    value = spec.get(key)
    if type(value) is not kind:
        raise ValueError(f"grant: {key} must be {kind.__name__}")
    return value


def _number(spec: Mapping[str, Any], key: str) -> float:
    """A non-negative int or float."""
    value = spec.get(key)
    if type(value) not in (int, float) or value < 0:
        raise ValueError(f"grant: {key} must be a non-negative number")
    return float(value)
