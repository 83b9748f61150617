"""The session's opening messages (SPEC.md 3.1-3.2: hello, challenge, welcome) as vectors."""


def handshake(add):
    """Adds the handshake's cases, in the order the vectors file lists them."""
    add(
        "hello",
        {
            "v": 1,
            "type": "hello",
            "id": 1,
            "agent": "agent-1",
            "nonce": {"$bin": "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"},
            "pid": 4242,
            "python": "3.11.7",
            "shim": "0.1.0",
            "host": "box",
            "executable": "/usr/bin/python3",
            "parent_pid": None,
        },
    )
    add(
        "challenge",
        {
            "v": 1,
            "type": "challenge",
            "id": 1,
            "nonce": {"$bin": "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"},
            "proofs": [{"$bin": "11" * 32}, {"$bin": "22" * 32}],
        },
    )
    add("proof", {"v": 1, "type": "proof", "id": 2, "proof": {"$bin": "33" * 32}})
    add(
        "welcome",
        {
            "v": 1,
            "type": "welcome",
            "id": 1,
            "agent": "agent-1",
            "session": "s-1",
            "settings": {
                "timeout_ms": 5000,
                "fail_open": False,
                "on_deny": "response",
                "heartbeat_ms": 1000,
                "providers": [{"name": "local", "kind": "openai", "base_url": "http://127.0.0.1:8080/v1"}],
            },
        },
    )
    add(
        "welcome with budget",
        {
            "v": 1,
            "type": "welcome",
            "id": 1,
            "agent": "notebook-2",
            "session": "s-7",
            "settings": {
                "timeout_ms": 5000,
                "fail_open": False,
                "on_deny": "response",
                "heartbeat_ms": 1000,
                "providers": [],
            },
            "budget": {
                "scope": "agent:notebook-2@day:2026-11-27",
                "limit": 500000,
                "spent": 123456,
                "reserved": 6400,
                "left": 370144,
            },
        },
    )
    add(
        "welcome with features",
        {
            "v": 1,
            "type": "welcome",
            "id": 1,
            "agent": "agent-1",
            "session": "s-3",
            "settings": {
                "timeout_ms": 5000,
                "fail_open": False,
                "on_deny": "response",
                "heartbeat_ms": 1000,
                "providers": [],
            },
            "features": ["body_json"],
        },
    )
    add("reject", {"v": 1, "type": "reject", "id": 1, "code": "IRON_ERR_AUTH", "reason": "bad token"})
