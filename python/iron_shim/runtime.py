"""The installed shim: one client, one governor, the patched libraries; install/uninstall are idempotent."""
from __future__ import annotations

import atexit
import os
import threading

from . import internal
from .client import READY, REJECTED, Client
from .errors import AUTH, CONFIG, POLICY, SUPERVISOR_UNAVAILABLE, IronConnectionError, IronError
from .lazy_governor import LazyGovernor
from .settings import Settings, warn
from .interceptors import instrument_all, uninstrument_all
from .interceptors.current import set_current

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up (see named_tuple.py)
if TYPE_CHECKING:
    from typing import Optional
    from .api_types import Status

VERSION = "0.1.0"

#: The installed governor (the interceptors read it from interceptors.current.current() on every call).
governor: Optional[LazyGovernor] = None
_settings: Optional[Settings] = None
_lock = threading.RLock()
_hooks = {"atexit": False, "fork": False}


def install(settings: Settings, wait: bool) -> None:
    """Connects (in the background) and patches the HTTP libraries; same settings twice is a no-op."""
    global governor, _settings
    if not settings.endpoint:
        raise IronError(
            CONFIG,
            "no endpoint: pass install(endpoint=...) or set IRON_ENDPOINT "
            "(expected ipc://<path> or tcp://<host>:<port>)",
        )
    with _lock:
        if governor is not None and not _same(_settings, settings) and _pinned("install() with other settings"):
            settings = governor.client.base
        if governor is None or not _same(_settings, settings):
            if governor is not None:
                _teardown("uninstall")
            internal.configure(settings.strict, settings.debug)
            warn(settings)
            client = Client(settings, VERSION, announce_reject=not wait)
            governor = LazyGovernor(client)
            set_current(governor)
            _settings = settings
            os.environ["IRON_PARENT_PID"] = str(os.getpid())
            _register_hooks()
            instrument_all()
            client.start()
        client = governor.client
    if wait:
        _wait(client)


def _same(a: Optional[Settings], b: Settings) -> bool:
    """Equal settings (configuration warnings aside) make install() a no-op."""
    return a is not None and a._replace(warnings=()) == b._replace(warnings=())


def _wait(client: Client) -> None:
    """install(wait=True): raise IronConnectionError unless the supervisor welcomed us in time."""
    state = client.wait_ready(client.base.timeout_ms / 1000.0)
    if state == READY:
        return
    if state == REJECTED:
        rej = client.rejection
        hint = (
            "" if client.base.token else " (no token: pass install(token=...) or set IRON_TOKEN; iron serve prints it)"
        )
        raise IronConnectionError(
            rej.code if rej else AUTH,
            f"the supervisor rejected this agent: " f"{rej.reason if rej else 'no reason given'}{hint}",
        )
    raise IronConnectionError(
        SUPERVISOR_UNAVAILABLE,
        f"could not reach the supervisor at {client.base.endpoint} "
        f"within {client.base.timeout_ms} ms ({client.last_error or state})",
    )


def uninstall(force: bool = False) -> None:
    """Restores every patched function and says bye; a no-op when not installed. An agent spawned by
    `iron run` stays governed (a warning, nothing undone) unless its supervisor allowed uninstall."""
    with _lock:
        if governor is None:
            return
        if not force and _pinned("uninstall()"):
            return
        _teardown("uninstall")


def _pinned(what: str) -> bool:
    """True (and says so on stderr) when the installed shim may not be undone or replaced: an agent
    spawned by iron run, whose supervisor did not allow it (welcome setting allow_uninstall)."""
    assert governor is not None
    settings = governor.client.settings
    if not settings.spawned or settings.allow_uninstall:
        return False
    internal.note(
        f"{POLICY}: {what} refused: this agent was started by iron run and its supervisor "
        "did not allow uninstall (welcome setting allow_uninstall); every call stays governed"
    )
    return True


def _teardown(reason: str) -> None:
    """Unpatches, then closes the client (callers hold _lock)."""
    global governor, _settings
    gov, governor, _settings = governor, None, None
    set_current(None)
    uninstrument_all()
    if gov is not None:
        gov.client.close(reason)


def status() -> "Status":
    """A typed snapshot (see api_types.Status)."""
    from .api_types import build

    gov = governor
    if gov is None:
        return build({"state": "uninstalled"}, installed=False)
    return build(gov.client.status(), installed=True)


def _at_exit() -> None:
    """Says bye when the interpreter exits."""
    gov = governor
    if gov is not None:
        try:
            gov.client.close("exit")
        except Exception as exc:  # noqa: BLE001
            internal.debug(f"bye at exit failed: {exc!r}")


def _after_fork_in_child() -> None:
    """A forked child gets its own connection (lazily, on its first call) and reports its parent."""
    global governor, _settings
    gov = governor
    if gov is None:
        return
    try:
        parent = os.getppid()
        gov.client.abandon()
        settings = gov.client.base._replace(parent_pid=parent)
        _settings = settings
        governor = LazyGovernor(Client(settings, VERSION))
        set_current(governor)
        os.environ["IRON_PARENT_PID"] = str(os.getpid())
    except Exception as exc:  # noqa: BLE001
        internal.debug(f"fork handling failed: {exc!r}")


def _register_hooks() -> None:
    """atexit and fork handlers, registered once per process."""
    if not _hooks["atexit"]:
        atexit.register(_at_exit)
        _hooks["atexit"] = True
    if not _hooks["fork"] and hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_after_fork_in_child)
        _hooks["fork"] = True
