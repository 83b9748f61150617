"""http.client: HTTPConnection.request and getresponse, the layer urllib, urllib3 and most blocking
clients sit on, so code that talks to http.client directly is governed too.

http.client splits a call in two (request() sends, getresponse() reads). A governed request() runs the
whole flow of base.py at once — decision, send, the provider's response — and leaves the response (or
the denial) on the connection for the caller's getresponse(). The low-level putrequest() path cannot be
governed the same way (the body comes later, piece by piece): outside a governed call it is refused for
an LLM endpoint. Inside a governed call of a library above
(urllib, urllib3, requests) the nested-layer guard lets these wrappers pass straight through.
"""
from __future__ import annotations

from types import ModuleType
from typing import Any, Dict, Optional
from urllib.parse import urlsplit

from ..calls import Verdict, capped
from ..denial import SyntheticResponse
from ..errors import POLICY, PolicyDenied
from . import base
from .urllib_ import UrllibExchange, synthetic_response

LIBRARY = "http.client"
#: Where a governed request() leaves the response for getresponse().
_STASH = "_iron_response"


class HttpClientInterceptor(base.Interceptor):
    """Patches http.client.HTTPConnection.request and getresponse (HTTPSConnection inherits both)."""

    name = LIBRARY
    module = "http.client"

    def patch(self, module: ModuleType) -> None:
        """request() is governed; getresponse() hands back what a governed request() left."""

        def exchange(original: Any, conn: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
            """request(method, url, body=None, headers={}, *, encode_chunked=False)."""
            return HttpClientExchange(module, original, conn, method, url, args, kwargs)

        self.wrap(module.HTTPConnection, "request", lambda original: base.sync_wrapper(original, exchange))
        self.wrap(module.HTTPConnection, "getresponse", _getresponse)
        self.wrap(module.HTTPConnection, "putrequest", lambda original: _putrequest(module, original))


def _putrequest(http: ModuleType, original: Any) -> Any:
    """The wrapper of putrequest(): the low-level API (putrequest/putheader/endheaders/send) cannot be
    governed, so outside a governed call an LLM endpoint reached through it is denied (fail closed)."""

    def putrequest(conn: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        """Passes inside a governed call (request() and the libraries above use it), and for any other URL."""
        gov = base.current()
        if gov is not None and not base.active():
            target = gov.match(method, full_url(conn, isinstance(conn, http.HTTPSConnection), url), lambda _: None)
            if target is not None and not gov.client.settings.fail_open:
                raise PolicyDenied(
                    POLICY,
                    f"{method} {url} to an LLM endpoint through http.client's low-level putrequest() "
                    "cannot be governed; expected HTTPConnection.request() or a client library",
                    "",
                    status=403,
                )
        return original(conn, method, url, *args, **kwargs)

    putrequest.__doc__ = original.__doc__
    putrequest.__wrapped__ = original  # type: ignore[attr-defined]
    return putrequest


def _getresponse(original: Any) -> Any:
    """The wrapper of getresponse(): the response (or denial) a governed request() produced, else the original."""

    def getresponse(conn: Any, *args: Any, **kwargs: Any) -> Any:
        """Pops what a governed request() stashed; an ungoverned connection reads as usual."""
        stashed = conn.__dict__.pop(_STASH, None)
        if stashed is not None:
            return stashed
        return original(conn, *args, **kwargs)

    getresponse.__doc__ = original.__doc__
    getresponse.__wrapped__ = original  # type: ignore[attr-defined]
    return getresponse


def full_url(conn: Any, https: bool, url: str) -> str:
    """The absolute URL of a request on this connection (url is a path, or absolute through a proxy)."""
    if "://" in url:
        return url
    host = getattr(conn, "_tunnel_host", None) or conn.host
    port = getattr(conn, "_tunnel_port", None) or conn.port
    scheme, default = ("https", 443) if https else ("http", 80)
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    netloc = host if port in (None, default) else f"{host}:{port}"
    return f"{scheme}://{netloc}{url if url.startswith('/') else '/' + url}"


class HttpClientExchange(UrllibExchange):
    """A conn.request(method, url, body, headers) call; the response side is http.client's, as for urllib."""

    library = LIBRARY

    def __init__(self, http: ModuleType, original: Any, conn: Any, method: str, url: str, args: Any, kwargs: Any):
        """body and headers may come positionally or by keyword."""
        body = args[0] if args else kwargs.get("body")
        headers = dict(args[1] if len(args) > 1 else kwargs.get("headers") or {})
        lower = {str(k).lower(): v for k, v in headers.items()}
        self.https = isinstance(conn, http.HTTPSConnection)
        base.Exchange.__init__(self, method, full_url(conn, self.https, url), lambda name: lower.get(name.lower()))
        self.http, self.original, self.conn, self.path = http, original, conn, url
        self.raw_body, self.raw_headers = body, headers
        self.args, self.kwargs = args, kwargs

    def headers(self) -> Any:
        """The caller's headers as pairs."""
        return list(self.raw_headers.items())

    def body(self) -> Optional[bytes]:
        """bytes, or text as http.client encodes it; files and iterables are not LLM calls."""
        body = self.raw_body
        if isinstance(body, str):
            return body.encode("iso-8859-1", "replace")
        return bytes(body) if isinstance(body, (bytes, bytearray, memoryview)) else None

    def send(self, verdict: Optional[Verdict]) -> Any:
        """Unchanged: the caller's request(), read later by its getresponse(). Decided: the request as
        decided, and its response now (on another connection when the URL moved to another host)."""
        if verdict is None:
            return self.original(self.conn, self.method, self.path, *self.args, **self.kwargs)
        conn, path = self.conn, self.path
        headers: Dict[str, Any] = dict(self.raw_headers)
        if verdict.url is not None:
            conn, path = self._route(verdict.url)
            _drop(headers, "host")
        body = self.raw_body
        if verdict.body is not None:
            body = verdict.body
            _drop(headers, "content-length")
            _drop(headers, "transfer-encoding")
            headers["Content-Length"] = str(len(body))
        for name, value in verdict.headers:
            _drop(headers, name)
            headers[name] = value
        if verdict.timeout is not None:
            conn.timeout = capped(conn.timeout, verdict.timeout)
            if conn.sock is not None:
                conn.sock.settimeout(conn.timeout)
        kwargs = {k: v for k, v in self.kwargs.items() if k not in ("body", "headers")}
        self.original(conn, self.method, path, body, headers, **kwargs)
        return conn.getresponse()

    def _route(self, url: str) -> Any:
        """The connection and path for a decided URL: this connection when host and scheme stay."""
        parts = urlsplit(url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        https = parts.scheme == "https"
        if https == self.https and urlsplit(self.url).netloc == parts.netloc:
            return self.conn, path
        cls = self.http.HTTPSConnection if https else self.http.HTTPConnection
        return cls(parts.hostname, parts.port, timeout=self.conn.timeout), path

    def denied(self, synthetic: SyntheticResponse, response: Any = None) -> Any:
        """A real HTTPResponse holding the denial."""
        return synthetic_response(synthetic, self.method, self.url)

    def hand_back(self, response: Any) -> Any:
        """request() returns None; the caller's getresponse() gets the response."""
        self.conn.__dict__[_STASH] = response
        return None


def _drop(headers: Dict[str, Any], name: str) -> None:
    """Removes a header whatever its case."""
    for key in [k for k in headers if str(k).lower() == name.lower()]:
        del headers[key]
