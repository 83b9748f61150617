"""Paired per-call A/B in one agent: "ask" (chunk hints off: every read asked, as on main) vs "release"."""
import os, socket, sys, time

_cc = socket.create_connection


def _nd(*a, **k):
    s = _cc(*a, **k)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


socket.create_connection = _nd
sys.path.insert(0, os.environ["BENCH_PY"])
import httpx
from benchlib import chat_body, write_results
from iron_shim import stream_side
from iron_shim.client import Client

OF = stream_side.Releaser.of
asks = {"n": 0}
_begin, _request = Client.begin, Client.request


def begin(self, m):
    asks["n"] += m.get("type") == "llm.chunk"
    return _begin(self, m)


def request(self, m):
    asks["n"] += m.get("type") == "llm.chunk"
    return _request(self, m)


Client.begin, Client.request = begin, request


def set_mode(m):
    stream_side.Releaser.of = OF if m == "release" else staticmethod(lambda hints: None)


BASE = os.environ["BENCH_BASE_URL"]
CALLS = int(os.environ.get("BENCH_CALLS", "400"))
client = httpx.Client(base_url=BASE, headers={"authorization": "Bearer sk-bench"}, timeout=30)
body = chat_body(stream=True)


def one():
    asks["n"] = 0
    t0 = time.perf_counter_ns()
    c0 = time.process_time_ns()
    first = None
    data = b""
    with client.stream("POST", "/chat/completions", json=body) as r:
        for chunk in r.iter_bytes():
            if chunk and first is None:
                first = time.perf_counter_ns()
            data += chunk
    return (first - t0) / 1e3, (time.perf_counter_ns() - t0) / 1e3, (time.process_time_ns() - c0) / 1e3, asks["n"], data


res = {"ask": [], "release": []}
outs = {}
for i in range(40):
    set_mode(("ask", "release")[i % 2])
    one()
for i in range(CALLS):
    for m in ("ask", "release") if i % 2 == 0 else ("release", "ask"):
        set_mode(m)
        f, l, c, n, data = one()
        res[m].append((f, l, c, n))
        outs.setdefault(m, data)
import json, re


def shown(data):
    """The agent's text and its event count (ids and timestamps differ from call to call)."""
    events = [json.loads(m) for m in re.findall(rb"^data: (\{.*\})$", data, re.M)]
    text = "".join((c.get("delta") or {}).get("content") or "" for e in events for c in e.get("choices") or ())
    return text, len(events)


res["same_bytes"] = shown(outs["ask"]) == shown(outs["release"])
write_results(res)
