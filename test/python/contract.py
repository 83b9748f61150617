"""The behaviour every interceptor owes, written once and run per library and per sync/async flavour.

A concrete test case mixes Contract into ShimTestCase and implements call(), stream() and get().
"""
from __future__ import annotations

import json
import threading
import time
from typing import Any, Dict, NamedTuple, Optional

import iron_shim
from iron_shim.client import Client
from iron_shim.read_ahead import Pipeline

from .llm_server import LLMServer, anthropic_sse, chat_sse
from .router_peer import RouterPeer, decision
from .sse_read import Mask, events, text_of

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hello there, my friend"}], "max_tokens": 64}
CLAUDE = {"model": "claude-3-5-sonnet-20241022", "max_tokens": 256, "messages": [{"role": "user", "content": "Hi"}]}
AUTH = {"Authorization": "Bearer sk-secret-123", "x-api-key": "sk-ant-secret", "anthropic-version": "2023-06-01"}


class Result(NamedTuple):
    """What the agent's code saw: status, lower-cased headers, body bytes."""

    status: int
    headers: Dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Contract:
    """Behaviours: allow, deny (both shapes), modify, raise, fail closed/open, timeout, reject, non-LLM
    untouched, streaming reassembly with include_usage add/strip, early close, redaction."""

    library = ""

    # ----- to implement per library -----
    def call(self, path: str, body: Any, headers: Optional[Dict[str, str]] = None) -> Result:
        raise NotImplementedError

    def stream(self, path: str, body: Any, keep: Optional[int] = None) -> bytes:
        """Reads the whole SSE body, or only `keep` bytes and then closes the response."""
        raise NotImplementedError

    def get(self, path: str) -> Result:
        raise NotImplementedError

    # ----- helpers -----
    def reinstall(self, **settings: Any) -> None:
        iron_shim.uninstall()
        args = dict(
            {
                "endpoint": self.peer.endpoint,
                "token": "tok-test",
                "agent": "test-agent",
                "timeout_ms": 3000,
                "strict": True,
                "wait": False,
            },
            **settings,
        )
        iron_shim.install(**args)

    def wait_response(self, count: int = 1):
        return self.peer.wait_for("llm.response", count)

    # ----- the contract -----
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

    def test_streaming_reassembly_with_include_usage_added_then_stripped(self) -> None:
        body = dict(CHAT, stream=True)
        seen = self.stream("/v1/chat/completions", body)
        self.assertEqual(seen, "".join(chat_sse(False)).encode())
        self.assertEqual(json.loads(self.server.requests[0]["body"])["stream_options"], {"include_usage": True})
        resp = self.wait_response()[0]
        self.assertEqual((resp["output"], resp["stream"], resp["complete"], resp["body"]), ("Hello!", True, True, None))
        self.assertEqual(resp["usage"]["input_tokens"], 9)
        self.assertEqual(resp["request_id"], "req_test_sse")

    def test_user_include_usage_is_left_alone(self) -> None:
        body = dict(CHAT, stream=True, stream_options={"include_usage": True})
        self.assertEqual(self.stream("/v1/chat/completions", body), "".join(chat_sse(True)).encode())

    def test_anthropic_stream_passes_through_byte_for_byte(self) -> None:
        seen = self.stream("/v1/messages", dict(CLAUDE, stream=True))
        self.assertEqual(seen, "".join(anthropic_sse()).encode())
        resp = self.wait_response()[0]
        self.assertEqual(
            (resp["output"], resp["usage"]["output_tokens"], resp["usage"]["cached_input_tokens"]), ("Hello!", 15, 5)
        )

    def test_early_close_reports_once_incomplete(self) -> None:
        self.server.delay = 0.02
        self.stream("/v1/chat/completions", dict(CHAT, stream=True), keep=100)
        resp = self.wait_response()[0]
        self.assertFalse(resp["complete"])
        time.sleep(0.2)
        self.assertEqual(len(self.peer.of_type("llm.response")), 1)

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

    # ----- modify.url, Azure-style providers, llm.chunk (SPEC 3.5, 3.6a) -----
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

    def chunk_filter(self, word: str, deny_at: int = -1) -> None:
        """The engine watches streamed text: masks `word` (holding back across deltas), or denies a chunk."""
        mask = Mask(word)

        def decide(m: Dict[str, Any]) -> Dict[str, Any]:
            if m["type"] == "llm.request":
                return decision(m, stream_chunks=True)
            if m["type"] == "llm.chunk":
                if m["index"] == deny_at:
                    return decision(m, "deny", policy="pii", code="IRON_ERR_PII", reason="an email address", text="")
                return decision(m, text=mask.end() if m["done"] else mask.push(m["text"]))
            return decision(m)

        self.decide = decide

    def test_stream_chunks_reach_the_agent_as_the_engine_rewrote_them(self) -> None:
        self.chunk_filter("llo")
        seen = self.stream("/v1/chat/completions", dict(CHAT, stream=True))
        self.assertEqual(text_of("chat.completions", seen), "He***!")
        self.assertNotIn(b'"usage"', seen)
        chunks = self.peer.wait_for("llm.chunk", 4)
        self.assertEqual(
            [(c["index"], c["text"], c["done"]) for c in chunks],
            [(0, "Hel", False), (1, "lo", False), (2, "!", False), (3, "", True)],
        )
        call = self.peer.of_type("llm.request")[0]["call"]
        self.assertTrue(all(c["call"] == call for c in chunks))
        resp = self.wait_response()[0]
        self.assertEqual((resp["output"], resp["complete"], resp["usage"]["output_tokens"]), ("He***!", True, 3))
        self.assertEqual(self.server.requests[0]["headers"].get("accept-encoding"), "identity")

    def test_anthropic_stream_chunks_hold_back_until_the_end(self) -> None:
        self.chunk_filter("o!?")
        seen = self.stream(
            "/v1/messages",
            dict(CLAUDE, stream=True),
        )
        self.assertEqual(text_of("messages", seen), "Hello!")
        kinds = [json.loads(data)["type"] for _, data in events(seen)]
        self.assertEqual(kinds[-4:], ["content_block_delta", "content_block_stop", "message_delta", "message_stop"])

    def test_a_stream_denied_mid_way_ends_with_the_providers_error_event(self) -> None:
        self.chunk_filter("zzz", deny_at=1)
        seen = self.stream("/v1/chat/completions", dict(CHAT, stream=True))
        self.assertEqual(text_of("chat.completions", seen), "Hel")
        error = json.loads(events(seen)[-1][1])["error"]
        self.assertEqual((error["code"], error["message"]), ("IRON_ERR_PII", "iron: an email address"))
        resp = self.wait_response()[0]
        self.assertEqual(
            (resp["complete"], resp["error"], resp["output"]), (False, "IRON_ERR_PII: an email address", "Hel")
        )

    def test_a_chunk_without_a_decision_ends_the_stream_or_with_fail_open_lets_it_pass(self) -> None:
        self.decide = (
            lambda m: None
            if m["type"] == "llm.chunk"
            else decision(m, stream_chunks=True)
            if m["type"] == "llm.request"
            else decision(m)
        )
        self.reinstall(timeout_ms=300, wait=True)
        seen = self.stream("/v1/chat/completions", dict(CHAT, stream=True))
        self.assertEqual(text_of("chat.completions", seen), "")
        self.assertEqual(json.loads(events(seen)[-1][1])["error"]["code"], "IRON_ERR_DECISION_TIMEOUT")
        self.reinstall(timeout_ms=300, fail_open=True, wait=True)
        before = len(self.peer.of_type("llm.chunk"))
        seen = self.stream("/v1/chat/completions", dict(CHAT, stream=True))
        self.assertEqual(text_of("chat.completions", seen), "Hello!")
        self.assertEqual(len(self.peer.of_type("llm.chunk")) - before, 1)  # one wait, then no more round trips

    def test_batched_chunks_ask_once_per_read_and_the_text_arrives_rewritten(self) -> None:
        mask = Mask("llo")

        def decide(m: Dict[str, Any]) -> Dict[str, Any]:
            if m["type"] == "llm.request":
                return decision(m, stream_chunks=True, chunk_batch=True)
            if m["type"] == "llm.chunk":
                texts = [mask.push(t) for t in m["texts"]]
                return decision(m, texts=texts, text=mask.end() if m["done"] else "")
            return decision(m)

        self.decide = decide
        seen = self.stream("/v1/chat/completions", dict(CHAT, stream=True))
        self.assertEqual(text_of("chat.completions", seen), "He***!")
        chunks = self.peer.of_type("llm.chunk")
        self.assertTrue(all("texts" in c and "text" not in c for c in chunks))
        self.assertEqual([t for c in chunks for t in c["texts"]], ["Hel", "lo", "!"])
        self.assertEqual([c["done"] for c in chunks].count(True), 1)
        self.assertEqual(chunks[0]["index"], 0)
        resp = self.wait_response()[0]
        self.assertEqual((resp["output"], resp["complete"]), ("He***!", True))

    def read_everything(self) -> threading.Event:
        """An event set once the shim has read the whole body while a chunk ask was in flight (the blocking
        libraries read ahead through read_ahead.Pipeline; the asyncio ones override this)."""
        done = threading.Event()
        pump = Pipeline._pump

        def watched(reader: Pipeline) -> None:
            pump(reader)
            if reader._body_ended:
                done.set()

        Pipeline._pump = watched  # type: ignore[method-assign]
        self.addCleanup(setattr, Pipeline, "_pump", pump)
        return done

    def test_what_arrives_while_a_chunk_ask_is_in_flight_goes_with_the_next_ask(self) -> None:
        """SPEC 3.6a: deltas already read travel together, never a round trip each (the server holds the
        rest of the stream until the first ask is in flight; the engine answers once all of it was read)."""
        read_all, gate = self.read_everything(), threading.Event()
        self.server.gate = gate
        self.addCleanup(setattr, self.server, "gate", None)

        def decide(m: Dict[str, Any]) -> Dict[str, Any]:
            if m["type"] == "llm.request":
                return decision(m, stream_chunks=True, chunk_batch=True)
            if m["type"] == "llm.chunk":
                if not gate.is_set():
                    gate.set()
                    read_all.wait(2)  # below the decision timeout: a missing read-ahead fails the assertion
                return decision(m, texts=[t.upper() for t in m["texts"]], text="")
            return decision(m)

        self.decide = decide
        seen = self.stream("/v1/chat/completions", dict(CHAT, stream=True))
        self.assertEqual(text_of("chat.completions", seen), "HELLO!")
        chunks = self.peer.of_type("llm.chunk")
        self.assertEqual([(c["texts"], c["done"]) for c in chunks], [(["Hel"], False), (["lo", "!"], True)])
        self.assertTrue(read_all.is_set())

    #: The blocking libraries pipeline their chunk asks (read_ahead.Pipeline); the asyncio ones await each
    #: ask while the event loop reads on, and ask again with everything it read.
    pipelined = True

    def test_the_ask_about_the_end_goes_out_before_the_answer_to_the_previous_ask_comes(self) -> None:
        """SPEC 3.6a: the asks are pipelined, so the wait for the supervisor overlaps reading: the rest of the
        stream, read while the first ask is in flight, is asked about as soon as its end was read (the
        engine holds the first answer until the second ask has been sent)."""
        if not self.pipelined:
            self.skipTest("an asyncio library asks one read at a time while its loop reads on")
        second, gate = threading.Event(), threading.Event()
        self.server.gate = gate
        self.addCleanup(setattr, self.server, "gate", None)
        begin = Client.begin

        def watched(client: Client, msg: Dict[str, Any]) -> Any:
            pending = begin(client, msg)
            if msg.get("type") == "llm.chunk" and msg.get("index", 0) > 0:
                second.set()
            return pending

        Client.begin = watched  # type: ignore[method-assign]
        self.addCleanup(setattr, Client, "begin", begin)

        def decide(m: Dict[str, Any]) -> Dict[str, Any]:
            if m["type"] == "llm.request":
                return decision(m, stream_chunks=True, chunk_batch=True)
            if m["type"] == "llm.chunk":
                if not gate.is_set():
                    gate.set()
                    second.wait(2)  # below the decision timeout: asks one at a time fail the assertion
                return decision(m, texts=[t.upper() for t in m["texts"]], text="")
            return decision(m)

        self.decide = decide
        seen = self.stream("/v1/chat/completions", dict(CHAT, stream=True))
        self.assertEqual(text_of("chat.completions", seen), "HELLO!")
        self.assertTrue(second.is_set())
        chunks = self.peer.of_type("llm.chunk")
        self.assertEqual([(c["texts"], c["done"]) for c in chunks], [(["Hel"], False), (["lo", "!"], True)])

    def test_a_deny_with_the_next_ask_in_flight_ends_the_stream_there(self) -> None:
        """The engine denies the first ask after the second was sent (pipelined): the agent gets the provider's
        error event and nothing of the rest; the report names the deny."""
        gate = threading.Event()
        self.server.gate = gate
        self.addCleanup(setattr, self.server, "gate", None)

        def decide(m: Dict[str, Any]) -> Dict[str, Any]:
            if m["type"] == "llm.request":
                return decision(m, stream_chunks=True, chunk_batch=True)
            if m["type"] == "llm.chunk" and m["index"] == 0:
                gate.set()
                if self.pipelined:
                    self.peer_saw_second.wait(2)
                return decision(m, "deny", policy="pii", code="IRON_ERR_PII", reason="an email address", texts=[])
            return decision(m, texts=list(m.get("texts") or ()), text="")

        self.peer_saw_second = threading.Event()
        begin = Client.begin

        def watched(client: Client, msg: Dict[str, Any]) -> Any:
            pending = begin(client, msg)
            if msg.get("type") == "llm.chunk" and msg.get("index", 0) > 0:
                self.peer_saw_second.set()
            return pending

        Client.begin = watched  # type: ignore[method-assign]
        self.addCleanup(setattr, Client, "begin", begin)
        self.decide = decide
        seen = self.stream("/v1/chat/completions", dict(CHAT, stream=True))
        self.assertEqual(text_of("chat.completions", seen), "")
        last = events(seen)[-1][1]
        self.assertEqual(json.loads(last)["error"]["code"], "IRON_ERR_PII")
        self.assertNotIn(b"[DONE]", seen)
        resp = self.wait_response()[0]
        self.assertEqual(
            (resp["complete"], resp["error"], resp["output"]), (False, "IRON_ERR_PII: an email address", "")
        )

    def test_a_watched_stream_closed_early_reports_once_incomplete(self) -> None:
        """The caller stops reading mid-stream while the helper reads on: one report, incomplete."""
        self.chunk_filter("llo")
        self.server.delay = 0.02
        self.stream("/v1/chat/completions", dict(CHAT, stream=True), keep=100)
        resp = self.wait_response()[0]
        self.assertFalse(resp["complete"])
        time.sleep(0.2)
        self.assertEqual(len(self.peer.of_type("llm.response")), 1)

    def test_a_response_no_policy_can_act_on_is_reported_without_waiting(self) -> None:
        self.decide = (
            lambda m: decision(m, response_decision=False)
            if m["type"] == "llm.request"
            else None  # the response is never answered: the call must not wait for it
        )
        self.reinstall(timeout_ms=60000, wait=True)
        result = self.call("/v1/chat/completions", CHAT, AUTH)
        self.assertEqual(result.status, 200)
        resp = self.wait_response()[0]
        self.assertEqual((resp["status"], resp["complete"], resp["output"]), (200, True, "Hello!"))
        self.assertEqual(resp["call"], self.peer.of_type("llm.request")[-1]["call"])
        self.assertEqual((resp["body"], resp["finish_reasons"]), (None, ["stop"]))  # no policy reads the body


__all__ = ["Contract", "Result", "RouterPeer"]
