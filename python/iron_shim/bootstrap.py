"""Injection entry points: install the shim from the environment without ever raising into the agent."""
from __future__ import annotations

import os

from . import internal


def install_from_env() -> bool:
    """Installs from IRON_* variables when IRON_ENDPOINT is set; connects in the background."""
    if not os.environ.get("IRON_ENDPOINT"):
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
