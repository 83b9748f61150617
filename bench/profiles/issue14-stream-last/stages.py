import json, sys, statistics as st
d = json.load(open(sys.argv[1]))
def first(c, name, th=None, after=0.0):
    for t, n, h, x in c:
        if n == name and (th is None or h == th) and t >= after:
            return t
    return None
def last(c, name, th=None):
    r = None
    for t, n, h, x in c:
        if n == name and (th is None or h == th):
            r = t
    return r
def med(xs):
    xs = [x for x in xs if x is not None]
    return (st.median(xs), len(xs)) if xs else (None, 0)
def show(label, xs):
    m, n = med(xs)
    print(f"  {label:44s} {m:9.1f} us  (n={n})" if m is not None else f"  {label}: -")
for side in ("plain", "iron"):
    cs = d[side]
    print(side, len(cs))
    show("end", [c[-1][0] for c in cs])
    show("t0 -> http<", [first(c, "http<") for c in cs])
    show("request round trip", [first(c, "request>") - first(c, "request<") if first(c, "request<") else None for c in cs])
    show("http< -> http>", [first(c, "http>") - first(c, "http<") for c in cs])
    show("http> -> first got", [first(c, "got") - first(c, "http>") for c in cs])
    show("first got -> last got", [last(c, "got") - first(c, "got") for c in cs])
    show("last got -> iter_end", [first(c, "iter_end") - last(c, "got") for c in cs])
    show("iter_end -> end", [c[-1][0] - first(c, "iter_end") for c in cs])
    if side == "iron":
        show("http> -> tap_stream<", [first(c, "tap_stream<") - first(c, "http>") for c in cs])
        show("first got -> helper read<", [first(c, "read<", "H") - first(c, "got") if first(c, "read<", "H") else None for c in cs])
        show("helper reads (first read< -> last read>)", [last(c, "read>", "H") - first(c, "read<", "H") if first(c, "read<", "H") else None for c in cs])
        show("last read> -> begin<", [first(c, "begin<") - last(c, "read>") if first(c, "begin<") else None for c in cs])
        show("begin< -> begin>", [first(c, "begin>") - first(c, "begin<") if first(c, "begin<") else None for c in cs])
        show("begin< -> finish> (last)", [last(c, "finish>") - first(c, "begin<") if first(c, "begin<") else None for c in cs])
        show("last finish> -> last build>", [last(c, "build>") - last(c, "finish>") if last(c, "finish>") else None for c in cs])
        show("last build< -> last build>", [last(c, "build>") - last(c, "build<") for c in cs])
        show("last build> -> last got", [last(c, "got") - last(c, "build>") for c in cs])
        show("asks per call", [sum(1 for t, n, h, x in c if n == "begin<") for c in cs])
        show("tap.finish< -> post>", [first(c, "post>") - first(c, "tap.finish<") if first(c, "post>") else None for c in cs])
    if side == "iron":
        def cpu(name, th=None):
            xs = []
            for c in cs:
                v = [x for t, n, h, x in c if n == name + ">" and (th is None or h == th)]
                if v: xs.append(v[-1])
            show(f"CPU of last {name}", xs)
        cpu("build"); cpu("prepare", "H"); cpu("begin"); cpu("post"); cpu("tap.finish"); cpu("http"); cpu("request")
