"""urllib3: HTTPConnectionPool.urlopen, under every PoolManager and ProxyManager (and so under botocore,
the AWS SDKs, and requests — which is governed one layer up, so urllib3 passes through inside it).
How to read and rebuild a urllib3 call, for the one flow in base.py."""
from __future__ import annotations

import io
import weakref
from types import ModuleType
from typing import Any, Dict, List, Optional, Tuple

from ..calls import Verdict, capped
from ..denial import SyntheticResponse
from ..tap import StreamTap
from . import base
from .requests_ import _TappedRaw

LIBRARY = "urllib3"


class Urllib3Interceptor(base.Interceptor):
    """Patches urllib3.connectionpool.HTTPConnectionPool.urlopen (HTTPSConnectionPool inherits it)."""

    name = LIBRARY
    module = "urllib3"

    def patch(self, module: ModuleType) -> None:
        """One wrapper covers urllib3.request, PoolManager.request/urlopen and pools used directly."""

        def exchange(original: Any, pool: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
            """urlopen(method, url, body=None, headers=None, retries=None, ...)."""
            return Urllib3Exchange(module, original, pool, method, url, args, kwargs)

        pool = module.connectionpool.HTTPConnectionPool
        self.wrap(pool, "urlopen", lambda original: base.sync_wrapper(original, exchange))


def _absolute(pool: Any, url: str) -> str:
    """The absolute URL of a pool request (url is a path, or absolute through a proxy)."""
    if "://" in url:
        return url
    host = pool.host
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    default = 443 if pool.scheme == "https" else 80
    netloc = host if pool.port in (None, default) else f"{host}:{pool.port}"
    return f"{pool.scheme}://{netloc}{url if url.startswith('/') else '/' + url}"


class Urllib3Exchange(base.Exchange):
    """A pool.urlopen(method, url, body, headers, ...) call."""

    library = LIBRARY

    def __init__(self, urllib3: ModuleType, original: Any, pool: Any, method: str, url: str, args: Any, kwargs: Any):
        """body and headers may come positionally or by keyword; None headers mean the pool's."""
        self.args: List[Any] = list(args)
        self.kwargs: Dict[str, Any] = dict(kwargs)
        raw = self._arg(1, "headers")
        self.raw_headers = dict(pool.headers if raw is None else raw)
        lower = {str(k).lower(): v for k, v in self.raw_headers.items()}
        super().__init__(method, _absolute(pool, url), lambda name: lower.get(name.lower()))
        self.urllib3, self.original, self.pool, self.path = urllib3, original, pool, url
        self.preload = bool(kwargs.get("preload_content", True))

    def _arg(self, index: int, name: str) -> Any:
        """A urlopen argument after url, positional or keyword."""
        return self.args[index] if len(self.args) > index else self.kwargs.get(name)

    def _set(self, index: int, name: str, value: Any) -> None:
        """Sets a urlopen argument where the caller put it."""
        if len(self.args) > index:
            self.args[index] = value
        else:
            self.kwargs[name] = value

    def headers(self) -> Any:
        """The headers that will be sent, as pairs."""
        return list(self.raw_headers.items())

    def body(self) -> Optional[bytes]:
        """bytes or text; files and generators are not LLM calls."""
        body = self._arg(0, "body")
        body = body.encode("utf-8") if isinstance(body, str) else body
        return bytes(body) if isinstance(body, (bytes, bytearray, memoryview)) else None

    def send(self, verdict: Optional[Verdict]) -> Any:
        """The caller's urlopen, or the decided one (another pool when the URL moved to another host)."""
        if verdict is None:
            return self.original(self.pool, self.method, self.path, *self.args, **self.kwargs)
        pool, path = self.pool, self.path
        headers = dict(self.raw_headers)
        if verdict.url is not None:
            pool = self.urllib3.connection_from_url(verdict.url)
            parts = self.urllib3.util.parse_url(verdict.url)
            path = parts.request_uri
            _drop(headers, "host")
            self.kwargs["assert_same_host"] = False
        if verdict.body is not None:
            self._set(0, "body", verdict.body)
            _drop(headers, "content-length")
            _drop(headers, "transfer-encoding")
            headers["Content-Length"] = str(len(verdict.body))
        for name, value in verdict.headers:
            _drop(headers, name)
            headers[name] = value
        self._set(1, "headers", headers)
        if verdict.timeout is not None:
            self._set(5, "timeout", self._deadline(self._arg(5, "timeout"), verdict.timeout))
        return self.original(pool, self.method, path, *self.args, **self.kwargs)

    def _deadline(self, current: Any, deadline: float) -> Any:
        """The caller's timeout (a number, a urllib3 Timeout or the default sentinel) capped at the deadline."""
        if hasattr(current, "connect_timeout") and hasattr(current, "read_timeout"):
            connect, read = current.connect_timeout, current.read_timeout
            return self.urllib3.Timeout(connect=capped(connect, deadline), read=capped(read, deadline))
        return capped(current, deadline)

    def denied(self, synthetic: SyntheticResponse, response: Any = None) -> Any:
        """A urllib3 HTTPResponse holding the denial, preloaded or not as the caller asked."""
        return self._response(synthetic.status, synthetic.reason, list(synthetic.headers), synthetic.body)

    def _response(self, status: int, reason: Optional[str], headers: List[Tuple[str, str]], body: bytes) -> Any:
        """A urllib3 HTTPResponse over bytes already in hand."""
        return self.urllib3.HTTPResponse(
            body=io.BytesIO(body),
            headers=headers,
            status=status,
            reason=reason,
            preload_content=self.preload,
            decode_content=False,
            request_method=self.method,
            request_url=self.url,
        )

    def content_type(self, response: Any) -> Optional[str]:
        """urllib3's case-insensitive lookup."""
        return response.headers.get("content-type")  # type: ignore[no-any-return]

    def status(self, response: Any) -> int:
        """urllib3 names it status."""
        return response.status  # type: ignore[no-any-return]

    def response_header(self, response: Any) -> Any:
        """urllib3's case-insensitive lookup."""
        return response.headers.get

    def tap(self, call: Any, response: Any, streams: Any) -> Any:
        """A preloaded SSE body goes through the tap at once; an unread one as the caller reads it
        (urllib3 hands over decoded bytes either way)."""
        tap = streams.open(call, response.status, response.headers.get, encoding="")
        if self.preload:
            out = tap.feed(response.data) + (b"" if tap.ended else tap.tail())
            tap.finish()
            return self._kept_as(response, out)
        wrapped = _Urllib3Tapped(response, tap)
        weakref.finalize(wrapped, tap.finish)
        return wrapped

    def read(self, response: Any) -> Any:
        """The whole (decoded) body, now: the engine decides before the agent reads."""
        if self.preload:
            return response.data
        data = response.read(decode_content=True)
        response.release_conn()
        return data

    def discard(self, response: Any) -> None:
        """Gives the connection back to the pool."""
        response.release_conn()

    def kept(self, response: Any, body: bytes, replacement: Optional[bytes]) -> Any:
        """The read body handed back (redacted or not), as a response that can still be read."""
        if replacement is None and self.preload:
            return response
        return self._kept_as(response, body if replacement is None else replacement)

    def _kept_as(self, response: Any, body: bytes) -> Any:
        """A response like this one over a decoded body (its length, no content-encoding)."""
        drop = ("content-length", "content-encoding", "transfer-encoding")
        headers = [(k, v) for k, v in response.headers.items() if k.lower() not in drop]
        headers.append(("Content-Length", str(len(body))))
        return self._response(response.status, response.reason, headers, body)


class _Urllib3Tapped(_TappedRaw):
    """A streamed urllib3 response read through the tap (stream(), read(), and data)."""

    def __init__(self, raw: Any, tap: StreamTap) -> None:
        """As for requests' raw response."""
        super().__init__(raw, tap)

    @property
    def data(self) -> bytes:
        """The rest of the body, through the tap."""
        return b"".join(iter(lambda: self.read(65536), b""))

    def __iter__(self) -> Any:
        """Line iteration, as urllib3's io.IOBase does."""
        return iter(io.BytesIO(self.data))


def _drop(headers: Dict[str, Any], name: str) -> None:
    """Removes a header whatever its case."""
    for key in [k for k in headers if str(k).lower() == name.lower()]:
        del headers[key]
