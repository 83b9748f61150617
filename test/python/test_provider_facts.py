"""The shim reads the provider wire facts the mock reads (provider_wire.json) and classifies the shared
URL vectors (protocol/vectors/provider-urls.json) as test/unit/provider-facts.test.ts expects."""
from __future__ import annotations

import json
import os
import unittest

from . import support  # noqa: F401
from iron_shim import provider_facts, providers, scrub

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Facts(unittest.TestCase):
    def test_every_secret_the_file_names_is_scrubbed(self) -> None:
        facts = provider_facts.FACTS["secrets"]
        self.assertEqual(scrub.headers([(name, "s3cret") for name in facts["headers"]]), {})
        for name in facts["query_params"]:
            self.assertEqual(scrub.url(f"https://h/p?{name}=s3cret&alt=sse"), "https://h/p?alt=sse", name)

    def test_shared_url_vectors(self) -> None:
        with open(os.path.join(ROOT, "protocol", "vectors", "provider-urls.json"), encoding="utf-8") as handle:
            cases = json.load(handle)["cases"]
        for case in cases:
            target = providers.match_url("POST", case["url"], {}.get, ())
            if case["provider"] is None:
                self.assertIsNone(target, case["url"])
                continue
            self.assertEqual(
                (target.provider, target.endpoint, target.known), (case["provider"], case["endpoint"], True)
            )
            with_model = target.kind != "gemini" and case.get("body_model", True)
            body = {"model": case["model"], "messages": [], "prompt": ""} if with_model else {"messages": []}
            info = providers.inspect(target, case["url"], json.dumps(body).encode())
            self.assertEqual((info.model, info.stream), (case["model"], case["stream"]), case["url"])


if __name__ == "__main__":
    unittest.main()
