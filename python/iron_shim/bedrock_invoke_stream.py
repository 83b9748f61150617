"""Bedrock's InvokeModelWithResponseStream: the model's own stream, one body per `chunk` event.

The binary event stream (aws_eventstream.py) carries `chunk` events whose JSON payload is
`{"bytes": "<base64>"}` (PayloadPart in bedrock-runtime's service model); the decoded bytes are the
model's own streaming body: Anthropic's Messages events (`{"type": "content_block_delta", ...}`) or
Llama's (`{"generation", "prompt_token_count", "generation_token_count", "stop_reason"}`). The last
one carries `amazon-bedrock-invocationMetrics` (`inputTokenCount`, `outputTokenCount`): the spend.
Exceptions (`modelStreamErrorException`, `throttlingException`, ...) end the stream.
"""
from __future__ import annotations

import base64
import binascii
import json
from typing import Any, Dict, List, Optional

from .aws_eventstream import EventStreamParser, denial_frame, frame_json, json_frame
from .sse import SSEEvent
from .stream_text import AnthropicShape, Delta, TextShape, private_copy
from .streams import Accumulator, AnthropicMessages
from .usage import make_usage

METRICS = "amazon-bedrock-invocationMetrics"


def inner_body(obj: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """The model's JSON body inside a chunk event's base64 `bytes`, or None."""
    data = obj.get("bytes") if isinstance(obj, dict) else None
    if not isinstance(data, str):
        return None
    try:
        value = json.loads(base64.b64decode(data, validate=True))
    except (ValueError, binascii.Error):
        return None
    return value if isinstance(value, dict) else None


def wrap(inner: Dict[str, Any]) -> Dict[str, Any]:
    """A chunk event's payload carrying this body."""
    return {"bytes": base64.b64encode(json.dumps(inner, separators=(",", ":"), ensure_ascii=False).encode()).decode()}


def metrics_usage(inner: Dict[str, Any]) -> Any:
    """The invocation metrics' counts as usage, or None when this body has none."""
    metrics = inner.get(METRICS)
    if not isinstance(metrics, dict):
        return None
    counts = [metrics.get("inputTokenCount"), metrics.get("outputTokenCount")]
    return make_usage(*[c if type(c) is int else 0 for c in counts])


class InvokeStream(Accumulator):
    """Anthropic bodies through Anthropic's own accumulator, Llama's generation text; metrics win for usage."""

    def __init__(self, kind: str) -> None:
        """The Anthropic reader is kept for its cumulative usage handling."""
        super().__init__(kind)
        self.anthropic = AnthropicMessages(kind)

    def new_parser(self) -> Any:
        """Binary event-stream frames."""
        return EventStreamParser()

    def on_event(self, event: SSEEvent) -> Optional[bytes]:
        """One frame: a chunk's decoded body, or an exception that ends the stream."""
        obj, error = frame_json(event)
        if error is not None:
            self.error = error
            return None
        inner = inner_body(obj) if event.event == "chunk" else None
        if inner is None:
            return None
        if "type" in inner:
            self.anthropic.on_object(SSEEvent(str(inner["type"]), "", b""), inner)
            self.texts, self.usage = self.anthropic.texts, self.anthropic.usage or self.usage
            self.model = self.anthropic.model or self.model
            self.done = self.done or self.anthropic.done
        else:
            self.add_text(0, inner.get("generation"))
            if type(inner.get("prompt_token_count")) is int or type(inner.get("generation_token_count")) is int:
                prompt = inner.get("prompt_token_count")
                before = self.usage["input_tokens"] if self.usage else 0
                generated = inner.get("generation_token_count")
                self.usage = make_usage(
                    prompt if type(prompt) is int else before, generated if type(generated) is int else 0
                )
            self.done = self.done or inner.get("stop_reason") is not None
        self.usage = metrics_usage(inner) or self.usage
        return None


class LlamaShape(TextShape):
    """A Llama streaming body: `generation` is the text; a stop_reason closes it (its chunk may carry text)."""

    def deltas(self, name: str, obj: Dict[str, Any]) -> List[Delta]:
        """The generation text of one body."""
        text = obj.get("generation")
        return [("generation", text)] if isinstance(text, str) and text else []

    def set_text(self, obj: Dict[str, Any], where: Any, text: str) -> None:
        """Puts text in generation."""
        obj["generation"] = text

    def carry(self, obj: Dict[str, Any], key: Any, text: str) -> bool:
        """The closing body has an (empty) generation: the remainder rides on it."""
        if isinstance(obj.get("generation"), str) and not obj["generation"]:
            obj["generation"] = text
            return True
        return False

    def remainder(self, last: Dict[str, Any], where: Any, text: str) -> Dict[str, Any]:
        """A body like the last one with only the held text (no stop, no metrics)."""
        return {"generation": text, "prompt_token_count": None, "generation_token_count": None, "stop_reason": None}

    def key(self, obj: Dict[str, Any], where: Any) -> Any:
        """One output."""
        return 0

    def closes(self, name: str, obj: Optional[Dict[str, Any]]) -> bool:
        """A stop_reason ends the generation."""
        return obj is not None and obj.get("stop_reason") is not None

    def ends(self, name: str, data: str, obj: Optional[Dict[str, Any]]) -> bool:
        """The body with a stop_reason is the last."""
        return self.closes(name, obj)


class InvokeStreamShape(TextShape):
    """The chunk filter over chunk events: the model's shape applied to the decoded body, re-wrapped."""

    def __init__(self) -> None:
        """Anthropic's shape for bodies with a `type`, Llama's for the others."""
        self.anthropic, self.llama = AnthropicShape(), LlamaShape()

    def _inner(self, obj: Optional[Dict[str, Any]]) -> Any:
        """(shape, body name, body) of a chunk event, or None."""
        inner = inner_body(obj)
        if inner is None:
            return None
        if "type" in inner:
            return self.anthropic, str(inner["type"]), inner
        return self.llama, "", inner

    def _rewrap(self, obj: Dict[str, Any], inner: Dict[str, Any]) -> None:
        """Puts a rewritten body back in the event."""
        obj["bytes"] = wrap(inner)["bytes"]

    def deltas(self, name: str, obj: Dict[str, Any]) -> List[Delta]:
        """The body's text deltas."""
        found = self._inner(obj) if name == "chunk" else None
        return found[0].deltas(found[1], found[2]) if found else []

    def set_text(self, obj: Dict[str, Any], where: Any, text: str) -> None:
        """Rewrites the body's text and re-encodes it."""
        shape, _name, inner = self._inner(obj)
        shape.set_text(inner, where, text)
        self._rewrap(obj, inner)

    def carry(self, obj: Dict[str, Any], key: Any, text: str) -> bool:
        """Llama's closing body can carry the remainder; Anthropic's cannot."""
        found = self._inner(obj)
        if found is None or not found[0].carry(found[2], key, text):
            return False
        self._rewrap(obj, found[2])
        return True

    def remainder(self, last: Dict[str, Any], where: Any, text: str) -> Dict[str, Any]:
        """A chunk event carrying one more body with the held text."""
        shape, _name, inner = self._inner(last)
        return wrap(shape.remainder(private_copy(inner), where, text))

    def key(self, obj: Dict[str, Any], where: Any) -> Any:
        """The body's piece of output."""
        shape, _name, inner = self._inner(obj)
        return shape.key(inner, where)

    def closes(self, name: str, obj: Optional[Dict[str, Any]]) -> bool:
        """The body closes its text (Anthropic's block stop or message delta, Llama's stop_reason)."""
        found = self._inner(obj) if name == "chunk" else None
        return bool(found) and found[0].closes(found[1], found[2])

    def ends(self, name: str, data: str, obj: Optional[Dict[str, Any]]) -> bool:
        """The last body (message_stop, Llama's stop_reason), or an exception."""
        if name.startswith("exception:"):
            return True
        found = self._inner(obj) if name == "chunk" else None
        return bool(found) and found[0].ends(found[1], "", found[2])

    def encode(self, name: str, obj: Any) -> bytes:
        """A rewritten chunk is a new frame with fresh checksums."""
        return json_frame(name, obj)

    def error_event(self, error: Any, iron: Dict[str, Any], sequence: Optional[int]) -> bytes:
        """An error frame botocore raises as EventStreamError (a ClientError) with Bedrock's code."""
        return denial_frame(error, iron)
