"""`python -m iron_shim` as the way a plain script joins a running supervisor: it refuses to run
ungoverned when IRON_ENDPOINT is missing, runs a script or a module (`-m`) as __main__, and the
agent says hello with the script's or module's name when IRON_AGENT_ID is not set."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import unittest
from typing import Dict, List

from .llm_server import LLMServer
from .router_peer import RouterPeer
from .support import FIXTURES, PYTHON_DIR


def env_for(endpoint: str = "") -> Dict[str, str]:
    """A plain environment: the shim importable (not injected), no IRON_* but the endpoint and token."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("IRON_") and k != "PYTHONPATH"}
    env.update(PYTHONPATH=PYTHON_DIR, PYTHONUNBUFFERED="1")
    if endpoint:
        env.update(IRON_ENDPOINT=endpoint, IRON_TOKEN="tok-test", IRON_SHIM_STRICT="1")
    return env


def run(args: List[str], env: Dict[str, str], cwd: str = FIXTURES) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "iron_shim"] + args, env=env, cwd=cwd, capture_output=True, text=True, timeout=30
    )


class PythonDashM(unittest.TestCase):
    def setUp(self) -> None:
        self.peer = RouterPeer()
        self.addCleanup(self.peer.close)
        self.server = LLMServer()
        self.addCleanup(self.server.close)

    def test_a_script_joins_under_its_own_name(self) -> None:
        proc = run([os.path.join(FIXTURES, "llm_call_urllib.py"), self.server.url], env_for(self.peer.endpoint))
        self.assertEqual(json.loads(proc.stdout.splitlines()[-1])["status"], 200, proc.stderr)
        self.assertEqual(self.peer.wait_for("hello")[0]["agent"], "llm_call_urllib")
        self.peer.wait_for("llm.request")

    def test_a_module_runs_as_main_and_joins_under_its_name(self) -> None:
        proc = run(["-m", "llm_call_urllib", self.server.url, "x"], env_for(self.peer.endpoint))
        out = json.loads(proc.stdout.splitlines()[-1])
        self.assertEqual(
            (out["status"], out["name"], out["argv"], out["patched"]),
            (200, "__main__", [self.server.url, "x"], True),
            proc.stderr,
        )
        self.assertEqual(self.peer.wait_for("hello")[0]["agent"], "llm_call_urllib")

    def test_without_an_endpoint_it_refuses_to_run_the_script_ungoverned(self) -> None:
        proc = run([os.path.join(FIXTURES, "llm_call_urllib.py"), self.server.url], env_for())
        self.assertEqual(proc.returncode, 2)
        self.assertIn("IRON_ENDPOINT is not set", proc.stderr)
        self.assertEqual((proc.stdout, self.server.requests), ("", []))

    def test_usage_errors(self) -> None:
        self.assertEqual(run([], env_for()).returncode, 2)
        self.assertEqual(run(["-m"], env_for(self.peer.endpoint)).returncode, 2)
        self.assertEqual(run(["missing.py"], env_for(self.peer.endpoint)).returncode, 2)
        helped = run(["--help"], env_for())
        self.assertEqual(helped.returncode, 0)
        self.assertIn("python -m iron_shim -m module", helped.stderr)
