"""The supervisor client: callers write their own frames and wait; one background I/O thread reads.

The shared state is one Link (link.py); the I/O thread (io_loop.py) and the direct reader
(direct_read.py) are collaborators that receive it. This module is the caller's side.
"""
from __future__ import annotations

import threading
import time

from . import protocol, zmtp
from .codec import packb
from .connection import Connection, check_frame_size
from .direct_read import CALLER, DirectRead
from .errors import DECISION_TIMEOUT, SUPERVISOR_UNAVAILABLE, NoDecision
from .io_loop import IOLoop
from .link import CLOSED, CONNECTING, DOWN, IDLE, READY, REJECTED, Link, Rejected
from .named_tuple import NamedTuple
from .settings import Settings
from .waiters import AsyncWaiter, SyncWaiter

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up (see named_tuple.py)
if TYPE_CHECKING:
    from typing import Any, Dict, Optional

    from .link import Waiter

__all__ = ["Client", "Rejected", "IDLE", "CONNECTING", "READY", "DOWN", "REJECTED", "CLOSED"]


class Client:
    """Correlates requests and replies by id for any number of threads and asyncio tasks."""

    def __init__(self, settings: Settings, shim_version: str, announce_reject: bool = False) -> None:
        """Prepares everything; the I/O thread starts on start() or the first call."""
        self.link = Link(settings, shim_version, announce_reject)
        self.reads = DirectRead(self.link)
        self.io = IOLoop(self.link, self.reads)

    # ----- what the governor and the runtime read -----

    @property
    def state(self) -> str:
        """The connection state (see link.py)."""
        return self.link.state

    @property
    def base(self) -> Settings:
        """The settings the shim was installed with."""
        return self.link.base

    @property
    def settings(self) -> Settings:
        """The effective settings: the supervisor's welcome wins over the installed ones."""
        return self.link.settings

    @property
    def welcomed(self) -> bool:
        """True once a welcome arrived (the supervisor's providers are known)."""
        return self.link.welcomed

    @property
    def rejection(self) -> Optional[Rejected]:
        """The supervisor's reject, once there was one."""
        return self.link.rejection

    @property
    def last_error(self) -> Optional[str]:
        """Why the last connection attempt failed or the link dropped."""
        return self.link.last_error

    def start(self) -> None:
        """Starts the I/O thread, which connects in the background."""
        self.io.start()

    def wait_ready(self, timeout: float) -> str:
        """Blocks until welcomed, rejected, closed or one attempt failed; returns the state."""
        self.start()
        link = self.link
        deadline = time.monotonic() + timeout
        with link.cond:
            while link.state in (IDLE, CONNECTING):
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                link.cond.wait(left)
            return link.state

    async def wait_ready_async(self, timeout: float) -> str:
        """wait_ready() for a coroutine: waits on a worker thread, so the event loop keeps running."""
        import asyncio

        if self.link.state not in (IDLE, CONNECTING):
            return self.link.state
        return await asyncio.get_running_loop().run_in_executor(None, self.wait_ready, timeout)

    # ----- calls -----

    def request(self, msg: Dict[str, Any]) -> Dict[str, Any]:
        """Sends a message and blocks for its reply (decision or error) up to timeout_ms; reads the
        reply itself when no other thread is reading (direct_read.py)."""
        if self.io.thread is None:
            self.start()
        msg_id = msg["id"]
        waiter = SyncWaiter()
        deadline = time.monotonic() + self.link.settings.timeout_ms / 1000.0
        conn = self._submit(msg_id, _encode(msg), waiter, read_own=True)
        if conn is not None:  # this thread holds the read role
            self.reads.read_own_reply(conn, waiter, deadline)
        if not waiter.wait(deadline - time.monotonic()):
            if self.link.expire(msg_id):
                raise self._timeout_error(waiter)
            waiter.wait(None)  # the I/O thread popped it at the same moment: the result is imminent
        if waiter.error is not None:
            raise waiter.error
        return waiter.value  # type: ignore[no-any-return]

    def begin(self, msg: Dict[str, Any]) -> "Pending":
        """Sends a message now and leaves its reply for finish(): several may be in flight at once (a watched
        stream's llm.chunk asks overlap). The reply is read by whoever holds the read role meanwhile."""
        if self.io.thread is None:
            self.start()
        waiter = SyncWaiter()
        pending = Pending(msg["id"], waiter, time.monotonic() + self.link.settings.timeout_ms / 1000.0)
        self._submit(pending.msg_id, _encode(msg), waiter)
        return pending

    def finish(self, pending: "Pending") -> Dict[str, Any]:
        """Blocks for the reply of a begin() (decision or error) up to its deadline; reads it itself when no
        other thread is reading (direct_read.py)."""
        waiter = pending.waiter
        conn = self.link.conn
        if not waiter.done and conn is not None and self.reads.take(conn, CALLER):
            self.reads.read_own_reply(conn, waiter, pending.deadline)
        if not waiter.wait(pending.deadline - time.monotonic()):
            if self.link.expire(pending.msg_id):
                raise self._timeout_error(waiter)
            waiter.wait(None)  # the I/O thread popped it at the same moment: the result is imminent
        if waiter.error is not None:
            raise waiter.error
        return waiter.value  # type: ignore[no-any-return]

    def drop(self, pending: "Pending") -> None:
        """Nobody will finish() this one: its reply is dropped when it comes."""
        self.link.expire(pending.msg_id)

    async def request_async(self, msg: Dict[str, Any]) -> Dict[str, Any]:
        """The asyncio twin of request(): the reply completes a future on the caller's loop."""
        import asyncio  # already loaded in any program that awaits this

        if self.io.thread is None:
            self.start()
        msg_id = msg["id"]
        waiter = AsyncWaiter(asyncio.get_running_loop())
        self._submit(msg_id, _encode(msg), waiter)
        try:
            reply: Dict[str, Any] = await asyncio.wait_for(waiter.future, self.link.settings.timeout_ms / 1000.0)
            return reply
        except asyncio.TimeoutError:
            self.link.expire(msg_id)
            raise self._timeout_error(waiter) from None
        except asyncio.CancelledError:
            self.link.expire(msg_id)
            raise

    def post(self, msg: Dict[str, Any]) -> None:
        """Fire-and-forget: sent from this thread when the link is up and nothing older waits (no hand-off
        to the I/O thread); else queued for the I/O thread, and while the link is down kept for the next
        welcome (the oldest go first past OUTBOX_LIMIT). Safe from finalizers: it never blocks on a reply."""
        link = self.link
        if link.state in (CLOSED, REJECTED):
            return
        msg["reply"] = False  # nothing waits for an answer: the supervisor sends none (SPEC 3.6)
        frame = _encode(msg)
        if self.io.thread is None:
            self.start()
        lock = link.out_lock
        if lock.acquire(blocking=False):  # never waits: a finalizer may run inside a send on this thread
            try:
                conn = link.conn if link.state == READY and not link.outbox else None
                if conn is not None and conn.try_send(frame):
                    return
            except OSError:
                pass  # the I/O thread sees the broken connection; the frame waits for the next one
            finally:
                lock.release()
        link.outbox.append(frame)
        link.kick()

    def send_admitted(self, msg: Dict[str, Any]) -> bool:
        """Sends an admitted llm.request (SPEC 3.4a) from this thread now, after whatever posts are still
        queued, so the supervisor reads it before anything this call sends later (its llm.response may be
        asked: a direct send that must not overtake it). False when the link is not up: then the call asks."""
        link = self.link
        frame = _encode(msg)
        with link.out_lock:
            conn = link.conn if link.state == READY else None
            if conn is None:
                return False
            try:
                while link.outbox:
                    conn.send(link.outbox.popleft())
                conn.send(frame)
            except OSError:
                return False
        return True

    def drain(self) -> None:
        """Reads and dispatches, without blocking, whatever the supervisor sent that nobody read yet (a
        grant's end): only when no other thread reads the socket (that one dispatches it). A connection
        found closed is marked broken, which drops the grant."""
        link = self.link
        conn = link.conn
        if conn is None or not self.reads.take(conn, CALLER):
            return
        try:
            for frame in conn.read_frames():
                link.dispatch(conn, frame)
        except Exception as exc:  # noqa: BLE001 - EOF, a bad frame: the I/O thread reconnects
            conn.broken = str(exc) or type(exc).__name__
            link.grant = None
            link.kick()
        finally:
            self.reads.release(conn)

    def _submit(self, msg_id: int, frame: bytes, waiter: Waiter, read_own: bool = False) -> Optional[Connection]:
        """Writes now (ready), or leaves the call queued for the connection in progress, or fails it.
        With read_own, takes the read role before writing (so the reply cannot wake the I/O thread
        first) and returns the connection when this thread holds it."""
        link = self.link
        conn, error = link.route(msg_id, frame, waiter)
        if error is not None:
            link.fail(msg_id, error)
        if conn is None:
            return None
        waiter.sent = True
        reading = read_own and self.reads.take(conn, CALLER)
        if not reading:
            self.reads.watch(conn)  # the I/O thread reads this reply: it must see it come
        try:
            conn.send(frame)
            return conn if reading else None
        except OSError as exc:
            if reading:
                self.reads.release(conn)
            link.fail(msg_id, NoDecision(SUPERVISOR_UNAVAILABLE, f"lost the connection to the supervisor ({exc})"))
            link.kick()
        return None

    def _timeout_error(self, waiter: Waiter) -> NoDecision:
        """Timeout after sending is a decision timeout; before sending, the supervisor was unreachable."""
        link = self.link
        ms = link.settings.timeout_ms
        if waiter.sent:
            return NoDecision(DECISION_TIMEOUT, f"the supervisor did not decide within {ms} ms")
        return NoDecision(
            SUPERVISOR_UNAVAILABLE, f"could not reach the supervisor within {ms} ms ({link.last_error or link.state})"
        )

    # ----- the end -----

    def status(self) -> Dict[str, Any]:
        """A snapshot for iron_shim.status()."""
        link = self.link
        return {
            "state": link.state,
            "connected": link.state == READY,
            "agent": link.agent or link.name,
            "session": link.session,
            "endpoint": link.base.endpoint,
            "inflight": len(link.pending),
            "error": link.last_error,
            "budget": link.budget,
        }

    def close(self, reason: str = "exit") -> None:
        """Says bye, half-closes, stops the I/O thread and fails whatever still waits."""
        link = self.link
        if reason == "exit" and link.state == CONNECTING:
            # A short-lived agent: let the handshake in flight finish so the supervisor sees hello + bye.
            self.wait_ready(min(1.0, link.base.timeout_ms / 1000.0))
        already, conn = link.mark_closed()
        if already:
            return
        link.fail_pending(SUPERVISOR_UNAVAILABLE, "the shim was uninstalled or the interpreter is exiting")
        if conn is not None:
            try:
                link.flush_outbox(conn)  # reports posted just before exit (a stream's last llm.response)
                conn.send(zmtp.encode_frame(packb(protocol.bye(protocol.next_id(), reason))))
            except OSError:
                pass
            conn.shutdown_write()
        link.kick()
        thread = self.io.thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(0.5)
        if thread is None or not thread.is_alive():
            link.close_wake()

    def abandon(self) -> None:
        """After fork, in the child: drop the parent's connection without touching it."""
        link = self.link
        link.state = CLOSED
        conn, link.conn = link.conn, None
        if conn is not None:
            conn.close()
        link.close_wake()


class Pending(NamedTuple):
    """A message sent by Client.begin() whose reply Client.finish() waits for."""

    msg_id: int
    waiter: SyncWaiter
    deadline: float


def _encode(msg: Dict[str, Any]) -> bytes:
    """msgpack + one ZMTP frame, refusing messages over the maximum. A call's llm.request and llm.response are
    encoded from their templates (message_templates.py; the same bytes as packb, fewer instructions)."""
    payload = _pack_message(msg)
    if len(payload) > zmtp.MAX_FRAME_BYTES:  # a call less per message: check_frame_size() only to refuse it
        check_frame_size(payload)
    return zmtp.encode_frame(payload)


def _load_templates(msg: Dict[str, Any]) -> bytes:
    """The first message through _encode imports message_templates (not at start-up: a process that makes no
    call never needs it) and rebinds _pack_message to its encoder."""
    global _pack_message
    from .message_templates import encode

    _pack_message = encode
    return encode(msg)


_pack_message = _load_templates
