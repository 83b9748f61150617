"""The I/O thread of one link: connect, handshake, read and dispatch, heartbeat, reconnect.

It only reads (a caller writes its own frames), plus heartbeats, PINGs/PONGs and the fire-and-forget
outbox; while a caller holds the read role (direct_read.py) it leaves the socket alone.
"""
from __future__ import annotations

import select
import threading
import time

from . import handshake, protocol, zmtp
from . import readiness as readiness_module
from .codec import packb
from .connection import Connection, ConnectionClosed
from .direct_read import IO_THREAD, DirectRead
from .internal import debug
from .link import CLOSED, CONNECTING, READY, Link, Rejected
from .errors import TlsPinError
from .readiness import readiness_for

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up (see named_tuple.py)
if TYPE_CHECKING:
    from typing import Optional, Tuple

BACKOFF_MIN, BACKOFF_MAX = 0.05, 2.0


class IOLoop:
    """The single background thread that keeps a link connected and reads it."""

    def __init__(self, link: Link, reads: DirectRead) -> None:
        """The thread is started lazily (start()), so installing the shim costs nothing until used."""
        self.link = link
        self.reads = reads
        self.thread: Optional[threading.Thread] = None

    def start(self) -> None:
        """Starts the thread, which connects in the background (once; never after close)."""
        link = self.link
        with link.lock:
            if self.thread is not None or link.state == CLOSED:
                return
            link.state = CONNECTING
            self.thread = threading.Thread(target=self.run, name="iron-shim-io", daemon=True)
            self.thread.start()

    def run(self) -> None:
        """Connect, serve, reconnect with capped backoff; ends on reject or close."""
        link = self.link
        backoff = BACKOFF_MIN
        try:
            while link.state != CLOSED:
                attempt = link.begin_attempt()
                if attempt is None:
                    break
                try:
                    conn, welcome = self.open()
                except Rejected as rej:
                    link.on_rejected(rej)
                    return
                except Exception as exc:  # noqa: BLE001 - OSError, timeout, ProtocolError
                    if not link.on_down(f"cannot connect to {link.base.endpoint}: {exc}", attempt):
                        self.pause(backoff)
                        backoff = min(backoff * 2, BACKOFF_MAX)
                    continue
                backoff = BACKOFF_MIN
                if not self.ready(conn, welcome):
                    conn.close()
                    break
                reason = "closed"
                try:
                    self.serve(conn)
                except Exception as exc:  # noqa: BLE001 - the link broke; reconnect
                    reason = str(exc) or type(exc).__name__
                self.retire(conn)
                if link.state != CLOSED:
                    link.on_down(f"lost the connection to the supervisor: {reason}")
        except BaseException as exc:  # noqa: BLE001 - never let the I/O thread print into the agent
            debug(f"the I/O thread crashed: {exc!r}")
            self.thread = None  # the next call starts a fresh one
            link.on_down(f"internal error: {exc!r}")
        finally:
            if link.state == CLOSED:
                link.close_wake()

    def open(self) -> Tuple[Connection, protocol.Welcome]:
        """Connects, handshakes and proves the token (handshake.py) before timeout_ms."""
        link = self.link
        deadline = time.monotonic() + link.base.timeout_ms / 1000.0
        try:
            conn = Connection.open(link.base.endpoint or "", deadline, link.base.tls_fingerprint)
        except TlsPinError as exc:  # not the supervisor we pinned: stop, as for one that failed its proof
            raise Rejected(exc.code, exc.message) from exc
        try:
            return conn, handshake.run(conn, link, link.base.token or "", link.agent or link.name, deadline)
        except BaseException:
            conn.close()
            raise

    def ready(self, conn: Connection, welcome: protocol.Welcome) -> bool:
        """Dispatches what came with the welcome, arms the socket, then lets the link go ready."""
        try:
            for frame in conn.backlog:  # frames that came with the welcome, before anyone else may read
                self.link.dispatch(conn, frame)
        except Exception as exc:  # noqa: BLE001 - an ERROR command: serve() drops the link at once
            conn.broken = str(exc) or type(exc).__name__
        conn.backlog = []
        conn.readiness = readiness_for(self.link.wake_r.fileno(), conn.fileno(), readiness_module.DIRECT_READS)
        return self.link.on_ready(conn, welcome)

    def pause(self, seconds: float) -> None:
        """Waits out the backoff; a new call (kick) or close cuts it short; runs the orphan guard."""
        link = self.link
        deadline = time.monotonic() + seconds
        while link.state != CLOSED:
            now = time.monotonic()
            link.orphan.check(now)
            wait = min(deadline - now, link.orphan.remaining(now))
            if wait <= 0:
                return
            ready, _, _ = select.select([link.wake_r], [], [], wait)
            if ready:
                link.drain_wake()
                return

    def serve(self, conn: Connection) -> None:
        """Reads and dispatches replies; sends heartbeats, PINGs when quiet and the outbox."""
        link = self.link
        beat = link.settings.heartbeat_ms / 1000.0
        dead_after = max(3 * beat, 1.0)
        ttl = max(1, link.settings.heartbeat_ms // 10)  # deciseconds: ten heartbeat intervals
        readiness = conn.readiness
        now = time.monotonic()
        conn.last_rx, next_beat, ping_at = now, now + beat, None
        while True:
            if link.state == CLOSED:
                self.linger(conn)
                return
            if conn.broken is not None:
                raise ConnectionClosed(conn.broken)
            woken, readable = readiness.wait(max(0.0, next_beat - time.monotonic()))
            now = time.monotonic()
            if woken:
                link.drain_wake()
            if readable and self.reads.take(conn, IO_THREAD):
                self.read(conn, now)
            if link.outbox and link.state == READY:
                link.flush_outbox(conn)
            if now >= next_beat and link.state == READY:
                if readiness.watching is False and self.reads.take(conn, IO_THREAD):
                    self.read(conn, now)  # quiet socket: what came unawaited (a PONG, a late reply, an ERROR)
                conn.send(zmtp.encode_frame(packb(protocol.heartbeat(protocol.next_id(), len(link.pending)))))
                if ping_at is not None and conn.last_rx >= ping_at:
                    ping_at = None  # something arrived since the PING: the peer is alive
                if now - conn.last_rx >= beat and ping_at is None:
                    conn.send(zmtp.build_ping(ttl))
                    ping_at = now
                if ping_at is not None and now - ping_at > dead_after:
                    raise ConnectionClosed(f"no answer from the supervisor for {now - ping_at:.1f} s")
                next_beat = now + beat

    def read(self, conn: Connection, now: float) -> None:
        """Holding the read role: reads what is there (without waiting), dispatches it, hands the role back."""
        try:
            frames = conn.read_frames()
            if frames:
                conn.last_rx = now
            for frame in frames:
                self.link.dispatch(conn, frame)
        finally:
            self.reads.release(conn)

    def retire(self, conn: Connection) -> None:
        """Shuts the socket (a caller reading it wakes up), lets that caller go, then closes."""
        conn.shutdown()
        self.reads.wait_gone(1.0)
        conn.close()

    def linger(self, conn: Connection) -> None:
        """After bye and half-close, waits briefly for the peer's EOF so nothing is lost."""
        deadline = time.monotonic() + 0.2
        if not self.reads.wait_gone(0.2):
            return
        try:
            while time.monotonic() < deadline:
                ready, _, _ = select.select([conn.sock], [], [], max(0.0, deadline - time.monotonic()))
                if ready and not conn.sock.recv(65536):
                    return
        except OSError:
            pass
