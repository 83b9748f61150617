"""A watched stream's body on a blocking reader, with its llm.chunk asks pipelined (SPEC 3.6a batching).

The caller's own thread reads the body until a read needs an ask (events without text, and fresh
reads the chunk hints release, pass at once, with no hand-off). From then on a pooled helper reads
the body to its end while the caller waits for answers and builds them, in read order. What is read
goes to the engine in one ask:
- at once, when the read waited for the network (fresh text) and no ask is in flight;
- when it came from a buffer (a burst), with whatever else is read until the caller wakes (at most
  FRESH_SECONDS later), so a burst already there costs one ask, as one read of all of it would;
- when an ask is in flight, as soon as its answer has come (before the caller builds that answer);
- at the end of the body, at once, even with an ask in flight (the wait overlaps the earlier one).
The body is never read by two threads at once; helpers are pooled (a stream costs no thread start).
"""
from __future__ import annotations

import os
import threading
import time
from collections import deque
from typing import Any, Callable, Deque, List, Optional, Tuple

from .internal import swallow
from .stream_filter import ALLOW

#: How long an idle helper waits for another stream before its thread ends (seconds).
IDLE_SECONDS = 30.0

#: A read that took at least this long waited for the network: its text is fresh, asked about at once.
#: A quicker one came from a buffer (a burst): more is likely there, so it waits (at most this long) for
#: what the helper reads next, to go in the same ask.
FRESH_SECONDS = 0.001

Read = Callable[[], Optional[bytes]]


class Pipeline:
    """One watched body: next() on the caller's thread; _pump() on a helper once the first ask is out."""

    def __init__(self, read: Read, tap: Any) -> None:
        """read(): the body's next chunk, or None at its end (called by one thread at a time); tap: the
        StreamTap (prepare, send, wait, build)."""
        self._read = read
        self._tap = tap
        self._cond = threading.Condition()
        self._unsent: List[bytes] = []  # read by the helper, not asked about yet
        self._held: Any = None  # the caller's own read (prepared) that waits to go with the helper's
        self._queue: Deque[Tuple[Any, Any]] = deque()  # (read, sent ask or None), in read order
        self._inflight = 0  # asks sent whose answers the caller has not taken yet
        self._helping = False
        self._body_ended = False
        self._done = False  # the end of the body is prepared (and asked about)
        self._closed = False
        self._error: Optional[BaseException] = None
        self._fresh = False  # the caller's last own read waited for the network

    def next(self) -> Optional[bytes]:
        """The bytes the agent sees for the next read (b"" when it shows nothing yet); None after the end.
        An error reading the body is raised here, after the bytes read before it."""
        if not self._helping:
            if self._fresh:  # the agent has a paced stream's last read: told now, before the next wait
                self._tap.tell_released()
            return self._own()
        with self._cond:
            while (
                not self._queue and self._error is None and not self._closed and not (self._done and self._held is None)
            ):
                if self._inflight or (self._held is None and not self._unsent):
                    self._cond.wait()
                    continue
                # Nothing in flight and something read: it goes with whatever the helper reads until this
                # thread wakes (at once when the helper read more, else after FRESH_SECONDS at most).
                self._cond.wait(FRESH_SECONDS)
                if not self._inflight and not self._closed:
                    self._flush()  # what the helper read meanwhile goes in the same ask
            if not self._queue:
                if self._error is not None:
                    error, self._error = self._error, None
                    self._done = True
                    raise error
                return None
            prepared, handle = self._queue.popleft()
        return self._answer(prepared, handle)

    def close(self) -> None:
        """The stream is over for the agent: the helper asks nothing more (and leaves the tap alone)."""
        with self._cond:
            self._closed = True
            self._unsent = []

    def _own(self) -> Optional[bytes]:
        """Before the first ask: reads on the caller's thread; the first ask starts the helper."""
        if self._done:
            return None
        began = time.perf_counter()
        chunk = self._read()
        fresh = self._fresh = time.perf_counter() - began >= FRESH_SECONDS
        if chunk is None:
            self._done = True
        tap = self._tap
        prepared = tap.prepare(chunk)
        ask = prepared.ask
        if ask is None or prepared.error is not None:
            return tap.build(prepared, ALLOW)
        # Fresh text the chunk hints clear needs no ask: a paced stream stays on this thread, no hand-off. A
        # burst still goes to the helper, joined: one release (or ask) and one build for all of it is cheaper.
        released = tap.release_now(ask) if fresh or chunk is None else None
        if released is not None:
            return tap.build(prepared, released)
        if chunk is not None and not fresh:  # a burst: the rest, read by the helper, goes in the same ask
            with self._cond:
                self._held = prepared
                self._helping = True
            submit(self._pump)
            return b""
        handle = tap.send(ask)
        with self._cond:
            self._inflight += 1  # before the helper starts: what it reads meanwhile waits for this answer
            self._helping = chunk is not None
        if chunk is not None:
            submit(self._pump)
        return self._answer(prepared, handle)

    def _answer(self, prepared: Any, handle: Any) -> bytes:
        """Waits for a read's answer; sends what was read meanwhile before building this read's bytes."""
        tap = self._tap
        if handle is None:
            return tap.build(prepared, ALLOW)
        try:
            answer = tap.wait(handle)
        except BaseException:
            with self._cond:
                self._inflight -= 1
            raise
        with self._cond:
            self._inflight -= 1
            if self._inflight == 0 and not self._closed and answer.action != "deny":
                self._flush()
        return tap.build(prepared, answer)

    def _pump(self) -> None:
        """The helper: reads the body to its end (or error, or close), asking as it goes."""
        while True:
            try:
                began = time.perf_counter()
                chunk = self._read()
                fresh = time.perf_counter() - began >= FRESH_SECONDS
            except BaseException as exc:  # noqa: BLE001 - raised again on the caller's thread, in order
                with self._cond:
                    if not self._closed:
                        self._flush()
                    self._error = exc
                    self._cond.notify()
                return
            with self._cond:
                if self._closed:
                    return
                if chunk is None:
                    self._body_ended = True
                elif chunk:
                    self._unsent.append(chunk)
                flushed = chunk is None or (fresh and self._inflight == 0)
                if flushed:
                    self._flush()
                self._cond.notify()
            if flushed:  # a read released just now is told after the caller was woken to build it
                self._tap.tell_released()
            if chunk is None or self._tap.ended:
                return

    def _flush(self) -> None:
        """Under the lock: what was read and not asked about goes in one ask, with the end when it was read."""
        tap = self._tap
        prepared, self._held = self._held, None
        if self._unsent:
            data = b"".join(self._unsent)
            self._unsent = []
            prepared = tap.joined(prepared, tap.prepare(data))
        if self._body_ended and not self._done:
            self._done = True
            prepared = tap.joined(prepared, tap.prepare(None))
        if prepared is not None:
            self._enqueue(prepared)
        self._cond.notify()

    def _enqueue(self, prepared: Any) -> None:
        """Under the lock: a prepared read, its ask sent now when it needs one."""
        handle = None
        if prepared.ask is not None and prepared.error is None:
            handle = self._tap.send(prepared.ask)
            self._inflight += 1
        self._queue.append((prepared, handle))


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
