"""ZMTP 3.1 pieces: peer validation with clear errors, frames split anywhere, size limits, fuzzed parsing."""
from __future__ import annotations

import random
import struct
import unittest

from . import support  # noqa: F401
from iron_shim import zmtp
from iron_shim.errors import ProtocolError


class Greeting(unittest.TestCase):
    def test_our_greeting_is_null_3_1_client(self) -> None:
        g = zmtp.parse_greeting(zmtp.GREETING)
        self.assertEqual((g.major, g.minor, g.mechanism, g.as_server), (3, 1, "NULL", False))
        self.assertEqual(len(zmtp.GREETING), 64)

    def test_peer_greeting_refusals_say_why(self) -> None:
        bad_sig = b"\x00" + zmtp.GREETING[1:]
        v2 = zmtp.GREETING[:10] + b"\x02\x00" + zmtp.GREETING[12:]
        curve = zmtp.GREETING[:12] + b"CURVE".ljust(20, b"\x00") + zmtp.GREETING[32:]
        for data, word in ((bad_sig, "signature"), (v2, "ZMTP 2.0"), (curve, "CURVE"), (zmtp.GREETING[:30], "64")):
            with self.assertRaises(ProtocolError) as ctx:
                zmtp.parse_greeting(data)
            self.assertIn(word, str(ctx.exception))

    def test_newer_minor_and_major_versions_are_accepted(self) -> None:
        self.assertEqual(zmtp.parse_greeting(zmtp.GREETING[:10] + b"\x03\x00" + zmtp.GREETING[12:]).minor, 0)


class Ready(unittest.TestCase):
    def test_identity_is_random_16_bytes_with_non_zero_first_byte(self) -> None:
        ids = {zmtp.new_identity() for _ in range(300)}
        self.assertEqual(len(ids), 300)
        self.assertTrue(all(len(i) == 16 and i[0] != 0 for i in ids))

    def test_peer_must_be_a_router(self) -> None:
        dealer = zmtp.FrameParser().feed(zmtp.build_ready("DEALER", b""))[0]
        with self.assertRaises(ProtocolError) as ctx:
            zmtp.check_ready(dealer, "ROUTER")
        self.assertIn("'DEALER'", str(ctx.exception))
        error = zmtp.FrameParser().feed(zmtp.build_error("no"))[0]
        with self.assertRaises(ProtocolError):
            zmtp.check_ready(error)
        message = zmtp.Frame(False, None, b"x")
        with self.assertRaises(ProtocolError):
            zmtp.check_ready(message)

    def test_truncated_properties_are_refused(self) -> None:
        props = zmtp.encode_properties({"Socket-Type": b"ROUTER"})
        for cut in range(1, len(props)):
            with self.assertRaises(ProtocolError):
                zmtp.parse_properties(props[:cut])


class Frames(unittest.TestCase):
    def test_long_frames_above_255_bytes(self) -> None:
        body = b"z" * 256
        data = zmtp.encode_frame(body)
        self.assertEqual(data[:9], b"\x02" + struct.pack(">Q", 256))
        self.assertEqual(zmtp.FrameParser().feed(data)[0].body, body)

    def test_a_frame_larger_than_the_maximum_closes_without_allocating(self) -> None:
        parser = zmtp.FrameParser()
        with self.assertRaises(ProtocolError) as ctx:
            parser.feed(b"\x02" + struct.pack(">Q", zmtp.MAX_FRAME_BYTES + 1) + b"x")
        self.assertIn("exceeds", str(ctx.exception))
        with self.assertRaises(ProtocolError):
            zmtp.encode_frame(b"\x00" * (zmtp.MAX_FRAME_BYTES + 1))

    def test_one_whole_short_frame_parses_like_any_other(self) -> None:
        # The one-short-frame shortcut keeps the maximum, and leaves every other shape to the general parse.
        with self.assertRaises(ProtocolError):
            zmtp.FrameParser(max_frame=4).feed(b"\x00\x05hello")
        self.assertEqual(zmtp.FrameParser().feed(b"\x00\x05hello"), [zmtp.Frame(False, None, b"hello")])
        self.assertEqual(zmtp.FrameParser().feed(bytearray(b"\x00\x00")), [zmtp.Frame(False, None, b"")])
        parser = zmtp.FrameParser()
        self.assertEqual(parser.feed(b"\x00\x05hel"), [])
        self.assertEqual(parser.feed(b"lo"), [zmtp.Frame(False, None, b"hello")])  # not taken for the rest
        frames = zmtp.FrameParser().feed(b"\x01\x01a\x00\x01b")
        self.assertEqual(frames, [zmtp.Frame(True, None, b"a"), zmtp.Frame(False, None, b"b")])
        self.assertEqual(type(frames[1].body), bytes)

    def test_reserved_flags_and_commands_with_more_are_errors(self) -> None:
        with self.assertRaises(ProtocolError):
            zmtp.FrameParser().feed(b"\x08\x00")
        with self.assertRaises(ProtocolError):
            zmtp.FrameParser().feed(b"\x05\x05\x04PING")
        with self.assertRaises(ProtocolError):
            zmtp.FrameParser().feed(b"\x04\x00")  # a command with no name

    def test_partial_input_waits_for_more(self) -> None:
        parser = zmtp.FrameParser()
        self.assertEqual(parser.feed(b"\x02\x00\x00"), [])
        self.assertEqual(parser.feed(b"\x00\x00\x00\x00\x00\x01"), [])
        self.assertEqual(parser.feed(b"A\x00"), [zmtp.Frame(False, None, b"A")])
        self.assertEqual(parser.pending(), 1)


class Fuzz(unittest.TestCase):
    def test_streams_split_at_random_points_parse_identically(self) -> None:
        rng = random.Random(42)
        for _ in range(60):
            expected = []
            wire = bytearray()
            for _ in range(rng.randint(1, 25)):
                if rng.random() < 0.2:
                    ttl, ctx = rng.randint(0, 65535), bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 16)))
                    wire += zmtp.build_ping(ttl, ctx)
                    expected.append(zmtp.Frame(False, "PING", struct.pack(">H", ttl) + ctx))
                else:
                    body = bytes(rng.getrandbits(8) for _ in range(rng.choice([0, 1, 100, 255, 256, 3000])))
                    more = rng.random() < 0.3
                    wire += zmtp.encode_frame(body, more)
                    expected.append(zmtp.Frame(more, None, body))
            parser, got, pos = zmtp.FrameParser(), [], 0
            while pos < len(wire):
                step = rng.randint(1, 700)
                got += parser.feed(bytes(wire[pos : pos + step]))
                pos += step
            self.assertEqual(got, expected)
            self.assertEqual(parser.pending(), 0)

    def test_mutated_streams_yield_frames_or_a_protocol_error(self) -> None:
        rng = random.Random(11)
        good = bytearray()
        for n in (0, 1, 255, 256, 1000):
            good += zmtp.encode_frame(bytes(rng.getrandbits(8) for _ in range(n)), more=n == 1)
        good += zmtp.build_ping(50, b"ctx") + zmtp.build_ready("ROUTER", b"")
        for _ in range(400):
            data = bytearray(good)
            for _ in range(rng.randint(1, 5)):
                data[rng.randrange(len(data))] = rng.getrandbits(8)
            parser = zmtp.FrameParser(max_frame=4096)  # a mutated length beyond this must not be awaited
            try:
                pos = 0
                while pos < len(data):
                    step = rng.randint(1, 300)
                    for frame in parser.feed(bytes(data[pos : pos + step])):
                        self.assertIsInstance(frame.body, bytes)
                    pos += step
            except ProtocolError:
                continue
            self.assertLessEqual(parser.pending(), 4096 + 9)

    def test_garbage_never_hangs_or_crashes_otherwise(self) -> None:
        rng = random.Random(5)
        for _ in range(2000):
            try:
                zmtp.FrameParser().feed(bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 30))))
            except ProtocolError:
                pass


if __name__ == "__main__":
    unittest.main()
