"""aiohttp governed at ClientSession._request: the shared contract, plus aiohttp's own read styles, its
raise_for_status semantics on a denial, and early close through `async with`."""
from __future__ import annotations

import asyncio
import gc
import json
import threading
import unittest
import warnings
from typing import Any, Dict, Optional

from .contract import CHAT, Contract, Result
from .llm_server import chat_sse
from .router_peer import decision
from .support import ShimTestCase, has_module

if has_module("aiohttp"):
    import aiohttp
import iron_shim
from iron_shim.interceptors.base import MARKER


def run(coro_fn: Any, **session_kwargs: Any) -> Any:
    """Runs coro_fn(session) in a fresh event loop with a fresh ClientSession."""

    async def main() -> Any:
        async with aiohttp.ClientSession(**session_kwargs) as session:
            return await coro_fn(session)

    return asyncio.run(main())


@unittest.skipUnless(has_module("aiohttp"), "aiohttp is not installed")
class AiohttpContract(Contract, ShimTestCase):
    pipelined = False
    library = "aiohttp"

    def call(self, path: str, body: Any, headers: Optional[Dict[str, str]] = None) -> Result:
        async def go(session: Any) -> Result:
            async with session.post(self.server.url + path, json=body, headers=headers or {}) as r:
                return Result(r.status, {k.lower(): v for k, v in r.headers.items()}, await r.read())

        return run(go)

    def stream(self, path: str, body: Any, keep: Optional[int] = None) -> bytes:
        async def go(session: Any) -> bytes:
            data = b""
            async with session.post(self.server.url + path, json=body) as r:
                async for chunk in r.content.iter_any():
                    data += chunk
                    if keep is not None and len(data) >= keep:
                        break
            return data

        return run(go)

    def get(self, path: str) -> Result:
        async def go(session: Any) -> Result:
            async with session.get(self.server.url + path) as r:
                return Result(r.status, dict(r.headers), await r.read())

        return run(go)

    def read_everything(self) -> threading.Event:
        """aiohttp reads the body on the event loop while an ask is awaited, and readany() hands all of it
        over at once: set when the real body reader has been fed its end."""
        done = threading.Event()
        feed_eof = aiohttp.StreamReader.feed_eof

        def watched(reader: Any) -> None:
            feed_eof(reader)
            done.set()

        aiohttp.StreamReader.feed_eof = watched  # type: ignore[method-assign]
        self.addCleanup(setattr, aiohttp.StreamReader, "feed_eof", feed_eof)
        return done

    # ----- aiohttp specifics -----
    def test_a_denial_is_a_real_client_response_and_raise_for_status_raises_like_a_402(self) -> None:
        self.decide = lambda m: decision(m, "deny", code="IRON_ERR_BUDGET", status=402, policy="budget", reason="b")

        async def go(session: Any) -> Any:
            r = await session.post(self.server.url + "/v1/chat/completions", json=CHAT)
            self.assertIsInstance(r, aiohttp.ClientResponse)
            self.assertEqual((r.status, r.reason, r.ok), (402, "Payment Required", False))
            self.assertEqual((await r.json())["error"]["code"], "IRON_ERR_BUDGET")
            self.assertEqual(r.headers["x-should-retry"], "false")
            self.assertEqual(str(r.url), self.server.url + "/v1/chat/completions")
            with self.assertRaises(aiohttp.ClientResponseError) as ctx:
                r.raise_for_status()
            return ctx.exception.status

        self.assertEqual(run(go), 402)

        async def per_request(session: Any) -> int:
            with self.assertRaises(aiohttp.ClientResponseError) as ctx:
                await session.post(self.server.url + "/v1/chat/completions", json=CHAT, raise_for_status=True)
            return ctx.exception.status

        self.assertEqual(run(per_request), 402)
        self.assertEqual(run(per_request, raise_for_status=True), 402)
        self.assertEqual(self.server.requests, [])

    def test_session_raise_for_status_still_sees_real_provider_errors_after_reporting_them(self) -> None:
        async def go(session: Any) -> int:
            with self.assertRaises(aiohttp.ClientResponseError) as ctx:
                await session.post(self.server.url + "/ratelimited/chat/completions", json=CHAT)
            return ctx.exception.status

        self.assertEqual(run(go, raise_for_status=True), 429)
        resp = self.peer.wait_for("llm.response")[0]
        self.assertEqual((resp["status"], resp["error"]), (429, "slow down"))

    def test_every_read_style_sees_the_same_stripped_stream(self) -> None:
        expected = "".join(chat_sse(False)).encode()

        async def read(session: Any, style: str) -> bytes:
            async with session.post(self.server.url + "/v1/chat/completions", json=dict(CHAT, stream=True)) as r:
                if style == "read":
                    return await r.read()
                if style == "text":
                    return (await r.text()).encode()
                if style == "lines":
                    return b"".join([line async for line in r.content])
                if style == "chunked":
                    return b"".join([c async for c in r.content.iter_chunked(7)])
                if style == "chunks":
                    return b"".join([c async for c, _ in r.content.iter_chunks()])
                if style == "readline":
                    out = b""
                    while not r.content.at_eof():
                        out += await r.content.readline()
                    return out
                out = b""
                while True:
                    piece = await r.content.read(5)
                    if not piece:
                        return out
                    out += piece

        styles = ("read", "text", "lines", "chunked", "chunks", "readline", "read5")
        for style in styles:
            self.assertEqual(run(lambda s: read(s, style)), expected, style)
        reports = self.peer.wait_for("llm.response", len(styles))
        self.assertTrue(all(m["complete"] and m["usage"]["output_tokens"] == 3 for m in reports))

    def test_a_response_abandoned_without_release_is_reported_when_collected(self) -> None:
        self.server.delay = 0.01

        async def go(session: Any) -> None:
            r = await session.post(self.server.url + "/v1/chat/completions", json=dict(CHAT, stream=True))
            await r.content.readany()

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)  # aiohttp's own "Unclosed connection": intended here
            run(go)  # the session closes with the response still open, then the response is collected
            gc.collect()
        self.assertFalse(self.peer.wait_for("llm.response")[0]["complete"])

    def test_module_level_request_and_session_request_are_covered(self) -> None:
        async def go() -> int:
            async with aiohttp.request("POST", self.server.url + "/v1/chat/completions", json=CHAT) as r:
                await r.read()
                return r.status

        self.assertEqual(asyncio.run(go()), 200)
        self.assertEqual(self.peer.wait_for("llm.request")[0]["library"], "aiohttp")

    def test_redaction_replaces_what_every_reader_returns(self) -> None:
        redacted = {"choices": [{"index": 0, "message": {"role": "assistant", "content": "[REDACTED]"}}]}
        self.decide = lambda m: decision(m, "redact", body=redacted) if m["type"] == "llm.response" else decision(m)

        async def go(session: Any) -> Any:
            async with session.post(self.server.url + "/v1/chat/completions", json=CHAT) as r:
                return await r.json(), await r.text(), int(r.headers["content-length"])

        body, text, length = run(go)
        self.assertEqual((body, json.loads(text)), (redacted, redacted))
        self.assertEqual(length, len(text.encode()))

    @unittest.skipUnless(has_module("httpx"), "httpx is not installed")
    def test_httpx_over_an_aiohttp_transport_is_governed_once(self) -> None:
        import httpx

        class AiohttpTransport(httpx.AsyncBaseTransport):
            """What the SDKs' aiohttp option (httpx-aiohttp) does: httpx on top, aiohttp underneath."""

            def __init__(self, session: Any) -> None:
                self.session = session

            async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
                async with self.session.request(
                    request.method, str(request.url), data=await request.aread(), headers=dict(request.headers)
                ) as r:
                    return httpx.Response(r.status, headers=list(r.headers.items()), content=await r.read())

        async def go(session: Any) -> int:
            async with httpx.AsyncClient(transport=AiohttpTransport(session)) as client:
                return (await client.post(self.server.url + "/v1/chat/completions", json=CHAT)).status_code

        self.assertEqual(run(go), 200)
        self.assertEqual([m["library"] for m in self.peer.wait_for("llm.request")], ["httpx"])
        self.peer.wait_for("llm.response")
        self.assertEqual(len(self.peer.of_type("llm.response")), 1)

    def test_install_and_uninstall_restore_the_original(self) -> None:
        patched = aiohttp.ClientSession.__dict__["_request"]
        self.assertTrue(getattr(patched, MARKER, False))
        iron_shim.uninstall()
        self.assertIs(aiohttp.ClientSession.__dict__["_request"], patched.__wrapped__)


if __name__ == "__main__":
    unittest.main()
