"""Median per-call differences new - old from modes.py's output (µs)."""
import json, sys, statistics as st
d = json.load(open(sys.argv[1]))
a, b = list(d)
old, new = d[a], d[b]
print(f"new = {b}, old = {a}")
n = min(len(old), len(new))
for k, label in ((0, "last chunk"), (1, "end of the call")):
    diffs = [new[i][k] - old[i][k] for i in range(n)]
    print(f"{label:16s} old p50 {st.median(x[k] for x in old):8.1f}  new p50 {st.median(x[k] for x in new):8.1f}  median(new-old) {st.median(diffs):+7.1f} us  (n={n})")
print("posts a call: old", st.mean(x[2] for x in old), "new", st.mean(x[2] for x in new))
