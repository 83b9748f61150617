"""requests: HTTPAdapter.send, below every Session (and above urllib3, which is not patched); how to
read and rebuild a requests call, for the one flow in base.py."""
from __future__ import annotations

import io
import weakref
from types import ModuleType
from typing import Any, Iterator, Optional

from ..calls import Verdict, capped
from ..denial import SyntheticResponse
from ..tap import StreamTap
from ..tee import tee
from . import base

LIBRARY = "requests"


class RequestsInterceptor(base.Interceptor):
    """Patches requests.adapters.HTTPAdapter.send."""

    name = LIBRARY
    module = "requests"

    def patch(self, module: ModuleType) -> None:
        """One wrapper covers requests.get/post, Sessions and HTTPAdapter subclasses that call super()."""

        def exchange(original: Any, adapter: Any, request: Any, *args: Any, **kwargs: Any) -> RequestsExchange:
            """adapter.send(request, stream, timeout, ...): kept to call the original with."""
            return RequestsExchange(module, original, adapter, request, args, kwargs)

        self.wrap(module.adapters.HTTPAdapter, "send", lambda original: base.sync_wrapper(original, exchange))


class RequestsExchange(base.Exchange):
    """An HTTPAdapter.send(request, stream, timeout, ...) call."""

    library = LIBRARY

    def __init__(self, requests: ModuleType, original: Any, adapter: Any, request: Any, args: Any, kwargs: Any) -> None:
        """stream may come positionally or by keyword."""
        super().__init__(str(request.method), str(request.url), request.headers.get)
        self.requests, self.original, self.adapter, self.request = requests, original, adapter, request
        self.args, self.kwargs = args, kwargs
        self.stream = bool(kwargs.get("stream", args[0] if args else False))

    def headers(self) -> Any:
        """requests' CaseInsensitiveDict as pairs."""
        return list(self.request.headers.items())

    def body(self) -> Optional[bytes]:
        """A PreparedRequest body is bytes or text; generators and files are not LLM calls."""
        body = self.request.body
        body = body.encode("utf-8") if isinstance(body, str) else body
        return bytes(body) if isinstance(body, (bytes, bytearray, memoryview)) else None

    def send(self, verdict: Optional[Verdict]) -> Any:
        """The caller's own arguments, with the timeout capped at the call's deadline."""
        if verdict is None:
            return self.original(self.adapter, self.request, *self.args, **self.kwargs)
        args, kwargs = self.args, self.kwargs
        if verdict.timeout is not None:
            args, kwargs = _with_deadline(args, kwargs, verdict.timeout)
        return self.original(self.adapter, _prepared(self.request, verdict), *args, **kwargs)

    def denied(self, synthetic: SyntheticResponse, response: Any = None) -> Any:
        """A requests.Response built like a read one, on the request that was sent."""
        request = self.request if response is None else response.request
        return synthetic_response(self.requests, synthetic, request, self.adapter)

    def content_type(self, response: Any) -> Optional[str]:
        """requests' case-insensitive lookup."""
        return response.headers.get("content-type")  # type: ignore[no-any-return]

    def status(self, response: Any) -> int:
        """requests names it status_code."""
        return response.status_code  # type: ignore[no-any-return]

    def response_header(self, response: Any) -> Any:
        """requests' case-insensitive lookup."""
        return response.headers.get

    def tap(self, call: Any, response: Any, streams: Any) -> Any:
        """SSE bodies are tapped through response.raw; requests decodes gzip/deflate itself
        (raw.stream(decode_content=True)), so the tap sees plain bytes."""
        tap = streams.open(call, response.status_code, response.headers.get, encoding="")
        response.raw = _TappedRaw(response.raw, tap)
        if not self.stream:
            response.content  # noqa: B018 - reads the whole body through the tap
            return response
        weakref.finalize(response.raw, tap.finish)
        return response

    def read(self, response: Any) -> Any:
        """stream=False already read it; stream=True reads it now, before the agent gets the response."""
        return response.content

    def discard(self, response: Any) -> None:
        """Releases the connection of a response the agent will not get."""
        response.close()

    def kept(self, response: Any, body: bytes, replacement: Optional[bytes]) -> Any:
        """A redacted body replaces the cached content (Content-Length follows)."""
        if replacement is not None:
            response._content = replacement
            if "Content-Length" in response.headers:
                response.headers["Content-Length"] = str(len(replacement))
        return response


def _with_deadline(args: Any, kwargs: Any, deadline: float) -> Any:
    """HTTPAdapter.send(request, stream, timeout, ...): the timeout (a number, a (connect, read) pair
    or a urllib3 Timeout) capped at the call's deadline, wherever the caller passed it."""
    args = list(args)
    if len(args) >= 2:
        current, place = args[1], 1
    else:
        current, place = kwargs.get("timeout"), None
    if isinstance(current, tuple) and len(current) == 2:
        value: Any = (capped(current[0], deadline), capped(current[1], deadline))
    elif hasattr(current, "connect_timeout") and hasattr(current, "read_timeout"):
        value = (capped(current.connect_timeout, deadline), capped(current.read_timeout, deadline))
    else:
        value = capped(current, deadline)
    if place is None:
        kwargs = dict(kwargs, timeout=value)
    else:
        args[place] = value
    return tuple(args), kwargs


def _prepared(request: Any, verdict: Verdict) -> Any:
    """A copy of the PreparedRequest with the new body, URL and headers."""
    if verdict.body is None and verdict.url is None and not verdict.headers:
        return request
    clone = request.copy()
    if verdict.body is not None:
        clone.body = verdict.body
        clone.headers["Content-Length"] = str(len(verdict.body))
        clone.headers.pop("Transfer-Encoding", None)
    if verdict.url is not None:
        clone.prepare_url(verdict.url, None)
    for name, value in verdict.headers:
        clone.headers[name] = value
    return clone


def synthetic_response(requests: ModuleType, synthetic: SyntheticResponse, request: Any, adapter: Any) -> Any:
    """A real requests.Response holding the denial, already read (like a non-streamed one)."""
    response = requests.Response()
    response.status_code = synthetic.status
    response.reason = synthetic.reason
    response.headers = requests.structures.CaseInsensitiveDict(synthetic.headers)
    response.encoding = "utf-8"
    response._content = synthetic.body
    response._content_consumed = True
    response.raw = io.BytesIO(synthetic.body)
    response.url = request.url
    response.request = request
    response.connection = adapter
    return response


class _TappedRaw:
    """Stands in for the urllib3 response under requests.Response: stream()/read() go through the tap."""

    def __init__(self, raw: Any, tap: StreamTap) -> None:
        """Everything not overridden is the urllib3 response's own."""
        self._raw = raw
        self._tap = tap
        self._eof = False

    def __getattr__(self, name: str) -> Any:
        """Delegates headers, status, release_conn, _original_response, ..."""
        return getattr(self._raw, name)

    def stream(self, amt: Any = 2**16, decode_content: Any = None) -> Iterator[bytes]:
        """What Response.iter_content reads: decoded chunks, teed to the tap."""
        yield from tee(self._tap, self._raw.stream(amt, decode_content=decode_content))
        if self._tap.ended:
            self._raw.close()  # a policy ended the stream: nothing more is read from the provider

    def read(self, amt: Any = None, *args: Any, **kwargs: Any) -> bytes:
        """Direct raw reads go through the tap too; b"" still means end of body, never "held back"."""
        tap = self._tap
        while not self._eof:
            data = self._raw.read(amt, *args, **kwargs)
            if not data:
                self._eof = True
                rest = tap.tail()
                tap.finish()
                return rest
            out = tap.feed(data)
            if tap.ended:  # a policy ended the stream: nothing more is read from the provider
                self._eof = True
                tap.finish()
                self._raw.close()
                return out
            if out:
                return out
        return b""

    def close(self) -> None:
        """Closing early still reports the stream (complete=false)."""
        try:
            self._tap.finish()
        finally:
            self._raw.close()
