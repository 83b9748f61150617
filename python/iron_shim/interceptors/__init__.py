"""The client libraries the shim governs, and the switch that patches (or unpatches) them all.

Adding a library: write interceptors/<lib>_.py with an Interceptor subclass (``name``, ``module``,
``patch(module)`` wrapping the library's send function with ``base.sync_wrapper`` or
``base.async_wrapper``) and an ``base.Exchange`` subclass saying how to read and rebuild the library's
request and response; the control flow itself is ``base.governed``. List it in ``_build()`` below.
"""
from __future__ import annotations

from typing import List

from . import import_hook
from .base import Interceptor


def _build() -> List[Interceptor]:
    """One instance per supported library (imports are cheap: no library is imported here)."""
    from .aiohttp_ import AiohttpInterceptor
    from .botocore_ import BotocoreInterceptor
    from .children import ChildEnvInterceptor
    from .http_client_ import HttpClientInterceptor
    from .httpx_ import Httpx2Interceptor, HttpxInterceptor
    from .requests_ import RequestsInterceptor
    from .urllib3_ import Urllib3Interceptor
    from .urllib_ import UrllibInterceptor

    return [
        HttpxInterceptor(),
        Httpx2Interceptor(),
        UrllibInterceptor(),
        RequestsInterceptor(),
        AiohttpInterceptor(),
        Urllib3Interceptor(),
        HttpClientInterceptor(),
        BotocoreInterceptor(),
        ChildEnvInterceptor(),
    ]


INTERCEPTORS: List[Interceptor] = _build()
_finder = import_hook.PostImportFinder({i.module: i.on_import for i in INTERCEPTORS})


def instrument_all() -> None:
    """Patches every library already imported and hooks the import of the others (idempotent)."""
    import_hook.install(_finder)
    for interceptor in INTERCEPTORS:
        interceptor.instrument()


def uninstrument_all() -> None:
    """Restores every original function and removes the import hook (idempotent)."""
    import_hook.remove(_finder)
    for interceptor in INTERCEPTORS:
        interceptor.uninstrument()
