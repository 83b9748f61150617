"""Medians (µs) of one streamed call's legs, with and without iron, from probe.py's stamps (one clock)."""
import json, sys, statistics as st

d = json.load(open(sys.argv[1]))


def at(c, name, th=None, which=0):
    xs = [t for t, n, h, x in c if n == name and (th is None or h == th)]
    return xs[which] if xs else None


def cpu(c, name):
    return sum(x for t, n, h, x in c if n == name + ">" and isinstance(x, (int, float)))


def gap(a, b):
    return None if a is None or b is None else b - a


def show(label, xs):
    xs = [x for x in xs if x is not None]
    if xs:
        print(f"  {label:46s} {st.median(xs):8.1f}  (n={len(xs)})")


for side in ("plain", "iron"):
    cs = d[side]
    print(side, len(cs))
    show("t0 -> last got", [at(c, "got", which=-1) for c in cs])
    show("t0 -> end (the bench's 'last')", [c[-1][0] for c in cs])
    show("t0 -> http<", [at(c, "http<") for c in cs])
    show("http< -> http>", [gap(at(c, "http<"), at(c, "http>")) for c in cs])
    show("http> -> first got", [gap(at(c, "http>"), at(c, "got")) for c in cs])
    show("http> -> last got", [gap(at(c, "http>"), at(c, "got", which=-1)) for c in cs])
    show("first got -> last got", [gap(at(c, "got"), at(c, "got", which=-1)) for c in cs])
    show("last got -> end", [gap(at(c, "got", which=-1), c[-1][0]) for c in cs])
    if side != "iron":
        continue
    show("request round trip", [gap(at(c, "request<"), at(c, "request>")) for c in cs])
    show("http> -> tap_stream<", [gap(at(c, "http>"), at(c, "tap_stream<")) for c in cs])
    show("tap_stream< -> tap_stream>", [gap(at(c, "tap_stream<"), at(c, "tap_stream>")) for c in cs])
    show("submit> -> helper's first read<", [gap(at(c, "submit>"), at(c, "read<", "H")) for c in cs])
    show("helper: first read< -> last read>", [gap(at(c, "read<", "H"), at(c, "read>", "H", -1)) for c in cs])
    show("helper send> -> caller's last build<", [gap(at(c, "send>", "H", -1), at(c, "build<", "C", -1)) for c in cs])
    show("last build< -> last got", [gap(at(c, "build<", "C", -1), at(c, "got", which=-1)) for c in cs])
    show("reads on the caller's thread", [sum(1 for t, n, h, x in c if n == "read>" and h == "C") for c in cs])
    show("reads on the helper", [sum(1 for t, n, h, x in c if n == "read>" and h == "H") for c in cs])
    show("chunks the agent got", [sum(1 for t, n, h, x in c if n == "got") for c in cs])
    show("posts (llm.chunk released, llm.response)", [sum(1 for t, n, h, x in c if n == "post<") for c in cs])
    show("asks (begin)", [sum(1 for t, n, h, x in c if n == "begin<") for c in cs])
    for name in ("prepare", "build", "send", "post", "tap.finish"):
        show(f"CPU of all {name} (thread_time)", [cpu(c, name) for c in cs])
