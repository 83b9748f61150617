"""What the I/O thread sleeps on: its wake-up channel and the connection's socket.

With epoll (Linux) the socket is registered one-shot in one of two masks: watched (data, and the peer's
hang-up) while a reply may come that no caller will read itself, quiet (the peer's hang-up only)
otherwise. A thread that calls the supervisor takes the socket away from the sleeping I/O thread (quiet),
reads its own reply and hands it back, without waking it: one thread switch less per decision; and a
synchronous agent, whose every reply is read by its caller, leaves the socket quiet from one call to the
next: no epoll_ctl at all per decision (direct_read.py says when the mask changes). A hang-up still wakes
the I/O thread at once. Elsewhere poll() is used and only the I/O thread ever reads (arm and quiet do
nothing, direct is False)."""
from __future__ import annotations

import select

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up (see named_tuple.py)
if TYPE_CHECKING:
    from typing import Optional, Tuple

#: Let callers read their own replies where epoll exists (tests turn it off to cover the other path).
DIRECT_READS = True


_WATCHED = select.EPOLLIN | select.EPOLLRDHUP | select.EPOLLONESHOT if hasattr(select, "epoll") else 0
_QUIET = select.EPOLLRDHUP | select.EPOLLONESHOT if hasattr(select, "epoll") else 0


class EpollReadiness:
    """epoll: the wake-up channel level-triggered, the socket one-shot (set again after each event)."""

    direct = True

    def __init__(self, wake_fd: int, sock_fd: int) -> None:
        """Registers both descriptors; the socket starts watched."""
        self._ep = select.epoll()
        self._wake, self._sock = wake_fd, sock_fd
        #: True: watched, False: quiet, None: an event fired (one-shot: nothing is reported until set again).
        #: Changed under the link's lock only (direct_read.py).
        self.watching: Optional[bool] = True
        self._ep.register(wake_fd, select.EPOLLIN)
        self._ep.register(sock_fd, _WATCHED)

    def wait(self, timeout: float) -> Tuple[bool, bool]:
        """Sleeps up to timeout seconds; returns (woken, socket readable)."""
        wake = sock = False
        for fd, _ in self._ep.poll(timeout):
            if fd == self._wake:
                wake = True
            elif fd == self._sock:
                sock = True
        return wake, sock

    def arm(self) -> None:
        """Watch the socket for data again (reports at once if data is already waiting)."""
        self.watching = None  # unknown should the call fail (closed meanwhile)
        self._ep.modify(self._sock, _WATCHED)
        self.watching = True

    def disarm(self) -> None:
        """Quiet: only the peer's hang-up wakes the I/O thread (a caller reads, or nothing is awaited)."""
        self.watching = None
        self._ep.modify(self._sock, _QUIET)
        self.watching = False

    def close(self) -> None:
        """Releases the epoll descriptor."""
        self._ep.close()


class PollReadiness:
    """poll(): portable; the I/O thread is the only reader."""

    direct = False
    #: Always watching (callers never read).
    watching = True

    def __init__(self, wake_fd: int, sock_fd: int) -> None:
        """Registers both descriptors for reading."""
        self._poll = select.poll()
        self._wake, self._sock = wake_fd, sock_fd
        self._poll.register(wake_fd, select.POLLIN)
        self._poll.register(sock_fd, select.POLLIN)

    def wait(self, timeout: float) -> Tuple[bool, bool]:
        """Sleeps up to timeout seconds; returns (woken, socket readable)."""
        wake = sock = False
        for fd, _ in self._poll.poll(timeout * 1000.0):
            if fd == self._wake:
                wake = True
            elif fd == self._sock:
                sock = True
        return wake, sock

    def arm(self) -> None:
        """Nothing to do: poll() always watches the socket."""

    def disarm(self) -> None:
        """Nothing to do: callers never read under poll()."""

    def close(self) -> None:
        """Nothing to release."""


def readiness_for(wake_fd: int, sock_fd: int, direct: bool = True):  # type: ignore[no-untyped-def]
    """epoll where the platform has it (and direct reads are allowed), else poll()."""
    if direct and hasattr(select, "epoll"):
        return EpollReadiness(wake_fd, sock_fd)
    return PollReadiness(wake_fd, sock_fd)
