"""Small rules every side of the governor applies to decisions and headers."""
from __future__ import annotations

from typing import Callable, Optional

from . import denial as denials
from . import protocol
from .calls import Call
from .errors import IronError, NoDecision, ProtocolError
from .settings import Settings

HeaderGet = Callable[[str], Optional[str]]


def request_id(header: HeaderGet) -> Optional[str]:
    """The provider's request id header (OpenAI x-request-id, Anthropic request-id)."""
    return header("x-request-id") or header("request-id")


def retry_after(header: HeaderGet) -> Optional[float]:
    """Seconds the provider asked to wait: retry-after-ms (OpenAI), else retry-after in seconds or as
    an HTTP date; None when neither is there or readable (SPEC 3.6 retry_after)."""
    try:
        ms = header("retry-after-ms")
        if ms is not None:
            value = float(ms) / 1000.0
            if value >= 0 and value == value and value != float("inf"):
                return value
        text = header("retry-after")
        if text is None:
            return None
        text = text.strip()
        try:
            seconds = float(text)
        except ValueError:
            import email.utils
            import time

            when = email.utils.parsedate_to_datetime(text)
            seconds = max(0.0, when.timestamp() - time.time())
        return seconds if 0 <= seconds < float("inf") else None
    except Exception:  # noqa: BLE001 - an unreadable header is simply not reported
        return None


def checked_call(decided: Optional[str], call: Call) -> None:
    """A decision naming another call is a protocol error (never apply someone else's verdict)."""
    if decided and decided != call.id:
        raise ProtocolError(f"decision for call {decided!r} arrived for call {call.id!r}")


def checked(decision: protocol.Decision, call: Call) -> protocol.Decision:
    """checked_call() for a full decision."""
    checked_call(decision.call, call)
    return decision


def to_denial(call: Call, decision: protocol.Decision, default_reason: str) -> denials.Denial:
    """A deny decision as the shim shows it (403 and IRON_ERR_POLICY when the engine left them out)."""
    return denials.Denial(
        call.id,
        decision.code or "IRON_ERR_POLICY",
        decision.reason or default_reason,
        decision.policy,
        decision.status or denials.DEFAULT_STATUS,
        decision.retry_after,
    )


def as_no_decision(exc: IronError) -> NoDecision:
    """Any IronError on the way to a decision (too large, codec) becomes a fail-closed failure."""
    return exc if isinstance(exc, NoDecision) else NoDecision(exc.code, exc.message)


def denied(settings: Settings, call: Call, denial: denials.Denial) -> denials.SyntheticResponse:
    """Raises PolicyDenied (on_deny=raise) or returns the provider-format error response; either way
    the call is not reported (the engine already knows it denied it)."""
    call.report = False
    if settings.on_deny == "raise":
        raise denials.to_exception(denial)
    return denials.build(call.kind, denial)
