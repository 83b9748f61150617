"""The supervisor client over a real socket: handshake, correlation, timeouts, reject, reconnect, liveness.

Each scenario runs against RouterPeer (our own ZMTP ROUTER) and, where pyzmq is installed, the
interop ones also against a real libzmq ROUTER (ZmqRouterPeer).
"""
from __future__ import annotations

import asyncio
import os
import socket
import sys
import threading
import time
import unittest

from .router_peer import RouterPeer, ZmqRouterPeer, decision
from .support import has_module
from iron_shim import protocol
from iron_shim.client import Client
from iron_shim.errors import NoDecision, ProtocolError
from iron_shim.orphan import OrphanGuard
from iron_shim.settings import Settings


def request_msg(call: str = "c-1", body=None):
    return protocol.llm_request(
        protocol.next_id(),
        call,
        "openai",
        "chat.completions",
        "gpt-4o-mini",
        "POST",
        "https://api.openai.com/v1/chat/completions",
        {},
        body or {"model": "gpt-4o-mini"},
        False,
        3,
        None,
        "httpx",
        {},
    )


def echo_call(msg):
    """A handler whose decision names the call it answers, so mix-ups are visible."""
    return decision(msg, "allow", reason=msg.get("call"))


class ClientCase(unittest.TestCase):
    peer_class = RouterPeer

    def make(self, handler=echo_call, settings=None, token="tok-test", **kw) -> Client:
        self.peer = self.peer_class(handler=handler, settings=settings or {})
        self.addCleanup(self.peer.close)
        client = Client(
            Settings(
                endpoint=self.peer.endpoint, token=token, agent="agent-t", timeout_ms=kw.pop("timeout_ms", 2000), **kw
            ),
            "0.1.0",
        )
        self.addCleanup(client.close, "uninstall")
        return client


class Handshake(ClientCase):
    def test_hello_carries_identity_of_the_process_and_welcome_is_applied(self) -> None:
        client = self.make(settings={"timeout_ms": 1234, "on_deny": "raise"}, parent_pid=77)
        self.assertEqual(client.wait_ready(3), "ready")
        hello = self.peer.wait_for("hello")[0]
        self.assertEqual(
            (hello["agent"], hello["pid"], hello["shim"], hello["parent_pid"]),
            ("agent-t", os.getpid(), "0.1.0", 77),
        )
        self.assertNotIn("token", hello)  # SPEC 3.1a: the token is proven, never sent
        self.assertEqual(len(hello["nonce"]), 32)
        self.assertEqual(hello["python"], "%d.%d.%d" % sys.version_info[:3])
        self.assertEqual((hello["host"], hello["executable"]), (socket.gethostname(), sys.executable))
        self.assertEqual((client.settings.timeout_ms, client.settings.on_deny), (1234, "raise"))
        self.assertEqual((client.status()["session"], client.status()["connected"]), ("s-test", True))
        identity = self.peer.identities[0]
        self.assertEqual(len(identity), 16)
        self.assertNotEqual(identity[0], 0)

    def test_many_threads_and_tasks_get_their_own_replies(self) -> None:
        client = self.make()
        errors = []

        def worker(n: int) -> None:
            for i in range(30):
                call = f"c-{n}-{i}"
                try:
                    if client.request(request_msg(call))["reason"] != call:
                        errors.append(call)
                except Exception as exc:  # noqa: BLE001
                    errors.append(repr(exc))

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()

        async def tasks():
            calls = [f"a-{i}" for i in range(100)]
            replies = await asyncio.gather(*[client.request_async(request_msg(c)) for c in calls])
            return [r["reason"] for r in replies] == calls

        self.assertTrue(asyncio.run(tasks()))
        for t in threads:
            t.join()
        self.assertEqual(errors, [])

    def test_tcp_endpoint(self) -> None:
        if self.peer_class is not RouterPeer:
            self.skipTest("the TCP variant runs against RouterPeer")
        self.peer = RouterPeer(handler=echo_call, tcp=True)
        self.addCleanup(self.peer.close)
        client = Client(Settings(endpoint=self.peer.endpoint, token="tok-test"), "0.1.0")
        self.addCleanup(client.close)
        self.assertTrue(self.peer.endpoint.startswith("tcp://127.0.0.1:"))
        self.assertEqual(client.request(request_msg("c-tcp"))["reason"], "c-tcp")
        self.assertEqual(client.link.conn.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY), 1)

    def test_bye_on_close(self) -> None:
        client = self.make()
        client.wait_ready(3)
        client.close("uninstall")
        self.assertEqual(self.peer.wait_for("bye")[0]["reason"], "uninstall")
        with self.assertRaises(NoDecision):
            client.request(request_msg())

    def test_reports_posted_just_before_close_go_out_before_the_bye(self) -> None:
        client = self.make()
        client.wait_ready(3)
        for n in range(20):  # what a stream's last llm.response looks like at interpreter exit
            client.post(
                protocol.llm_response(
                    protocol.next_id(), f"c-{n}", 200, None, "", None, 1.0, True, True, None, None, None
                )
            )
        client.close("exit")
        self.peer.wait_for("bye")
        self.assertEqual([m["call"] for m in self.peer.of_type("llm.response")], [f"c-{n}" for n in range(20)])
        self.assertEqual(self.peer.messages[-1]["type"], "bye")


class Failures(ClientCase):
    def test_decision_timeout(self) -> None:
        client = self.make(handler=lambda msg: None, timeout_ms=200)
        client.wait_ready(3)
        started = time.monotonic()
        with self.assertRaises(NoDecision) as ctx:
            client.request(request_msg())
        self.assertEqual(ctx.exception.code, "IRON_ERR_DECISION_TIMEOUT")
        self.assertLess(time.monotonic() - started, 1.5)

        async def one():
            await client.request_async(request_msg())

        with self.assertRaises(NoDecision) as ctx:
            asyncio.run(one())
        self.assertEqual(ctx.exception.code, "IRON_ERR_DECISION_TIMEOUT")

    def test_a_wrong_token_is_remembered_and_not_retried(self) -> None:
        # The supervisor's proof does not match the shim's token: the shim stops before proving.
        client = self.make(token="wrong")
        self.assertEqual(client.wait_ready(3), "rejected")
        started = time.monotonic()
        for _ in range(3):
            with self.assertRaises(NoDecision) as ctx:
                client.request(request_msg())
            self.assertEqual(ctx.exception.code, "IRON_ERR_AUTH")
        self.assertLess(time.monotonic() - started, 0.5)
        time.sleep(0.2)
        self.assertEqual([m["type"] for m in self.peer.messages], ["hello"])

    def test_nothing_listening_fails_fast(self) -> None:
        client = Client(Settings(endpoint="ipc:///nonexistent/dir/iron.sock", token="t", timeout_ms=3000), "0.1.0")
        self.addCleanup(client.close)
        started = time.monotonic()
        with self.assertRaises(NoDecision) as ctx:
            client.request(request_msg())
        self.assertEqual(ctx.exception.code, "IRON_ERR_SUPERVISOR_UNAVAILABLE")
        self.assertLess(time.monotonic() - started, 1.0)
        self.assertIn("cannot connect", client.status()["error"])

    def test_connection_drop_fails_pending_calls_at_once_then_reconnects(self) -> None:
        gate = threading.Event()
        client = self.make(
            handler=lambda msg: (gate.wait(5), decision(msg))[1] if msg["call"] == "slow" else decision(msg),
            timeout_ms=4000,
        )
        client.wait_ready(3)
        result = {}

        def slow() -> None:
            started = time.monotonic()
            try:
                client.request(request_msg("slow"))
            except NoDecision as exc:
                result["code"], result["took"] = exc.code, time.monotonic() - started

        thread = threading.Thread(target=slow)
        thread.start()
        self.peer.wait_for("llm.request")
        self.peer.drop_connections()
        thread.join(3)
        gate.set()
        self.assertEqual(result["code"], "IRON_ERR_SUPERVISOR_UNAVAILABLE")
        self.assertLess(result["took"], 1.5)
        deadline = time.monotonic() + 3
        while client.state != "ready" and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertEqual(client.request(request_msg("after"))["action"], "allow")
        self.assertEqual(len(self.peer.of_type("hello")), 2)
        self.assertNotEqual(self.peer.identities[0], self.peer.identities[1])

    def test_a_call_made_during_a_doomed_attempt_gets_a_fresh_one(self) -> None:
        # The supervisor comes back while an attempt that started before it was there is failing:
        # the call made in between must not be failed by that attempt (seen as a flaky 503 when
        # `iron serve` restarts under a joined agent).
        client = self.make()
        real = self.peer.path + ".real"
        os.rename(self.peer.path, real)  # the peer stays bound, under another name
        doomed = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        doomed.bind(self.peer.path)
        doomed.listen(1)
        self.addCleanup(doomed.close)
        client.start()
        conn, _ = doomed.accept()  # attempt 1 is under way and waits for a greeting
        result = {}
        thread = threading.Thread(target=lambda: result.update(reply=client.request(request_msg("late"))))
        thread.start()
        deadline = time.monotonic() + 3
        while client.status()["inflight"] == 0 and time.monotonic() < deadline:
            time.sleep(0.005)
        self.assertEqual(client.state, "connecting")
        os.unlink(self.peer.path)
        os.rename(real, self.peer.path)  # the supervisor is back ...
        conn.close()  # ... and attempt 1 fails
        doomed.close()
        thread.join(5)
        self.assertEqual(result["reply"]["reason"], "late")
        self.assertEqual(len(self.peer.of_type("hello")), 1)

    def test_a_report_posted_while_the_link_is_down_is_sent_after_the_next_welcome(self) -> None:
        # A stream's llm.response is fire-and-forget; dropping it with the link left the call's
        # spend unsettled and its audit record incomplete.
        client = self.make()
        self.assertEqual(client.wait_ready(3), "ready")
        real = self.peer.path + ".real"
        os.rename(self.peer.path, real)  # the supervisor is unreachable for a while
        self.peer.drop_connections()
        deadline = time.monotonic() + 3
        while client.state == "ready" and time.monotonic() < deadline:
            time.sleep(0.005)
        self.assertIn(client.state, ("down", "connecting"))  # between attempts, or in one that will fail
        client.post(
            protocol.llm_response(
                protocol.next_id(), "c-settle", 200, None, "hi", None, 3.0, True, True, None, None, "gpt-4o-mini"
            )
        )
        attempts = client.link.attempts
        while client.link.attempts < attempts + 2 and time.monotonic() < deadline + 3:
            time.sleep(0.005)  # at least one more attempt fails while the report waits
        self.assertGreaterEqual(client.link.attempts, attempts + 2)
        os.rename(real, self.peer.path)
        self.peer.wait_for("hello", 2, timeout=5)
        reports = self.peer.wait_for("llm.response", timeout=5)
        self.assertEqual([r["call"] for r in reports], ["c-settle"])

    def test_messages_over_the_maximum_are_refused_before_sending(self) -> None:
        client = self.make()
        client.wait_ready(3)
        with self.assertRaises(ProtocolError):
            client.request(request_msg(body={"blob": "x" * (16 * 1024 * 1024 + 10)}))


class Liveness(ClientCase):
    def test_heartbeats_pings_when_quiet_and_pongs(self) -> None:
        client = self.make(settings={"heartbeat_ms": 50})
        client.wait_ready(3)
        beats = self.peer.wait_for("heartbeat", 3, timeout=3)
        self.assertTrue(all(isinstance(b["ts"], float) and b["inflight"] == 0 for b in beats))
        deadline = time.monotonic() + 3
        while self.peer.pings == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertGreater(self.peer.pings, 0)
        self.peer.ping_all(b"ctx")
        deadline = time.monotonic() + 3
        while not self.peer.pongs and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertEqual(self.peer.pongs[0], b"ctx")

    def test_a_silent_peer_is_dropped_and_reconnected(self) -> None:
        self.peer = RouterPeer(settings={"heartbeat_ms": 50}, answer_ping=False)
        self.addCleanup(self.peer.close)
        client = Client(Settings(endpoint=self.peer.endpoint, token="tok-test"), "0.1.0")
        self.addCleanup(client.close)
        client.wait_ready(3)
        self.peer.wait_for("hello", 2, timeout=4)


class Orphan(unittest.TestCase):
    def test_guard_exits_only_when_spawned_and_after_the_limit(self) -> None:
        import contextlib
        import io

        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr):
            self.check_guard()
        self.assertIn("IRON_ORPHAN_EXIT_MS=0 to disable", stderr.getvalue())

    def check_guard(self) -> None:
        exits = []
        guard = OrphanGuard(True, 100, exits.append)
        guard.lost(10.0)
        guard.check(10.05)
        self.assertEqual(exits, [])
        guard.check(10.2)
        self.assertEqual(exits, [75])
        off = OrphanGuard(False, 100, exits.append)
        off.lost(0.0)
        off.check(99.0)
        disabled = OrphanGuard(True, 0, exits.append)
        disabled.lost(0.0)
        disabled.check(99.0)
        found = OrphanGuard(True, 100, exits.append)
        found.lost(0.0)
        found.found()
        found.check(99.0)
        self.assertEqual(exits, [75])


@unittest.skipUnless(has_module("zmq") and has_module("msgpack"), "pyzmq and msgpack are not installed")
class LibzmqHandshake(Handshake):
    """The same scenarios against a real libzmq ROUTER, with msgpack as the peer's codec."""

    peer_class = ZmqRouterPeer

    def test_libzmq_sees_our_identity_and_answers_our_pings(self) -> None:
        client = self.make(settings={"heartbeat_ms": 50})
        client.wait_ready(3)
        self.assertEqual(client.request(request_msg("c-z"))["reason"], "c-z")
        time.sleep(1.3)  # > dead_after: libzmq's PONGs must keep the connection alive
        self.assertEqual(client.request(request_msg("c-y"))["reason"], "c-y")
        self.assertEqual(len(self.peer.of_type("hello")), 1)
        self.assertEqual(len(self.peer.identities), 1)
        self.assertEqual(len(self.peer.identities[0]), 16)


@unittest.skipUnless(has_module("zmq") and has_module("msgpack"), "pyzmq and msgpack are not installed")
class LibzmqFailures(unittest.TestCase):
    def test_timeout_and_reject_against_libzmq(self) -> None:
        peer = ZmqRouterPeer(handler=lambda msg: None)
        self.addCleanup(peer.close)
        client = Client(Settings(endpoint=peer.endpoint, token="tok-test", timeout_ms=200), "0.1.0")
        self.addCleanup(client.close)
        self.assertEqual(client.wait_ready(3), "ready")
        with self.assertRaises(NoDecision) as ctx:
            client.request(request_msg())
        self.assertEqual(ctx.exception.code, "IRON_ERR_DECISION_TIMEOUT")
        bad = Client(Settings(endpoint=peer.endpoint, token="nope", timeout_ms=500), "0.1.0")
        self.addCleanup(bad.close)
        self.assertEqual(bad.wait_ready(3), "rejected")


if __name__ == "__main__":
    unittest.main()


@unittest.skipUnless(hasattr(os, "fork"), "needs os.fork")
class Fork(unittest.TestCase):
    def test_a_forked_child_gets_its_own_connection_and_names_its_parent(self) -> None:
        import warnings

        import iron_shim
        from .llm_server import LLMServer

        server = LLMServer()
        self.addCleanup(server.close)
        peer = RouterPeer()
        self.addCleanup(peer.close)
        iron_shim.install(endpoint=peer.endpoint, token="tok-test", strict=True)
        self.addCleanup(iron_shim.uninstall)
        import urllib.request

        body = b'{"model": "gpt-4o-mini", "messages": []}'
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # 3.12+: fork() with threads
            pid = os.fork()
        if pid == 0:
            code = 1
            try:
                req = urllib.request.Request(
                    server.url + "/v1/chat/completions", data=body, headers={"Content-Type": "application/json"}
                )
                code = 0 if urllib.request.urlopen(req, timeout=10).status == 200 else 2
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        self.assertEqual(os.WEXITSTATUS(status), 0)
        hellos = peer.wait_for("hello", 2)
        self.assertEqual((hellos[1]["pid"], hellos[1]["parent_pid"]), (pid, os.getpid()))
        self.assertEqual(peer.wait_for("llm.request")[0]["library"], "urllib")
