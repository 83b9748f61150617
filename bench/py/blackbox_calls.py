"""Bench agent for bench/blackbox.mjs: sequential non-streamed chat completions with plain urllib, timed
by this client's own clock. Run as a user would: `python3` alone, under `iron run`, or aimed at a
proxy (BENCH_HEADERS adds the proxy's routing headers). Writes the samples (µs) to BENCH_OUT."""
import json
import os
import sys
import time
import urllib.request

from benchlib import chat_body, write_results

URL = os.environ["BENCH_BASE_URL"].rstrip("/") + "/chat/completions"
CALLS = int(os.environ["BENCH_CALLS"])
WARMUP = int(os.environ.get("BENCH_WARMUP", "50"))
EXTRA = json.loads(os.environ.get("BENCH_HEADERS", "{}"))
HEADERS = dict({"content-type": "application/json", "authorization": "Bearer sk-bench-not-a-real-key"}, **EXTRA)
perf = time.perf_counter_ns


def one(n):
    """One whole call: build the request, send it, read and parse the answer."""
    body = chat_body()
    body["messages"][1]["content"] += " (ref %d)" % n
    data = json.dumps(body).encode()
    t0 = perf()
    with urllib.request.urlopen(urllib.request.Request(URL, data=data, headers=HEADERS, method="POST")) as response:
        answer = json.loads(response.read())
    t1 = perf()
    if "choices" not in answer:
        sys.exit("unexpected answer: %r" % (answer,))
    return (t1 - t0) / 1000.0


for i in range(WARMUP):
    one(i)
samples = [one(WARMUP + i) for i in range(CALLS)]
write_results({"samples": samples, "governed": "iron_shim" in sys.modules})
