"""message_templates: llm.request and llm.response encoded from templates are byte for byte what the generic
encoder (codec.packb) writes, over generated messages (every optional-key combination, unicode, empty and
large bodies and strings, ints at every format boundary); anything else falls back to packb."""
from __future__ import annotations

import random
import sys
import unittest

from . import support  # noqa: F401 - puts python/ on sys.path
from .support import expand, has_module, load_vectors, vector_bytes
from iron_shim import codec, message_templates, protocol
from iron_shim.errors import ProtocolError

INTS = [0, 1, 127, 128, 255, 256, 65535, 65536, 2**32 - 1, 2**32, 2**63, -1, -32, -33, -(2**40)]
TEXTS = ["", "a", "x" * 31, "y" * 32, "z" * 255, "w" * 256, "é" * 20, "日本語のテキスト", "🙂" * 9, "q" * 70000]
BODIES = [b"", b"{}", b"a" * 255, b"b" * 256, b"c" * 65535, b"d" * 65536, '{"t":"é"}'.encode()]


class Generated(unittest.TestCase):
    def setUp(self) -> None:
        self.rng = random.Random(14)
        self.msgpack = __import__("msgpack") if has_module("msgpack") else None

    def pick(self, values: list) -> object:
        return values[self.rng.randrange(len(values))]

    def text(self) -> str:
        return self.pick(TEXTS) if self.rng.random() < 0.5 else "t%d" % self.rng.randrange(10**6)

    def same_bytes(self, msg: dict) -> None:
        expected = codec.packb(msg)
        templated = message_templates.template_of(msg)
        self.assertIsNotNone(templated, list(msg))  # the fast path was taken
        self.assertEqual(templated, expected, list(msg))
        self.assertEqual(message_templates.encode(msg), expected)
        if self.msgpack is not None:  # a third, independent encoder (Debian's python3-msgpack)
            self.assertEqual(self.msgpack.packb(msg, use_bin_type=True), expected)

    def request(self, body_json: bool) -> dict:
        rng = self.rng
        headers = {self.text(): self.text() for _ in range(rng.choice([0, 1, 3, 15, 16, 20]))}
        if rng.random() < 0.1:
            headers["n"] = 5  # not a str map: encoded each time, not remembered
        return protocol.llm_request(
            self.pick(INTS[:9]),
            "c-%016x" % rng.getrandbits(64) if rng.random() < 0.8 else self.text(),
            self.text(),
            self.text(),
            self.pick([None, self.text()]),
            self.pick(["POST", "GET"]),
            self.text(),
            headers,
            self.pick([None, {"model": self.text(), "n": self.pick(INTS)}, [1, 2.5, None], "s"]),
            self.pick([True, False]),
            self.pick(INTS),
            self.pick([None] + INTS),
            self.text(),
            self.pick([{}, {"team": self.text()}]),
            self.pick(BODIES) if body_json else None,
        )

    def response(self, body_json: bool, retry: bool) -> dict:
        rng = self.rng
        usage = self.pick(
            [
                None,
                {"input_tokens": self.pick(INTS), "output_tokens": self.pick(INTS)},  # not the usual keys
                dict(zip(message_templates.USAGE_KEYS, (self.pick([None, True] + INTS) for _ in range(5)))),
            ]
        )
        return protocol.llm_response(
            self.pick(INTS[:9]),
            "c-%016x" % rng.getrandbits(64),
            self.pick([0, 200, 429, 500, 70000]),
            usage,
            self.text(),
            self.pick([None, {"choices": [{"text": self.text()}]}, [], 3]),
            self.pick([0.0, 1.5, rng.random() * 1e4, 12]),  # llm_response makes it a float
            self.pick([True, False]),
            self.pick([True, False]),
            self.pick([None, self.text()]),
            self.pick([None, self.text()]),
            self.pick([None, self.text()]),
            self.pick([1.5, 30, 0.0]) if retry else None,
            self.pick(BODIES) if body_json else None,
        )

    def test_llm_request_with_a_parsed_body_or_body_json_with_or_without_admitted(self) -> None:
        for i in range(600):
            msg = self.request(body_json=i % 2 == 1)
            if i & 2:
                msg["admitted"] = self.pick(["g-%d" % i, self.text(), None])  # a call under a grant (SPEC 3.4a)
            self.same_bytes(msg)

    def test_llm_response_in_every_combination_of_its_optional_keys(self) -> None:
        for i in range(1200):
            retry, reasons, reply, body_json = (i & 1, i & 2, i & 4, i & 8)
            msg = self.response(bool(body_json), bool(retry))
            if reasons:
                msg["finish_reasons"] = self.pick([["stop"], ["length", self.text()], []])
            if reply:
                msg["reply"] = False  # Client.post
            self.same_bytes(msg)

    def test_the_message_vectors_come_out_of_the_templates(self) -> None:
        seen = 0
        for vec in load_vectors("messages"):
            value = expand(vec["value"])
            if isinstance(value, dict) and value.get("type") in ("llm.request", "llm.response"):
                msg = {sys.intern(k): v for k, v in value.items()}  # keys as the builders' (interned) ones
                self.assertEqual(message_templates.template_of(msg), vector_bytes(vec["hex"]), vec["name"])
                seen += 1
        self.assertGreaterEqual(seen, 6)


class FallsBack(unittest.TestCase):
    def base(self) -> dict:
        return protocol.llm_response(7, "c-1", 200, None, "hi", None, 1.0, False, True, None, None, "m")

    def falls_back(self, msg: dict) -> None:
        self.assertIsNone(message_templates.template_of(msg))
        self.assertEqual(message_templates.encode(msg), codec.packb(msg))

    def test_other_key_orders_extra_keys_and_keys_that_only_equal_ours_go_to_packb(self) -> None:
        msg = self.base()
        self.falls_back({"type": msg["type"], **msg})  # type moved first
        self.falls_back({**msg, "extra": 1})
        self.falls_back({**msg, "reply": False, "finish_reasons": ["stop"]})  # optional keys out of order
        # An equal key that is not the builders' object, or a str subclass: written as packb writes it.
        for call in ("".join(["c", "a", "l", "l"]), type("Key", (str,), {})("call")):
            same = {call if k == "call" else k: v for k, v in msg.items()}
            self.assertEqual(message_templates.template_of(same), codec.packb(same))

    def test_a_v_or_type_other_than_the_templates_goes_to_packb(self) -> None:
        for field, value in (("v", True), ("v", 1.0), ("v", 2), ("type", "llm.chunk"), ("type", b"llm.response")):
            msg = self.base()
            msg[field] = value
            self.falls_back(msg)

    def test_values_the_template_does_not_write_inline_are_encoded_as_packb_encodes_them(self) -> None:
        class Text(str):
            pass

        msg = self.base()
        msg.update(id=2**40, call=Text("c-2"), status=True, output=Text("out"), latency_ms=3, stream=1, usage={})
        self.assertEqual(message_templates.template_of(msg), codec.packb(msg))

    def test_what_packb_refuses_is_refused_the_same_way(self) -> None:
        for field, value in (("output", "\ud800"), ("call", "\udfff"), ("body", object()), ("id", 2**64)):
            msg = self.base()
            msg[field] = value
            with self.assertRaises(ProtocolError) as generic:
                codec.packb(msg)
            with self.assertRaises(ProtocolError) as templated:
                message_templates.encode(msg)
            self.assertEqual(str(templated.exception), str(generic.exception))
        deep: list = []
        for _ in range(300):
            deep = [deep]
        msg = self.base()
        msg["body"] = deep
        with self.assertRaises(ProtocolError):
            message_templates.encode(msg)


if __name__ == "__main__":
    unittest.main()
