"""The stream reporter: a tap per SSE response, and the llm.chunk round trips (SPEC 3.6a)."""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple, Union

from . import denial as denials
from . import protocol
from .calls import Call
from .decision_rules import (
    HeaderGet,
    as_no_decision,
    checked_call,
    request_id,
    retry_after,
)
from .errors import INTERNAL, PROTOCOL, IronError, NoDecision, ProtocolError
from .flow import Flow, arun, run
from .internal import swallow
from .response_side import MAX_OUTPUT_CHARS
from .stream_filter import Answer, Ask, ChunkFilter
from .stream_release import Releaser
from .stream_text import shape_for
from .streams import StreamResult, accumulator_for
from .tap import StreamTap

if TYPE_CHECKING:
    from .client import Client

STREAM_DENY_REASON = "stream denied by policy"


class StreamReporter:
    """Streamed responses: the tap that reports each once, and the chunk filter's round trips."""

    def __init__(self, client: "Client") -> None:
        """The client carries the effective settings (fail_open, on_deny) read at each chunk."""
        self.client = client

    def open(self, call: Call, status: int, header: HeaderGet, encoding: Optional[str] = None) -> StreamTap:
        """A tap for a streamed (SSE) response: reports once when the stream ends, fails or is closed.

        encoding: the content-encoding of the bytes the tap will see (default: the response header's;
        "" for libraries that hand over decoded bytes)."""
        endpoint = call.info.target.endpoint
        acc = accumulator_for(call.kind, endpoint, call.added_usage)
        rid = request_id(header)
        wait = retry_after(header)

        def report(result: StreamResult, complete: bool, error: Optional[str]) -> None:
            """Fire-and-forget llm.response: the agent already has the stream, nothing waits."""
            if not call.report:
                return
            call.report = False
            if error is not None or status >= 400:
                self.client.link.grant = None  # a failure may open a breaker: ask again (SPEC 3.4a)
            latency = (time.perf_counter() - call.started) * 1000.0
            self.client.post(
                protocol.llm_response(
                    protocol.next_id(),
                    call.id,
                    status,
                    result.usage,
                    result.output[:MAX_OUTPUT_CHARS],
                    None,
                    latency,
                    True,
                    complete,
                    error,
                    rid,
                    result.model,
                    wait,
                )
            )

        if encoding is None:
            encoding = header("content-encoding") or ""
        if not call.chunks or not 200 <= status < 300:
            return StreamTap(acc, report, encoding, rewrite=call.added_usage)
        shape = shape_for(call.kind, endpoint)

        def deny_event(answer: Answer, sequence: Optional[int]) -> bytes:
            """The provider's own error event, ending the stream for the agent."""
            error, iron = denials.error_parts(call.kind, _stream_denial(call, answer))
            return shape.error_event(error, iron, sequence)

        releaser = Releaser.of(call.chunk_hints) if call.chunk_batch else None
        chunks = ChunkFilter(shape, deny_event, strip_usage_null=call.added_usage, releaser=releaser)
        ask, ask_async, abandon = self._chunk_askers(call)
        send, await_answer = self._chunk_pipeline(call, ask)
        return StreamTap(
            acc,
            report,
            encoding,
            rewrite=True,
            chunks=chunks,
            ask=ask,
            ask_async=ask_async,
            abandon=abandon,
            send=send,
            wait=await_answer,
            tell=None if releaser is None else self._teller(call),
        )

    def _teller(self, call: Call) -> Any:
        """Sends a read the shim released without asking (chunk hints): llm.chunk with released, no wait."""

        def tell(request: Ask) -> None:
            """The supervisor's filters follow it; it sends no decision (SPEC 3.6a)."""
            index = call.chunk_index
            call.chunk_index += len(request.texts) + (1 if request.done else 0)
            message = protocol.llm_chunks(protocol.next_id(), call.id, index, list(request.texts), request.done, True)
            try:
                self.client.post(message)
            except Exception as exc:  # noqa: BLE001
                swallow("released chunk", exc)

        return tell

    def _chunk_askers(self, call: Call) -> Tuple[Any, Any, Any]:
        """The blocking and the asyncio round trip for one Ask, and the fire-and-forget end."""

        def ask(request: Ask) -> Answer:
            """One llm.chunk from the reading thread."""
            return run(self._asking(call, request), self.client.request)

        async def ask_async(request: Ask) -> Answer:
            """One llm.chunk from a task (the loop keeps running)."""
            return await arun(self._asking(call, request), self.client.request_async)

        def abandon() -> None:
            """The caller closed the stream early: tell the engine the stream is over (nothing waits)."""
            try:
                self.client.post(self._chunk_message(call, "", True))
            except Exception as exc:  # noqa: BLE001
                swallow("chunk end", exc)

        return ask, ask_async, abandon

    def _chunk_pipeline(self, call: Call, ask: Any) -> Tuple[Any, Any]:
        """The pipelined round trip (read_ahead.py): send(ask) writes the llm.chunk now, in read order, and
        returns a handle; wait(handle) blocks for its answer. A supervisor that predates batches is asked
        delta by delta at wait(), as ask() does."""
        client = self.client

        def send(request: Ask) -> Any:
            """One llm.chunk for a read, sent now (several may be in flight: the governor answers in order)."""
            if not call.chunks:
                return Answer("allow", request.texts)
            if not call.chunk_batch:
                return request
            try:
                return client.begin(self._chunk_message(call, list(request.texts), request.done)), request
            except IronError as exc:
                return self._chunk_failure(call, request, as_no_decision(exc))

        def wait(handle: Any) -> Answer:
            """The answer to a sent llm.chunk (after a fail-open, no more waits)."""
            if isinstance(handle, Answer):
                return handle
            if isinstance(handle, Ask):
                return ask(handle)  # type: ignore[no-any-return]
            pending, request = handle
            if not call.chunks:
                client.drop(pending)
                return Answer("allow", request.texts)
            try:
                reply = client.finish(pending)
            except IronError as exc:
                return self._chunk_failure(call, request, as_no_decision(exc))
            return self._chunk_answer(call, reply, request)

        return send, wait

    def _asking(self, call: Call, request: Ask) -> Flow[Answer]:
        """The chunk flow: one llm.chunk for the whole read (chunk_batch), else one per delta and one for the
        end (a supervisor that predates batches); receives the decisions (or the failure to get one)."""
        if not call.chunks:  # failed open once: the rest of the stream passes unfiltered, no more waits
            return Answer("allow", request.texts)
        if call.chunk_batch:
            msg = self._chunk_message(call, list(request.texts), request.done)
            try:
                reply = yield msg
            except IronError as exc:
                return self._chunk_failure(call, request, as_no_decision(exc))
            return self._chunk_answer(call, reply, request)
        texts: List[str] = []
        answer = Answer("allow", ())
        steps = [(text, False) for text in request.texts] + ([("", True)] if request.done else [])
        for text, done in steps:
            try:
                reply = yield self._chunk_message(call, text, done)
            except IronError as exc:
                return self._chunk_failure(call, Ask(request.texts, request.done), as_no_decision(exc), texts)
            one = self._chunk_answer(call, reply, Ask((text,), done), single=True)
            if one.action == "deny":
                return one._replace(texts=tuple(texts))
            if not call.chunks:  # failed open: this delta and the rest pass as they are
                return Answer("allow", tuple(texts) + request.texts[len(texts) :])
            if done:
                answer = one._replace(texts=tuple(texts), rest=one.texts[0], action=_worse(answer.action, one.action))
            else:
                texts.append(one.texts[0])
                answer = one._replace(texts=tuple(texts), action=_worse(answer.action, one.action))
        return answer

    def _chunk_message(self, call: Call, text: Union[str, List[str]], done: bool) -> Dict[str, Any]:
        """The next llm.chunk of this call: one delta (text), or all of a read's (texts)."""
        index = call.chunk_index
        if isinstance(text, list):
            call.chunk_index += len(text) + (1 if done else 0)
            return protocol.llm_chunks(protocol.next_id(), call.id, index, text, done)
        call.chunk_index += 1
        return protocol.llm_chunk(protocol.next_id(), call.id, index, text, done)

    def _chunk_answer(self, call: Call, reply: Dict[str, Any], request: Ask, single: bool = False) -> Answer:
        """allow / redact emit the decision's texts; deny ends the stream; anything off-spec fails closed."""
        try:
            if reply.get("type") == "error":
                code, reason = protocol.parse_reject(reply)
                return self._chunk_failure(
                    call,
                    request,
                    NoDecision(code, f"the supervisor could not decide: {reason}"),
                )
            if single:
                one = protocol.parse_chunk_decision(reply, request.texts[0] if request.texts else "")
                decision = one._replace(texts=[one.text])
            else:
                decision = protocol.parse_chunks_decision(reply, list(request.texts), request.done)
            checked_call(decision.call, call)
        except ProtocolError as exc:
            return self._chunk_failure(call, request, NoDecision(PROTOCOL, exc.message))
        except Exception as exc:  # noqa: BLE001
            swallow("chunk decision", exc)
            return self._chunk_failure(
                call,
                request,
                NoDecision(INTERNAL, f"shim error applying a chunk decision: {exc!r}"),
            )
        texts = tuple(decision.texts or ())
        if decision.action == "deny":
            answer = Answer(
                "deny",
                texts,
                "",
                decision.code,
                decision.reason,
                decision.policy,
                decision.status,
            )
            return self._chunk_denied(call, answer)
        return Answer(decision.action, texts, decision.text, decision.code, decision.reason, decision.policy)

    def _chunk_failure(self, call: Call, request: Ask, failure: NoDecision, decided: Sequence[str] = ()) -> Answer:
        """No decision for a chunk: the stream ends after what was decided (fail closed), or it goes on
        unfiltered (fail open)."""
        if self.client.settings.fail_open:
            call.chunks = False
            return Answer("allow", tuple(decided) + request.texts[len(decided) :])
        return Answer("deny", tuple(decided), "", failure.code, failure.reason, None, failure.status)

    def _chunk_denied(self, call: Call, answer: Answer) -> Answer:
        """With on_deny="raise" a stream deny raises PolicyDenied from the agent's read."""
        if self.client.settings.on_deny == "raise":
            raise denials.to_exception(_stream_denial(call, answer))
        return answer


def _worse(a: str, b: str) -> str:
    """The stronger of two chunk actions (deny > redact > allow)."""
    order = ("allow", "redact", "deny")
    return a if order.index(a) >= order.index(b) else b


def _stream_denial(call: Call, answer: Answer) -> "denials.Denial":
    """A chunk decision's deny as a Denial: one spelling for the error event and the raised error."""
    return denials.Denial(
        call.id,
        answer.code or "IRON_ERR_POLICY",
        answer.reason or STREAM_DENY_REASON,
        answer.policy,
        answer.status or denials.DEFAULT_STATUS,
        None,
    )
