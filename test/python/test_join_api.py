"""The shim's public API for agents that join a running supervisor: install() before the welcome
keeps providers only the welcome names, status() (connected, agent id, budget left), context()
across asyncio tasks and threads as documented, a refused token raising IronConnectionError with
IRON_ERR_AUTH while calls fail closed, the agent's default name, and the wheel's autoload hook."""
from __future__ import annotations

import asyncio
import contextvars
import json
import os
import tempfile
import threading
import unittest
import urllib.request
import zipfile
from typing import Any, Dict

import iron_shim

from .llm_server import LLMServer
from .router_peer import RouterPeer, decision
from .support import PYTHON_DIR, ShimTestCase, expand, has_module, load_vectors, vector_bytes
from iron_shim import codec, protocol
from iron_shim.decision_rules import retry_after
from iron_shim.agent_name import _program_name

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 16}


def post(url: str) -> int:
    """One chat completion through urllib; returns the status."""
    req = urllib.request.Request(
        url, data=json.dumps(CHAT).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            resp.read()
            return resp.status
    except urllib.error.HTTPError as err:
        return err.code


class Joining(unittest.TestCase):
    def setUp(self) -> None:
        self.server = LLMServer()
        self.addCleanup(self.server.close)
        self.addCleanup(iron_shim.uninstall)

    def peer(self, **settings: Any) -> RouterPeer:
        peer = RouterPeer(settings=settings)
        self.addCleanup(peer.close)
        return peer

    def test_a_call_before_the_welcome_waits_for_providers_only_the_welcome_names(self) -> None:
        local = {"name": "local", "kind": "openai", "base_url": self.server.url + "/v1"}
        peer = self.peer(providers=[local])
        peer.welcome_delay = 0.3
        iron_shim.install(endpoint=peer.endpoint, token="tok-test", agent="nb", wait=False, strict=True)
        self.assertEqual(post(self.server.url + "/v1/chat/completions"), 200)
        request = peer.wait_for("llm.request")[0]
        self.assertEqual((request["provider"], request["endpoint"]), ("local", "chat.completions"))
        self.assertTrue(iron_shim.status()["connected"])

    @unittest.skipUnless(has_module("aiohttp"), "aiohttp is not installed")
    def test_an_async_call_before_the_welcome_waits_without_blocking_the_loop(self) -> None:
        import aiohttp

        local = {"name": "local", "kind": "openai", "base_url": self.server.url + "/v1"}
        peer = self.peer(providers=[local])
        peer.welcome_delay = 0.3
        iron_shim.install(endpoint=peer.endpoint, token="tok-test", agent="nb", wait=False, strict=True)
        ticks = []

        async def ticker() -> None:
            while True:
                ticks.append(1)
                await asyncio.sleep(0.02)

        async def main() -> int:
            task = asyncio.ensure_future(ticker())
            async with aiohttp.ClientSession() as session:
                async with session.post(self.server.url + "/v1/chat/completions", json=CHAT) as resp:
                    await resp.read()
            task.cancel()
            return resp.status

        self.assertEqual(asyncio.run(main()), 200)
        self.assertEqual(peer.wait_for("llm.request")[0]["provider"], "local")
        self.assertGreater(len(ticks), 1)  # the loop ran while the call waited for the welcome

    def test_status_reports_the_agent_id_and_the_budget_left(self) -> None:
        budget = {"scope": "agent:nb", "limit": 50_000, "spent": 10_000, "reserved": 0, "left": 40_000}
        peer = self.peer()
        peer.welcome_extra = {"budget": budget}
        peer.handler = lambda m: decision(m, budget=dict(budget, spent=12_500, left=37_500))
        self.assertEqual(iron_shim.status()["state"], "uninstalled")
        iron_shim.install(endpoint=peer.endpoint, token="tok-test", agent="nb", strict=True)
        status = iron_shim.status()
        self.assertEqual(
            (status["installed"], status["connected"], status["agent"], status["session"]), (True, True, "nb", "s-test")
        )
        self.assertEqual(
            status["budget"],
            {"scope": "agent:nb", "limit_usd": 0.05, "spent_usd": 0.01, "reserved_usd": 0.0, "left_usd": 0.04},
        )
        self.assertEqual(status["budget_left_usd"], 0.04)
        self.assertEqual(post(self.server.url + "/v1/chat/completions"), 200)
        self.assertEqual(iron_shim.status()["budget_left_usd"], 0.0375)
        peer.handler = lambda m: decision(m, budget=None)
        post(self.server.url + "/v1/chat/completions")
        self.assertIsNone(iron_shim.status()["budget"])

    def test_a_refused_token_raises_iron_connection_error_and_calls_fail_closed(self) -> None:
        peer = self.peer()
        with self.assertRaises(iron_shim.IronConnectionError) as caught:
            iron_shim.install(endpoint=peer.endpoint, token="not-the-token", agent="nb", strict=True)
        self.assertEqual(caught.exception.code, "IRON_ERR_AUTH")
        self.assertIsInstance(caught.exception, iron_shim.IronError)
        self.assertEqual(iron_shim.status()["state"], "rejected")
        self.assertEqual(post(self.server.url + "/v1/chat/completions"), 503)
        self.assertEqual(self.server.requests, [])
        iron_shim.uninstall()
        with self.assertRaises(iron_shim.IronConnectionError) as missing:
            iron_shim.install(endpoint=peer.endpoint, agent="nb", strict=True)
        self.assertIn("no token: pass install(token=...) or set IRON_TOKEN", str(missing.exception))


class Attribution(ShimTestCase):
    """context() is contextvars-based: asyncio tasks inherit it; a thread does not, unless run in a copy."""

    def attrs(self) -> list:
        return [m["attrs"] for m in self.peer.of_type("llm.request")]

    def url(self) -> str:
        return self.server.url + "/v1/chat/completions"

    def test_asyncio_tasks_inherit_it_and_nest_their_own(self) -> None:
        async def worker(n: int) -> None:
            with iron_shim.context(task=f"t{n}"):
                await asyncio.to_thread(post, self.url())

        async def main() -> None:
            with iron_shim.context(user="u42"):
                await asyncio.gather(*(worker(n) for n in range(3)))

        asyncio.run(main())
        self.assertEqual(sorted(a["task"] for a in self.attrs()), ["t0", "t1", "t2"])
        self.assertTrue(all(a["user"] == "u42" for a in self.attrs()))

    def test_a_thread_starts_without_it_unless_given_a_copy_or_the_decorator(self) -> None:
        @iron_shim.context(job="nightly")
        def decorated() -> None:
            post(self.url())

        with iron_shim.context(user="u7"):
            plain = threading.Thread(target=post, args=(self.url(),))
            copied = threading.Thread(target=contextvars.copy_context().run, args=(post, self.url()))
            for thread in (plain, copied):
                thread.start()
                thread.join()
        with_decorator = threading.Thread(target=decorated)
        with_decorator.start()
        with_decorator.join()
        self.assertEqual(len(self.attrs()), 3)
        self.assertIn({}, self.attrs())
        self.assertIn({"user": "u7"}, self.attrs())
        self.assertIn({"job": "nightly"}, self.attrs())

    def test_values_become_strings_and_none_removes_an_inherited_key(self) -> None:
        with iron_shim.context(user="u1", tier=3):
            with iron_shim.context(user=None, task="x"):
                post(self.url())
        self.assertEqual(self.attrs(), [{"tier": "3", "task": "x"}])


class Naming(unittest.TestCase):
    def test_the_default_name_is_the_programs_from_the_interpreters_command_line(self) -> None:
        self.assertEqual(_program_name(["-u", "-m", "iron_shim", "/srv/agent.py", "--x"]), "agent")
        self.assertEqual(_program_name(["-m", "iron_shim", "-m", "pkg.worker"]), "pkg.worker")
        self.assertEqual(_program_name(["-X", "dev", "-W", "ignore", "bot.py"]), "bot")
        self.assertEqual(_program_name(["-m", "mypkg", "a"]), "mypkg")
        self.assertIsNone(_program_name(["-c", "print(1)"]))

    def test_retry_after_reads_milliseconds_seconds_and_dates(self) -> None:
        def header(values: Dict[str, str]):
            return lambda name: values.get(name)

        self.assertEqual(retry_after(header({"retry-after-ms": "250", "retry-after": "9"})), 0.25)
        self.assertEqual(retry_after(header({"retry-after": "12"})), 12.0)
        self.assertEqual(retry_after(header({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"})), 0.0)
        self.assertIsNone(retry_after(header({"retry-after": "soon"})))
        self.assertIsNone(retry_after(header({})))


class Wheel(unittest.TestCase):
    def test_the_wheel_ships_the_autoload_hook_and_the_typing_marker(self) -> None:
        import importlib.util

        spec = importlib.util.spec_from_file_location(
            "iron_backend", os.path.join(PYTHON_DIR, "iron_build", "backend.py")
        )
        backend = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        spec.loader.exec_module(backend)  # type: ignore[union-attr]
        out = tempfile.mkdtemp(prefix="iron-wheel-")
        name = backend.build_wheel(out)
        with zipfile.ZipFile(os.path.join(out, name)) as wheel:
            names = wheel.namelist()
            pth = wheel.read("iron_shim.pth").decode()
            record = wheel.read("iron_shim-0.1.0.dist-info/RECORD").decode()
        self.assertIn("iron_shim/py.typed", names)
        self.assertIn("iron_shim.pth,sha256=", record)
        self.assertEqual(pth.count("\n"), 1)
        self.assertTrue(pth.startswith('import os; os.environ.get("IRON_ENDPOINT") and '))


class Vectors(unittest.TestCase):
    """The fields this API added to the wire, against protocol/vectors/messages.json."""

    def vector(self, name: str) -> Any:
        found = [v for v in load_vectors("messages") if v["name"] == name][0]
        return vector_bytes(found["hex"]), expand(found["value"])

    def test_the_welcome_budget_and_the_decision_deadline_are_read(self) -> None:
        raw, _ = self.vector("welcome with budget")
        welcome = protocol.parse_welcome(protocol.parse_incoming(raw))
        self.assertEqual(
            welcome.budget,
            {
                "scope": "agent:notebook-2@day:2026-11-27",
                "limit": 500000,
                "spent": 123456,
                "reserved": 6400,
                "left": 370144,
            },
        )
        raw, _ = self.vector("decision allow with deadline and budget")
        msg = protocol.parse_incoming(raw)
        self.assertEqual(protocol.parse_decision(msg, protocol.REQUEST_ACTIONS).timeout_ms, 120000)
        self.assertEqual(protocol.parse_budget(msg["budget"])["left"], 4997530)
        self.assertIsNone(protocol.parse_budget({"scope": "global", "limit": "lots"}))

    def test_an_llm_response_with_retry_after_is_built_byte_for_byte(self) -> None:
        raw, value = self.vector("llm.response 429 with retry_after")
        built = protocol.llm_response(
            value["id"],
            value["call"],
            429,
            None,
            "",
            value["body"],
            3.25,
            False,
            True,
            "slow down",
            None,
            None,
            retry_after=1.5,
        )
        self.assertEqual(codec.packb(built), raw)
