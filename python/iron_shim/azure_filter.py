"""Azure OpenAI's content filter, which iron's safety denials on Azure calls speak.

Azure refuses a prompt its filter trips with a 400 whose error has code `content_filter`, param
`prompt` and an innererror `ResponsibleAIPolicyViolation` holding the per-category results; it cuts a
streamed answer with a chunk whose choice has finish_reason `content_filter`. Agents written for Azure
handle exactly these, so a safety denial (personal data, a secret) on an Azure call is one of them.
"""
from __future__ import annotations

from typing import Any, Dict, Optional

from .stream_text import MORE_SHAPES, CompletionsShape, ResponsesShape, TextShape, encode_event

#: The codes of denials that are Azure content-filter events (the safety policy's).
FILTER_CODES = frozenset(("IRON_ERR_PII",))
FILTER_STATUS = 400
_CATEGORIES = ("hate", "self_harm", "sexual", "violence")


def filtered(code: str, policy: Optional[str]) -> bool:
    """A denial Azure would show as its content filter: the safety policy's."""
    return code in FILTER_CODES or policy == "safety"


def filter_results() -> Dict[str, Any]:
    """Azure's per-category results, none of its own categories filtered (iron's policy did it)."""
    return {name: {"filtered": False, "severity": "safe"} for name in _CATEGORIES}


def error(message: str, code: str) -> Dict[str, Any]:
    """Azure's 400 content_filter error object; the iron code rides in innererror."""
    return {
        "message": message,
        "type": None,
        "param": "prompt",
        "code": "content_filter",
        "status": FILTER_STATUS,
        "innererror": {
            "code": "ResponsibleAIPolicyViolation",
            "iron_code": code,
            "content_filter_result": filter_results(),
        },
    }


class AzureChatShape(TextShape):
    """OpenAI's chat chunks; a filtering denial ends the stream as Azure's filter does."""

    def error_event(self, error: Dict[str, Any], iron: Dict[str, Any], sequence: Optional[int]) -> bytes:
        """finish_reason content_filter, then [DONE]; any other denial is OpenAI's error line."""
        if error.get("code") != "content_filter":
            return super().error_event(error, iron, sequence)
        choice = {
            "index": 0,
            "delta": {},
            "finish_reason": "content_filter",
            "content_filter_results": filter_results(),
        }
        chunk = {
            "id": "",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": "",
            "choices": [choice],
            "iron": iron,
        }
        return encode_event("", chunk) + b"data: [DONE]\n\n"


def _shape(endpoint: str) -> TextShape:
    """Azure's chat stream shape; its other endpoints stream as OpenAI's do."""
    if endpoint == "responses":
        return ResponsesShape()
    if endpoint == "completions":
        return CompletionsShape()
    return AzureChatShape()


MORE_SHAPES["azure"] = _shape
