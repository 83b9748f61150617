"""Bodies as their own JSON bytes (body_json, SPEC 3.4/3.6) to a supervisor that lists the feature, parsed
bodies to one that does not, and fire-and-forget reports that ask for no answer (reply false, SPEC 3.6)."""
from __future__ import annotations

import codecs
import json
import unittest
import urllib.request
from typing import Any

import iron_shim
from iron_shim import json_body, protocol
from iron_shim.link import Link
from iron_shim.settings import Settings

from .contract import CHAT
from .router_peer import RouterPeer, decision
from .support import ShimTestCase


def post(url: str, data: bytes) -> Any:
    """One urllib chat completion with the given body bytes; the parsed answer."""
    request = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as resp:
        return json.loads(resp.read())


class WithBodyJson(ShimTestCase):
    """A supervisor whose welcome lists body_json."""

    features = ["body_json"]
    install_settings = {"wait": True}

    def setUp(self) -> None:
        self.server_features = self.features
        original = RouterPeer.__init__

        def peer_init(peer: RouterPeer, *args: Any, **kwargs: Any) -> None:
            original(peer, *args, **kwargs)
            if self.server_features is not None:
                peer.welcome_extra = {"features": list(self.server_features)}

        RouterPeer.__init__ = peer_init  # type: ignore[method-assign]
        try:
            super().setUp()
        finally:
            RouterPeer.__init__ = original  # type: ignore[method-assign]
        self.assertEqual(iron_shim.status()["state"], "ready")

    def url(self) -> str:
        return self.server.url + "/v1/chat/completions"

    def test_request_and_response_bodies_travel_as_their_own_bytes(self) -> None:
        data = json.dumps(
            dict(CHAT, messages=[{"role": "user", "content": "H\u00e9llo \u2603"}]), ensure_ascii=False
        ).encode()
        answer = post(self.url(), data)
        (req,) = self.requests_of("llm.request")
        self.assertEqual(req["body_json"], data)
        self.assertNotIn("body", req)
        self.assertEqual(req["model"], "gpt-4o-mini")  # what the shim must know it still reads itself
        (resp,) = self.peer.wait_for("llm.response")
        self.assertNotIn("body", resp)
        self.assertEqual(json.loads(resp["body_json"]), answer)
        self.assertEqual(resp["usage"]["input_tokens"], answer["usage"]["prompt_tokens"])

    def test_bodies_json_parse_would_read_differently_go_parsed(self) -> None:
        for data in (
            b'{"model": "gpt-4o-mini", "messages": [], "temperature": NaN}',
            codecs.BOM_UTF8 + json.dumps(CHAT).encode(),
        ):
            with self.subTest(data=data[:12]):
                post(self.url(), data)
                req = self.requests_of("llm.request")[-1]
                self.assertNotIn("body_json", req)
                self.assertEqual(req["body"]["model"], "gpt-4o-mini")

    def test_reports_nobody_waits_for_ask_for_no_answer(self) -> None:
        self.decide = lambda m: decision(m, response_decision=False) if m["type"] == "llm.request" else decision(m)
        post(self.url(), json.dumps(CHAT).encode())
        (resp,) = self.peer.wait_for("llm.response")
        self.assertIs(resp["reply"], False)
        self.assertIsNone(resp["body"])  # no policy reads it (finish_reasons instead)
        self.assertNotIn("body_json", resp)


class WithoutBodyJson(WithBodyJson):
    """A supervisor that lists no features (older than body_json): parsed bodies, as before."""

    features = None  # type: ignore[assignment]

    def test_request_and_response_bodies_travel_as_their_own_bytes(self) -> None:
        answer = post(self.url(), json.dumps(CHAT).encode())
        (req,) = self.requests_of("llm.request")
        self.assertEqual(req["body"], CHAT)
        self.assertNotIn("body_json", req)
        (resp,) = self.peer.wait_for("llm.response")
        self.assertEqual(resp["body"], answer)
        self.assertNotIn("body_json", resp)
        self.assertNotIn("reply", resp)  # a reply is awaited


class JsonBytes(unittest.TestCase):
    """json_body.as_json_bytes: the bytes only when JSON.parse reads them as json.loads did."""

    def test_which_bodies_go_as_bytes(self) -> None:
        self.assertEqual(json_body.loads(b'{"a":1}'), ({"a": 1}, b'{"a":1}'))
        self.assertEqual(json_body.loads(b"null"), (None, b"null"))
        for raw in (
            bytearray(b'{"a":1}'),
            '{"a":1}'.encode("utf-16"),
            '{"a":1}'.encode("utf-16-le"),
            codecs.BOM_UTF8 + b'{"a":1}',
            b'{"a":"\xed\xa0\x80"}',  # an encoded lone surrogate: json.loads takes it, JSON.parse's UTF-8 does not
        ):
            with self.subTest(raw=raw):
                parsed, sent = json_body.loads(raw)
                self.assertIsNotNone(parsed)
                self.assertIsNone(sent)
        parsed, sent = json_body.loads(b'{"a":Infinity,"b":-Infinity,"c":NaN}')
        self.assertEqual(
            (parsed["a"], parsed["b"], parsed["c"] != parsed["c"], sent), (float("inf"), float("-inf"), True, None)
        )
        self.assertEqual(json_body.loads(b'{"text":"NaN and Infinity in a string are text"}')[1] is not None, True)
        with self.assertRaises(ValueError):
            json_body.loads(b"{not json")

    def test_what_follows_the_value_is_read_as_json_loads_reads_it(self) -> None:
        for raw in (b'{"a":1} \n', b'{"a":1}\t', b"[1, 2]", b' {"a":1}'):
            with self.subTest(raw=raw):
                self.assertEqual(json_body.loads(raw), (json.loads(raw), raw))
        for raw in (b'{"a":1}x', b'{"a":1}{"b":2}', b'{"a":1', b'{"a":1} ]', b"{", b'{"a":tru}'):
            with self.subTest(raw=raw):
                with self.assertRaises(ValueError) as ours:
                    json_body.loads(raw)
                with self.assertRaises(ValueError) as theirs:
                    json.loads(raw)
                self.assertEqual(str(ours.exception), str(theirs.exception))

    def test_a_decision_without_its_nil_keys_reads_as_one_with_them(self) -> None:
        slim = protocol.parse_decision(
            {"v": 1, "type": "decision", "id": 2, "call": "c-1", "action": "allow"}, protocol.REQUEST_ACTIONS
        )
        self.assertEqual(
            (
                slim.call,
                slim.action,
                slim.policy,
                slim.code,
                slim.reason,
                slim.status,
                slim.retry_after,
                slim.body,
                slim.url,
            ),
            ("c-1", "allow", None, None, None, None, None, None, None),
        )
        self.assertTrue(slim.response_decision)

    def test_welcome_features_are_read_and_forgotten_when_the_link_drops(self) -> None:
        welcome = protocol.parse_welcome({"agent": "a", "session": "s", "settings": {}, "features": ["body_json", "x"]})
        self.assertEqual(welcome.features, frozenset({"body_json", "x"}))
        self.assertEqual(protocol.parse_welcome({"features": "body_json"}).features, frozenset())
        self.assertEqual(protocol.parse_welcome({"features": [1]}).features, frozenset())
        link = Link(Settings(endpoint="ipc:///nowhere"), "0")
        try:
            link.features = welcome.features
            link.on_down("gone")
            self.assertEqual(link.features, frozenset())
        finally:
            link.close_wake()


if __name__ == "__main__":
    unittest.main()
