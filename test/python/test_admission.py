"""Grants (SPEC 3.4a): what admission.Grant admits without asking, and what it leaves to be asked."""
from __future__ import annotations

import json
import math
import threading
import unittest
from typing import Any, Dict

from iron_shim import admission, protocol

URL = "https://api.openai.com/v1/chat/completions"
EMAIL = {"re": "@[A-Za-z0-9-]{1,63}\\.[A-Za-z0-9]", "i": False}
ALLOW = protocol.Decision("c-0", "allow", None, None, None, None, None, None, timeout_ms=5000)


def spec(**over: Any) -> Dict[str, Any]:
    base = {
        "id": "g-1",
        "ttl_ms": 250,
        "calls": 4,
        "micros": 10_000,
        "provider": "openai",
        "endpoint": "chat.completions",
        "model": "gpt-4o-mini",
        "url": URL,
        "stream": False,
        "attrs": {},
        "in_factor": 1.25,
        "in_micros": 0.15,
        "out_micros": 0.6,
        "out_default": None,
        "request_hints": [EMAIL],
    }
    base.update(over)
    return base


def request(content: str = "hello", **body_over: Any) -> Dict[str, Any]:
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": content}], "max_tokens": 20}
    body.update(body_over)
    return {
        "provider": "openai",
        "endpoint": "chat.completions",
        "model": "gpt-4o-mini",
        "url": URL,
        "stream": False,
        "attrs": {},
        "body": body,
    }


def admit(grant: admission.Grant, msg: Dict[str, Any], now: float = 0.0) -> bool:
    body = msg["body"]
    return grant.admit(msg, body, json.dumps(body).encode(), now)


class Admission(unittest.TestCase):
    def grant(self, **over: Any) -> admission.Grant:
        found = admission.from_reply({"grant": spec(**over)}, ALLOW)
        assert found is not None
        return found

    def test_admits_a_like_call_and_takes_its_bound(self) -> None:
        grant = self.grant()
        msg = request()
        size = len(json.dumps(msg["body"]).encode())
        self.assertTrue(admit(grant, msg))
        self.assertEqual(grant.calls, 3)
        bound = math.ceil((math.ceil(size * 1.25) + 16) * 0.15 + 20 * 0.6)
        self.assertEqual(grant.micros, 10_000 - bound)
        self.assertIs(grant.decision, ALLOW)

    def test_asks_about_a_call_a_request_hint_matches(self) -> None:
        grant = self.grant()
        self.assertFalse(admit(grant, request("mail jane.doe@example.com")))
        self.assertEqual(grant.calls, 4)

    def test_asks_about_a_call_unlike_the_grant(self) -> None:
        grant = self.grant()
        for key, value in (
            ("model", "gpt-4o"),
            ("url", URL + "?x=1"),
            ("stream", True),
            ("attrs", {"user": "u1"}),
            ("provider", "groq"),
        ):
            with self.subTest(key=key):
                self.assertFalse(admit(grant, dict(request(), **{key: value})))

    def test_asks_when_the_bound_does_not_fit_or_the_calls_ran_out(self) -> None:
        self.assertFalse(admit(self.grant(micros=10), request()))
        grant = self.grant(calls=1)
        self.assertTrue(admit(grant, request()))
        self.assertFalse(admit(grant, request()))

    def test_asks_after_the_grant_expired(self) -> None:
        grant = self.grant(ttl_ms=250)
        self.assertFalse(admit(grant, request(), now=grant.deadline))

    def test_asks_without_a_cap_unless_the_grant_assumes_one(self) -> None:
        msg = request()
        del msg["body"]["max_tokens"]
        self.assertFalse(admit(self.grant(), msg))
        self.assertTrue(admit(self.grant(out_default=4096), msg))
        self.assertFalse(admit(self.grant(out_default=4096), request(max_tokens=20.0)))

    def test_asks_about_media_and_caps_it_does_not_read(self) -> None:
        image = [{"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}]
        self.assertFalse(admit(self.grant(), request(image)))  # type: ignore[arg-type]
        self.assertFalse(admit(self.grant(), request("data:image/png;base64,AAAA")))
        self.assertFalse(admit(self.grant(), request(options={"num_predict": 100000})))

    def test_off_spec_grants_are_no_grants(self) -> None:
        for bad in (
            {"ttl_ms": "250"},
            {"calls": True},
            {"request_hints": [{"re": "(", "i": False}]},
            {"request_hints": [{"re": ""}]},
            {"model": 3},
        ):
            with self.subTest(bad=bad):
                self.assertIsNone(admission.from_reply({"grant": spec(**bad)}, ALLOW))
        self.assertIsNone(admission.from_reply({}, ALLOW))

    def test_threads_never_take_more_calls_than_granted(self) -> None:
        grant = self.grant(calls=50, micros=10**9)
        taken = []
        lock = threading.Lock()

        def take() -> None:
            for _ in range(40):
                if admit(grant, request()):
                    with lock:
                        taken.append(1)

        threads = [threading.Thread(target=take) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(len(taken), 50)
        self.assertEqual(grant.calls, 0)


if __name__ == "__main__":
    unittest.main()
