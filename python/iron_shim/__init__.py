"""iron_shim: governs every LLM call of this Python process through the iron supervisor.

Injected by ``iron run`` (via sitecustomize) or used directly::

    import iron_shim
    iron_shim.install(endpoint="ipc:///run/iron/iron.sock", token="...", agent="my-agent")

Every HTTP call to an LLM API made through httpx or httpx2 (the OpenAI and Anthropic SDKs), requests,
urllib or aiohttp, streamed or not, is then shown to the supervisor's policy engine before it leaves
the process and again when the answer comes back. Calls the engine denies answer with the provider's own error shape (or raise
:class:`PolicyDenied` with ``on_deny="raise"``).
"""
from __future__ import annotations

from typing import Any, Dict, Optional

from .context import context
from .errors import IronConnectionError, IronError, PolicyDenied

__version__ = "0.1.0"
__all__ = [
    "install", "uninstall", "status", "context", "PolicyDenied", "IronError", "IronConnectionError",
    "__version__",
]


def install(endpoint: Optional[str] = None, token: Optional[str] = None, agent: Optional[str] = None, *,
            wait: bool = True, **settings: Any) -> None:
    """Connects to the supervisor and governs every LLM call from now on (idempotent).

    Arguments override the IRON_* environment; ``settings`` may hold timeout_ms, fail_open,
    on_deny ("response" | "raise"), heartbeat_ms, providers, orphan_exit_ms, strict, debug.
    With ``wait`` (the default) it blocks up to timeout_ms for the supervisor's welcome and raises
    :class:`IronConnectionError` (code IRON_ERR_AUTH or IRON_ERR_SUPERVISOR_UNAVAILABLE) when none
    comes; the shim stays installed either way, so calls fail closed until the supervisor answers.
    Bad settings raise :class:`IronError` with code IRON_ERR_CONFIG.
    """
    from . import runtime
    from .settings import from_env, with_overrides

    overrides = dict(settings, endpoint=endpoint, token=token, agent=agent)
    runtime.install(with_overrides(from_env(), overrides), wait)


def uninstall() -> None:
    """Restores every patched library function and disconnects (idempotent)."""
    from . import runtime

    runtime.uninstall()


def status() -> Dict[str, Any]:
    """installed, connected, state, agent, session, endpoint, inflight calls and the last error."""
    from . import runtime

    return runtime.status()
