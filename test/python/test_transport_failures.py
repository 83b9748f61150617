"""The supervisor client over a real socket when things go wrong: decision timeouts, a rejected token,
nothing listening, a dropped connection and reconnects, reports while the link is down, oversize messages.

Where pyzmq is installed, the timeout and the reject also run against a real libzmq ROUTER (ZmqRouterPeer).
"""
from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
import unittest

from .router_peer import ZmqRouterPeer, decision
from .support import has_module
from .transport_case import ClientCase, request_in_thread, request_msg
from iron_shim import protocol
from iron_shim.client import Client
from iron_shim.errors import NoDecision, ProtocolError
from iron_shim.settings import Settings


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
        thread, result = request_in_thread(client, "slow")
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
