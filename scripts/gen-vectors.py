#!/usr/bin/env python3
"""Generates protocol/vectors/*.json with Debian's python3-msgpack, a third, independent
encoder. Run once when the protocol changes (`/usr/bin/python3 scripts/gen-vectors.py`, with the notation in
vector_notation.py and the message cases in vector_messages.py);
the checked-in files are the contract both languages are tested against.

Compact notation (see protocol/SPEC.md section 5):
  hex: a string, or a list of [hex, count] segments concatenated
  {"$bin": hex}, {"$float": x}, {"$repeat_str": [s, n]}, {"$repeat_bin": [hex, n]},
  {"$repeat_array": [value, n]}
"""
import json
import os
import struct

from vector_auth import auth
from vector_messages import messages
from vector_notation import vec

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "protocol", "vectors")


def msgpack_vectors():
    v = []
    v += [vec("nil", None), vec("true", True), vec("false", False)]
    for n in [0, 1, 127]:
        v.append(vec(f"positive fixint {n}", n))
    for n in [128, 255]:
        v.append(vec(f"uint8 {n}", n))
    for n in [256, 65535]:
        v.append(vec(f"uint16 {n}", n))
    for n in [65536, 4294967295]:
        v.append(vec(f"uint32 {n}", n))
    for n in [4294967296, 9007199254740991]:
        v.append(vec(f"uint64 {n}", n))
    for n in [-1, -32]:
        v.append(vec(f"negative fixint {n}", n))
    for n in [-33, -128]:
        v.append(vec(f"int8 {n}", n))
    for n in [-129, -32768]:
        v.append(vec(f"int16 {n}", n))
    for n in [-32769, -2147483648]:
        v.append(vec(f"int32 {n}", n))
    for n in [-2147483649, -9007199254740991]:
        v.append(vec(f"int64 {n}", n))
    # Non-minimal integer encodings: decoders accept them, encoders never produce them.
    v.append(vec("uint8 holding 5 (non-minimal)", 5, False, "cc05"))
    v.append(vec("uint64 holding 1 (non-minimal)", 1, False, "cf0000000000000001"))
    v.append(vec("int8 holding 1 (non-minimal)", 1, False, "d001"))
    v.append(vec("int64 holding -1 (non-minimal)", -1, False, "d3ffffffffffffffff"))
    for x in [3.14, -1.5e300, 0.1, 2.5e-308, -0.5]:
        v.append(vec(f"float64 {x}", x))
    v.append(vec("float64 1.0 (integral; TypeScript encodes it as an int)", {"$float": 1.0}, False))
    v.append(vec("float32 1.5", 1.5, False, "ca" + struct.pack(">f", 1.5).hex()))
    v.append(vec("float32 -0.25", -0.25, False, "ca" + struct.pack(">f", -0.25).hex()))
    v.append(vec("fixstr empty", ""))
    v.append(vec("fixstr a", "a"))
    v.append(vec("fixstr 31 bytes", "x" * 31))
    v.append(vec("str8 32 bytes", "y" * 32))
    v.append(vec("str8 255 bytes", {"$repeat_str": ["z", 255]}))
    v.append(vec("str16 256 bytes", {"$repeat_str": ["s", 256]}))
    v.append(vec("str16 65535 bytes", {"$repeat_str": ["s", 65535]}))
    v.append(vec("str32 65536 bytes", {"$repeat_str": ["t", 65536]}))
    v.append(vec("str utf-8 multibyte", "h\u00e9llo \u2603 \U0001f600"))
    v.append(vec("str32 holding abc (non-minimal)", "abc", False, "db00000003616263"))
    v.append(vec("bin8 empty", {"$bin": ""}))
    v.append(vec("bin8 3 bytes", {"$bin": "00ff10"}))
    v.append(vec("bin8 255 bytes", {"$repeat_bin": ["ab", 255]}))
    v.append(vec("bin16 256 bytes", {"$repeat_bin": ["cd", 256]}))
    v.append(vec("bin32 65536 bytes", {"$repeat_bin": ["ef", 65536]}))
    v.append(vec("fixarray empty", []))
    v.append(vec("fixarray mixed", [1, "two", None, True, -3]))
    v.append(vec("fixarray 15", {"$repeat_array": [0, 15]}))
    v.append(vec("array16 16", {"$repeat_array": [1, 16]}))
    v.append(vec("array16 65535", {"$repeat_array": [None, 65535]}))
    v.append(vec("array32 65536", {"$repeat_array": [False, 65536]}))
    v.append(vec("array32 holding [1] (non-minimal)", [1], False, "dd0000000101"))
    v.append(vec("fixmap empty", {}))
    v.append(vec("fixmap 15", {f"k{i}": i for i in range(15)}))
    v.append(vec("map16 16", {f"k{i}": i for i in range(16)}))
    v.append(vec("map16 holding {a:1} (non-minimal)", {"a": 1}, False, "de0001a16101"))
    v.append(vec("map32 holding {a:1} (non-minimal)", {"a": 1}, False, "df00000001a16101"))
    v.append(vec("nested maps", {"a": {"b": {"c": [1, {"d": None}]}}, "e": [[], {}]}))
    return v


def zmtp():
    greeting = b"\xff" + b"\x00" * 8 + b"\x7f" + bytes([3, 1]) + b"NULL".ljust(20, b"\x00") + b"\x00" + b"\x00" * 31
    assert len(greeting) == 64

    def prop(name, value):
        return bytes([len(name)]) + name + struct.pack(">I", len(value)) + value

    def command(name, body):
        payload = bytes([len(name)]) + name + body
        if len(payload) > 255:
            return b"\x06" + struct.pack(">Q", len(payload)) + payload
        return b"\x04" + bytes([len(payload)]) + payload

    identity = bytes(range(1, 17))
    ready_dealer = command(b"READY", prop(b"Socket-Type", b"DEALER") + prop(b"Identity", identity))
    ready_router = command(b"READY", prop(b"Socket-Type", b"ROUTER") + prop(b"Identity", b""))
    body300 = bytes(i % 256 for i in range(300))
    return [
        {
            "name": "greeting NULL client",
            "kind": "greeting",
            "hex": greeting.hex(),
            "major": 3,
            "minor": 1,
            "mechanism": "NULL",
            "as_server": False,
        },
        {
            "name": "READY from DEALER",
            "kind": "command",
            "hex": ready_dealer.hex(),
            "command": "READY",
            "properties": {"Socket-Type": "DEALER", "Identity": {"$bin": identity.hex()}},
        },
        {
            "name": "READY from ROUTER",
            "kind": "command",
            "hex": ready_router.hex(),
            "command": "READY",
            "properties": {"Socket-Type": "ROUTER", "Identity": {"$bin": ""}},
        },
        {
            "name": "PING ttl 30 empty context",
            "kind": "command",
            "hex": command(b"PING", b"\x00\x1e").hex(),
            "command": "PING",
            "ttl": 30,
            "context": {"$bin": ""},
        },
        {
            "name": "PONG with context",
            "kind": "command",
            "hex": command(b"PONG", b"ab").hex(),
            "command": "PONG",
            "context": {"$bin": "6162"},
        },
        {
            "name": "ERROR",
            "kind": "command",
            "hex": command(b"ERROR", bytes([13]) + b"Invalid token").hex(),
            "command": "ERROR",
            "reason": "Invalid token",
        },
        {
            "name": "short frame",
            "kind": "frame",
            "hex": (b"\x00\x05hello").hex(),
            "more": False,
            "body": {"$bin": b"hello".hex()},
        },
        {
            "name": "short frame with MORE",
            "kind": "frame",
            "hex": (b"\x01\x03abc").hex(),
            "more": True,
            "body": {"$bin": b"abc".hex()},
        },
        {"name": "empty frame", "kind": "frame", "hex": "0000", "more": False, "body": {"$bin": ""}},
        {
            "name": "short frame of 255 bytes",
            "kind": "frame",
            "hex": (b"\x00\xff" + b"\x61" * 255).hex(),
            "more": False,
            "body": {"$bin": (b"\x61" * 255).hex()},
        },
        {
            "name": "long frame of 300 bytes",
            "kind": "frame",
            "hex": (b"\x02" + struct.pack(">Q", 300) + body300).hex(),
            "more": False,
            "body": {"$bin": body300.hex()},
        },
    ]


def write(name, data, note):
    path = os.path.join(ROOT, name)
    with open(path, "w") as f:
        json.dump({"about": note, "vectors": data}, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"wrote {len(data)} vectors to {os.path.relpath(path)}")


if __name__ == "__main__":
    os.makedirs(ROOT, exist_ok=True)
    write(
        "msgpack.json", msgpack_vectors(), "msgpack edge cases: decode(hex) == value; if encode, encode(value) == hex"
    )
    write("messages.json", messages(), "whole protocol messages (SPEC.md section 3): decode(hex) == value == encode")
    write(
        "auth.json",
        auth(),
        "challenge-response (SPEC.md 3.1a): context = SHA-256('iron/1' 00 || hello), "
        "proofs = HMAC-SHA256(token, 'iron-srv' or 'iron-cli' || nc || ns || context); all hex",
    )
    write(
        "zmtp.json", zmtp(), "ZMTP 3.1 greeting, commands and frames (SPEC.md section 1); hex is the exact wire bytes"
    )
