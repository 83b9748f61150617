"""The package is typed for its users: code using the public API passes `mypy --strict` against
it (py.typed, annotations, the Status typed dict), and misuse is caught — so the annotations are
really seen, not Any. Runs where mypy is installed (Debian's python3-mypy, which the test command
installs)."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import unittest

from .support import PYTHON_DIR, has_module

GOOD = """
import iron_shim
from iron_shim import BudgetStatus, IronConnectionError, PolicyDenied, Status

iron_shim.install(endpoint="ipc:///run/iron.sock", token="t", agent="a", wait=False, timeout_ms=100)
status: Status = iron_shim.status()
left: float = status["budget_left_usd"] or 0.0
budget: "BudgetStatus | None" = status["budget"]
with iron_shim.context(user="u42", tier=3):
    pass

@iron_shim.context(task="x")
def f(a: int) -> str:
    return str(a)

@iron_shim.context(task="y")
async def g(a: int) -> int:
    return a

text: str = f(1)
try:
    pass
except PolicyDenied as denied:
    code: str = denied.code
    wait = denied.retry_after
except IronConnectionError as refused:
    print(refused.code)
iron_shim.uninstall()
"""

BAD = """
import iron_shim

iron_shim.install(endpoint=5)
connected: str = iron_shim.status()["connected"]
iron_shim.status()["nope"]
"""


def mypy(source: str) -> subprocess.CompletedProcess:
    """mypy --strict on one user file, with the package on MYPYPATH (its own internals silenced)."""
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(source)
    env = dict(os.environ, MYPYPATH=PYTHON_DIR)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--follow-imports=silent",
            "--python-version",
            "3.9",
            "--no-incremental",
            "--cache-dir",
            os.devnull,
            f.name,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@unittest.skipUnless(has_module("mypy"), "mypy is not installed")
class Typed(unittest.TestCase):
    def test_code_using_the_public_api_passes_strict_type_checking(self) -> None:
        result = mypy(GOOD)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def test_misuse_is_caught(self) -> None:
        out = mypy(BAD).stdout
        self.assertIn('Argument "endpoint" to "install" has incompatible type "int"', out)
        self.assertIn('Incompatible types in assignment (expression has type "bool", variable has type "str")', out)
        self.assertIn('TypedDict "Status" has no key "nope"', out)

    def test_the_package_carries_its_typing_marker(self) -> None:
        self.assertTrue(os.path.isfile(os.path.join(PYTHON_DIR, "iron_shim", "py.typed")))
