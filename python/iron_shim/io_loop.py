"""The I/O thread's half of the client: connect, handshake, read and dispatch, heartbeat, reconnect."""
from __future__ import annotations

import os
import select
import sys
import time
from typing import TYPE_CHECKING, List, Optional, Tuple

from . import protocol, zmtp
from . import readiness as readiness_module
from .codec import packb
from .connection import Connection, ConnectionClosed
from .direct_read import IO_THREAD
from .readiness import readiness_for
from .errors import SUPERVISOR_UNAVAILABLE, ProtocolError
from .internal import debug, note

if TYPE_CHECKING:
    from .client import Client

# Shared with client.py (the state names are documented there).
IDLE, CONNECTING, READY, DOWN, REJECTED, CLOSED = "idle", "connecting", "ready", "down", "rejected", "closed"
BACKOFF_MIN, BACKOFF_MAX = 0.05, 2.0


def default_agent_name() -> str:
    """The name a joining agent without IRON_AGENT_ID announces: its script's (or module's) name.

    Read from the interpreter's own command line (sys.orig_argv, else /proc/self/cmdline), not
    sys.argv, which `-m` and `python -m iron_shim script.py` rewrite while the shim is starting."""
    command = list(getattr(sys, "orig_argv", None) or _proc_cmdline() or [])
    name = _program_name(command[1:]) if command else None
    if name is None:
        argv = getattr(sys, "argv", None) or [""]
        name = os.path.splitext(os.path.basename(argv[0] or ""))[0]
    return name if name and name not in ("-c", "-m", "-") else "python"


def _proc_cmdline() -> List[str]:
    """This process's full command line on Linux (Python 3.9 has no sys.orig_argv)."""
    try:
        with open("/proc/self/cmdline", "rb") as f:
            return [part.decode(errors="replace") for part in f.read().split(b"\0") if part]
    except OSError:
        return []


def _program_name(args: List[str]) -> Optional[str]:
    """The script or module an interpreter command line runs (through `-m iron_shim` too); None for -c/stdin."""
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "-m" and i + 1 < len(args):
            module = args[i + 1]
            if module != "iron_shim":
                return module
            args, i = args[i + 2:], 0  # python -m iron_shim [-m module | script.py] ...
            continue
        if arg == "-c" or arg == "-":
            return None
        if arg in ("-W", "-X"):
            i += 2
            continue
        if arg.startswith("-"):
            i += 1
            continue
        return os.path.splitext(os.path.basename(arg))[0]
    return None


class Rejected(Exception):
    """The supervisor answered hello with reject."""

    def __init__(self, code: str, reason: str) -> None:
        """Keeps the reject's code and reason."""
        super().__init__(f"{code}: {reason}")
        self.code, self.reason = code, reason


class IOLoop:
    """Mixed into Client: everything that runs on the single background thread (which only reads,
    plus heartbeats, PINGs/PONGs and the fire-and-forget outbox)."""

    def _run(self: "Client") -> None:
        """Connect, serve, reconnect with capped backoff; ends on reject or close."""
        backoff = BACKOFF_MIN
        try:
            while self._state != CLOSED:
                with self._lock:
                    if self._state == CLOSED:
                        break
                    self._state = CONNECTING
                    self._attempts += 1
                    attempt = self._attempts
                try:
                    conn, welcome = self._open()
                except Rejected as rej:
                    self._on_rejected(rej)
                    return
                except Exception as exc:  # noqa: BLE001 - OSError, timeout, ProtocolError
                    if not self._on_down(f"cannot connect to {self.base.endpoint}: {exc}", attempt):
                        self._pause(backoff)
                        backoff = min(backoff * 2, BACKOFF_MAX)
                    continue
                backoff = BACKOFF_MIN
                if not self._on_ready(conn, welcome):
                    conn.close()
                    break
                reason = "closed"
                try:
                    self._serve(conn)
                except Exception as exc:  # noqa: BLE001 - the link broke; reconnect
                    reason = str(exc) or type(exc).__name__
                self._retire(conn)
                if self._state != CLOSED:
                    self._on_down(f"lost the connection to the supervisor: {reason}")
        except BaseException as exc:  # noqa: BLE001 - never let the I/O thread print into the agent
            debug(f"the I/O thread crashed: {exc!r}")
            self._thread = None  # the next call starts a fresh one
            self._on_down(f"internal error: {exc!r}")
        finally:
            if self._state == CLOSED:
                self._close_wake()

    def _open(self: "Client") -> Tuple[Connection, protocol.Welcome]:
        """Connects, handshakes and exchanges hello/welcome before timeout_ms."""
        deadline = time.monotonic() + self.base.timeout_ms / 1000.0
        conn = Connection.open(self.base.endpoint or "", deadline)
        try:
            hello_id = protocol.next_id()
            hello = protocol.hello(hello_id, self.agent or self.name, self.base.token or "",
                                   self.shim_version, self.base.parent_pid)
            conn.send(zmtp.encode_frame(packb(hello)))
            while True:
                frames = conn.backlog + conn.read_frames(deadline)
                conn.backlog = []
                for index, frame in enumerate(frames):
                    if frame.command is not None:
                        self._on_command(conn, frame)
                        continue
                    msg = protocol.parse_incoming(frame.body)
                    if msg["type"] == "welcome":
                        conn.backlog = frames[index + 1:]
                        return conn, protocol.parse_welcome(msg)
                    if msg["type"] == "reject":
                        raise Rejected(*protocol.parse_reject(msg))
        except BaseException:
            conn.close()
            raise

    def _on_ready(self: "Client", conn: Connection, welcome: protocol.Welcome) -> bool:
        """Applies the welcome, flushes queued calls, and wakes install(wait=True)."""
        try:
            for frame in conn.backlog:  # frames that came with the welcome, before anyone else may read
                self._dispatch(conn, frame)
        except Exception as exc:  # noqa: BLE001 - an ERROR command: _serve drops the link at once
            conn.broken = str(exc) or type(exc).__name__
        conn.backlog = []
        conn.readiness = readiness_for(self._wake_r.fileno(), conn.fileno(), readiness_module.DIRECT_READS)
        with self._cond:
            if self._state == CLOSED:
                return False
            self.settings = self.base.merged_welcome(welcome.settings)
            self.agent = welcome.agent or self.base.agent
            self.session = welcome.session
            self.budget = welcome.budget
            self.welcomed = True
            self.last_error = None
            self._state = READY
            self._conn = conn
            queued, self._queued = self._queued, {}
            self._cond.notify_all()
        self.orphan.found()
        for msg_id, (frame, _) in queued.items():
            waiter = self._pending.get(msg_id)
            if waiter is not None:
                waiter.sent = True
                conn.send(frame)
        self._flush_outbox(conn)  # reports posted while the link was down
        return True

    def _on_down(self: "Client", reason: str, attempt: Optional[int] = None) -> bool:
        """Marks the link down and fails every waiting call immediately (fail closed), except calls
        queued while the failed connection attempt was already under way: they get a fresh attempt
        at once (returns True), so a call made just as the supervisor comes back is not failed by
        an attempt that started before it was there."""
        debug(reason)
        with self._cond:
            if self._state != CLOSED:
                self._state = DOWN
            self._conn = None
            self.last_error = reason
            late = {} if attempt is None else {i: q for i, q in self._queued.items() if q[1] >= attempt}
            self._queued = late
            self._cond.notify_all()
        self._fail_pending(SUPERVISOR_UNAVAILABLE, reason, keep=late)
        self.orphan.lost()
        return bool(late)

    def _on_rejected(self: "Client", rej: Rejected) -> None:
        """Remembers the reject: no retry with the same token; calls fail closed."""
        with self._cond:
            self.rejection = rej
            self.last_error = str(rej)
            if self._state != CLOSED:
                self._state = REJECTED
            self._queued.clear()
            self._cond.notify_all()
        self._fail_pending(rej.code, f"the supervisor rejected this agent: {rej.reason}")
        if self.announce_reject:
            note(f"the supervisor at {self.base.endpoint} rejected this agent ({rej.code}: {rej.reason}); "
                 "its LLM calls will be denied. Check IRON_TOKEN (iron serve prints the join token).")

    def _pause(self: "Client", seconds: float) -> None:
        """Waits out the backoff; a new call (kick) or close cuts it short; runs the orphan guard."""
        deadline = time.monotonic() + seconds
        while self._state != CLOSED:
            now = time.monotonic()
            self.orphan.check(now)
            wait = min(deadline - now, self.orphan.remaining(now))
            if wait <= 0:
                return
            ready, _, _ = select.select([self._wake_r], [], [], wait)
            if ready:
                self._drain_wake()
                return

    def _drain_wake(self: "Client") -> None:
        """Empties the wake pipe."""
        try:
            while self._wake_r.recv(4096):
                pass
        except OSError:
            pass

    def _serve(self: "Client", conn: Connection) -> None:
        """Reads and dispatches replies; sends heartbeats, PINGs when quiet and the outbox."""
        beat = self.settings.heartbeat_ms / 1000.0
        dead_after = max(3 * beat, 1.0)
        ttl = max(1, self.settings.heartbeat_ms // 10)  # deciseconds: ten heartbeat intervals
        readiness = conn.readiness
        now = time.monotonic()
        conn.last_rx, next_beat, ping_at = now, now + beat, None
        while True:
            if self._state == CLOSED:
                self._linger(conn)
                return
            if conn.broken is not None:
                raise ConnectionClosed(conn.broken)
            woken, readable = readiness.wait(max(0.0, next_beat - time.monotonic()))
            now = time.monotonic()
            if woken:
                self._drain_wake()
            if readable and self._take_reader(conn, IO_THREAD):
                try:
                    frames = conn.read_frames()
                    conn.last_rx = now
                    for frame in frames:
                        self._dispatch(conn, frame)
                finally:
                    self._release_reader(conn)
            while self._outbox and self._state == READY:
                conn.send(self._outbox.popleft())
            if now >= next_beat and self._state == READY:
                conn.send(zmtp.encode_frame(packb(protocol.heartbeat(protocol.next_id(), len(self._pending)))))
                if ping_at is not None and conn.last_rx >= ping_at:
                    ping_at = None  # something arrived since the PING: the peer is alive
                if now - conn.last_rx >= beat and ping_at is None:
                    conn.send(zmtp.build_ping(ttl))
                    ping_at = now
                if ping_at is not None and now - ping_at > dead_after:
                    raise ConnectionClosed(f"no answer from the supervisor for {now - ping_at:.1f} s")
                next_beat = now + beat

    def _retire(self: "Client", conn: Connection) -> None:
        """Shuts the socket (a caller reading it wakes up), lets that caller go, then closes."""
        conn.shutdown()
        self._wait_reader_gone(1.0)
        conn.close()

    def _linger(self: "Client", conn: Connection) -> None:
        """After bye and half-close, waits briefly for the peer's EOF so nothing is lost."""
        deadline = time.monotonic() + 0.2
        if not self._wait_reader_gone(0.2):
            return
        try:
            while time.monotonic() < deadline:
                ready, _, _ = select.select([conn.sock], [], [], max(0.0, deadline - time.monotonic()))
                if ready and not conn.sock.recv(65536):
                    return
        except OSError:
            pass

    def _on_command(self: "Client", conn: Connection, frame: zmtp.Frame) -> None:
        """PING gets a PONG; ERROR ends the connection; others are ignored."""
        if frame.command == "PING":
            conn.send(zmtp.build_pong(zmtp.parse_ping(frame.body)[1]))
        elif frame.command == "ERROR":
            raise ProtocolError(f"zmtp: supervisor sent ERROR: {zmtp.parse_error(frame.body)}")

    def _dispatch(self: "Client", conn: Connection, frame: zmtp.Frame) -> None:
        """Routes one frame: commands handled here, replies to their waiter by id."""
        if frame.command is not None:
            self._on_command(conn, frame)
            return
        if frame.more:
            return  # SPEC: one frame per message; leading envelope parts are skipped, the last part counts
        try:
            msg = protocol.parse_incoming(frame.body)
        except ProtocolError as exc:
            debug(f"dropped a bad message from the supervisor: {exc}")
            return
        if msg["type"] in ("decision", "error"):
            if "budget" in msg:
                self.budget = protocol.parse_budget(msg["budget"])
            waiter = self._pending.pop(msg["id"], None)
            if waiter is not None:
                waiter.resolve(msg)  # replies to fire-and-forget posts (and late ones) are ignored
