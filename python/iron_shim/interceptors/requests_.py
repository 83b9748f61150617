"""requests: HTTPAdapter.send, below every Session (and above urllib3, which is not patched)."""
from __future__ import annotations

import functools
import io
import weakref
from types import ModuleType
from typing import Any, Iterator, Optional

from .. import runtime
from ..calls import Verdict, capped, is_event_stream
from ..denial import SyntheticResponse
from ..errors import PolicyDenied
from ..governor import Governor
from ..internal import swallow
from ..tap import StreamTap, tee
from . import base

LIBRARY = "requests"


class RequestsInterceptor(base.Interceptor):
    """Patches requests.adapters.HTTPAdapter.send."""

    name = LIBRARY
    module = "requests"

    def patch(self, module: ModuleType) -> None:
        """One wrapper covers requests.get/post, Sessions and HTTPAdapter subclasses that call super()."""
        self.wrap(module.adapters.HTTPAdapter, "send", lambda original: _wrap_send(original, module))


def _wrap_send(original: Any, requests: ModuleType) -> Any:
    """The HTTPAdapter.send wrapper."""

    @functools.wraps(original)  # keeps requests' name, docstring and signature
    def send(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        gov = runtime.governor
        if gov is None or base.active():
            return original(self, request, *args, **kwargs)
        url, method = str(request.url), str(request.method)
        target = gov.match(method, url, request.headers.get)
        if target is None:
            return original(self, request, *args, **kwargs)
        stream = bool(kwargs.get("stream", args[0] if args else False))
        token = base.enter()
        try:
            try:
                body = request.body
                body = body.encode("utf-8") if isinstance(body, str) else body
                body = bytes(body) if isinstance(body, (bytes, bytearray, memoryview)) else None
                verdict = gov.before(target, method, url, list(request.headers.items()), body, LIBRARY)
            except Exception as exc:  # noqa: BLE001
                if isinstance(exc, PolicyDenied):
                    raise
                verdict = gov.on_bug(target, exc)
            if verdict.action == "pass":
                return original(self, request, *args, **kwargs)
            if verdict.action == "deny":
                assert verdict.response is not None
                return synthetic_response(requests, verdict.response, request, self)
            sent = _prepared(request, verdict)
            if verdict.timeout is not None:
                args, kwargs = _with_deadline(args, kwargs, verdict.timeout)
            try:
                response = original(self, sent, *args, **kwargs)
            except BaseException as exc:
                gov.failed(verdict.call, exc)
                raise
            return _after(requests, gov, verdict, response, stream, self)
        finally:
            base.leave(token)

    return send


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


def _after(requests: ModuleType, gov: Governor, verdict: Verdict, response: Any, stream: bool, adapter: Any) -> Any:
    """SSE bodies are tapped through response.raw; others are read, reported and maybe replaced."""
    call = verdict.call
    if call is None:
        return response
    try:
        if is_event_stream(response.headers.get("content-type")):
            # requests decodes gzip/deflate itself (raw.stream(decode_content=True)): the tap sees plain bytes.
            tap = gov.streams.open(call, response.status_code, response.headers.get, encoding="")
            if not stream:
                response.raw = _TappedRaw(response.raw, tap)
                response.content  # noqa: B018 - reads the whole body through the tap
                return response
            response.raw = _TappedRaw(response.raw, tap)
            weakref.finalize(response.raw, tap.finish)
            return response
        body = response.content
    except Exception as exc:  # noqa: BLE001
        swallow("requests response", exc)
        return response
    outcome = gov.responses.after(call, response.status_code, response.headers.get, body)
    if outcome.action == "deny" and outcome.response is not None:
        response.close()
        return synthetic_response(requests, outcome.response, response.request, adapter)
    if outcome.action == "replace" and outcome.body is not None:
        response._content = outcome.body
        if "Content-Length" in response.headers:
            response.headers["Content-Length"] = str(len(outcome.body))
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

    def stream(self, amt: Any = 2 ** 16, decode_content: Any = None) -> Iterator[bytes]:
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
