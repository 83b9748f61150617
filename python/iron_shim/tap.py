"""StreamTap: sits in a response body's byte stream, accounts it, may rewrite it, and reports once.

Rewriting happens when the shim added include_usage (the extra usage chunk is stripped again) or
when an output policy watches the stream (the chunk filter, SPEC 3.6a). The filter's round trips are
generators driven by flow.py: feed()/tail() block the reading thread, afeed()/atail() await on the loop.
"""
from __future__ import annotations

import threading
import zlib
from typing import Any, AsyncIterator, Awaitable, Callable, Generator, Iterable, Iterator, List, Optional

from .errors import PolicyDenied
from .flow import arun, run
from .internal import swallow
from .read_ahead import ReadAhead
from .sse import SSEEvent, SSEParser
from .stream_filter import Answer, Ask, ChunkFilter, Item
from .streams import UNPARSED, Accumulator, StreamResult

Report = Callable[[StreamResult, bool, Optional[str]], None]
AskSync = Callable[[Ask], Answer]
AskAsync = Callable[[Ask], Awaitable[Answer]]
_Step = Generator[Ask, Answer, bytes]


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
    ) -> None:
        """report(result, complete, error) is called exactly once, from whichever end comes first.

        encoding: the content-encoding of the bytes fed in. When rewriting an encoded stream the tap
        outputs decoded bytes (``decoded`` is True: the wrapper drops the content-encoding header)."""
        self.acc = accumulator
        self.filter = chunks
        self._report = report
        self._ask, self._ask_async, self._abandon = ask, ask_async, abandon
        self._reading: Optional[ReadAhead] = None
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

    def read_ahead(self, read: Callable[[], Optional[bytes]]) -> ReadAhead:
        """The body's reader for a blocking wrapper: a pooled helper reads it to its end, so a burst that is
        already there goes to the engine in one ask and what arrives during an ask goes with the next."""
        self._reading = ReadAhead(read)
        self._reading.ahead()
        return self._reading

    def _asking(self, request: Ask) -> Answer:
        """One blocking round trip; the body is read on meanwhile (when the wrapper reads through read_ahead)."""
        if self._reading is not None:
            self._reading.ahead()
        return self._ask(request)  # type: ignore[misc]

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

    def _process(self, data: bytes) -> _Step:
        """Whole events only, each kept, replaced, dropped or filtered (every delta of the read in one ask)."""
        events = [self._kept(event) for event in self._parser.feed(data)]
        if self.filter is not None:
            out = (yield from self.filter.on_events(events)) if events else b""
        else:
            out = b"".join(item[1] for item in events)
        if self._parser.overflow and not self.ended:
            if self.filter is not None:
                self.end_error = "iron: an event over 16 MiB cannot be filtered"
                return out
            out += self._parser.take_tail()
            self.rewrite = self._accounting = False
        return out

    def _end(self) -> _Step:
        """At end of body: the unfinished last event, then whatever the filter still holds."""
        event = self._parser.flush()
        items: List[Item] = []
        if event is not None:
            items.append(self._kept(event) if event.data is not None else (event, event.raw, None))
        if self.filter is None:
            return b"".join(item[1] for item in items)
        if self.ended:
            return b""
        return (yield from self.filter.on_events(items, at_end=True))

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
        if self.ended:
            return b""
        if not self._accounting or not chunk:
            return chunk
        try:
            if not self.rewrite:
                return self._plain(chunk)
            return run(self._process(self._decode(chunk)), self._asking)
        except Exception as exc:  # noqa: BLE001 - accounting must never break the stream
            if not self.rewrite and not isinstance(exc, PolicyDenied):
                self._accounting = False
                swallow("stream accounting", exc)
                return chunk
            return self._guard(exc)

    async def afeed(self, chunk: bytes) -> bytes:
        """The asyncio twin of feed(): the filter's round trips await instead of blocking the loop."""
        if self.filter is None or self.ended or not chunk:
            return self.feed(chunk)
        try:
            return await arun(self._process(self._decode(chunk)), self._ask_async)
        except Exception as exc:  # noqa: BLE001
            return self._guard(exc)

    def tail(self) -> bytes:
        """At end of body (rewriting only): the held-back bytes, and the filter's remainder."""
        if not self.rewrite or self.ended:
            return b""
        try:
            return run(self._end(), self._ask)
        except Exception as exc:  # noqa: BLE001
            return self._guard(exc)

    async def atail(self) -> bytes:
        """The asyncio twin of tail()."""
        if self.filter is None or self.ended:
            return self.tail()
        try:
            return await arun(self._end(), self._ask_async)
        except Exception as exc:  # noqa: BLE001
            return self._guard(exc)

    # ----- the report -----

    def finish(self, error: Optional[str] = None) -> None:
        """Reports the stream exactly once: on exhaustion, error, close or garbage collection."""
        with self._lock:
            if self._finished:
                return
            self._finished = True
        try:
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


def tee(tap: StreamTap, chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Yields what the agent sees from a body's chunks; the end of the body, an error or a deny finishes the tap.

    A watched stream (chunk filter) reads ahead while an ask is in flight (read_ahead.py): what arrives
    meanwhile goes to the engine with the next ask (never an ask per chunk)."""
    source: Iterable[bytes] = chunks
    if tap.filter is not None:
        source = iter(tap.read_ahead(_next_of(iter(chunks))).take, None)  # type: ignore[arg-type]
    try:
        for chunk in source:
            out = tap.feed(chunk)
            if out:
                yield out
            if tap.ended:
                break
        else:
            rest = tap.tail()
            if rest:
                yield rest
    except GeneratorExit:
        raise
    except BaseException as exc:
        tap.finish(f"{type(exc).__name__}: {exc}")
        raise
    tap.finish()


def _next_of(chunks: Iterator[bytes]) -> Callable[[], Optional[bytes]]:
    """An iterator as a read function: the next chunk, None at the end."""
    return lambda: next(chunks, None)


async def atee(tap: StreamTap, chunks: Any) -> AsyncIterator[bytes]:
    """The async twin of tee() for async byte streams (a watched stream reads ahead in a task)."""
    source = _aread_ahead(chunks) if tap.filter is not None else chunks
    try:
        async for chunk in source:
            out = await tap.afeed(chunk)
            if out:
                yield out
            if tap.ended:
                break
        else:
            rest = await tap.atail()
            if rest:
                yield rest
    except GeneratorExit:
        raise
    except BaseException as exc:
        tap.finish(f"{type(exc).__name__}: {exc}")
        raise
    finally:
        if source is not chunks:
            await source.aclose()
    tap.finish()


async def _aread_ahead(chunks: Any) -> AsyncIterator[bytes]:
    """Reads a body's chunks in a task of its own; yields everything read since the last yield, joined."""
    import asyncio

    queue: "asyncio.Queue[Any]" = asyncio.Queue()
    end = object()

    async def pump() -> None:
        """Every chunk into the queue, then the end (or the error)."""
        try:
            async for chunk in chunks:
                queue.put_nowait(chunk)
        except BaseException as exc:  # noqa: BLE001 - raised again in the agent's task
            queue.put_nowait(exc)
            if isinstance(exc, asyncio.CancelledError):
                raise
        queue.put_nowait(end)

    task = asyncio.ensure_future(pump())
    try:
        while True:
            items = [await queue.get()]
            while not queue.empty():
                items.append(queue.get_nowait())
            data = [item for item in items if isinstance(item, bytes)]
            if data:
                yield b"".join(data)
            for item in items:
                if isinstance(item, BaseException):
                    raise item
                if item is end:
                    return
    finally:
        if not task.done():
            task.cancel()
