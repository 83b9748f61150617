"""SHA-256, HMAC-SHA256 and a constant-time compare for the handshake, without hashlib and hmac.

hashlib and hmac load OpenSSL's libcrypto (about 10 ms and a few MiB in every agent that never
opens a TLS connection). CPython's own SHA-256 (_sha256 up to 3.11, _sha2 from 3.12) and
_operator's constant-time compare are all the handshake needs; hashlib stands in where a build
lacks them. HMAC is RFC 2104, as hmac.py computes it.
"""
from __future__ import annotations

try:
    from _sha256 import sha256  # CPython 3.9-3.11
except ImportError:  # pragma: no cover - depends on the interpreter
    try:
        from _sha2 import sha256  # type: ignore[no-redef]  # CPython 3.12+
    except ImportError:
        from hashlib import sha256  # type: ignore[no-redef]
try:
    from _operator import _compare_digest as compare_digest
except ImportError:  # pragma: no cover - depends on the interpreter
    from hmac import compare_digest

_BLOCK = 64
_INNER = bytes(x ^ 0x36 for x in range(256))
_OUTER = bytes(x ^ 0x5C for x in range(256))


def hmac_sha256(key: bytes, msg: bytes) -> bytes:
    """HMAC-SHA256(key, msg): the same bytes as hmac.new(key, msg, hashlib.sha256).digest()."""
    if len(key) > _BLOCK:
        key = sha256(key).digest()
    key = key.ljust(_BLOCK, b"\0")
    inner = sha256(key.translate(_INNER) + msg).digest()
    return sha256(key.translate(_OUTER) + inner).digest()


__all__ = ["sha256", "hmac_sha256", "compare_digest"]
