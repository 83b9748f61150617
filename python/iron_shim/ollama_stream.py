"""Ollama's own streams (`/api/chat`, `/api/generate`): NDJSON, one JSON object per line.

The same three parts an SSE stream has: a parser that hands the tap whole lines as events, an
accumulator that reads text, model and the last object's counts, and the text shape the chunk
filter (SPEC 3.6a) rewrites deltas with. A line `{"error": "..."}` is how Ollama fails mid-stream.
"""
from __future__ import annotations

import json
from typing import Any, Dict, Hashable, List, Optional

from .provider_facts import OLLAMA_STREAM_TYPE
from .sse import MAX_EVENT_BYTES, SSEEvent
from .stream_text import MORE_SHAPES, Delta, TextShape, private_copy
from .streams import MORE_ACCUMULATORS, Accumulator
from .usage import normalise, ollama_text


def encode_line(obj: Any) -> bytes:
    """One NDJSON line as Ollama writes it."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8") + b"\n"


class NDJSONParser:
    """SSEParser's interface over newline-delimited JSON: each line is one event (data = the line)."""

    __slots__ = ("_buf", "overflow")

    def __init__(self) -> None:
        """One parser per response: a line may be split across any chunk boundaries."""
        self._buf = bytearray()
        self.overflow = False

    def feed(self, chunk: bytes) -> List[SSEEvent]:
        """Adds bytes; returns the lines they completed, each with its raw bytes (newline included)."""
        buf = self._buf
        buf += chunk
        events: List[SSEEvent] = []
        start = 0
        while True:
            nl = buf.find(b"\n", start)
            if nl < 0:
                break
            raw = bytes(buf[start : nl + 1])
            start = nl + 1
            line = raw.strip()
            events.append(SSEEvent("", line.decode("utf-8", "replace") if line else None, raw))
        if start:
            del buf[:start]
        if len(buf) > MAX_EVENT_BYTES:
            self.overflow = True
        return events

    def take_tail(self) -> bytes:
        """The bytes of an unfinished line, handed back at end of stream (and forgotten)."""
        tail = bytes(self._buf)
        self._buf = bytearray()
        return tail

    def flush(self) -> Optional[SSEEvent]:
        """At end of stream: a last line without its newline, as an event."""
        tail = self.take_tail()
        if not tail:
            return None
        line = tail.strip()
        return SSEEvent("", line.decode("utf-8", "replace") if line else None, tail)


class OllamaStream(Accumulator):
    """Text per object, the model, and the counts of the last (`done: true`) object."""

    def __init__(self, kind: str, endpoint: str) -> None:
        """endpoint: ollama.chat (message.content) or ollama.generate (response)."""
        super().__init__(kind)
        self.endpoint = endpoint

    def new_parser(self) -> Any:
        """Ollama streams lines, not server-sent events."""
        return NDJSONParser()

    def on_object(self, event: SSEEvent, obj: Dict[str, Any]) -> Optional[bytes]:
        """Collects text and model; the done object carries prompt_eval_count and eval_count."""
        if isinstance(obj.get("model"), str):
            self.model = obj["model"]
        self.add_text(0, ollama_text(self.endpoint, obj))
        if obj.get("done") is True:
            self.usage = normalise(self.kind, obj) or self.usage
            self.done = True
        return None


class OllamaShape(TextShape):
    """message.content (chat) or response (generate) of each line; the done line ends the text."""

    def __init__(self, endpoint: str) -> None:
        """endpoint: which field carries the text."""
        self.chat = endpoint != "ollama.generate"

    def deltas(self, name: str, obj: Dict[str, Any]) -> List[Delta]:
        """One delta per line at most."""
        text = ollama_text("ollama.chat" if self.chat else "ollama.generate", obj)
        return [("text", text)] if text else []

    def set_text(self, obj: Dict[str, Any], where: Hashable, text: str) -> None:
        """Puts text where deltas() found it."""
        if self.chat:
            obj["message"]["content"] = text
        else:
            obj["response"] = text

    def remainder(self, last: Dict[str, Any], where: Hashable, text: str) -> Dict[str, Any]:
        """A line like the last text line, carrying the held text."""
        extra = private_copy(last)
        self.set_text(extra, where, text)
        return extra

    def key(self, obj: Dict[str, Any], where: Hashable) -> Hashable:
        """One output piece per stream."""
        return 0

    def closes(self, name: str, obj: Optional[Dict[str, Any]]) -> bool:
        """Nothing closes the text before the done line ends it."""
        return False

    def ends(self, name: str, data: str, obj: Optional[Dict[str, Any]]) -> bool:
        """The done line, or an error line."""
        return obj is not None and (obj.get("done") is True or obj.get("error") is not None)

    def encode(self, name: str, obj: Any) -> bytes:
        """Rewritten lines stay NDJSON."""
        return encode_line(obj)

    def error_event(self, error: Any, iron: Dict[str, Any], sequence: Optional[int]) -> bytes:
        """Ollama's mid-stream failure: one more line `{"error": "..."}`."""
        return encode_line({"error": error, "iron": iron})


def is_line_stream(call: Any, content_type: Optional[str]) -> bool:
    """Ollama's NDJSON stream, tapped like an SSE one (the interceptors ask, which registers the format)."""
    return call is not None and call.kind == "ollama" and OLLAMA_STREAM_TYPE in str(content_type or "").lower()


MORE_ACCUMULATORS["ollama"] = OllamaStream
MORE_SHAPES["ollama"] = OllamaShape
