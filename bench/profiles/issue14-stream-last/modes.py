"""Paired per-call A/B in one agent: "old" (main's build: the engine's per-delta texts, regex usage strip) vs "new"."""
import os, socket, sys, time, json, re
_cc = socket.create_connection
def _nd(*a, **k):
    s = _cc(*a, **k); s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1); return s
socket.create_connection = _nd
sys.path.insert(0, os.environ["BENCH_PY"])
import httpx
from benchlib import chat_body, write_results
from iron_shim import stream_filter, streams
NEW_SPREAD, NEW_STRIP = stream_filter.ChunkFilter._spread, streams._remove_usage_null
def old_spread(self, plan, answer, rides):
    texts = list(answer.texts)
    if rides and texts:
        texts[-1] += answer.rest
    return texts
def old_strip(raw, obj):
    matches = list(streams._USAGE_NULL_AFTER.finditer(raw)) or list(streams._USAGE_NULL_FIRST.finditer(raw))
    if matches:
        last = matches[-1]
        return raw[: last.start()] + raw[last.end() :]
    rest = {k: v for k, v in obj.items() if k != "usage"}
    return b"data: " + json.dumps(rest, separators=(",", ":"), ensure_ascii=False).encode("utf-8") + b"\n\n"
def set_mode(m):
    stream_filter.ChunkFilter._spread = NEW_SPREAD if m == "new" else old_spread
    streams._remove_usage_null = NEW_STRIP if m == "new" else old_strip
BASE = os.environ["BENCH_BASE_URL"]; CALLS = int(os.environ.get("BENCH_CALLS", "400"))
client = httpx.Client(base_url=BASE, headers={"authorization": "Bearer sk-bench"}, timeout=30)
body = chat_body(stream=True)
def one():
    t0 = time.perf_counter_ns(); c0 = time.process_time_ns(); first = None; data = b""
    with client.stream("POST", "/chat/completions", json=body) as r:
        for chunk in r.iter_bytes():
            if chunk and first is None: first = time.perf_counter_ns()
            data += chunk
    return (first - t0) / 1e3, (time.perf_counter_ns() - t0) / 1e3, (time.process_time_ns() - c0) / 1e3, data
res = {"old": [], "new": []}
outs = {}
for i in range(40):
    set_mode(("old", "new")[i % 2]); one()
for i in range(CALLS):
    for m in (("old", "new") if i % 2 == 0 else ("new", "old")):
        set_mode(m)
        f, l, c, data = one()
        res[m].append((f, l, c))
        outs.setdefault(m, data)
res["same_text"] = [outs["old"].count(b"content"), outs["new"].count(b"content"), len(outs["old"]), len(outs["new"])]
write_results(res)
