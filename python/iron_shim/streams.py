"""Per-provider stream accumulators: output text, usage, model and errors reassembled from SSE events."""
from __future__ import annotations

import json
import re
from typing import Any, Callable, Dict, List, NamedTuple, Optional

from .providers import ANTHROPIC, GEMINI
from .sse import SSEEvent, SSEParser
from .usage import Usage, error_text, gemini_parts, gemini_usage, normalise

# `"usage":null` as a top-level key of an OpenAI chunk, after or before another key.
_USAGE_NULL_AFTER = re.compile(rb',\s*"usage"\s*:\s*null(?=\s*[,}])')
_USAGE_NULL_FIRST = re.compile(rb'"usage"\s*:\s*null\s*,\s*')
DROP = b""
#: json.loads for a str, without its argument checks (one call per streamed event).
_decode = json.JSONDecoder().decode
#: Accumulator.parsed when the accumulator did not parse the event (its own on_event reads another framing).
UNPARSED: Any = object()


class StreamResult(NamedTuple):
    """What a stream amounted to when it ended."""

    output: str
    usage: Optional[Usage]
    model: Optional[str]
    error: Optional[str]
    done: bool


class Accumulator:
    """Base: collects text per choice; subclasses read their provider's events."""

    def __init__(self, kind: str) -> None:
        """Empty; kind is the provider wire format (openai or anthropic)."""
        self.kind = kind
        self.texts: Dict[int, List[str]] = {}
        self.usage: Optional[Usage] = None
        self.model: Optional[str] = None
        self.error: Optional[str] = None
        self.done = False
        #: The JSON object of the event on_event() read last (None: not a JSON object; UNPARSED: not read
        #: here), so the chunk filter does not parse each event a second time.
        self.parsed: Any = UNPARSED

    def new_parser(self) -> Any:
        """The framing of this provider's stream: server-sent events (Ollama overrides: NDJSON)."""
        return SSEParser()

    def on_event(self, event: SSEEvent) -> Optional[bytes]:
        """Reads one event; returns replacement raw bytes (DROP removes it) or None to keep it."""
        self.parsed = None
        if event.data is None:
            return None
        if event.data.strip() == "[DONE]":
            self.done = True
            return None
        try:
            obj = _decode(event.data)
        except ValueError:
            return None
        if not isinstance(obj, dict):
            return None
        self.parsed = obj
        if event.event == "error" or (obj.get("type") == "error") or "error" in obj and obj["error"] is not None:
            self.error = error_text(obj) or "error event in stream"
            return None
        return self.on_object(event, obj)

    def on_object(self, event: SSEEvent, obj: Dict[str, Any]) -> Optional[bytes]:
        """Provider-specific handling of one JSON event."""
        return None

    def add_text(self, index: Any, text: Any) -> None:
        """Appends a text delta for a choice index."""
        if isinstance(text, str) and text:
            self.texts.setdefault(index if type(index) is int else 0, []).append(text)

    def result(self) -> StreamResult:
        """The reassembled output and the last usage seen."""
        output = "\n".join("".join(self.texts[i]) for i in sorted(self.texts))
        return StreamResult(output, self.usage, self.model, self.error, self.done)


class OpenAIChat(Accumulator):
    """Chat and legacy completions chunks; optionally strips the usage the shim asked for."""

    def __init__(self, kind: str, strip_usage: bool = False) -> None:
        """strip_usage: the shim added stream_options.include_usage, so undo its visible effects."""
        super().__init__(kind)
        self.strip_usage = strip_usage

    def on_object(self, event: SSEEvent, obj: Dict[str, Any]) -> Optional[bytes]:
        """Collects deltas/text, model and usage; drops or rewrites the shim-caused usage."""
        if isinstance(obj.get("model"), str):
            self.model = obj["model"]
        for choice in obj.get("choices") or ():
            if isinstance(choice, dict):
                delta = choice.get("delta")
                if isinstance(delta, dict):
                    self.add_text(choice.get("index"), delta.get("content"))
                text = choice.get("text")  # legacy completions
                if text is not None:
                    self.add_text(choice.get("index"), text)
        usage = obj.get("usage")
        if usage is not None:
            self.usage = normalise(self.kind, usage) or self.usage
        if not self.strip_usage or "usage" not in obj:
            return None
        if usage is not None and not obj.get("choices"):
            return DROP
        if usage is None:
            return _remove_usage_null(event.raw, obj)
        return None


def _remove_usage_null(raw: bytes, obj: Dict[str, Any]) -> bytes:
    """Removes the top-level "usage": null from an event's bytes (the last occurrence is top-level)."""
    if raw.count(b'"usage"') == 1:  # the only one, written compactly (OpenAI's way): no regex needed
        at = raw.find(b',"usage":null')
        if at >= 0 and raw[at + 13 : at + 14] in (b",", b"}"):
            return raw[:at] + raw[at + 13 :]
    matches = list(_USAGE_NULL_AFTER.finditer(raw)) or list(_USAGE_NULL_FIRST.finditer(raw))
    if matches:
        last = matches[-1]
        return raw[: last.start()] + raw[last.end() :]
    rest = {k: v for k, v in obj.items() if k != "usage"}
    return b"data: " + json.dumps(rest, separators=(",", ":"), ensure_ascii=False).encode("utf-8") + b"\n\n"


class OpenAIResponses(Accumulator):
    """Responses API events: text deltas, and the final response with usage."""

    def on_object(self, event: SSEEvent, obj: Dict[str, Any]) -> Optional[bytes]:
        """response.output_text.delta adds text; completed/incomplete/failed carry usage and end it."""
        kind = obj.get("type") or event.event
        if kind == "response.output_text.delta":
            self.add_text(0, obj.get("delta"))
        elif kind in ("response.completed", "response.incomplete", "response.failed"):
            response = obj.get("response")
            if isinstance(response, dict):
                self.usage = normalise(self.kind, response.get("usage")) or self.usage
                if isinstance(response.get("model"), str):
                    self.model = response["model"]
                if kind == "response.failed":
                    self.error = error_text(response) or "response.failed"
            self.done = True
        elif kind == "response.created":
            response = obj.get("response")
            if isinstance(response, dict) and isinstance(response.get("model"), str):
                self.model = response["model"]
        return None


class AnthropicMessages(Accumulator):
    """Anthropic events: message_start usage, text deltas, cumulative message_delta usage."""

    _FIELDS = ("input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens")

    def __init__(self, kind: str) -> None:
        """Keeps Anthropic's own usage fields until the end (normalised once, in result())."""
        super().__init__(kind)
        self.raw_usage: Dict[str, int] = {}

    def on_object(self, event: SSEEvent, obj: Dict[str, Any]) -> Optional[bytes]:
        """output_tokens in message_delta is cumulative: the last value wins, never a sum."""
        kind = obj.get("type") or event.event
        if kind == "content_block_delta":
            delta = obj.get("delta")
            if isinstance(delta, dict) and delta.get("type") == "text_delta":
                self.add_text(0, delta.get("text"))
        elif kind == "message_start":
            message = obj.get("message")
            if isinstance(message, dict):
                if isinstance(message.get("model"), str):
                    self.model = message["model"]
                self._merge(message.get("usage"))
        elif kind == "message_delta":
            self._merge(obj.get("usage"))
        elif kind == "message_stop":
            self.done = True
        return None

    def _merge(self, usage: Any) -> None:
        """Overwrites the fields this event carries, keeping the others from earlier events."""
        if isinstance(usage, dict):
            for name in self._FIELDS:
                if type(usage.get(name)) is int:
                    self.raw_usage[name] = usage[name]
            self.usage = normalise(ANTHROPIC, self.raw_usage)


class GeminiStream(Accumulator):
    """streamGenerateContent?alt=sse: each chunk a GenerateContentResponse; usageMetadata's last value is the total."""

    def on_object(self, event: SSEEvent, obj: Dict[str, Any]) -> Optional[bytes]:
        """Text parts per candidate index, the last usageMetadata, modelVersion; a finishReason ends it."""
        if isinstance(obj.get("modelVersion"), str):
            self.model = obj["modelVersion"]
        for position, candidate in enumerate(obj.get("candidates") or ()):
            if isinstance(candidate, dict):
                for text in gemini_parts(candidate):
                    self.add_text(candidate.get("index", position), text)
                if candidate.get("finishReason") is not None:
                    self.done = True
        if isinstance(obj.get("usageMetadata"), dict):
            self.usage = gemini_usage(obj["usageMetadata"]) or self.usage
        return None


#: Stream formats defined in modules above this one (Ollama's NDJSON): kind -> factory(kind, endpoint).
MORE_ACCUMULATORS: Dict[str, Callable[[str, str], Accumulator]] = {}


def accumulator_for(kind: str, endpoint: str, strip_usage: bool = False) -> Accumulator:
    """The accumulator that understands this provider endpoint's stream."""
    extra = MORE_ACCUMULATORS.get(kind)
    if extra is not None:
        return extra(kind, endpoint)
    if kind == GEMINI:
        return GeminiStream(kind)
    if kind == ANTHROPIC:
        return AnthropicMessages(kind)
    if endpoint == "responses":
        return OpenAIResponses(kind)
    return OpenAIChat(kind, strip_usage)
