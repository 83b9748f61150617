"""urllib.request governed at AbstractHTTPHandler.do_open: the contract, plus urllib's own error semantics."""
from __future__ import annotations

import io
import json
import unittest
import urllib.error
import urllib.request
from typing import Any, Dict, Optional

from .contract import CHAT, Contract, Result
from .router_peer import decision
from .support import ShimTestCase
from iron_shim.interceptors.base import MARKER


class UrllibContract(Contract, ShimTestCase):
    library = "urllib"

    def _request(self, path: str, body: Any, headers: Optional[Dict[str, str]] = None) -> urllib.request.Request:
        data = json.dumps(body).encode()
        return urllib.request.Request(
            self.server.url + path,
            data=data,
            method="POST",
            headers=dict({"Content-Type": "application/json"}, **(headers or {})),
        )

    def call(self, path: str, body: Any, headers: Optional[Dict[str, str]] = None) -> Result:
        try:
            with urllib.request.urlopen(self._request(path, body, headers), timeout=10) as resp:
                return Result(resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read())
        except urllib.error.HTTPError as err:
            return Result(err.code, {k.lower(): v for k, v in err.headers.items()}, err.read())

    def stream(self, path: str, body: Any, keep: Optional[int] = None) -> bytes:
        resp = urllib.request.urlopen(self._request(path, body), timeout=10)
        if keep is not None:
            data = resp.read(keep)
            resp.close()
            return data
        lines = [line for line in resp]  # iteration goes through readline()
        resp.close()
        return b"".join(lines)

    def get(self, path: str) -> Result:
        with urllib.request.urlopen(self.server.url + path, timeout=10) as resp:
            return Result(resp.status, dict(resp.headers.items()), resp.read())

    # ----- urllib specifics -----
    def test_a_denial_raises_http_error_like_a_real_402(self) -> None:
        self.decide = lambda m: decision(
            m, "deny", code="IRON_ERR_BUDGET", status=402, policy="budget", reason="budget exhausted"
        )
        with self.assertRaises(urllib.error.HTTPError) as ctx:
            urllib.request.urlopen(self._request("/v1/chat/completions", CHAT), timeout=10)
        err = ctx.exception
        self.assertEqual((err.code, err.reason), (402, "Payment Required"))
        self.assertEqual(json.loads(err.read())["error"]["code"], "IRON_ERR_BUDGET")
        self.assertEqual(err.headers["x-iron-policy"], "budget")

    def test_read_styles_all_see_the_same_stream(self) -> None:
        expected = None
        for style in ("read", "read1", "readinto", "readline", "chunks"):
            resp = urllib.request.urlopen(self._request("/v1/chat/completions", dict(CHAT, stream=True)), timeout=10)
            out = io.BytesIO()
            if style == "read":
                out.write(resp.read())
            elif style == "read1":
                while True:
                    piece = resp.read1(7)
                    if not piece:
                        break
                    out.write(piece)
            elif style == "readinto":
                buf = bytearray(13)
                while True:
                    n = resp.readinto(buf)
                    if not n:
                        break
                    out.write(buf[:n])
            elif style == "readline":
                while True:
                    line = resp.readline(20)
                    if not line:
                        break
                    out.write(line)
            else:
                while True:
                    piece = resp.read(5)
                    if not piece:
                        break
                    out.write(piece)
            resp.close()
            expected = expected or out.getvalue()
            self.assertEqual(out.getvalue(), expected, style)
            self.assertIsInstance(resp, __import__("http.client").client.HTTPResponse)
        self.peer.wait_for("llm.response", 5)
        self.assertTrue(all(m["complete"] for m in self.peer.of_type("llm.response")))

    def test_custom_openers_are_covered_and_the_request_object_is_not_mutated(self) -> None:
        new = {"model": "gpt-4o-mini", "messages": []}
        self.decide = lambda m: decision(m, "modify", body=new) if m["type"] == "llm.request" else decision(m)
        opener = urllib.request.build_opener(urllib.request.HTTPHandler())
        req = self._request("/v1/chat/completions", CHAT)
        original = req.data
        with opener.open(req, timeout=10) as resp:
            self.assertEqual(resp.status, 200)
        self.assertEqual(req.data, original)
        self.assertEqual(json.loads(self.server.requests[0]["body"]), new)

    def test_uninstall_restores_do_open(self) -> None:
        patched = urllib.request.AbstractHTTPHandler.__dict__["do_open"]
        self.assertTrue(getattr(patched, MARKER, False))
        import iron_shim

        iron_shim.uninstall()
        original = urllib.request.AbstractHTTPHandler.__dict__["do_open"]
        self.assertFalse(hasattr(original, MARKER))
        self.assertIs(patched.__wrapped__, original)


class MisroutedDecision(ShimTestCase):
    def test_a_decision_for_another_call_fails_closed(self) -> None:
        self.decide = lambda m: decision(dict(m, call="c-someone-else"))
        with self.assertRaises(urllib.error.HTTPError) as ctx:
            urllib.request.urlopen(
                urllib.request.Request(
                    self.server.url + "/v1/chat/completions",
                    data=json.dumps(CHAT).encode(),
                    headers={"Content-Type": "application/json"},
                ),
                timeout=10,
            )
        self.assertEqual(
            (ctx.exception.code, json.loads(ctx.exception.read())["error"]["code"]), (503, "IRON_ERR_PROTOCOL")
        )
        self.assertEqual(self.server.requests, [])


if __name__ == "__main__":
    unittest.main()
