"""Usage: SHIFT=1 python3 cpu.py <tree> [prof]. CPU of prepare/build for the mock's burst through a watched tap, instant allow answer."""
import json, sys, time, cProfile, pstats
sys.path.insert(0, sys.argv[1] + "/python")
from iron_shim.stream_filter import ChunkFilter, Answer
from iron_shim.stream_text import TextShape
from iron_shim.streams import accumulator_for
from iron_shim.tap import StreamTap
import os
SHIFT = os.environ.get('SHIFT') == '1'
chunks = [c.encode() for c in json.load(open(os.environ.get("BODY", "mock-chat-stream.json")))]  # the mock's stream, as httpx read it
def make():
    acc = accumulator_for("openai", "chat.completions", True)
    f = ChunkFilter(TextShape(), lambda a, s: b"", strip_usage_null=True)
    return StreamTap(acc, lambda *a: None, "", rewrite=True, chunks=f, ask=lambda a: Answer("allow", a.texts))
def one():
    tap = make()
    t0 = time.perf_counter_ns()
    out = tap.build(tap.prepare(chunks[0]), Answer("allow", ()))
    p = tap.prepare(chunks[1])
    p = tap.joined(p, tap.prepare(b"".join(chunks[2:])))
    p = tap.joined(p, tap.prepare(None))
    t1 = time.perf_counter_ns()
    ts = p.ask.texts
    a = Answer("allow", ("",) + ts[:-1], ts[-1]) if SHIFT else Answer("allow", ts)
    out = tap.build(p, a)
    t2 = time.perf_counter_ns()
    return (t1 - t0) / 1e3, (t2 - t1) / 1e3, out
for _ in range(200): one()
rs = [one() for _ in range(2000)]
import statistics as st
print("prepare p50 %.1f min %.1f us  build p50 %.1f min %.1f us" % (st.median(r[0] for r in rs), min(r[0] for r in rs), st.median(r[1] for r in rs), min(r[1] for r in rs)))
if len(sys.argv) > 2:
    pr = cProfile.Profile(); pr.enable()
    for _ in range(2000): one()
    pr.disable(); pstats.Stats(pr).sort_stats("tottime").print_stats(25)
