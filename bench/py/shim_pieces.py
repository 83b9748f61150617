"""The steps of one governed call's shim side, one at a time, offline (no supervisor, no HTTP), for instruction
counts: `valgrind --tool=callgrind python3 shim_pieces.py` with PIECE=<name> and BENCH_CALLS=0, then N;
(difference) / N is that step's cost. The decision is the one a default-config supervisor sends (allow,
11 response hints, a budget). PIECE=all runs every step of a call in order (as shim_call_cost.py, minus I/O)."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import URL, chat_body, chat_headers, chat_reply  # noqa: E402

from iron_shim import codec, protocol, settings  # noqa: E402
from iron_shim.client import Client, _encode  # noqa: E402
from iron_shim.governor import Governor  # noqa: E402

CALLS = int(os.environ.get("BENCH_CALLS", "0"))
PIECE = os.environ.get("PIECE", "all")
HINTS = [
    "PRIVATE KEY",
    "eyJ[A-Za-z0-9_-]{8}",
    "sk-ant-[a-z]+[0-9]{2}-[A-Za-z0-9_-]{32}",
    "sk-[A-Za-z0-9_-]{32}",
    "gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{22}",
    "(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z2-7]{16}",
    "[Ss][Ee][Cc][Rr][Ee][Tt][_Aa]",
    "@[A-Za-z0-9-]{1,63}\\.[A-Za-z0-9]",
    "[0-9](?:(?:[ .()-]{0,3}[0-9]){7}|[0-9][ -]?[A-Za-z0-9]{4}[ -]?(?:[0-9][A-Za-z0-9]{3}|[A-Za-z][0-9][A-Za-z0-9]{2}"
    "|[A-Za-z]{2}[0-9][A-Za-z0-9]|[A-Za-z]{3}[0-9])[ -]?[A-Za-z0-9]{3})",
    ":[0-9A-Fa-f]{0,4}:",
    "\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]",
]
body = json.dumps(chat_body()).encode()
headers = chat_headers()
header_map = dict(headers)
reply = chat_reply()

client = Client(settings.from_env({}), "bench")
client.link.features = frozenset({protocol.BODY_JSON})
gov = Governor(client)
target = gov.match("POST", URL, header_map.get)


def decision_bytes(msg_id, call_id):
    """The allow a default-config supervisor sends for a request (keys in its order)."""
    return codec.packb(
        {
            "v": 1,
            "type": "decision",
            "id": msg_id,
            "response_hints": [{"re": h, "i": False} for h in HINTS],
            "call": call_id,
            "action": "allow",
            "budget": {"scope": "global", "limit": 1000000000, "spent": 17, "reserved": 183, "left": 999999800},
        }
    )


def one():
    """Every shim step of one call, no I/O."""
    tgt = gov.match("POST", URL, header_map.get)
    call, msg = gov._prepare(tgt, "POST", URL, headers, body, "httpx")
    frame = _encode(msg)
    reply_msg = protocol.parse_incoming(decision_bytes_cache[0])
    reply_msg["call"] = call.id
    verdict = gov._decide(call, reply_msg, URL)
    report = gov.responses._response_prelude(verdict.call, 200, header_map.get, reply)
    return frame, _encode(report)


decision_bytes_cache = [decision_bytes(7, "c-0000000000000000")]
call0, msg0 = gov._prepare(target, "POST", URL, headers, body, "httpx")
decided0 = protocol.parse_incoming(decision_bytes_cache[0])
decided0["call"] = call0.id
gov._decide(call0, decided0, URL)
report0 = gov.responses._response_message(call0, 200, header_map.get, reply)


def _respond(call):
    """The report of a read response, asked again and again (the hint search clears response_decision)."""
    call.response_decision = True
    return gov.responses._response_message(call, 200, header_map.get, reply)


PIECES = {
    "all": one,
    "match": lambda: gov.match("POST", URL, header_map.get),
    "prepare": lambda: gov._prepare(target, "POST", URL, headers, body, "httpx"),
    "encode_request": lambda: _encode(msg0),
    "decode_decision": lambda: protocol.parse_incoming(decision_bytes_cache[0]),
    "decide": lambda: gov._decide(call0, decided0, URL),
    "response_message": lambda: _respond(call0),
    "encode_report": lambda: _encode(report0),
}
step = PIECES[PIECE]
for _ in range(20):
    step()
for _ in range(CALLS):
    step()
