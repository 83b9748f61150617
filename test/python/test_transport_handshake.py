"""The supervisor client over a real socket: handshake, identity, correlation of replies across threads and
tasks, tcp, bye on close, and the hello of a forked child.

Each scenario runs against RouterPeer (our own ZMTP ROUTER) and, where pyzmq is installed, against a real
libzmq ROUTER (ZmqRouterPeer) too.
"""
from __future__ import annotations

import asyncio
import os
import socket
import sys
import threading
import time
import unittest

from .router_peer import RouterPeer, ZmqRouterPeer
from .support import has_module
from .transport_case import ClientCase, echo_call, request_msg
from iron_shim import protocol
from iron_shim.client import Client
from iron_shim.errors import NoDecision
from iron_shim.settings import Settings


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


if __name__ == "__main__":
    unittest.main()
