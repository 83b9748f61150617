"""iron_shim: governs every LLM call of this Python process through the iron supervisor.

Injected by ``iron run`` (via sitecustomize), loaded by ``python -m iron_shim agent.py`` or, with
the package installed, by ``IRON_ENDPOINT=... IRON_TOKEN=... python agent.py`` (the ``iron_shim.pth``
hook), or installed from code — a notebook, a web server — to join a running ``iron serve``::

    import iron_shim
    iron_shim.install(endpoint="ipc:///run/user/1000/iron/serve.sock", token="iron_join_...", agent="notebook")
    with iron_shim.context(user="u42", task="summarise"):
        client.chat.completions.create(...)   # governed, attributed to user u42
    iron_shim.uninstall()

Every HTTP call to an LLM API made through httpx or httpx2 (the OpenAI and Anthropic SDKs), requests,
urllib or aiohttp, streamed or not, is then shown to the supervisor's policy engine before it leaves
the process and again when the answer comes back. Calls the engine denies answer with the provider's
own error shape (or raise :class:`PolicyDenied` with ``on_deny="raise"``). Without an answer from the
supervisor a call is denied (fail closed) unless ``fail_open=True``.
"""
from __future__ import annotations


from .context import context
from .errors import IronConnectionError, IronError, PolicyDenied

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up (see named_tuple.py)
if TYPE_CHECKING:
    from typing import Any, Optional
    from .api_types import BudgetStatus, Status

__version__ = "0.1.0"
__all__ = [
    "install",
    "uninstall",
    "status",
    "context",
    "PolicyDenied",
    "IronError",
    "IronConnectionError",
    "Status",
    "BudgetStatus",
    "__version__",
]


def install(
    endpoint: Optional[str] = None,
    token: Optional[str] = None,
    agent: Optional[str] = None,
    *,
    wait: bool = True,
    **settings: Any,
) -> None:
    """Connects to the supervisor and governs every LLM call of this process from now on.

    Args:
        endpoint: ``ipc://<path>``, ``tcp://<host>:<port>`` or ``tls://<host>:<port>``, as ``iron serve``
            prints it (default: ``IRON_ENDPOINT``).
        token: the join token ``iron serve`` prints and writes to its token file (default: ``IRON_TOKEN``).
        agent: the name to join as (default: ``IRON_AGENT_ID``, else the script's name); the supervisor
            makes it unique, and ``status()["agent"]`` is the id it gave.
        wait: block until the supervisor welcomed this agent (up to ``timeout_ms``), raising
            :class:`IronConnectionError` when it refused (code ``IRON_ERR_AUTH``) or could not be
            reached (``IRON_ERR_SUPERVISOR_UNAVAILABLE``). The shim stays installed either way, so
            calls fail closed until the supervisor answers; with ``wait=False`` it connects in the
            background.
        **settings: ``timeout_ms`` (decision timeout, default 5000), ``fail_open`` (default False),
            ``on_deny`` (``"response"`` or ``"raise"``), ``heartbeat_ms``, ``providers`` (extra
            ``{name, kind, base_url}`` to govern), ``strict``, ``debug``, ``tls_fingerprint`` (the
            certificate SHA-256 a ``tls://`` endpoint must present, default ``IRON_TLS_FINGERPRINT``).
            The supervisor's welcome may override timeout_ms, fail_open, on_deny, heartbeat_ms and providers.

    Idempotent: installing again with the same arguments does nothing (and, with ``wait``, waits for
    the welcome again); different arguments reconnect with them. Arguments win over the ``IRON_*``
    environment. Invalid arguments raise :class:`IronError` with code ``IRON_ERR_CONFIG``.
    """
    from . import runtime
    from .settings import from_env, with_overrides

    overrides = dict(settings, endpoint=endpoint, token=token, agent=agent)
    runtime.install(with_overrides(from_env(), overrides), wait)


def uninstall() -> None:
    """Restores every patched library function and says ``bye`` to the supervisor (idempotent).

    Calls made afterwards go straight to the provider, ungoverned; the supervisor shows the agent as
    ``detached``.
    """
    from . import runtime

    runtime.uninstall()


def __getattr__(name: str) -> Any:
    """Status and BudgetStatus, imported on first use (TypedDicts cost start-up every agent would pay)."""
    if name in ("Status", "BudgetStatus"):
        from . import api_types

        return getattr(api_types, name)
    raise AttributeError(f"module 'iron_shim' has no attribute {name!r}")


def status() -> "Status":
    """A snapshot of the shim: ``installed``, ``connected``, ``state``, ``agent`` (the id the
    supervisor knows this process as), ``session``, ``endpoint``, ``inflight`` calls, the last
    ``error``, and ``budget_left_usd`` with the ``budget`` behind it (the tightest of the global,
    agent and run budgets, as of the last decision; None when no limit applies). See :class:`Status`.
    """
    from . import runtime

    return runtime.status()
