"""Recognition of LLM calls (and fast None for everything else), extraction, usage/output, secret scrubbing."""
from __future__ import annotations

import json
import unittest

from . import support  # noqa: F401
from iron_shim import providers, scrub, usage
from iron_shim.settings import ProviderConfig


def match(url, method="POST", headers=None, configured=()):
    hdrs = {k.lower(): v for k, v in (headers or {}).items()}
    return providers.match_url(method, url, hdrs.get, configured)


class Recognition(unittest.TestCase):
    def test_known_hosts(self) -> None:
        self.assertEqual(
            match("https://api.openai.com/v1/chat/completions")[:3], ("openai", "openai", "chat.completions")
        )
        self.assertEqual(match("https://api.openai.com/v1/responses").endpoint, "responses")
        self.assertEqual(match("https://api.openai.com/v1/completions").endpoint, "completions")
        self.assertEqual(match("https://api.openai.com/v1/embeddings").endpoint, "embeddings")
        self.assertEqual(match("https://api.anthropic.com/v1/messages")[:3], ("anthropic", "anthropic", "messages"))
        azure = match("https://x.openai.azure.com/openai/deployments/gpt4o/chat/completions?api-version=2024-06-01")
        self.assertEqual((azure.provider, azure.endpoint, azure.known), ("azure", "chat.completions", True))

    def test_everything_else_is_none(self) -> None:
        for url, method in (
            ("https://api.openai.com/v1/chat/completions", "GET"),
            ("https://api.openai.com/v1/files", "POST"),
            ("https://api.openai.com/v1/models", "GET"),
            ("https://api.anthropic.com/v1/messages/count_tokens", "POST"),
            ("https://api.anthropic.com/v1/messages/batches", "POST"),
            ("https://example.com/messages", "POST"),
            ("https://example.com/v1/upload", "POST"),
        ):
            self.assertIsNone(match(url, method), url)

    def test_path_heuristics_on_any_host(self) -> None:
        self.assertEqual(match("http://localhost:11434/v1/chat/completions").known, False)
        self.assertEqual(match("http://gw.local/v1/messages").kind, "anthropic")
        self.assertEqual(
            match("http://gw.local/api/messages", headers={"anthropic-version": "2023-06-01"}).kind, "anthropic"
        )

    def test_configured_base_urls(self) -> None:
        cfg = (
            ProviderConfig("vllm", "openai", "http://10.0.0.5:8000/v1"),
            ProviderConfig("claude-gw", "anthropic", "https://gw.example/anthropic"),
        )
        t = match("http://10.0.0.5:8000/v1/chat/completions", configured=cfg)
        self.assertEqual((t.provider, t.known, t.add_usage), ("vllm", True, True))
        self.assertEqual(match("https://gw.example/anthropic/v1/messages", configured=cfg).provider, "claude-gw")
        self.assertEqual(match("http://10.0.0.5:8000/v10/chat/completions", configured=cfg).provider, "openai")

    def test_a_repeated_url_matches_as_the_first_time(self) -> None:
        # Matches are remembered per URL and provider list; one that asked a header is asked again each time.
        cfg = (ProviderConfig("vllm", "openai", "http://10.0.0.5:8000/v1"),)
        url = "http://10.0.0.5:8000/v1/chat/completions"
        for _ in range(2):
            self.assertEqual(match(url, configured=cfg).provider, "vllm")
            self.assertEqual(match(url).provider, "openai")
            self.assertIsNone(match(url, method="GET", configured=cfg))
        gateway = "http://gw.local/api/messages"
        for _ in range(2):
            self.assertEqual(match(gateway, headers={"anthropic-version": "2023-06-01"}).kind, "anthropic")
            self.assertIsNone(match(gateway))
        self.assertEqual(match(url, configured=list(cfg)).provider, "vllm")  # an unhashable list works too

    def test_unknown_hosts_need_a_json_body_with_a_model(self) -> None:
        t = match("http://app.local/api/completions")
        self.assertIsNone(providers.inspect(t, "http://app.local/api/completions", b'{"text": "hi"}'))
        self.assertIsNone(providers.inspect(t, "http://app.local/api/completions", b"not json"))
        self.assertIsNotNone(providers.inspect(t, "http://app.local/api/completions", b'{"model": "m"}'))


class Extraction(unittest.TestCase):
    def test_model_stream_and_token_estimates(self) -> None:
        body = {
            "model": "gpt-4o-mini",
            "stream": True,
            "max_completion_tokens": 50,
            "messages": [
                {"role": "system", "content": "x" * 40},
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "y" * 40},
                        {"type": "image_url", "image_url": {"url": "data:image/png;base64," + "A" * 9999}},
                    ],
                },
            ],
        }
        url = "https://api.openai.com/v1/chat/completions"
        info = providers.inspect(match(url), url, json.dumps(body).encode())
        self.assertEqual((info.model, info.stream, info.est_output), ("gpt-4o-mini", True, 50))
        self.assertEqual(info.est_input, 20)

    def test_anthropic_and_responses_fields(self) -> None:
        url = "https://api.anthropic.com/v1/messages"
        info = providers.inspect(
            match(url),
            url,
            json.dumps({"model": "claude-3-5-haiku", "max_tokens": 1024, "system": "abcd", "messages": []}).encode(),
        )
        self.assertEqual((info.est_input, info.est_output, info.stream), (1, 1024, False))
        url = "https://api.openai.com/v1/responses"
        info = providers.inspect(match(url), url, b'{"model": "o4-mini", "input": "12345678", "max_output_tokens": 9}')
        self.assertEqual((info.est_input, info.est_output), (2, 9))

    def test_azure_model_comes_from_the_deployment(self) -> None:
        url = "https://x.openai.azure.com/openai/deployments/my-gpt/chat/completions?api-version=1"
        self.assertEqual(providers.inspect(match(url), url, b'{"messages": []}').model, "my-gpt")


class Usage(unittest.TestCase):
    def test_openai_chat_usage(self) -> None:
        u = usage.normalise(
            "openai",
            {
                "prompt_tokens": 10,
                "completion_tokens": 5,
                "total_tokens": 15,
                "prompt_tokens_details": {"cached_tokens": 4},
                "completion_tokens_details": {"reasoning_tokens": 2},
            },
        )
        self.assertEqual(u, usage.make_usage(10, 5, 4, 0, 2))
        self.assertEqual(usage.normalise("openai", {"prompt_tokens": 3, "total_tokens": 3}), usage.make_usage(3))

    def test_responses_usage(self) -> None:
        u = usage.normalise(
            "openai",
            {
                "input_tokens": 12,
                "output_tokens": 5,
                "input_tokens_details": {"cached_tokens": 4},
                "output_tokens_details": {"reasoning_tokens": 2},
            },
        )
        self.assertEqual(u, usage.make_usage(12, 5, 4, 0, 2))

    def test_anthropic_usage(self) -> None:
        u = usage.normalise(
            "anthropic",
            {"input_tokens": 25, "output_tokens": 15, "cache_creation_input_tokens": 3, "cache_read_input_tokens": 7},
        )
        self.assertEqual(u, usage.make_usage(35, 15, 7, 3, 0))  # 25 + 7 read + 3 written
        self.assertIsNone(usage.normalise("openai", None))

    def test_output_text(self) -> None:
        chat = {"choices": [{"message": {"content": "a"}}, {"message": {"content": "b"}}]}
        self.assertEqual(usage.output_text("openai", "chat.completions", chat), "a\nb")
        self.assertEqual(usage.output_text("openai", "completions", {"choices": [{"text": "t"}]}), "t")
        resp = {
            "output": [{"type": "reasoning"}, {"type": "message", "content": [{"type": "output_text", "text": "hi"}]}]
        }
        self.assertEqual(usage.output_text("openai", "responses", resp), "hi")
        claude = {"content": [{"type": "text", "text": "x"}, {"type": "tool_use"}, {"type": "text", "text": "y"}]}
        self.assertEqual(usage.output_text("anthropic", "messages", claude), "xy")
        self.assertEqual(usage.output_text("openai", "embeddings", {"data": []}), "")


class Scrub(unittest.TestCase):
    def test_credentials_never_leave_in_headers(self) -> None:
        got = scrub.headers(
            [
                ("Authorization", "Bearer sk-1"),
                ("X-Api-Key", "k"),
                (b"api-key", b"k"),
                ("Cookie", "c"),
                ("Proxy-Authorization", "p"),
                ("X-My-Token", "t"),
                ("OpenAI-Organization", "org"),
                ("x-secret-thing", "s"),
                ("X-Goog-Auth-User", "a"),
                ("Content-Type", "application/json"),
                ("anthropic-version", "2023-06-01"),
                ("Accept", "a"),
                ("accept", "b"),
            ]
        )
        self.assertEqual(
            got,
            {
                "openai-organization": "org",
                "content-type": "application/json",
                "anthropic-version": "2023-06-01",
                "accept": "a, b",
            },
        )

    def test_a_repeated_header_set_is_scrubbed_once_and_handed_out_as_a_copy(self) -> None:
        pairs = [("Content-Type", "application/json"), ("Authorization", "Bearer sk-1"), (b"X-Trace", b"t1")]
        first = scrub.headers(pairs)
        self.assertEqual(first, {"content-type": "application/json", "x-trace": "t1"})
        self.assertIn(tuple(pairs), scrub._SETS)
        first["content-type"] = "changed by the caller"
        self.assertEqual(scrub.headers(iter(pairs)), {"content-type": "application/json", "x-trace": "t1"})
        # 1 == True, so these two sets are equal tuples; only str and bytes sets are remembered.
        self.assertEqual(scrub.headers([("X-N", 1)]), {"x-n": "1"})
        self.assertEqual(scrub.headers([("X-N", True)]), {"x-n": "True"})
        self.assertEqual(scrub.headers([("X-B", bytearray(b"v"))]), {"x-b": "v"})  # unhashable: scrubbed each time
        for n in range(3 * scrub._SETS_LIMIT):
            scrub.headers([("X-Request", str(n))])
        self.assertLessEqual(len(scrub._SETS), scrub._SETS_LIMIT)

    def test_secret_query_parameters_and_userinfo_are_removed(self) -> None:
        self.assertEqual(
            scrub.url("https://u:p@h/v1/x?api-version=2024&key=abc&api_key=d&token=e&x=1"),
            "https://h/v1/x?api-version=2024&x=1",
        )
        self.assertEqual(scrub.url("https://h/v1/chat/completions"), "https://h/v1/chat/completions")


if __name__ == "__main__":
    unittest.main()
