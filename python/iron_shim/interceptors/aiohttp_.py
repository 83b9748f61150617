"""aiohttp: ClientSession._request, under session.post/request, `async with` and aiohttp.request().

aiohttp is async only, so this is the asyncio twin of the other interceptors. Non-streamed bodies are
read before the response is handed back (the engine decides about them first); SSE bodies are tapped
as the agent reads them (resp.content in every read style). A denial is a real ClientResponse, and
raise_for_status (session-wide or per request, bool or callable) applies to it exactly as it would to
the provider's own error.
"""
from __future__ import annotations

from types import ModuleType
from typing import Any, Dict, Optional

from ..calls import Verdict, capped
from ..denial import SyntheticResponse
from . import base
from .aiohttp_body import replace_body, synthetic_response, tap_content

LIBRARY = "aiohttp"


class AiohttpInterceptor(base.Interceptor):
    """Patches aiohttp.ClientSession._request."""

    name = LIBRARY
    module = "aiohttp"

    def patch(self, module: ModuleType) -> None:
        """One wrapper covers every request method of every session (and aiohttp.request)."""

        def exchange(
            original: Any, session: Any, method: str, str_or_url: Any, **kwargs: Any
        ) -> Optional[AiohttpExchange]:
            """None when aiohttp would refuse the URL or headers itself: then it passes and aiohttp says so."""
            try:
                return AiohttpExchange(module, original, session, method, str_or_url, kwargs)
            except Exception:  # noqa: BLE001 - aiohttp will refuse the URL or headers itself
                return None

        self.wrap(module.ClientSession, "_request", lambda original: base.async_wrapper(original, exchange))


class AiohttpExchange(base.Exchange):
    """A ClientSession._request(method, str_or_url, **kwargs) call."""

    asynchronous = True
    library = LIBRARY

    def __init__(
        self, aiohttp: ModuleType, original: Any, session: Any, method: str, str_or_url: Any, kwargs: Dict[str, Any]
    ) -> None:
        """The URL and headers as aiohttp will send them (base_url, params, session headers merged)."""
        url = _full_url(session, str_or_url, kwargs.get("params"))
        self.merged = _merged_headers(session, kwargs.get("headers"))
        super().__init__(method, url, self.merged.get)
        self.aiohttp, self.original, self.session = aiohttp, original, session
        self.str_or_url, self.kwargs = str_or_url, kwargs

    def headers(self) -> Any:
        """The merged headers: session defaults count as much as the request's own."""
        return self.merged.items()

    def body(self) -> Optional[bytes]:
        """JSON, bytes or text bodies; forms and files are not LLM calls."""
        return _body(self.session, self.kwargs)

    def send(self, verdict: Optional[Verdict]) -> Any:
        """Our raise_for_status is off on a governed send (hand_back applies the caller's after the engine saw it)."""
        if verdict is None:
            return self.original(self.session, self.method, self.str_or_url, **self.kwargs)
        send_url, send_kwargs = _prepared(self.session, self.str_or_url, self.kwargs, self.merged, verdict)
        return self.original(self.session, self.method, send_url, **send_kwargs)

    def denied(self, synthetic: SyntheticResponse, response: Any = None) -> Any:
        """A real ClientResponse, so raise_for_status and the caller's reads behave as for the provider's error."""
        return synthetic_response(self.aiohttp, self.session, synthetic, self.method, self.url, self.merged)

    def content_type(self, response: Any) -> Optional[str]:
        """aiohttp's CIMultiDict lookup."""
        return response.headers.get("content-type")  # type: ignore[no-any-return]

    def status(self, response: Any) -> int:
        """aiohttp names it status."""
        return response.status  # type: ignore[no-any-return]

    def response_header(self, response: Any) -> Any:
        """aiohttp's CIMultiDict lookup."""
        return response.headers.get

    def tap(self, call: Any, response: Any, streams: Any) -> Any:
        """SSE bodies are tapped as the agent reads them (decoded unless the session does not decompress)."""
        decoded = getattr(self.session, "auto_decompress", True)
        encoding = "" if decoded else (response.headers.get("content-encoding") or "")
        tap = streams.open(call, response.status, response.headers.get, encoding=encoding)
        return tap_content(response, tap)

    def read(self, response: Any) -> Any:
        """A coroutine: the body is read before the agent gets the response."""
        return response.read()

    def discard(self, response: Any) -> None:
        """release() returns the connection to the pool."""
        response.release()

    def kept(self, response: Any, body: bytes, replacement: Optional[bytes]) -> Any:
        """A redacted body replaces what every reader of resp.content will see."""
        if replacement is not None:
            replace_body(response, replacement)
        return response

    def hand_back(self, response: Any) -> Any:
        """aiohttp's raise_for_status, applied after the engine saw the response (ours was off)."""
        return _raise_for_status(self.session, self.kwargs, response)


def _full_url(session: Any, str_or_url: Any, params: Any) -> str:
    """The URL aiohttp will request (session base_url joined, params added)."""
    from yarl import URL

    build = getattr(session, "_build_url", None)
    url = build(str_or_url) if build is not None else URL(str_or_url)
    if params:
        url = url.update_query(params)
    return str(url)


def _merged_headers(session: Any, headers: Any) -> Any:
    """Session default headers + the request's, as aiohttp merges them (a CIMultiDict)."""
    prepare = getattr(session, "_prepare_headers", None)
    if prepare is not None:
        return prepare(headers)
    from multidict import CIMultiDict

    return CIMultiDict(headers or {})


def _body(session: Any, kwargs: Dict[str, Any]) -> Optional[bytes]:
    """The request body as bytes when it is JSON, bytes or text (forms and files are not LLM calls)."""
    json_value, data = kwargs.get("json"), kwargs.get("data")
    if json_value is not None:
        serialize = getattr(session, "_json_serialize", None)
        if serialize is None:
            import json

            serialize = json.dumps
        return str(serialize(json_value)).encode("utf-8")
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    if isinstance(data, str):
        return data.encode("utf-8")
    value = getattr(data, "_value", None)  # an aiohttp BytesPayload / StringPayload
    return bytes(value) if isinstance(value, (bytes, bytearray)) else None


def _prepared(session: Any, str_or_url: Any, kwargs: Dict[str, Any], merged: Any, verdict: Verdict) -> Any:
    """The URL and keyword arguments to send: new body, new URL, added headers; raise_for_status is ours."""
    from multidict import CIMultiDict

    send = dict(kwargs)
    send["raise_for_status"] = False  # applied after the engine saw the response
    if verdict.timeout is not None:
        send["timeout"] = _deadline(session, kwargs.get("timeout"), verdict.timeout)
    headers = CIMultiDict(kwargs.get("headers") or {})
    if verdict.body is not None:
        send["json"] = None
        send["data"] = verdict.body
        if "content-type" not in merged:
            headers["Content-Type"] = "application/json"
    for name, value in verdict.headers:
        headers[name] = value
    if verdict.body is not None or verdict.headers:
        send["headers"] = headers
    send_url = str_or_url
    if verdict.url is not None:
        send["params"] = None
        send_url = _reroute(session, verdict.url)
    return send_url, send


def _deadline(session: Any, given: Any, deadline: float) -> Any:
    """The request's (else the session's) ClientTimeout with its total capped at the call's deadline."""
    from aiohttp import ClientTimeout

    if isinstance(given, (int, float)) and not isinstance(given, bool):
        return ClientTimeout(total=capped(given, deadline))
    base = given if isinstance(given, ClientTimeout) else getattr(session, "timeout", None)
    if not isinstance(base, ClientTimeout):
        return ClientTimeout(total=deadline)
    return ClientTimeout(
        total=capped(base.total, deadline),
        connect=base.connect,
        sock_read=base.sock_read,
        sock_connect=base.sock_connect,
    )


def _reroute(session: Any, url: str) -> Any:
    """A modify.url target: relative to the session's base_url when it shares its origin."""
    from yarl import URL

    target = URL(url)
    base_url = getattr(session, "_base_url", None)
    if base_url is not None and base_url.origin() == target.origin():
        return target.relative()
    return target


async def _raise_for_status(session: Any, kwargs: Dict[str, Any], response: Any) -> Any:
    """aiohttp's own rule: the request's raise_for_status, else the session's; a bool or an async callable."""
    check = kwargs.get("raise_for_status")
    if check is None:
        check = getattr(session, "_raise_for_status", False)
    if callable(check):
        await check(response)
    elif check:
        response.raise_for_status()
    return response
