"""Injection entry points: install the shim from the environment without ever raising into the agent."""
from __future__ import annotations

import os
import sys

from . import internal

_OFF = ("0", "false", "no", "off")

#: Exit code of an agent whose shim could not be installed (EX_SOFTWARE): it does not run ungoverned.
NOT_GOVERNED_EXIT = 70


def install_from_env() -> bool:
    """Installs from IRON_* variables when IRON_ENDPOINT is set; connects in the background."""
    if not os.environ.get("IRON_ENDPOINT") or ungoverned_child():
        return False
    try:
        from . import runtime, settings

        runtime.install(settings.from_env(), wait=False)
        return True
    except Exception as exc:  # noqa: BLE001 - never a traceback into the agent; but never ungoverned either
        if internal.is_strict():
            raise
        return _not_installed(exc)


def _not_installed(exc: Exception) -> bool:
    """The shim could not be installed although governance was asked for (IRON_ENDPOINT is set).
    Fail closed: say why on stderr and end the process before it can make an ungoverned call —
    unless the user chose fail-open (IRON_FAIL_OPEN), then say so and let it run ungoverned."""
    fail_open = os.environ.get("IRON_FAIL_OPEN", "").strip().lower() in ("1", "true", "yes", "on")
    what = f"{type(exc).__name__}: {exc}"
    if fail_open:
        sys.stderr.write(
            f"iron_shim: could not install the shim ({what}); IRON_FAIL_OPEN is set, so this process runs UNGOVERNED\n"
        )
        return False
    sys.stderr.write(
        f"iron_shim: could not install the shim ({what}); refusing to run ungoverned "
        f"(IRON_ERR_INTERNAL, exit {NOT_GOVERNED_EXIT}; set IRON_FAIL_OPEN=1 to run anyway)\n"
    )
    sys.stderr.flush()
    os._exit(NOT_GOVERNED_EXIT)


def ungoverned_child() -> bool:
    """True in a Python process started by a governed agent whose user opted out of governing
    children (IRON_GOVERN_CHILDREN=0, `iron run --no-govern-children`): IRON_PARENT_PID names a
    governed process other than this one. The agent itself (no IRON_PARENT_PID) is always governed."""
    if os.environ.get("IRON_GOVERN_CHILDREN", "1").strip().lower() not in _OFF:
        return False
    parent = os.environ.get("IRON_PARENT_PID", "").strip()
    return bool(parent) and parent != str(os.getpid())
