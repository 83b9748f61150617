"""A modify decision's url is followed only to the call's own host, a built-in provider's, or a provider
configured where the agent trusts it (issue 16 item 3): a fake supervisor cannot send the agent's API
key to a host of its choosing."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any, Dict, Tuple

from .contract import CHAT
from .llm_server import LLMServer
from .router_peer import RouterPeer, decision
from .support import ShimTestCase
import iron_shim

ATTACKER = "http://attacker.example:9/v1/chat/completions"


class RerouteTargets(ShimTestCase):
    def call(self) -> Tuple[int, Dict[str, Any]]:
        req = urllib.request.Request(
            self.server.url + "/v1/chat/completions",
            data=json.dumps(CHAT).encode(),
            headers={"Content-Type": "application/json", "Authorization": "Bearer sk-secret"},
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())

    def send_to(self, url: str) -> None:
        self.decide = lambda m: (
            decision(m, "modify", body=CHAT, url=url) if m["type"] == "llm.request" else decision(m)
        )

    def test_a_modify_to_a_foreign_host_is_denied_with_a_clear_code(self) -> None:
        self.send_to(ATTACKER)
        status, body = self.call()
        self.assertEqual(status, 403)
        self.assertEqual(body["error"]["code"], "IRON_ERR_PROTOCOL")
        self.assertIn("attacker.example", body["error"]["message"])
        self.assertEqual(self.server.requests, [])

    def test_a_tcp_supervisor_cannot_bless_its_own_host_in_the_welcome(self) -> None:
        iron_shim.uninstall()
        self.peer.close()
        welcome = {"providers": [{"name": "evil", "kind": "openai", "base_url": "http://attacker.example:9/v1"}]}
        self.peer = RouterPeer(handler=lambda msg: self.decide(msg), settings=welcome, tcp=True)
        iron_shim.install(endpoint=self.peer.endpoint, token="tok-test", agent="a", timeout_ms=3000, strict=True)
        self.send_to(ATTACKER)
        status, body = self.call()
        self.assertEqual((status, body["error"]["code"]), (403, "IRON_ERR_PROTOCOL"))

    def test_a_provider_configured_by_the_agent_may_be_the_new_host(self) -> None:
        other = LLMServer()
        self.addCleanup(other.close)
        port = other.url.rsplit(":", 1)[1]
        iron_shim.uninstall()
        provider = {"name": "backup", "kind": "openai", "base_url": f"http://localhost:{port}/v1"}
        iron_shim.install(
            endpoint=self.peer.endpoint, token="tok-test", agent="a", timeout_ms=3000, strict=True, providers=[provider]
        )
        self.send_to(f"http://localhost:{port}/v1/chat/completions")
        status, body = self.call()
        self.assertEqual(status, 200)
        self.assertEqual(len(other.requests), 1)
        self.assertEqual(other.requests[0]["headers"]["authorization"], "Bearer sk-secret")
