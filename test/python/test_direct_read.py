"""A synchronous caller reads its own reply (direct_read.py): the reply reaches the right waiter whoever
reads the socket, the read role always comes back to the I/O thread, and a link that breaks, a timeout
or a close while a caller holds the role fail closed at once and leave a client that works.
Each scenario also runs with direct reads off (poll() and the I/O thread only, as on macOS)."""
from __future__ import annotations

import asyncio
import threading
import time
import unittest

from .router_peer import RouterPeer, decision
from .transport_case import echo_call, request_in_thread, request_msg
from iron_shim import readiness
from iron_shim.client import Client
from iron_shim.errors import NoDecision
from iron_shim.settings import Settings


def hold(msg):
    """Answers every call except those named held-*, which the test answers later (send_all)."""
    return None if msg["call"].startswith("held") else echo_call(msg)


class DirectReads(unittest.TestCase):
    direct = True

    def setUp(self) -> None:
        saved = readiness.DIRECT_READS
        readiness.DIRECT_READS = self.direct
        self.addCleanup(setattr, readiness, "DIRECT_READS", saved)

    def make(self, handler=hold, timeout_ms=3000, settings=None) -> Client:
        self.peer = RouterPeer(handler=handler, settings=settings or {})
        self.addCleanup(self.peer.close)
        client = Client(
            Settings(endpoint=self.peer.endpoint, token="tok-test", agent="agent-t", timeout_ms=timeout_ms), "0.1.0"
        )
        self.addCleanup(client.close, "uninstall")
        self.assertEqual(client.wait_ready(3), "ready")
        return client

    def spy_readers(self, client: Client) -> list:
        """Records the name of each thread that reads frames from the live connection."""
        conn, names = client.link.conn, []
        read, read_within = conn.read_frames, conn.read_within

        def recording(*args):
            names.append(threading.current_thread().name)
            return read(*args)

        def recording_within(timeout):
            frames = read_within(timeout)
            if frames is not None:
                names.append(threading.current_thread().name)
            return frames

        conn.read_frames, conn.read_within = recording, recording_within
        return names

    def wait_reader_free(self, client: Client) -> None:
        deadline = time.monotonic() + 2
        while client.link.reader is not None and time.monotonic() < deadline:
            time.sleep(0.01)
        self.assertIsNone(client.link.reader)

    def test_an_idle_callers_reply_is_read_by_the_caller_or_else_by_the_io_thread(self) -> None:
        client = self.make()
        readers = self.spy_readers(client)
        for n in range(5):
            self.assertEqual(client.request(request_msg(f"c-{n}"))["reason"], f"c-{n}")
        expected = threading.current_thread().name if self.direct else "iron-shim-io"
        self.assertTrue(readers and all(name == expected for name in readers), readers)
        self.wait_reader_free(client)

    def test_a_reading_caller_waits_in_its_recv_without_a_poll_before_it(self) -> None:
        # On a plain socket the receive timeout bounds one blocking recv: no poll() per decision.
        client = self.make()
        for n in range(3):
            self.assertEqual(client.request(request_msg(f"r-{n}"))["reason"], f"r-{n}")
        conn = client.link.conn
        self.assertIsNone(conn._reader_poll, "a poll() was set up for the reading caller")
        self.assertIsNone(conn.sock.gettimeout(), "the live socket must stay blocking")

    def count_mask_changes(self, client: Client) -> list:
        """Counts the epoll_ctl calls that change what the I/O thread watches on the live connection."""
        readiness, calls = client.link.conn.readiness, []
        arm, disarm = readiness.arm, readiness.disarm
        readiness.arm = lambda: (calls.append("arm"), arm())[1]
        readiness.disarm = lambda: (calls.append("disarm"), disarm())[1]
        return calls

    def test_a_synchronous_agent_changes_no_epoll_mask_from_call_to_call(self) -> None:
        client = self.make(settings={"heartbeat_ms": 10000})
        self.assertEqual(client.request(request_msg("first"))["reason"], "first")
        calls = self.count_mask_changes(client)
        for n in range(5):
            self.assertEqual(client.request(request_msg(f"s-{n}"))["reason"], f"s-{n}")
        self.assertEqual(calls, [])
        self.assertIs(client.link.conn.readiness.watching, not self.direct)

    def test_a_quiet_socket_still_sees_the_peer_hang_up_at_once(self) -> None:
        # Heartbeats far apart: only the hang-up itself can tell the idle client that the link is gone.
        client = self.make(settings={"heartbeat_ms": 10000})
        for n in range(3):
            self.assertEqual(client.request(request_msg(f"q-{n}"))["reason"], f"q-{n}")
        self.peer.drop_connections()
        self.peer.wait_for("hello", 2, timeout=3)
        deadline = time.monotonic() + 3
        while client.state != "ready" and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertEqual(client.request(request_msg("after"))["reason"], "after")

    def test_on_a_quiet_socket_an_unawaited_ping_is_answered_at_the_next_heartbeat(self) -> None:
        client = self.make(settings={"heartbeat_ms": 100})
        self.assertEqual(client.request(request_msg("first"))["reason"], "first")
        self.peer.ping_all(b"quiet")
        deadline = time.monotonic() + 3
        while not self.peer.pongs and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertEqual(self.peer.pongs[:1], [b"quiet"])

    def test_a_begun_call_is_read_by_the_io_thread_after_synchronous_calls(self) -> None:
        # begin() reads nothing itself: the I/O thread must watch the socket that sync calls left quiet.
        client = self.make(settings={"heartbeat_ms": 10000})
        self.assertEqual(client.request(request_msg("first"))["reason"], "first")
        pending = client.begin(request_msg("begun"))
        deadline = time.monotonic() + 3
        while not pending.waiter.done and time.monotonic() < deadline:
            time.sleep(0.01)
        self.assertTrue(pending.waiter.done, "nobody read the begun call's reply")
        self.assertEqual(client.finish(pending)["reason"], "begun")

    def test_many_callers_at_once_each_get_their_own_reply_exactly_once(self) -> None:
        # The read role passes between callers and the I/O thread all the time: nothing lost, nothing twice.
        client = self.make(timeout_ms=10000)
        got, errors = [], []

        def caller(t: int) -> None:
            try:
                for n in range(40):
                    name = f"t{t}-{n}"
                    reply = client.request(request_msg(name))
                    got.append((name, reply["reason"]))
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        async def async_callers() -> None:
            async def one(n: int) -> None:
                reply = await client.request_async(request_msg(f"a-{n}"))
                got.append((f"a-{n}", reply["reason"]))

            await asyncio.gather(*(one(n) for n in range(40)))

        threads = [threading.Thread(target=caller, args=(t,)) for t in range(6)]
        threads.append(threading.Thread(target=lambda: asyncio.run(async_callers())))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        self.assertEqual(errors, [])
        self.assertEqual(len(got), 6 * 40 + 40)
        self.assertTrue(all(name == reason for name, reason in got), [g for g in got if g[0] != g[1]][:5])
        self.assertEqual(len({name for name, _ in got}), len(got))
        self.assertEqual(client.link.pending, {})
        self.wait_reader_free(client)
        self.assertEqual(len(self.peer.of_type("hello")), 1)

    def test_the_role_holder_delivers_other_callers_replies_and_then_its_own(self) -> None:
        client = self.make()
        readers = self.spy_readers(client)
        done = []
        results = {}

        def call(name: str) -> None:
            results[name] = client.request(request_msg(name))["reason"]
            done.append(name)

        for attempt in range(1, 21):
            # The role is taken only when free: if the I/O thread was reading at that instant the
            # holder waits like everyone else; answer it and try again.
            name = f"held-{attempt}"
            holder = threading.Thread(target=call, args=(name,), name="holder")
            holder.start()
            held = self.peer.wait_for("llm.request", attempt)[-1]
            deadline = time.monotonic() + 1
            while self.direct and client.link.reader != "caller" and time.monotonic() < deadline:
                time.sleep(0.005)
            if not self.direct or client.link.reader == "caller":
                break
            self.peer.send_all(decision(held, "allow", reason=name))
            holder.join(3)
        done.clear()
        other = threading.Thread(target=call, args=("fast",), name="other")
        other.start()
        other.join(3)
        self.assertEqual(done, ["fast"])
        self.peer.send_all(decision(held, "allow", reason=name))
        holder.join(3)
        self.assertEqual((results["fast"], results[name]), ("fast", name))
        if self.direct:
            self.assertIn("holder", readers)

        async def late() -> str:  # an asyncio caller after it: the I/O thread reads again
            return (await client.request_async(request_msg("async-after")))["reason"]

        self.assertEqual(asyncio.run(late()), "async-after")
        self.wait_reader_free(client)

    def test_a_timeout_while_reading_gives_the_socket_back(self) -> None:
        client = self.make(timeout_ms=300)
        with self.assertRaises(NoDecision) as ctx:
            client.request(request_msg("held-timeout"))
        self.assertEqual(ctx.exception.code, "IRON_ERR_DECISION_TIMEOUT")
        self.wait_reader_free(client)
        self.assertEqual(client.request(request_msg("next"))["reason"], "next")

        async def later() -> str:
            return (await client.request_async(request_msg("async-next")))["reason"]

        self.assertEqual(asyncio.run(later()), "async-next")

    def test_a_broken_frame_while_reading_fails_closed_at_once_and_reconnects(self) -> None:
        # Heartbeats far apart: nothing but the reader's own report can end the call before its timeout.
        client = self.make(timeout_ms=4000, settings={"heartbeat_ms": 10000})
        thread, outcome = request_in_thread(client, "held-broken")
        self.peer.wait_for("llm.request")
        time.sleep(0.05)
        self.peer.send_raw_all(b"\xf8\x00")  # reserved flag bits: not ZMTP
        thread.join(3)
        self.assertEqual(outcome.get("code"), "IRON_ERR_SUPERVISOR_UNAVAILABLE")
        self.assertLess(outcome["took"], 2.0)
        self.peer.wait_for("hello", 2, timeout=3)
        deadline = time.monotonic() + 3
        while client.state != "ready" and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertEqual(client.request(request_msg("after"))["reason"], "after")

    def test_a_stale_readiness_report_neither_blocks_nor_drops_the_link(self) -> None:
        # The I/O thread can be told "readable" for bytes a caller holding the read role already took.
        # Its read must then come back empty at once: it used to block on a socket the hello exchange
        # had left with a timeout, time out, and reconnect, losing the queued llm.response messages.
        client = self.make(timeout_ms=3000, settings={"heartbeat_ms": 10000})
        self.assertEqual(client.request(request_msg("first"))["reason"], "first")
        conn = client.link.conn
        self.assertIsNone(conn.sock.gettimeout(), "the live socket must be left blocking, without a timeout")
        result = {}
        reader = threading.Thread(target=lambda: result.setdefault("frames", conn.read_frames()), daemon=True)
        reader.start()
        reader.join(2)
        self.assertFalse(reader.is_alive(), "a read with nothing to read blocked")
        self.assertEqual(result["frames"], [])
        self.assertEqual(client.request(request_msg("second"))["reason"], "second")
        self.assertIs(client.link.conn, conn)
        self.assertEqual(len(self.peer.of_type("hello")), 1)

    def test_close_while_a_caller_reads_fails_it_at_once(self) -> None:
        client = self.make(timeout_ms=5000, settings={"heartbeat_ms": 10000})
        thread, outcome = request_in_thread(client, "held-close")
        self.peer.wait_for("llm.request")
        time.sleep(0.05)
        client.close("uninstall")
        thread.join(3)
        self.assertEqual(outcome.get("code"), "IRON_ERR_SUPERVISOR_UNAVAILABLE")
        self.assertLess(outcome["took"], 2.0)
        self.assertEqual(self.peer.wait_for("bye")[0]["reason"], "uninstall")

    def test_a_long_wait_keeps_the_link_alive_through_pings_read_by_the_caller(self) -> None:
        client = self.make(settings={"heartbeat_ms": 50})
        result = {}

        def call() -> None:
            result["reason"] = client.request(request_msg("held-long"))["reason"]

        thread = threading.Thread(target=call)
        thread.start()
        self.peer.wait_for("llm.request")
        time.sleep(1.5)  # far beyond the dead-peer limit (max(3 x 50 ms, 1 s)): PONGs must count
        self.peer.send_all(decision(self.peer.of_type("llm.request")[0], "allow", reason="held-long"))
        thread.join(3)
        self.assertEqual(result.get("reason"), "held-long")
        self.assertGreater(self.peer.pings, 0)
        self.assertEqual(len(self.peer.of_type("hello")), 1)


class IoThreadReads(DirectReads):
    """The same scenarios where only the I/O thread reads."""

    direct = False


if __name__ == "__main__":
    unittest.main()
