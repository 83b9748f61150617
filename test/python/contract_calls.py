"""The contract for calls decided before and after the provider: allow, deny (both shapes), modify,
raise, fail closed/open, timeout, reject, non-LLM untouched, response redaction and deny, attribution,
provider errors, deadlines, cut-short bodies, modify.url and Azure-style providers."""
from __future__ import annotations

import json
import time

import iron_shim

from .contract_base import AUTH, CHAT, CLAUDE, ContractBase
from .llm_server import LLMServer
from .router_peer import decision


class CallContract(ContractBase):
    """What every interceptor does with a call's request and its (non-streamed) response."""

    def test_allow_reaches_the_provider_and_both_halves_are_reported(self) -> None:
        result = self.call("/v1/chat/completions", CHAT, AUTH)
        self.assertEqual(result.status, 200)
        self.assertEqual(result.json()["choices"][0]["message"]["content"], "Hello!")
        req = self.peer.wait_for("llm.request")[0]
        self.assertEqual(
            (req["provider"], req["endpoint"], req["model"], req["library"], req["stream"]),
            ("local", "chat.completions", "gpt-4o-mini", self.library, False),
        )
        self.assertEqual(req["body"], CHAT)
        self.assertEqual(req["est_tokens"], {"input": 6, "output": 64})
        self.assertTrue(req["call"].startswith("c-") and req["url"].endswith("/v1/chat/completions"))
        for secret in ("authorization", "x-api-key"):
            self.assertNotIn(secret, req["headers"])
        self.assertNotIn("sk-secret", json.dumps(self.peer.messages, default=str))
        resp = self.wait_response()[0]
        self.assertEqual(
            (resp["call"], resp["status"], resp["output"], resp["stream"], resp["complete"]),
            (req["call"], 200, "Hello!", False, True),
        )
        self.assertEqual(
            resp["usage"],
            {
                "input_tokens": 9,
                "output_tokens": 3,
                "cached_input_tokens": 2,
                "cache_creation_input_tokens": 0,
                "reasoning_tokens": 1,
            },
        )
        self.assertEqual((resp["request_id"], resp["model"]), ("req_test_1", "gpt-4o-mini-2024-07-18"))
        self.assertGreater(resp["latency_ms"], 0.0)

    def test_deny_answers_with_an_openai_shaped_402(self) -> None:
        self.decide = (
            lambda m: decision(
                m, "deny", policy="budget", code="IRON_ERR_BUDGET", status=402, reason="budget exhausted"
            )
            if m["type"] == "llm.request"
            else decision(m)
        )
        result = self.call("/v1/chat/completions", CHAT)
        self.assertEqual(result.status, 402)
        body = result.json()
        self.assertEqual(
            body["error"],
            {
                "message": "iron: budget exhausted",
                "type": "iron_policy_denied",
                "param": None,
                "code": "IRON_ERR_BUDGET",
            },
        )
        call = self.peer.of_type("llm.request")[0]["call"]
        self.assertEqual(body["iron"], {"code": "IRON_ERR_BUDGET", "policy": "budget", "call": call})
        self.assertEqual((result.headers["x-should-retry"], result.headers["x-request-id"]), ("false", f"iron-{call}"))
        self.assertEqual(self.server.requests, [])

    def test_deny_answers_anthropic_calls_in_anthropic_shape(self) -> None:
        self.decide = lambda m: decision(m, "deny", policy="pii", code="IRON_ERR_PII", status=403, reason="email")
        result = self.call("/v1/messages", CLAUDE, {"anthropic-version": "2023-06-01"})
        self.assertEqual(result.status, 403)
        self.assertEqual(result.json()["type"], "error")
        self.assertEqual(result.json()["error"], {"type": "permission_error", "message": "iron: email (IRON_ERR_PII)"})
        self.assertEqual(self.peer.of_type("llm.request")[0]["provider"], "anthropic")

    def test_modify_sends_the_new_body(self) -> None:
        new = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Mail [EMAIL_1]"}]}
        self.decide = (
            lambda m: decision(m, "modify", body=new, policy="pii") if m["type"] == "llm.request" else decision(m)
        )
        self.assertEqual(self.call("/v1/chat/completions", CHAT).status, 200)
        got = self.server.requests[0]
        self.assertEqual(json.loads(got["body"]), new)
        self.assertEqual(int(got["headers"]["content-length"]), len(got["body"]))

    def test_on_deny_raise(self) -> None:
        self.reinstall(on_deny="raise")
        self.decide = lambda m: decision(
            m,
            "deny",
            policy="rate-limit",
            code="IRON_ERR_RATE_LIMIT",
            status=429,
            reason="60 requests/min",
            retry_after=1.5,
        )
        with self.assertRaises(iron_shim.PolicyDenied) as ctx:
            self.call("/v1/chat/completions", CHAT)
        exc = ctx.exception
        self.assertEqual(
            (exc.code, exc.policy, exc.status, exc.retry_after), ("IRON_ERR_RATE_LIMIT", "rate-limit", 429, 1.5)
        )
        self.assertEqual(exc.call_id, self.peer.of_type("llm.request")[0]["call"])

    def test_fail_closed_when_nothing_listens(self) -> None:
        self.reinstall(endpoint="ipc:///nonexistent/iron/iron.sock")
        started = time.monotonic()
        result = self.call("/v1/chat/completions", CHAT)
        self.assertLess(time.monotonic() - started, 1.5)
        self.assertEqual(result.status, 503)
        self.assertEqual(result.json()["error"]["code"], "IRON_ERR_SUPERVISOR_UNAVAILABLE")
        self.assertEqual(result.headers["x-should-retry"], "false")
        self.assertEqual(self.server.requests, [])

    def test_fail_open_lets_the_call_through_and_reports_nothing(self) -> None:
        self.reinstall(endpoint="ipc:///nonexistent/iron/iron.sock", fail_open=True)
        self.assertEqual(self.call("/v1/chat/completions", CHAT).status, 200)
        self.assertEqual(len(self.server.requests), 1)

    def test_decision_timeout_fails_closed(self) -> None:
        self.reinstall(timeout_ms=250)
        self.peer.wait_for("hello", 2)
        self.decide = lambda m: None
        result = self.call("/v1/chat/completions", CHAT)
        self.assertEqual((result.status, result.json()["error"]["code"]), (503, "IRON_ERR_DECISION_TIMEOUT"))
        abandoned = self.wait_response()[0]
        self.assertEqual((abandoned["status"], abandoned["complete"]), (0, False))

    def test_rejected_token(self) -> None:
        iron_shim.uninstall()
        with self.assertRaises(iron_shim.IronConnectionError) as ctx:
            iron_shim.install(endpoint=self.peer.endpoint, token="wrong", timeout_ms=2000, strict=True)
        self.assertEqual(ctx.exception.code, "IRON_ERR_AUTH")
        result = self.call("/v1/chat/completions", CHAT)
        self.assertEqual((result.status, result.json()["error"]["code"]), (503, "IRON_ERR_AUTH"))

    def test_non_llm_requests_are_untouched_and_nothing_is_sent(self) -> None:
        self.assertEqual(self.get("/v1/models").status, 200)
        self.assertEqual(self.call("/other", {"model": "x"}).json(), {"ok": True})
        self.assertEqual(self.call("/v1/messages/count_tokens", CLAUDE).json(), {"input_tokens": 10})
        time.sleep(0.05)
        # A heartbeat may fall in the window on a loaded machine: it is the link's, not a call's.
        sent = [m["type"] for m in self.peer.messages if m["type"] != "heartbeat"]
        self.assertEqual(sent, ["hello", "proof"])
        self.assertEqual(len(self.server.requests), 3)

    def test_response_redaction_replaces_the_body(self) -> None:
        redacted = {"choices": [{"index": 0, "message": {"role": "assistant", "content": "Call [PHONE_1]"}}]}
        self.decide = lambda m: decision(m, "redact", body=redacted) if m["type"] == "llm.response" else decision(m)
        result = self.call("/v1/chat/completions", CHAT)
        self.assertEqual(result.json(), redacted)

    def test_response_deny_replaces_the_response(self) -> None:
        self.decide = (
            lambda m: decision(m, "deny", code="IRON_ERR_PII", status=403, policy="pii", reason="leak")
            if m["type"] == "llm.response"
            else decision(m)
        )
        result = self.call("/v1/chat/completions", CHAT)
        self.assertEqual((result.status, result.json()["error"]["code"]), (403, "IRON_ERR_PII"))

    def test_attribution_context_reaches_the_request(self) -> None:
        with iron_shim.context(team="search", user="u1"):
            self.call("/v1/chat/completions", CHAT)
        self.assertEqual(self.peer.of_type("llm.request")[0]["attrs"], {"team": "search", "user": "u1"})

    def test_provider_errors_are_reported_and_returned(self) -> None:
        result = self.call("/ratelimited/chat/completions", CHAT)
        self.assertEqual(result.status, 429)
        resp = self.wait_response()[0]
        self.assertEqual((resp["status"], resp["error"]), (429, "slow down"))
        self.assertEqual(resp["retry_after"], 7.0)  # seconds, so the breaker cools down at least that long

    def test_retry_after_ms_wins_and_a_response_without_one_reports_none(self) -> None:
        self.assertEqual(self.call("/ratelimited-ms/chat/completions", CHAT).status, 429)
        self.assertEqual(self.wait_response()[0]["retry_after"], 1.5)
        self.call("/v1/chat/completions", CHAT)
        self.assertNotIn("retry_after", self.wait_response(2)[1])

    def test_the_engines_deadline_caps_the_client_timeout_and_the_report_names_it(self) -> None:
        self.server.stall = 3.0
        self.decide = lambda m: decision(m, timeout_ms=300) if m["type"] == "llm.request" else decision(m)
        with self.assertRaises(Exception) as caught:
            self.call("/v1/chat/completions", CHAT)
        from iron_shim.governor import _is_timeout

        self.assertTrue(_is_timeout(caught.exception), repr(caught.exception))
        resp = self.wait_response()[0]
        self.assertEqual((resp["status"], resp["complete"]), (0, False))
        self.assertIn("timed out (iron's deadline for this call: 300 ms)", resp["error"])

    def test_a_body_cut_short_raises_for_the_agent_and_reports_status_0(self) -> None:
        with self.assertRaises(Exception):
            self.call("/cut-short/v1/chat/completions", CHAT)
        resp = self.wait_response()[0]
        self.assertEqual((resp["status"], resp["complete"]), (0, False))

    # ----- modify.url, Azure-style providers (SPEC 3.5) -----
    def test_modify_url_sends_the_call_to_the_new_url(self) -> None:
        other = LLMServer()
        self.addCleanup(other.close)
        new = dict(CHAT, model="gpt-4o")
        self.decide = (
            lambda m: decision(m, "modify", body=new, url=other.url + "/v1/chat/completions?via=iron")
            if m["type"] == "llm.request"
            else decision(m)
        )
        result = self.call("/v1/chat/completions", CHAT, {"Authorization": "Bearer sk-x"})
        self.assertEqual((result.status, result.json()["choices"][0]["message"]["content"]), (200, "Hello!"))
        self.assertEqual(self.server.requests, [])
        got = other.requests[0]
        self.assertEqual((got["path"], json.loads(got["body"])), ("/v1/chat/completions?via=iron", new))
        self.assertEqual(got["headers"]["host"], other.url.split("//", 1)[1])
        self.assertEqual(got["headers"]["authorization"], "Bearer sk-x")
        self.assertEqual(self.wait_response()[0]["status"], 200)

    def test_azure_style_deployments_on_a_configured_base_url(self) -> None:
        self.peer.settings["providers"] = [{"name": "azure", "kind": "openai", "base_url": self.server.url + "/openai"}]
        self.reinstall(wait=True)  # the welcome carries the provider: calls before it only know the environment's
        body = {"messages": [{"role": "user", "content": "hi"}], "max_tokens": 5}
        path = "/openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21"
        self.assertEqual(self.call(path, body, {"api-key": "azure-secret-key"}).status, 200)
        req = self.peer.wait_for("llm.request")[0]
        self.assertEqual((req["provider"], req["model"], req["endpoint"]), ("azure", "gpt-4o-prod", "chat.completions"))
        self.assertTrue(req["url"].endswith(path))
        self.assertNotIn("azure-secret-key", json.dumps(self.peer.messages, default=str))
        self.assertEqual(self.server.requests[0]["headers"]["api-key"], "azure-secret-key")
