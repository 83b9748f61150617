"""Reading a watched stream's body on while its llm.chunk round trip is in flight (SPEC 3.6a batching).

A helper thread reads from the start (so a burst that is already there goes in one ask) and while an
ask waits for the supervisor, so what arrives meanwhile goes with the next ask, all at once (never an
ask per chunk). Otherwise the caller's thread reads the body itself: no thread hand-off between a chunk
arriving and the agent seeing it. Helpers are pooled (a stream costs no thread start); the body is
never read by two threads at once.
"""
from __future__ import annotations

import os
import threading
from collections import deque
from typing import Callable, Deque, List, Optional

from .internal import swallow

#: How long an idle helper waits for another stream before its thread ends (seconds).
IDLE_SECONDS = 30.0

Read = Callable[[], Optional[bytes]]


class ReadAhead:
    """One body: take() on the caller's thread, ahead() while an ask is in flight."""

    def __init__(self, read: Read) -> None:
        """read(): the body's next chunk, or None at its end (called by one thread at a time)."""
        self._read = read
        self._cond = threading.Condition()
        self._got: List[bytes] = []
        self._ended = False
        self._error: Optional[BaseException] = None
        self._wanted = False  # the caller is waiting for a reply: a helper should read on
        self._helper = False  # a helper is attached (reading, or about to check _wanted)
        self._busy = False  # the helper is inside read()

    def ahead(self) -> None:
        """An ask is about to wait: a helper reads on until the caller takes again."""
        with self._cond:
            if self._ended or self._error is not None:
                return
            self._wanted = True
            if self._helper:
                return
            self._helper = True
        submit(self._pump)

    def take(self) -> Optional[bytes]:
        """Everything read ahead, joined; else the next chunk, read on this thread (None at the end)."""
        with self._cond:
            self._wanted = False
            while self._busy and not self._got:  # the helper is inside a read: its chunk comes next
                self._cond.wait()
            if self._got:
                data = b"".join(self._got)
                self._got = []
                return data
            if self._error is not None:
                error, self._error = self._error, None
                self._ended = True
                raise error
            if self._ended:
                return None
            self._busy = True  # read here; a helper that has not yet looked at _wanted now stays out
        try:
            chunk = self._read()
        finally:
            with self._cond:
                self._busy = False
        if chunk is None:
            with self._cond:
                self._ended = True
        return chunk

    def _pump(self) -> None:
        """A helper's job: read while the caller waits for its reply, then leave."""
        while True:
            with self._cond:
                if not self._wanted or self._busy or self._ended or self._error is not None:
                    self._helper = False
                    self._cond.notify_all()
                    return
                self._busy = True
            chunk: Optional[bytes] = None
            error: Optional[BaseException] = None
            try:
                chunk = self._read()
            except BaseException as exc:  # noqa: BLE001 - raised again on the caller's thread
                error = exc
            with self._cond:
                self._busy = False
                if error is not None:
                    self._error = error
                elif chunk is None:
                    self._ended = True
                elif chunk:
                    self._got.append(chunk)
                self._cond.notify_all()


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
