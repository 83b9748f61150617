"""Response hints (SPEC 3.5 response_hints): a read response none of the hints matches is released without
waiting for its decision, reported with its body and reply false; one a hint matches, or any doubt about the
hints, waits for the decision as before."""
from __future__ import annotations

import json
import os
import unittest
import urllib.request
from typing import Any, Dict

from iron_shim import codec, protocol

from .contract import CHAT
from .router_peer import decision
from .support import ShimTestCase

EMAIL = {"re": "@[A-Za-z0-9-]{1,63}\\.[A-Za-z0-9]", "i": False}
HELLO = {"re": "hel+o", "i": True}  # the test server answers "Hello!"
REDACTED = {"choices": [{"message": {"role": "assistant", "content": "[REDACTED]"}}]}


class ResponseHints(ShimTestCase):
    """The shim against a supervisor that sends hints and redacts every response it is asked about."""

    install_settings = {"wait": True}

    def with_hints(self, hints: Any) -> None:
        def decide(m: Dict[str, Any]) -> Dict[str, Any]:
            if m["type"] == "llm.request":
                return decision(m, response_hints=hints)
            return decision(m, "redact", body=REDACTED)

        self.decide = decide

    def call(self) -> Any:
        request = urllib.request.Request(
            self.server.url + "/v1/chat/completions",
            data=json.dumps(CHAT).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as resp:
            return json.loads(resp.read())

    def test_a_response_no_hint_matches_is_released_and_still_reported_with_its_body(self) -> None:
        self.with_hints([EMAIL])
        answer = self.call()
        self.assertEqual(answer["choices"][0]["message"]["content"], "Hello!")  # the redact never applied
        (resp,) = self.peer.wait_for("llm.response")
        self.assertIs(resp["reply"], False)
        body = json.loads(resp["body_json"]) if "body_json" in resp else resp["body"]
        self.assertEqual(body, answer)
        self.assertNotIn("finish_reasons", resp)

    def test_a_response_a_hint_matches_waits_for_its_decision(self) -> None:
        self.with_hints([EMAIL, HELLO])
        self.assertEqual(self.call(), REDACTED)
        (resp,) = self.peer.wait_for("llm.response")
        self.assertNotIn("reply", resp)

    def test_off_spec_hints_mean_waiting(self) -> None:
        for hints in ("@", [{"re": 5}], [{"re": "(unclosed", "i": False}], [{"re": "x", "i": "yes"}], [EMAIL] * 65):
            with self.subTest(hints=str(hints)[:40]):
                self.with_hints(hints)
                self.assertEqual(self.call(), REDACTED)

    def test_without_hints_the_response_waits_as_before(self) -> None:
        self.decide = lambda m: decision(m, "redact", body=REDACTED) if m["type"] == "llm.response" else decision(m)
        self.assertEqual(self.call(), REDACTED)


class ParseHints(unittest.TestCase):
    """protocol.parse_hints: pairs, or None for anything off-spec."""

    def test_parse(self) -> None:
        self.assertEqual(protocol.parse_hints([{"re": "a", "i": True}, {"re": "b"}]), (("a", True), ("b", False)))
        self.assertEqual(protocol.parse_hints([]), ())
        for value in (None, "a", [None], [{"re": ""}], [{"re": "a", "i": 1}], [{"re": "a" * 2000}]):
            self.assertIsNone(protocol.parse_hints(value))

    def test_the_hints_of_every_decision_are_parsed_once_while_they_stay_the_same(self) -> None:
        def decided(hints: Any) -> Any:
            raw = codec.packb({"v": 1, "type": "decision", "id": 1, "response_hints": hints, "action": "allow"})
            return protocol.parse_decision(protocol.parse_incoming(raw), protocol.REQUEST_ACTIONS).response_hints

        first = decided([EMAIL, HELLO])
        self.assertEqual(first, ((EMAIL["re"], False), (HELLO["re"], True)))
        self.assertIs(decided([EMAIL, HELLO]), first)
        self.assertEqual(decided([HELLO]), ((HELLO["re"], True),))
        self.assertEqual(decided([EMAIL, HELLO]), first)
        self.assertIsNone(decided([{"re": ""}]))
        mine = [EMAIL]
        self.assertEqual(protocol.parse_hints(mine), ((EMAIL["re"], False),))
        mine.append(HELLO)  # a list of the caller's own is parsed each time: it may change
        self.assertEqual(protocol.parse_hints(mine), ((EMAIL["re"], False), (HELLO["re"], True)))

    def test_the_chunk_hints_of_every_stream_are_parsed_once_while_they_stay_the_same(self) -> None:
        hold = {"re": "[0-9]", "i": False, "hold": True}

        def decided(hints: Any) -> Any:
            raw = codec.packb({"v": 1, "type": "decision", "id": 1, "chunk_hints": hints, "action": "allow"})
            return protocol.parse_decision(protocol.parse_incoming(raw), protocol.REQUEST_ACTIONS).chunk_hints

        first = decided([EMAIL, hold])
        self.assertEqual(first, ((EMAIL["re"], False, False), ("[0-9]", False, True)))
        self.assertIs(decided([EMAIL, hold]), first)
        self.assertEqual(decided([hold]), (("[0-9]", False, True),))
        self.assertIsNone(decided([{"re": "a", "hold": 1}]))
        self.assertEqual(decided([EMAIL, hold]), first)

    def test_the_vector_reads_as_pairs(self) -> None:
        path = os.path.join(os.path.dirname(__file__), "..", "..", "protocol", "vectors", "messages.json")
        with open(path, encoding="utf-8") as f:
            vectors = json.load(f)
        vectors = vectors["vectors"] if isinstance(vectors, dict) else vectors
        (case,) = [v for v in vectors if v["name"] == "decision allow with response hints"]
        parsed = protocol.parse_decision(case["value"], protocol.REQUEST_ACTIONS)
        self.assertEqual(parsed.response_hints, (("@[A-Za-z0-9-]{1,63}\\.[A-Za-z0-9]", False), ("secret_key", True)))
        self.assertTrue(parsed.response_decision)
