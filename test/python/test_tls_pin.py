"""tls:// settings and pinning: IRON_TLS_FINGERPRINT in every form iron prints or openssl shows, a bad
one named with what was expected, and a pin mismatch refused with IRON_ERR_TLS_FINGERPRINT before
any ZMTP byte (a real TLS server on 127.0.0.1 that records what it receives)."""
from __future__ import annotations

import hashlib
import os
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import unittest

from . import support  # noqa: F401
from iron_shim import settings
from iron_shim.connection import Connection, parse_endpoint
from iron_shim.errors import TLS_FINGERPRINT, TlsPinError
from iron_shim.tls_pin import normalize_fingerprint

HEX = "0123456789abcdef" * 4


class Fingerprints(unittest.TestCase):
    def test_accepts_plain_colon_separated_upper_case_and_prefixed(self) -> None:
        colons = ":".join(HEX.upper()[i : i + 2] for i in range(0, 64, 2))
        for form in (HEX, colons, f"sha256:{HEX}", f"  {HEX.upper()}\n"):
            self.assertEqual(normalize_fingerprint(form), HEX)

    def test_settings_read_it_from_the_environment_and_name_a_bad_one(self) -> None:
        s = settings.from_env({"IRON_ENDPOINT": "tls://h:1", "IRON_TLS_FINGERPRINT": HEX.upper()})
        self.assertEqual((s.endpoint, s.tls_fingerprint), ("tls://h:1", HEX))
        bad = settings.from_env({"IRON_TLS_FINGERPRINT": "abc"})
        self.assertIsNone(bad.tls_fingerprint)
        self.assertIn("IRON_TLS_FINGERPRINT: expected a SHA-256 fingerprint", "\n".join(bad.warnings))

    def test_tls_endpoints_parse_like_tcp(self) -> None:
        self.assertEqual(parse_endpoint("tls://127.0.0.1:5555"), (socket.AF_INET, ("127.0.0.1", 5555)))
        with self.assertRaisesRegex(ValueError, "expected tls://<host>:<port>"):
            parse_endpoint("tls://nohost")


class Pinning(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempfile.TemporaryDirectory()
        cert, key = os.path.join(self.dir.name, "c.pem"), os.path.join(self.dir.name, "k.pem")
        subprocess.run(
            ["/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-days", "1", "-subj", "/CN=not-iron", "-keyout", key, "-out", cert],
            check=True, capture_output=True,
        )  # fmt: skip
        with open(cert) as f:
            self.fingerprint = hashlib.sha256(ssl.PEM_cert_to_DER_cert(f.read())).hexdigest()
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.received = bytearray()
        self.done = threading.Event()

        def serve() -> None:
            raw, _ = self.listener.accept()
            try:
                with context.wrap_socket(raw, server_side=True) as tls:
                    while True:
                        chunk = tls.recv(4096)
                        if not chunk:
                            break
                        self.received += chunk
            except (OSError, ssl.SSLError):
                pass
            finally:
                self.done.set()

        threading.Thread(target=serve, daemon=True).start()

    def tearDown(self) -> None:
        self.listener.close()
        self.dir.cleanup()

    def test_another_certificate_is_refused_and_sent_nothing(self) -> None:
        with self.assertRaises(TlsPinError) as caught:
            Connection.open(f"tls://127.0.0.1:{self.port}", time.monotonic() + 5, HEX)
        self.assertEqual(caught.exception.code, TLS_FINGERPRINT)
        self.assertIn(f"sha256 {self.fingerprint}, expected IRON_TLS_FINGERPRINT {HEX}", str(caught.exception))
        self.assertTrue(self.done.wait(5))
        self.assertEqual(bytes(self.received), b"")

    def test_the_pinned_certificate_gets_the_zmtp_greeting(self) -> None:
        with self.assertRaises(OSError):  # the server is no ROUTER: it never answers the greeting
            Connection.open(f"tls://127.0.0.1:{self.port}", time.monotonic() + 0.5, self.fingerprint)
        self.assertTrue(self.done.wait(5))
        self.assertEqual(bytes(self.received[:1]), b"\xff")


if __name__ == "__main__":
    unittest.main()
