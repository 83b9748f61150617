"""What the supervisor client's transport tests share: a request message, a handler that echoes the call,
and ClientCase, which makes a Client against a peer (RouterPeer, or ZmqRouterPeer for libzmq interop)."""
from __future__ import annotations

import threading
import time
import unittest

from .router_peer import RouterPeer, decision
from iron_shim import protocol
from iron_shim.client import Client
from iron_shim.errors import NoDecision
from iron_shim.settings import Settings


def request_msg(call: str = "c-1", body=None):
    return protocol.llm_request(
        protocol.next_id(),
        call,
        "openai",
        "chat.completions",
        "gpt-4o-mini",
        "POST",
        "https://api.openai.com/v1/chat/completions",
        {},
        body or {"model": "gpt-4o-mini"},
        False,
        3,
        None,
        "httpx",
        {},
    )


def request_in_thread(client: Client, call: str):
    """Starts client.request(call) on a thread; the dict it returns gets the failure's code and how long
    the call took (seconds) once the request fails with NoDecision."""
    outcome: dict = {}

    def run() -> None:
        started = time.monotonic()
        try:
            client.request(request_msg(call))
        except NoDecision as exc:
            outcome["code"], outcome["took"] = exc.code, time.monotonic() - started

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def echo_call(msg):
    """A handler whose decision names the call it answers, so mix-ups are visible."""
    return decision(msg, "allow", reason=msg.get("call"))


class ClientCase(unittest.TestCase):
    peer_class = RouterPeer

    def make(self, handler=echo_call, settings=None, token="tok-test", **kw) -> Client:
        self.peer = self.peer_class(handler=handler, settings=settings or {})
        self.addCleanup(self.peer.close)
        client = Client(
            Settings(
                endpoint=self.peer.endpoint, token=token, agent="agent-t", timeout_ms=kw.pop("timeout_ms", 2000), **kw
            ),
            "0.1.0",
        )
        self.addCleanup(client.close, "uninstall")
        return client
