"""httpx governed at Client.send / AsyncClient.send: the contract run sync and async, plus httpx specifics."""
from __future__ import annotations

import asyncio
import gc
import json
import threading
import unittest
from typing import Any, Dict, Optional

from .contract import CHAT, Contract, Result
from .router_peer import decision
from .support import ShimTestCase, has_module

if has_module("httpx"):
    import httpx
import iron_shim
from iron_shim import tee as shim_tee
from iron_shim.interceptors.base import MARKER


@unittest.skipUnless(has_module("httpx"), "httpx is not installed")
class HttpxSyncContract(Contract, ShimTestCase):
    library = "httpx"

    def setUp(self) -> None:
        super().setUp()
        self.client = httpx.Client(timeout=10)
        self.addCleanup(self.client.close)

    def call(self, path: str, body: Any, headers: Optional[Dict[str, str]] = None) -> Result:
        r = self.client.post(self.server.url + path, json=body, headers=headers or {})
        return Result(r.status_code, dict(r.headers), r.content)

    def stream(self, path: str, body: Any, keep: Optional[int] = None) -> bytes:
        with self.client.stream("POST", self.server.url + path, json=body) as r:
            if keep is None:
                return b"".join(r.iter_bytes())
            data = b""
            for chunk in r.iter_raw():
                data += chunk
                if len(data) >= keep:
                    break
            return data

    def get(self, path: str) -> Result:
        r = self.client.get(self.server.url + path)
        return Result(r.status_code, dict(r.headers), r.content)

    # ----- httpx specifics -----
    def test_a_denial_is_a_real_response_not_an_exception(self) -> None:
        self.decide = lambda m: decision(m, "deny", code="IRON_ERR_BUDGET", status=402, policy="budget", reason="b")
        r = self.client.post(self.server.url + "/v1/chat/completions", json=CHAT)
        self.assertIsInstance(r, httpx.Response)
        self.assertEqual((r.status_code, r.reason_phrase), (402, "Payment Required"))
        self.assertEqual(r.request.url, self.server.url + "/v1/chat/completions")
        with self.assertRaises(httpx.HTTPStatusError):
            r.raise_for_status()

    def test_streamed_denial_can_be_read_like_the_sdk_does(self) -> None:
        self.decide = lambda m: decision(m, "deny", code="IRON_ERR_BREAKER_OPEN", status=503, reason="open")
        with self.client.stream("POST", self.server.url + "/v1/chat/completions", json=dict(CHAT, stream=True)) as r:
            r.read()
            self.assertEqual(json.loads(r.content)["error"]["code"], "IRON_ERR_BREAKER_OPEN")

    def test_install_and_uninstall_are_idempotent_and_restore_the_original(self) -> None:
        iron_shim.uninstall()
        original = httpx.Client.__dict__["send"]
        original_async = httpx.AsyncClient.__dict__["send"]
        self.assertFalse(hasattr(original, MARKER))
        for _ in range(2):
            iron_shim.install(endpoint=self.peer.endpoint, token="tok-test", strict=True)
        patched = httpx.Client.__dict__["send"]
        self.assertTrue(getattr(patched, MARKER))
        self.assertIs(patched.__wrapped__, original)
        self.assertEqual(patched.__name__, "send")
        iron_shim.uninstall()
        iron_shim.uninstall()
        self.assertIs(httpx.Client.__dict__["send"], original)
        self.assertIs(httpx.AsyncClient.__dict__["send"], original_async)
        self.assertFalse(iron_shim.status()["installed"])

    def test_nested_layers_intercept_once(self) -> None:
        import urllib.request

        class UrllibTransport(httpx.BaseTransport):
            """An httpx transport that sends through urllib: two governed layers, one call."""

            def handle_request(self, request: httpx.Request) -> httpx.Response:
                req = urllib.request.Request(
                    str(request.url),
                    data=request.read(),
                    method=request.method,
                    headers={"Content-Type": "application/json"},
                )
                with urllib.request.urlopen(req, timeout=10) as resp:
                    return httpx.Response(resp.status, headers=list(resp.headers.items()), content=resp.read())

        with httpx.Client(transport=UrllibTransport()) as client:
            self.assertEqual(client.post(self.server.url + "/v1/chat/completions", json=CHAT).status_code, 200)
        requests = self.peer.wait_for("llm.request")
        self.assertEqual([r["library"] for r in requests], ["httpx"])
        self.peer.wait_for("llm.response")
        self.assertEqual(len(self.peer.of_type("llm.response")), 1)

    def test_an_abandoned_stream_is_reported_when_collected(self) -> None:
        self.server.delay = 0.01
        response = self.client.send(
            self.client.build_request("POST", self.server.url + "/v1/chat/completions", json=dict(CHAT, stream=True)),
            stream=True,
        )
        next(response.iter_raw())
        del response
        gc.collect()
        self.assertFalse(self.peer.wait_for("llm.response")[0]["complete"])

    def test_the_callers_timeout_still_applies_to_a_modified_request(self) -> None:
        self.server.stall = 0.5
        self.decide = (
            lambda m: decision(m, "modify", body=dict(CHAT, model="gpt-4o"))
            if m["type"] == "llm.request"
            else decision(m)
        )
        with self.assertRaises(httpx.ReadTimeout):
            self.client.post(self.server.url + "/v1/chat/completions", json=CHAT, timeout=0.1)
        resp = self.peer.wait_for("llm.response")[0]
        self.assertEqual((resp["status"], resp["complete"]), (0, False))
        self.assertIn("ReadTimeout", resp["error"])

    def test_a_transport_error_is_reported_and_raised(self) -> None:
        with self.assertRaises(httpx.ConnectError):
            self.client.post("http://127.0.0.1:9/v1/chat/completions", json=CHAT)
        resp = self.peer.wait_for("llm.response")[0]
        self.assertEqual((resp["status"], resp["complete"]), (0, False))
        self.assertIn("ConnectError", resp["error"])


@unittest.skipUnless(has_module("httpx"), "httpx is not installed")
class HttpxAsyncContract(Contract, ShimTestCase):
    """The same contract through httpx.AsyncClient (each call in its own event loop)."""

    pipelined = False

    library = "httpx"

    def run_async(self, coro_fn):
        async def main():
            async with httpx.AsyncClient(timeout=10) as client:
                return await coro_fn(client)

        return asyncio.run(main())

    def call(self, path: str, body: Any, headers: Optional[Dict[str, str]] = None) -> Result:
        async def go(client):
            r = await client.post(self.server.url + path, json=body, headers=headers or {})
            return Result(r.status_code, dict(r.headers), r.content)

        return self.run_async(go)

    def stream(self, path: str, body: Any, keep: Optional[int] = None) -> bytes:
        async def go(client):
            async with client.stream("POST", self.server.url + path, json=body) as r:
                data = b""
                if keep is None:
                    async for chunk in r.aiter_bytes():
                        data += chunk
                    return data
                async for chunk in r.aiter_raw():
                    data += chunk
                    if len(data) >= keep:
                        break
                return data

        return self.run_async(go)

    def get(self, path: str) -> Result:
        async def go(client):
            r = await client.get(self.server.url + path)
            return Result(r.status_code, dict(r.headers), r.content)

        return self.run_async(go)

    def read_everything(self) -> threading.Event:
        """An async stream reads ahead in a task of its own (tee._aread_ahead): set once it read the end."""
        done = threading.Event()
        read_ahead = shim_tee._aread_ahead

        async def watched(chunks: Any) -> Any:
            async def body() -> Any:
                async for chunk in chunks:
                    yield chunk
                done.set()

            async for data in read_ahead(body()):
                yield data

        shim_tee._aread_ahead = watched
        self.addCleanup(setattr, shim_tee, "_aread_ahead", read_ahead)
        return done

    def test_concurrent_tasks_each_get_their_own_decision(self) -> None:
        self.decide = (
            lambda m: decision(m, "deny", status=402, code="IRON_ERR_BUDGET", reason=m["body"]["model"])
            if m["type"] == "llm.request" and m["body"]["model"].startswith("deny")
            else decision(m)
        )

        async def go(client):
            models = [("deny-%d" if i % 2 else "gpt-%d") % i for i in range(20)]
            rs = await asyncio.gather(
                *[client.post(self.server.url + "/v1/chat/completions", json=dict(CHAT, model=m)) for m in models]
            )
            return [(m, r.status_code, r.json()) for m, r in zip(models, rs)]

        for model, status, body in self.run_async(go):
            if model.startswith("deny"):
                self.assertEqual((status, body["error"]["message"]), (402, f"iron: {model}"))
            else:
                self.assertEqual(status, 200)


if __name__ == "__main__":
    unittest.main()


@unittest.skipUnless(has_module("httpx"), "httpx is not installed")
class Httpx2ImportedLater(ShimTestCase):
    """httpx2 cannot be installed here; httpx's own sources copied under that name stand in for it
    (httpx uses relative imports only), imported after install so the import hook must patch it."""

    def test_httpx2_is_patched_on_import_and_reports_its_name(self) -> None:
        import os
        import shutil
        import sys
        import tempfile

        root = tempfile.mkdtemp(prefix="iron-httpx2-")
        self.addCleanup(shutil.rmtree, root, True)
        shutil.copytree(
            os.path.dirname(httpx.__file__), os.path.join(root, "httpx2"), ignore=shutil.ignore_patterns("__pycache__")
        )
        sys.path.insert(0, root)
        self.addCleanup(sys.path.remove, root)
        self.addCleanup(lambda: [sys.modules.pop(n) for n in list(sys.modules) if n.split(".")[0] == "httpx2"])
        import httpx2  # type: ignore[import-not-found]

        self.assertTrue(getattr(httpx2.Client.__dict__["send"], MARKER, False))
        with httpx2.Client() as client:
            self.assertEqual(client.post(self.server.url + "/v1/chat/completions", json=CHAT).status_code, 200)
        self.assertEqual(self.peer.wait_for("llm.request")[0]["library"], "httpx2")
        iron_shim.uninstall()
        self.assertFalse(hasattr(httpx2.Client.__dict__["send"], MARKER))
