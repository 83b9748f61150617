"""The base of the contract every interceptor owes: the calls a concrete test case implements per
library (call(), stream(), get()), the helpers the contract's tests share, and the bodies they send."""
from __future__ import annotations

import json
from typing import Any, Dict, NamedTuple, Optional

import iron_shim

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hello there, my friend"}], "max_tokens": 64}
CLAUDE = {"model": "claude-3-5-sonnet-20241022", "max_tokens": 256, "messages": [{"role": "user", "content": "Hi"}]}
AUTH = {"Authorization": "Bearer sk-secret-123", "x-api-key": "sk-ant-secret", "anthropic-version": "2023-06-01"}


class Result(NamedTuple):
    """What the agent's code saw: status, lower-cased headers, body bytes."""

    status: int
    headers: Dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class ContractBase:
    """What the contract's tests call: the library's call(), stream() and get(), and shared helpers."""

    library = ""

    # ----- to implement per library -----
    def call(self, path: str, body: Any, headers: Optional[Dict[str, str]] = None) -> Result:
        raise NotImplementedError

    def stream(self, path: str, body: Any, keep: Optional[int] = None) -> bytes:
        """Reads the whole SSE body, or only `keep` bytes and then closes the response."""
        raise NotImplementedError

    def get(self, path: str) -> Result:
        raise NotImplementedError

    # ----- helpers -----
    def reinstall(self, **settings: Any) -> None:
        iron_shim.uninstall()
        args = dict(
            {
                "endpoint": self.peer.endpoint,
                "token": "tok-test",
                "agent": "test-agent",
                "timeout_ms": 3000,
                "strict": True,
                "wait": False,
            },
            **settings,
        )
        iron_shim.install(**args)

    def wait_response(self, count: int = 1):
        return self.peer.wait_for("llm.response", count)
