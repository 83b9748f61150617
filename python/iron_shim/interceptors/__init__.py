"""The client libraries the shim governs, and the switch that patches (or unpatches) them all.

Adding a library: write interceptors/<lib>_.py with an Interceptor subclass (``name``, ``module``,
``patch(module)`` wrapping the library's send function with ``base.sync_wrapper`` or
``base.async_wrapper``) and an ``base.Exchange`` subclass saying how to read and rebuild the library's
request and response; the control flow itself is ``base.governed``. List it in ``_TABLE`` below.
"""
from __future__ import annotations

import importlib
import sys

from . import import_hook

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up (see named_tuple.py)
if TYPE_CHECKING:
    from types import ModuleType
    from typing import List, Optional, Tuple
    from .base import Interceptor

#: (library module, interceptor module, class): an interceptor's own code is imported only when its
#: library is (already, or later through the import hook), so a process that never imports httpx
#: never pays for the httpx interceptor.
_TABLE: Tuple[Tuple[str, str, str], ...] = (
    ("httpx", "httpx_", "HttpxInterceptor"),
    ("httpx2", "httpx_", "Httpx2Interceptor"),
    ("urllib.request", "urllib_", "UrllibInterceptor"),
    ("requests", "requests_", "RequestsInterceptor"),
    ("aiohttp", "aiohttp_", "AiohttpInterceptor"),
    ("urllib3", "urllib3_", "Urllib3Interceptor"),
    ("http.client", "http_client_", "HttpClientInterceptor"),
    ("botocore.session", "botocore_", "BotocoreInterceptor"),
    ("subprocess", "children", "ChildEnvInterceptor"),
)


class _Lazy:
    """One library's interceptor, built on first need."""

    def __init__(self, library: str, where: str, cls: str) -> None:
        """Names only: nothing is imported here."""
        self.module = library
        self._where, self._cls = where, cls
        self.instance: Optional["Interceptor"] = None

    def get(self) -> "Interceptor":
        """The interceptor (its module imported now, once)."""
        if self.instance is None:
            code = importlib.import_module(f"{__name__}.{self._where}")
            self.instance = getattr(code, self._cls)()
        return self.instance

    def on_import(self, module: ModuleType) -> None:
        """The import hook: the library was just imported; patch it."""
        self.get().on_import(module)

    def instrument(self) -> None:
        """Patches now when the library is already imported (else the import hook will)."""
        if self.module in sys.modules:
            self.get().instrument()

    def uninstrument(self) -> None:
        """Restores what this interceptor patched, if it was ever built."""
        if self.instance is not None:
            self.instance.uninstrument()


_LAZY: List[_Lazy] = [_Lazy(*row) for row in _TABLE]
_finder = import_hook.PostImportFinder({lazy.module: lazy.on_import for lazy in _LAZY})


def interceptors() -> List["Interceptor"]:
    """Every interceptor, built (imports them all: for tests and tools, not for start-up)."""
    return [lazy.get() for lazy in _LAZY]


def instrument_all() -> None:
    """Patches every library already imported and hooks the import of the others (idempotent)."""
    import_hook.install(_finder)
    for lazy in _LAZY:
        lazy.instrument()


def uninstrument_all() -> None:
    """Restores every original function and removes the import hook (idempotent)."""
    import_hook.remove(_finder)
    for lazy in _LAZY:
        lazy.uninstrument()
