"""A synchronous caller reads its own reply: one thread switch less per decision.

The socket has one reader at a time, the holder of the read role (Link.reader): the I/O thread
(IO_THREAD) or one calling thread (CALLER). A caller about to write its request takes the role
when nobody holds it, makes the socket quiet for the I/O thread's epoll (readiness.py) so the sleeping
I/O thread is not woken, reads and dispatches every frame that arrives (other callers' replies included)
until its own reply is there, and hands the role back. The socket is watched again only while a reply is
awaited that no caller reads (an asyncio caller, begin(), a caller that found the role taken): the holder
sees those waiters when it releases, and a waiter registered after that watches itself (watch()). A
synchronous agent therefore leaves it quiet from call to call: no epoll_ctl per decision. Quiet still
reports the peer's hang-up, and the I/O thread reads whatever else arrived unawaited (a PONG, a late
reply, an ERROR) at its next heartbeat. The role is taken before the request is written, so a fast reply
cannot wake the I/O thread first. Everyone else waits on its reply slot as before. Where epoll is
missing, or the role is taken, nothing changes: the I/O thread reads.
"""
from __future__ import annotations

import time

from .connection import Connection
from .link import Link

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up (see named_tuple.py)
if TYPE_CHECKING:
    from .waiters import SyncWaiter

IO_THREAD, CALLER = "io", "caller"
#: A reading caller looks up at least this often (its reply slot may be failed by close or a reconnect).
SLICE = 0.1


class DirectRead:
    """The read role of one link: who may read its socket now, taking it, using it, handing it back."""

    def __init__(self, link: Link) -> None:
        """The role lives on the link (Link.reader), so the I/O thread and callers see one holder."""
        self.link = link

    def take(self, conn: Connection, who: str) -> bool:
        """Takes the read role when free and the connection is the live one; a caller also quiets the
        socket (when it was watched). The I/O thread takes it after an event, which one-shot disabled."""
        link = self.link
        readiness = conn.readiness
        if readiness is None or (who == CALLER and not readiness.direct):
            return False
        with link.lock:
            if who == IO_THREAD and readiness.direct:
                readiness.watching = None  # the event fired: set again on release, whoever releases
            if link.reader is not None or link.conn is not conn or conn.broken is not None:
                return False
            if who == CALLER and readiness.watching is not False:
                try:
                    readiness.disarm()
                except (OSError, ValueError):  # closed meanwhile by a retiring I/O thread
                    return False
            link.reader = who
        return True

    def release(self, conn: Connection) -> None:
        """Gives the role back, watching the socket for the I/O thread when a reply is still awaited, else
        leaving it quiet: a synchronous agent's caller then changes nothing, and the next one reads again."""
        link = self.link
        with link.cond:
            link.reader = None
            if link.reader_waits:  # only wait_gone() waits for the role; a notify costs ~1 us of Python
                link.cond.notify_all()
            self._set_watch(conn, bool(link.pending))

    def watch(self, conn: Connection) -> None:
        """A reply is awaited that no caller will read itself (async, begin(), the role was taken): the I/O
        thread must see it. Whoever holds the role watches on release (it sees the waiter), else now."""
        readiness = conn.readiness
        if readiness is None or readiness.watching is not False:
            return
        link = self.link
        with link.lock:
            if link.reader is None and link.conn is conn:
                self._set_watch(conn, True)

    @staticmethod
    def _set_watch(conn: Connection, watched: bool) -> None:
        """Watched or quiet, under the link's lock; one epoll_ctl only when that changes (or an event fired)."""
        readiness = conn.readiness
        if readiness is None or not readiness.direct or readiness.watching is watched:
            return  # poll() always watches
        try:
            if watched:
                readiness.arm()
            else:
                readiness.disarm()
        except (OSError, ValueError):  # closed meanwhile by a retiring I/O thread
            pass

    def read_own_reply(self, conn: Connection, waiter: "SyncWaiter", deadline: float) -> None:
        """Holding the read role (taken before the request was written), reads the socket until the
        waiter's reply is in, the deadline passes or the link breaks; then hands the role back."""
        link = self.link
        try:
            while not waiter.done and link.conn is conn:
                left = deadline - time.monotonic()
                if left <= 0:
                    return
                frames = conn.read_within(SLICE if left > SLICE else left)
                if frames is None:
                    continue
                conn.last_rx = time.monotonic()
                for frame in frames:
                    link.dispatch(conn, frame)
        except Exception as exc:  # noqa: BLE001 - EOF, a bad frame, an ERROR command: the I/O thread reconnects
            conn.broken = str(exc) or type(exc).__name__
            link.kick()
        finally:
            self.release(conn)

    def wait_gone(self, timeout: float) -> bool:
        """Lets a reading caller finish (the socket was shut down, so it wakes at once)."""
        link = self.link
        deadline = time.monotonic() + timeout
        with link.cond:
            link.reader_waits += 1
            try:
                while link.reader is not None:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return False
                    link.cond.wait(left)
            finally:
                link.reader_waits -= 1
        return True
