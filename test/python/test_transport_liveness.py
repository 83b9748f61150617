"""The supervisor client's liveness: heartbeats, pings and pongs, a silent peer dropped and reconnected, and
the orphan guard that exits an agent whose supervisor is gone."""
from __future__ import annotations

import time
import unittest

from .router_peer import RouterPeer
from .transport_case import ClientCase
from iron_shim.client import Client
from iron_shim.orphan import OrphanGuard
from iron_shim.settings import Settings


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


if __name__ == "__main__":
    unittest.main()
