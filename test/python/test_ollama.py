"""Ollama's own API on the shim side: /api/chat and /api/generate recognised (for sure on its port, by
the body elsewhere), streamed by default, its counts for usage, its NDJSON stream accounted and filtered
line by line split anywhere, and denials as its bare-string error."""
from __future__ import annotations

import json
import random
import unittest

from . import support  # noqa: F401
from iron_shim import denial, providers, usage
from iron_shim.ollama_stream import NDJSONParser, is_line_stream
from iron_shim.stream_filter import Answer, ChunkFilter
from iron_shim.stream_text import shape_for
from iron_shim.streams import accumulator_for
from iron_shim.tap import StreamTap

CHAT = "http://localhost:11434/api/chat"
DONE = {"prompt_eval_count": 26, "eval_count": 7, "total_duration": 5, "done_reason": "stop"}


def match(url: str):
    return providers.match_url("POST", url, {}.get, ())


def chat_lines(pieces, model="llama3.2"):
    lines = [
        {"model": model, "created_at": "t", "message": {"role": "assistant", "content": p}, "done": False}
        for p in pieces
    ]
    last = {"model": model, "created_at": "t", "message": {"role": "assistant", "content": ""}, "done": True, **DONE}
    return b"".join(json.dumps(x).encode() + b"\n" for x in lines + [last])


def feed_split(tap: StreamTap, data: bytes, seed: int) -> bytes:
    rng, out, pos = random.Random(seed), b"", 0
    while pos < len(data) and not tap.ended:
        step = rng.randint(1, 23)
        out += tap.feed(data[pos : pos + step])
        pos += step
    return out + tap.tail()


class Recognition(unittest.TestCase):
    def test_its_port_for_sure_elsewhere_by_the_body(self) -> None:
        self.assertEqual(match(CHAT), ("ollama", "ollama", "ollama.chat", True, False))
        other = match("http://10.0.0.5:8080/api/generate")
        self.assertEqual((other.endpoint, other.known), ("ollama.generate", False))
        url = "http://10.0.0.5:8080/api/generate"
        self.assertIsNone(providers.inspect(other, url, b'{"model": "m", "text": "x"}'))
        self.assertIsNotNone(providers.inspect(other, url, b'{"model": "m", "prompt": "x"}'))
        self.assertIsNone(providers.match_url("GET", "http://localhost:11434/api/tags", {}.get, ()))
        self.assertTrue(providers.maybe_llm("POST", CHAT))

    def test_streams_unless_told_not_to_and_caps_at_num_predict(self) -> None:
        target = match(CHAT)
        body = {"model": "llama3.2", "messages": [{"role": "user", "content": "hello"}], "options": {"num_predict": 9}}
        info = providers.inspect(target, CHAT, json.dumps(body).encode())
        self.assertEqual((info.model, info.stream, info.est_output, info.est_input), ("llama3.2", True, 9, 2))
        body["stream"] = False
        self.assertFalse(providers.inspect(target, CHAT, json.dumps(body).encode()).stream)


class Responses(unittest.TestCase):
    def test_counts_and_text_of_one_answer(self) -> None:
        body = {"model": "llama3.2", "message": {"role": "assistant", "content": "Hi"}, "done": True, **DONE}
        self.assertEqual(usage.normalise("ollama", usage.usage_of("ollama", body)), usage.make_usage(26, 7))
        self.assertEqual(usage.output_text("ollama", "ollama.chat", body), "Hi")
        generated = {"model": "llama3.2", "response": "Yo", "done": True, "context": [1, 2], **DONE}
        self.assertEqual(usage.output_text("ollama", "ollama.generate", generated), "Yo")
        self.assertEqual(usage.error_text({"error": "model 'x' not found"}), "model 'x' not found")

    def test_denial_is_a_bare_string_error(self) -> None:
        built = denial.build("ollama", denial.Denial("c-1", "IRON_ERR_BUDGET", "budget gone", "budget", 402, None))
        body = json.loads(built.body)
        self.assertEqual((built.status, body["error"]), (402, "iron: budget gone (IRON_ERR_BUDGET)"))


class Streams(unittest.TestCase):
    def test_parser_gives_lines_split_anywhere_with_their_bytes(self) -> None:
        data = chat_lines(["Hel", "lo"]) + b'{"partial": '
        for seed in range(10):
            parser, events, rng, pos = NDJSONParser(), [], random.Random(seed), 0
            while pos < len(data):
                step = rng.randint(1, 9)
                events += parser.feed(data[pos : pos + step])
                pos += step
            self.assertEqual(len(events), 3)
            self.assertEqual(b"".join(e.raw for e in events) + parser.flush().raw, data)

    def test_accounting_reads_text_model_and_the_done_counts(self) -> None:
        reports = []
        tap = StreamTap(accumulator_for("ollama", "ollama.chat"), lambda *a: reports.append(a))
        data = chat_lines(["Hel", "lo"])
        self.assertEqual(feed_split(tap, data, 1), data)
        tap.finish()
        result, complete, error = reports[0]
        self.assertEqual((result.output, result.model, complete, error), ("Hello", "llama3.2", True, None))
        self.assertEqual(result.usage, usage.make_usage(26, 7))

    def test_an_error_line_is_the_stream_error(self) -> None:
        reports = []
        tap = StreamTap(accumulator_for("ollama", "ollama.generate"), lambda *a: reports.append(a))
        tap.feed(b'{"model":"m","response":"a","done":false}\n{"error":"out of memory"}\n')
        tap.finish()
        self.assertEqual(reports[0][1:], (False, "out of memory"))

    def test_filter_rewrites_lines_and_ends_with_an_error_line(self) -> None:
        asks = []

        def ask(request):
            asks.append(request)
            if "DENY" in request.texts:
                kept = tuple(t.upper() for t in request.texts[: request.texts.index("DENY")])
                return Answer("deny", kept, "", "IRON_ERR_PII", "no", "safety", 403)
            return Answer("allow", tuple(t.upper() for t in request.texts))

        def deny_event(answer, sequence):
            error, iron = denial.error_parts(
                "ollama", denial.Denial("c-1", answer.code, answer.reason, None, 403, None)
            )
            return shape_for("ollama", "ollama.chat").error_event(error, iron, sequence)

        for pieces, tail in ((["he", "llo"], None), (["ok", "DENY"], "iron: no (IRON_ERR_PII)")):
            asks.clear()
            chunks = ChunkFilter(shape_for("ollama", "ollama.chat"), deny_event)
            tap = StreamTap(accumulator_for("ollama", "ollama.chat"), lambda *a: None, chunks=chunks, ask=ask)
            lines = [json.loads(x) for x in feed_split(tap, chat_lines(pieces), 4).splitlines()]
            if tail is None:
                self.assertEqual([x["message"]["content"] for x in lines], ["HE", "LLO", ""])
                self.assertEqual((lines[-1]["done"], lines[-1]["eval_count"]), (True, 7))
                self.assertTrue(asks[-1].done)
            else:
                self.assertEqual([x.get("error") for x in lines], [None, tail])

    def test_only_ollama_ndjson_is_a_line_stream(self) -> None:
        class Call:
            kind = "ollama"

        self.assertTrue(is_line_stream(Call(), "application/x-ndjson"))
        self.assertFalse(is_line_stream(Call(), "application/json; charset=utf-8"))
        Call.kind = "openai"
        self.assertFalse(is_line_stream(Call(), "application/x-ndjson"))


if __name__ == "__main__":
    unittest.main()
