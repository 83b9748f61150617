"""The shim's error catalogue: stable IRON_ERR_* codes shared with src/errors.ts."""
from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up (see named_tuple.py)
if TYPE_CHECKING:
    from typing import Optional


SUPERVISOR_UNAVAILABLE = "IRON_ERR_SUPERVISOR_UNAVAILABLE"
DECISION_TIMEOUT = "IRON_ERR_DECISION_TIMEOUT"
AUTH = "IRON_ERR_AUTH"
#: The other side speaks another handshake (a supervisor that asks for the token in clear).
VERSION_MISMATCH = "IRON_ERR_VERSION"
PROTOCOL = "IRON_ERR_PROTOCOL"
#: A tls:// endpoint whose certificate is not the pinned one (or no pin was given).
TLS_FINGERPRINT = "IRON_ERR_TLS_FINGERPRINT"
INTERNAL = "IRON_ERR_INTERNAL"
CONFIG = "IRON_ERR_CONFIG"
POLICY = "IRON_ERR_POLICY"


class IronError(Exception):
    """Base of every error the shim raises; ``code`` is a stable IRON_ERR_* string."""

    code: str

    def __init__(self, code: str, message: str) -> None:
        """Keeps the code beside a human message that starts with it."""
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    def __reduce__(self):  # type: ignore[no-untyped-def]
        """Keeps the error picklable (multiprocessing, concurrent.futures)."""
        return (type(self), (self.code, self.message))


class IronConnectionError(IronError):
    """install(wait=True) could not get a welcome: IRON_ERR_AUTH or IRON_ERR_SUPERVISOR_UNAVAILABLE."""


class ProtocolError(IronError):
    """Bytes or a message that do not follow protocol/SPEC.md (codec, ZMTP or message shape)."""

    def __init__(self, message: str) -> None:
        """Always IRON_ERR_PROTOCOL."""
        super().__init__(PROTOCOL, message)

    def __reduce__(self):  # type: ignore[no-untyped-def]
        """Pickles with the single message argument."""
        return (type(self), (self.message,))


class TlsPinError(IronError):
    """A tls:// supervisor's certificate is not the pinned one, or there is no pin: nothing was sent."""

    def __init__(self, message: str) -> None:
        """Always IRON_ERR_TLS_FINGERPRINT."""
        super().__init__(TLS_FINGERPRINT, message)

    def __reduce__(self):  # type: ignore[no-untyped-def]
        """Pickles with the single message argument."""
        return (type(self), (self.message,))


class NoDecision(IronError):
    """A call could not get a decision (unreachable, timeout, rejected, error reply): fail closed."""

    def __init__(self, code: str, message: str, status: int = 503) -> None:
        """Carries the HTTP status the synthetic denial uses."""
        super().__init__(code, message)
        self.reason = message
        self.status = status

    def __reduce__(self):  # type: ignore[no-untyped-def]
        """Pickles with the status."""
        return (type(self), (self.code, self.message, self.status))


class PolicyDenied(IronError):
    """Raised instead of a synthetic error response when on_deny is "raise"."""

    def __init__(
        self,
        code: str,
        reason: str,
        call_id: str,
        policy: Optional[str] = None,
        status: int = 403,
        retry_after: Optional[float] = None,
    ) -> None:
        """Exposes every field of the deny decision as an attribute."""
        super().__init__(code, reason)
        self.reason = reason
        self.call_id = call_id
        self.policy = policy
        self.status = status
        self.retry_after = retry_after

    def __reduce__(self):  # type: ignore[no-untyped-def]
        """Keeps the exception picklable (multiprocessing, concurrent.futures)."""
        return (
            PolicyDenied,
            (self.code, self.reason, self.call_id, self.policy, self.status, self.retry_after),
        )
