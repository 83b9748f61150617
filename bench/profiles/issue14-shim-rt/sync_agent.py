"""The agent measured here: sequential urllib calls (BENCH_CALLS after 20 warm-up) to BENCH_BASE_URL."""
import json, os, sys, time, urllib.request
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "py"))
from benchlib import chat_body
URL = os.environ["BENCH_BASE_URL"].rstrip("/") + "/chat/completions"
CALLS = int(os.environ.get("BENCH_CALLS", "200"))
HEADERS = {"content-type": "application/json", "authorization": "Bearer sk-bench-not-a-real-key"}
def one(n):
    body = chat_body(); body["messages"][1]["content"] += " (ref %d)" % n
    data = json.dumps(body).encode()
    with urllib.request.urlopen(urllib.request.Request(URL, data=data, headers=HEADERS, method="POST")) as response:
        return json.loads(response.read())
for i in range(20): one(i)
t = time.perf_counter()
for i in range(CALLS): one(i)
el = time.perf_counter() - t
if os.environ.get("AGENT_OUT"):
    open(os.environ["AGENT_OUT"], "w").write(json.dumps({"calls": CALLS, "per_call_us": el / CALLS * 1e6}))
