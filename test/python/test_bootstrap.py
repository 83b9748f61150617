"""Injection in real Python processes: sitecustomize chaining, import hook, python -m iron_shim, children,
the orphan guard. Each test spawns the interpreter running the suite with a tiny fixture agent."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import unittest
from typing import Dict, List, Optional

from .llm_server import LLMServer
from .router_peer import RouterPeer
from .support import FIXTURES, PYTHON_DIR

BOOT_DIR = os.path.join(PYTHON_DIR, "iron_shim", "_boot")


def agent_env(endpoint: Optional[str], extra_path: Optional[str] = None, **extra: str) -> Dict[str, str]:
    """The environment `iron run` gives an agent: boot dir first on PYTHONPATH, then the shim, then the user's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("IRON_") and k != "PYTHONPATH"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (BOOT_DIR, PYTHON_DIR, extra_path) if p)
    env["PYTHONUNBUFFERED"] = "1"
    if endpoint:
        env.update(IRON_ENDPOINT=endpoint, IRON_TOKEN="tok-test", IRON_AGENT_ID="agent-sub", IRON_SHIM_STRICT="1")
    env.update(extra)
    return env


def run(args: List[str], env: Dict[str, str], timeout: float = 30) -> subprocess.CompletedProcess:
    """Runs the suite's interpreter with args."""
    return subprocess.run([sys.executable] + args, env=env, capture_output=True, text=True, timeout=timeout)


def last_json(text: str) -> dict:
    """The last JSON line a fixture printed."""
    lines = [line for line in text.splitlines() if line.startswith("{")]
    return json.loads(lines[-1])


class Sitecustomize(unittest.TestCase):
    def setUp(self) -> None:
        self.peer = RouterPeer()
        self.addCleanup(self.peer.close)
        self.user_dir = tempfile.mkdtemp(prefix="iron-user-site-")

    def write_user_site(self, body: str) -> None:
        with open(os.path.join(self.user_dir, "sitecustomize.py"), "w") as f:
            f.write(body)

    def test_installs_the_shim_then_runs_the_users_sitecustomize_once(self) -> None:
        self.write_user_site("import sys\nUSER_MARKER = 'ran'\nsys.stderr.write('user-site\\n')\n")
        proc = run([os.path.join(FIXTURES, "report_boot.py")], agent_env(self.peer.endpoint, self.user_dir))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        report = last_json(proc.stdout)
        self.assertTrue(report["installed"])
        self.assertEqual(report["user_marker"], "ran")
        self.assertTrue(report["sitecustomize"].startswith(self.user_dir))
        self.assertEqual(proc.stderr.count("user-site"), 1)
        self.assertFalse(report["httpx_loaded"] or report["urllib_request_loaded"], "the shim imported a library")
        self.assertEqual(self.peer.wait_for("hello")[0]["agent"], "agent-sub")

    def test_without_an_endpoint_nothing_is_installed_but_the_user_site_still_runs(self) -> None:
        self.write_user_site("USER_MARKER = 'ran'\n")
        proc = run([os.path.join(FIXTURES, "report_boot.py")], agent_env(None, self.user_dir))
        report = last_json(proc.stdout)
        self.assertEqual((report["installed"], report["user_marker"]), (False, "ran"))

    def test_a_failing_user_sitecustomize_is_reported_like_python_does_and_the_agent_runs(self) -> None:
        self.write_user_site("raise RuntimeError('user bug')\n")
        proc = run([os.path.join(FIXTURES, "report_boot.py")], agent_env(self.peer.endpoint, self.user_dir))
        self.assertEqual(proc.returncode, 0)
        self.assertIn("Error in sitecustomize", proc.stderr)
        self.assertIn("user bug", proc.stderr)
        self.assertTrue(last_json(proc.stdout)["installed"])

    def test_an_unreachable_supervisor_never_stops_the_agent_from_starting(self) -> None:
        env = agent_env("ipc:///nonexistent/iron.sock")
        proc = run([os.path.join(FIXTURES, "report_boot.py")], env)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertTrue(last_json(proc.stdout)["installed"])


class GovernedProcesses(unittest.TestCase):
    def setUp(self) -> None:
        self.server = LLMServer()
        self.addCleanup(self.server.close)
        self.peer = RouterPeer()
        self.addCleanup(self.peer.close)

    def test_library_imported_after_boot_is_patched_by_the_import_hook(self) -> None:
        proc = run([os.path.join(FIXTURES, "llm_call_urllib.py"), self.server.url], agent_env(self.peer.endpoint))
        out = last_json(proc.stdout)
        self.assertEqual((out["status"], out["patched"]), (200, True), proc.stderr)
        request = self.peer.wait_for("llm.request")[0]
        self.assertEqual((request["library"], request["endpoint"]), ("urllib", "chat.completions"))
        self.assertEqual(self.peer.wait_for("bye")[0]["reason"], "exit")

    def test_python_dash_m_iron_shim_runs_the_script_as_main(self) -> None:
        env = agent_env(self.peer.endpoint)
        env["PYTHONPATH"] = PYTHON_DIR  # no sitecustomize: __main__ installs the shim
        proc = run(["-m", "iron_shim", os.path.join(FIXTURES, "llm_call_urllib.py"), self.server.url, "x"], env)
        out = last_json(proc.stdout)
        self.assertEqual(
            (out["status"], out["argv"], out["name"], out["patched"]),
            (200, [self.server.url, "x"], "__main__", True),
            proc.stderr,
        )
        self.peer.wait_for("llm.request")

    def test_child_processes_are_governed_and_name_their_parent(self) -> None:
        proc = run([os.path.join(FIXTURES, "spawn_child_llm_call.py"), self.server.url], agent_env(self.peer.endpoint))
        self.assertEqual(last_json(proc.stdout)["status"], 200, proc.stderr)
        parent_pid = int(proc.stdout.strip().splitlines()[-1])
        hellos = self.peer.wait_for("hello", 2)
        self.assertEqual(sorted(str(h["parent_pid"]) for h in hellos), sorted(["None", str(parent_pid)]))
        child = [h for h in hellos if h["parent_pid"] == parent_pid][0]
        self.assertNotEqual(child["pid"], parent_pid)


class OrphanExit(unittest.TestCase):
    def stop(self, proc: subprocess.Popen) -> None:
        """Kills the fixture if it still runs and closes its pipes."""
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()

    def start(self, **extra: str) -> subprocess.Popen:
        self.peer = RouterPeer()
        env = agent_env(self.peer.endpoint, IRON_ORPHAN_EXIT_MS="300", **extra)
        proc = subprocess.Popen(
            [sys.executable, os.path.join(FIXTURES, "idle_forever.py")],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.addCleanup(self.stop, proc)
        self.assertEqual(proc.stdout.readline().strip(), "ready")
        self.peer.wait_for("hello")
        self.peer.close()  # the supervisor disappears for good
        return proc

    def test_a_spawned_agent_exits_when_the_supervisor_is_gone(self) -> None:
        proc = self.start(IRON_SPAWNED="1")
        started = time.monotonic()
        code = proc.wait(timeout=10)
        self.assertEqual(code, 75)
        self.assertLess(time.monotonic() - started, 5)
        self.assertIn("IRON_SPAWNED=1", proc.stderr.read())

    def test_an_agent_that_joined_on_its_own_keeps_running(self) -> None:
        proc = self.start()
        time.sleep(1.0)
        self.assertIsNone(proc.poll())


if __name__ == "__main__":
    unittest.main()
