"""The shim's own cost of one governed non-streamed call, for instruction counts (valgrind --tool=callgrind)
and cProfile: BENCH_CALLS sequential gov.before + gov.responses.after (no HTTP) on one thread, under
`iron run`, as bench/py/throughput.py's loop. Run it twice (e.g. 100 and 300 calls) and subtract: the
difference / 200 is the cost per call, start-up and warm-up cancelled. BENCH_PROFILE=<file> writes a
cProfile of the loop instead."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import URL, chat_body, chat_headers, chat_reply  # noqa: E402

CALLS = int(os.environ.get("BENCH_CALLS", "100"))
body_bytes = json.dumps(chat_body()).encode()
headers = chat_headers()
header_map = dict(headers)
reply = chat_reply()


def loop(n):
    from iron_shim import runtime

    gov = runtime.governor
    for _ in range(n):
        target = gov.match("POST", URL, header_map.get)
        verdict = gov.before(target, "POST", URL, headers, body_bytes, "httpx")
        gov.responses.after(verdict.call, 200, header_map.get, reply)


from iron_shim import runtime  # noqa: E402

assert runtime.governor.client.wait_ready(10.0) == "ready"
loop(20)  # warm: first-call imports, caches
if os.environ.get("BENCH_PROFILE"):
    import cProfile

    cProfile.run("loop(CALLS)", os.environ["BENCH_PROFILE"])
else:
    loop(CALLS)
