"""The call deadline a decision carries (timeout_ms, SPEC 3.5): a provider that sends nothing for that
long ends the call with the library's own timeout error, on every library, sync and async, and the
shim reports it (status 0, the error named) so the engine settles; the caller's shorter timeout wins."""
from __future__ import annotations

import asyncio
import json
import socket
import unittest
import urllib.request

from .contract import CHAT
from .router_peer import decision
from .support import ShimTestCase, has_module
from iron_shim.calls import capped

URL = "/v1/chat/completions"


class Deadline(ShimTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.decide = lambda m: decision(m, timeout_ms=300) if m["type"] == "llm.request" else decision(m)
        self.server.stall = 4.0  # the provider sends nothing for 4 s; every client below allows 30 s

    def reported(self) -> dict:
        report = self.peer.wait_for("llm.response")[0]
        self.assertEqual((report["status"], report["complete"]), (0, False))
        return report

    @unittest.skipUnless(has_module("httpx"), "httpx is not installed")
    def test_httpx_sync_and_async(self) -> None:
        import httpx

        with self.assertRaises(httpx.TimeoutException):
            httpx.post(self.server.url + URL, json=CHAT, timeout=30)
        self.assertIn("Timeout", self.reported()["error"])

        async def call() -> None:
            async with httpx.AsyncClient(timeout=30) as client:
                await client.post(self.server.url + URL, json=CHAT)

        with self.assertRaises(httpx.TimeoutException):
            asyncio.run(call())

    @unittest.skipUnless(has_module("requests"), "requests is not installed")
    def test_requests(self) -> None:
        import requests

        with self.assertRaises(requests.exceptions.Timeout):
            requests.post(self.server.url + URL, json=CHAT, timeout=30)
        self.assertIn("Timeout", self.reported()["error"])

    def test_urllib(self) -> None:
        req = urllib.request.Request(
            self.server.url + URL, data=json.dumps(CHAT).encode(), headers={"content-type": "application/json"}
        )
        with self.assertRaises((socket.timeout, TimeoutError, OSError)) as ctx:
            urllib.request.urlopen(req, timeout=30)
        self.assertIn("timed out", str(ctx.exception))
        self.assertIn("timed out", self.reported()["error"])

    @unittest.skipUnless(has_module("aiohttp"), "aiohttp is not installed")
    def test_aiohttp(self) -> None:
        import aiohttp

        async def call() -> None:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
                async with session.post(self.server.url + URL, json=CHAT) as response:
                    await response.read()

        with self.assertRaises(asyncio.TimeoutError):
            asyncio.run(call())
        self.assertEqual(self.reported()["status"], 0)


class Capped(unittest.TestCase):
    """The cap itself: a caller's shorter timeout wins; none, a sentinel or a longer one gives the deadline."""

    def test_numbers_and_nothing(self) -> None:
        self.assertEqual(capped(None, 2.0), 2.0)
        self.assertEqual(capped(0.5, 2.0), 0.5)
        self.assertEqual(capped(30, 2.0), 2.0)
        self.assertEqual(capped(object(), 2.0), 2.0)
        self.assertEqual(capped(True, 2.0), 2.0)
        self.assertEqual(capped(socket._GLOBAL_DEFAULT_TIMEOUT, 2.0), 2.0)  # type: ignore[attr-defined]


if __name__ == "__main__":
    unittest.main()
