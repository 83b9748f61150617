"""SSE parsing split anywhere, per-provider reassembly, and the include_usage add/strip being invisible."""
from __future__ import annotations

import json
import random
import unittest

from . import support  # noqa: F401
from .llm_server import anthropic_sse, chat_sse, responses_sse
from iron_shim.sse import SSEParser
from iron_shim.streams import _remove_usage_null, accumulator_for
from iron_shim.tap import StreamTap
from iron_shim.usage import make_usage


def split_feed(parser: SSEParser, data: bytes, rng: random.Random):
    """Feeds data in random pieces, returning every event."""
    events, pos = [], 0
    while pos < len(data):
        step = rng.randint(1, 17)
        events += parser.feed(data[pos : pos + step])
        pos += step
    return events


class Parser(unittest.TestCase):
    def test_fields_multiline_data_comments_and_crlf(self) -> None:
        data = b": keep-alive\r\nevent: a\r\ndata: one\r\ndata:two\r\nid: 7\r\n\r\ndata: {}\n\n\n"
        events = SSEParser().feed(data)
        self.assertEqual([(e.event, e.data) for e in events], [("a", "one\ntwo"), ("", "{}"), ("", None)])
        self.assertEqual(b"".join(e.raw for e in events), data)

    def test_random_splits_give_the_same_events_and_bytes(self) -> None:
        data = "".join(chat_sse(True) + anthropic_sse()).replace("\n", "\r\n").encode()
        expected = SSEParser().feed(data)
        rng = random.Random(3)
        for _ in range(30):
            got = split_feed(SSEParser(), data, rng)
            self.assertEqual(got, expected)
            self.assertEqual(b"".join(e.raw for e in got), data)

    def test_whole_data_blocks_parse_as_line_by_line_does(self) -> None:
        """A read of whole `data: ` blocks (with or without an `event: ` line) is split at once; every other
        shape, and a read that ends inside a block, goes line by line: the events, bytes and flush() agree."""

        class LineByLine(SSEParser):
            def _data_blocks(self, chunk):  # the general path only
                return None

        samples = [
            "".join(chat_sse(True) + anthropic_sse() + responses_sse()),
            'data: {"a":1}\n\ndata: x\n\n\ndata: y\n\n',
            "data:tight\n\ndata: \n\nevent: e:f\ndata: z\n\n: ping\n\nevent: a\ndata: 1\ndata: 2\n\n",
            "data: one\n\ndata: unfinished\n",
            "data: one\n\nevent: only\n\nid: 3\ndata: two\n\ndata: tail",
        ]
        rng = random.Random(5)
        for text in samples:
            data = text.encode()
            for _ in range(40):
                cuts = sorted(rng.sample(range(1, len(data)), min(len(data) - 1, rng.randint(0, 6))))
                pieces = [data[a:b] for a, b in zip([0] + cuts, cuts + [len(data)])]
                fast, slow = SSEParser(), LineByLine()
                got = [e for piece in pieces for e in fast.feed(piece)] + [fast.flush()]
                want = [e for piece in pieces for e in slow.feed(piece)] + [slow.flush()]
                self.assertEqual(got, want, pieces)

    def test_unfinished_last_event_is_flushed_leniently(self) -> None:
        parser = SSEParser()
        self.assertEqual(parser.feed(b"data: [DONE]"), [])
        event = parser.flush()
        self.assertEqual((event.data, event.raw), ("[DONE]", b"data: [DONE]"))


def run(kind: str, endpoint: str, events, strip: bool = False):
    acc = accumulator_for(kind, endpoint, strip)
    out = bytearray()
    rng = random.Random(11)
    parser = SSEParser()
    for event in split_feed(parser, "".join(events).encode(), rng):
        replacement = acc.on_event(event)
        out += event.raw if replacement is None else replacement
    return acc.result(), bytes(out)


class Accumulators(unittest.TestCase):
    def test_openai_chat_text_usage_and_done(self) -> None:
        result, _ = run("openai", "chat.completions", chat_sse(True))
        self.assertEqual((result.output, result.done, result.model), ("Hello!", True, "gpt-4o-mini-2024-07-18"))
        self.assertEqual(result.usage, make_usage(9, 3))

    def test_openai_chat_without_include_usage_has_no_usage(self) -> None:
        result, _ = run("openai", "chat.completions", chat_sse(False))
        self.assertEqual((result.output, result.usage), ("Hello!", None))

    def test_strip_makes_the_stream_identical_to_one_without_include_usage(self) -> None:
        result, seen = run("openai", "chat.completions", chat_sse(True), strip=True)
        self.assertEqual(seen, "".join(chat_sse(False)).encode())
        self.assertEqual(result.usage, make_usage(9, 3))

    def test_strip_handles_spaced_json_and_usage_first(self) -> None:
        spaced = "data: " + json.dumps({"choices": [{"delta": {"content": "x"}}], "usage": None}) + "\n\n"
        first = 'data: {"usage": null, "choices": []}\n\n'
        _, seen = run("openai", "chat.completions", [spaced, first, "data: [DONE]\n\n"], strip=True)
        self.assertEqual(
            seen,
            (
                'data: {"choices": [{"delta": {"content": "x"}}]}\n\n' 'data: {"choices": []}\n\ndata: [DONE]\n\n'
            ).encode(),
        )

    def test_strip_takes_the_top_level_usage_whatever_its_spelling_or_place(self) -> None:
        """The compact spelling is cut without a regex; a nested "usage" or a spaced one still goes by the
        regex, and only the top-level (last) "usage": null is removed."""
        cases = {
            '{"a":1,"usage":null,"b":2}': '{"a":1,"b":2}',
            '{"a":1,"usage":null}': '{"a":1}',
            '{"a":{"usage":null},"usage":null}': '{"a":{"usage":null}}',
            '{"a":1,"usage":null ,"b":2}': '{"a":1 ,"b":2}',
            '{"a":1, "usage": null}': '{"a":1}',
        }
        for raw, kept in cases.items():
            out = _remove_usage_null(f"data: {raw}\n\n".encode(), json.loads(raw))
            self.assertEqual(out, f"data: {kept}\n\n".encode(), raw)

    def test_responses_stream(self) -> None:
        result, _ = run("openai", "responses", responses_sse())
        self.assertEqual((result.output, result.done, result.model), ("Hi there", True, "gpt-4.1-2025-04-14"))
        self.assertEqual(result.usage, make_usage(12, 5, 4, 0, 2))

    def test_responses_failure_is_an_error(self) -> None:
        failed = 'event: response.failed\ndata: {"type":"response.failed","response":{"error":{"message":"boom"}}}\n\n'
        result, _ = run("openai", "responses", [failed])
        self.assertEqual(result.error, "boom")

    def test_anthropic_stream_takes_the_last_cumulative_output_tokens(self) -> None:
        events = anthropic_sse()
        extra = 'event: message_delta\ndata: {"type":"message_delta","delta":{},' '"usage":{"output_tokens":21}}\n\n'
        result, seen = run("anthropic", "messages", events[:-1] + [extra, events[-1]])
        self.assertEqual((result.output, result.done, result.model), ("Hello!", True, "claude-3-5-sonnet-20241022"))
        self.assertEqual(result.usage, make_usage(30, 21, 5, 0, 0))  # 25 + 5 cache reads
        self.assertEqual(seen, "".join(events[:-1] + [extra, events[-1]]).encode())

    def test_errors_mid_stream_are_recorded(self) -> None:
        err = 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n'
        result, _ = run("anthropic", "messages", anthropic_sse()[:3] + [err])
        self.assertEqual((result.error, result.done), ("Overloaded", False))
        result, _ = run("openai", "chat.completions", chat_sse(False)[:2] + ['data: {"error": {"message": "x"}}\n\n'])
        self.assertEqual(result.error, "x")


class Tap(unittest.TestCase):
    def test_reports_exactly_once_and_incomplete_when_cut_short(self) -> None:
        reports = []
        tap = StreamTap(accumulator_for("openai", "chat.completions"), lambda r, c, e: reports.append((r, c, e)))
        for event in chat_sse(False)[:3]:
            self.assertEqual(tap.feed(event.encode()), event.encode())
        tap.finish()
        tap.finish()
        self.assertEqual(len(reports), 1)
        self.assertEqual((reports[0][0].output, reports[0][1]), ("Hello", False))

    def test_gzip_streams_are_accounted_and_passed_through_untouched(self) -> None:
        import gzip

        raw = gzip.compress("".join(chat_sse(True)).encode())
        reports = []
        tap = StreamTap(accumulator_for("openai", "chat.completions"), lambda *a: reports.append(a), encoding="gzip")
        self.assertFalse(tap.rewrite or tap.decoded)
        out = tap.feed(raw[:10]) + tap.feed(raw[10:])
        tap.finish()
        self.assertEqual(out, raw)
        self.assertEqual((reports[0][0].output, reports[0][1]), ("Hello!", True))

    def test_a_rewritten_gzip_stream_comes_out_decoded(self) -> None:
        import gzip

        raw = gzip.compress("".join(chat_sse(True)).encode())
        reports = []
        tap = StreamTap(
            accumulator_for("openai", "chat.completions", True),
            lambda *a: reports.append(a),
            encoding="gzip",
            rewrite=True,
        )
        self.assertTrue(tap.rewrite and tap.decoded)  # the wrapper drops content-encoding
        out = tap.feed(raw[:10]) + tap.feed(raw[10:]) + tap.tail()
        tap.finish()
        self.assertEqual(out, "".join(chat_sse(False)).encode())
        self.assertEqual((reports[0][0].usage["output_tokens"], reports[0][1]), (3, True))

    def test_an_encoding_the_shim_cannot_read_passes_untouched_unless_it_must_be_filtered(self) -> None:
        tap = StreamTap(
            accumulator_for("openai", "chat.completions", True), lambda *a: None, encoding="br", rewrite=True
        )
        self.assertEqual((tap.rewrite, tap.ended, tap.feed(b"\x1b\x00")), (False, False, b"\x1b\x00"))
        from iron_shim.stream_filter import ChunkFilter
        from iron_shim.stream_text import shape_for

        reports = []
        chunks = ChunkFilter(shape_for("openai", "chat.completions"), lambda answer, seq: b"")
        tap = StreamTap(
            accumulator_for("openai", "chat.completions"), lambda *a: reports.append(a), encoding="br", chunks=chunks
        )
        self.assertTrue(tap.ended)
        self.assertEqual(tap.feed(b"\x1b\x00"), b"")
        tap.finish()
        self.assertEqual(
            reports[0][1:],
            (False, "iron: content-encoding 'br' cannot be read by the shim; " "the stream cannot be filtered"),
        )

    def test_a_broken_accumulator_never_breaks_the_stream(self) -> None:
        class Broken:
            def on_event(self, event):
                raise RuntimeError("bug")

            def result(self):
                raise RuntimeError("bug")

        tap = StreamTap(Broken(), lambda *a: None)  # type: ignore[arg-type]
        import iron_shim.internal as internal

        strict = internal.is_strict()
        internal.configure(False, False)
        try:
            self.assertEqual(tap.feed(b"data: {}\n\n"), b"data: {}\n\n")
            tap.finish()
        finally:
            internal.configure(strict, False)


if __name__ == "__main__":
    unittest.main()
