"""Injection entry points: install the shim from the environment without ever raising into the agent."""
from __future__ import annotations

import os

from . import internal

_OFF = ("0", "false", "no", "off")


def install_from_env() -> bool:
    """Installs from IRON_* variables when IRON_ENDPOINT is set; connects in the background."""
    if not os.environ.get("IRON_ENDPOINT") or ungoverned_child():
        return False
    try:
        from . import runtime, settings

        runtime.install(settings.from_env(), wait=False)
        return True
    except Exception as exc:  # noqa: BLE001 - startup must never break the agent
        internal.note(f"could not install the shim: {exc}")
        if internal.is_strict():
            raise
        return False


def ungoverned_child() -> bool:
    """True in a Python process started by a governed agent whose user opted out of governing
    children (IRON_GOVERN_CHILDREN=0, `iron run --no-govern-children`): IRON_PARENT_PID names a
    governed process other than this one. The agent itself (no IRON_PARENT_PID) is always governed."""
    if os.environ.get("IRON_GOVERN_CHILDREN", "1").strip().lower() not in _OFF:
        return False
    parent = os.environ.get("IRON_PARENT_PID", "").strip()
    return bool(parent) and parent != str(os.getpid())
