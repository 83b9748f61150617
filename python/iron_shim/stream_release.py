"""Chunk hints (protocol/SPEC.md 3.6a): release a watched stream's read no output filter could act on.

A request decision with chunk_batch may carry `chunk_hints`: patterns of which one matches every text in
which a stream filter could redact or deny a value (as response_hints), and `hold` patterns of which one
matches a read whose text may begin a value that goes on past a space or line break at its end (numbers
in groups, PEM blocks). The shim knows what the supervisor still holds while every answer so far was an
allow of the provider's own text and no ask is in flight, so it can work out the supervisor's answer
itself: a read none of the hints matches (holds only count while the stream goes on) gives the agent
the held text and the read's text up to its last space, tab or line break (all of it with the end),
each delta its own text as far as it goes, and keeps the rest held. The shim sends that read as
`llm.chunk` with `released: true`; the supervisor follows it and sends no decision.
Anything else asks as before.
"""
from __future__ import annotations

import threading
from collections import deque
from typing import Deque, List, Optional, Pattern, Tuple

from .response_hints import compiled
from .stream_filter import Answer, Ask

ChunkHints = Tuple[Tuple[str, bool, bool], ...]

#: The released text the hints are searched in starts this many characters before the read (the
#: supervisor's filter keeps 48 of them as context: "aws_secret_access_key = " before a key).
CONTEXT = 64
#: Past this many characters (held and read) the search costs about what the round trip does: ask.
MAX_RELEASED_CHARS = 4096


class Releaser:
    """Per watched call: what the supervisor holds, and whether a read can be released without asking."""

    def __init__(self, hints: Tuple[Pattern[str], ...], holds: Tuple[Pattern[str], ...]) -> None:
        """The compiled value hints and hold hints (see of())."""
        self._hints = hints
        self._holds = holds
        self._lock = threading.Lock()
        self._held = ""  # text the supervisor holds back (asked or released, not yet given to the agent)
        self._context = ""  # the last CONTEXT characters the agent got, in the supervisor's order
        self._sent: Deque[str] = deque()  # the joined texts of asks in flight (or not built yet), in order
        self._on = True

    @classmethod
    def of(cls, chunk_hints: Optional[ChunkHints]) -> Optional["Releaser"]:
        """A releaser for a call's chunk_hints; None when there are none or one does not compile."""
        if chunk_hints is None:
            return None
        hints = compiled(tuple((source, flag) for source, flag, hold in chunk_hints if not hold))
        holds = compiled(tuple((source, flag) for source, flag, hold in chunk_hints if hold))
        if hints is None or holds is None:
            return None
        return cls(hints, holds)

    def release(self, ask: Ask) -> Optional[Answer]:
        """The supervisor's answer to this read worked out here (it is then told, not asked), or None: ask."""
        with self._lock:
            if not self._on or self._sent:
                return None
            joined = self._held + "".join(ask.texts)
            if len(joined) > MAX_RELEASED_CHARS:
                return None
            searched = self._context + joined
            for pattern in self._hints:
                if pattern.search(searched) is not None:
                    return None
            if not ask.done:
                for pattern in self._holds:
                    if pattern.search(joined) is not None:
                        return None
            ready = joined if ask.done else joined[: released_up_to(joined)]
            texts, rest = _spread(ready, len(self._held), ask)
            self._held = joined[len(ready) :]
            self._context = (self._context + ready)[-CONTEXT:]
            return Answer("allow", texts, rest, released=True)

    def sent(self, ask: Ask) -> None:
        """An ask went to the supervisor: what it holds is unknown until its answer is built."""
        with self._lock:
            self._sent.append("".join(ask.texts))

    def answered(self, answer: Answer) -> None:
        """The answer to the oldest ask in flight: while it released the provider's own text, what the
        supervisor holds is still known; after anything else (a redact, a deny) the shim always asks."""
        with self._lock:
            if not self._sent:
                self._on = False
                return
            joined = self._held + self._sent.popleft()
            released = "".join(answer.texts) + answer.rest
            if answer.action != "allow" or not joined.startswith(released):
                self._on = False
                return
            self._held = joined[len(released) :]
            self._context = (self._context + released)[-CONTEXT:]


def released_up_to(text: str) -> int:
    """Where a released read stops while the stream goes on: after its last space, tab or line break."""
    return max(text.rfind(" "), text.rfind("\t"), text.rfind("\n"), text.rfind("\r")) + 1


def _spread(ready: str, held: int, ask: Ask) -> Tuple[Tuple[str, ...], str]:
    """Each delta's share of the released text, as the supervisor gives it (its own text as far as the
    released text goes; the first also what was held before it), and the rest (with the end)."""
    texts: List[str] = []
    at = 0
    end = held
    for text in ask.texts:
        end += len(text)
        up_to = min(len(ready), end)
        texts.append(ready[at:up_to])
        at = up_to
    return tuple(texts), ready[at:] if ask.done else ""
