"""Gemini on the shim side: recognition on any host, the model from the path, usageMetadata for exact
spend, output text (thoughts left out), the SSE stream, denials in Gemini's error shape, secrets scrubbed."""
from __future__ import annotations

import json
import unittest

from . import support  # noqa: F401
from iron_shim import denial, providers, scrub, usage
from iron_shim.sse import SSEEvent
from iron_shim.stream_text import shape_for
from iron_shim.streams import accumulator_for

BASE = "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash"
BODY = {
    "contents": [{"role": "user", "parts": [{"text": "hello"}, {"text": "there"}]}],
    "systemInstruction": {"parts": [{"text": "be brief"}]},
    "generationConfig": {"maxOutputTokens": 64},
}
USAGE = {
    "promptTokenCount": 120,
    "candidatesTokenCount": 30,
    "cachedContentTokenCount": 100,
    "thoughtsTokenCount": 12,
    "totalTokenCount": 162,
}


def match(url: str, method: str = "POST"):
    return providers.match_url(method, url, {}.get, ())


def event(obj) -> SSEEvent:
    data = json.dumps(obj)
    return SSEEvent(None, data, ("data: " + data + "\r\n\r\n").encode())


class Recognition(unittest.TestCase):
    def test_both_methods_on_any_host(self) -> None:
        for url in (BASE + ":generateContent", "http://127.0.0.1:9/v1beta/models/gemini-2.5-flash:generateContent"):
            self.assertEqual(match(url), ("gemini", "gemini", "generateContent", True, False))
        streamed = match(BASE + ":streamGenerateContent?alt=sse&key=AIza-secret")
        self.assertEqual((streamed.provider, streamed.endpoint), ("gemini", "streamGenerateContent"))
        self.assertTrue(providers.maybe_llm("POST", "http://localhost/v1/models/m:streamGenerateContent"))

    def test_other_methods_pass(self) -> None:
        for url, method in ((BASE + ":countTokens", "POST"), (BASE, "GET"), (BASE + ":generateContent", "GET")):
            self.assertIsNone(match(url, method), url)

    def test_model_from_path_stream_from_method_cap_from_generation_config(self) -> None:
        url = BASE + ":streamGenerateContent?alt=sse"
        info = providers.inspect(match(url), url, json.dumps(BODY).encode())
        self.assertEqual((info.model, info.stream, info.est_output), ("gemini-2.5-flash", True, 64))
        self.assertEqual(info.est_input, (len("hellotherebe brief") + 3) // 4)


class Responses(unittest.TestCase):
    def test_usage_is_exact(self) -> None:
        body = {"candidates": [{"content": {"parts": [{"text": "hi"}]}}], "usageMetadata": USAGE}
        self.assertEqual(
            usage.normalise("gemini", usage.usage_of("gemini", body)),
            usage.make_usage(120, 42, 100, 0, 12),
        )

    def test_output_text_leaves_thoughts_out_and_reads_json_array_streams(self) -> None:
        parts = [{"text": "thinking...", "thought": True}, {"text": "Hello"}, {"text": " world"}]
        body = {"candidates": [{"content": {"role": "model", "parts": parts}, "index": 0}], "modelVersion": "g-1"}
        self.assertEqual(usage.output_text("gemini", "generateContent", body), "Hello world")
        self.assertEqual(usage.response_model(body), "g-1")
        chunks = [body, {"candidates": [{"content": {"parts": [{"text": "!"}]}}], "usageMetadata": USAGE}]
        self.assertEqual(usage.output_text("gemini", "streamGenerateContent", chunks), "Hello world!")
        self.assertEqual(usage.usage_of("gemini", chunks), USAGE)

    def test_error_body(self) -> None:
        body = {"error": {"code": 400, "message": "API key not valid.", "status": "INVALID_ARGUMENT"}}
        self.assertEqual(usage.error_text(body), "API key not valid.")


class Streams(unittest.TestCase):
    def test_accumulator_takes_the_last_usage(self) -> None:
        acc = accumulator_for("gemini", "streamGenerateContent")
        acc.on_event(
            event(
                {
                    "candidates": [{"content": {"parts": [{"text": "Hel"}]}, "index": 0}],
                    "usageMetadata": {"promptTokenCount": 120},
                }
            )
        )
        acc.on_event(
            event(
                {
                    "candidates": [{"content": {"parts": [{"text": "lo"}]}, "finishReason": "STOP", "index": 0}],
                    "usageMetadata": USAGE,
                    "modelVersion": "gemini-2.5-flash",
                }
            )
        )
        result = acc.result()
        self.assertEqual((result.output, result.model, result.done), ("Hello", "gemini-2.5-flash", True))
        self.assertEqual(result.usage, usage.make_usage(120, 42, 100, 0, 12))

    def test_shape_finds_and_replaces_text(self) -> None:
        shape = shape_for("gemini", "streamGenerateContent")
        obj = {
            "candidates": [{"content": {"parts": [{"text": "a", "thought": True}, {"text": "b"}]}, "index": 0}],
            "usageMetadata": USAGE,
        }
        self.assertEqual(shape.deltas("", obj), [((0, 1), "b")])
        shape.set_text(obj, (0, 1), "B")
        self.assertEqual(obj["candidates"][0]["content"]["parts"][1]["text"], "B")
        extra = shape.remainder(obj, (0, 1), "rest")
        self.assertEqual(extra, {"candidates": [{"content": {"parts": [{"text": "rest"}]}, "index": 0}]})
        self.assertFalse(shape.closes("", obj))
        obj["candidates"][0]["finishReason"] = "STOP"
        self.assertTrue(shape.closes("", obj))


class Denials(unittest.TestCase):
    def test_gemini_error_shape(self) -> None:
        for status, grpc in (
            (402, "FAILED_PRECONDITION"),
            (403, "PERMISSION_DENIED"),
            (429, "RESOURCE_EXHAUSTED"),
            (503, "UNAVAILABLE"),
            (502, "INTERNAL"),
        ):
            built = denial.build("gemini", denial.Denial("c-1", "IRON_ERR_BUDGET", "budget gone", "budget", status, 2))
            body = json.loads(built.body)
            self.assertEqual(set(body["error"]), {"code", "message", "status"})
            self.assertEqual((built.status, body["error"]["code"], body["error"]["status"]), (status, status, grpc))
            self.assertIn("IRON_ERR_BUDGET", body["error"]["message"])


class Secrets(unittest.TestCase):
    def test_key_header_and_query_parameter_are_dropped(self) -> None:
        kept = scrub.headers([("x-goog-api-key", "AIza-secret"), ("content-type", "application/json")])
        self.assertEqual(kept, {"content-type": "application/json"})
        self.assertEqual(
            scrub.url(BASE + ":streamGenerateContent?alt=sse&key=AIza-secret"), BASE + ":streamGenerateContent?alt=sse"
        )


if __name__ == "__main__":
    unittest.main()
