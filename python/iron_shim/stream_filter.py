"""The shim side of llm.chunk (SPEC 3.6a): each text delta of a watched stream goes to the engine, and the
agent receives the engine's text in its place.

The filter is sans-I/O: its methods are generators that yield an Ask per round trip and receive the
Answer, so one implementation serves blocking threads and asyncio alike (tap.py drives them).
Output policies may hold text back across deltas, so once the text has been closed (finish_reason,
content_block_stop, output_text.done, ...) the closing events are held until either more text comes
(they were only a part boundary) or the stream ends: then `done` is asked, the held remainder goes
out as one more delta, then the held closing events (full-text copies rewritten), then the end.
"""
from __future__ import annotations

import json
from typing import Any, Callable, Dict, Generator, Hashable, List, NamedTuple, Optional, Tuple

from .sse import SSEEvent
from .stream_text import TextShape, private_copy


class Ask(NamedTuple):
    """One llm.chunk to send: a delta's text, or the end of the stream (done, empty text)."""

    text: str
    done: bool


class Answer(NamedTuple):
    """The engine's decision for an Ask: the text to emit, or a deny that ends the stream."""

    action: str
    text: str
    code: Optional[str] = None
    reason: Optional[str] = None
    policy: Optional[str] = None
    status: Optional[int] = None


Step = Generator[Ask, Answer, bytes]
#: Builds the provider's error event for a deny (answer, sequence number for the Responses API).
DenyEvent = Callable[[Answer, Optional[int]], bytes]
_Held = Tuple[str, Optional[Dict[str, Any]], bytes]


class ChunkFilter:
    """Per call: rewrites text deltas, holds closing events, flushes at the end, ends on deny."""

    def __init__(self, shape: TextShape, deny_event: DenyEvent, strip_usage_null: bool = False) -> None:
        """strip_usage_null: the shim added include_usage, so a rewritten chunk must not show usage: null."""
        self.shape = shape
        self._deny_event = deny_event
        self._strip = strip_usage_null
        self._texts: Dict[Hashable, List[str]] = {}
        self._seen_text = False
        self._held: List[_Held] = []
        self._holding = False
        self._last: Optional[Tuple[str, Dict[str, Any], Hashable, Hashable]] = None
        self._shift = 0
        self._next_sequence: Optional[int] = None
        self.done_asked = False
        self.denied: Optional[Answer] = None

    # ----- what the tap reads -----

    def emitted(self) -> str:
        """The text the agent received, per output piece in order (choices joined by newlines)."""
        return "\n".join("".join(parts) for parts in self._texts.values())

    def texts(self) -> Dict[Hashable, str]:
        """Emitted text per output piece (for rewriting full-text copies)."""
        return {key: "".join(parts) for key, parts in self._texts.items()}

    # ----- the steps -----

    def on_event(self, event: SSEEvent, kept: bytes) -> Step:
        """One parsed event (kept: its bytes after usage stripping) -> the bytes the agent sees now."""
        if self.denied is not None:
            return b""
        if self.done_asked:
            return kept
        obj = _json_object(event.data)
        self._note_sequence(obj)
        deltas = self.shape.deltas(event.event, obj) if obj is not None else []
        if deltas:
            return (yield from self._on_text(event.event, obj, deltas, kept))  # type: ignore[arg-type]
        if self.shape.ends(event.event, event.data or "", obj):
            out = yield from self._flush()
            if self.denied is not None:
                return out
            return out + self._rewritten(event.event, obj, kept)
        if self._seen_text and (self._holding or self.shape.closes(event.event, obj)):
            self._holding = True
            self._held.append((event.event, obj, kept))
            return b""
        return kept

    def on_end(self) -> Step:
        """The body ended (or broke) before the provider's end event: flush what is held."""
        if self.denied is not None or self.done_asked:
            return b""
        return (yield from self._flush())

    # ----- helpers -----

    def _on_text(self, name: str, obj: Dict[str, Any], deltas: List[Tuple[Hashable, str]], kept: bytes) -> Step:
        """Asks about each delta of the event; emits it with the engine's text."""
        out = self._release_held()
        copy = private_copy(obj)
        changed = False
        for where, text in deltas:
            answer = yield Ask(text, False)
            if answer.action == "deny":
                return out + self._deny(answer)
            if answer.text != text:
                self.shape.set_text(copy, where, answer.text)
                changed = True
            self._record(self.shape.key(obj, where), answer.text)
        self._seen_text = True
        self._last = (name, copy, deltas[-1][0], self.shape.key(obj, deltas[-1][0]))
        return out + (self._encode(name, copy) if changed else kept)

    def _flush(self) -> Step:
        """Asks `done`; emits the remainder as one more delta, then the held events."""
        self.done_asked = True
        answer = yield Ask("", True)
        if answer.action == "deny":
            self._held = []
            return self._deny(answer)
        out = b""
        if answer.text and self._last is not None:
            name, last, where, key = self._last
            extra = self.shape.remainder(last, where, answer.text)
            if isinstance(extra.get("sequence_number"), int):
                extra["sequence_number"] += 1
                self._shift += 1
            self._record(key, answer.text)
            out += self._encode(name, extra)
        return out + self._release_held()

    def _release_held(self) -> bytes:
        """The held events, in order (rewritten where they repeat the text or need renumbering)."""
        out = b"".join(self._rewritten(name, obj, kept) for name, obj, kept in self._held)
        self._held = []
        self._holding = False
        return out

    def _rewritten(self, name: str, obj: Optional[Dict[str, Any]], kept: bytes) -> bytes:
        """An event after the text: renumbered after an inserted delta, full-text copies filtered."""
        if obj is None or not kept:
            return kept
        copy = private_copy(obj)
        changed = self.shape.finalize(copy, self.texts()) if self._texts else False
        if self._shift and isinstance(copy.get("sequence_number"), int):
            copy["sequence_number"] += self._shift
            changed = True
        return self._encode(name, copy) if changed else kept

    def _deny(self, answer: Answer) -> bytes:
        """Ends the stream for the agent with the provider's error event."""
        self.denied = answer
        self._held = []
        sequence = None if self._next_sequence is None else self._next_sequence + self._shift
        return self._deny_event(answer, sequence)

    def _record(self, key: Hashable, text: str) -> None:
        """Remembers what the agent received."""
        if text:
            self._texts.setdefault(key, []).append(text)
        else:
            self._texts.setdefault(key, [])

    def _note_sequence(self, obj: Optional[Dict[str, Any]]) -> None:
        """Tracks the Responses API's sequence numbers (an error event continues them)."""
        if obj is not None and isinstance(obj.get("sequence_number"), int):
            self._next_sequence = obj["sequence_number"] + 1

    def _encode(self, name: str, obj: Dict[str, Any]) -> bytes:
        """Re-serialises a rewritten event (without a usage: null the shim caused)."""
        if self._strip and "usage" in obj and obj["usage"] is None:
            del obj["usage"]
        return self.shape.encode(name, obj)


def _json_object(data: Optional[str]) -> Optional[Dict[str, Any]]:
    """An event's data as a JSON object, or None ([DONE], comments, non-JSON)."""
    if not data or data[:1] not in ("{", " ", "\t", "\r", "\n"):
        return None
    try:
        value = json.loads(data)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
