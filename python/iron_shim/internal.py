"""Never break the host program: internal errors are swallowed, logged under debug, raised under strict."""
from __future__ import annotations

import os
import sys

_flags = {
    "strict": os.environ.get("IRON_SHIM_STRICT", "").strip().lower() in ("1", "true", "yes", "on"),
    "debug": os.environ.get("IRON_SHIM_DEBUG", "").strip().lower() in ("1", "true", "yes", "on"),
}


def configure(strict: bool, debug: bool) -> None:
    """Applies the strict/debug flags of the installed settings."""
    _flags["strict"] = strict
    _flags["debug"] = debug


def is_strict() -> bool:
    """True when internal errors must surface (tests set IRON_SHIM_STRICT=1)."""
    return _flags["strict"]


def debug(message: str) -> None:
    """Writes a diagnostic line to stderr when IRON_SHIM_DEBUG is on."""
    if _flags["debug"]:
        try:
            sys.stderr.write(f"iron_shim: {message}\n")
        except Exception:  # noqa: BLE001 - a closed stderr must not break the agent
            pass


def swallow(where: str, exc: BaseException) -> None:
    """Reports an internal error; re-raises it only under strict."""
    if _flags["debug"]:
        try:
            import traceback

            detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
            sys.stderr.write(f"iron_shim: internal error in {where}:\n{detail}")
        except Exception:  # noqa: BLE001
            pass
    if _flags["strict"]:
        raise exc


def note(message: str) -> None:
    """Writes one line to stderr unconditionally (used for things the user must see)."""
    try:
        sys.stderr.write(f"iron_shim: {message}\n")
        sys.stderr.flush()
    except Exception:  # noqa: BLE001
        pass
