"""Test-side SSE reading, independent of the shim: events as an SDK decodes them, the text they carry, and
a stream filter that masks a word while holding back across deltas (what an output policy does)."""
from __future__ import annotations

import json
from typing import Any, List, Optional, Tuple


def events(data: bytes) -> List[Tuple[Optional[str], str]]:
    """(event name or None, data) of every dispatched event, decoded line by line like the SDKs do."""
    found: List[Tuple[Optional[str], str]] = []
    name: Optional[str] = None
    lines: List[str] = []
    for raw in data.decode("utf-8").splitlines():
        if not raw:
            if name is not None or lines:
                found.append((name, "\n".join(lines)))
            name, lines = None, []
            continue
        field, _, value = raw.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if field == "event":
            name = value
        elif field == "data":
            lines.append(value)
    if name is not None or lines:
        found.append((name, "\n".join(lines)))
    return found


def objects(data: bytes) -> List[Any]:
    """The JSON objects of a stream ([DONE] and non-JSON data skipped)."""
    out = []
    for _, text in events(data):
        try:
            out.append(json.loads(text))
        except ValueError:
            continue
    return out


def text_of(endpoint: str, data: bytes) -> str:
    """The assistant text a stream carries, reassembled from its deltas."""
    parts: List[str] = []
    for obj in objects(data):
        if not isinstance(obj, dict):
            continue
        if endpoint == "messages" and obj.get("type") == "content_block_delta":
            parts.append(obj["delta"].get("text", ""))
        elif endpoint == "responses" and obj.get("type") == "response.output_text.delta":
            parts.append(obj["delta"])
        elif endpoint in ("chat.completions", "completions"):
            for choice in obj.get("choices") or ():
                parts.append((choice.get("delta") or {}).get("content") or choice.get("text") or "")
    return "".join(parts)


class Mask:
    """Replaces every occurrence of a word with stars; holds back a tail that may begin the word."""

    def __init__(self, word: str) -> None:
        self.word = word
        self.held = ""

    def push(self, text: str) -> str:
        buf = (self.held + text).replace(self.word, "*" * len(self.word))
        keep = 0
        for n in range(min(len(self.word) - 1, len(buf)), 0, -1):
            if self.word.startswith(buf[-n:]):
                keep = n
                break
        self.held = buf[len(buf) - keep :] if keep else ""
        return buf[: len(buf) - keep]

    def end(self) -> str:
        out, self.held = self.held, ""
        return out
