"""AWS Bedrock governed inside real botocore (Debian's python3-botocore, with bedrock-runtime's published
service model subset in test/fixtures/botocore-data): Converse, ConverseStream and InvokeModel reach the
supervisor before signing, a redacted body is signed afresh (the server checks every signature), usage
is exact (streams decoded from the binary event stream), answers are redacted in place (streams frame by
frame), and denials are botocore's own ClientError with Bedrock's error code."""
from __future__ import annotations

import json
import unittest
from typing import Any, Dict

from .bedrock_server import BedrockServer, bedrock_client
from .router_peer import decision
from .support import ShimTestCase, has_module

MODEL = "anthropic.claude-3-5-sonnet-20240620-v1:0"
PROMPT = "mail jane@example.com now"
REDACTED = "mail [EMAIL_1] now"


def messages(text: str) -> Any:
    return [{"role": "user", "content": [{"text": text}]}]


@unittest.skipUnless(has_module("botocore"), "botocore is not installed (Debian: python3-botocore)")
class Bedrock(ShimTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.bedrock = BedrockServer()
        self.addCleanup(self.bedrock.close)
        self.client = bedrock_client(self.bedrock.url)

    def redacting(self) -> None:
        """Redacts the email in requests (modify), answers (redact) and stream chunks (llm.chunk)."""

        def decide(m: Dict[str, Any]) -> Dict[str, Any]:
            if m["type"] == "llm.request":
                body = json.loads(json.dumps(m["body"]).replace("jane@example.com", "[EMAIL_1]"))
                return decision(m, "modify", body=body, stream_chunks=True)
            if m["type"] == "llm.response" and m.get("body") is not None:
                return decision(m, "redact", body=json.loads(json.dumps(m["body"]).replace("now", "[NOW]")))
            if m["type"] == "llm.chunk":
                return decision(m, text=m["text"].replace("n", "N"))
            return decision(m)

        self.decide = decide

    def test_converse_is_governed_signed_afresh_and_redacted_back(self) -> None:
        self.redacting()
        answer = self.client.converse(modelId=MODEL, messages=messages(PROMPT), inferenceConfig={"maxTokens": 50})
        self.assertEqual(self.bedrock.bodies[0]["messages"][0]["content"][0]["text"], REDACTED)
        self.assertEqual(answer["output"]["message"]["content"][0]["text"], "mail [EMAIL_1] [NOW]")
        request = self.requests_of("llm.request")[0]
        self.assertEqual(
            (request["provider"], request["endpoint"], request["model"], request["stream"], request["library"]),
            ("bedrock", "converse", MODEL, False, "botocore"),
        )
        self.assertEqual(request["est_tokens"]["output"], 50)
        response = self.peer.wait_for("llm.response")[0]
        self.assertEqual((response["usage"]["input_tokens"], response["usage"]["output_tokens"]), (3, 3))

    def test_converse_stream_is_decoded_filtered_and_reported(self) -> None:
        self.redacting()
        answer = self.client.converse_stream(modelId=MODEL, messages=messages(PROMPT))
        events = list(answer["stream"])
        text = "".join(e["contentBlockDelta"]["delta"]["text"] for e in events if "contentBlockDelta" in e)
        self.assertEqual(text, "mail [EMAIL_1] Now")
        self.assertEqual(list(events[-1]), ["metadata"])
        response = self.peer.wait_for("llm.response")[0]
        self.assertEqual((response["stream"], response["complete"], response["output"]), (True, True, text))
        self.assertEqual(response["usage"]["output_tokens"], 3)

    def test_invoke_model_anthropic_and_llama_bodies(self) -> None:
        body = {
            "anthropic_version": "bedrock-2023-05-31",
            "max_tokens": 20,
            "messages": [{"role": "user", "content": "hi there"}],
        }
        answer = self.client.invoke_model(modelId=MODEL, body=json.dumps(body))
        self.assertEqual(json.loads(answer["body"].read())["content"][0]["text"], "hi there")
        llama = self.client.invoke_model(
            modelId="meta.llama3-1-70b-instruct-v1:0", body=json.dumps({"prompt": "a b c", "max_gen_len": 9})
        )
        self.assertEqual(json.loads(llama["body"].read())["generation"], "a b c")
        reports = self.peer.wait_for("llm.response", 2)
        self.assertEqual([(r["usage"]["input_tokens"], r["output"]) for r in reports], [(2, "hi there"), (3, "a b c")])
        self.assertEqual([r["est_tokens"]["output"] for r in self.requests_of("llm.request")], [20, 9])

    def test_a_denial_is_botocores_client_error_with_bedrocks_code(self) -> None:
        from botocore.exceptions import ClientError

        self.decide = lambda m: decision(m, "deny", code="IRON_ERR_BUDGET", status=402, policy="budget", reason="spent")
        with self.assertRaises(ClientError) as caught:
            self.client.converse(modelId=MODEL, messages=messages("hi"))
        error = caught.exception.response["Error"]
        self.assertEqual(
            (error["Code"], error["Message"]), ("ServiceQuotaExceededException", "iron: spent (IRON_ERR_BUDGET)")
        )
        self.assertIsInstance(caught.exception, self.client.exceptions.ServiceQuotaExceededException)
        self.assertEqual(self.bedrock.bodies, [])

    def test_a_denied_stream_ends_with_an_event_stream_error(self) -> None:
        from botocore.exceptions import ClientError

        def decide(m: Dict[str, Any]) -> Dict[str, Any]:
            if m["type"] == "llm.request":
                return decision(m, stream_chunks=True)
            if m["type"] == "llm.chunk" and m["index"] == 1:
                return decision(m, "deny", policy="safety", code="IRON_ERR_PII", reason="an email", text="", status=403)
            return decision(m, text=m.get("text"))

        self.decide = decide
        answer = self.client.converse_stream(modelId=MODEL, messages=messages(PROMPT))
        with self.assertRaises(ClientError) as caught:
            list(answer["stream"])
        error = caught.exception.response["Error"]
        self.assertEqual((error["Code"], error["Message"]), ("AccessDeniedException", "iron: an email (IRON_ERR_PII)"))
        self.assertEqual(self.peer.wait_for("llm.response")[0]["error"], "IRON_ERR_PII: an email")


if __name__ == "__main__":
    unittest.main()
