"""Builds the provider-format error response a denied call answers with (protocol/SPEC.md 3.5)."""
from __future__ import annotations

import json
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

from .errors import PolicyDenied
from .provider_facts import GEMINI_ERROR_STATUS
from . import azure_filter
from .providers import ANTHROPIC, AZURE, BEDROCK, GEMINI, OLLAMA

DEFAULT_STATUS = 403
_ANTHROPIC_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    503: "overloaded_error",
    529: "overloaded_error",
}
#: HTTP status of a denial -> Bedrock's error code (botocore's ClientError.response["Error"]["Code"]).
BEDROCK_CODES = {
    400: "ValidationException",
    402: "ServiceQuotaExceededException",
    403: "AccessDeniedException",
    404: "ResourceNotFoundException",
    408: "ModelTimeoutException",
    424: "ModelErrorException",
    429: "ThrottlingException",
    503: "ServiceUnavailableException",
}
_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    408: "Request Timeout",
    409: "Conflict",
    413: "Payload Too Large",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    529: "Overloaded",
}


class Denial(NamedTuple):
    """Everything a deny needs: who decided what, and how it is shown to the agent."""

    call: str
    code: str
    reason: str
    policy: Optional[str]
    status: int
    retry_after: Optional[float]


class SyntheticResponse(NamedTuple):
    """An HTTP response built in-process: each library interceptor turns it into its own type."""

    status: int
    reason: str
    headers: List[Tuple[str, str]]
    body: bytes


def anthropic_error_type(status: int) -> str:
    """Anthropic's error.type for a status: 4xx by table, other >= 500 api_error."""
    known = _ANTHROPIC_TYPES.get(status)
    if known is not None:
        return known
    return "api_error" if status >= 500 else "invalid_request_error"


def gemini_status(status: int) -> str:
    """Gemini's (gRPC) error.status for an HTTP status: 4xx by table, other >= 500 INTERNAL."""
    known = GEMINI_ERROR_STATUS.get(status)
    if known is not None:
        return known
    return "INTERNAL" if status >= 500 else "FAILED_PRECONDITION"


def bedrock_code(status: int) -> str:
    """Bedrock's error code for a status: by table, else InternalServerException (5xx) or ValidationException."""
    known = BEDROCK_CODES.get(status)
    if known is not None:
        return known
    return "InternalServerException" if status >= 500 else "ValidationException"


def reason_phrase(status: int) -> str:
    """The HTTP reason phrase for a status."""
    return _REASONS.get(status, "Error")


def _retry_after_text(seconds: float) -> str:
    """Seconds as the SDKs parse them: an integer when whole, else a decimal."""
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:.3f}".rstrip("0")


def error_parts(kind: str, denial: Denial) -> Tuple[Any, Dict[str, Any]]:
    """The provider's error object for a deny, and the iron map beside it (shared by responses and streams)."""
    status = denial.status if 100 <= denial.status <= 599 else DEFAULT_STATUS
    iron = {"code": denial.code, "policy": denial.policy, "call": denial.call}
    if kind == OLLAMA:  # Ollama's error is a bare string: {"error": "..."}
        return f"iron: {denial.reason} ({denial.code})", iron
    if kind == AZURE and azure_filter.filtered(denial.code, denial.policy):
        return azure_filter.error(f"iron: {denial.reason}", denial.code), iron
    if kind == BEDROCK:  # botocore reads the code from x-amzn-errortype (or __type) and the message
        return {"code": bedrock_code(status), "message": f"iron: {denial.reason} ({denial.code})"}, iron
    if kind == ANTHROPIC:
        return {"type": anthropic_error_type(status), "message": f"iron: {denial.reason} ({denial.code})"}, iron
    if kind == GEMINI:
        return {
            "code": status,
            "message": f"iron: {denial.reason} ({denial.code})",
            "status": gemini_status(status),
        }, iron
    return {"message": f"iron: {denial.reason}", "type": "iron_policy_denied", "param": None, "code": denial.code}, iron


def build(kind: str, denial: Denial) -> SyntheticResponse:
    """The status, headers and body of the deny, in the provider's own error shape."""
    status = denial.status if 100 <= denial.status <= 599 else DEFAULT_STATUS
    if kind == AZURE and azure_filter.filtered(denial.code, denial.policy):
        status = azure_filter.FILTER_STATUS
    error, iron = error_parts(kind, denial)
    body: Dict[str, Any] = (
        {"type": "error", "error": error, "iron": iron} if kind == ANTHROPIC else {"error": error, "iron": iron}
    )
    if kind == BEDROCK:
        body = {"__type": error["code"], "message": error["message"], "iron": iron}
    data = json.dumps(body).encode("utf-8")
    headers = [("content-type", "application/json"), ("content-length", str(len(data)))]
    if kind == BEDROCK:
        headers.append(("x-amzn-errortype", error["code"]))
    if status == 429:
        if denial.retry_after is not None:
            headers.append(("retry-after", _retry_after_text(denial.retry_after)))
    else:
        headers.append(("x-should-retry", "false"))
    headers.append(("x-request-id", f"iron-{denial.call}"))
    if kind == ANTHROPIC:
        headers.append(("request-id", f"iron-{denial.call}"))
    headers.append(("x-iron-code", denial.code))
    if denial.policy:
        headers.append(("x-iron-policy", denial.policy))
    return SyntheticResponse(status, reason_phrase(status), headers, data)


def to_exception(denial: Denial) -> PolicyDenied:
    """The on_deny="raise" form of a deny."""
    return PolicyDenied(denial.code, denial.reason, denial.call, denial.policy, denial.status, denial.retry_after)
