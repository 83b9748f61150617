"""Shared test helpers: the vectors' compact notation, and a base class that runs a real shim session."""
from __future__ import annotations

import json
import os
import sys
import unittest
from typing import Any, Callable, Dict, List, Optional

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PYTHON_DIR = os.path.join(ROOT, "python")
VECTORS = os.path.join(ROOT, "protocol", "vectors")
FIXTURES = os.path.join(ROOT, "test", "fixtures")
if PYTHON_DIR not in sys.path:
    sys.path.insert(0, PYTHON_DIR)

import iron_shim  # noqa: E402

from .llm_server import LLMServer  # noqa: E402
from .router_peer import RouterPeer, decision  # noqa: E402


def has_module(name: str) -> bool:
    """True when an optional library (httpx, zmq, msgpack) is importable here."""
    try:
        __import__(name)
        return True
    except ImportError:
        return False


def load_vectors(name: str) -> List[Dict[str, Any]]:
    """protocol/vectors/<name>.json's vector list."""
    with open(os.path.join(VECTORS, name + ".json"), encoding="utf-8") as f:
        return json.load(f)["vectors"]  # type: ignore[no-any-return]


def vector_bytes(hex_value: Any) -> bytes:
    """A vector's hex: a string, or [hex, count] segments concatenated."""
    if isinstance(hex_value, str):
        return bytes.fromhex(hex_value)
    return b"".join(bytes.fromhex(part) * count for part, count in hex_value)


def expand(tagged: Any) -> Any:
    """The vectors' tagged JSON -> Python value ($bin, $float, $repeat_str, $repeat_bin, $repeat_array)."""
    if isinstance(tagged, dict):
        if len(tagged) == 1:
            ((key, arg),) = tagged.items()
            if key == "$bin":
                return bytes.fromhex(arg)
            if key == "$float":
                return float(arg)
            if key == "$repeat_str":
                return arg[0] * arg[1]
            if key == "$repeat_bin":
                return bytes.fromhex(arg[0]) * arg[1]
            if key == "$repeat_array":
                return [expand(arg[0])] * arg[1]
        return {k: expand(v) for k, v in tagged.items()}
    if isinstance(tagged, list):
        return [expand(v) for v in tagged]
    return tagged


class ShimTestCase(unittest.TestCase):
    """Each test gets a real LLM HTTP server, a real supervisor peer and an installed shim (strict)."""

    peer_class: Any = RouterPeer
    install_settings: Dict[str, Any] = {}
    configure_local_provider = True

    def setUp(self) -> None:
        self.server = LLMServer()
        self.decide: Callable[[Dict[str, Any]], Optional[Dict[str, Any]]] = decision
        welcome: Dict[str, Any] = {}
        if self.configure_local_provider:
            welcome["providers"] = [{"name": "local", "kind": "openai", "base_url": self.server.url + "/v1"}]
        self.peer = self.peer_class(handler=lambda msg: self.decide(msg), settings=welcome)
        settings = dict({"timeout_ms": 3000, "strict": True}, **self.install_settings)
        iron_shim.install(endpoint=self.peer.endpoint, token="tok-test", agent="test-agent", **settings)

    def tearDown(self) -> None:
        iron_shim.uninstall()
        self.peer.close()
        self.server.close()

    def requests_of(self, kind: str) -> List[Dict[str, Any]]:
        """Messages of one type the supervisor peer received."""
        return self.peer.of_type(kind)
