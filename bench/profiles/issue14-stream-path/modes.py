"""Paired per call in one agent: streamed httpx calls to the mock, alternating per call between "old"
(main's behaviour patched back in: no read released on the caller's thread, a released read told
inside send before the caller builds it, the SSE parser line by line) and "new" (this branch). Stamps the last chunk and the end of the call."""
import json, os, socket, sys, threading, time
sys.path.insert(0, os.environ["BENCH_PY"])
_cc = socket.create_connection
def _nd(*a, **k):
    s = _cc(*a, **k); s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1); return s
socket.create_connection = _nd
import httpx
from benchlib import chat_body
from iron_shim import tap as T, sse as S, client as C

ns = time.perf_counter_ns
_released, _blocks = T.StreamTap._released, S.SSEParser._data_blocks
posts = []
_post = C.Client.post
def post(self, msg):
    posts.append(msg.get("type"))
    return _post(self, msg)
C.Client.post = post


def old_released(self, ask):
    answer = _released(self, ask)
    if answer is not None:
        self.tell_released()  # told at once, inside send (main)
    return answer


_release_now = T.StreamTap.release_now


#: which of this branch's changes each mode has: R released on the caller's thread, T told after the
#: bytes, H the helper tells right after its flush, S the SSE block split ("old" none, "new" all)
FLAGS = {"old": "", "new": "RTSH", **dict(m.split("=") for m in os.environ.get("MODES_EXTRA", "").split() if "=" in m)}
A, B = os.environ.get("MODES", "old,new").split(",")


_tell = T.StreamTap.tell_released


def tell_not_on_helper(self):
    if not threading.current_thread().name.startswith("iron-stream-read"):
        _tell(self)


def mode(name):
    flags = FLAGS[name]
    # H: the pooled helper tells right after its flush (else the caller does, at the end)
    T.StreamTap.tell_released = _tell if "H" in flags or "T" not in flags else tell_not_on_helper
    T.StreamTap._released = _released if "T" in flags else old_released
    T.StreamTap.release_now = _release_now if "R" in flags else (lambda self, ask: None)
    S.SSEParser._data_blocks = _blocks if "S" in flags else (lambda self, chunk: None)


BASE = os.environ["BENCH_BASE_URL"]; CALLS = int(os.environ.get("BENCH_CALLS", "300"))
body = json.dumps(chat_body(stream=True)).encode()
headers = {"authorization": "Bearer sk-bench-not-a-real-key", "content-type": "application/json"}
client = httpx.Client(base_url=BASE, timeout=30)


def one():
    t0 = ns(); last = None; got = b""
    with client.stream("POST", "/chat/completions", content=body, headers=headers) as response:
        for chunk in response.iter_bytes():
            if chunk:
                last = ns(); got += chunk
    return (last - t0) / 1000.0, (ns() - t0) / 1000.0, got


out = {A: [], B: []}
bodies = {}
for i in range(CALLS + 40):
    for name in ((A, B) if i % 2 == 0 else (B, A)):
        mode(name)
        del posts[:]
        last, end, got = one()
        if i >= 40:
            out[name].append((last, end, len(posts)))
        bodies.setdefault(name, got)
mode("new")
with open(os.environ["BENCH_OUT"], "w") as f:
    json.dump(out, f)
same = bodies[A].count(b"data:") == bodies[B].count(b"data:")
print("agent's events the same in both modes:", same, file=sys.stderr)
