"""The shim side of llm.chunk (SPEC 3.6a): the text deltas of a watched stream go to the engine, and the
agent receives the engine's text in their place.

The filter is sans-I/O: on_events() is a generator that yields one Ask per read (every delta the read
brought, and the end when it was read too) and receives the Answer, so one implementation serves
blocking threads and asyncio alike (tap.py drives it). Output policies may hold text back across
deltas: held text comes out with a later delta. Once the text has been closed (finish_reason,
content_block_stop, output_text.done, ...) the closing events are held until more text comes (they
were only a part boundary) or the stream ends; then the remainder rides on the last delta of the
same read, else on a closing event that has room for it (chat's finish chunk), else it goes out as
one more delta, then the held closing events (full-text copies rewritten), then the end.
"""
from __future__ import annotations

import json
from collections import deque
from typing import Any, Callable, Deque, Dict, Generator, Hashable, List, NamedTuple, Optional, Tuple

from .sse import SSEEvent
from .stream_text import TextShape, private_copy
from .streams import UNPARSED


class Ask(NamedTuple):
    """One round trip: every delta text read so far, in order, and whether the stream ended."""

    texts: Tuple[str, ...]
    done: bool


class Answer(NamedTuple):
    """The engine's answer to an Ask: the text to emit per delta and the held remainder at the end,
    or a deny, which ends the stream after the deltas whose texts it carries."""

    action: str
    texts: Tuple[str, ...]
    rest: str = ""
    code: Optional[str] = None
    reason: Optional[str] = None
    policy: Optional[str] = None
    status: Optional[int] = None
    #: the shim worked this answer out itself and told the supervisor (chunk hints, stream_release.py)
    released: bool = False


Step = Generator[Ask, Answer, bytes]
#: The answer for a read with nothing to ask.
ALLOW = Answer("allow", ())
#: One event of a read: the event, its bytes after usage stripping, its JSON object when already parsed
#: (a dict, None when it is none, UNPARSED when not parsed yet).
Item = Tuple[SSEEvent, bytes, Any]
#: Builds the provider's error event for a deny (answer, sequence number for the Responses API).
DenyEvent = Callable[[Answer, Optional[int]], bytes]
_Held = Tuple[str, Optional[Dict[str, Any]], bytes]
#: One event of a read: (what it is: text, end, other or pass; the event; its JSON; its kept bytes; its deltas).
_Planned = Tuple[str, SSEEvent, Optional[Dict[str, Any]], bytes, List[Tuple[Hashable, str]]]


class ChunkFilter:
    """Per call: rewrites text deltas, holds closing events, flushes at the end, ends on deny.

    Every delta of one read goes to the engine in one Ask (with the end, when it was read too), so a
    stream costs a round trip per read, not per delta."""

    def __init__(
        self, shape: TextShape, deny_event: DenyEvent, strip_usage_null: bool = False, releaser: Any = None
    ) -> None:
        """strip_usage_null: the shim added include_usage, so a rewritten chunk must not show usage: null.
        releaser: a stream_release.Releaser when the request decision gave chunk hints."""
        self.shape = shape
        self.releaser = releaser
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

    # ----- the step -----

    def on_events(self, items: List[Item], at_end: bool = False) -> Step:
        """The parsed events of one read (each with its bytes after usage stripping) -> the bytes the agent
        sees now. at_end: the body ended (or broke) after these, so whatever is held is flushed."""
        if self.denied is not None:
            return b""
        read = self.plan(items, at_end)
        answer = (yield read.ask) if read.ask is not None else ALLOW
        return self.build(read, answer)

    def plan(self, items: List[Item], at_end: bool = False) -> "Read":
        """The first half of a step: what each event of a read is, and the Ask it needs (None: nothing to ask).
        Reads may be planned ahead of the answers to earlier ones (the asks are pipelined): planning only
        depends on earlier reads, building on earlier answers."""
        plan, texts, ends = self._plan(items)
        done = not self.done_asked and (ends or at_end)
        if texts or done:
            self.done_asked = self.done_asked or done
            return Read(plan, Ask(tuple(texts), done), done)
        return Read(plan, None, done)

    def join(self, first: "Read", then: "Read") -> "Read":
        """Two planned reads, in order, as one (what one read of both would have planned)."""
        texts = (first.ask.texts if first.ask else ()) + (then.ask.texts if then.ask else ())
        done = first.done or then.done
        return Read(first.plan + then.plan, Ask(texts, done) if texts or done else None, done)

    def build(self, read: "Read", answer: Answer) -> bytes:
        """The second half, in read order: the bytes the agent sees for this read (none after a deny)."""
        if self.releaser is not None and read.ask is not None and not answer.released:
            self.releaser.answered(answer)
        if self.denied is not None:
            return b""
        return self._build(read.plan, answer, read.done)

    def release(self, ask: Ask) -> Optional[Answer]:
        """The answer to an ask worked out without asking (chunk hints matched none of it), or None: ask;
        an ask that is sent is noted (what the supervisor holds is known again once its answer is built)."""
        releaser = self.releaser
        if releaser is None:
            return None
        answer = releaser.release(ask)  # type: ignore[no-any-return]
        if answer is None:
            releaser.sent(ask)
        return answer  # type: ignore[no-any-return]

    def _plan(self, items: List[Item]) -> Tuple[List[_Planned], List[str], bool]:
        """What each event is, and the delta texts to ask about (none after the end event)."""
        plan: List[_Planned] = []
        texts: List[str] = []
        ended = self.done_asked
        for event, kept, parsed in items:
            if ended:
                plan.append(("pass", event, None, kept, []))
                continue
            obj = _json_object(event.data) if parsed is UNPARSED else parsed
            deltas = self.shape.deltas(event.event, obj) if obj is not None else []
            if deltas:
                plan.append(("text", event, obj, kept, deltas))
                texts.extend(text for _, text in deltas)
            elif self.shape.ends(event.event, event.data or "", obj):
                plan.append(("end", event, obj, kept, []))
                ended = True
            else:
                plan.append(("other", event, obj, kept, []))
        return plan, texts, ended and not self.done_asked

    def _build(self, plan: List[_Planned], answer: Answer, done: bool) -> bytes:
        """The bytes for the agent: each delta with the engine's text; at the end, the remainder rides on
        the last delta of this read when there is one, else it goes out as one more delta."""
        out = bytearray()
        rider = _last_delta(plan) if done and answer.rest and answer.action != "deny" else None
        given = deque(answer.texts if answer.action == "deny" else self._spread(plan, answer, rider is not None))
        for kind, event, obj, kept, deltas in plan:
            if kind == "pass":
                out += kept
                continue
            self._note_sequence(obj)
            if kind == "text":
                if self._held:
                    out += self._release_held()
                self._holding = False
                if len(given) < len(deltas):  # the deny came at a delta of this event: it does not go out
                    return bytes(out + self._deny(answer))
                out += self._text(event.event, obj, kept, deltas, given)  # type: ignore[arg-type]
            elif kind == "end":
                out += self._flush(answer, rider is None)
                if self.denied is not None:
                    return bytes(out)
                out += self._rewritten(event.event, obj, kept)
            elif self._seen_text and (self._holding or self.shape.closes(event.event, obj)):
                self._holding = True
                self._held.append((event.event, obj, kept))
            else:
                out += kept
        if done and not any(item[0] == "end" for item in plan):
            out += self._flush(answer, rider is None)
        elif answer.action == "deny" and self.denied is None:
            out += self._deny(answer)
        return bytes(out)

    def _text(
        self,
        name: str,
        obj: Dict[str, Any],
        kept: bytes,
        deltas: List[Tuple[Hashable, str]],
        given: Deque[str],
    ) -> bytes:
        """One event's deltas with the texts to emit (taken from `given`, see _spread)."""
        copy: Optional[Dict[str, Any]] = None  # copied only when a text changes: most deltas pass as they are
        shape = self.shape
        key: Hashable = None
        for where, text in deltas:
            emitted = given.popleft()
            if emitted != text:
                if copy is None:
                    copy = private_copy(obj)
                shape.set_text(copy, where, emitted)
            key = shape.key(obj, where)
            self._record(key, emitted)
        self._seen_text = True
        # remainder() copies this event and sets its own text: the provider's event serves as well as ours
        self._last = (name, obj, deltas[-1][0], key)
        return kept if copy is None else self._encode(name, copy)

    def _spread(self, plan: List[_Planned], answer: Answer, rides: bool) -> List[str]:
        """The text each delta of a read carries to the agent. The agent gets a read's bytes at once, so
        only what the engine released in this read counts, not which delta it came with: per output piece,
        a delta whose provider text is the next part of the released text keeps it (its event goes out as
        the provider sent it: no copy, no re-encoding); from the first delta that differs, each delta
        carries the released text up to where the engine's own answer had got, and the piece's last delta
        the rest. The engine's held remainder (rides: the end was in this read) joins the last delta."""
        texts = list(answer.texts)
        if rides and texts:
            texts[-1] += answer.rest
        provider = [
            (self.shape.key(obj, where), text)
            for kind, _, obj, _, deltas in plan
            if kind == "text"
            for where, text in deltas
        ]
        if len(provider) != len(texts) or all(text == mine for (_, text), mine in zip(provider, texts)):
            return texts
        pieces: Dict[Hashable, List[int]] = {}
        for index, (key, _) in enumerate(provider):
            pieces.setdefault(key, []).append(index)
        out = list(texts)
        for indices in pieces.values():
            released = "".join(texts[i] for i in indices)
            at = answered = 0  # released text given out so far; how far the engine's answer had got
            for i in indices[:-1]:
                text = provider[i][1]
                answered += len(texts[i])
                end = at + len(text) if released.startswith(text, at) else max(at, answered)
                out[i], at = released[at:end], end
            out[indices[-1]] = released[at:]
        return out

    # ----- helpers -----

    def _flush(self, answer: Answer, extra: bool) -> bytes:
        """At the end: a deny, or the remainder as one more delta (when it rode on no delta), then the held events."""
        if answer.action == "deny":
            self._held = []
            return self._deny(answer)
        out = b""
        if extra and answer.rest and self._last is not None:
            name, last, where, key = self._last
            carrier = self._carrier(key, answer.rest)
            if carrier:
                self._record(key, answer.rest)
                return out + self._release_held(carrier)
            more = self.shape.remainder(last, where, answer.rest)
            if isinstance(more.get("sequence_number"), int):
                more["sequence_number"] += 1
                self._shift += 1
            self._record(key, answer.rest)
            out += self._encode(name, more)
        return out + self._release_held()

    def _carrier(self, key: Hashable, text: str) -> Optional[Tuple[int, Dict[str, Any]]]:
        """A held closing event the remainder can ride on (chat's finish_reason chunk has a delta), if any."""
        for index, (_name, obj, _kept) in enumerate(self._held):
            if obj is not None:
                copy = private_copy(obj)
                if self.shape.carry(copy, key, text):
                    return index, copy
        return None

    def _release_held(self, carrier: Optional[Tuple[int, Dict[str, Any]]] = None) -> bytes:
        """The held events, in order (rewritten where they repeat the text or need renumbering); carrier:
        the one held event that now carries the remainder, already rewritten."""
        out = b"".join(
            self._encode(name, carrier[1])
            if carrier is not None and index == carrier[0]
            else self._rewritten(name, obj, kept)
            for index, (name, obj, kept) in enumerate(self._held)
        )
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


class Read(NamedTuple):
    """A planned read: its events, the Ask it needs (None when it has no text and no end), and whether it
    asked the end."""

    plan: List[_Planned]
    ask: Optional[Ask]
    done: bool


def _last_delta(plan: List[_Planned]) -> Optional[Tuple[int, int]]:
    """(event, delta) position of the last delta in a read, or None when it has none."""
    for position in range(len(plan) - 1, -1, -1):
        kind, _event, _obj, _kept, deltas = plan[position]
        if kind == "text":
            return position, len(deltas) - 1
    return None


def _json_object(data: Optional[str]) -> Optional[Dict[str, Any]]:
    """An event's data as a JSON object, or None ([DONE], comments, non-JSON)."""
    if not data or data[:1] not in ("{", " ", "\t", "\r", "\n"):
        return None
    try:
        value = json.loads(data)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
