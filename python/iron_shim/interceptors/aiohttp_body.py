"""aiohttp response objects as the shim hands them back: a tapped body reader, tap-aware close/release,
swapped headers and bodies, and a real ClientResponse holding a denial."""
from __future__ import annotations

import weakref
from types import ModuleType
from typing import Any, Dict, Iterable, Optional, Tuple

from ..denial import SyntheticResponse
from ..tap import StreamTap

READ_LIMIT = 2**16


class NoFlow:
    """The flow-control end of a reader nobody's socket feeds (our own readers pull, they are never flooded)."""

    _reading_paused = False

    def pause_reading(self) -> None:
        """Nothing to pause."""

    def resume_reading(self) -> None:
        """Nothing to resume."""


_READERS: Dict[type, type] = {}
_RESPONSES: Dict[type, type] = {}


def tapped_reader_class(base: type) -> type:
    """A subclass of aiohttp's StreamReader that pulls each chunk of the real body through the tap.

    Every read method of StreamReader waits in _wait() when its buffer is empty; here that wait is a
    pull instead: one readany() of the real payload, through the tap (afeed: filter round trips await),
    into our buffer. So read/readany/readline/readuntil/readchunk/iter_* and `async for` all see the
    same bytes, and isinstance(resp.content, aiohttp.StreamReader) still holds."""
    cls = _READERS.get(base)
    if cls is not None:
        return cls

    class TappedStreamReader(base):  # type: ignore[misc,valid-type]
        """resp.content for a governed SSE response."""

        def __init__(self, inner: Any, tap: StreamTap, loop: Any) -> None:
            """Wraps the real payload reader, which keeps owning the connection."""
            super().__init__(NoFlow(), READ_LIMIT, loop=loop)
            self._iron_inner = inner
            self._iron_tap = tap
            self._iron_response: Any = None

        async def _wait(self, func_name: str) -> None:
            """Pulls one chunk of the real body through the tap (or ends our stream)."""
            if self._exception is not None:
                raise self._exception
            tap = self._iron_tap
            try:
                data = await self._iron_inner.readany()
            except BaseException as exc:
                tap.finish(f"{type(exc).__name__}: {exc}")
                raise
            if not data:
                rest = await tap.atail()
                if rest:
                    self.feed_data(rest)
                tap.finish()
                self.feed_eof()
                return
            out = await tap.afeed(data)
            if out:
                self.feed_data(out)
            if tap.ended:  # a policy ended the stream: nothing more is read from the provider
                tap.finish()
                self.feed_eof()
                response = self._iron_response
                if response is not None:
                    response._iron_close_real()

        async def wait_eof(self) -> None:
            """Reads (and keeps) the rest of the body until it ends."""
            while not self._eof:
                await self._wait("wait_eof")

    _READERS[base] = TappedStreamReader
    return TappedStreamReader


def tapped_response_class(base: type) -> type:
    """A subclass of the session's ClientResponse whose close() and release() report the stream first."""
    cls = _RESPONSES.get(base)
    if cls is not None:
        return cls

    class TappedClientResponse(base):  # type: ignore[misc,valid-type]
        """Closing early (async with exit, break, release) still settles the call (complete=false)."""

        _iron_tap: Optional[StreamTap] = None

        def close(self) -> None:
            """Reports the stream (incomplete unless it ended), then closes as aiohttp does."""
            self._iron_finish()
            super().close()

        def release(self) -> Any:
            """`async with` exit and raise_for_status come here: report first, then release."""
            self._iron_finish()
            return super().release()

        def _iron_finish(self) -> None:
            """Reports once (the tap ignores later calls)."""
            tap = self._iron_tap
            if tap is not None:
                tap.finish()

        def _iron_close_real(self) -> None:
            """Drops the provider's connection without touching our (already ended) reader."""
            connection = self._connection
            if connection is not None:
                connection.close()
                self._connection = None

    _RESPONSES[base] = TappedClientResponse
    return TappedClientResponse


def tap_content(response: Any, tap: StreamTap) -> Any:
    """Puts the tapped reader in front of the real body and makes close/release report the stream."""
    reader = tapped_reader_class(type(response.content))(response.content, tap, response._loop)
    response.__class__ = tapped_response_class(type(response))
    response._iron_tap = tap
    reader._iron_response = response
    response.content = reader
    weakref.finalize(response, tap.finish)
    if tap.rewrite:
        drop = ("content-length", "content-encoding") if tap.decoded else ("content-length",)
        set_headers(response, [(k, v) for k, v in response.headers.items() if k.lower() not in drop])
    return response


def set_headers(response: Any, pairs: Iterable[Tuple[str, str]]) -> None:
    """Replaces a response's headers (an immutable proxy, cached by reify on first access)."""
    from multidict import CIMultiDict, CIMultiDictProxy

    items = list(pairs)
    response._headers = CIMultiDictProxy(CIMultiDict(items))
    response._raw_headers = tuple((k.encode("utf-8"), v.encode("utf-8")) for k, v in items)
    cache = getattr(response, "_cache", None)
    if isinstance(cache, dict):
        cache.pop("headers", None)
        cache.pop("raw_headers", None)


def replace_body(response: Any, body: bytes) -> None:
    """A redacted body: read()/text()/json() return it; content-length follows."""
    response._body = body
    pairs = [(k, str(len(body)) if k.lower() == "content-length" else v) for k, v in response.headers.items()]
    set_headers(response, pairs)


def synthetic_response(
    aiohttp: ModuleType, session: Any, synthetic: SyntheticResponse, method: str, url: str, request_headers: Any
) -> Any:
    """A real (session._response_class) ClientResponse holding the denial, body readable every usual way."""
    import asyncio

    from multidict import CIMultiDict, CIMultiDictProxy
    from yarl import URL

    loop = asyncio.get_running_loop()
    target = URL(url)
    info = aiohttp.RequestInfo(target, method, CIMultiDictProxy(CIMultiDict(request_headers or {})), target)
    cls = getattr(session, "_response_class", None) or aiohttp.ClientResponse
    response = cls(
        method,
        target,
        writer=None,
        continue100=None,
        timer=None,
        request_info=info,
        traces=[],
        loop=loop,
        session=session,
    )
    response.version = aiohttp.HttpVersion11
    response.status = synthetic.status
    response.reason = synthetic.reason
    set_headers(response, synthetic.headers)
    content = aiohttp.StreamReader(NoFlow(), READ_LIMIT, loop=loop)
    content.feed_data(synthetic.body)
    content.feed_eof()
    response.content = content
    return response
