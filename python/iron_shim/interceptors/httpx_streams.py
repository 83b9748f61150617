"""httpx response bodies as the shim hands them back: tapped byte streams and swapped read bodies."""
from __future__ import annotations

from types import ModuleType
from typing import Any

from ..tap import StreamTap
from ..tee import atee, tee


def finish_read(tap: StreamTap, response: Any, data: bytes) -> Any:
    """Reports a fully read SSE body and swaps in what the tap made of it."""
    tap.finish()
    if tap.rewrite and data != response.content:
        replace_content(response, data)
    return response


def replace_content(response: Any, body: bytes) -> None:
    """Swaps the read body of an httpx.Response (httpx keeps it in _content in every release)."""
    response._content = body
    if "content-length" in response.headers:
        response.headers["content-length"] = str(len(body))
    for cached in ("_text", "_decoder"):
        if cached in response.__dict__:
            del response.__dict__[cached]


def stream_classes(httpx: ModuleType) -> Any:
    """Tapped byte streams subclassing this module's SyncByteStream / AsyncByteStream."""

    class TappedSyncStream(httpx.SyncByteStream):  # type: ignore[name-defined,misc]
        """Tees every chunk to the tap; finishes on exhaustion, error or close()."""

        def __init__(self, inner: Any, tap: StreamTap) -> None:
            """Wraps httpx's own stream (which still owns the connection)."""
            self._inner, self._tap = inner, tap

        def __iter__(self) -> Any:
            """Yields what the agent sees; the end of the body finishes the tap."""
            yield from tee(self._tap, self._inner)

        def close(self) -> None:
            """response.close() or the with-block's exit: report (complete only if the stream ended)."""
            try:
                self._tap.finish()
            finally:
                self._inner.close()

    class TappedAsyncStream(httpx.AsyncByteStream):  # type: ignore[name-defined,misc]
        """The async twin: async iteration and aclose()."""

        def __init__(self, inner: Any, tap: StreamTap) -> None:
            """Wraps httpx's own async stream."""
            self._inner, self._tap = inner, tap

        async def __aiter__(self) -> Any:
            """The async twin of __iter__."""
            async for chunk in atee(self._tap, self._inner):
                yield chunk

        async def aclose(self) -> None:
            """The async twin of close()."""
            try:
                self._tap.finish()
            finally:
                await self._inner.aclose()

    return TappedSyncStream, TappedAsyncStream
