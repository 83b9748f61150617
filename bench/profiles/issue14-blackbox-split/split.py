"""Splits each llm.request round trip of agent_timed.py's run into its legs, on one clock.

Python's perf_counter_ns and Node's process.hrtime are both CLOCK_MONOTONIC on Linux, so the agent's
send/receive stamps (py-times.json, from agent_timed.py) and the supervisor's frame-arrival/reply
stamps (node-times.json, from a throwaway patch: ZmtpConnection #onData pushes [hrtime, bytes],
AgentServer #decide pushes [onData hrtime, hrtime after the reply was written]) line up.
Usage: python3 split.py py-times.json node-times.json"""
import bisect
import json
import sys

py = json.load(open(sys.argv[1]))
nd = json.load(open(sys.argv[2]))
rep, arr = nd["rep"], nd["arr"]
on_data, arr_t = [r[0] for r in rep], [a[0] for a in arr]
sends = [e for e in py if e[0] == "send" and e[3] > 300]
recvs = [e[1] for e in py if e[0] == "recv" and e[2]]
rows = []
for e in py:
    if e[0] != "req" or e[3] != "llm.request":
        continue
    t0, t1 = e[1], e[2]
    s = [x for x in sends if t0 <= x[1] <= t1]
    if not s:
        continue
    i = bisect.bisect_left(on_data, s[0][1])
    if i >= len(rep):
        continue
    od, rp = rep[i]
    j = bisect.bisect_left(recvs, rp)
    rv = recvs[j] if j < len(recvs) else t1
    k = bisect.bisect_left(arr_t, od)
    gap = od - arr_t[k - 1] if k > 0 else 0
    rows.append((s[0][1] - t0, s[0][2] - s[0][1], od - s[0][2], rp - od, rv - rp, t1 - rv, gap))
rows = rows[100:]


def p50(rs, k):
    v = sorted(r[k] for r in rs)
    return v[len(v) // 2] / 1000


names = ["shim prep+encode", "send()", "sent -> supervisor onData", "onData -> reply written", "reply -> shim recv returns", "recv -> request() returns"]
for k, name in enumerate(names):
    print(f"{name:28s} p50 {p50(rows, k):7.1f} us")
near = [r for r in rows if r[6] < 400_000]
far = [r for r in rows if r[6] >= 400_000]
print(f"sent -> onData when the supervisor's last frame came < 400 us before: p50 {p50(near, 2):.0f} us (n={len(near)}); >= 400 us: {p50(far, 2):.0f} us (n={len(far)})")
