"""Azure OpenAI on the shim side: its deployment calls are OpenAI's wire (provider "openai") with Azure's
errors, so a safety denial is Azure's own 400 content_filter error, and a stream it ends stops as Azure's
filter stops one (finish_reason content_filter); other denials keep OpenAI's shape."""
from __future__ import annotations

import json
import unittest

from . import support  # noqa: F401
from iron_shim import denial, providers
from iron_shim.stream_text import shape_for

URL = "https://acme.openai.azure.com/openai/deployments/prod-chat/chat/completions?api-version=2024-10-21"


def deny(code: str, policy: str, status: int = 403) -> denial.Denial:
    return denial.Denial("c-1", code, "personal data in the prompt", policy, status, None)


class Azure(unittest.TestCase):
    def test_recognised_as_its_own_provider_with_azure_errors(self) -> None:
        target = providers.match_url("POST", URL, {}.get, ())
        self.assertEqual(target, ("azure", "azure", "chat.completions", True, False))
        info = providers.inspect(target, URL, b'{"messages": []}')
        self.assertEqual(info.model, "prod-chat")

    def test_a_safety_denial_is_azures_content_filter_error(self) -> None:
        built = denial.build("azure", deny("IRON_ERR_PII", "safety"))
        error = json.loads(built.body)["error"]
        self.assertEqual(built.status, 400)
        self.assertEqual((error["code"], error["param"], error["status"]), ("content_filter", "prompt", 400))
        self.assertEqual(error["innererror"]["code"], "ResponsibleAIPolicyViolation")
        self.assertEqual(error["innererror"]["iron_code"], "IRON_ERR_PII")
        self.assertEqual(set(error["innererror"]["content_filter_result"]), {"hate", "self_harm", "sexual", "violence"})

    def test_other_denials_keep_their_status_and_openais_shape(self) -> None:
        built = denial.build("azure", deny("IRON_ERR_BUDGET", "budget", 402))
        self.assertEqual((built.status, json.loads(built.body)["error"]["code"]), (402, "IRON_ERR_BUDGET"))

    def test_a_filtered_stream_ends_with_finish_reason_content_filter(self) -> None:
        error, iron = denial.error_parts("azure", deny("IRON_ERR_PII", "safety"))
        raw = shape_for("azure", "chat.completions").error_event(error, iron, None)
        first, done = raw.split(b"\n\n")[:2]
        chunk = json.loads(first[len(b"data: ") :])
        self.assertEqual(chunk["choices"][0]["finish_reason"], "content_filter")
        self.assertEqual((chunk["iron"]["code"], done), ("IRON_ERR_PII", b"data: [DONE]"))
        other, iron = denial.error_parts("azure", deny("IRON_ERR_POLICY", "custom"))
        self.assertIn(b'"error"', shape_for("azure", "chat.completions").error_event(other, iron, None))


if __name__ == "__main__":
    unittest.main()
