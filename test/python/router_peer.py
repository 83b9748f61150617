"""Test-only supervisor peers: a ZMTP 3.1 ROUTER built on iron_shim.zmtp, and one on real libzmq (pyzmq).

RouterPeer plays the supervisor's side of protocol/SPEC.md with our own ZMTP code (server role)
so the Python suite runs on every interpreter. Interop of the shim with the real libzmq ROUTER is
covered by ZmqRouterPeer below (when pyzmq is installed) and by the TypeScript e2e tests.
"""
from __future__ import annotations

import hmac
import os
import shutil
import socket
import tempfile
import threading
import time
from typing import Any, Callable, Dict, List, Optional

from iron_shim import codec, handshake, zmtp

Handler = Callable[[Dict[str, Any]], Optional[Dict[str, Any]]]


def decision(msg: Dict[str, Any], action: str = "allow", **fields: Any) -> Dict[str, Any]:
    """A full decision answering msg (every key of SPEC.md 3.5 present)."""
    reply = {
        "v": 1,
        "type": "decision",
        "id": msg["id"],
        "call": msg.get("call", ""),
        "action": action,
        "policy": None,
        "code": None,
        "reason": None,
        "status": None,
        "retry_after": None,
        "body": None,
    }
    reply.update(fields)
    return reply


def allow_all(msg: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """The default handler: every request and response is allowed."""
    return decision(msg)


class _Base:
    """What both peers share: the record of received messages and the hello/welcome logic."""

    def __init__(self, token: str, handler: Handler, settings: Optional[Dict[str, Any]]) -> None:
        self.token = token
        self.handler = handler
        self.settings = dict(settings or {})
        self.messages: List[Dict[str, Any]] = []
        #: The exact bytes of every message received (what a listener on the wire saw).
        self.payloads: List[bytes] = []
        self.cond = threading.Condition()
        self.reply_delay = 0.0
        self.welcome_delay = 0.0  # seconds before the welcome (a call may come first)
        self.welcome_extra: Dict[str, Any] = {}  # more welcome keys (budget)
        #: Challenges sent and not yet answered, by connection (SPEC 3.1a).
        self.challenges: Dict[Any, Any] = {}
        self.tmp = tempfile.mkdtemp(prefix="iron-peer-")
        self.path = os.path.join(self.tmp, "iron.sock")

    @property
    def endpoint(self) -> str:
        """Where the shim connects."""
        return "ipc://" + self.path

    def record(self, msg: Dict[str, Any]) -> None:
        """Keeps every received message and wakes waiters."""
        with self.cond:
            self.messages.append(msg)
            self.cond.notify_all()

    def answer(self, msg: Dict[str, Any], payload: bytes = b"", conn: Any = None) -> Optional[Dict[str, Any]]:
        """The reply the supervisor would send to msg (payload: its bytes; conn: its connection), or None."""
        self.record(msg)
        self.payloads.append(payload)
        kind = msg.get("type")
        if kind == "hello":
            # SPEC 3.1a: prove the token first (with filler beside, as the supervisor sends two proofs).
            nonce = msg.get("nonce") if isinstance(msg.get("nonce"), bytes) else b""
            ns, ctx = os.urandom(32), handshake.context(payload)
            self.challenges[conn] = (msg, nonce, ns, ctx)
            proof = handshake.server_proof(handshake.token_key(self.token), nonce, ns, ctx)
            return {"v": 1, "type": "challenge", "id": msg["id"], "nonce": ns, "proofs": [proof, os.urandom(32)]}
        if kind == "proof":
            pending = self.challenges.pop(conn, None)
            hello = pending[0] if pending else {}
            if pending is None or not hmac.compare_digest(
                handshake.client_proof(handshake.token_key(self.token), *pending[1:]), bytes(msg.get("proof") or b"")
            ):
                return {"v": 1, "type": "reject", "id": msg["id"], "code": "IRON_ERR_AUTH", "reason": "bad proof"}
            if self.welcome_delay:
                time.sleep(self.welcome_delay)
            return dict(
                {
                    "v": 1,
                    "type": "welcome",
                    "id": msg["id"],
                    "agent": hello.get("agent") or "agent-x",
                    "session": "s-test",
                    "settings": self.settings,
                },
                **self.welcome_extra,
            )
        if kind in ("llm.request", "llm.response", "llm.chunk"):
            if self.reply_delay:
                time.sleep(self.reply_delay)
            return self.handler(msg)
        return None

    def of_type(self, kind: str) -> List[Dict[str, Any]]:
        """Received messages of one type, in order."""
        with self.cond:
            return [m for m in self.messages if m.get("type") == kind]

    def wait_for(self, kind: str, count: int = 1, timeout: float = 5.0) -> List[Dict[str, Any]]:
        """Blocks until count messages of this type arrived; raises AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                found = [m for m in self.messages if m.get("type") == kind]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"expected {count} {kind} message(s), got {len(found)}: "
                        f"{[m.get('type') for m in self.messages]}"
                    )
                self.cond.wait(left)


class RouterPeer(_Base):
    """A ROUTER on an AF_UNIX socket speaking ZMTP 3.1 with iron_shim.zmtp (server role)."""

    def __init__(
        self,
        token: str = "tok-test",
        handler: Handler = allow_all,
        settings: Optional[Dict[str, Any]] = None,
        answer_ping: bool = True,
        tcp: bool = False,
    ) -> None:
        super().__init__(token, handler, settings)
        self.answer_ping = answer_ping
        self.pings = 0
        self.pongs: List[bytes] = []
        self.identities: List[bytes] = []
        self._conns: List[socket.socket] = []
        self._tcp = tcp
        self._server = socket.socket(socket.AF_INET if tcp else socket.AF_UNIX, socket.SOCK_STREAM)
        self._server.bind(("127.0.0.1", 0) if tcp else self.path)
        self._server.listen(16)
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def endpoint(self) -> str:
        """ipc://<tmp>/iron.sock, or tcp://127.0.0.1:<port>."""
        if self._tcp:
            return "tcp://127.0.0.1:%d" % self._server.getsockname()[1]
        return "ipc://" + self.path

    def _accept(self) -> None:
        while not self._closed:
            try:
                sock, _ = self._server.accept()
            except OSError:
                return
            if self._closed:
                sock.close()
                return
            self._conns.append(sock)
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _serve(self, sock: socket.socket) -> None:
        parser = zmtp.FrameParser()
        try:
            sock.sendall(zmtp.build_greeting(as_server=True))
            greeting = b""
            while len(greeting) < 64:
                chunk = sock.recv(64 - len(greeting))
                if not chunk:
                    return
                greeting += chunk
            zmtp.parse_greeting(greeting)
            frames: List[zmtp.Frame] = []
            while not frames:
                frames = parser.feed(sock.recv(65536))
            props = zmtp.check_ready(frames[0], "DEALER")
            self.identities.append(props.get("Identity", b""))
            sock.sendall(zmtp.build_ready("ROUTER", b""))
            pending = frames[1:]
            while True:
                for frame in pending:
                    self._on_frame(sock, frame)
                data = sock.recv(65536)
                if not data:
                    return
                pending = parser.feed(data)
        except OSError:
            return
        finally:
            sock.close()

    def _on_frame(self, sock: socket.socket, frame: zmtp.Frame) -> None:
        if frame.command == "PING":
            self.pings += 1
            if self.answer_ping:
                sock.sendall(zmtp.build_pong(zmtp.parse_ping(frame.body)[1]))
            return
        if frame.command == "PONG":
            self.pongs.append(frame.body)
            return
        if frame.command is not None:
            return
        reply = self.answer(codec.unpackb(frame.body), frame.body, sock)
        if reply is not None:
            sock.sendall(zmtp.encode_frame(codec.packb(reply)))

    def ping_all(self, context: bytes) -> None:
        """Sends a ZMTP PING to every shim connection (each must answer PONG with the context)."""
        for sock in list(self._conns):
            sock.sendall(zmtp.build_ping(100, context))

    def send_all(self, msg: Dict[str, Any]) -> None:
        """Sends a message (a late decision, say) to every shim connection, outside any handler."""
        self.send_raw_all(zmtp.encode_frame(codec.packb(msg)))

    def send_raw_all(self, data: bytes) -> None:
        """Writes raw bytes (hostile or broken frames) to every shim connection."""
        for sock in list(self._conns):
            try:
                sock.sendall(data)
            except OSError:
                pass

    def drop_connections(self) -> None:
        """Closes every shim connection (the shim should reconnect)."""
        for sock in list(self._conns):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        self._conns.clear()

    def close(self) -> None:
        """Stops listening, drops everyone and removes the socket directory."""
        self._closed = True
        shutil.rmtree(self.tmp, ignore_errors=True)
        try:
            self._server.shutdown(socket.SHUT_RDWR)  # wakes the accept() call
        except OSError:
            pass
        self._server.close()
        self.drop_connections()


class ZmqRouterPeer(_Base):
    """The same supervisor role on a real libzmq ROUTER (pyzmq), with msgpack as an independent codec."""

    def __init__(
        self, token: str = "tok-test", handler: Handler = allow_all, settings: Optional[Dict[str, Any]] = None
    ) -> None:
        import zmq

        super().__init__(token, handler, settings)
        self._zmq = zmq
        self._ctx = zmq.Context()
        self._sock = self._ctx.socket(zmq.ROUTER)
        self._sock.linger = 0
        self._sock.bind(self.endpoint)
        self.identities: List[bytes] = []
        self._closed = False
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        import msgpack

        zmq = self._zmq
        while not self._closed:
            if not self._sock.poll(50, zmq.POLLIN):
                continue
            routing_id, payload = self._sock.recv_multipart()
            if routing_id not in self.identities:
                self.identities.append(routing_id)
            reply = self.answer(msgpack.unpackb(payload, raw=False), payload, routing_id)
            if reply is not None:
                self._sock.send_multipart([routing_id, msgpack.packb(reply, use_bin_type=True)])

    def close(self) -> None:
        """Stops the loop and the socket."""
        self._closed = True
        self._thread.join(2)
        self._sock.close(0)
        self._ctx.term()
        shutil.rmtree(self.tmp, ignore_errors=True)
