"""The link to the supervisor as one object: its state, its lock, and the calls waiting on it.

Three collaborators work on one Link: the caller side (client.py) registers calls and writes them,
the I/O thread (io_loop.py) connects, reads and reconnects, and a caller reading its own reply
(direct_read.py) borrows the socket. Every change of state happens here, under the Link's lock.

States: "idle" not started; "connecting" an attempt (connect, handshake, hello) runs; "ready"
welcomed, calls go straight out; "down" the last attempt failed or the link dropped, a reconnect is
pending with backoff; "rejected" the supervisor refused our token (terminal); "closed" uninstalled or
exiting (terminal).
"""
from __future__ import annotations

import collections
import threading

from . import protocol, zmtp
from .agent_name import default_agent_name
from .connection import Connection
from .errors import AUTH, SUPERVISOR_UNAVAILABLE, NoDecision, ProtocolError
from .internal import debug, note
from .orphan import OrphanGuard
from .settings import Settings
from .waiters import AsyncWaiter, SyncWaiter

try:  # the kernel's pair without socket.py, which pulls in enum and selectors (agent start-up)
    from _socket import socketpair as _socketpair
except ImportError:  # pragma: no cover - a platform without AF_UNIX pairs: socket.py emulates them
    from socket import socketpair as _socketpair

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up (see named_tuple.py)
if TYPE_CHECKING:
    from typing import Any, Deque, Dict, FrozenSet, Optional, Tuple, Union

    Waiter = Union[SyncWaiter, AsyncWaiter]

IDLE, CONNECTING, READY, DOWN, REJECTED, CLOSED = "idle", "connecting", "ready", "down", "rejected", "closed"
#: Most fire-and-forget reports kept while the link is down (then the oldest are dropped).
OUTBOX_LIMIT = 1024


class Rejected(Exception):
    """The supervisor answered hello with reject."""

    def __init__(self, code: str, reason: str) -> None:
        """Keeps the reject's code apart, so later calls fail closed with it."""
        super().__init__(f"{code}: {reason}")
        self.code, self.reason = code, reason


class Link:
    """What the caller side, the I/O thread and a directly reading caller share."""

    def __init__(self, settings: Settings, shim_version: str, announce_reject: bool = False) -> None:
        """Everything here is shared: the fields are read by the collaborators, changed under lock."""
        self.base = settings
        #: The effective settings: the welcome's win over the installed ones.
        self.settings = settings
        self.shim_version = shim_version
        self.agent: Optional[str] = settings.agent
        #: The name the first hello asks for (later hellos ask for the id the supervisor gave us).
        self.name = settings.agent or default_agent_name()
        self.session: Optional[str] = None
        #: True once a welcome arrived: providers known only from welcome.settings are in self.settings.
        self.welcomed = False
        #: The agent's tightest budget as the supervisor last reported it (micro-dollars), or None.
        self.budget: Optional[Dict[str, Any]] = None
        #: The grant the shim admits calls under (admission.py), or None: dropped when the link goes down.
        self.grant: Any = None
        #: The wire features the supervisor of the live connection listed in its welcome (none while down:
        #: a message built then may reach another supervisor, which must understand it).
        self.features: FrozenSet[str] = protocol.NO_FEATURES
        #: Print one line on stderr when the supervisor rejects us (nobody waited on install()).
        self.announce_reject = announce_reject
        self.rejection: Optional[Rejected] = None
        self.last_error: Optional[str] = None
        self.pending: Dict[int, Waiter] = {}
        #: Calls waiting for a connection: id -> (frame, attempts started when it was queued).
        self.queued: Dict[int, Tuple[bytes, int]] = {}
        #: Connection attempts started so far (a call queued during one that fails gets another).
        self.attempts = 0
        #: Fire-and-forget reports (a stream's llm.response) waiting for the I/O thread; kept across a
        #: reconnect, so a spend is settled even when the link dropped just after the call ended.
        self.outbox: Deque[bytes] = collections.deque(maxlen=OUTBOX_LIMIT)
        #: Orders fire-and-forget frames: a caller sending one itself, and whoever flushes the outbox.
        self.out_lock = threading.Lock()
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.state = IDLE
        self.reader: Optional[str] = None  # who reads the socket now (direct_read.py)
        self.reader_waits = 0  # threads in DirectRead.wait_gone(), waiting for the role to come back
        self.conn: Optional[Connection] = None
        # Wake-up channel for the I/O thread: socket objects (not raw fds), so a write after close
        # fails cleanly instead of landing on a reused descriptor.
        self.wake_r, self.wake_w = _socketpair()
        self.wake_r.setblocking(False)
        self.wake_w.setblocking(False)
        self.orphan = OrphanGuard(settings.spawned, settings.orphan_exit_ms)

    # ----- the caller side -----

    def route(self, msg_id: int, frame: bytes, waiter: Waiter) -> Tuple[Optional[Connection], Optional[NoDecision]]:
        """Registers a call's waiter; returns the live connection to write to (ready), the error to fail
        it with (rejected, closed), or neither when it was queued for the connection in progress."""
        self.pending[msg_id] = waiter
        with self.lock:
            state = self.state
            if state == READY:
                return self.conn, None
            if state == REJECTED:
                return None, self.rejected_error()
            if state == CLOSED:
                return None, NoDecision(SUPERVISOR_UNAVAILABLE, "the shim is uninstalled or the interpreter is exiting")
            self.queued[msg_id] = (frame, self.attempts)
        if state == DOWN:
            self.kick()
        return None, None

    def fail(self, msg_id: int, error: NoDecision) -> None:
        """Fails one call unless its reply (or another failure) already took it."""
        waiter = self.pending.pop(msg_id, None)
        if waiter is not None:
            waiter.fail(error)

    def expire(self, msg_id: int) -> bool:
        """Forgets a call that timed out; False when the I/O thread had already answered it."""
        with self.lock:
            self.queued.pop(msg_id, None)
        return self.pending.pop(msg_id, None) is not None

    def rejected_error(self) -> NoDecision:
        """Calls after a reject fail closed with the reject's code."""
        rej = self.rejection
        code = rej.code if rej else AUTH
        return NoDecision(code, f"the supervisor rejected this agent: {rej.reason if rej else 'no reason'}")

    def mark_closed(self) -> Tuple[bool, Optional[Connection]]:
        """Moves to closed; returns whether it already was, and the connection to say bye on."""
        with self.cond:
            if self.state == CLOSED:
                return True, None
            conn = self.conn if self.state == READY else None
            self.state = CLOSED
            self.queued.clear()
            self.cond.notify_all()
        return False, conn

    # ----- the I/O thread's transitions -----

    def begin_attempt(self) -> Optional[int]:
        """Numbers a new connection attempt; None once closed."""
        with self.lock:
            if self.state == CLOSED:
                return None
            self.state = CONNECTING
            self.attempts += 1
            return self.attempts

    def on_ready(self, conn: Connection, welcome: protocol.Welcome) -> bool:
        """Applies the welcome, flushes queued calls and the outbox, and wakes install(wait=True)."""
        with self.cond:
            if self.state == CLOSED:
                return False
            self.settings = self.base.merged_welcome(welcome.settings)
            self.agent = welcome.agent or self.base.agent
            self.session = welcome.session
            self.budget = welcome.budget
            self.features = welcome.features
            self.welcomed = True
            self.last_error = None
            self.state = READY
            self.conn = conn
            queued, self.queued = self.queued, {}
            self.cond.notify_all()
        self.orphan.found()
        for msg_id, (frame, _) in queued.items():
            waiter = self.pending.get(msg_id)
            if waiter is not None:
                waiter.sent = True
                conn.send(frame)
        self.flush_outbox(conn)  # reports posted while the link was down
        return True

    def on_down(self, reason: str, attempt: Optional[int] = None) -> bool:
        """Marks the link down and fails every waiting call immediately (fail closed), except calls
        queued while the failed connection attempt was already under way: they get a fresh attempt
        at once (returns True), so a call made just as the supervisor comes back is not failed by
        an attempt that started before it was there."""
        debug(reason)
        with self.cond:
            if self.state != CLOSED:
                self.state = DOWN
            self.conn = None
            self.grant = None  # fail closed: no admitting without a supervisor
            self.features = protocol.NO_FEATURES
            self.last_error = reason
            late = {} if attempt is None else {i: q for i, q in self.queued.items() if q[1] >= attempt}
            self.queued = late
            self.cond.notify_all()
        self.fail_pending(SUPERVISOR_UNAVAILABLE, reason, keep=late)
        self.orphan.lost()
        return bool(late)

    def on_rejected(self, rej: Rejected) -> None:
        """Remembers the reject: no retry with the same token; calls fail closed."""
        with self.cond:
            self.rejection = rej
            self.last_error = str(rej)
            if self.state != CLOSED:
                self.state = REJECTED
            self.queued.clear()
            self.cond.notify_all()
        self.fail_pending(rej.code, f"the supervisor rejected this agent: {rej.reason}")
        if self.announce_reject:
            note(
                f"the supervisor at {self.base.endpoint} rejected this agent ({rej.code}: {rej.reason}); "
                "its LLM calls will be denied. Check IRON_TOKEN (iron serve prints the join token)."
            )

    def fail_pending(self, code: str, reason: str, keep: Optional[Dict[int, Any]] = None) -> None:
        """Fails every waiting call at once (connection lost, closed), except the ids in keep."""
        for msg_id in list(self.pending):
            if keep and msg_id in keep:
                continue
            self.fail(msg_id, NoDecision(code, reason))

    def flush_outbox(self, conn: Connection) -> None:
        """Sends whatever fire-and-forget messages are still queued."""
        with self.out_lock:
            while True:
                try:
                    frame = self.outbox.popleft()
                except IndexError:
                    return
                conn.send(frame)

    # ----- what arrives (whoever reads the socket) -----

    def on_command(self, conn: Connection, frame: zmtp.Frame) -> None:
        """PING gets a PONG; ERROR ends the connection; others are ignored."""
        if frame.command == "PING":
            conn.send(zmtp.build_pong(zmtp.parse_ping(frame.body)[1]))
        elif frame.command == "ERROR":
            raise ProtocolError(f"zmtp: supervisor sent ERROR: {zmtp.parse_error(frame.body)}")

    def dispatch(self, conn: Connection, frame: zmtp.Frame) -> None:
        """Routes one frame: commands handled here, replies to their waiter by id."""
        if frame.command is not None:
            self.on_command(conn, frame)
            return
        if frame.more:
            return  # SPEC: one frame per message; leading envelope parts are skipped, the last part counts
        try:
            msg = protocol.parse_incoming(frame.body)
        except ProtocolError as exc:
            debug(f"dropped a bad message from the supervisor: {exc}")
            return
        if msg["type"] == "grant.end":
            grant = self.grant
            if grant is not None and grant.id == msg.get("grant"):
                self.grant = None
            return
        if msg["type"] in ("decision", "error"):
            if "budget" in msg:
                self.budget = protocol.parse_budget(msg["budget"])
            waiter = self.pending.pop(msg["id"], None)
            if waiter is not None:
                waiter.resolve(msg)  # replies to fire-and-forget posts (and late ones) are ignored

    # ----- the I/O thread's wake-up channel -----

    def kick(self) -> None:
        """Wakes the I/O thread (a full pipe already means it will wake)."""
        try:
            self.wake_w.send(b"\0")
        except OSError:
            pass

    def drain_wake(self) -> None:
        """Empties the wake pipe, so the next wait sleeps until a new kick."""
        try:
            while self.wake_r.recv(4096):
                pass
        except OSError:
            pass

    def close_wake(self) -> None:
        """Closes the wake-up channel (the I/O thread is gone or never ran)."""
        for sock in (self.wake_r, self.wake_w):
            sock.close()
