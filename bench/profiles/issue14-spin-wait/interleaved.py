"""Figure 1's black-box call with the shim's spin budget changed from call to call in one process (run it under
`iron run`): every level of SPIN_LEVELS (µs, e.g. "0,100,200,400") gets one call per cycle, in a rotating
order, so machine load drifts over all levels alike. Each level keeps its own adaptive state (a SpinWait
of its own, swapped in before its call), as if it ran alone. Writes {level: samples µs, tallies} to
BENCH_OUT."""
import json
import os
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "py"))
from benchlib import chat_body  # noqa: E402

from iron_shim import runtime, spin_wait  # noqa: E402

URL = os.environ["BENCH_BASE_URL"].rstrip("/") + "/chat/completions"
CYCLES = int(os.environ.get("BENCH_CYCLES", "500"))
#: A level ending in "f" spins on every call (its score never drops): what spinning itself does.
LEVELS = os.environ.get("SPIN_LEVELS", "0,200").split(",")
HEADERS = {"content-type": "application/json", "authorization": "Bearer sk-bench-not-a-real-key"}
perf = time.perf_counter_ns


def one(n):
    """One whole call, timed as bench/py/blackbox_calls.py does."""
    body = chat_body()
    body["messages"][1]["content"] += " (ref %d)" % n
    data = json.dumps(body).encode()
    t0 = perf()
    with urllib.request.urlopen(urllib.request.Request(URL, data=data, headers=HEADERS, method="POST")) as response:
        answer = json.loads(response.read())
    t1 = perf()
    assert "choices" in answer
    return (t1 - t0) / 1000.0


for i in range(50):
    one(i)
reads = runtime.governor.client.reads


class Forced(spin_wait.SpinWait):
    """Spins whenever allowed at all, whatever the last spins earned."""

    def record(self, hit):
        spin_wait.SpinWait.record(self, hit)
        self.score = spin_wait.SCORE_MAX


policies = {lv: (Forced if lv.endswith("f") else spin_wait.SpinWait)(int(lv.rstrip("f")) / 1e6) for lv in LEVELS}
samples = {level: [] for level in LEVELS}
cpu = dict.fromkeys(LEVELS, 0)
thread_cpu = time.thread_time_ns
for c in range(CYCLES):
    k = c % len(LEVELS)
    for level in LEVELS[k:] + LEVELS[:k]:
        reads.spin = policies[level]
        c0 = thread_cpu()
        samples[level].append(one(c))
        cpu[level] += thread_cpu() - c0
out = {
    lv: {
        "samples": samples[lv],
        "hits": policies[lv].hits,
        "misses": policies[lv].misses,
        "cpu": cpu[lv] / 1000 / CYCLES,
    }
    for lv in LEVELS
}
with open(os.environ["BENCH_OUT"], "w", encoding="utf-8") as f:
    json.dump(out, f)
