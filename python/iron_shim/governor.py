"""The library-independent call flow every interceptor uses: before() -> Verdict, after() -> Outcome."""
from __future__ import annotations

import json
import time
from typing import Any, Callable, Iterable, Optional, Tuple, Union

from . import denial as denials
from . import protocol, providers, scrub, usage
from .calls import KEEP, PASS, Call, Outcome, Verdict, is_event_stream, json_bytes
from .client import Client
from .context import current_attrs
from .errors import DECISION_TIMEOUT, INTERNAL, PROTOCOL, IronError, NoDecision, PolicyDenied, ProtocolError
from .internal import swallow
from .streams import StreamResult, accumulator_for
from .tap import StreamTap

__all__ = ["Governor", "Call", "Verdict", "Outcome", "PASS", "KEEP", "is_event_stream"]

HeaderGet = Callable[[str], Optional[str]]
MAX_OUTPUT_CHARS = 2 * 1024 * 1024
MAX_REPORTED_BODY = 12 * 1024 * 1024


class Governor:
    """Turns requests into llm.request/decision round trips and responses into llm.response reports."""

    def __init__(self, client: Client) -> None:
        """Uses the client's effective settings (welcome settings win) at every call."""
        self.client = client

    def match(self, method: str, url: str, header: HeaderGet) -> Optional[providers.Target]:
        """The cheap first step: is this URL a governed LLM endpoint? (no body, no round trip)."""
        try:
            return providers.match_url(method, url, header, self.client.settings.providers)
        except Exception as exc:  # noqa: BLE001 - cannot tell it is an LLM call: let it pass
            swallow("match_url", exc)
            return None

    # ----- request side -----

    def on_bug(self, target: providers.Target, exc: Exception) -> Verdict:
        """An interceptor failed before the decision on a governed URL: fail closed (or open)."""
        swallow("interceptor before the decision", exc)
        info = providers.CallInfo(target, None, False, None, 0, None)
        return self._no_decision(Call(info, "unknown"), NoDecision(INTERNAL, f"shim error: {exc!r}"))

    def _prepare(self, target: providers.Target, method: str, url: str, headers: Iterable[Tuple[Any, Any]],
                 body: Optional[bytes], library: str) -> Union[Verdict, Tuple[Call, dict]]:
        """Recognises the call and builds its llm.request; a bug here fails closed."""
        call: Optional[Call] = None
        try:
            info = providers.inspect(target, url, body)
            if info is None:
                return PASS
            call = Call(info, library)
            msg = protocol.llm_request(
                protocol.next_id(), call.id, target.provider, target.endpoint, info.model, method.upper(),
                scrub.url(url), scrub.headers(headers), info.body, info.stream, info.est_input,
                info.est_output, library, current_attrs(),
            )
            return call, msg
        except Exception as exc:  # noqa: BLE001
            swallow("before()", exc)
            if call is None:
                return PASS
            return self._no_decision(call, NoDecision(INTERNAL, f"shim error before the decision: {exc!r}"))

    def before(self, target: providers.Target, method: str, url: str, headers: Iterable[Tuple[Any, Any]],
               body: Optional[bytes], library: str) -> Verdict:
        """Asks the engine about a request (blocking the calling thread up to timeout_ms)."""
        prepared = self._prepare(target, method, url, headers, body, library)
        if isinstance(prepared, Verdict):
            return prepared
        call, msg = prepared
        try:
            reply = self.client.request(msg)
        except IronError as exc:
            return self._no_decision(call, _as_no_decision(exc))
        return self._decide(call, reply)

    async def before_async(self, target: providers.Target, method: str, url: str,
                           headers: Iterable[Tuple[Any, Any]], body: Optional[bytes], library: str) -> Verdict:
        """The asyncio twin of before(): waits on a future instead of blocking the loop."""
        prepared = self._prepare(target, method, url, headers, body, library)
        if isinstance(prepared, Verdict):
            return prepared
        call, msg = prepared
        try:
            reply = await self.client.request_async(msg)
        except IronError as exc:
            return self._no_decision(call, _as_no_decision(exc))
        return self._decide(call, reply)

    def _decide(self, call: Call, reply: dict) -> Verdict:
        """Applies a request decision: allow, modify (new body) or deny."""
        try:
            if reply.get("type") == "error":
                code, reason = protocol.parse_reject(reply)
                return self._no_decision(call, NoDecision(code, f"the supervisor could not decide: {reason}"))
            decision = _checked(protocol.parse_decision(reply, protocol.REQUEST_ACTIONS), call)
            if decision.action == "deny":
                return self._deny(call, _denial(call, decision, "denied by policy"))
            new_body = decision.body if decision.action == "modify" else None
            return self._send(call, new_body)
        except PolicyDenied:
            raise
        except ProtocolError as exc:
            return self._no_decision(call, NoDecision(PROTOCOL, exc.message))
        except Exception as exc:  # noqa: BLE001
            swallow("decision", exc)
            return self._no_decision(call, NoDecision(INTERNAL, f"shim error applying the decision: {exc!r}"))

    def _send(self, call: Call, new_body: Any) -> Verdict:
        """Lets the call go, with the modified body and/or the usage request the shim adds."""
        body = new_body if new_body is not None else call.info.body
        info = call.info
        if (info.target.add_usage and info.stream and info.target.endpoint == "chat.completions"
                and isinstance(body, dict)):
            options = body.get("stream_options")
            if options is None or (isinstance(options, dict) and "include_usage" not in options):
                body = dict(body)
                body["stream_options"] = dict(options or {}, include_usage=True)
                call.added_usage = True
        changed = new_body is not None or call.added_usage
        call.started = time.perf_counter()
        return Verdict("send", call, json_bytes(body) if changed else None, None)

    def _deny(self, call: Call, denial: denials.Denial) -> Verdict:
        """Raises PolicyDenied (on_deny=raise) or returns the provider-format error response."""
        call.report = False
        if self.client.settings.on_deny == "raise":
            raise denials.to_exception(denial)
        return Verdict("deny", call, None, denials.build(call.kind, denial))

    def _no_decision(self, call: Call, failure: NoDecision) -> Verdict:
        """Fail closed (deny 503 with the failure's code) or, when fail_open, allow and report nothing."""
        if self.client.settings.fail_open:
            call.report = False
            call.started = time.perf_counter()
            return Verdict("send", call, None, None)
        if failure.code == DECISION_TIMEOUT:
            self._post_failure(call, f"{failure.code}: {failure.reason}")
        return self._deny(call, denials.Denial(call.id, failure.code, failure.reason, None, failure.status, None))

    def failed(self, call: Optional[Call], exc: BaseException) -> None:
        """The HTTP call itself raised (connection error, cancelled): report status 0 so the engine settles."""
        if call is not None and call.report:
            call.report = False
            self._post_failure(call, f"{type(exc).__name__}: {exc}")

    def _post_failure(self, call: Call, error: str) -> None:
        """Fire-and-forget llm.response for a call that produced no response (timeout, transport error)."""
        try:
            self.client.post(protocol.llm_response(
                protocol.next_id(), call.id, 0, None, "", None, (time.perf_counter() - call.started) * 1000.0,
                call.info.stream, False, error[:1000], None, None))
        except Exception as exc:  # noqa: BLE001
            swallow("failure report", exc)

    # ----- response side -----

    def _response_message(self, call: Call, status: int, header: HeaderGet, body: Optional[bytes]) -> dict:
        """The llm.response of a read (non-streamed) response."""
        parsed: Any = None
        if body:
            try:
                parsed = json.loads(body)
            except (ValueError, UnicodeDecodeError):
                parsed = None
        kind, endpoint = call.kind, call.info.target.endpoint
        error = usage.error_text(parsed) if status >= 400 else None
        if error is None and status >= 400:
            error = f"HTTP {status}"
        return protocol.llm_response(
            protocol.next_id(), call.id, status, usage.normalise(kind, (parsed or {}).get("usage")
                                                                    if isinstance(parsed, dict) else None),
            usage.output_text(kind, endpoint, parsed)[:MAX_OUTPUT_CHARS],
            parsed if body is not None and len(body) <= MAX_REPORTED_BODY else None,
            (time.perf_counter() - call.started) * 1000.0, False, True, error, _request_id(header),
            usage.response_model(parsed))

    def _response_prelude(self, call: Call, status: int, header: HeaderGet, body: Optional[bytes]) -> Optional[dict]:
        """The llm.response to send for this call (once), or None when nothing is to be reported."""
        if not call.report:
            return None
        call.report = False
        try:
            return self._response_message(call, status, header, body)
        except Exception as exc:  # noqa: BLE001
            swallow("after()", exc)
            return None

    def after(self, call: Call, status: int, header: HeaderGet, body: Optional[bytes]) -> Outcome:
        """Reports a read response and applies the answer (allow, redact, deny); blocks up to timeout_ms."""
        msg = self._response_prelude(call, status, header, body)
        if msg is None:
            return KEEP
        try:
            reply = self.client.request(msg)
        except IronError as exc:
            return self._response_no_decision(call, _as_no_decision(exc))
        return self._decide_response(call, reply)

    async def after_async(self, call: Call, status: int, header: HeaderGet, body: Optional[bytes]) -> Outcome:
        """The asyncio twin of after()."""
        msg = self._response_prelude(call, status, header, body)
        if msg is None:
            return KEEP
        try:
            reply = await self.client.request_async(msg)
        except IronError as exc:
            return self._response_no_decision(call, _as_no_decision(exc))
        return self._decide_response(call, reply)

    def _decide_response(self, call: Call, reply: dict) -> Outcome:
        """allow keeps the body, redact replaces it, deny swaps in the error response."""
        try:
            if reply.get("type") == "error":
                code, reason = protocol.parse_reject(reply)
                return self._response_no_decision(call, NoDecision(code, reason))
            decision = _checked(protocol.parse_decision(reply, protocol.RESPONSE_ACTIONS), call)
            if decision.action == "redact":
                return Outcome("replace", json_bytes(decision.body), None)
            if decision.action == "deny":
                verdict = self._deny(call, _denial(call, decision, "response denied by policy"))
                return Outcome("deny", None, verdict.response)
            return KEEP
        except PolicyDenied:
            raise
        except ProtocolError as exc:
            return self._response_no_decision(call, NoDecision(PROTOCOL, exc.message))
        except Exception as exc:  # noqa: BLE001
            swallow("response decision", exc)
            return KEEP

    def _response_no_decision(self, call: Call, failure: NoDecision) -> Outcome:
        """No answer about a response: fail closed like a request (or keep it when fail_open)."""
        if self.client.settings.fail_open:
            return KEEP
        verdict = self._deny(call, denials.Denial(call.id, failure.code, failure.reason, None, failure.status, None))
        return Outcome("deny", None, verdict.response)

    def open_stream(self, call: Call, status: int, header: HeaderGet, encoding: Optional[str] = None) -> StreamTap:
        """A tap for a streamed (SSE) response: reports once when the stream ends, fails or is closed.

        encoding: the content-encoding of the bytes the tap will see (default: the response header's;
        "" for libraries that hand over decoded bytes)."""
        acc = accumulator_for(call.kind, call.info.target.endpoint, call.added_usage)
        request_id = _request_id(header)

        def report(result: StreamResult, complete: bool, error: Optional[str]) -> None:
            """Fire-and-forget llm.response: the agent already has the stream, nothing waits."""
            if not call.report:
                return
            call.report = False
            latency = (time.perf_counter() - call.started) * 1000.0
            self.client.post(protocol.llm_response(
                protocol.next_id(), call.id, status, result.usage, result.output[:MAX_OUTPUT_CHARS], None,
                latency, True, complete, error, request_id, result.model))

        if encoding is None:
            encoding = header("content-encoding") or ""
        return StreamTap(acc, report, encoding, rewrite=call.added_usage)


def _request_id(header: HeaderGet) -> Optional[str]:
    """The provider's request id header (OpenAI x-request-id, Anthropic request-id)."""
    return header("x-request-id") or header("request-id")


def _checked(decision: protocol.Decision, call: Call) -> protocol.Decision:
    """A decision naming another call is a protocol error (never apply someone else's verdict)."""
    if decision.call and decision.call != call.id:
        raise ProtocolError(f"decision for call {decision.call!r} arrived for call {call.id!r}")
    return decision


def _denial(call: Call, decision: protocol.Decision, default_reason: str) -> denials.Denial:
    """A deny decision as the shim shows it (403 and IRON_ERR_POLICY when the engine left them out)."""
    return denials.Denial(call.id, decision.code or "IRON_ERR_POLICY", decision.reason or default_reason,
                          decision.policy, decision.status or denials.DEFAULT_STATUS, decision.retry_after)


def _as_no_decision(exc: IronError) -> NoDecision:
    """Any IronError on the way to a decision (too large, codec) becomes a fail-closed failure."""
    return exc if isinstance(exc, NoDecision) else NoDecision(exc.code, exc.message)
