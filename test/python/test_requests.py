"""requests governed at HTTPAdapter.send: the same contract as httpx and urllib."""
from __future__ import annotations

import unittest
from typing import Any, Dict, Optional

from .contract import CHAT, Contract, Result
from .router_peer import decision
from .support import ShimTestCase, has_module

if has_module("requests"):
    import requests


@unittest.skipUnless(has_module("requests"), "requests is not installed")
class RequestsContract(Contract, ShimTestCase):
    library = "requests"

    def setUp(self) -> None:
        super().setUp()
        self.session = requests.Session()
        self.addCleanup(self.session.close)

    def call(self, path: str, body: Any, headers: Optional[Dict[str, str]] = None) -> Result:
        r = self.session.post(self.server.url + path, json=body, headers=headers or {}, timeout=10)
        return Result(r.status_code, {k.lower(): v for k, v in r.headers.items()}, r.content)

    def stream(self, path: str, body: Any, keep: Optional[int] = None) -> bytes:
        with self.session.post(self.server.url + path, json=body, stream=True, timeout=10) as r:
            data = b""
            for chunk in r.iter_content(chunk_size=None):
                data += chunk
                if keep is not None and len(data) >= keep:
                    break
            return data

    def get(self, path: str) -> Result:
        r = self.session.get(self.server.url + path, timeout=10)
        return Result(r.status_code, dict(r.headers), r.content)

    def test_a_denial_is_a_real_response(self) -> None:
        self.decide = lambda m: decision(m, "deny", code="IRON_ERR_BUDGET", status=402, policy="budget", reason="b")
        r = requests.post(self.server.url + "/v1/chat/completions", json=CHAT, timeout=10)
        self.assertEqual(
            (r.status_code, r.reason, r.json()["error"]["code"]), (402, "Payment Required", "IRON_ERR_BUDGET")
        )
        with self.assertRaises(requests.HTTPError):
            r.raise_for_status()

    def test_iter_lines_sees_the_stripped_stream(self) -> None:
        with self.session.post(
            self.server.url + "/v1/chat/completions", json=dict(CHAT, stream=True), stream=True, timeout=10
        ) as r:
            lines = [line for line in r.iter_lines() if line]
        self.assertEqual(lines[-1], b"data: [DONE]")
        self.assertFalse(any(b'"usage"' in line for line in lines))
        self.assertEqual(self.peer.wait_for("llm.response")[0]["usage"]["output_tokens"], 3)

    def test_raw_reads_and_iter_lines_see_the_same_filtered_stream(self) -> None:
        from .sse_read import text_of

        for style in ("raw", "lines"):
            self.chunk_filter("llo")
            with self.session.post(
                self.server.url + "/v1/chat/completions", json=dict(CHAT, stream=True), stream=True, timeout=10
            ) as r:
                if style == "raw":
                    seen = b""
                    while True:
                        piece = r.raw.read(7)
                        if not piece:
                            break
                        seen += piece
                else:
                    seen = b"\n\n".join(line for line in r.iter_lines() if line) + b"\n\n"
            self.assertEqual(text_of("chat.completions", seen), "He***!", style)
            self.assertNotIn(b'"usage"', seen)
        self.assertTrue(all(m["complete"] for m in self.peer.wait_for("llm.response", 2)))


if __name__ == "__main__":
    unittest.main()
