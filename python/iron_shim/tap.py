"""StreamTap: sits in a response body's byte stream, accounts it, may rewrite it, and reports once."""
from __future__ import annotations

import threading
import zlib
from typing import Any, AsyncIterator, Callable, Iterable, Iterator, Optional

from .internal import swallow
from .sse import SSEParser
from .streams import Accumulator, StreamResult


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

    def __init__(self, accumulator: Accumulator, report: Callable[[StreamResult, bool, Optional[str]], None],
                 encoding: str = "", rewrite: bool = False) -> None:
        """report(result, complete, error) is called exactly once, from whichever end comes first."""
        self.acc = accumulator
        self._report = report
        self._parser = SSEParser()
        self._lock = threading.Lock()
        self._finished = False
        self._accounting = True
        try:
            self._decoder = make_decoder(encoding)
        except ValueError:
            self._decoder, self._accounting = None, False
        self.rewrite = rewrite and self._decoder is None and self._accounting

    def feed(self, chunk: bytes) -> bytes:
        """Accounts a chunk; returns what the agent should see (the chunk itself unless rewriting)."""
        if not self._accounting or not chunk:
            return chunk
        try:
            if self.rewrite:
                return self._rewrite(chunk)
            data = self._decoder.decompress(chunk) if self._decoder is not None else chunk
            for event in self._parser.feed(data):
                self.acc.on_event(event)
            if self._parser.overflow:
                self._accounting = False
        except Exception as exc:  # noqa: BLE001 - accounting must never break the stream
            self._accounting = False
            swallow("stream accounting", exc)
        return chunk

    def _rewrite(self, chunk: bytes) -> bytes:
        """Emits whole events only, each kept, replaced or dropped by the accumulator."""
        out = bytearray()
        for event in self._parser.feed(chunk):
            try:
                replacement = self.acc.on_event(event)
            except Exception as exc:  # noqa: BLE001
                replacement = None
                swallow("stream rewrite", exc)
            out += event.raw if replacement is None else replacement
        if self._parser.overflow:
            out += self._parser.take_tail()
            self.rewrite = self._accounting = False
        return bytes(out)

    def tail(self) -> bytes:
        """At end of stream: the bytes held back while rewriting (an unfinished last event)."""
        if not self._accounting:
            return b""
        try:
            event = self._parser.flush()
            if event is not None and event.data is not None:
                replacement = self.acc.on_event(event)
                if self.rewrite and replacement is not None:
                    return replacement
            return event.raw if (self.rewrite and event is not None) else b""
        except Exception as exc:  # noqa: BLE001
            swallow("stream tail", exc)
            return b""

    @property
    def finished(self) -> bool:
        """True once the report was made."""
        return self._finished

    def finish(self, error: Optional[str] = None) -> None:
        """Reports the stream exactly once: on exhaustion, error, close or garbage collection."""
        with self._lock:
            if self._finished:
                return
            self._finished = True
        try:
            if error is None and self._accounting and not self.rewrite:
                self.tail()
            result = self.acc.result()
            complete = error is None and result.done and result.error is None
            self._report(result, complete, error or result.error)
        except Exception as exc:  # noqa: BLE001
            swallow("stream report", exc)


def tee(tap: StreamTap, chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Yields what the agent sees from a body's chunks; the end of the body or an error finishes the tap."""
    try:
        for chunk in chunks:
            out = tap.feed(chunk)
            if out:
                yield out
    except GeneratorExit:
        raise
    except BaseException as exc:
        tap.finish(f"{type(exc).__name__}: {exc}")
        raise
    rest = tap.tail() if tap.rewrite else b""
    if rest:
        yield rest
    tap.finish()


async def atee(tap: StreamTap, chunks: Any) -> AsyncIterator[bytes]:
    """The async twin of tee() for async byte streams."""
    try:
        async for chunk in chunks:
            out = tap.feed(chunk)
            if out:
                yield out
    except GeneratorExit:
        raise
    except BaseException as exc:
        tap.finish(f"{type(exc).__name__}: {exc}")
        raise
    rest = tap.tail() if tap.rewrite else b""
    if rest:
        yield rest
    tap.finish()
