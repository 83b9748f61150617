# The read-ahead of 542846b (one helper reads a watched body to its end; the caller takes), kept for modes.py.
"""Reading a watched stream's body on while its llm.chunk round trip is in flight (SPEC 3.6a batching).

Once ahead() was called, a helper thread reads the body to its end, and take() hands over everything
it read so far at once: a burst that is already there goes to the supervisor in one ask, and what
arrives while an ask is in flight goes with the next (never an ask per chunk). Before ahead(), take()
reads on the caller's thread. Helpers are pooled (a stream costs no thread start); the body is never
read by two threads at once.
"""
from __future__ import annotations

import os
import threading
from collections import deque
from typing import Callable, Deque, List, Optional

from iron_shim.internal import swallow

#: How long an idle helper waits for another stream before its thread ends (seconds).
IDLE_SECONDS = 30.0

Read = Callable[[], Optional[bytes]]


class ReadAhead:
    """One body: ahead() starts the helper, take() on the caller's thread."""

    def __init__(self, read: Read) -> None:
        """read(): the body's next chunk, or None at its end (called by one thread at a time)."""
        self._read = read
        self._cond = threading.Condition()
        self._got: List[bytes] = []
        self._ended = False
        self._error: Optional[BaseException] = None
        self._started = False

    def ahead(self) -> None:
        """From now on a pooled helper reads the body, to its end (called on the caller's thread)."""
        with self._cond:
            if self._started:
                return
            self._started = True
        submit(self._pump)

    def take(self) -> Optional[bytes]:
        """Everything the helper read since the last take, joined (waits for the next chunk when there is
        none yet); before ahead(), the next chunk read on this thread. None at the end."""
        if not self._started:
            return self._read()
        with self._cond:
            while not self._got and not self._ended and self._error is None:
                self._cond.wait()
            if self._got:
                data = b"".join(self._got)
                self._got = []
                return data
            if self._error is not None:
                error, self._error = self._error, None
                self._ended = True
                raise error
            return None

    def _pump(self) -> None:
        """The helper's job: every chunk into the list, then the end (or the error)."""
        while True:
            try:
                chunk = self._read()
            except BaseException as exc:  # noqa: BLE001 - raised again on the caller's thread
                with self._cond:
                    self._error = exc
                    self._cond.notify()
                return
            with self._cond:
                if chunk is None:
                    self._ended = True
                elif chunk:
                    self._got.append(chunk)
                self._cond.notify()
            if chunk is None:
                return


# ----- the helper pool -----

_cond = threading.Condition()
_jobs: Deque[Callable[[], None]] = deque()
_idle = 0


def submit(job: Callable[[], None]) -> None:
    """Runs job on an idle helper thread, or on a new one when none is idle."""
    with _cond:
        _jobs.append(job)
        if _idle >= len(_jobs):
            _cond.notify()
            return
    threading.Thread(target=_helper, name="iron-stream-read", daemon=True).start()


def _helper() -> None:
    """A pooled thread: runs jobs, and ends after IDLE_SECONDS without one."""
    global _idle
    while True:
        with _cond:
            if not _jobs:
                _idle += 1
                try:
                    _cond.wait(IDLE_SECONDS)
                finally:
                    _idle -= 1
                if not _jobs:
                    return
            job = _jobs.popleft()
        try:
            job()
        except BaseException as exc:  # noqa: BLE001 - a helper never dies of a job
            swallow("stream read-ahead", exc)


def _after_fork() -> None:
    """A forked child has none of the parent's helper threads."""
    global _cond, _idle
    _cond = threading.Condition()
    _jobs.clear()
    _idle = 0


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)
