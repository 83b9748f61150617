"""The challenge-response of SPEC.md 3.1a as vectors: for a token, both nonces and a hello's exact
bytes, the context and both proofs. Computed here with the standard library's hashlib and hmac,
apart from either implementation under test."""
import hashlib
import hmac

from vector_notation import pack

NONCE_C = bytes(range(32))
NONCE_S = bytes(range(255, 223, -1))


def _hello(agent, nonce, parent_pid=None):
    return {
        "v": 1,
        "type": "hello",
        "id": 7,
        "agent": agent,
        "nonce": nonce,
        "pid": 4242,
        "python": "3.11.7",
        "shim": "0.1.0",
        "host": "box",
        "executable": "/usr/bin/python3",
        "parent_pid": parent_pid,
    }


def _case(name, token, hello, nc, ns):
    payload = pack(hello)
    context = hashlib.sha256(b"iron/1\0" + payload).digest()
    key = token.encode("utf-8")
    server = hmac.new(key, b"iron-srv" + nc + ns + context, hashlib.sha256).digest()
    client = hmac.new(key, b"iron-cli" + nc + ns + context, hashlib.sha256).digest()
    return {
        "name": name,
        "token": token,
        "client_nonce": nc.hex(),
        "server_nonce": ns.hex(),
        "hello": payload.hex(),
        "context": context.hex(),
        "server_proof": server.hex(),
        "client_proof": client.hex(),
    }


def auth():
    return [
        _case("join token", "iron_join_0123456789abcdef-test", _hello("notebook", NONCE_C), NONCE_C, NONCE_S),
        _case(
            "spawned agent's token",
            "iron_AbCdEfGhIjKlMnOpQrStUvWxYz012345",
            _hello("agent-1", NONCE_C),
            NONCE_C,
            NONCE_S,
        ),
        _case(
            "sub-process, other nonces",
            "iron_join_0123456789abcdef-test",
            _hello("helper", NONCE_S, 4242),
            NONCE_S,
            NONCE_C,
        ),
        _case(
            "token with non-ASCII characters",
            "iron_join_ünïcødé-0123456789",
            _hello("notebook", NONCE_C),
            NONCE_C,
            NONCE_S,
        ),
    ]
