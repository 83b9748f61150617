"""The synthetic error responses of a deny: exactly SPEC.md 3.5, in OpenAI and Anthropic shapes."""
from __future__ import annotations

import json
import unittest

from . import support  # noqa: F401
from iron_shim import denial
from iron_shim.errors import PolicyDenied


def deny(status: int = 402, retry_after=None, policy="budget", code="IRON_ERR_BUDGET"):
    return denial.Denial("c-1", code, "budget exhausted: spent $1.00 of $1.00", policy, status, retry_after)


class Shapes(unittest.TestCase):
    def test_openai_shape_and_headers(self) -> None:
        r = denial.build("openai", deny())
        self.assertEqual(
            json.loads(r.body),
            {
                "error": {
                    "message": "iron: budget exhausted: spent $1.00 of $1.00",
                    "type": "iron_policy_denied",
                    "param": None,
                    "code": "IRON_ERR_BUDGET",
                },
                "iron": {"code": "IRON_ERR_BUDGET", "policy": "budget", "call": "c-1"},
            },
        )
        headers = dict(r.headers)
        self.assertEqual((r.status, r.reason), (402, "Payment Required"))
        self.assertEqual(headers["content-type"], "application/json")
        self.assertEqual(headers["x-should-retry"], "false")
        self.assertEqual(headers["x-request-id"], "iron-c-1")
        self.assertEqual((headers["x-iron-code"], headers["x-iron-policy"]), ("IRON_ERR_BUDGET", "budget"))
        self.assertEqual(headers["content-length"], str(len(r.body)))

    def test_anthropic_shape_follows_the_status(self) -> None:
        body = json.loads(denial.build("anthropic", deny()).body)
        self.assertEqual(
            body,
            {
                "type": "error",
                "error": {
                    "type": "billing_error",
                    "message": "iron: budget exhausted: spent $1.00 of $1.00 (IRON_ERR_BUDGET)",
                },
                "iron": {"code": "IRON_ERR_BUDGET", "policy": "budget", "call": "c-1"},
            },
        )
        for status, kind in (
            (400, "invalid_request_error"),
            (402, "billing_error"),
            (403, "permission_error"),
            (429, "rate_limit_error"),
            (503, "overloaded_error"),
            (500, "api_error"),
            (502, "api_error"),
        ):
            self.assertEqual(json.loads(denial.build("anthropic", deny(status)).body)["error"]["type"], kind)

    def test_429_carries_retry_after_and_lets_the_sdk_retry(self) -> None:
        headers = dict(denial.build("openai", deny(429, 1.5)).headers)
        self.assertEqual(headers["retry-after"], "1.5")
        self.assertNotIn("x-should-retry", headers)
        self.assertEqual(dict(denial.build("openai", deny(429, 2.0)).headers)["retry-after"], "2")

    def test_no_policy_means_no_policy_header(self) -> None:
        headers = dict(denial.build("openai", deny(503, policy=None, code="IRON_ERR_SUPERVISOR_UNAVAILABLE")).headers)
        self.assertNotIn("x-iron-policy", headers)
        self.assertEqual(headers["x-iron-code"], "IRON_ERR_SUPERVISOR_UNAVAILABLE")

    def test_raise_form(self) -> None:
        exc = denial.to_exception(deny(402))
        self.assertIsInstance(exc, PolicyDenied)
        self.assertEqual((exc.code, exc.call_id, exc.policy, exc.status), ("IRON_ERR_BUDGET", "c-1", "budget", 402))
        self.assertIn("budget exhausted", exc.reason)
        import pickle

        again = pickle.loads(pickle.dumps(exc))
        self.assertEqual((again.code, again.call_id, again.status), ("IRON_ERR_BUDGET", "c-1", 402))


if __name__ == "__main__":
    unittest.main()
