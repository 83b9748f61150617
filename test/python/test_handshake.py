"""The shim's side of the challenge-response (protocol/SPEC.md 3.1a), over real sockets.

A peer that does not know the token gets the hello and nothing more; a captured challenge replayed
by an impostor is refused; the token never crosses the wire; proofs are compared in constant time;
the shared vectors hold; a supervisor that asks for the token in clear is named as older.
"""
from __future__ import annotations

import os
import unittest
from typing import Any, Dict, List, Optional
from unittest import mock

from .router_peer import RouterPeer
from .support import load_vectors
from iron_shim import handshake
from iron_shim.client import Client
from iron_shim.errors import NoDecision
from iron_shim.settings import Settings
from .transport_case import request_msg

TOKEN = "iron_join_the-real-token-0123456789"


class ReplayingImpostor(RouterPeer):
    """Answers every hello with a challenge captured from a real exchange (it does not know the token)."""

    def __init__(self, captured: Dict[str, Any]) -> None:
        super().__init__(token="iron_join_not-the-token-000000000")
        self.captured = captured

    def answer(self, msg: Dict[str, Any], payload: bytes = b"", conn: Any = None) -> Optional[Dict[str, Any]]:
        reply = super().answer(msg, payload, conn)
        if msg.get("type") == "hello":
            return dict(self.captured, id=msg["id"])
        return reply


class OlderSupervisor(RouterPeer):
    """Refuses a hello without a token the way a supervisor from before the challenge-response does."""

    def answer(self, msg: Dict[str, Any], payload: bytes = b"", conn: Any = None) -> Optional[Dict[str, Any]]:
        self.record(msg)
        reason = "bad hello: IRON_ERR_PROTOCOL: bad hello message (at token): expected a string, got nothing (token)"
        return {"v": 1, "type": "reject", "id": msg["id"], "code": "IRON_ERR_PROTOCOL", "reason": reason}


class HandshakeCase(unittest.TestCase):
    def client(self, peer: RouterPeer, token: str = TOKEN) -> Client:
        self.addCleanup(peer.close)
        client = Client(Settings(endpoint=peer.endpoint, token=token, agent="agent-h", timeout_ms=2000), "0.1.0")
        self.addCleanup(client.close, "uninstall")
        return client

    def assert_only_the_hello(self, peer: RouterPeer) -> None:
        self.assertEqual([m["type"] for m in peer.messages], ["hello"])
        for payload in peer.payloads:
            self.assertNotIn(TOKEN.encode(), payload)


class ImpostorGetsNothing(HandshakeCase):
    def test_a_peer_that_does_not_know_the_token_gets_the_hello_and_nothing_more(self) -> None:
        impostor = RouterPeer(token="iron_join_a-guess-that-is-wrong-00")
        client = self.client(impostor)
        self.assertEqual(client.wait_ready(3), "rejected")
        with self.assertRaises(NoDecision) as denied:
            client.request(request_msg("c-secret", {"model": "gpt-4o-mini", "messages": [{"content": "a prompt"}]}))
        self.assertEqual(denied.exception.code, "IRON_ERR_AUTH")
        self.assertIn("did not prove it knows this agent's token", str(denied.exception))
        self.assert_only_the_hello(impostor)

    def test_a_challenge_captured_from_a_real_exchange_and_replayed_is_refused(self) -> None:
        real = RouterPeer(token=TOKEN)
        sent: List[Dict[str, Any]] = []
        answer = real.answer

        def capture(msg: Dict[str, Any], payload: bytes = b"", conn: Any = None) -> Optional[Dict[str, Any]]:
            reply = answer(msg, payload, conn)
            if reply is not None and reply.get("type") == "challenge":
                sent.append(reply)
            return reply

        real.answer = capture  # type: ignore[method-assign]
        self.assertEqual(self.client(real).wait_ready(3), "ready")
        self.assertEqual(len(sent), 1)
        impostor = ReplayingImpostor(sent[0])
        self.assertEqual(self.client(impostor).wait_ready(3), "rejected")
        self.assert_only_the_hello(impostor)

    def test_the_real_supervisor_is_proven_and_the_token_never_crosses_the_wire(self) -> None:
        real = RouterPeer(token=TOKEN)
        self.assertEqual(self.client(real).wait_ready(3), "ready")
        self.assertEqual([m["type"] for m in real.messages], ["hello", "proof"])
        for payload in real.payloads:
            self.assertNotIn(TOKEN.encode(), payload)

    def test_without_a_token_nothing_is_sent_and_the_reason_says_so(self) -> None:
        peer = RouterPeer(token=TOKEN)
        client = self.client(peer, token="")
        self.assertEqual(client.wait_ready(3), "rejected")
        self.assertEqual(
            (client.rejection.code, client.rejection.reason),
            ("IRON_ERR_AUTH", "no token given: there is nothing to prove"),
        )
        self.assertEqual(peer.messages, [])

    def test_a_supervisor_that_asks_for_the_token_in_clear_is_named_as_older(self) -> None:
        client = self.client(OlderSupervisor())
        self.assertEqual(client.wait_ready(3), "rejected")
        self.assertEqual(client.rejection.code, "IRON_ERR_VERSION")
        self.assertIn("the supervisor is older than this shim", client.rejection.reason)


class Proofs(unittest.TestCase):
    def test_the_shared_vectors(self) -> None:
        vectors = load_vectors("auth")
        self.assertGreaterEqual(len(vectors), 4)
        for vec in vectors:
            with self.subTest(vec["name"]):
                nc, ns = bytes.fromhex(vec["client_nonce"]), bytes.fromhex(vec["server_nonce"])
                ctx = handshake.context(bytes.fromhex(vec["hello"]))
                key = handshake.token_key(vec["token"])
                self.assertEqual(ctx.hex(), vec["context"])
                self.assertEqual(handshake.server_proof(key, nc, ns, ctx).hex(), vec["server_proof"])
                self.assertEqual(handshake.client_proof(key, nc, ns, ctx).hex(), vec["client_proof"])

    def test_every_proof_is_compared_in_constant_time_and_none_is_skipped(self) -> None:
        key, nc, ns, ctx = b"k", os.urandom(32), os.urandom(32), os.urandom(32)
        real = handshake.server_proof(key, nc, ns, ctx)
        seen: List[Any] = []
        compare = handshake.compare_digest

        def recording(a: bytes, b: bytes) -> bool:
            seen.append((len(a), len(b)))
            return compare(a, b)

        with mock.patch.object(handshake, "compare_digest", recording):
            self.assertTrue(handshake.supervisor_proved(key, nc, ns, ctx, [real, os.urandom(32)]))
            self.assertFalse(handshake.supervisor_proved(key, nc, ns, ctx, [os.urandom(32), os.urandom(32)]))
        self.assertEqual(seen, [(32, 32)] * 4)

    def test_a_server_proof_is_not_a_client_proof(self) -> None:
        key, nc, ns, ctx = b"k", os.urandom(32), os.urandom(32), os.urandom(32)
        self.assertNotEqual(handshake.server_proof(key, nc, ns, ctx), handshake.client_proof(key, nc, ns, ctx))

    def test_an_off_spec_challenge_is_a_protocol_error(self) -> None:
        from iron_shim.errors import ProtocolError

        for bad in (
            {"nonce": b"x", "proofs": [b"p" * 32]},
            {"nonce": b"n" * 32, "proofs": []},
            {"nonce": b"n" * 32, "proofs": [b"short"]},
        ):
            with self.subTest(bad=bad), self.assertRaises(ProtocolError):
                handshake.parse_challenge(bad)


if __name__ == "__main__":
    unittest.main()
