"""The OpenAI and Anthropic SDKs' own wire calls (reproduced exactly in test/fixtures/sdk_wire.py) through the
shim: headers reach the provider unchanged and the engine without secrets, a denial surfaces as the SDK's
own exception class and is NOT retried (x-should-retry: false), a rate-limit denial IS retried after its
retry-after, and a stream a policy ends raises from the SDK's iteration. Sync and async clients."""
from __future__ import annotations

import asyncio
import sys
import unittest
from typing import Any, Dict

from .contract import CHAT, CLAUDE
from .router_peer import decision
from .support import FIXTURES, ShimTestCase, has_module

if FIXTURES not in sys.path:
    sys.path.insert(0, FIXTURES)
if has_module("httpx"):
    import httpx
    import sdk_wire as sdk


def deny_requests(**fields: Any) -> Any:
    """A handler denying every request with the given decision fields."""
    return lambda m: decision(m, "deny", **fields) if m["type"] == "llm.request" else decision(m)


@unittest.skipUnless(has_module("httpx"), "httpx is not installed")
class SdkFidelity(ShimTestCase):
    def openai(self, **kw: Any) -> Any:
        client = httpx.Client()
        self.addCleanup(client.close)
        return sdk.OpenAIWire(self.server.url + "/v1", "sk-test-secret", client, sleep=lambda s: None, **kw)

    def anthropic(self, **kw: Any) -> Any:
        client = httpx.Client()
        self.addCleanup(client.close)
        return sdk.AnthropicWire(self.server.url, "sk-ant-secret", client, sleep=lambda s: None, **kw)

    def test_the_sdk_headers_reach_the_provider_and_the_engine_without_the_keys(self) -> None:
        self.assertEqual(self.openai().create("chat/completions", CHAT)["choices"][0]["message"]["content"], "Hello!")
        self.anthropic().create("v1/messages", CLAUDE)
        for got, key_header in zip(self.server.requests, ("authorization", "x-api-key")):
            headers: Dict[str, str] = got["headers"]
            self.assertEqual((headers["x-stainless-lang"], headers["x-stainless-retry-count"]), ("python", "0"))
            self.assertIn(key_header, headers)
        self.assertEqual(self.server.requests[1]["headers"]["anthropic-version"], "2023-06-01")
        self.assertTrue(self.server.requests[0]["headers"]["user-agent"].startswith("OpenAI/Python "))
        seen = [m["headers"] for m in self.peer.wait_for("llm.request", 2)]
        self.assertEqual(seen[0]["x-stainless-async"], "false")
        self.assertEqual(seen[1]["anthropic-version"], "2023-06-01")
        self.assertFalse(any(k in h for h in seen for k in ("authorization", "x-api-key")))

    def test_denials_raise_the_sdk_exception_for_their_status_and_are_not_retried(self) -> None:
        cases = (
            (402, "IRON_ERR_BUDGET", sdk.APIStatusError),
            (403, "IRON_ERR_POLICY", sdk.PermissionDeniedError),
            (400, "IRON_ERR_UNKNOWN_MODEL", sdk.BadRequestError),
            (503, "IRON_ERR_BREAKER_OPEN", sdk.InternalServerError),
        )
        for status, code, cls in cases:
            self.decide = deny_requests(status=status, code=code, policy="p", reason="no")
            for make, path, body in ((self.openai, "chat/completions", CHAT), (self.anthropic, "v1/messages", CLAUDE)):
                client = make()
                before = len(self.peer.of_type("llm.request"))
                with self.assertRaises(cls) as ctx:
                    client.create(path, body)
                self.assertIs(type(ctx.exception), cls)
                self.assertEqual((ctx.exception.status_code, client.attempts, client.slept), (status, 1, []))
                self.assertEqual(len(self.peer.of_type("llm.request")), before + 1)
                self.assertTrue(ctx.exception.request_id.startswith("iron-c-"))
        self.assertEqual(self.server.requests, [])

    def test_a_rate_limit_denial_is_retried_after_its_retry_after(self) -> None:
        self.decide = deny_requests(status=429, code="IRON_ERR_RATE_LIMIT", reason="60/min", retry_after=1.5)
        client = self.openai()
        with self.assertRaises(sdk.RateLimitError):
            client.create("chat/completions", CHAT)
        self.assertEqual((client.attempts, client.slept), (3, [1.5, 1.5]))
        retries = [m["headers"]["x-stainless-retry-count"] for m in self.peer.of_type("llm.request")]
        self.assertEqual(retries, ["0", "1", "2"])
        self.decide = (
            lambda m: decision(m, "deny", status=429, code="IRON_ERR_RATE_LIMIT", reason="wait", retry_after=0.25)
            if m["type"] == "llm.request" and m["headers"]["x-stainless-retry-count"] == "0"
            else decision(m)
        )
        client = self.anthropic()
        self.assertEqual(client.create("v1/messages", CLAUDE)["content"][0]["text"], "Hello!")
        self.assertEqual(client.slept, [0.25])

    def test_a_stream_a_policy_ends_raises_from_the_sdk_iteration(self) -> None:
        def decide(m: Dict[str, Any]) -> Dict[str, Any]:
            if m["type"] == "llm.request":
                return decision(m, stream_chunks=True)
            if m["type"] == "llm.chunk" and m["index"] == 1:
                return decision(m, "deny", code="IRON_ERR_PII", reason="a phone number", policy="pii")
            return decision(m, text=m.get("text"))

        self.decide = decide
        seen = []
        with self.assertRaises(sdk.APIError) as ctx:
            for event in self.openai().create("chat/completions", dict(CHAT, stream=True), stream=True):
                seen.append(event)
        self.assertEqual(ctx.exception.message, "iron: a phone number")
        self.assertEqual(ctx.exception.body["code"], "IRON_ERR_PII")
        with self.assertRaises(sdk.APIStatusError) as ctx:
            list(self.anthropic().create("v1/messages", dict(CLAUDE, stream=True), stream=True))
        self.assertEqual(ctx.exception.body["error"]["type"], "permission_error")

    def test_the_async_clients_behave_the_same(self) -> None:
        self.decide = deny_requests(status=402, code="IRON_ERR_BUDGET", reason="spent")

        async def go() -> Any:
            async with httpx.AsyncClient() as http:
                client = sdk.OpenAIWire(self.server.url + "/v1", "sk-x", http, sleep=lambda s: asyncio.sleep(0))
                with self.assertRaises(sdk.APIStatusError) as ctx:
                    await client.acreate("chat/completions", CHAT)
                self.decide = lambda m: decision(m)
                events = [e async for e in await client.acreate("chat/completions", dict(CHAT, stream=True), True)]
                return ctx.exception.status_code, client.attempts, events

        status, attempts, events = asyncio.run(go())
        self.assertEqual((status, attempts), (402, 2))
        self.assertEqual(
            "".join(e["choices"][0]["delta"].get("content") or "" for e in events if e["choices"]), "Hello!"
        )
        self.assertEqual(self.peer.of_type("llm.request")[0]["headers"]["x-stainless-async"], "async:asyncio")


if __name__ == "__main__":
    unittest.main()
