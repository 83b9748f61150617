"""The shared wire vectors (protocol/vectors): the Python codec and ZMTP code agree with them byte for byte."""
from __future__ import annotations

import math
import unittest

from .support import expand, load_vectors, vector_bytes
from iron_shim import codec, zmtp


def same(a, b) -> bool:
    """Deep equality that also checks types (1 vs 1.0 vs True) and treats NaN as equal to NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


class MsgpackVectors(unittest.TestCase):
    """msgpack.json: decode(hex) == value for all; encode(value) == hex where encode is true."""

    def check(self, name: str) -> None:
        vectors = load_vectors(name)
        self.assertGreater(len(vectors), 10)
        for vec in vectors:
            with self.subTest(vec["name"]):
                data, value = vector_bytes(vec["hex"]), expand(vec["value"])
                self.assertTrue(same(codec.unpackb(data), value), vec["name"])
                if vec["encode"]:
                    self.assertEqual(codec.packb(value).hex(), data.hex())

    def test_msgpack_vectors(self) -> None:
        self.check("msgpack")

    def test_message_vectors(self) -> None:
        self.check("messages")

    def test_float_fields_accept_integers(self) -> None:
        # SPEC 2: the TypeScript side may encode an integral float as an int; decoders accept either.
        self.assertEqual(codec.unpackb(bytes.fromhex("01")), 1)


class ZmtpVectors(unittest.TestCase):
    """zmtp.json: our greeting, READY, PING/PONG/ERROR and frames are exactly these bytes, and parse back."""

    def test_every_vector(self) -> None:
        for vec in load_vectors("zmtp"):
            with self.subTest(vec["name"]):
                data = vector_bytes(vec["hex"])
                kind = vec["kind"]
                if kind == "greeting":
                    self.assertEqual(zmtp.build_greeting(vec["as_server"]), data)
                    parsed = zmtp.parse_greeting(data)
                    self.assertEqual(
                        (parsed.major, parsed.minor, parsed.mechanism, parsed.as_server),
                        (vec["major"], vec["minor"], vec["mechanism"], vec["as_server"]),
                    )
                elif kind == "frame":
                    body = expand(vec["body"])
                    self.assertEqual(zmtp.encode_frame(body, vec["more"]), data)
                    self.assertEqual(zmtp.FrameParser().feed(data), [zmtp.Frame(vec["more"], None, body)])
                else:
                    self.check_command(vec, data)

    def check_command(self, vec, data: bytes) -> None:
        frames = zmtp.FrameParser().feed(data)
        self.assertEqual(len(frames), 1)
        frame = frames[0]
        self.assertEqual(frame.command, vec["command"])
        if vec["command"] == "READY":
            props = {k: expand(v) if isinstance(v, dict) else v.encode() for k, v in vec["properties"].items()}
            self.assertEqual(zmtp.parse_properties(frame.body), props)
            self.assertEqual(zmtp.build_ready(props["Socket-Type"].decode(), props["Identity"]), data)
        elif vec["command"] == "PING":
            self.assertEqual(zmtp.parse_ping(frame.body), (vec["ttl"], expand(vec["context"])))
            self.assertEqual(zmtp.build_ping(vec["ttl"], expand(vec["context"])), data)
        elif vec["command"] == "PONG":
            self.assertEqual(zmtp.build_pong(expand(vec["context"])), data)
        elif vec["command"] == "ERROR":
            self.assertEqual(zmtp.parse_error(frame.body), vec["reason"])
            self.assertEqual(zmtp.build_error(vec["reason"]), data)


if __name__ == "__main__":
    unittest.main()
