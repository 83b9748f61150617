"""One ZMTP DEALER connection over AF_UNIX, TCP or TLS (tls_pin.py): caller threads write under a lock; one thread at a
time reads (the I/O thread, or a caller waiting for its own reply, see direct_read.py)."""
from __future__ import annotations

import _socket
import select
import struct
import threading
import time

from . import zmtp
from .errors import ProtocolError

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up (see named_tuple.py)
if TYPE_CHECKING:
    from typing import Any, List, Optional, Tuple

#: Bytes asked of each recv. Kept under glibc's 128 KiB mmap threshold: a 256 KiB buffer was mapped
#: and unmapped on every read (~100-250 us each here), more than the rest of a round trip.
RECV_SIZE = 65536
#: recv flag for a read that must not wait (every platform the shim supports has it).
_DONTWAIT = getattr(_socket, "MSG_DONTWAIT", 0)
#: struct timeval for SO_RCVTIMEO: two C longs on Linux (where direct reads run); None elsewhere, or where
#: the layout may differ, and then a reading caller polls before each read instead (read_within).
_TIMEVAL = struct.Struct("@ll") if hasattr(_socket, "SO_RCVTIMEO") and struct.calcsize("@ll") == 16 else None


class ConnectionClosed(OSError):
    """The peer closed the connection (EOF) or it broke."""


def parse_endpoint(endpoint: str) -> Tuple[int, object]:
    """ipc://path (ipc://@name for the abstract namespace), tcp://host:port or tls://host:port -> (family, address)."""
    if endpoint.startswith("ipc://"):
        path = endpoint[6:]
        if not path:
            raise ValueError(f"endpoint {endpoint!r}: expected ipc://<path>, got an empty path")
        if path.startswith("@"):
            path = "\0" + path[1:]
        return _socket.AF_UNIX, path
    if endpoint.startswith(("tcp://", "tls://")):
        rest = endpoint[6:]
        host, sep, port = rest.rpartition(":")
        if not sep or not port.isdigit() or not host or host == "*":
            raise ValueError(f"endpoint {endpoint!r}: expected {endpoint[:6]}<host>:<port>")
        return _socket.AF_INET, (host.strip("[]"), int(port))
    raise ValueError(f"endpoint {endpoint!r}: expected ipc://<path>, tcp://<host>:<port> or tls://<host>:<port>")


def _is_plain(sock: object) -> bool:
    """A kernel socket as such: _socket.socket (AF_UNIX, opened here without socket.py) or socket.socket
    (TCP, and the relayed end of a TLS connection), not a wrapper."""
    kind = type(sock)
    return kind is _socket.socket or (kind.__name__ == "socket" and kind.__module__ == "socket")


def _remaining(deadline: float) -> float:
    """Seconds left before the deadline, raising a timeout when none are."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise _socket.timeout("handshake timed out")
    return left


class Connection:
    """A connected, handshaken ZMTP socket; frames in, frames out."""

    def __init__(self, sock: _socket.socket, identity: bytes) -> None:
        """Wraps an already connected socket (use Connection.open)."""
        self.sock = sock
        self.identity = identity
        self.parser = zmtp.FrameParser()
        self.backlog: List[zmtp.Frame] = []
        self._send_lock = threading.Lock()
        self._fileno = sock.fileno()
        #: What the I/O thread sleeps on (readiness.py), set once it serves this connection.
        self.readiness: Any = None
        #: When anything last arrived (read by the I/O thread's dead-peer check, set by every reader).
        self.last_rx = time.monotonic()
        #: Why a caller that was reading found the link broken; the I/O thread then tears it down.
        self.broken: Optional[str] = None
        self._reader_poll: Any = None
        #: The SO_RCVTIMEO now set (seconds): a reading caller's blocking recv returns after it (read_within);
        #: None where that is not used (TLS, or no usable SO_RCVTIMEO) and read_within polls first.
        self._rcv_timeout: Optional[float] = 0.0 if _TIMEVAL is not None and _is_plain(sock) else None

    @classmethod
    def open(cls, endpoint: str, deadline: float, tls_fingerprint: Optional[str] = None) -> "Connection":
        """Connects (for tls://, TLS with the certificate pinned) and runs the ZMTP greeting + READY
        handshake before the deadline."""
        family, address = parse_endpoint(endpoint)
        if family == _socket.AF_UNIX:
            sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
            sock.settimeout(_remaining(deadline))
            try:
                sock.connect(address)  # type: ignore[arg-type]
            except BaseException:
                sock.close()
                raise
        elif endpoint.startswith("tls://"):
            from .tls_pin import open_pinned

            host, port = address  # type: ignore[misc]
            sock = open_pinned(host, port, tls_fingerprint, deadline)
        else:
            import socket  # for TCP only: socket.py pulls in enum and selectors, a cost every agent would pay

            host, port = address  # type: ignore[misc]
            sock = socket.create_connection((host, port), timeout=_remaining(deadline))
            sock.setsockopt(_socket.IPPROTO_TCP, _socket.TCP_NODELAY, 1)
        try:
            conn = cls(sock, zmtp.new_identity())
            conn._handshake(deadline)
            sock.settimeout(None)
            return conn
        except BaseException:
            sock.close()
            raise

    def _handshake(self, deadline: float) -> None:
        """Greeting both ways, then READY both ways (the peer must be a ROUTER)."""
        self.sock.sendall(zmtp.GREETING)
        greeting = self._read_exact(zmtp.GREETING_SIZE, deadline)
        zmtp.parse_greeting(greeting)
        self.sock.sendall(zmtp.build_ready("DEALER", self.identity))
        while True:
            frames = self.read_frames(deadline)
            if frames:
                zmtp.check_ready(frames[0], "ROUTER")
                self.backlog.extend(frames[1:])
                return

    def _read_exact(self, size: int, deadline: float) -> bytes:
        """Reads exactly size bytes (used only for the greeting)."""
        data = bytearray()
        while len(data) < size:
            self.sock.settimeout(_remaining(deadline))
            chunk = self.sock.recv(size - len(data))
            if not chunk:
                raise ConnectionClosed("peer closed the connection during the ZMTP greeting")
            data += chunk
        return bytes(data)

    def read_frames(self, deadline: Optional[float] = None) -> List[zmtp.Frame]:
        """One recv turned into whole frames. With a deadline (the handshake and hello) it waits for
        data until then; without one it never blocks, because the readiness it follows may be stale:
        a caller holding the read role may have taken the bytes epoll reported to the I/O thread."""
        if deadline is None:
            try:
                data = self.sock.recv(RECV_SIZE, _DONTWAIT)
            except (BlockingIOError, InterruptedError):
                return []
        else:
            self.sock.settimeout(_remaining(deadline))
            try:
                data = self.sock.recv(RECV_SIZE)
            finally:
                self.sock.settimeout(None)  # writes stay blocking; a timeout left here broke later reads
        if not data:
            raise ConnectionClosed("the supervisor closed the connection")
        return self.parser.feed(data)

    def read_within(self, timeout: float) -> Optional[List[zmtp.Frame]]:
        """For the holder of the read role (direct_read.py): waits up to timeout seconds (> 0) for data and
        returns its frames, None when none came. On a plain socket this is one blocking recv bounded by
        SO_RCVTIMEO (set again only when the bound changes) instead of poll() and then recv: one system
        call less per decision. The socket stays in blocking mode: writes and the I/O thread's
        MSG_DONTWAIT reads are not affected by the receive timeout."""
        if self._rcv_timeout is None:
            return self.read_frames() if self.wait_readable(timeout) else None
        if timeout != self._rcv_timeout:
            usec = max(1000, int(timeout * 1e6))  # 0 would mean no timeout at all
            timeval = _TIMEVAL.pack(usec // 1000000, usec % 1000000)  # type: ignore[union-attr]
            self.sock.setsockopt(_socket.SOL_SOCKET, _socket.SO_RCVTIMEO, timeval)
            self._rcv_timeout = timeout
        try:
            data = self.sock.recv(RECV_SIZE)
        except (BlockingIOError, InterruptedError):  # the receive timeout passed (EAGAIN)
            return None
        if not data:
            raise ConnectionClosed("the supervisor closed the connection")
        return self.parser.feed(data)

    def wait_readable(self, timeout: float) -> bool:
        """Blocks up to timeout seconds for data (or EOF); used by a caller that holds the read role."""
        if self._reader_poll is None:
            self._reader_poll = select.poll()
            self._reader_poll.register(self._fileno, select.POLLIN)
        return bool(self._reader_poll.poll(timeout * 1000.0))

    def fileno(self) -> int:
        """The socket's descriptor, kept even after close for poll bookkeeping."""
        return self._fileno

    def send(self, data: bytes) -> None:
        """Writes whole encoded frames atomically with respect to other writers."""
        with self._send_lock:
            self.sock.sendall(data)

    def try_send(self, data: bytes) -> bool:
        """send() unless another writer holds the connection (or this very thread does, from a finalizer):
        then False at once, and the caller queues the frame instead."""
        if not self._send_lock.acquire(blocking=False):
            return False
        try:
            self.sock.sendall(data)
        finally:
            self._send_lock.release()
        return True

    def shutdown_write(self) -> None:
        """Half-closes after bye so the peer reads everything and then sees EOF."""
        try:
            self.sock.shutdown(_socket.SHUT_WR)
        except OSError:
            pass

    def shutdown(self) -> None:
        """Shuts both directions: wakes any thread blocked reading it, before the close."""
        try:
            self.sock.shutdown(_socket.SHUT_RDWR)
        except OSError:
            pass

    def close(self) -> None:
        """Closes the socket (and what the I/O thread slept on); safe to call twice."""
        readiness, self.readiness = self.readiness, None
        if readiness is not None:
            readiness.close()
        try:
            self.sock.close()
        except OSError:
            pass


def check_frame_size(payload: bytes) -> None:
    """Refuses to send a message larger than the protocol maximum."""
    if len(payload) > zmtp.MAX_FRAME_BYTES:
        raise ProtocolError(f"message of {len(payload)} bytes exceeds the {zmtp.MAX_FRAME_BYTES}-byte maximum")
