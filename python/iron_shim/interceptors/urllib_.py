"""urllib.request: AbstractHTTPHandler.do_open, so urlopen and every custom opener are covered; how to
read and rebuild a urllib call, for the one flow in base.py."""
from __future__ import annotations

import copy
import io
import weakref
from types import ModuleType
from typing import Any, Callable, Dict, Optional
from urllib.parse import urlsplit

from ..calls import Verdict, capped
from ..denial import SyntheticResponse
from ..read_ahead import Pipeline
from ..tap import StreamTap
from . import base

LIBRARY = "urllib"


class UrllibInterceptor(base.Interceptor):
    """Patches urllib.request.AbstractHTTPHandler.do_open (HTTP and HTTPS handlers share it)."""

    name = LIBRARY
    module = "urllib.request"

    def patch(self, module: ModuleType) -> None:
        """One wrapper covers urlopen, build_opener and subclassed handlers."""
        self.wrap(module.AbstractHTTPHandler, "do_open", lambda original: base.sync_wrapper(original, UrllibExchange))


class UrllibExchange(base.Exchange):
    """A do_open(http_class, req, **http_conn_args) call: send, then report (prefilled body) or tap (SSE)."""

    library = LIBRARY

    def __init__(self, original: Any, handler: Any, http_class: Any, req: Any, **http_conn_args: Any) -> None:
        """do_open(http_class, req, **http_conn_args): kept to call the original, maybe on another class."""
        super().__init__(req.get_method(), req.full_url, lambda name: req.get_header(name.capitalize()))
        self.original, self.handler, self.http_class, self.req = original, handler, http_class, req
        self.http_conn_args = http_conn_args

    def headers(self) -> Any:
        """urllib's headers and unredirected headers together, as they are sent."""
        return self.req.header_items()

    def body(self) -> Optional[bytes]:
        """req.data when it is bytes; file objects and iterables are not LLM calls."""
        data = self.req.data
        return bytes(data) if isinstance(data, (bytes, bytearray, memoryview)) else None

    def send(self, verdict: Optional[Verdict]) -> Any:
        """A rerouted URL may need another connection class (http <-> https)."""
        if verdict is None:
            return self.original(self.handler, self.http_class, self.req, **self.http_conn_args)
        sent = _prepared(self.req, verdict)
        http_class, http_conn_args = self.http_class, self.http_conn_args
        if verdict.url is not None:
            http_class, http_conn_args = _connection_for(sent, http_class, http_conn_args)
        return self.original(self.handler, http_class, sent, **http_conn_args)

    def denied(self, synthetic: SyntheticResponse, response: Any = None) -> Any:
        """A real HTTPResponse, so HTTPErrorProcessor raises HTTPError as for the provider's own error."""
        return synthetic_response(synthetic, self.req.get_method(), self.req.full_url)

    def content_type(self, response: Any) -> Optional[str]:
        """http.client's lookup."""
        return response.getheader("content-type")  # type: ignore[no-any-return]

    def status(self, response: Any) -> int:
        """http.client names it status."""
        return response.status  # type: ignore[no-any-return]

    def response_header(self, response: Any) -> Any:
        """http.client's lookup, from one table: each getheader() walks and lower-cases every header."""
        return _header_table(response)

    def tap(self, call: Any, response: Any, streams: Any) -> Any:
        """SSE responses are tapped as they are read."""
        tap = streams.open(call, response.status, lambda name: response.getheader(name))
        for name in ("Content-Length", "Content-Encoding") if tap.decoded else ("Content-Length",):
            if tap.rewrite and name in response.headers:
                del response.headers[name]
        return _tapped(response, tap, None)

    def read(self, response: Any) -> Any:
        """The whole body, now: the engine decides before the agent reads."""
        return response.read()

    def discard(self, response: Any) -> None:
        """Closes the socket of a response the agent will not get."""
        response.close()

    def kept(self, response: Any, body: bytes, replacement: Optional[bytes]) -> Any:
        """The read body goes back in (as a prefilled buffer), redacted or not."""
        if replacement is not None:
            body = replacement
            if response.headers.get("Content-Length") is not None:
                response.headers.replace_header("Content-Length", str(len(body)))
        return _tapped(response, None, body)


def _header_table(response: Any) -> Callable[[str], Optional[str]]:
    """The response's headers read once into a dict, looked up like getheader() (repeats joined by ', ')."""
    table: Dict[str, str] = {}
    for name, value in response.getheaders():
        key = name.lower()
        table[key] = f"{table[key]}, {value}" if key in table else value
    return lambda name: table.get(name.lower())


def _prepared(req: Any, verdict: Verdict) -> Any:
    """A copy of the Request with the new body, URL, headers and deadline (the caller's object is untouched)."""
    if verdict.body is None and verdict.url is None and not verdict.headers and verdict.timeout is None:
        return req
    clone = copy.copy(req)
    clone.headers = dict(req.headers)
    clone.unredirected_hdrs = dict(req.unredirected_hdrs)
    if verdict.timeout is not None:
        clone.timeout = capped(getattr(req, "timeout", None), verdict.timeout)
    if verdict.body is not None:
        clone.data = verdict.body
        clone.add_unredirected_header("Content-length", str(len(verdict.body)))
    if verdict.url is not None:
        clone.full_url = verdict.url
        clone.headers.pop("Host", None)
        clone.add_unredirected_header("Host", urlsplit(verdict.url).netloc.rsplit("@", 1)[-1])
    for name, value in verdict.headers:
        clone.headers.pop(name.capitalize(), None)
        clone.add_unredirected_header(name, value)
    return clone


def _connection_for(req: Any, http_class: Any, conn_args: Dict[str, Any]) -> Any:
    """The connection class for a rerouted URL whose scheme differs from the handler's."""
    import http.client

    https = req.type == "https"
    if https and not issubclass(http_class, http.client.HTTPSConnection):
        return http.client.HTTPSConnection, {}
    if not https and issubclass(http_class, http.client.HTTPSConnection):
        return http.client.HTTPConnection, {}
    return http_class, conn_args


class _FakeSocket:
    """Just enough socket for http.client.HTTPResponse to parse bytes we built."""

    def __init__(self, data: bytes) -> None:
        """Serves data as the socket file."""
        self._file = io.BytesIO(data)

    def makefile(self, *args: Any, **kwargs: Any) -> io.BytesIO:
        """HTTPResponse reads the status line, headers and body from here."""
        return self._file

    def close(self) -> None:
        """Nothing to release."""


def synthetic_response(synthetic: SyntheticResponse, method: str, url: str) -> Any:
    """A real http.client.HTTPResponse parsed from the denial's bytes, so HTTPErrorProcessor raises
    urllib.error.HTTPError exactly as it would for a server's own error."""
    import http.client

    head = [f"HTTP/1.1 {synthetic.status} {synthetic.reason}\r\n"]
    head.extend(f"{name}: {value}\r\n" for name, value in synthetic.headers)
    head.append("\r\n")
    raw = "".join(head).encode("latin-1") + synthetic.body
    sock: Any = _FakeSocket(raw)
    response = http.client.HTTPResponse(sock, method=method, url=url)
    response.begin()
    response.url = url
    response.msg = response.reason  # type: ignore[assignment]  # what do_open does
    return response


_CLASSES: Dict[type, type] = {}


def _tapped(response: Any, tap: Optional[StreamTap], prefilled: Optional[bytes]) -> Any:
    """Re-classes the response in place (isinstance and attributes kept) to read through our buffer."""
    base_cls = type(response)
    cls = _CLASSES.get(base_cls)
    if cls is None:
        cls = type("Iron" + base_cls.__name__, (_Buffered, base_cls), {"__module__": __name__})
        _CLASSES[base_cls] = cls
    response.__class__ = cls
    response._iron_tap = tap
    response._iron_buf = bytearray(prefilled or b"")
    response._iron_eof = prefilled is not None
    if tap is not None:
        weakref.finalize(response, tap.finish)
    return response


class _Buffered:
    """read/read1/readinto/readline/peek served from a buffer filled by the tap (or prefilled)."""

    _iron_tap: Optional[StreamTap]
    _iron_buf: bytearray
    _iron_eof: bool
    _iron_pipe: Optional[Pipeline] = None

    def _iron_fill(self) -> bool:
        """Pulls one underlying chunk through the tap; False once nothing more will come."""
        if self._iron_eof:
            return False
        tap = self._iron_tap
        if tap is not None and tap.filter is not None:
            return self._iron_fill_watched(tap)
        try:
            chunk = self._iron_read()
        except BaseException as exc:
            if tap is not None:
                tap.finish(f"{type(exc).__name__}: {exc}")
            raise
        if not chunk:
            self._iron_eof = True
            if tap is not None:
                rest = tap.tail()
                self._iron_buf += rest
                tap.finish()
                return bool(rest)
            return False
        if tap is None:
            self._iron_buf += chunk
            return True
        out = tap.feed(chunk)
        self._iron_buf += out
        if tap.ended:  # a policy ended the stream: nothing more is read from the provider
            self._iron_eof = True
            tap.finish()
            super().close()  # type: ignore[misc]
            return bool(out)
        return True

    def _iron_read(self) -> bytes:
        """One underlying read."""
        return super().read1(65536)  # type: ignore[misc,no-any-return]

    def _iron_fill_watched(self, tap: StreamTap) -> bool:
        """A watched stream reads through the tap's pipeline, so what arrives while an ask is in flight goes
        with the next ask (http.client hands over one HTTP chunk a read)."""
        pipe = self._iron_pipe
        if pipe is None:
            read1 = super().read1  # type: ignore[misc]
            pipe = self._iron_pipe = tap.pipeline(lambda: read1(65536) or None)
        try:
            out = pipe.next()
        except BaseException as exc:
            tap.finish(f"{type(exc).__name__}: {exc}")
            raise
        if out is None:
            self._iron_eof = True
            tap.finish()
            return False
        self._iron_buf += out
        if tap.ended:  # a policy ended the stream: nothing more is read from the provider
            self._iron_eof = True
            tap.finish()
            super().close()  # type: ignore[misc]
            return bool(out)
        return True

    def _iron_take(self, n: int) -> bytes:
        """Removes and returns up to n buffered bytes (all when n < 0)."""
        buf = self._iron_buf
        if n < 0 or n >= len(buf):
            data = bytes(buf)
            buf.clear()
            return data
        data = bytes(buf[:n])
        del buf[:n]
        return data

    def read(self, amt: Optional[int] = None) -> bytes:
        """HTTPResponse.read: everything, or exactly amt bytes unless the body ends first."""
        if amt is None or amt < 0:
            while self._iron_fill():
                pass
            return self._iron_take(-1)
        while len(self._iron_buf) < amt and self._iron_fill():
            pass
        return self._iron_take(amt)

    def read1(self, n: int = -1) -> bytes:
        """At most one underlying read: whatever is available (for SSE consumers)."""
        while not self._iron_buf and self._iron_fill():
            pass
        return self._iron_take(n)

    def readinto(self, b: Any) -> int:
        """read() into a caller buffer."""
        view = memoryview(b).cast("B")
        data = self.read(len(view))
        view[: len(data)] = data
        return len(data)

    def readinto1(self, b: Any) -> int:
        """read1() into a caller buffer."""
        view = memoryview(b).cast("B")
        data = self.read1(len(view))
        view[: len(data)] = data
        return len(data)

    def readline(self, limit: Optional[int] = -1) -> bytes:
        """One line (iteration and readlines() come through here too)."""
        limit = -1 if limit is None else limit
        start = 0
        while True:
            at = self._iron_buf.find(b"\n", start)
            if at >= 0:
                end = at + 1
                break
            start = len(self._iron_buf)
            if 0 <= limit <= start or not self._iron_fill():
                end = start
                break
        return self._iron_take(min(end, limit) if limit >= 0 else end)

    def peek(self, n: int = 0) -> bytes:
        """Buffered bytes without consuming them."""
        while not self._iron_buf and self._iron_fill():
            pass
        return bytes(self._iron_buf)

    def close(self) -> None:
        """Closing early still reports the stream (complete=false)."""
        tap = self._iron_tap
        if tap is not None:
            tap.finish()
        super().close()  # type: ignore[misc]
