"""A synchronous caller reads its own reply: one thread switch less per decision.

The socket has one reader at a time, the holder of the read role (Client._reader): the I/O thread
(IO_THREAD) or one calling thread (CALLER). A caller about to write its request takes the role
when nobody holds it, takes the socket out of the I/O thread's epoll set (disarm) so the sleeping I/O
thread is not woken, reads and dispatches every frame that arrives (other callers' replies included)
until its own reply is there, and hands the socket back (arm; epoll reports at once whatever arrived
meanwhile). The role is taken before the request is written, so a fast reply cannot wake the I/O
thread first. Everyone else waits on its reply slot as before. Where epoll is missing, or the role is
taken, nothing changes: the I/O thread reads.
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Optional

from .connection import Connection

if TYPE_CHECKING:
    from .client import Client
    from .waiters import SyncWaiter

IO_THREAD, CALLER = "io", "caller"
#: A reading caller looks up at least this often (its reply slot may be failed by close or a reconnect).
SLICE = 0.1


class DirectRead:
    """Mixed into Client: taking, using and handing back the read role."""

    _reader: Optional[str] = None

    def _take_reader(self: "Client", conn: Connection, who: str) -> bool:
        """Takes the read role when free and the connection is the live one; a caller also disarms."""
        readiness = conn.readiness
        if readiness is None or (who == CALLER and not readiness.direct):
            return False
        with self._lock:
            if self._reader is not None or self._conn is not conn or conn.broken is not None:
                return False
            if who == CALLER:
                readiness.disarm()
            self._reader = who
        return True

    def _release_reader(self: "Client", conn: Connection) -> None:
        """Gives the role back and re-arms the socket for the I/O thread."""
        with self._cond:
            self._reader = None
            self._cond.notify_all()
            readiness = conn.readiness
            if readiness is not None:
                try:
                    readiness.arm()
                except (OSError, ValueError):  # closed meanwhile by a retiring I/O thread
                    pass

    def _read_own_reply(self: "Client", conn: Connection, waiter: "SyncWaiter", deadline: float) -> None:
        """Holding the read role (taken before the request was written), reads the socket until the
        waiter's reply is in, the deadline passes or the link breaks; then hands the role back."""
        try:
            while not waiter.done and self._conn is conn:
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                if not conn.wait_readable(min(left, SLICE)):
                    continue
                frames = conn.read_frames()
                conn.last_rx = time.monotonic()
                for frame in frames:
                    self._dispatch(conn, frame)
        except Exception as exc:  # noqa: BLE001 - EOF, a bad frame, an ERROR command: the I/O thread reconnects
            conn.broken = str(exc) or type(exc).__name__
            self._kick()
        finally:
            self._release_reader(conn)

    def _wait_reader_gone(self: "Client", timeout: float) -> bool:
        """Lets a reading caller finish (the socket was shut down, so it wakes at once)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._reader is not None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True
