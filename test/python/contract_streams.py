"""The contract for streamed responses: reassembly with include_usage added then stripped, byte-for-byte
pass-through, early close, and the engine watching streamed text with llm.chunk (SPEC 3.6a)."""
from __future__ import annotations

import json
import threading
import time
from typing import Any, Dict

from iron_shim.client import Client
from iron_shim.read_ahead import Pipeline

from .contract_base import AUTH, CHAT, CLAUDE, ContractBase
from .llm_server import anthropic_sse, chat_sse
from .router_peer import decision
from .sse_read import Mask, events, text_of


class StreamContract(ContractBase):
    """What every interceptor does with a streamed response."""

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

    # ----- llm.chunk (SPEC 3.6a) -----
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
