"""Stamps every leg of BENCH_CALLS sequential urllib chat completions (the black-box bench's call) on
CLOCK_MONOTONIC (time.perf_counter_ns), with or without `iron run`; writes [[name, ns, ...], ...] to
SPLIT_OUT. split_call.py lines these up with the supervisor's stamps (a throwaway patch, see README)."""
import json
import os
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "py"))
from benchlib import chat_body  # noqa: E402

URL = os.environ["BENCH_BASE_URL"].rstrip("/") + "/chat/completions"
CALLS = int(os.environ.get("BENCH_CALLS", "1000"))
HEADERS = {"content-type": "application/json", "authorization": "Bearer sk-bench-not-a-real-key"}
ns = time.perf_counter_ns
log = []
mark = log.append


def stamp(owner, attr, name, size=None):
    """Wraps owner.attr to log (name, start, end[, size of what it sent])."""
    original = getattr(owner, attr)

    def wrapper(*args, **kwargs):
        t0 = ns()
        try:
            return original(*args, **kwargs)
        finally:
            t1 = ns()
            mark((name, t0, t1) if size is None else (name, t0, t1, size(args)))

    setattr(owner, attr, wrapper)


try:
    from iron_shim import connection, client, governor, response_side
    from iron_shim.interceptors import urllib_

    governed = True
    stamp(governor.Governor, "match", "match")
    stamp(governor.Governor, "before", "before")
    stamp(response_side.ResponseReporter, "after", "after")
    stamp(client.Client, "post", "post")
    stamp(connection.Connection, "try_send", "zpost", lambda args: len(args[1]))
    stamp(connection.Connection, "send", "zsend", lambda args: len(args[1]))
    stamp(connection.Connection, "read_within", "zrecv")
    stamp(urllib_.UrllibExchange, "send", "http")
    stamp(urllib_.UrllibExchange, "read", "read")
    stamp(urllib_.UrllibExchange, "kept", "kept")
    stamp(urllib_.UrllibExchange, "__init__", "exchange")
except ImportError:
    governed = False
    stamp(urllib.request.AbstractHTTPHandler, "do_open", "http")


def one(n):
    body = chat_body()
    body["messages"][1]["content"] += " (ref %d)" % n
    data = json.dumps(body).encode()
    t0 = ns()
    with urllib.request.urlopen(urllib.request.Request(URL, data=data, headers=HEADERS, method="POST")) as response:
        t1 = ns()
        answer = response.read()
    json.loads(answer)
    mark(("call", t0, t1, ns()))


for i in range(CALLS):
    one(i)
with open(os.environ["SPLIT_OUT"], "w", encoding="utf-8") as f:
    json.dump({"governed": governed, "log": log}, f)
