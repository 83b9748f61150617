"""StreamTap: sits in a response body's byte stream, accounts it, may rewrite it, and reports once.

Rewriting happens when the shim added include_usage (the extra usage chunk is stripped again) or
when an output policy watches the stream (the chunk filter, SPEC 3.6a). A watched read is prepared
(parsed, accounted, planned: the Ask it needs), asked about, and built from the answer: feed()/tail()
ask inline and block, afeed()/atail() await on the loop, and a blocking wrapper's pipeline
(read_ahead.py) sends the asks of later reads before the answers to earlier ones have come.
"""
from __future__ import annotations

import threading
import zlib
from typing import Any, Awaitable, Callable, List, NamedTuple, Optional, Tuple

from .errors import PolicyDenied
from .internal import swallow
from .read_ahead import Pipeline
from .sse import SSEEvent, SSEParser
from .stream_filter import ALLOW, Answer, Ask, ChunkFilter, Item, Read
from .streams import UNPARSED, Accumulator, StreamResult

Report = Callable[[StreamResult, bool, Optional[str]], None]
AskSync = Callable[[Ask], Answer]
AskAsync = Callable[[Ask], Awaitable[Answer]]


class Prepared(NamedTuple):
    """A watched read made ready to ask: the filter's planned read (None: nothing to filter), whether the
    parser overflowed, and a shim error met on the way (it ends the stream when the read is built)."""

    read: Optional[Read]
    overflow: bool = False
    error: Optional[Exception] = None

    @property
    def ask(self) -> Optional[Ask]:
        """The round trip this read needs, if any."""
        return self.read.ask if self.read is not None else None


_NOTHING = Prepared(None)


def make_decoder(encoding: str) -> Optional[Any]:
    """A zlib decompressor for gzip/deflate; None for identity; raises for what we cannot read."""
    enc = (encoding or "").strip().lower()
    if enc in ("", "identity"):
        return None
    if enc in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if enc == "deflate":
        return zlib.decompressobj()
    raise ValueError(f"content-encoding {encoding!r} cannot be read by the shim")


class StreamTap:
    """Library-independent middle of every stream wrapper: feed(chunk) -> bytes for the agent; finish() once."""

    def __init__(
        self,
        accumulator: Accumulator,
        report: Report,
        encoding: str = "",
        rewrite: bool = False,
        chunks: Optional[ChunkFilter] = None,
        ask: Optional[AskSync] = None,
        ask_async: Optional[AskAsync] = None,
        abandon: Optional[Callable[[], None]] = None,
        send: Optional[Callable[[Ask], Any]] = None,
        wait: Optional[Callable[[Any], Answer]] = None,
        tell: Optional[Callable[[Ask], None]] = None,
    ) -> None:
        """report(result, complete, error) is called exactly once, from whichever end comes first.

        encoding: the content-encoding of the bytes fed in. When rewriting an encoded stream the tap
        outputs decoded bytes (``decoded`` is True: the wrapper drops the content-encoding header).
        send(ask) -> handle and wait(handle) -> answer: the pipelined round trip (default: asked at wait).
        tell(ask): sends a read the chunk filter released without asking (chunk hints), with no wait."""
        self.acc = accumulator
        self.filter = chunks
        self._report = report
        self._ask, self._ask_async, self._abandon = ask, ask_async, abandon
        self._send = send or _deferred
        self._wait = wait or self._asked
        self._tell = tell
        self._untold: List[Ask] = []  # released reads the supervisor was not told about yet, in order
        self._tell_lock = threading.RLock()  # re-entrant: finish() may run from a finalizer on this thread
        self._pipe: Optional[Pipeline] = None
        self._parser: Any = getattr(accumulator, "new_parser", SSEParser)()
        self._lock = threading.Lock()
        self._finished = False
        self._accounting = True
        self.end_error: Optional[str] = None
        self.rewrite = rewrite or chunks is not None
        try:
            self._decoder = make_decoder(encoding)
        except ValueError as exc:
            self._decoder, self._accounting = None, False
            if chunks is not None:
                self.end_error = f"iron: {exc}; the stream cannot be filtered"
            self.rewrite = False
        self.decoded = self.rewrite and self._decoder is not None

    @property
    def ended(self) -> bool:
        """True once the stream was ended for the agent (a deny, or a stream that cannot be filtered)."""
        return self.end_error is not None or (self.filter is not None and self.filter.denied is not None)

    def pipeline(self, read: Callable[[], Optional[bytes]]) -> Pipeline:
        """A watched body's reader for a blocking wrapper (read_ahead.py): next() gives what the agent sees,
        None after the end; what is read while an ask is in flight goes with the next ask."""
        self._pipe = Pipeline(read, self)
        return self._pipe

    def _asked(self, handle: Any) -> Answer:
        """wait() without a pipelined sender: the handle is the Ask, asked now."""
        return handle if isinstance(handle, Answer) else self._ask(handle)  # type: ignore[misc]

    # ----- a watched read in three steps: prepare, ask (send + wait), build -----

    def prepare(self, chunk: Optional[bytes]) -> Prepared:
        """A watched read parsed, accounted and planned (chunk None: the end of the body). Never raises."""
        if self.ended:
            return _NOTHING
        try:
            if chunk is None:
                return Prepared(self.filter.plan(self._end_items(), at_end=True))  # type: ignore[union-attr]
            items = [self._kept(event) for event in self._parser.feed(self._decode(chunk))]
            read = self.filter.plan(items) if items else None  # type: ignore[union-attr]
            return Prepared(read, self._parser.overflow)
        except Exception as exc:  # noqa: BLE001 - a shim bug ends the stream when this read is built
            return Prepared(None, False, exc)

    def joined(self, first: Optional[Prepared], then: Prepared) -> Prepared:
        """Two prepared reads as one (one ask, built at once), as if they had been read together."""
        if first is None:
            return then
        if first.error is not None:
            return first
        read = first.read if then.read is None else then.read
        if first.read is not None and then.read is not None:
            read = self.filter.join(first.read, then.read)  # type: ignore[union-attr]
        return Prepared(read, first.overflow or then.overflow, then.error)

    def send(self, ask: Ask) -> Any:
        """Sends a prepared read's ask now; wait(handle) takes the answer (at once for a released read)."""
        released = self._released(ask)
        if released is not None:
            return released
        with self._tell_lock:  # what was released before this read is told before it is asked about
            self.tell_released()
            return self._send(ask)

    def _released(self, ask: Ask) -> Optional[Answer]:
        """A read the chunk filter can release without asking (chunk hints): the answer the supervisor
        would have given, or None: ask. The supervisor is told later (tell_released), after the agent
        has the read's bytes: no read waits for a message it needs no answer to."""
        if self._tell is None or self.filter is None:
            return None
        answer = self.filter.release(ask)
        if answer is not None:
            with self._tell_lock:
                self._untold.append(ask)
        return answer

    def release_now(self, ask: Ask) -> Optional[Answer]:
        """A read released on its own, or None with nothing noted (it may still be joined with later reads,
        then released or asked about as one): the caller's thread keeps reading a clean stream itself."""
        releaser = self.filter.releaser if self.filter is not None and self._tell is not None else None
        if releaser is None:
            return None
        answer: Optional[Answer] = releaser.release(ask)
        if answer is not None:
            with self._tell_lock:
                self._untold.append(ask)
        return answer

    def tell_released(self) -> None:
        """Tells the supervisor the reads released since it was last told, as one released llm.chunk (its
        filters follow a joined read as they would each: SPEC 3.6a); called before any later llm.chunk of
        the call, when the agent reads on, and at the end before the report."""
        if not self._untold:  # the common case, without the lock
            return
        with self._tell_lock:
            untold = self._untold
            if not untold:
                return
            self._untold = []
            texts: Tuple[str, ...] = untold[0].texts if len(untold) == 1 else sum((a.texts for a in untold), ())
            self._tell(Ask(texts, untold[-1].done))  # type: ignore[misc]

    def wait(self, handle: Any) -> Answer:
        """The answer to a sent ask (a failure to get one is a deny Answer, or passes with fail-open). Raises
        PolicyDenied with on_deny="raise"; a shim bug ends the stream (the read builds to nothing)."""
        try:
            return self._wait(handle)
        except Exception as exc:  # noqa: BLE001
            self._guard(exc)
            return ALLOW

    def build(self, prepared: Prepared, answer: Answer) -> bytes:
        """The bytes the agent sees for a prepared read, in read order."""
        if self.end_error is not None:
            return b""
        try:
            if prepared.error is not None:
                raise prepared.error
            chunks: Any = self.filter
            out = chunks.build(prepared.read, answer) if prepared.read is not None else b""
            if prepared.overflow and not self.ended:
                self.end_error = "iron: an event over 16 MiB cannot be filtered"
            return out
        except Exception as exc:  # noqa: BLE001
            return self._guard(exc)

    def _step(self, chunk: Optional[bytes]) -> bytes:
        """One watched read, asked inline (blocking)."""
        prepared = self.prepare(chunk)
        answer = ALLOW
        if prepared.ask is not None and prepared.error is None:
            try:
                released = self._released(prepared.ask)
                if released is None:
                    self.tell_released()
                answer = released if released is not None else self._ask(prepared.ask)  # type: ignore[misc]
            except Exception as exc:  # noqa: BLE001
                return self._guard(exc)
        return self.build(prepared, answer)

    async def _astep(self, chunk: Optional[bytes]) -> bytes:
        """The asyncio twin of _step()."""
        prepared = self.prepare(chunk)
        answer = ALLOW
        if prepared.ask is not None and prepared.error is None:
            try:
                released = self._released(prepared.ask)
                if released is None:
                    self.tell_released()
                answer = released if released is not None else await self._ask_async(prepared.ask)  # type: ignore[misc]
            except Exception as exc:  # noqa: BLE001
                return self._guard(exc)
        return self.build(prepared, answer)

    # ----- the byte path -----

    def _decode(self, chunk: bytes) -> bytes:
        """Decompressed bytes (identity streams as they are)."""
        return self._decoder.decompress(chunk) if self._decoder is not None else chunk

    def _plain(self, chunk: bytes) -> bytes:
        """Accounting only: the bytes pass untouched."""
        for event in self._parser.feed(self._decode(chunk)):
            self.acc.on_event(event)
        if self._parser.overflow:
            self._accounting = False
        return chunk

    def _kept(self, event: SSEEvent) -> Item:
        """An event, its bytes after the accumulator (which may drop or rewrite the usage the shim caused),
        and its JSON object as the accumulator parsed it (UNPARSED: the filter parses it)."""
        acc = self.acc
        try:
            replacement = acc.on_event(event)
        except Exception as exc:  # noqa: BLE001 - accounting must never break the stream
            swallow("stream accounting", exc)
            return event, event.raw, UNPARSED
        return event, event.raw if replacement is None else replacement, getattr(acc, "parsed", UNPARSED)

    def _rewritten(self, data: bytes) -> bytes:
        """Unwatched rewriting (include_usage stripped): whole events only, each kept, replaced or dropped."""
        out = b"".join(item[1] for item in (self._kept(event) for event in self._parser.feed(data)))
        if self._parser.overflow and not self.ended:
            out += self._parser.take_tail()
            self.rewrite = self._accounting = False
        return out

    def _end_items(self) -> List[Item]:
        """At end of body: the unfinished last event, if any."""
        event = self._parser.flush()
        if event is None:
            return []
        return [self._kept(event) if event.data is not None else (event, event.raw, None)]

    def _guard(self, exc: Exception) -> bytes:
        """A shim bug while rewriting: a filtered stream ends (fail closed); others lose their rewriting.
        A PolicyDenied (on_deny="raise") ends the stream and reaches the agent's read."""
        if isinstance(exc, PolicyDenied):
            self.end_error = f"{exc.code}: {exc.reason}"
            raise exc
        swallow("stream rewrite", exc)
        if self.filter is not None:
            self.end_error = f"iron: shim error while filtering the stream: {exc!r}"
        else:
            self.rewrite = self._accounting = False
        return b""

    def feed(self, chunk: bytes) -> bytes:
        """Accounts a chunk; returns what the agent should see (the chunk itself unless rewriting)."""
        self.tell_released()
        if self.ended:
            return b""
        if not self._accounting or not chunk:
            return chunk
        if self.filter is not None:
            return self._step(chunk)
        try:
            if not self.rewrite:
                return self._plain(chunk)
            return self._rewritten(self._decode(chunk))
        except Exception as exc:  # noqa: BLE001 - accounting must never break the stream
            if not self.rewrite and not isinstance(exc, PolicyDenied):
                self._accounting = False
                swallow("stream accounting", exc)
                return chunk
            return self._guard(exc)

    async def afeed(self, chunk: bytes) -> bytes:
        """The asyncio twin of feed(): the filter's round trips await instead of blocking the loop."""
        self.tell_released()
        if self.filter is None or self.ended or not chunk:
            return self.feed(chunk)
        return await self._astep(chunk)

    def tail(self) -> bytes:
        """At end of body (rewriting only): the held-back bytes, and the filter's remainder."""
        self.tell_released()
        if not self.rewrite or self.ended:
            return b""
        if self.filter is not None:
            return self._step(None)
        try:
            return b"".join(item[1] for item in self._end_items())
        except Exception as exc:  # noqa: BLE001
            return self._guard(exc)

    async def atail(self) -> bytes:
        """The asyncio twin of tail()."""
        self.tell_released()
        if self.filter is None or self.ended:
            return self.tail()
        return await self._astep(None)

    # ----- the report -----

    def finish(self, error: Optional[str] = None) -> None:
        """Reports the stream exactly once: on exhaustion, error, close or garbage collection."""
        with self._lock:
            if self._finished:
                return
            self._finished = True
        if self._pipe is not None:
            self._pipe.close()  # the helper asks nothing more, and is out of the accumulator
        try:
            self.tell_released()  # the supervisor follows every released read before the report
            if error is None and self._accounting and not self.rewrite:
                event = self._parser.flush()
                if event is not None and event.data is not None:
                    self.acc.on_event(event)
            chunks = self.filter
            if chunks is not None and not chunks.done_asked and chunks.denied is None and self._abandon is not None:
                self._abandon()
            result = self.acc.result()
            if chunks is not None:
                result = result._replace(output=chunks.emitted())
            if error is None and self.ended:
                error = self.end_error or _deny_text(chunks)
            complete = error is None and result.done and result.error is None
            self._report(result, complete, error or result.error)
        except Exception as exc:  # noqa: BLE001
            swallow("stream report", exc)


def _deny_text(chunks: Optional[ChunkFilter]) -> str:
    """The report's error for a stream a policy ended."""
    answer = chunks.denied if chunks is not None else None
    if answer is None:
        return "the stream was ended"
    return f"{answer.code or 'IRON_ERR_POLICY'}: {answer.reason or 'stream denied by policy'}"


def _deferred(ask: Ask) -> Any:
    """send() without a pipelined sender: the Ask itself, asked when waited for."""
    return ask
