"""httpx: Client.send and AsyncClient.send (both SDKs funnel into them); how to read and rebuild an
httpx request and response, for the one flow in base.py."""
from __future__ import annotations

import datetime
import weakref
from types import ModuleType
from typing import Any, Optional

from ..calls import Verdict, capped
from ..denial import SyntheticResponse
from . import base
from .httpx_streams import finish_read, replace_content, stream_classes

LIBRARY = "httpx"


class HttpxInterceptor(base.Interceptor):
    """Patches httpx.Client.send / httpx.AsyncClient.send."""

    name = LIBRARY
    module = "httpx"

    def patch(self, module: ModuleType) -> None:
        """Wraps both send methods; stream classes are built against this httpx's base classes."""
        library = module.__name__ if module.__name__ in ("httpx", "httpx2") else self.name  # httpx2.alias_httpx()
        kit = _Kit(module, library)
        self.wrap(module.Client, "send", lambda original: base.sync_wrapper(original, kit.exchange(HttpxExchange)))
        self.wrap(
            module.AsyncClient, "send", lambda original: base.async_wrapper(original, kit.exchange(AsyncHttpxExchange))
        )


class Httpx2Interceptor(HttpxInterceptor):
    """httpx2 (what newer OpenAI SDK releases use): the same API under another name, the same wrappers."""

    name = "httpx2"
    module = "httpx2"


class _Kit:
    """One httpx-compatible module (httpx, or httpx2 under another name) and its tapped stream classes."""

    def __init__(self, httpx: ModuleType, library: str) -> None:
        """The module is httpx or httpx2: the stream classes must subclass its own byte streams."""
        self.httpx = httpx
        self.library = library
        self.SyncStream, self.AsyncStream = stream_classes(httpx)

    def exchange(self, cls: Any) -> Any:
        """The factory the wrapper calls with send's own arguments."""

        def make(original: Any, client: Any, request: Any, *args: Any, **kwargs: Any) -> "HttpxExchange":
            """httpx calls send(request, **kwargs) on the client: the exchange keeps them to call the original."""
            return cls(self, original, client, request, args, kwargs)

        return make


class HttpxExchange(base.Exchange):
    """An httpx.Client.send call."""

    def __init__(self, kit: _Kit, original: Any, client: Any, request: Any, args: Any, kwargs: Any) -> None:
        """stream=True leaves the body unread: the exchange reads it when the engine must see it."""
        super().__init__(request.method, str(request.url), request.headers.get)
        self.kit, self.httpx, self.library = kit, kit.httpx, kit.library
        self.original, self.client, self.request, self.args, self.kwargs = original, client, request, args, kwargs
        self.stream = bool(kwargs.get("stream"))

    def headers(self) -> Any:
        """The raw pairs, so repeated headers are seen as sent."""
        return self.request.headers.raw

    def body(self) -> Optional[bytes]:
        """The request body; a not-yet-read sync stream is read (httpx keeps it replayable)."""
        try:
            return bytes(self.request.content)
        except self.httpx.RequestNotRead:
            try:
                return bytes(self.request.read())
            except Exception:  # noqa: BLE001 - an async-only or one-shot body: governed without it
                return None

    def send(self, verdict: Optional[Verdict]) -> Any:
        """The original send with the caller's own arguments, on the request as decided."""
        request = self.request if verdict is None else self.prepared(verdict)
        return self.original(self.client, request, *self.args, **self.kwargs)

    def prepared(self, verdict: Verdict) -> Any:
        """The caller's own request, or a copy with the new body, URL, headers and deadline."""
        request, httpx = self.request, self.httpx
        if verdict.body is None and verdict.url is None and not verdict.headers and verdict.timeout is None:
            return request
        extensions = request.extensions
        if verdict.timeout is not None:
            current = extensions.get("timeout") or {}
            extensions = dict(
                extensions,
                timeout={
                    key: capped(current.get(key), verdict.timeout) for key in ("connect", "read", "write", "pool")
                },
            )
        headers = request.headers.copy()
        for name, value in verdict.headers:
            headers[name] = value
        url = request.url
        if verdict.url is not None:
            url = httpx.URL(verdict.url)
            if "host" in headers:
                del headers["host"]  # httpx sets it again from the new URL
        if verdict.body is None:
            return httpx.Request(request.method, url, headers=headers, stream=request.stream, extensions=extensions)
        for name in ("content-length", "transfer-encoding"):
            if name in headers:
                del headers[name]
        return httpx.Request(request.method, url, headers=headers, content=verdict.body, extensions=extensions)

    def denied(self, synthetic: SyntheticResponse, response: Any = None) -> Any:
        """A real httpx.Response holding the provider-format denial."""
        request = self.request if response is None else response.request
        denial = self.httpx.Response(
            synthetic.status, headers=synthetic.headers, content=synthetic.body, request=request
        )
        try:
            denial.elapsed = datetime.timedelta(0)
        except Exception:  # noqa: BLE001 - older/newer httpx without the setter
            pass
        return denial

    def content_type(self, response: Any) -> Optional[str]:
        """httpx's case-insensitive lookup."""
        return response.headers.get("content-type")

    def status(self, response: Any) -> int:
        """httpx names it status_code."""
        return response.status_code  # type: ignore[no-any-return]

    def response_header(self, response: Any) -> Any:
        """httpx's case-insensitive lookup."""
        return response.headers.get

    def tap(self, call: Any, response: Any, streams: Any) -> Any:
        """SSE: wrap the body stream (stream=True) or account the already-read body."""
        if not self.stream:
            tap = streams.open(call, response.status_code, response.headers.get, encoding="")
            data = tap.feed(response.content) + tap.tail()
            return finish_read(tap, response, data)
        return self.tap_stream(call, response, streams)

    def tap_stream(self, call: Any, response: Any, streams: Any) -> Any:
        """A streamed SSE body: httpx's byte stream swapped for one that tees through the tap."""
        tap = streams.open(call, response.status_code, response.headers.get)
        inner, httpx = response.stream, self.httpx
        if isinstance(inner, httpx.AsyncByteStream) and not isinstance(inner, httpx.SyncByteStream):
            wrapper: Any = self.kit.AsyncStream(inner, tap)
        else:
            wrapper = self.kit.SyncStream(inner, tap)
        weakref.finalize(wrapper, tap.finish)
        response.stream = wrapper
        names = ("content-length", "content-encoding") if tap.decoded else ("content-length",)
        for name in names if tap.rewrite else ():
            if name in response.headers:
                del response.headers[name]
        return response

    def read(self, response: Any) -> Any:
        """stream=True: read now (the engine decides on the whole body first)."""
        if self.stream:
            response.read()
        return response.content

    def discard(self, response: Any) -> None:
        """An unread denied body must not hold the connection."""
        if not response.is_closed:
            try:
                response.close()
            except RuntimeError:  # an unread async stream: httpx releases it when collected
                pass

    def kept(self, response: Any, body: bytes, replacement: Optional[bytes]) -> Any:
        """A redacted body replaces the read one (and its cached text)."""
        if replacement is not None:
            replace_content(response, replacement)
        return response


class AsyncHttpxExchange(HttpxExchange):
    """An httpx.AsyncClient.send call: the body reads and the read SSE body's round trips await."""

    asynchronous = True

    async def body(self) -> Optional[bytes]:  # type: ignore[override]
        """The async twin of HttpxExchange.body(): an unread async stream is read by awaiting."""
        try:
            return bytes(self.request.content)
        except self.httpx.RequestNotRead:
            try:
                return bytes(await self.request.aread())
            except Exception:  # noqa: BLE001
                return None

    def tap(self, call: Any, response: Any, streams: Any) -> Any:
        """A read body's filter round trips await; a streamed body is tapped as the agent iterates."""
        if not self.stream:
            return self.tap_read(call, response, streams)
        return self.tap_stream(call, response, streams)

    async def tap_read(self, call: Any, response: Any, streams: Any) -> Any:
        """A body httpx already read (filter round trips await)."""
        tap = streams.open(call, response.status_code, response.headers.get, encoding="")
        data = await tap.afeed(response.content) + await tap.atail()
        return finish_read(tap, response, data)

    async def read(self, response: Any) -> Any:  # type: ignore[override]
        """The async twin of HttpxExchange.read()."""
        if self.stream:
            await response.aread()
        return response.content
