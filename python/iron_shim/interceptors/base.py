"""Patch registry shared by every interceptor: idempotent, reversible, marked, never twice per call."""
from __future__ import annotations

import contextvars
import sys
from types import ModuleType
from typing import Any, Callable, List, Tuple

from ..internal import swallow

#: Set on every function the shim installs, so a second instrument() recognises its own work.
MARKER = "__iron_shim_patched__"
_IN_CALL: "contextvars.ContextVar[bool]" = contextvars.ContextVar("iron_shim_in_call", default=False)


def active() -> bool:
    """True inside a governed call: a nested layer (httpx over urllib, httpx2 over httpx) must not intercept."""
    return _IN_CALL.get()


def enter() -> "contextvars.Token[bool]":
    """Marks the current thread / task as inside a governed call."""
    return _IN_CALL.set(True)


def leave(token: "contextvars.Token[bool]") -> None:
    """Ends the mark set by enter()."""
    try:
        _IN_CALL.reset(token)
    except ValueError:  # reset from another context (an async generator finalised elsewhere)
        _IN_CALL.set(False)


class Interceptor:
    """One client library: which module triggers it, and what to patch when that module exists.

    Subclasses set ``name`` (the llm.request "library" value) and ``module`` (the import that
    makes the library available) and implement ``patch(module)`` with ``self.wrap(...)`` calls.
    """

    name = ""
    module = ""

    def __init__(self) -> None:
        """No patches yet."""
        self._patches: List[Tuple[Any, str, Any, Any]] = []

    def patch(self, module: ModuleType) -> None:
        """Installs this library's wrappers (override)."""
        raise NotImplementedError

    def wrap(self, owner: Any, attr: str, factory: Callable[[Any], Any]) -> None:
        """Replaces owner.attr with factory(original), once; the wrapper is marked and remembered."""
        current = owner.__dict__.get(attr)
        if current is None or getattr(current, MARKER, False):
            return
        wrapper = factory(current)
        setattr(wrapper, MARKER, True)
        setattr(owner, attr, wrapper)
        self._patches.append((owner, attr, current, wrapper))

    @property
    def instrumented(self) -> bool:
        """True while any wrapper of this interceptor is installed."""
        return bool(self._patches)

    def instrument(self) -> None:
        """Patches now if the library is already imported (later imports go through the import hook)."""
        module = sys.modules.get(self.module)
        if module is not None and not self._patches:
            self.on_import(module)

    def on_import(self, module: ModuleType) -> None:
        """Called by the import hook right after the library's module has executed."""
        try:
            self.patch(module)
        except Exception as exc:  # noqa: BLE001 - a library we cannot patch stays ungoverned, not broken
            swallow(f"patching {self.module}", exc)

    def uninstrument(self) -> None:
        """Puts every original back, newest first, only where our wrapper is still in place."""
        while self._patches:
            owner, attr, original, wrapper = self._patches.pop()
            if owner.__dict__.get(attr) is wrapper:
                setattr(owner, attr, original)
