"""Bedrock's InvokeModelWithResponseStream governed inside real botocore (Debian's python3-botocore, the
published service model's subset in test/fixtures/botocore-data): the chunk events' base64 bodies
(Anthropic's Messages events, Llama's generations) are decoded for the text the policies filter and the
invocation metrics the spend comes from; rewritten chunks are re-encoded and re-framed (botocore checks
the checksums and decodes them as usual); a policy's end of the stream is botocore's ClientError with a
Bedrock code."""
from __future__ import annotations

import json
import unittest
from typing import Any, Dict, List

from .bedrock_server import BedrockServer, bedrock_client
from .router_peer import decision
from .support import ShimTestCase, has_module

CLAUDE = "anthropic.claude-3-5-sonnet-20240620-v1:0"
LLAMA = "meta.llama3-1-70b-instruct-v1:0"
PROMPT = "mail jane@example.com now please"


def anthropic_body(text: str) -> str:
    return json.dumps(
        {"anthropic_version": "bedrock-2023-05-31", "max_tokens": 40, "messages": [{"role": "user", "content": text}]}
    )


def bodies(answer: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The decoded chunk bodies the agent reads (botocore already base64-decoded `bytes`)."""
    return [json.loads(event["chunk"]["bytes"]) for event in answer["body"] if "chunk" in event]


def anthropic_text(docs: List[Dict[str, Any]]) -> str:
    return "".join(d["delta"]["text"] for d in docs if d.get("type") == "content_block_delta")


@unittest.skipUnless(has_module("botocore"), "botocore is not installed (Debian: python3-botocore)")
class InvokeModelWithResponseStream(ShimTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.bedrock = BedrockServer()
        self.addCleanup(self.bedrock.close)
        self.client = bedrock_client(self.bedrock.url)

    def redacting(self) -> None:
        """Redacts the email in the request (signed afresh) and upper-cases every n in the chunks."""

        def decide(m: Dict[str, Any]) -> Dict[str, Any]:
            if m["type"] == "llm.request":
                body = json.loads(json.dumps(m["body"]).replace("jane@example.com", "[EMAIL_1]"))
                return decision(m, "modify", body=body, stream_chunks=True)
            if m["type"] == "llm.chunk":
                return decision(m, text=m["text"].replace("n", "N"))
            return decision(m)

        self.decide = decide

    def test_anthropic_body_is_governed_filtered_and_charged_from_the_metrics(self) -> None:
        self.redacting()
        answer = self.client.invoke_model_with_response_stream(modelId=CLAUDE, body=anthropic_body(PROMPT))
        docs = bodies(answer)
        text = anthropic_text(docs)
        self.assertEqual(text, "mail [EMAIL_1] Now please".replace("n", "N"))
        self.assertEqual(self.bedrock.bodies[0]["messages"][0]["content"], "mail [EMAIL_1] now please")
        self.assertEqual(docs[-1]["type"], "message_stop")
        request = self.requests_of("llm.request")[0]
        self.assertEqual(
            (request["provider"], request["endpoint"], request["model"], request["stream"], request["library"]),
            ("bedrock", "invoke-stream", CLAUDE, True, "botocore"),
        )
        self.assertEqual(request["est_tokens"]["output"], 40)
        response = self.peer.wait_for("llm.response")[0]
        self.assertEqual((response["stream"], response["complete"], response["output"]), (True, True, text))
        self.assertEqual((response["usage"]["input_tokens"], response["usage"]["output_tokens"]), (4, 4))

    def test_llama_body_is_decoded_filtered_and_charged(self) -> None:
        self.redacting()
        body = json.dumps({"prompt": PROMPT, "max_gen_len": 30})
        docs = bodies(self.client.invoke_model_with_response_stream(modelId=LLAMA, body=body))
        text = "".join(d["generation"] for d in docs)
        self.assertEqual(text, "mail [EMAIL_1] Now please".replace("n", "N"))
        self.assertEqual(docs[-1]["stop_reason"], "stop")
        response = self.peer.wait_for("llm.response")[0]
        self.assertEqual((response["complete"], response["output"]), (True, text))
        self.assertEqual((response["usage"]["input_tokens"], response["usage"]["output_tokens"]), (4, 4))
        self.assertEqual(self.requests_of("llm.request")[0]["est_tokens"]["output"], 30)

    def test_a_denial_before_the_call_is_a_client_error_with_bedrocks_code(self) -> None:
        from botocore.exceptions import ClientError

        self.decide = lambda m: decision(m, "deny", code="IRON_ERR_RATE", status=429, policy="rate", reason="slow down")
        with self.assertRaises(ClientError) as caught:
            self.client.invoke_model_with_response_stream(modelId=CLAUDE, body=anthropic_body("hi"))
        self.assertEqual(caught.exception.response["Error"]["Code"], "ThrottlingException")
        self.assertIsInstance(caught.exception, self.client.exceptions.ThrottlingException)
        self.assertEqual(self.bedrock.bodies, [])

    def test_a_stream_a_policy_ends_raises_an_event_stream_error(self) -> None:
        from botocore.exceptions import ClientError

        def decide(m: Dict[str, Any]) -> Dict[str, Any]:
            if m["type"] == "llm.request":
                return decision(m, stream_chunks=True)
            if m["type"] == "llm.chunk" and m["index"] == 1:
                return decision(m, "deny", policy="safety", code="IRON_ERR_PII", reason="an email", text="", status=403)
            return decision(m, text=m.get("text"))

        self.decide = decide
        answer = self.client.invoke_model_with_response_stream(modelId=CLAUDE, body=anthropic_body(PROMPT))
        seen: List[Dict[str, Any]] = []
        with self.assertRaises(ClientError) as caught:
            for event in answer["body"]:
                seen.append(json.loads(event["chunk"]["bytes"]))
        error = caught.exception.response["Error"]
        self.assertEqual((error["Code"], error["Message"]), ("AccessDeniedException", "iron: an email (IRON_ERR_PII)"))
        self.assertEqual(anthropic_text(seen), "mail")
        self.assertEqual(self.peer.wait_for("llm.response")[0]["error"], "IRON_ERR_PII: an email")

    def test_a_reroute_goes_to_the_new_host_signed_for_it(self) -> None:
        other = BedrockServer()
        self.addCleanup(other.close)

        def decide(m: Dict[str, Any]) -> Dict[str, Any]:
            if m["type"] == "llm.request":
                return decision(m, "modify", body=m["body"], url=m["url"].replace(self.bedrock.url, other.url))
            return decision(m)

        self.decide = decide
        docs = bodies(self.client.invoke_model_with_response_stream(modelId=CLAUDE, body=anthropic_body("hi there")))
        self.assertEqual(anthropic_text(docs), "hi there")
        self.assertEqual((len(self.bedrock.bodies), len(other.bodies)), (0, 1))  # the other checked the signature

    def test_closing_the_stream_early_still_reports_what_was_read(self) -> None:
        answer = self.client.invoke_model_with_response_stream(modelId=CLAUDE, body=anthropic_body(PROMPT))
        stream = answer["body"]
        for event in stream:
            if json.loads(event["chunk"]["bytes"]).get("type") == "content_block_delta":
                break
        stream.close()
        response = self.peer.wait_for("llm.response")[0]
        self.assertEqual((response["complete"], response["usage"]["input_tokens"]), (False, 4))


class InvocationMetrics(unittest.TestCase):
    def test_the_metrics_are_the_spend_even_when_the_bodies_say_otherwise(self) -> None:
        import base64

        import iron_shim.bedrock  # noqa: F401 - registers the Bedrock stream readers
        from iron_shim.aws_eventstream import event_frame
        from iron_shim.streams import accumulator_for

        def chunk(body: Dict[str, Any]) -> bytes:
            return event_frame(
                "chunk", json.dumps({"bytes": base64.b64encode(json.dumps(body).encode()).decode()}).encode()
            )

        metrics = {"amazon-bedrock-invocationMetrics": {"inputTokenCount": 11, "outputTokenCount": 7}}
        for docs in (
            [
                {"type": "message_start", "message": {"usage": {"input_tokens": 2, "output_tokens": 1}}},
                {"type": "message_stop", **metrics},
            ],
            [
                {"generation": "hi", "prompt_token_count": 2, "generation_token_count": 1, "stop_reason": None},
                {"generation": "", "stop_reason": "stop", **metrics},
            ],
        ):
            stream = accumulator_for("bedrock", "invoke-stream")
            parser = stream.new_parser()
            for event in parser.feed(b"".join(chunk(d) for d in docs)):
                stream.on_event(event)
            result = stream.result()
            self.assertEqual((result.usage["input_tokens"], result.usage["output_tokens"], result.done), (11, 7, True))


if __name__ == "__main__":
    unittest.main()
