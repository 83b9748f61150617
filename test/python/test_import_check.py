"""scripts/check-python-imports.py: the shim has no import circles, and a circle fails with its path."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "scripts", "check-python-imports.py")


def check(package: str) -> "subprocess.CompletedProcess[str]":
    """Runs the checker on a package directory."""
    return subprocess.run([sys.executable, SCRIPT, package], capture_output=True, text=True, timeout=60)


def write(folder: str, name: str, text: str) -> None:
    """One module of a throw-away package."""
    path = os.path.join(folder, name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


class ImportCheckTest(unittest.TestCase):
    def test_the_shim_has_no_import_circle(self) -> None:
        result = check(os.path.join(ROOT, "python", "iron_shim"))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("no circles", result.stdout)

    def test_a_circle_through_a_lazy_import_and_a_subpackage_fails_naming_it(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            pkg = os.path.join(tmp, "pkg")
            write(pkg, "__init__.py", "")
            write(pkg, "runtime.py", "def f():\n    from .plugins import hook\n")
            write(pkg, "plugins/__init__.py", "from . import hook\n")
            write(pkg, "plugins/hook.py", "from .. import runtime\n")
            write(pkg, "leaf.py", "from . import runtime\n")
            result = check(pkg)
        self.assertEqual(result.returncode, 1)
        self.assertIn("circle: pkg.plugins.hook -> pkg.runtime -> pkg.plugins.hook", result.stderr)
        self.assertNotIn("pkg.leaf", result.stderr)

    def test_a_type_checking_import_counts(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            pkg = os.path.join(tmp, "pkg")
            write(pkg, "__init__.py", "")
            write(pkg, "a.py", "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .b import B\n")
            write(pkg, "b.py", "from .a import A\n")
            result = check(pkg)
        self.assertEqual(result.returncode, 1)
        self.assertIn("circle: pkg.a -> pkg.b -> pkg.a", result.stderr)


if __name__ == "__main__":
    unittest.main()
