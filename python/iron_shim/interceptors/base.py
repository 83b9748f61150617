"""What every interceptor shares: the patch registry (idempotent, reversible, marked, never twice per
call) and the one control flow of a governed call, which each library adapter (an Exchange) only
feeds with how to read and rebuild its request and response.

The flow is a generator (../flow.py): each step it yields is a function that returns the step's value,
or an awaitable of it for an asyncio library; sync_wrapper() runs it blocking, async_wrapper() awaiting.
"""
from __future__ import annotations

import contextvars
import functools
import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any, Callable, Iterable, List, Optional, Tuple

from ..calls import Verdict, is_event_stream
from ..denial import SyntheticResponse
from ..errors import PolicyDenied
from ..flow import Flow, arun, run
from ..internal import swallow
from ..ollama_stream import is_line_stream
from .current import current, set_current  # noqa: F401 - base.set_current stays the public spelling

if TYPE_CHECKING:
    from ..governor import Governor

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
        """Each instance remembers its own patches, so uninstrument() undoes exactly what it did."""
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


# ----- the one control flow of a governed call -----


class Exchange:
    """One intercepted call as a library adapter sees it. The adapter sets method, url and header (a
    case-insensitive header lookup) and says how to read the request body, send the request (as
    given, or rebuilt after the verdict), build a response holding a denial, and read, tap or swap
    the response. Steps may return awaitables in an asyncio library (``asynchronous = True``)."""

    asynchronous = False
    library = ""

    def __init__(self, method: str, url: str, header: Callable[[str], Optional[str]]) -> None:
        """The three things the match step needs, read before any body is touched."""
        self.method, self.url, self.header = method, url, header

    def headers(self) -> Iterable[Tuple[Any, Any]]:
        """The request's header pairs (the governor scrubs them before they leave)."""
        raise NotImplementedError

    def body(self) -> Any:
        """The request body as bytes, or None when it cannot be read without consuming it."""
        raise NotImplementedError

    def send(self, verdict: Optional[Verdict]) -> Any:
        """Calls the original function: unchanged (None), or with the verdict's body, URL, headers, deadline."""
        raise NotImplementedError

    def denied(self, synthetic: SyntheticResponse, response: Any = None) -> Any:
        """The library's own response object holding a denial (response: the one it replaces, if any)."""
        raise NotImplementedError

    def content_type(self, response: Any) -> Optional[str]:
        """The response's content-type (an SSE body is tapped, any other is read now)."""
        raise NotImplementedError

    def tap(self, call: Any, response: Any, streams: Any) -> Any:
        """An SSE response with its body running through streams.open(...)'s tap."""
        raise NotImplementedError

    def read(self, response: Any) -> Any:
        """The whole response body (read now, so the engine sees it before the agent)."""
        raise NotImplementedError

    def status(self, response: Any) -> int:
        """The status code the llm.response reports."""
        raise NotImplementedError

    def response_header(self, response: Any) -> Callable[[str], Optional[str]]:
        """A header lookup on the response (request id, retry-after, content-encoding)."""
        raise NotImplementedError

    def discard(self, response: Any) -> None:
        """Releases a response the agent will not get (a denial replaces it)."""
        raise NotImplementedError

    def kept(self, response: Any, body: bytes, replacement: Optional[bytes]) -> Any:
        """The response handed back after the engine saw its read body (replacement: redacted body)."""
        raise NotImplementedError

    def hand_back(self, response: Any) -> Any:
        """Last touch on a governed response before the agent gets it (aiohttp: raise_for_status)."""
        return response


def governed(gov: "Governor", ex: Exchange) -> Flow[Any]:
    """A governed call, start to end: match, decide, send, then tap or report the response."""
    match = gov.match_async if ex.asynchronous else gov.match
    before = gov.before_async if ex.asynchronous else gov.before
    target = yield lambda: match(ex.method, ex.url, ex.header)
    if target is None:
        return (yield lambda: ex.send(None))
    token = enter()
    try:
        try:
            body = yield ex.body
            verdict = yield lambda: before(target, ex.method, ex.url, ex.headers(), body, ex.library)
        except Exception as exc:  # noqa: BLE001 - a shim bug before the decision fails closed (or open)
            if isinstance(exc, PolicyDenied):
                raise
            verdict = gov.on_bug(target, exc)
        if verdict.action == "pass":
            return (yield lambda: ex.send(None))
        if verdict.action == "deny":
            assert verdict.response is not None
            denial = yield lambda: ex.denied(verdict.response)
            return (yield lambda: ex.hand_back(denial))
        try:
            response = yield lambda: ex.send(verdict)
        except BaseException as exc:
            gov.failed(verdict.call, exc)
            raise
        if verdict.call is not None:
            response = yield from responding(gov, ex, verdict, response)
        return (yield lambda: ex.hand_back(response))
    finally:
        leave(token)


def responding(gov: "Governor", ex: Exchange, verdict: Verdict, response: Any) -> Flow[Any]:
    """After the provider answered: an SSE body is tapped as the agent reads it; any other body is read
    now, reported, and handed back as it is, redacted, or swapped for a denial."""
    call = verdict.call
    try:
        if is_event_stream(ex.content_type(response)) or is_line_stream(call, ex.content_type(response)):
            return (yield lambda: ex.tap(call, response, gov.streams))
    except Exception as exc:  # noqa: BLE001 - our bug must not lose the agent's response
        if isinstance(exc, PolicyDenied):
            raise
        swallow(f"{ex.library} stream", exc)
        return response
    try:
        body = yield lambda: ex.read(response)
    except BaseException as exc:
        gov.failed(call, exc)
        raise
    after = gov.responses.after_async if ex.asynchronous else gov.responses.after
    outcome = yield lambda: after(call, ex.status(response), ex.response_header(response), body)
    if outcome.action == "deny" and outcome.response is not None:
        ex.discard(response)
        return (yield lambda: ex.denied(outcome.response, response))
    replacement = outcome.body if outcome.action == "replace" else None
    return ex.kept(response, body, replacement)


def _step(step: Callable[[], Any]) -> Any:
    """Runs a step of a blocking library: its value is the answer."""
    return step()


async def _astep(step: Callable[[], Any]) -> Any:
    """A step in a task: awaited when the adapter made it a coroutine."""
    result = step()
    if hasattr(result, "__await__"):
        result = await result
    return result


def sync_wrapper(original: Any, exchange: Callable[..., Optional[Exchange]]) -> Any:
    """The patched function of a blocking library: exchange(original, *args, **kwargs) describes the
    call (None: not one the shim can read, it passes)."""

    @functools.wraps(original)  # keeps the library's name, docstring and signature
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        """Ungoverned (not installed, or nested inside a governed call) goes straight to the original."""
        gov = current()
        ex = None if gov is None or active() else exchange(original, *args, **kwargs)
        if ex is None:
            return original(*args, **kwargs)
        return run(governed(gov, ex), _step)

    return wrapper


def async_wrapper(original: Any, exchange: Callable[..., Optional[Exchange]]) -> Any:
    """sync_wrapper() for a coroutine function."""

    @functools.wraps(original)  # keeps the library's name, docstring and signature
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        """Ungoverned (not installed, or nested inside a governed call) goes straight to the original."""
        gov = current()
        ex = None if gov is None or active() else exchange(original, *args, **kwargs)
        if ex is None:
            return await original(*args, **kwargs)
        return await arun(governed(gov, ex), _astep)

    return wrapper
