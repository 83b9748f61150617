"""msgpack codec: exact formats, refusal of what SPEC forbids, fast clear errors on bad input, fuzzed round trips."""
from __future__ import annotations

import enum
import random
import time
import unittest
from collections import OrderedDict

from . import support  # noqa: F401 - puts python/ on sys.path
from .support import has_module
from iron_shim import codec, codec_decode
from iron_shim.errors import ProtocolError


class Encoding(unittest.TestCase):
    def test_smallest_int_formats_at_every_boundary(self) -> None:
        cases = {
            0: "00",
            127: "7f",
            128: "cc80",
            255: "ccff",
            256: "cd0100",
            65535: "cdffff",
            65536: "ce00010000",
            2**32 - 1: "ceffffffff",
            2**32: "cf0000000100000000",
            2**64 - 1: "cfffffffffffffffff",
            -1: "ff",
            -32: "e0",
            -33: "d0df",
            -128: "d080",
            -129: "d1ff7f",
            -32768: "d18000",
            -32769: "d2ffff7fff",
            -(2**31): "d280000000",
            -(2**31) - 1: "d3ffffffff7fffffff",
            -(2**63): "d38000000000000000",
        }
        for value, hex_value in cases.items():
            self.assertEqual(codec.packb(value).hex(), hex_value, value)
            self.assertEqual(codec.unpackb(bytes.fromhex(hex_value)), value)

    def test_floats_are_float64_even_when_integral(self) -> None:
        self.assertEqual(codec.packb(1.0).hex(), "cb3ff0000000000000")

    def test_bytes_like_values_are_bin_and_tuples_are_arrays(self) -> None:
        self.assertEqual(codec.packb(bytearray(b"ab")), codec.packb(b"ab"))
        self.assertEqual(codec.packb(memoryview(b"ab")).hex(), "c4026162")
        self.assertEqual(codec.packb((1, 2)), codec.packb([1, 2]))

    def test_subclasses_encode_as_their_base(self) -> None:
        class Color(enum.IntEnum):
            RED = 1

        class Name(str):
            pass

        self.assertEqual(codec.packb({Name("k"): Color.RED}), codec.packb({"k": 1}))
        self.assertEqual(codec.packb(OrderedDict(a=True)), codec.packb({"a": True}))
        self.assertEqual(codec.packb(True), b"\xc3")

    def test_maps_keep_insertion_order(self) -> None:
        self.assertEqual(codec.packb({"b": 1, "a": 2}).hex(), "82a16201a16102")

    def test_unsupported_values_are_refused_with_the_type_named(self) -> None:
        for value, word in ((object(), "object"), ({1, 2}, "set"), (2**64, "64 bits"), (-(2**63) - 1, "64 bits")):
            with self.assertRaises(ProtocolError) as ctx:
                codec.packb(value)
            self.assertIn(word, str(ctx.exception))
        with self.assertRaises(ProtocolError):
            codec.packb("\ud800")  # a lone surrogate is not UTF-8

    def test_nesting_beyond_the_limit_is_refused(self) -> None:
        deep: list = []
        cursor = deep
        for _ in range(codec.MAX_DEPTH + 5):
            cursor.append([])
            cursor = cursor[0]
        with self.assertRaises(ProtocolError):
            codec.packb(deep)
        with self.assertRaises(ProtocolError):
            codec.unpackb(b"\x91" * (codec.MAX_DEPTH + 5) + b"\x90")

    def test_an_empty_map_in_a_map_counts_as_a_container_at_the_limit(self) -> None:
        self.assertEqual(codec.packb({"a": {}}), b"\x81\xa1a\x80")
        allowed: dict = {}
        for _ in range(codec.MAX_DEPTH - 1):
            allowed = {"a": allowed}
        self.assertEqual(codec.unpackb(codec.packb(allowed)), allowed)
        with self.assertRaises(ProtocolError):
            codec.packb({"a": allowed})


class Decoding(unittest.TestCase):
    def test_ext_types_and_reserved_byte_are_refused(self) -> None:
        for hex_value in (
            "c1",
            "d40100",
            "c70100",
            "c8000100",
            "c900000001",
            "d50100",
            "d6010000000000",
            "d701" + "00" * 8,
            "d801" + "00" * 16,
        ):
            with self.assertRaises(ProtocolError) as ctx:
                codec.unpackb(bytes.fromhex(hex_value))
            self.assertTrue("extension" in str(ctx.exception) or "reserved" in str(ctx.exception))

    def test_truncated_input_raises_quickly(self) -> None:
        full = codec.packb({"type": "decision", "body": {"x": [1, 2.5, "s" * 300, b"\x00" * 70000]}})
        for cut in list(range(0, 40)) + [len(full) - 1, len(full) // 2]:
            with self.assertRaises(ProtocolError):
                codec.unpackb(full[:cut])

    def test_absurd_lengths_never_allocate(self) -> None:
        started = time.monotonic()
        for hex_value in ("dbffffffff", "c6ffffffff", "ddffffffff", "dfffffffff", "dcffff", "deffff"):
            with self.assertRaises(ProtocolError) as ctx:
                codec.unpackb(bytes.fromhex(hex_value) + b"\x00")
            self.assertIn("truncated", str(ctx.exception))
        self.assertLess(time.monotonic() - started, 0.5)

    def test_trailing_bytes_invalid_utf8_and_bad_keys_are_errors(self) -> None:
        with self.assertRaises(ProtocolError):
            codec.unpackb(b"\x01\x02")
        with self.assertRaises(ProtocolError):
            codec.unpackb(b"\xa2\xff\xfe")
        with self.assertRaises(ProtocolError):
            codec.unpackb(b"\x81\x90\x01")  # an array as a map key
        with self.assertRaises(ProtocolError):
            codec.unpackb("not bytes")  # type: ignore[arg-type]

    def test_accepts_bytearray_and_memoryview(self) -> None:
        self.assertEqual(codec.unpackb(bytearray(b"\x81\xa1a\x01")), {"a": 1})
        self.assertEqual(codec.unpackb(memoryview(b"\x93\x01\x02\x03")), [1, 2, 3])


def random_value(rng: random.Random, depth: int = 0):
    """A random msgpack-able value (no NaN: it is not equal to itself)."""
    pick = rng.randrange(10 if depth < 4 else 7)
    if pick == 0:
        return rng.choice([None, True, False])
    if pick == 1:
        return rng.randint(-(2**63), 2**64 - 1) if rng.random() < 0.3 else rng.randint(-300, 70000)
    if pick == 2:
        return rng.uniform(-1e12, 1e12)
    if pick == 3:
        return "".join(
            chr(rng.choice([rng.randint(32, 126), rng.randint(0x80, 0x7FF), 0x2603, 0x1F600]))
            for _ in range(rng.choice([0, 1, 5, 31, 32, 300]))
        )
    if pick in (4, 5):
        return bytes(rng.getrandbits(8) for _ in range(rng.choice([0, 3, 255, 256])))
    if pick == 6:
        return rng.randint(-40, 140)
    if pick in (7, 8):
        return [random_value(rng, depth + 1) for _ in range(rng.choice([0, 1, 15, 16, 20]))]
    return {f"k{rng.randint(0, 999)}": random_value(rng, depth + 1) for _ in range(rng.choice([0, 1, 15, 16, 17]))}


class Fuzz(unittest.TestCase):
    def test_random_round_trips(self) -> None:
        rng = random.Random(1234)
        for _ in range(400):
            value = random_value(rng)
            self.assertEqual(codec.unpackb(codec.packb(value)), value)

    def test_random_garbage_only_raises_protocol_errors(self) -> None:
        rng = random.Random(99)
        started = time.monotonic()
        for _ in range(3000):
            data = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 40)))
            try:
                codec.unpackb(data)
            except ProtocolError:
                pass
        self.assertLess(time.monotonic() - started, 5)

    @unittest.skipUnless(has_module("msgpack"), "needs Debian's python3-msgpack as an independent codec")
    def test_random_values_match_an_independent_implementation_byte_for_byte(self) -> None:
        import msgpack

        rng = random.Random(2024)
        for _ in range(1500):
            value = random_value(rng)
            ours = codec.packb(value)
            self.assertEqual(ours, msgpack.packb(value, use_bin_type=True))
            self.assertEqual(msgpack.unpackb(ours, raw=False, strict_map_key=False), value)
            self.assertEqual(codec.unpackb(msgpack.packb(value, use_bin_type=True)), value)

    def test_the_short_string_cache_is_bounded_and_never_changes_the_bytes(self) -> None:
        words = [f"w{n}" for n in range(3 * codec._CACHE_ENTRIES)]
        first = [codec.packb({w: w}) for w in words]
        self.assertLessEqual(len(codec._STRINGS), codec._CACHE_ENTRIES)
        self.assertEqual([codec.packb({w: w}) for w in words], first)

        class Tag(str):
            pass

        self.assertEqual(codec.packb([Tag("model"), "model"]), b"\x92\xa5model\xa5model")
        long_text = "y" * (codec._CACHED_CHARS + 1)
        codec.packb(long_text)
        self.assertNotIn(long_text, codec._STRINGS)

    def test_a_repeated_array_is_decoded_once_while_its_bytes_stay_the_same(self) -> None:
        codec_decode.repeat("hints_test")
        hints = [{"re": "x" * 40, "i": False}, {"re": "y", "i": True}]
        first = codec.unpackb(codec.packb({"id": 1, "hints_test": hints, "call": "a"}))
        again = codec.unpackb(codec.packb({"id": 2, "hints_test": hints, "call": "b"}))
        self.assertEqual(again, {"id": 2, "hints_test": hints, "call": "b"})
        self.assertIs(again["hints_test"], first["hints_test"])  # not decoded again
        self.assertIs(codec_decode.remembered("hints_test"), first["hints_test"])
        other = codec.unpackb(codec.packb({"hints_test": hints[:1]}))
        self.assertEqual(other["hints_test"], hints[:1])
        self.assertEqual(codec.unpackb(codec.packb({"hints_test": hints}))["hints_test"], hints)
        self.assertIsNot(codec.unpackb(codec.packb({"other": hints}))["other"], first["hints_test"])
        whole = codec.packb({"hints_test": hints})
        for cut in range(1, len(whole)):
            with self.assertRaises(ProtocolError):
                codec.unpackb(whole[:cut])  # a cut copy of the remembered bytes is still refused

    def test_a_repeated_map_is_encoded_once_and_always_to_the_same_bytes(self) -> None:
        codec.repeat_map("maps_test")
        headers = {"content-type": "application/json", "x-n": "1"}
        plain = codec.packb(headers)  # the bytes of the map as any map is encoded
        self.assertEqual(codec.packb({"maps_test": headers}), b"\x81\xa9maps_test" + plain)
        self.assertEqual(codec.packb({"maps_test": dict(headers)}), b"\x81\xa9maps_test" + plain)
        self.assertIn((tuple(headers), tuple(headers.values())), codec._MAPS["maps_test"])
        # Values that compare equal across types (1 == True == 1.0) are never remembered, so never confused.
        for value in ({"x": 1}, {"x": True}, {"x": 1.0}, {"x": 1}):
            self.assertEqual(codec.packb({"maps_test": value}), b"\x81\xa9maps_test" + codec.packb(value))
        self.assertNotIn((("x",), (1,)), codec._MAPS["maps_test"])
        self.assertEqual(codec.packb({"maps_test": {"x": [1]}}), b"\x81\xa9maps_test" + codec.packb({"x": [1]}))
        for n in range(3 * codec._MAPS_ENTRIES):
            codec.packb({"maps_test": {"n": str(n)}})
        self.assertLessEqual(len(codec._MAPS["maps_test"]), codec._MAPS_ENTRIES)

    def test_mutated_messages_only_raise_protocol_errors(self) -> None:
        rng = random.Random(7)
        base = bytearray(codec.packb({"v": 1, "type": "decision", "id": 3, "body": {"a": [1, "x" * 40]}}))
        for _ in range(2000):
            data = bytearray(base)
            for _ in range(rng.randint(1, 4)):
                data[rng.randrange(len(data))] = rng.getrandbits(8)
            try:
                codec.unpackb(bytes(data[: rng.randint(1, len(data))]))
            except ProtocolError:
                pass


if __name__ == "__main__":
    unittest.main()
