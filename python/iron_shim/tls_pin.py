"""tls:// endpoints: TLS with the supervisor's certificate pinned by its SHA-256 fingerprint.

The certificate is self-signed, so no CA or host name is checked (CERT_NONE); the DER bytes the
server presents are hashed and compared, in constant time, with IRON_TLS_FINGERPRINT before a
single ZMTP byte is written. A mismatch raises IRON_ERR_TLS_FINGERPRINT and closes the socket.

The rest of the shim reads with MSG_DONTWAIT and sleeps on the descriptor (readiness.py), which a
TLS socket cannot offer (decrypted bytes wait inside OpenSSL, not on the descriptor), and an SSL
object must not be read and written by two threads at once. So one pump thread owns the TLS socket
and relays plain bytes through a socketpair; Connection keeps the other end as an ordinary socket.
"""
from __future__ import annotations

import hashlib
import hmac
import select
import socket
import ssl
import threading
import time
from typing import Optional

from .errors import TlsPinError

#: Plain bytes held for one direction before the pump stops reading the other side.
_HELD = 1 << 20
_CHUNK = 65536


def normalize_fingerprint(value: str) -> str:
    """64 lowercase hex digits from 'AB:CD:…', 'sha256:abcd…' or plain hex; ValueError otherwise."""
    text = value.strip().lower()
    if text.startswith("sha256:"):
        text = text[len("sha256:") :]
    text = text.replace(":", "")
    if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
        raise ValueError("a SHA-256 fingerprint: 64 hex digits (colons allowed), as iron serve prints it")
    return text


def _remaining(deadline: float) -> float:
    """Seconds left before the deadline, raising a timeout when none are."""
    left = deadline - time.monotonic()
    if left <= 0:
        raise socket.timeout("TLS handshake timed out")
    return left


def open_pinned(host: str, port: int, fingerprint: Optional[str], deadline: float) -> socket.socket:
    """Connects, runs the TLS handshake, checks the pin, and returns the plain end of the relay."""
    if not fingerprint:
        raise TlsPinError(
            f"tls://{host}:{port} needs the supervisor's certificate fingerprint: set IRON_TLS_FINGERPRINT "
            "(or install(tls_fingerprint=...)) to the sha256 iron serve prints; nothing was sent"
        )
    raw = socket.create_connection((host, port), timeout=_remaining(deadline))
    try:
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        tls = context.wrap_socket(raw, do_handshake_on_connect=False)
    except BaseException:
        raw.close()
        raise
    try:
        tls.settimeout(_remaining(deadline))
        tls.do_handshake()
        der = tls.getpeercert(binary_form=True) or b""
        got = hashlib.sha256(der).hexdigest()
        if not hmac.compare_digest(got, fingerprint):
            raise TlsPinError(
                f"the supervisor at tls://{host}:{port} presented a certificate with sha256 {got}, expected "
                f"IRON_TLS_FINGERPRINT {fingerprint}: not the real supervisor (or its certificate was replaced); "
                "nothing was sent to it"
            )
        ours, theirs = socket.socketpair()
    except BaseException:
        tls.close()
        raise
    tls.setblocking(False)
    theirs.setblocking(False)
    threading.Thread(target=_pump, args=(tls, theirs), name="iron-shim-tls", daemon=True).start()
    return ours


def _pump(tls: ssl.SSLSocket, plain: socket.socket) -> None:
    """Relays bytes both ways until either side ends; then closes both (the other side sees EOF)."""
    to_tls = bytearray()
    to_plain = bytearray()
    tls_open = plain_open = True
    try:
        while (tls_open or to_tls) and (plain_open or to_plain):
            if tls_open and len(to_plain) < _HELD and tls.pending():
                tls_open = _read_tls(tls, to_plain)
                continue
            readers = [
                s
                for s, ok in ((tls, tls_open and len(to_plain) < _HELD), (plain, plain_open and len(to_tls) < _HELD))
                if ok
            ]
            writers = [s for s, buf in ((tls, to_tls), (plain, to_plain)) if buf]
            readable, writable, _ = select.select(readers, writers, [])
            if tls in readable:
                tls_open = _read_tls(tls, to_plain)
            if plain in readable:
                plain_open = _read_plain(plain, to_tls)
            if tls in writable:
                _write(tls, to_tls)
            if plain in writable:
                _write(plain, to_plain)
            if not tls_open and not to_plain:
                break
            if not plain_open and not to_tls:
                break
    except (OSError, ValueError):
        pass
    finally:
        for sock in (tls, plain):
            try:
                sock.close()
            except OSError:
                pass


def _read_tls(tls: ssl.SSLSocket, into: bytearray) -> bool:
    """Decrypted bytes into the buffer; False at EOF."""
    try:
        data = tls.recv(_CHUNK)
    except (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError):
        return True
    if not data:
        return False
    into += data
    return True


def _read_plain(plain: socket.socket, into: bytearray) -> bool:
    """Bytes the shim wrote into the buffer; False at EOF."""
    try:
        data = plain.recv(_CHUNK)
    except (BlockingIOError, InterruptedError):
        return True
    if not data:
        return False
    into += data
    return True


def _write(sock: socket.socket, buf: bytearray) -> None:
    """Writes what the socket takes now and drops it from the buffer."""
    try:
        sent = sock.send(bytes(buf[:_CHUNK]))
    except (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError, InterruptedError):
        return
    del buf[:sent]
