"""Pure ZMTP 3.1 pieces (NULL mechanism): greeting, commands, frames and an incremental parser."""
from __future__ import annotations

import os
import struct

from .errors import ProtocolError
from .named_tuple import NamedTuple

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up (see named_tuple.py)
if TYPE_CHECKING:
    from typing import Dict, List, Optional, Tuple

GREETING_SIZE = 64
#: Largest frame the shim sends or accepts (SPEC.md MAX_MESSAGE_BYTES); bigger closes the connection.
MAX_FRAME_BYTES = 16 * 1024 * 1024

FLAG_MORE = 0x01
FLAG_LONG = 0x02
FLAG_COMMAND = 0x04

_SIGNATURE_HEAD = b"\xff"
_SIGNATURE_TAIL = 0x7F
_MECHANISM_NULL = b"NULL".ljust(20, b"\x00")
#: Our greeting: signature, version 3.1, mechanism NULL, as-server 0, zero filler.
GREETING = b"\xff" + b"\x00" * 8 + b"\x7f" + b"\x03\x01" + _MECHANISM_NULL + b"\x00" + b"\x00" * 31

_LONG = struct.Struct(">Q")
_SHORT_HEADER = struct.Struct(">BB").pack
_LONG_HEADER = struct.Struct(">BQ").pack
_PROP_LEN = struct.Struct(">I")
_TTL = struct.Struct(">H")


class Greeting(NamedTuple):
    """What a peer's 64-byte greeting says."""

    major: int
    minor: int
    mechanism: str
    as_server: bool


class Frame(NamedTuple):
    """One parsed frame: a message part (command is None) or a command (name, data)."""

    more: bool
    command: Optional[str]
    body: bytes


def build_greeting(as_server: bool = False) -> bytes:
    """Our 64-byte greeting; the server role exists only for the test ROUTER peer."""
    if not as_server:
        return GREETING
    return GREETING[:32] + b"\x01" + GREETING[33:]


def parse_greeting(data: bytes) -> Greeting:
    """Validates a peer greeting (signature, major >= 3, mechanism NULL) with clear errors."""
    if len(data) < GREETING_SIZE:
        raise ProtocolError(f"zmtp: greeting is {GREETING_SIZE} bytes, got {len(data)}")
    if data[0:1] != _SIGNATURE_HEAD or data[9] & 0x7F != _SIGNATURE_TAIL:
        raise ProtocolError(f"zmtp: bad greeting signature {data[:10].hex()} (expected ff...7f): not a ZMTP peer")
    major, minor = data[10], data[11]
    if major < 3:
        raise ProtocolError(f"zmtp: peer speaks ZMTP {major}.{minor}, expected 3.x or newer")
    mechanism = bytes(data[12:32]).rstrip(b"\x00").decode("ascii", "replace")
    if mechanism != "NULL":
        raise ProtocolError(f"zmtp: peer security mechanism is {mechanism!r}, expected 'NULL'")
    return Greeting(major, minor, mechanism, bool(data[32] & 1))


def new_identity() -> bytes:
    """A fresh random 16-byte routing identity whose first byte is non-zero (libzmq reserves 0)."""
    ident = bytearray(os.urandom(16))
    if ident[0] == 0:
        ident[0] = 1
    return bytes(ident)


def encode_frame(body: bytes, more: bool = False) -> bytes:
    """Encodes one message frame, short or long by size."""
    n = len(body)
    if n > MAX_FRAME_BYTES:
        raise ProtocolError(f"zmtp: frame of {n} bytes exceeds the {MAX_FRAME_BYTES}-byte maximum")
    flags = FLAG_MORE if more else 0
    if n <= 255:
        return _SHORT_HEADER(flags, n) + body
    return _LONG_HEADER(flags | FLAG_LONG, n) + body


def encode_command(name: str, data: bytes = b"") -> bytes:
    """Encodes a command frame: name length, name, command data."""
    raw = name.encode("ascii")
    payload = bytes([len(raw)]) + raw + data
    n = len(payload)
    if n <= 255:
        return _SHORT_HEADER(FLAG_COMMAND, n) + payload
    return _LONG_HEADER(FLAG_COMMAND | FLAG_LONG, n) + payload


def encode_properties(props: Dict[str, bytes]) -> bytes:
    """Encodes READY metadata: 1-byte name length + ASCII name, 4-byte value length + value."""
    out = bytearray()
    for name, value in props.items():
        raw = name.encode("ascii")
        out.append(len(raw))
        out += raw
        out += _PROP_LEN.pack(len(value))
        out += value
    return bytes(out)


def parse_properties(data: bytes) -> Dict[str, bytes]:
    """Decodes READY metadata, refusing truncated or overlong entries."""
    props: Dict[str, bytes] = {}
    pos, length = 0, len(data)
    while pos < length:
        n = data[pos]
        pos += 1
        if n == 0 or pos + n + 4 > length:
            raise ProtocolError(f"zmtp: truncated or empty property name at offset {pos - 1}")
        name = bytes(data[pos : pos + n]).decode("ascii", "replace")
        pos += n
        size = _PROP_LEN.unpack_from(data, pos)[0]
        pos += 4
        if pos + size > length:
            raise ProtocolError(f"zmtp: property {name!r} claims {size} bytes, {length - pos} left")
        props[name] = bytes(data[pos : pos + size])
        pos += size
    return props


def build_ready(socket_type: str, identity: bytes) -> bytes:
    """The READY command we send: Socket-Type and Identity."""
    props = encode_properties({"Socket-Type": socket_type.encode("ascii"), "Identity": identity})
    return encode_command("READY", props)


def check_ready(frame: Frame, expected_type: str = "ROUTER") -> Dict[str, bytes]:
    """Validates the peer's handshake command: READY with the right Socket-Type (ERROR is raised)."""
    if frame.command == "ERROR":
        raise ProtocolError(f"zmtp: peer refused the handshake: {parse_error(frame.body)}")
    if frame.command != "READY":
        raise ProtocolError(f"zmtp: expected a READY command from the peer, got {frame.command or 'a message'}")
    props = parse_properties(frame.body)
    got = props.get("Socket-Type", b"").decode("ascii", "replace")
    if got.upper() != expected_type:
        raise ProtocolError(f"zmtp: peer Socket-Type is {got!r}, expected {expected_type!r}")
    return props


def build_ping(ttl_deciseconds: int, context: bytes = b"") -> bytes:
    """A PING command (TTL in deciseconds, optional context up to 16 bytes)."""
    return encode_command("PING", _TTL.pack(max(0, min(0xFFFF, ttl_deciseconds))) + context[:16])


def parse_ping(data: bytes) -> Tuple[int, bytes]:
    """Splits PING data into (ttl, context)."""
    if len(data) < 2:
        raise ProtocolError(f"zmtp: PING needs a 2-byte TTL, got {len(data)} bytes")
    return _TTL.unpack_from(data, 0)[0], bytes(data[2:])


def build_pong(context: bytes = b"") -> bytes:
    """A PONG command echoing a PING's context."""
    return encode_command("PONG", context)


def build_error(reason: str) -> bytes:
    """An ERROR command (used by the test peer)."""
    raw = reason.encode("utf-8")[:255]
    return encode_command("ERROR", bytes([len(raw)]) + raw)


def parse_error(data: bytes) -> str:
    """The reason text of an ERROR command."""
    if not data:
        return ""
    n = data[0]
    return bytes(data[1 : 1 + n]).decode("utf-8", "replace")


class FrameParser:
    """Incremental frame parser: feed any split of the byte stream, get whole frames back."""

    __slots__ = ("_buf", "max_frame")

    def __init__(self, max_frame: int = MAX_FRAME_BYTES) -> None:
        """Starts empty; max_frame bounds what a peer can make us allocate."""
        self._buf = bytearray()
        self.max_frame = max_frame

    def pending(self) -> int:
        """Bytes held waiting for the rest of a frame."""
        return len(self._buf)

    def feed(self, data: bytes) -> List[Frame]:
        """Appends bytes and returns every frame they complete; raises on a malformed frame."""
        buf = self._buf
        if not buf and len(data) >= 2 and data[0] == 0 and len(data) == data[1] + 2 and data[1] <= self.max_frame:
            return [Frame(False, None, bytes(data[2:]))]  # the common case: exactly one short, last message part
        buf += data
        frames: List[Frame] = []
        pos, length = 0, len(buf)
        while length - pos >= 2:
            flags = buf[pos]
            if flags & 0xF8:
                raise ProtocolError(f"zmtp: reserved flag bits set in frame flags 0x{flags:02x}")
            if flags & FLAG_LONG:
                if length - pos < 9:
                    break
                size = _LONG.unpack_from(buf, pos + 1)[0]
                start = pos + 9
            else:
                size = buf[pos + 1]
                start = pos + 2
            if size > self.max_frame:
                raise ProtocolError(f"zmtp: peer frame of {size} bytes exceeds the {self.max_frame}-byte maximum")
            end = start + size
            if end > length:
                break
            body = bytes(buf[start:end])
            pos = end
            if flags & FLAG_COMMAND:
                if flags & FLAG_MORE:
                    raise ProtocolError("zmtp: a command frame has the MORE flag set")
                frames.append(_command(body))
            else:
                frames.append(Frame(bool(flags & FLAG_MORE), None, body))
        if pos:
            del buf[:pos]
        return frames


def _command(body: bytes) -> Frame:
    """Splits a command frame body into its name and data."""
    if not body or body[0] + 1 > len(body):
        raise ProtocolError("zmtp: truncated command name")
    n = body[0]
    name = body[1 : 1 + n].decode("ascii", "replace")
    return Frame(False, name, body[1 + n :])
