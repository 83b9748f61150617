"""The response reporter: reports a read (non-streamed) response and applies allow / redact / deny."""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Optional

from . import denial as denials
from . import json_body, protocol, response_hints, usage
from .calls import KEEP, Call, Outcome, json_bytes
from .decision_rules import HeaderGet, as_no_decision, checked, denied, request_id, retry_after, to_denial
from .errors import PROTOCOL, IronError, NoDecision, PolicyDenied, ProtocolError
from .flow import Flow, arun, run
from .internal import swallow

if TYPE_CHECKING:
    from .client import Client

MAX_OUTPUT_CHARS = 2 * 1024 * 1024
MAX_REPORTED_BODY = 12 * 1024 * 1024


class ResponseReporter:
    """Everything after a non-streamed response arrived: the llm.response round trip and its answer."""

    def __init__(self, client: "Client") -> None:
        """The client carries the effective settings (fail_open, on_deny) read at each response."""
        self.client = client

    def _response_message(self, call: Call, status: int, header: HeaderGet, body: Optional[bytes]) -> dict:
        """The llm.response of a read (non-streamed) response."""
        parsed: Any = None
        raw: Optional[bytes] = None
        if body:
            try:
                parsed, raw = json_body.loads(body)
            except (ValueError, UnicodeDecodeError):
                parsed = None
        kind, endpoint = call.kind, call.info.target.endpoint
        error = usage.error_text(parsed) if status >= 400 else None
        if error is None and status >= 400:
            error = f"HTTP {status}"
        if error is not None:
            # A failure may open a breaker: calls ask again until a decision brings a new grant.
            self.client.link.grant = None
        # No policy acts on this response, so none reads its body: its finish reasons stand in for it.
        reported = parsed if call.response_decision and body is not None and len(body) <= MAX_REPORTED_BODY else None
        if reported is None or protocol.BODY_JSON not in self.client.link.features:
            raw = None
        msg = protocol.llm_response(
            protocol.next_id(),
            call.id,
            status,
            usage.normalise(kind, usage.usage_of(kind, parsed)),
            usage.output_text(kind, endpoint, parsed)[:MAX_OUTPUT_CHARS],
            reported,
            (time.perf_counter() - call.started) * 1000.0,
            False,
            True,
            error,
            request_id(header),
            usage.response_model(parsed),
            retry_after(header),
            raw,
        )
        if not call.response_decision:
            reasons = usage.finish_reasons(parsed)
            if reasons:
                msg["finish_reasons"] = reasons
        elif (
            call.response_hints is not None
            and reported is not None
            and status < 400
            and response_hints.clean(call.response_hints, parsed, msg["output"])
        ):
            # No policy could act on this response (no hint matches): it is released at once and still
            # reported with its body, so the supervisor decides on it and records it as before.
            call.response_decision = False
        return msg

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
        return run(self._reporting(call, status, header, body), self.client.request)

    async def after_async(self, call: Call, status: int, header: HeaderGet, body: Optional[bytes]) -> Outcome:
        """after() for a coroutine."""
        return await arun(self._reporting(call, status, header, body), self.client.request_async)

    def _reporting(self, call: Call, status: int, header: HeaderGet, body: Optional[bytes]) -> Flow[Outcome]:
        """The response flow: yields the llm.response, receives the decision (or the failure to get one)."""
        msg = self._response_prelude(call, status, header, body)
        if msg is None:
            return KEEP
        if not call.response_decision:
            # No policy can act on this response (the request decision said so): report it, wait for nothing.
            self.client.post(msg)
            return KEEP
        try:
            reply = yield msg
        except IronError as exc:
            return self._response_no_decision(call, as_no_decision(exc))
        return self._decide_response(call, reply)

    def _decide_response(self, call: Call, reply: dict) -> Outcome:
        """allow keeps the body, redact replaces it, deny swaps in the error response."""
        try:
            if reply.get("type") == "error":
                code, reason = protocol.parse_reject(reply)
                return self._response_no_decision(call, NoDecision(code, reason))
            decision = checked(protocol.parse_decision(reply, protocol.RESPONSE_ACTIONS), call)
            if decision.action == "redact":
                return Outcome("replace", json_bytes(decision.body), None)
            if decision.action == "deny":
                denial = to_denial(call, decision, "response denied by policy")
                return Outcome("deny", None, denied(self.client.settings, call, denial))
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
        denial = denials.Denial(call.id, failure.code, failure.reason, None, failure.status, None)
        return Outcome("deny", None, denied(self.client.settings, call, denial))
