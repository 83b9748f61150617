"""Protects the shim's start-up cost (issue 14 item 4): an injected `python -c pass` that joins a
supervisor imports neither typing (it pulls re and enum) nor hashlib/hmac (OpenSSL's libcrypto) nor
signal; the handshake's own HMAC-SHA256 is the standard one; the NamedTuple stand-in builds the
same records typing's would."""
from __future__ import annotations

import hashlib
import hmac
import os
import subprocess
import sys
import unittest
from typing import NamedTuple

from .router_peer import RouterPeer
from .support import PYTHON_DIR
from iron_shim import named_tuple
from iron_shim.sha256 import compare_digest, hmac_sha256

BOOT_DIR = os.path.join(PYTHON_DIR, "iron_shim", "_boot")
#: Modules the shim must not load before the agent's code runs (each costs milliseconds).
HEAVY = (
    "typing",
    "re",
    "enum",
    "socket",
    "selectors",
    "hashlib",
    "hmac",
    "_hashlib",
    "signal",
    "json",
    "ssl",
    "asyncio",
)


class InjectedStartUp(unittest.TestCase):
    def test_a_joined_python_c_pass_loads_none_of_the_heavy_modules(self) -> None:
        peer = RouterPeer(token="iron_join_start-up-token-0123456789")
        self.addCleanup(peer.close)
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": os.pathsep.join([BOOT_DIR, PYTHON_DIR]),
            "IRON_ENDPOINT": peer.endpoint,
            "IRON_TOKEN": peer.token,
            "IRON_AGENT_ID": "start-up",
        }
        code = "import sys; print(sys.modules.get('iron_shim.runtime') is not None, *sorted(sys.modules))"
        plain = subprocess.run([sys.executable, "-c", code], env={"PATH": env["PATH"]}, capture_output=True, text=True)
        joined = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=30)
        self.assertEqual(joined.returncode, 0, joined.stderr)
        installed, *modules = joined.stdout.split()
        self.assertEqual(installed, "True")
        already = set(plain.stdout.split())  # what this interpreter loads anyway (site, a distro's hooks)
        self.assertEqual([m for m in HEAVY if m in modules and m not in already], [])


class OwnHmac(unittest.TestCase):
    def test_hmac_sha256_is_the_standard_one_for_short_exact_and_long_keys(self) -> None:
        for size in (0, 1, 32, 63, 64, 65, 200):
            key, msg = os.urandom(size), os.urandom(97)
            self.assertEqual(hmac_sha256(key, msg), hmac.new(key, msg, hashlib.sha256).digest(), size)

    def test_compare_digest_tells_equal_from_different(self) -> None:
        self.assertTrue(compare_digest(b"x" * 32, b"x" * 32))
        self.assertFalse(compare_digest(b"x" * 32, b"x" * 31 + b"y"))


class Record(named_tuple.NamedTuple):
    """A record."""

    name: str
    size: int = 0

    def twice(self) -> int:
        return self.size * 2


class Typed(NamedTuple):
    name: str
    size: int = 0


class NamedTupleStandIn(unittest.TestCase):
    def test_it_builds_what_typing_builds(self) -> None:
        self.assertEqual(Record._fields, Typed._fields)
        self.assertEqual(Record._field_defaults, Typed._field_defaults)
        self.assertEqual(Record("a"), ("a", 0))
        self.assertEqual(Record("a", 2).twice(), 4)
        self.assertEqual(Record("a")._replace(size=3).size, 3)
        self.assertEqual(Record.__doc__, "A record.")
        self.assertEqual(Record.__module__, __name__)
        self.assertTrue(issubclass(Record, tuple))

    def test_a_field_without_default_after_one_with_fails_as_in_typing(self) -> None:
        with self.assertRaises(TypeError):

            class Bad(named_tuple.NamedTuple):
                a: int = 0
                b: int


if __name__ == "__main__":
    unittest.main()
