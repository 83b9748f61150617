"""Agent for count.mjs: THREADS callers each make WARM governed calls, then wait for the go file,
make CALLS more, say done and wait for the end file before exiting (so the supervisor's work for an
agent leaving is not counted). Same call as bench/py/throughput.py."""
import os
import sys
import threading
import time

sys.path.insert(0, os.environ["BENCH_PY"])
from benchlib import URL, chat_body, chat_headers  # noqa: E402

import json  # noqa: E402

THREADS = int(os.environ["COUNT_THREADS"])
WARM = int(os.environ["COUNT_WARM"])
CALLS = int(os.environ["COUNT_CALLS"])
SYNC = os.environ["COUNT_DIR"]
NAME = os.environ["COUNT_NAME"]
body_bytes = json.dumps(chat_body()).encode()
headers = chat_headers()
header_map = dict(headers)
reply = json.dumps({"id": "chatcmpl-1", "model": "gpt-4o-mini", "choices": [{"index": 0, "message": {
    "role": "assistant", "content": "It is on its way."}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 80, "completion_tokens": 8, "total_tokens": 88}}).encode()


def wait_for(name):
    path = os.path.join(SYNC, name)
    while not os.path.exists(path):
        time.sleep(0.01)


def mark(name):
    with open(os.path.join(SYNC, name), "w", encoding="utf-8"):
        pass


def caller(warmed):
    from iron_shim import runtime

    gov = runtime.governor
    target = gov.match("POST", URL, lambda name: None)
    for phase, n in enumerate((WARM, CALLS)):
        for _ in range(n):
            verdict = gov.before(target, "POST", URL, headers, body_bytes, "httpx")
            gov.responses.after(verdict.call, 200, header_map.get, reply)
        if phase == 0:
            warmed.wait()
            wait_for("go")


from iron_shim import runtime  # noqa: E402

assert runtime.governor.client.wait_ready(60.0) == "ready"
barrier = threading.Barrier(THREADS + 1)
threads = [threading.Thread(target=caller, args=(barrier,)) for _ in range(THREADS)]
for t in threads:
    t.start()
barrier.wait()
mark(f"warm-{NAME}")
for t in threads:
    t.join()
mark(f"done-{NAME}")
wait_for("end")
