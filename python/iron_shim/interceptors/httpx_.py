"""httpx: Client.send and AsyncClient.send (both SDKs funnel into them), sync and async as twins."""
from __future__ import annotations

import functools
import weakref
from types import ModuleType
from typing import Any, Optional

from .. import runtime
from ..errors import PolicyDenied
from ..calls import capped
from ..governor import Governor, Outcome, Verdict, is_event_stream
from ..internal import swallow
from .httpx_streams import finish_read, replace_content, stream_classes
from . import base

LIBRARY = "httpx"


class HttpxInterceptor(base.Interceptor):
    """Patches httpx.Client.send / httpx.AsyncClient.send."""

    name = LIBRARY
    module = "httpx"

    def patch(self, module: ModuleType) -> None:
        """Wraps both send methods; stream classes are built against this httpx's base classes."""
        library = module.__name__ if module.__name__ in ("httpx", "httpx2") else self.name  # httpx2.alias_httpx()
        kit = _Kit(module, library)
        self.wrap(module.Client, "send", kit.sync_send)
        self.wrap(module.AsyncClient, "send", kit.async_send)


class Httpx2Interceptor(HttpxInterceptor):
    """httpx2 (what newer OpenAI SDK releases use): the same API under another name, the same wrappers."""

    name = "httpx2"
    module = "httpx2"


class _Kit:
    """The wrappers and helpers for one httpx-compatible module (httpx, or httpx2 under another name)."""

    def __init__(self, httpx: ModuleType, library: str) -> None:
        """Builds the tapped stream classes from the module's own SyncByteStream/AsyncByteStream."""
        self.httpx = httpx
        self.library = library
        self.SyncStream, self.AsyncStream = stream_classes(httpx)

    # ----- wrappers -----

    def sync_send(self, original: Any) -> Any:
        """The Client.send wrapper."""
        kit = self

        @functools.wraps(original)  # keeps httpx's name, docstring and signature
        def send(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
            gov = runtime.governor
            if gov is None or base.active():
                return original(self, request, *args, **kwargs)
            target = gov.match(request.method, str(request.url), request.headers.get)
            if target is None:
                return original(self, request, *args, **kwargs)
            token = base.enter()
            try:
                try:
                    verdict = gov.before(target, request.method, str(request.url), request.headers.raw,
                                         kit.body(request), kit.library)
                except Exception as exc:  # noqa: BLE001 - PolicyDenied is not an Exception we catch here
                    if isinstance(exc, PolicyDenied):
                        raise
                    verdict = gov.on_bug(target, exc)
                if verdict.action == "pass":
                    return original(self, request, *args, **kwargs)
                if verdict.action == "deny":
                    return kit.synthetic(verdict, request)
                try:
                    response = original(self, kit.prepared(request, verdict), *args, **kwargs)
                except BaseException as exc:
                    gov.failed(verdict.call, exc)
                    raise
                return kit.after_sync(gov, verdict, response, bool(kwargs.get("stream")))
            finally:
                base.leave(token)

        return send

    def async_send(self, original: Any) -> Any:
        """The AsyncClient.send wrapper (the twin of sync_send)."""
        kit = self

        @functools.wraps(original)  # keeps httpx's name, docstring and signature
        async def send(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
            gov = runtime.governor
            if gov is None or base.active():
                return await original(self, request, *args, **kwargs)
            target = await gov.match_async(request.method, str(request.url), request.headers.get)
            if target is None:
                return await original(self, request, *args, **kwargs)
            token = base.enter()
            try:
                try:
                    verdict = await gov.before_async(target, request.method, str(request.url),
                                                     request.headers.raw, await kit.body_async(request), kit.library)
                except Exception as exc:  # noqa: BLE001
                    if isinstance(exc, PolicyDenied):
                        raise
                    verdict = gov.on_bug(target, exc)
                if verdict.action == "pass":
                    return await original(self, request, *args, **kwargs)
                if verdict.action == "deny":
                    return kit.synthetic(verdict, request)
                try:
                    response = await original(self, kit.prepared(request, verdict), *args, **kwargs)
                except BaseException as exc:
                    gov.failed(verdict.call, exc)
                    raise
                return await kit.after_async(gov, verdict, response, bool(kwargs.get("stream")))
            finally:
                base.leave(token)

        return send

    # ----- request side -----

    def body(self, request: Any) -> Optional[bytes]:
        """The request body; a not-yet-read sync stream is read (httpx keeps it replayable)."""
        try:
            return bytes(request.content)
        except self.httpx.RequestNotRead:
            try:
                return bytes(request.read())
            except Exception:  # noqa: BLE001 - an async-only or one-shot body: governed without it
                return None

    async def body_async(self, request: Any) -> Optional[bytes]:
        """The async twin of body()."""
        try:
            return bytes(request.content)
        except self.httpx.RequestNotRead:
            try:
                return bytes(await request.aread())
            except Exception:  # noqa: BLE001
                return None

    def prepared(self, request: Any, verdict: Verdict) -> Any:
        """The request to send: the caller's own, or a copy with the new body, URL, headers and deadline."""
        if verdict.body is None and verdict.url is None and not verdict.headers and verdict.timeout is None:
            return request
        extensions = request.extensions
        if verdict.timeout is not None:
            current = extensions.get("timeout") or {}
            extensions = dict(extensions, timeout={key: capped(current.get(key), verdict.timeout)
                                                   for key in ("connect", "read", "write", "pool")})
        headers = request.headers.copy()
        for name, value in verdict.headers:
            headers[name] = value
        url = request.url
        if verdict.url is not None:
            url = self.httpx.URL(verdict.url)
            if "host" in headers:
                del headers["host"]  # httpx sets it again from the new URL
        if verdict.body is None:
            return self.httpx.Request(request.method, url, headers=headers, stream=request.stream,
                                      extensions=extensions)
        for name in ("content-length", "transfer-encoding"):
            if name in headers:
                del headers[name]
        return self.httpx.Request(request.method, url, headers=headers, content=verdict.body,
                                  extensions=extensions)

    def synthetic(self, verdict: Verdict, request: Any) -> Any:
        """A real httpx.Response holding the provider-format denial."""
        synthetic = verdict.response
        assert synthetic is not None
        response = self.httpx.Response(synthetic.status, headers=synthetic.headers, content=synthetic.body,
                                       request=request)
        try:
            import datetime

            response.elapsed = datetime.timedelta(0)
        except Exception:  # noqa: BLE001 - older/newer httpx without the setter
            pass
        return response

    # ----- response side -----

    def after_sync(self, gov: Governor, verdict: Verdict, response: Any, stream: bool) -> Any:
        """Streams get a tap; read bodies are reported and maybe redacted or denied."""
        call = verdict.call
        try:
            if is_event_stream(response.headers.get("content-type")) and call is not None:
                return self.tap_response(gov, call, response, stream)
            if stream:
                response.read()
            outcome = gov.responses.after(call, response.status_code, response.headers.get, response.content)
        except Exception as exc:  # noqa: BLE001 - our bug must not lose the agent's response
            swallow("httpx response", exc)
            return response
        return self.apply(outcome, response, verdict)

    async def after_async(self, gov: Governor, verdict: Verdict, response: Any, stream: bool) -> Any:
        """The async twin of after_sync()."""
        call = verdict.call
        try:
            if is_event_stream(response.headers.get("content-type")) and call is not None:
                if not stream:
                    return await self.tap_read_async(gov, call, response)
                return self.tap_response(gov, call, response, stream)
            if stream:
                await response.aread()
            outcome = await gov.responses.after_async(call, response.status_code, response.headers.get, response.content)
        except Exception as exc:  # noqa: BLE001
            swallow("httpx response", exc)
            return response
        return self.apply(outcome, response, verdict)

    def apply(self, outcome: Outcome, response: Any, verdict: Verdict) -> Any:
        """keep / replace the body / swap in the denial."""
        if outcome.action == "deny":
            if not response.is_closed:
                try:
                    response.close()
                except RuntimeError:  # an unread async stream: httpx releases it when collected
                    pass
            return self.synthetic(Verdict("deny", verdict.call, None, outcome.response), response.request)
        if outcome.action == "replace" and outcome.body is not None:
            replace_content(response, outcome.body)
        return response

    def tap_response(self, gov: Governor, call: Any, response: Any, stream: bool) -> Any:
        """SSE: wrap the body stream (stream=True) or account the already-read body."""
        if not stream:
            tap = gov.streams.open(call, response.status_code, response.headers.get, encoding="")
            data = tap.feed(response.content) + tap.tail()
            return finish_read(tap, response, data)
        tap = gov.streams.open(call, response.status_code, response.headers.get)
        inner = response.stream
        if isinstance(inner, self.httpx.AsyncByteStream) and not isinstance(inner, self.httpx.SyncByteStream):
            wrapper: Any = self.AsyncStream(inner, tap)
        else:
            wrapper = self.SyncStream(inner, tap)
        weakref.finalize(wrapper, tap.finish)
        response.stream = wrapper
        names = ("content-length", "content-encoding") if tap.decoded else ("content-length",)
        for name in names if tap.rewrite else ():
            if name in response.headers:
                del response.headers[name]
        return response

    async def tap_read_async(self, gov: Governor, call: Any, response: Any) -> Any:
        """The async twin of tap_response() for a body httpx already read (filter round trips await)."""
        tap = gov.streams.open(call, response.status_code, response.headers.get, encoding="")
        data = await tap.afeed(response.content) + await tap.atail()
        return finish_read(tap, response, data)
