"""The shim's side of the challenge-response (protocol/SPEC.md 3.1a): prove the token, never send it.

The hello carries a fresh nonce nc and no token. The supervisor answers with its nonce ns and its
proofs, HMAC(token, "iron-srv" || nc || ns || context); the shim checks them in constant time before
it sends anything else, so a peer that does not know the token (whoever bound the port while the
supervisor was down) gets the hello and nothing more: no proof, no prompt. Then the shim proves,
HMAC(token, "iron-cli" || nc || ns || context), and waits for the welcome. The context binds the
protocol version and the hello's exact bytes; fresh nonces on both sides make a captured exchange
worthless for a replay.
"""
from __future__ import annotations

import os

from . import protocol, zmtp
from .codec import packb
from .errors import AUTH, PROTOCOL, VERSION_MISMATCH, ProtocolError
from .sha256 import compare_digest, hmac_sha256, sha256

from .link import Rejected

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up (see named_tuple.py)
if TYPE_CHECKING:  # pragma: no cover - typing only
    from typing import Any, Dict, List, Mapping, Sequence, Tuple
    from .connection import Connection
    from .link import Link

NONCE_BYTES = 32
PROOF_BYTES = 32
#: Most proofs a challenge may carry (the supervisor sends 2).
MAX_PROOFS = 4
_SERVER_LABEL = b"iron-srv"
_CLIENT_LABEL = b"iron-cli"


def new_nonce() -> bytes:
    """A fresh nonce from the operating system's CSPRNG."""
    return os.urandom(NONCE_BYTES)


def context(hello_payload: bytes) -> bytes:
    """What both proofs are bound to: SHA-256("iron/<version>\\0" || the hello's bytes as sent)."""
    return sha256(b"iron/%d\0" % protocol.VERSION + hello_payload).digest()


def _proof(key: bytes, label: bytes, nc: bytes, ns: bytes, ctx: bytes) -> bytes:
    """HMAC-SHA256 over fixed-size parts, so the concatenation is unambiguous."""
    return hmac_sha256(key, label + nc + ns + ctx)


def server_proof(key: bytes, nc: bytes, ns: bytes, ctx: bytes) -> bytes:
    """The supervisor's proof that it knows the token."""
    return _proof(key, _SERVER_LABEL, nc, ns, ctx)


def client_proof(key: bytes, nc: bytes, ns: bytes, ctx: bytes) -> bytes:
    """The shim's proof (another label: a supervisor's proof can never be reflected as one)."""
    return _proof(key, _CLIENT_LABEL, nc, ns, ctx)


def supervisor_proved(key: bytes, nc: bytes, ns: bytes, ctx: bytes, proofs: Sequence[bytes]) -> bool:
    """True when one of the proofs is the supervisor's for this key; every one is compared in constant time."""
    expected = server_proof(key, nc, ns, ctx)
    found = False
    for candidate in proofs:
        found = compare_digest(expected, candidate) or found
    return found


def token_key(token: str) -> bytes:
    """The HMAC key of a token: its UTF-8 bytes."""
    return token.encode("utf-8")


def parse_challenge(msg: Mapping[str, Any]) -> Tuple[bytes, List[bytes]]:
    """(ns, proofs) of a challenge, or a protocol error naming what is off."""
    nonce, proofs = msg.get("nonce"), msg.get("proofs")
    if not isinstance(nonce, bytes) or len(nonce) != NONCE_BYTES:
        raise ProtocolError(f"challenge: nonce must be {NONCE_BYTES} bytes, got {nonce!r}")
    if not isinstance(proofs, list) or not 1 <= len(proofs) <= MAX_PROOFS:
        raise ProtocolError(f"challenge: proofs must be 1 to {MAX_PROOFS} entries, got {proofs!r}")
    for proof in proofs:
        if not isinstance(proof, bytes) or len(proof) != PROOF_BYTES:
            raise ProtocolError(f"challenge: every proof must be {PROOF_BYTES} bytes, got {proof!r}")
    return nonce, list(proofs)


def _next_message(
    conn: "Connection", deadline: float, kinds: Tuple[str, ...], trusted: bool, link: "Link"
) -> Dict[str, Any]:
    """The next message of one of these kinds. Before the supervisor has proven itself the shim
    answers nothing (a PING goes unanswered); an ERROR command ends the attempt either way."""
    while True:
        while conn.backlog:
            frame = conn.backlog.pop(0)
            if frame.command is not None:
                if trusted or frame.command == "ERROR":
                    link.on_command(conn, frame)
                continue
            msg = protocol.parse_incoming(frame.body)
            if msg["type"] in kinds:
                return msg
        conn.backlog = conn.read_frames(deadline)


def _refusal(msg: Mapping[str, Any]) -> Rejected:
    """A reject as the reason to stop; an older supervisor asking for the token in clear is named as such."""
    code, reason = protocol.parse_reject(msg)
    if code == PROTOCOL and "(at token)" in reason:
        return Rejected(
            VERSION_MISMATCH,
            "the supervisor is older than this shim: it asks for the token in clear, which this shim never "
            f"sends (it proves it, protocol/SPEC.md 3.1a); upgrade iron on the supervisor's side ({reason})",
        )
    return Rejected(code, reason)


def run(conn: "Connection", link: "Link", token: str, agent: str, deadline: float) -> protocol.Welcome:
    """Hello, check the supervisor's proof, prove, welcome; raises Rejected, ProtocolError or a timeout."""
    if not token:
        raise Rejected(AUTH, "no token given: there is nothing to prove")
    nc = new_nonce()
    hello_id = protocol.next_id()
    payload = packb(protocol.hello(hello_id, agent, nc, link.shim_version, link.base.parent_pid))
    conn.send(zmtp.encode_frame(payload))
    msg = _next_message(conn, deadline, ("challenge", "reject"), False, link)
    if msg["type"] == "reject":
        raise _refusal(msg)
    ns, proofs = parse_challenge(msg)
    ctx = context(payload)
    key = token_key(token)
    if not supervisor_proved(key, nc, ns, ctx, proofs):
        raise Rejected(
            AUTH,
            f"the supervisor at {link.base.endpoint} did not prove it knows this agent's token: a wrong IRON_TOKEN, "
            "or not the real supervisor; nothing was sent to it",
        )
    proof = {"v": protocol.VERSION, "type": "proof", "id": protocol.next_id(), "proof": client_proof(key, nc, ns, ctx)}
    conn.send(zmtp.encode_frame(packb(proof)))
    msg = _next_message(conn, deadline, ("welcome", "reject"), True, link)
    if msg["type"] == "reject":
        raise _refusal(msg)
    return protocol.parse_welcome(msg)
