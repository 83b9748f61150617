"""Reply slots: a caller thread or an asyncio task waits on one while the I/O thread fills it."""
from __future__ import annotations

from _thread import allocate_lock

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up (see named_tuple.py)
if TYPE_CHECKING:  # asyncio is imported only by programs that use it (startup cost)
    from typing import Any, Optional
    import asyncio


class SyncWaiter:
    """A pre-acquired lock the I/O thread releases: the cheapest cross-thread wake-up in CPython."""

    __slots__ = ("_lock", "value", "error", "sent")

    def __init__(self) -> None:
        """Pre-acquired, so wait() blocks until resolve() or fail() releases it."""
        self._lock = allocate_lock()
        self._lock.acquire()
        self.value: Any = None
        self.error: Optional[BaseException] = None
        self.sent = False

    def resolve(self, value: Any) -> None:
        """Delivers the reply (called exactly once, by whoever popped it from the pending table)."""
        self.value = value
        self._lock.release()

    def fail(self, error: BaseException) -> None:
        """Delivers a failure instead of a reply."""
        self.error = error
        self._lock.release()

    @property
    def done(self) -> bool:
        """True once resolved or failed (and before wait() consumed it)."""
        return not self._lock.locked()

    def wait(self, timeout: Optional[float]) -> bool:
        """Blocks until resolved or the timeout passes; True when resolved."""
        if timeout is None:
            return self._lock.acquire()
        return self._lock.acquire(True, max(0.0, timeout))


def _settle(future: "asyncio.Future[Any]", value: Any, error: Optional[BaseException]) -> None:
    """Runs in the loop thread: completes the future unless it was cancelled or timed out."""
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(value)


class AsyncWaiter:
    """An asyncio future completed from the I/O thread through call_soon_threadsafe."""

    __slots__ = ("_loop", "future", "sent")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        """Creates the future on the caller's running loop."""
        self._loop = loop
        self.future: "asyncio.Future[Any]" = loop.create_future()
        self.sent = False

    def resolve(self, value: Any) -> None:
        """Delivers the reply into the loop (a closed loop is ignored)."""
        try:
            self._loop.call_soon_threadsafe(_settle, self.future, value, None)
        except RuntimeError:
            pass

    def fail(self, error: BaseException) -> None:
        """Delivers a failure into the loop."""
        try:
            self._loop.call_soon_threadsafe(_settle, self.future, None, error)
        except RuntimeError:
            pass
