"""Attribution: iron_shim.context(task="triage") tags every LLM call made inside it (llm.request attrs)."""
from __future__ import annotations

import contextvars
import functools

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up (see named_tuple.py)
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, Optional, TypeVar

    F = TypeVar("F", bound=Callable[..., Any])
_CO_COROUTINE = 0x80  # inspect.CO_COROUTINE, without importing inspect at startup
_ATTRS: "contextvars.ContextVar[Dict[str, str]]" = contextvars.ContextVar("iron_shim_attrs", default={})


def current_attrs() -> Dict[str, str]:
    """The attribution map in effect for this thread / asyncio task (a copy)."""
    return dict(_ATTRS.get())


class context:  # noqa: N801 - used like a function: `with iron_shim.context(user="u1"):`
    """A context manager and decorator that adds str -> str attributes to the LLM calls inside it.

    The attributes go with each call to the supervisor (``llm.request`` ``attrs``): policies see
    them, events carry them, and budgets and rate limits can be keyed on them (``user:u42``).
    Contexts nest (inner values win; ``None`` removes an inherited key). They live in a
    ``contextvars.ContextVar``: asyncio tasks and ``asyncio.to_thread`` inherit the context they were
    created in, while a ``threading.Thread`` or an executor pool starts without it — run the target
    with ``contextvars.copy_context().run(target)``, or decorate it with ``@iron_shim.context(...)``.
    """

    def __init__(self, **attrs: Any) -> None:
        """Values are turned into strings; None removes an inherited key."""
        self._attrs = attrs
        self._tokens: list = []

    def __enter__(self) -> "context":
        """Layers our attributes over the inherited ones."""
        merged = dict(_ATTRS.get())
        for key, value in self._attrs.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[str(key)] = str(value)
        self._tokens.append(_ATTRS.set(merged))
        return self

    def __exit__(self, *exc: Any) -> Optional[bool]:
        """Restores what was in effect before."""
        _ATTRS.reset(self._tokens.pop())
        return None

    def __call__(self, func: F) -> F:
        """As a decorator: every call of func (sync or async) runs inside the context."""
        attrs = self._attrs
        if getattr(getattr(func, "__code__", None), "co_flags", 0) & _CO_COROUTINE:

            @functools.wraps(func)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                with context(**attrs):
                    return await func(*args, **kwargs)

            return async_wrapper  # type: ignore[return-value]

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with context(**attrs):
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]
