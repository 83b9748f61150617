"""Throwaway timeline probe: per streamed httpx call, perf_counter_ns stamps of each stage, with and
without iron alternating in one agent (as bench/py/http_calls.py). Wraps the shim's stream functions."""
import json, os, socket, sys, threading, time
sys.path.insert(0, os.environ["BENCH_PY"])
_cc = socket.create_connection
def _nd(*a, **k):
    s = _cc(*a, **k); s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1); return s
socket.create_connection = _nd
import httpx
from benchlib import chat_body
from iron_shim import runtime, client as C, tap as T, stream_side as S, read_ahead as R
from iron_shim.interceptors import httpx_ as H
BASE = os.environ["BENCH_BASE_URL"]; CALLS = int(os.environ.get("BENCH_CALLS", "300"))
ns = time.perf_counter_ns
ev = []
main_tid = threading.get_ident()
def mark(name, extra=None):
    ev.append((ns(), name, "C" if threading.get_ident() == main_tid else "H", extra))
def wrap(obj, attr, name, info=None):
    orig = getattr(obj, attr)
    def w(*a, **k):
        mark(name + "<", info(*a, **k) if info else None)
        c0 = time.thread_time_ns()
        try:
            return orig(*a, **k)
        finally:
            mark(name + ">", (time.thread_time_ns() - c0) / 1000.0)
    setattr(obj, attr, w)
wrap(C.Client, "request", "request", lambda self, m: m.get("type"))
wrap(C.Client, "post", "post", lambda self, m: (m.get("type"), m.get("released")))
wrap(C.Client, "begin", "begin")
wrap(httpx.HTTPTransport, "handle_request", "http")
wrap(H.HttpxExchange, "tap_stream", "tap_stream")
wrap(S.StreamReporter, "open", "open")
wrap(T.StreamTap, "finish", "tap.finish")
wrap(T.StreamTap, "build", "build")
wrap(T.StreamTap, "send", "send")
wrap(T.StreamTap, "prepare", "prepare", lambda self, c: None if c is None else len(c))
if hasattr(R, "submit"):
    wrap(R, "submit", "submit")
class MarkedCondition(threading.Condition):
    def wait(self, timeout=None):
        mark("wait<", timeout)
        r = super().wait(timeout)
        mark("wait>", r)
        return r
    def notify(self, n=1):
        mark("notify", len(self._waiters))
        super().notify(n)
_pinit = R.Pipeline.__init__
def _pinit2(self, *a, **k):
    _pinit(self, *a, **k)
    if os.environ.get("PROBE_WAITS"):
        self._cond = MarkedCondition()
R.Pipeline.__init__ = _pinit2
orig_pipe = T.StreamTap.pipeline
def pipeline(self, read):
    def r():
        mark("read<")
        c = read()
        mark("read>", None if c is None else len(c))
        return c
    return orig_pipe(self, r)
T.StreamTap.pipeline = pipeline
body = json.dumps(chat_body(stream=True)).encode()
headers = {"authorization": "Bearer sk-bench-not-a-real-key", "content-type": "application/json"}
client = httpx.Client(base_url=BASE, timeout=30)
def one():
    mark("t0")
    with client.stream("POST", "/chat/completions", content=body, headers=headers) as response:
        for chunk in response.iter_bytes():
            if chunk:
                mark("got", len(chunk))
        mark("iter_end")
    mark("end")
SETTINGS = runtime._settings
out = {"iron": [], "plain": []}
def shim(on):
    runtime.install(SETTINGS, wait=True) if on else runtime.uninstall()
for r in range(12):
    for side in ("iron", "plain") if r % 2 == 0 else ("plain", "iron"):
        shim(side == "iron")
        for _ in range(max(1, CALLS // 10)):
            del ev[:]
            one()
            if r >= 2:
                t0 = ev[0][0]
                out[side].append([((t - t0) / 1000.0, n, th, x) for t, n, th, x in ev])
with open(os.environ["BENCH_OUT"], "w") as f:
    json.dump(out, f)
