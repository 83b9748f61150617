"""Where the text lives in each provider's stream events, and which events close or end the text.

Used by the chunk filter (SPEC 3.6a) to read each text delta, put the engine's text in its place,
and know when the held-back remainder must come out.
"""
from __future__ import annotations

import copy
import json
from typing import Any, Callable, Dict, Hashable, List, Optional, Tuple

from .providers import ANTHROPIC, GEMINI

#: (where in the event, the delta text): where is what set_text() takes back.
Delta = Tuple[Hashable, str]


def encode_event(name: str, obj: Any) -> bytes:
    """One SSE event as the providers write it: optional `event:` line, one compact `data:` line."""
    head = f"event: {name}\n".encode("utf-8") if name else b""
    return head + b"data: " + json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8") + b"\n\n"


class TextShape:
    """OpenAI chat completions: choices[i].delta.content; finish_reason and the usage chunk close the text."""

    field = "content"

    def deltas(self, name: str, obj: Dict[str, Any]) -> List[Delta]:
        """Every text delta this event carries, in order."""
        found: List[Delta] = []
        for position, choice in enumerate(obj.get("choices") or ()):
            text = self._choice_text(choice)
            if isinstance(text, str) and text:
                found.append((position, text))
        return found

    def _choice_text(self, choice: Any) -> Any:
        """The text of one choice of a chunk."""
        delta = choice.get("delta") if isinstance(choice, dict) else None
        return delta.get(self.field) if isinstance(delta, dict) else None

    def set_text(self, obj: Dict[str, Any], where: Hashable, text: str) -> None:
        """Puts text where deltas() found it (obj is a private copy)."""
        obj["choices"][where]["delta"][self.field] = text

    def remainder(self, last: Dict[str, Any], where: Hashable, text: str) -> Dict[str, Any]:
        """One more delta event like the last one, carrying only the held-back text."""
        extra = private_copy(last)
        choice = extra["choices"][where]
        extra["choices"] = [choice]
        choice["delta"] = {self.field: text}
        return extra

    def carry(self, obj: Dict[str, Any], key: Hashable, text: str) -> bool:
        """Puts held text into a closing event of the same output piece that has room for it (a chunk's
        finish_reason choice with an empty delta); False when this event cannot carry it."""
        for position, choice in enumerate(obj.get("choices") or ()):
            if isinstance(choice, dict) and choice.get("index", position) == key and not self._choice_text(choice):
                if self._has_slot(choice):
                    self.set_text(obj, position, text)
                    return True
        return False

    def _has_slot(self, choice: Dict[str, Any]) -> bool:
        """The choice has a delta map to write text into."""
        return isinstance(choice.get("delta"), dict)

    def key(self, obj: Dict[str, Any], where: Hashable) -> Hashable:
        """Which piece of output a delta belongs to (the choice index)."""
        choice = obj["choices"][where]
        return choice.get("index", where) if isinstance(choice, dict) else where

    def closes(self, name: str, obj: Optional[Dict[str, Any]]) -> bool:
        """A finish_reason, or the usage chunk (choices: [])."""
        if obj is None:
            return False
        choices = obj.get("choices")
        if isinstance(choices, list) and not choices:
            return True
        return any(isinstance(c, dict) and c.get("finish_reason") is not None for c in choices or ())

    def ends(self, name: str, data: str, obj: Optional[Dict[str, Any]]) -> bool:
        """`data: [DONE]`, or an error."""
        return data.strip() == "[DONE]" or (obj is not None and obj.get("error") is not None)

    def finalize(self, obj: Dict[str, Any], texts: Dict[Hashable, str]) -> bool:
        """Rewrites full-text copies in closing events; chat has none."""
        return False

    def encode(self, name: str, obj: Any) -> bytes:
        """A rewritten event in this stream's framing (SSE; Ollama's lines override)."""
        return encode_event(name, obj)

    def error_event(self, error: Dict[str, Any], iron: Dict[str, Any], sequence: Optional[int]) -> bytes:
        """How OpenAI reports a failure mid-stream: a data line holding an error object."""
        return encode_event("", {"error": error, "iron": iron})


class CompletionsShape(TextShape):
    """Legacy completions: choices[i].text."""

    def _choice_text(self, choice: Any) -> Any:
        """choices[i].text."""
        return choice.get("text") if isinstance(choice, dict) else None

    def set_text(self, obj: Dict[str, Any], where: Hashable, text: str) -> None:
        """Puts text in choices[i].text."""
        obj["choices"][where]["text"] = text

    def _has_slot(self, choice: Dict[str, Any]) -> bool:
        """A finishing choice carries an (empty) text field."""
        return isinstance(choice.get("text"), str)

    def remainder(self, last: Dict[str, Any], where: Hashable, text: str) -> Dict[str, Any]:
        """A chunk like the last one, with only this choice and the held text."""
        extra = private_copy(last)
        extra["choices"] = [extra["choices"][where]]
        extra["choices"][0]["text"] = text
        return extra


_RESPONSES_CLOSING = frozenset(("response.output_text.done", "response.content_part.done", "response.output_item.done"))
_RESPONSES_ENDING = frozenset(("response.completed", "response.incomplete", "response.failed", "error"))


class ResponsesShape(TextShape):
    """Responses API: response.output_text.delta; the done events and the final response repeat the text."""

    def carry(self, obj: Dict[str, Any], key: Hashable, text: str) -> bool:
        """Its closing events have no text field: the remainder goes out as one more delta."""
        return False

    def deltas(self, name: str, obj: Dict[str, Any]) -> List[Delta]:
        """response.output_text.delta carries one delta."""
        text = obj.get("delta")
        if (obj.get("type") or name) == "response.output_text.delta" and isinstance(text, str) and text:
            return [("delta", text)]
        return []

    def set_text(self, obj: Dict[str, Any], where: Hashable, text: str) -> None:
        """Puts text in the event's delta."""
        obj["delta"] = text

    def remainder(self, last: Dict[str, Any], where: Hashable, text: str) -> Dict[str, Any]:
        """A delta event like the last one, carrying the held text."""
        extra = private_copy(last)
        self.set_text(extra, where, text)
        return extra

    def key(self, obj: Dict[str, Any], where: Hashable) -> Hashable:
        """(output_index, content_index): one output_text part."""
        return (obj.get("output_index", 0), obj.get("content_index", 0))

    def closes(self, name: str, obj: Optional[Dict[str, Any]]) -> bool:
        """The done events of a text part, its content part and its item."""
        return obj is not None and (obj.get("type") or name) in _RESPONSES_CLOSING

    def ends(self, name: str, data: str, obj: Optional[Dict[str, Any]]) -> bool:
        """completed, incomplete, failed, or an error event."""
        return obj is not None and (obj.get("type") or name) in _RESPONSES_ENDING

    def finalize(self, obj: Dict[str, Any], texts: Dict[Hashable, str]) -> bool:
        """output_text.done, content_part.done, output_item.done and the final response carry the text."""
        kind = obj.get("type")
        out, part = obj.get("output_index", 0), obj.get("content_index", 0)
        if kind == "response.output_text.done" and (out, part) in texts:
            obj["text"] = texts[(out, part)]
            return True
        if kind == "response.content_part.done" and (out, part) in texts and isinstance(obj.get("part"), dict):
            obj["part"]["text"] = texts[(out, part)]
            return True
        if kind == "response.output_item.done":
            return _set_item_texts(obj.get("item"), out, texts)
        if kind in _RESPONSES_ENDING and isinstance(obj.get("response"), dict):
            changed = False
            for index, item in enumerate(obj["response"].get("output") or ()):
                changed = _set_item_texts(item, index, texts) or changed
            return changed
        return False

    def error_event(self, error: Dict[str, Any], iron: Dict[str, Any], sequence: Optional[int]) -> bytes:
        """The Responses API's error event: type, code, message, param, sequence_number."""
        body = {
            "type": "error",
            "code": error.get("code"),
            "message": error.get("message"),
            "param": None,
            "sequence_number": sequence or 0,
            "iron": iron,
        }
        return encode_event("error", body)


def _set_item_texts(item: Any, output_index: int, texts: Dict[Hashable, str]) -> bool:
    """Replaces the text of each output_text part of a message item that was filtered."""
    changed = False
    if isinstance(item, dict):
        for index, part in enumerate(item.get("content") or ()):
            if isinstance(part, dict) and part.get("type") == "output_text" and (output_index, index) in texts:
                part["text"] = texts[(output_index, index)]
                changed = True
    return changed


class AnthropicShape(TextShape):
    """Anthropic Messages: content_block_delta text_delta; block stop and message_delta close the text."""

    def carry(self, obj: Dict[str, Any], key: Hashable, text: str) -> bool:
        """Its closing events have no text field: the remainder goes out as one more delta."""
        return False

    def deltas(self, name: str, obj: Dict[str, Any]) -> List[Delta]:
        """content_block_delta with a text_delta (input_json and thinking deltas are not output text)."""
        delta = obj.get("delta")
        if (
            (obj.get("type") or name) == "content_block_delta"
            and isinstance(delta, dict)
            and delta.get("type") == "text_delta"
            and isinstance(delta.get("text"), str)
            and delta["text"]
        ):
            return [("text", delta["text"])]
        return []

    def set_text(self, obj: Dict[str, Any], where: Hashable, text: str) -> None:
        """Puts text in delta.text."""
        obj["delta"]["text"] = text

    def remainder(self, last: Dict[str, Any], where: Hashable, text: str) -> Dict[str, Any]:
        """A delta event like the last one, carrying the held text."""
        extra = private_copy(last)
        self.set_text(extra, where, text)
        return extra

    def key(self, obj: Dict[str, Any], where: Hashable) -> Hashable:
        """The content block's index."""
        return obj.get("index", 0)

    def closes(self, name: str, obj: Optional[Dict[str, Any]]) -> bool:
        """content_block_stop and message_delta come after a block's text."""
        return obj is not None and (obj.get("type") or name) in ("content_block_stop", "message_delta")

    def ends(self, name: str, data: str, obj: Optional[Dict[str, Any]]) -> bool:
        """message_stop, or an error event."""
        return obj is not None and (obj.get("type") or name) in ("message_stop", "error")

    def error_event(self, error: Dict[str, Any], iron: Dict[str, Any], sequence: Optional[int]) -> bytes:
        """Anthropic's `event: error` with {"type": "error", "error": {type, message}}."""
        return encode_event("error", {"type": "error", "error": error, "iron": iron})


class GeminiShape(TextShape):
    """Gemini streamGenerateContent: candidates[i].content.parts[j].text; a finishReason closes the text.

    Gemini sends no end event: the held remainder comes out when the body ends (StreamTap's on_end)."""

    def carry(self, obj: Dict[str, Any], key: Hashable, text: str) -> bool:
        """Its closing events have no text field: the remainder goes out as one more delta."""
        return False

    def deltas(self, name: str, obj: Dict[str, Any]) -> List[Delta]:
        """Every non-thought text part of every candidate, as (candidate position, part position)."""
        found: List[Delta] = []
        for c, candidate in enumerate(obj.get("candidates") or ()):
            content = candidate.get("content") if isinstance(candidate, dict) else None
            for p, part in enumerate((content.get("parts") if isinstance(content, dict) else None) or ()):
                text = part.get("text") if isinstance(part, dict) else None
                if isinstance(text, str) and text and part.get("thought") is not True:
                    found.append(((c, p), text))
        return found

    def set_text(self, obj: Dict[str, Any], where: Hashable, text: str) -> None:
        """Puts text in candidates[c].content.parts[p].text."""
        c, p = where  # type: ignore[misc]
        obj["candidates"][c]["content"]["parts"][p]["text"] = text

    def remainder(self, last: Dict[str, Any], where: Hashable, text: str) -> Dict[str, Any]:
        """A chunk with only this candidate and one text part carrying the held text (no second usage)."""
        c, _ = where  # type: ignore[misc]
        extra = private_copy(last)
        candidate = extra["candidates"][c]
        candidate["content"]["parts"] = [{"text": text}]
        extra["candidates"] = [candidate]
        extra.pop("usageMetadata", None)
        return extra

    def key(self, obj: Dict[str, Any], where: Hashable) -> Hashable:
        """The candidate's index."""
        c, _ = where  # type: ignore[misc]
        candidate = obj["candidates"][c]
        return candidate.get("index", c) if isinstance(candidate, dict) else c

    def closes(self, name: str, obj: Optional[Dict[str, Any]]) -> bool:
        """A candidate with a finishReason."""
        return obj is not None and any(
            isinstance(c, dict) and c.get("finishReason") is not None for c in obj.get("candidates") or ()
        )

    def ends(self, name: str, data: str, obj: Optional[Dict[str, Any]]) -> bool:
        """Only an error object ends a Gemini stream early; otherwise the body's end does."""
        return obj is not None and obj.get("error") is not None

    def error_event(self, error: Dict[str, Any], iron: Dict[str, Any], sequence: Optional[int]) -> bytes:
        """Gemini reports a failure mid-stream as a data line holding its error object."""
        return encode_event("", {"error": error, "iron": iron})


#: Text shapes defined in modules above this one (Ollama's NDJSON): kind -> factory(endpoint).
MORE_SHAPES: Dict[str, Callable[[str], "TextShape"]] = {}


def shape_for(kind: str, endpoint: str) -> TextShape:
    """The text shape of a provider endpoint's stream."""
    extra = MORE_SHAPES.get(kind)
    if extra is not None:
        return extra(endpoint)
    if kind == GEMINI:
        return GeminiShape()
    if kind == ANTHROPIC:
        return AnthropicShape()
    if endpoint == "responses":
        return ResponsesShape()
    if endpoint == "completions":
        return CompletionsShape()
    return TextShape()


def private_copy(obj: Dict[str, Any]) -> Dict[str, Any]:
    """A deep copy to rewrite: parsed JSON is dicts, lists and immutable scalars, copied here several times
    faster than copy.deepcopy (anything else is deep-copied as before)."""
    return _copy_value(obj)  # type: ignore[no-any-return]


def _copy_value(value: Any) -> Any:
    """One JSON value, copied (dicts and lists anew, strings, numbers, booleans and None shared)."""
    kind = type(value)
    if kind is dict:
        return {key: _copy_value(item) for key, item in value.items()}
    if kind is list:
        return [_copy_value(item) for item in value]
    if kind in _IMMUTABLE:
        return value
    return copy.deepcopy(value)


_IMMUTABLE = frozenset((str, int, float, bool, type(None), bytes))
