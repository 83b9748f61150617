"""Splits each black-box call of agent_split.py into its legs on one clock (CLOCK_MONOTONIC in both
processes), plain and governed, with the supervisor's stamps (node-*.json, from the throwaway patch
described in README.md: each ZMTP #onData [start, end, bytes, ELU idle ms, ELU active ms], each
decision written). Usage: python3 split_call.py plain.json iron.json node.json [skip]"""
import bisect
import json
import sys

plain = json.load(open(sys.argv[1]))["log"]
iron = json.load(open(sys.argv[2]))["log"]
node = json.load(open(sys.argv[3]))
SKIP = int(sys.argv[4]) if len(sys.argv) > 4 else 100
on = [(int(a), int(b), n, idle, act) for a, b, n, idle, act in node["on"]]
on_t = [o[0] for o in on]
sends = sorted(int(s) for s in node["sends"])


def p(values, q=0.5):
    v = sorted(values)
    return v[min(len(v) - 1, int(q * len(v)))] / 1000 if v else float("nan")


def calls(log):
    """Each call with the events inside it."""
    out, events = [], []
    for e in log:
        if e[0] == "call":
            out.append((e, [x for x in events if x[1] >= e[1]]))
            events = []
        else:
            events.append(e)
    return out[SKIP:]


rows = {}


def add(name, value):
    rows.setdefault(name, []).append(value)


for (_, c, t1, t2), ev in calls(plain):
    http = [x for x in ev if x[0] == "http"][0]
    add("plain: urlopen -> do_open", http[1] - c)
    add("plain: do_open (HTTP send, status, headers)", http[2] - http[1])
    add("plain: do_open end -> urlopen returns", t1 - http[2])
    add("plain: read body + json.loads", t2 - t1)
    add("plain: whole call", t2 - c)

asked = 0
kinds = {}
for (_, c, t1, t2), ev in calls(iron):
    g = {}
    for x in ev:
        g.setdefault(x[0], []).append(x)
    if "post" not in g:  # a response some hint matched: it waited for a response decision (a round trip)
        asked += 1
        continue
    ex, match, before, http, read, after, kept = (
        g[k][0] for k in ("exchange", "match", "before", "http", "read", "after", "kept")
    )
    zs = g["zsend"]
    zr = [x for x in g.get("zrecv", []) if before[1] <= x[2] <= before[2]]
    post = g["post"][0]
    add("iron: urlopen -> do_open wrapper (exchange)", ex[1] - c)
    add("iron: exchange + match + enter -> before()", before[1] - ex[1])
    add("iron: before: build + encode llm.request", zs[0][1] - before[1])
    add("iron: before: send()", zs[0][2] - zs[0][1])
    add("iron: before: sent -> reply read (round trip)", zr[-1][2] - zs[0][2])
    add("iron: before: decode + decide + verdict", before[2] - zr[-1][2])
    add("iron: before() end -> HTTP send", http[1] - before[2])
    add("iron: do_open original (HTTP)", http[2] - http[1])
    add("iron: HTTP end -> read()", read[1] - http[2])
    add("iron: read() whole body", read[2] - read[1])
    add("iron: read end -> after()", after[1] - read[2])
    add("iron: after: build + encode report", post[1] - after[1])
    add("iron: after: post (send)", post[2] - post[1])
    add("iron: after: post end -> after() returns", after[2] - post[2])
    add("iron: after() -> kept() end", kept[2] - after[2])
    add("iron: kept -> urlopen returns", t1 - kept[2])
    add("iron: read prefilled body + json.loads", t2 - t1)
    add("iron: whole call", t2 - c)
    add(
        "iron: shim total (before + after + wrapper)",
        (before[1] - ex[1]) + (before[2] - before[1] - (zr[-1][2] - zs[0][2])) + (after[2] - after[1]),
    )
    # The supervisor: the read that brought this call's llm.request, alone or behind the last call's report.
    size = zs[0][3]
    i = bisect.bisect_left(on_t, zs[0][1])
    req = next((o for o in on[i:] if o[2] >= size), None)
    if req is not None:
        j = bisect.bisect_left(sends, req[0])
        kind = "behind the last report" if req[2] > size + 100 else "alone"
        kinds[kind] = kinds.get(kind, 0) + 1
        if j < len(sends):
            add("sup: sent -> #onData (request)", req[0] - zs[0][2])
            add(f"sup: #onData -> decision written (request {kind})", sends[j] - req[0])
            add("sup: decision written -> shim read returns", zr[-1][2] - sends[j])
    if "zpost" in g:
        k = bisect.bisect_left(on_t, g["zpost"][0][1])
        rep = next((o for o in on[k:] if o[2] >= g["zpost"][0][3]), None)
        if rep is not None:
            add("sup: report sent -> read by the supervisor", rep[0] - g["zpost"][0][2])
            if rep[2] < g["zpost"][0][3] + 100:
                add("sup: #onData of a report read alone (sync)", rep[1] - rep[0])

for name, values in rows.items():
    print(f"{name:52s} p50 {p(values):8.1f}  p90 {p(values, 0.9):8.1f} us  (n={len(values)})")
print(f"calls left out (the response asked for a decision): {asked}")
print(f"reads that brought an llm.request: {kinds}")
