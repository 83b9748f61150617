"""Whole protocol messages (SPEC.md section 3) as vectors: decode(hex) == value == encode."""
from vector_handshake import handshake
from vector_notation import vec


#: A request decision's allow with every nil key written out; the other allow cases add to it.
ALLOW = {
    "v": 1,
    "type": "decision",
    "id": 2,
    "call": "c-1",
    "action": "allow",
    "policy": None,
    "code": None,
    "reason": None,
    "status": None,
    "retry_after": None,
    "body": None,
}


def messages():
    m = []

    def add(name, value):
        m.append(vec(name, value))

    handshake(add)
    add(
        "llm.request with body_json",
        {
            "v": 1,
            "type": "llm.request",
            "id": 3,
            "call": "c-3",
            "provider": "openai",
            "endpoint": "chat.completions",
            "model": "gpt-4o-mini",
            "method": "POST",
            "url": "https://api.openai.com/v1/chat/completions",
            "headers": {"content-type": "application/json"},
            "body_json": {
                "$bin": (
                    b'{"model":"gpt-4o-mini","messages":[{"role":"user","content":"H\xc3\xa9llo"}],' b'"max_tokens":64}'
                ).hex()
            },
            "stream": False,
            "est_tokens": {"input": 2, "output": 64},
            "library": "urllib",
            "attrs": {},
        },
    )
    add(
        "llm.request",
        {
            "v": 1,
            "type": "llm.request",
            "id": 2,
            "call": "c-1",
            "provider": "openai",
            "endpoint": "chat.completions",
            "model": "gpt-4o-mini",
            "method": "POST",
            "url": "https://api.openai.com/v1/chat/completions",
            "headers": {"content-type": "application/json", "x-stainless-lang": "python"},
            "body": {
                "model": "gpt-4o-mini",
                "messages": [{"role": "user", "content": "Hello"}],
                "max_tokens": 64,
                "temperature": 0.5,
            },
            "stream": False,
            "est_tokens": {"input": 9, "output": 64},
            "library": "httpx",
            "attrs": {},
        },
    )
    add(
        "hello with features",
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
            "features": ["grant"],
        },
    )
    add(
        "llm.request admitted under a grant",
        {
            "v": 1,
            "type": "llm.request",
            "id": 9,
            "call": "c-9",
            "provider": "openai",
            "endpoint": "chat.completions",
            "model": "gpt-4o-mini",
            "method": "POST",
            "url": "https://api.openai.com/v1/chat/completions",
            "headers": {"content-type": "application/json"},
            "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 20},
            "stream": False,
            "est_tokens": {"input": 1, "output": 20},
            "library": "urllib",
            "attrs": {},
            "admitted": "g1-7",
        },
    )
    add(
        "decision allow with a grant",
        {
            **ALLOW,
            "grant": {
                "id": "g1-7",
                "ttl_ms": 250,
                "calls": 32,
                "micros": 3168,
                "provider": "openai",
                "endpoint": "chat.completions",
                "model": "gpt-4o-mini",
                "url": "https://api.openai.com/v1/chat/completions",
                "stream": False,
                "attrs": {"user": "u42"},
                "in_factor": 1.25,
                "in_micros": 0.15,
                "out_micros": 0.6,
                "out_default": None,
                "request_hints": [{"re": "@[A-Za-z0-9-]{1,63}\\.[A-Za-z0-9]", "i": False}],
            },
        },
    )
    add("grant.end", {"v": 1, "type": "grant.end", "id": 0, "grant": "g1-7", "reason": "a budget changed"})
    add("decision allow", ALLOW)
    add(
        "decision allow with deadline and budget",
        {
            **ALLOW,
            "timeout_ms": 120000,
            "budget": {"scope": "global", "limit": 5000000, "spent": 10, "reserved": 2460, "left": 4997530},
        },
    )
    add(
        "decision allow streamed, chunk batches, no response decision",
        {
            **ALLOW,
            "stream_chunks": True,
            "chunk_batch": True,
            "response_decision": False,
        },
    )
    add(
        "decision allow with response hints",
        {
            **ALLOW,
            "response_hints": [
                {"re": "@[A-Za-z0-9-]{1,63}\\.[A-Za-z0-9]", "i": False},
                {"re": "secret_key", "i": True},
            ],
        },
    )
    add(
        "decision allow streamed with chunk hints",
        {
            **ALLOW,
            "stream_chunks": True,
            "chunk_batch": True,
            "chunk_hints": [
                {"re": "@[A-Za-z0-9-]{1,63}\\.[A-Za-z0-9]", "i": False},
                {"re": "[0-9]", "i": False, "hold": True},
            ],
            "response_decision": False,
        },
    )
    add(
        "llm.chunk released batch",
        {
            "v": 1,
            "type": "llm.chunk",
            "id": 8,
            "call": "c-1",
            "index": 3,
            "texts": ["Sure", ", here"],
            "done": False,
            "released": True,
        },
    )
    add(
        "llm.chunk batch with the end",
        {
            "v": 1,
            "type": "llm.chunk",
            "id": 7,
            "call": "c-1",
            "index": 0,
            "texts": ["Mail jo", "hn@example.com", " now"],
            "done": True,
        },
    )
    add(
        "decision chunk batch redact",
        {
            "v": 1,
            "type": "decision",
            "id": 7,
            "call": "c-1",
            "action": "redact",
            "policy": "safety",
            "code": None,
            "reason": "redacted an email address",
            "status": None,
            "retry_after": None,
            "body": None,
            "texts": ["Mail ", "[email]", ""],
            "text": " now",
        },
    )
    add(
        "decision deny",
        {
            "v": 1,
            "type": "decision",
            "id": 2,
            "call": "c-1",
            "action": "deny",
            "policy": "budget",
            "code": "IRON_ERR_BUDGET",
            "reason": "budget exhausted: spent $1.00 of $1.00",
            "status": 402,
            "retry_after": None,
            "body": None,
        },
    )
    add(
        "decision deny rate limit",
        {
            "v": 1,
            "type": "decision",
            "id": 3,
            "call": "c-2",
            "action": "deny",
            "policy": "rate-limit",
            "code": "IRON_ERR_RATE_LIMIT",
            "reason": "60 requests/min",
            "status": 429,
            "retry_after": 1.5,
            "body": None,
        },
    )
    add(
        "decision modify",
        {
            "v": 1,
            "type": "decision",
            "id": 2,
            "call": "c-1",
            "action": "modify",
            "policy": "pii",
            "code": None,
            "reason": "redacted 1 email",
            "status": None,
            "retry_after": None,
            "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Mail [EMAIL_1]"}]},
        },
    )
    add(
        "llm.response",
        {
            "v": 1,
            "type": "llm.response",
            "id": 4,
            "call": "c-1",
            "status": 200,
            "usage": {
                "input_tokens": 9,
                "output_tokens": 12,
                "cached_input_tokens": 0,
                "cache_creation_input_tokens": 0,
                "reasoning_tokens": 0,
            },
            "output": "Hi there!",
            "body": None,
            "latency_ms": 12.5,
            "stream": True,
            "complete": True,
            "error": None,
            "request_id": "req_123",
            "model": "gpt-4o-mini-2024-07-18",
        },
    )
    add(
        "llm.response 429 with retry_after",
        {
            "v": 1,
            "type": "llm.response",
            "id": 5,
            "call": "c-2",
            "status": 429,
            "usage": None,
            "output": "",
            "body": {"error": {"message": "slow down"}},
            "latency_ms": 3.25,
            "stream": False,
            "complete": True,
            "error": "slow down",
            "request_id": None,
            "model": None,
            "retry_after": 1.5,
        },
    )
    add(
        "decision allow as the supervisor sends it (nil keys left out)",
        {
            "v": 1,
            "type": "decision",
            "id": 2,
            "call": "c-1",
            "action": "allow",
            "timeout_ms": 30000,
            "budget": {"scope": "global", "limit": 1000000000, "spent": 120, "reserved": 62, "left": 999999818},
        },
    )
    add(
        "llm.response with body_json",
        {
            "v": 1,
            "type": "llm.response",
            "id": 6,
            "call": "c-3",
            "status": 200,
            "usage": None,
            "output": "Hi",
            "body_json": {"$bin": b'{"choices":[{"index":0,"message":{"role":"assistant","content":"Hi"}}]}'.hex()},
            "latency_ms": 4.5,
            "stream": False,
            "complete": True,
            "error": None,
            "request_id": None,
            "model": None,
        },
    )
    add(
        "llm.response fire-and-forget (reply false)",
        {
            "v": 1,
            "type": "llm.response",
            "id": 7,
            "call": "c-4",
            "status": 200,
            "usage": None,
            "output": "Hi",
            "body": None,
            "latency_ms": 4.5,
            "stream": True,
            "complete": True,
            "error": None,
            "request_id": None,
            "model": None,
            "reply": False,
        },
    )
    add(
        "decision redact",
        {
            "v": 1,
            "type": "decision",
            "id": 4,
            "call": "c-1",
            "action": "redact",
            "policy": "pii",
            "code": None,
            "reason": "redacted 1 phone",
            "status": None,
            "retry_after": None,
            "body": {"choices": [{"index": 0, "message": {"role": "assistant", "content": "Call [PHONE_1]"}}]},
        },
    )
    add("heartbeat", {"v": 1, "type": "heartbeat", "id": 5, "ts": 1764288000.25, "inflight": 0})
    add("bye", {"v": 1, "type": "bye", "id": 6, "reason": "exit"})
    add("error", {"v": 1, "type": "error", "id": 7, "code": "IRON_ERR_PROTOCOL", "reason": "missing key: call"})
    return m
