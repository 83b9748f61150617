"""The supervisor client: one background I/O thread reads; callers write their own frames and wait."""
from __future__ import annotations

import collections
import socket
import threading
import time
from typing import Any, Deque, Dict, Optional, Tuple, Union

from . import protocol, zmtp
from .codec import packb
from .connection import Connection, check_frame_size
from .direct_read import CALLER, DirectRead
from .errors import AUTH, DECISION_TIMEOUT, SUPERVISOR_UNAVAILABLE, NoDecision
from .io_loop import CLOSED, CONNECTING, DOWN, IDLE, READY, REJECTED, IOLoop, Rejected, default_agent_name
from .orphan import OrphanGuard
from .settings import Settings
from .waiters import AsyncWaiter, SyncWaiter

#: Most fire-and-forget reports kept while the link is down (then the oldest are dropped).
OUTBOX_LIMIT = 1024

Waiter = Union[SyncWaiter, AsyncWaiter]

__all__ = ["Client", "Rejected", "IDLE", "CONNECTING", "READY", "DOWN", "REJECTED", "CLOSED"]

# Connection states: "idle" not started; "connecting" an attempt (connect, handshake, hello) runs;
# "ready" welcomed, calls go straight out; "down" the last attempt failed or the link dropped, a
# reconnect is pending with backoff; "rejected" the supervisor refused our token (terminal);
# "closed" uninstalled or exiting (terminal).


class Client(IOLoop, DirectRead):
    """Correlates requests and replies by id for any number of threads and asyncio tasks."""

    def __init__(self, settings: Settings, shim_version: str) -> None:
        """Prepares everything; the I/O thread starts on start() or the first call."""
        self.base = settings
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
        #: Print one line on stderr when the supervisor rejects us (nobody waited on install()).
        self.announce_reject = False
        self.rejection: Optional[Rejected] = None
        self.last_error: Optional[str] = None
        self._pending: Dict[int, Waiter] = {}
        #: Calls waiting for a connection: id -> (frame, attempts started when it was queued).
        self._queued: Dict[int, Tuple[bytes, int]] = {}
        #: Connection attempts started so far (a call queued during one that fails gets another).
        self._attempts = 0
        #: Fire-and-forget reports (a stream's llm.response) waiting for the I/O thread; kept across a
        #: reconnect, so a spend is settled even when the link dropped just after the call ended.
        self._outbox: Deque[bytes] = collections.deque(maxlen=OUTBOX_LIMIT)
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._state = IDLE
        self._reader: Optional[str] = None  # who reads the socket now (direct_read.py)
        self._conn: Optional[Connection] = None
        self._thread: Optional[threading.Thread] = None
        # Wake-up channel for the I/O thread: socket objects (not raw fds), so a write after close
        # fails cleanly instead of landing on a reused descriptor.
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self.orphan = OrphanGuard(settings.spawned, settings.orphan_exit_ms)

    # ----- public surface used by the governor and the runtime -----

    @property
    def state(self) -> str:
        """The connection state (see the module constants)."""
        return self._state

    def start(self) -> None:
        """Starts the I/O thread, which connects in the background."""
        with self._lock:
            if self._thread is not None or self._state == CLOSED:
                return
            self._state = CONNECTING
            self._thread = threading.Thread(target=self._run, name="iron-shim-io", daemon=True)
            self._thread.start()

    def wait_ready(self, timeout: float) -> str:
        """Blocks until welcomed, rejected, closed or one attempt failed; returns the state."""
        self.start()
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._state in (IDLE, CONNECTING):
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            return self._state

    def request(self, msg: Dict[str, Any]) -> Dict[str, Any]:
        """Sends a message and blocks for its reply (decision or error) up to timeout_ms; reads the
        reply itself when no other thread is reading (direct_read.py)."""
        if self._thread is None:
            self.start()
        msg_id = msg["id"]
        waiter = SyncWaiter()
        deadline = time.monotonic() + self.settings.timeout_ms / 1000.0
        conn = self._submit(msg_id, self._encode(msg), waiter, read_own=True)
        if conn is not None:  # this thread holds the read role
            self._read_own_reply(conn, waiter, deadline)
        if not waiter.wait(deadline - time.monotonic()):
            if self._expire(msg_id):
                raise self._timeout_error(waiter)
            waiter.wait(None)  # the I/O thread popped it at the same moment: the result is imminent
        if waiter.error is not None:
            raise waiter.error
        return waiter.value  # type: ignore[no-any-return]

    async def request_async(self, msg: Dict[str, Any]) -> Dict[str, Any]:
        """The asyncio twin of request(): the reply completes a future on the caller's loop."""
        import asyncio  # already loaded in any program that awaits this

        if self._thread is None:
            self.start()
        msg_id = msg["id"]
        waiter = AsyncWaiter(asyncio.get_running_loop())
        self._submit(msg_id, self._encode(msg), waiter)
        try:
            return await asyncio.wait_for(waiter.future, self.settings.timeout_ms / 1000.0)  # type: ignore[no-any-return]
        except asyncio.TimeoutError:
            self._expire(msg_id)
            raise self._timeout_error(waiter) from None
        except asyncio.CancelledError:
            self._expire(msg_id)
            raise

    def post(self, msg: Dict[str, Any]) -> None:
        """Fire-and-forget: the I/O thread sends it (safe from finalizers); while the link is down it
        waits for the next welcome (the oldest go first past OUTBOX_LIMIT)."""
        if self._state in (CLOSED, REJECTED):
            return
        frame = self._encode(msg)
        if self._thread is None:
            self.start()
        self._outbox.append(frame)
        self._kick()

    def status(self) -> Dict[str, Any]:
        """A snapshot for iron_shim.status()."""
        return {
            "state": self._state, "connected": self._state == READY, "agent": self.agent or self.name,
            "session": self.session, "endpoint": self.base.endpoint, "inflight": len(self._pending),
            "error": self.last_error, "budget": self.budget,
        }

    async def wait_ready_async(self, timeout: float) -> str:
        """wait_ready() for a coroutine: waits on a worker thread, so the event loop keeps running."""
        import asyncio

        if self._state not in (IDLE, CONNECTING):
            return self._state
        return await asyncio.get_running_loop().run_in_executor(None, self.wait_ready, timeout)

    def close(self, reason: str = "exit") -> None:
        """Says bye, half-closes, stops the I/O thread and fails whatever still waits."""
        if reason == "exit" and self._state == CONNECTING:
            # A short-lived agent: let the handshake in flight finish so the supervisor sees hello + bye.
            self.wait_ready(min(1.0, self.base.timeout_ms / 1000.0))
        with self._cond:
            if self._state == CLOSED:
                return
            conn = self._conn if self._state == READY else None
            self._state = CLOSED
            self._queued.clear()
            self._cond.notify_all()
        self._fail_pending(SUPERVISOR_UNAVAILABLE, "the shim was uninstalled or the interpreter is exiting")
        if conn is not None:
            try:
                self._flush_outbox(conn)  # reports posted just before exit (a stream's last llm.response)
                conn.send(zmtp.encode_frame(packb(protocol.bye(protocol.next_id(), reason))))
            except OSError:
                pass
            conn.shutdown_write()
        self._kick()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(0.5)
        if thread is None or not thread.is_alive():
            self._close_wake()

    def _flush_outbox(self, conn: Connection) -> None:
        """Sends whatever fire-and-forget messages are still queued (the I/O thread stops at close)."""
        while True:
            try:
                frame = self._outbox.popleft()
            except IndexError:
                return
            conn.send(frame)

    def abandon(self) -> None:
        """After fork, in the child: drop the parent's connection without touching it."""
        self._state = CLOSED
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()
        self._close_wake()

    def _close_wake(self) -> None:
        """Closes the wake-up channel (the I/O thread is gone or never ran)."""
        for sock in (self._wake_r, self._wake_w):
            sock.close()

    # ----- the caller side -----

    def _encode(self, msg: Dict[str, Any]) -> bytes:
        """msgpack + one ZMTP frame, refusing messages over the maximum."""
        payload = packb(msg)
        check_frame_size(payload)
        return zmtp.encode_frame(payload)

    def _submit(self, msg_id: int, frame: bytes, waiter: Waiter, read_own: bool = False) -> Optional[Connection]:
        """Registers the waiter, then writes now (ready) or queues for the connection in progress.
        With read_own, takes the read role before writing (so the reply cannot wake the I/O thread
        first) and returns the connection when this thread holds it."""
        self._pending[msg_id] = waiter
        conn = None
        error: Optional[NoDecision] = None
        kick = False
        with self._lock:
            state = self._state
            if state == READY:
                conn = self._conn
            elif state == REJECTED:
                error = self._rejected_error()
            elif state == CLOSED:
                error = NoDecision(SUPERVISOR_UNAVAILABLE, "the shim is uninstalled or the interpreter is exiting")
            else:
                self._queued[msg_id] = (frame, self._attempts)
                kick = state == DOWN
        if conn is not None:
            waiter.sent = True
            reading = read_own and self._take_reader(conn, CALLER)
            try:
                conn.send(frame)
                return conn if reading else None
            except OSError as exc:
                if reading:
                    self._release_reader(conn)
                if self._pending.pop(msg_id, None) is not None:
                    waiter.fail(NoDecision(SUPERVISOR_UNAVAILABLE, f"lost the connection to the supervisor ({exc})"))
                self._kick()
        elif error is not None:
            if self._pending.pop(msg_id, None) is not None:
                waiter.fail(error)
        elif kick:
            self._kick()
        return None

    def _expire(self, msg_id: int) -> bool:
        """Forgets a call that timed out; False when the I/O thread had already answered it."""
        with self._lock:
            self._queued.pop(msg_id, None)
        return self._pending.pop(msg_id, None) is not None

    def _timeout_error(self, waiter: Waiter) -> NoDecision:
        """Timeout after sending is a decision timeout; before sending, the supervisor was unreachable."""
        ms = self.settings.timeout_ms
        if waiter.sent:
            return NoDecision(DECISION_TIMEOUT, f"the supervisor did not decide within {ms} ms")
        return NoDecision(SUPERVISOR_UNAVAILABLE, f"could not reach the supervisor within {ms} ms ({self.last_error or self._state})")

    def _rejected_error(self) -> NoDecision:
        """Calls after a reject fail closed with the reject's code."""
        rej = self.rejection
        code = rej.code if rej else AUTH
        return NoDecision(code, f"the supervisor rejected this agent: {rej.reason if rej else 'no reason'}")

    def _kick(self) -> None:
        """Wakes the I/O thread (a full pipe already means it will wake)."""
        try:
            self._wake_w.send(b"\0")
        except OSError:
            pass

    def _fail_pending(self, code: str, reason: str, keep: Optional[Dict[int, Any]] = None) -> None:
        """Fails every waiting call at once (connection lost, closed), except the ids in keep."""
        for msg_id in list(self._pending):
            if keep and msg_id in keep:
                continue
            waiter = self._pending.pop(msg_id, None)
            if waiter is not None:
                waiter.fail(NoDecision(code, reason))
