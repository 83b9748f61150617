"""What the I/O thread sleeps on: its wake-up channel and the connection's socket.

With epoll (Linux) the socket is registered one-shot, so a thread that calls the supervisor can take
the socket away from the sleeping I/O thread (disarm), read its own reply, and hand it back (arm)
without waking it: one thread switch less per decision. Elsewhere poll() is used and only the I/O
thread ever reads (arm and disarm do nothing, direct is False)."""
from __future__ import annotations

import select
from typing import Tuple

#: Let callers read their own replies where epoll exists (tests turn it off to cover the other path).
DIRECT_READS = True


class EpollReadiness:
    """epoll: the wake-up channel level-triggered, the socket one-shot (re-armed after each read)."""

    direct = True

    def __init__(self, wake_fd: int, sock_fd: int) -> None:
        """Registers both descriptors; the socket starts armed."""
        self._ep = select.epoll()
        self._wake, self._sock = wake_fd, sock_fd
        self._ep.register(wake_fd, select.EPOLLIN)
        self._ep.register(sock_fd, select.EPOLLIN | select.EPOLLONESHOT)

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
        """Watch the socket again (reports at once if data is already waiting)."""
        self._ep.modify(self._sock, select.EPOLLIN | select.EPOLLONESHOT)

    def disarm(self) -> None:
        """Stop watching the socket for data while another thread reads it."""
        self._ep.modify(self._sock, select.EPOLLONESHOT)

    def close(self) -> None:
        """Releases the epoll descriptor."""
        self._ep.close()


class PollReadiness:
    """poll(): portable; the I/O thread is the only reader."""

    direct = False

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
