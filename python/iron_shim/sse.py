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
