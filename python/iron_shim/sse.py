"""Incremental server-sent-events parser that also keeps each event's raw bytes (for exact rewriting)."""
from __future__ import annotations

from typing import List, NamedTuple, Optional

#: An event that grows beyond this without ending is not parsed further (the bytes still pass).
MAX_EVENT_BYTES = 16 * 1024 * 1024


class SSEEvent(NamedTuple):
    """One dispatched block: its event name ("" when absent), its data (None when absent), its raw bytes."""

    event: str
    data: Optional[str]
    raw: bytes


#: SSEEvent(...) without the generated __new__'s Python frame (the block split makes one per event).
_event = tuple.__new__


class SSEParser:
    """Feed bytes split anywhere (\\n or \\r\\n line ends); get whole events with their raw bytes back."""

    __slots__ = ("_buf", "_scan", "_event", "_data", "overflow")

    def __init__(self) -> None:
        """One parser per response: an event may be split across any chunk boundaries."""
        self._buf = bytearray()
        self._scan = 0
        self._event = ""
        self._data: List[str] = []
        self.overflow = False

    def feed(self, chunk: bytes) -> List[SSEEvent]:
        """Adds bytes; returns the blocks that a blank line completed, in order."""
        if not self._buf and not self._data and not self._event and b"\r" not in chunk:
            events = self._data_blocks(chunk)
            if events is not None:
                return events
        buf = self._buf
        buf += chunk
        events: List[SSEEvent] = []
        start, pos = 0, self._scan
        while True:
            nl = buf.find(b"\n", pos)
            if nl < 0:
                break
            line = buf[pos:nl]
            pos = nl + 1
            if line.endswith(b"\r"):
                line = line[:-1]
            if line:
                self._field(bytes(line))
                continue
            data = "\n".join(self._data) if self._data else None
            events.append(SSEEvent(self._event, data, bytes(buf[start:pos])))
            self._event, self._data = "", []
            start = pos
        if start:
            del buf[:start]
        self._scan = pos - start
        if len(buf) > MAX_EVENT_BYTES:
            self.overflow = True
        return events

    def _data_blocks(self, chunk: bytes) -> Optional[List[SSEEvent]]:
        """The common case at an event boundary: blocks of one `data: ` line each, after an `event: ` line or
        not (what LLM providers send),
        split at once instead of line by line; the same events and bytes as the general path. None (and
        nothing taken) when a block is anything else."""
        blocks = chunk.split(b"\n\n")
        rest = blocks.pop()  # after the last blank line: the start of an unfinished block, or nothing
        if b"\n" in rest:  # a line of it is complete: the general path applies it (flush() relies on that)
            return None
        events: List[SSEEvent] = []
        for block in blocks:
            name, nl, data = "", block.find(b"\n"), block
            if nl >= 0 and block.startswith(b"event: "):  # Anthropic's and the Responses API's blocks
                name, data = block[7:nl].decode("utf-8", "replace"), block[nl + 1 :]
            if not data.startswith(b"data: ") or b"\n" in data:
                return None
            events.append(_event(SSEEvent, (name, data[6:].decode("utf-8", "replace"), block + b"\n\n")))
        if rest:
            self._buf += rest
            if len(rest) > MAX_EVENT_BYTES:
                self.overflow = True
        return events

    def _field(self, line: bytes) -> None:
        """Applies one field line (comments and unknown fields are ignored)."""
        if line[:1] == b":":
            return
        name, sep, value = line.partition(b":")
        if sep and value[:1] == b" ":
            value = value[1:]
        if name == b"data":
            self._data.append(value.decode("utf-8", "replace"))
        elif name == b"event":
            self._event = value.decode("utf-8", "replace")

    def take_tail(self) -> bytes:
        """The bytes of an unfinished block, handed back at end of stream (and forgotten)."""
        tail = bytes(self._buf)
        self._buf = bytearray()
        self._scan = 0
        return tail

    def flush(self) -> Optional[SSEEvent]:
        """At end of stream: the unfinished block as an event (lenient: servers that omit the last blank line)."""
        partial = bytes(self._buf[self._scan :])
        tail = self.take_tail()
        if partial:
            self._field(partial.rstrip(b"\r"))
        data = "\n".join(self._data) if self._data else None
        event, self._event, self._data = self._event, "", []
        if data is None and not event:
            return None if not tail else SSEEvent("", None, tail)
        return SSEEvent(event, data, tail)
