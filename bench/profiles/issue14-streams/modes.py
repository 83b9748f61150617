"""Paired per-call A/B of the stream modes in one agent (run by modes.mjs): legacy (the old read-ahead + inline asks through
the same tap) and pipe (read_ahead.Pipeline), alternating per call; writes (first, last, cpu µs, asks) per call."""
import os, socket, sys, time, json
_cc = socket.create_connection
def _nd(*a, **k):
    s = _cc(*a, **k); s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1); return s
socket.create_connection = _nd
sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "py"))
import httpx
from benchlib import chat_body, write_results
from iron_shim import tap as shim_tap, read_ahead, client as shim_client
from iron_shim.interceptors import httpx_streams as hs
import old_read_ahead

_orig_tee = hs.tee
def legacy_tee(tap, chunks):
    if tap.filter is None:
        yield from _orig_tee(tap, chunks); return
    it = iter(chunks)
    reader = old_read_ahead.ReadAhead(lambda: next(it, None)); reader.ahead()
    try:
        for chunk in iter(reader.take, None):
            out = tap.feed(chunk)
            if out: yield out
            if tap.ended: break
        else:
            rest = tap.tail()
            if rest: yield rest
    except GeneratorExit:
        raise
    except BaseException as exc:
        tap.finish(repr(exc)); raise
    tap.finish()

asks = [0]
_req, _begin = shim_client.Client.request, shim_client.Client.begin
def creq(self, msg):
    if msg.get("type") == "llm.chunk": asks[0] += 1
    return _req(self, msg)
def cbeg(self, msg):
    if msg.get("type") == "llm.chunk": asks[0] += 1
    return _begin(self, msg)
shim_client.Client.request, shim_client.Client.begin = creq, cbeg

BASE = os.environ["BENCH_BASE_URL"]; CALLS = int(os.environ.get("BENCH_CALLS", "600"))
client = httpx.Client(base_url=BASE, headers={"authorization": "Bearer sk-bench"}, timeout=30)
body = chat_body(stream=True)
def one():
    t0 = time.perf_counter_ns(); c0 = time.process_time_ns(); first = None
    with client.stream("POST", "/chat/completions", json=body) as r:
        for chunk in r.iter_bytes():
            if chunk and first is None: first = time.perf_counter_ns()
    return (first - t0) / 1e3, (time.perf_counter_ns() - t0) / 1e3, (time.process_time_ns() - c0) / 1e3

MODES = os.environ.get("MODES", "legacy,pipe").split(",")
def set_mode(m):
    hs.tee = legacy_tee if m == "legacy" else _orig_tee

res = {m: [] for m in MODES}
for i in range(60):
    set_mode(MODES[i % len(MODES)]); one()
for i in range(CALLS):
    for m in (MODES if i % 2 == 0 else MODES[::-1]):
        set_mode(m); asks[0] = 0
        f, l, c = one()
        res[m].append((f, l, c, asks[0]))
write_results(res)
