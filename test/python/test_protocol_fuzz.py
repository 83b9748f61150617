"""Whatever the supervisor (or something posing as it) sends, the shim's message checks answer with a
value or a ProtocolError: never another exception, so a bad reply fails one call closed, never the agent."""
from __future__ import annotations

import random
import unittest

from . import support  # noqa: F401
from .test_codec import random_value
from iron_shim import protocol
from iron_shim.codec import packb
from iron_shim.errors import ProtocolError

KEYS = (
    "v",
    "type",
    "id",
    "call",
    "action",
    "policy",
    "code",
    "reason",
    "status",
    "retry_after",
    "body",
    "url",
    "stream_chunks",
    "timeout_ms",
    "text",
    "agent",
    "session",
    "settings",
)


def shaped(rng: random.Random) -> dict:
    """A decision-like map: the real keys with plausible or random values."""
    msg = {
        "v": 1,
        "type": rng.choice(["decision", "error", "welcome", "reject", "x"]),
        "id": rng.randint(0, 9),
        "action": rng.choice(["allow", "deny", "modify", "redact", "nope", None]),
    }
    for key in rng.sample(KEYS, rng.randint(0, len(KEYS))):
        msg[key] = random_value(rng, 3) if rng.random() < 0.5 else rng.choice([None, 0, -1, 1.5, "", "x", True, [], {}])
    return msg


class Fuzz(unittest.TestCase):
    def test_any_reply_parses_or_fails_with_a_protocol_error(self) -> None:
        rng = random.Random(3)
        for _ in range(3000):
            payload = packb(shaped(rng) if rng.random() < 0.8 else random_value(rng, 2))
            try:
                msg = protocol.parse_incoming(payload)
                protocol.parse_decision(msg, protocol.REQUEST_ACTIONS)
                protocol.parse_decision(msg, protocol.RESPONSE_ACTIONS)
                protocol.parse_chunk_decision(msg, "orig")
                protocol.parse_welcome(msg)
                protocol.parse_reject(msg)
            except ProtocolError:
                pass


if __name__ == "__main__":
    unittest.main()
