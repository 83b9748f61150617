"""Bench agent for bench/throughput.mjs: THREADS callers in this agent make governed calls (request and
response decisions, no HTTP) as fast as they can for BENCH_SECONDS from the time written into the
file BENCH_GO (once every agent has said ready); or, with BENCH_MODE=echo, two raw AF_UNIX echo round
trips per call to BENCH_ECHO_PATH (the baseline)."""
import json
import os
import socket
import threading
import time

from benchlib import URL, chat_body, chat_headers, write_results

THREADS = int(os.environ["BENCH_THREADS"])
GO = os.environ["BENCH_GO"]
SECONDS = float(os.environ["BENCH_SECONDS"])
MODE = os.environ.get("BENCH_MODE", "governed")
counts = [0] * THREADS
started = [0.0] * THREADS
body_bytes = json.dumps(chat_body()).encode()
headers = chat_headers()
header_map = dict(headers)
reply = json.dumps({"id": "chatcmpl-1", "model": "gpt-4o-mini", "choices": [{"index": 0, "message": {
    "role": "assistant", "content": "It is on its way."}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 80, "completion_tokens": 8, "total_tokens": 88}}).encode()


def governed(index, stop):
    from iron_shim import runtime

    gov = runtime.governor
    target = gov.match("POST", URL, lambda name: None)
    while time.time() < stop:
        verdict = gov.before(target, "POST", URL, headers, body_bytes, "httpx")
        gov.responses.after(verdict.call, 200, header_map.get, reply)
        counts[index] += 1


def echo(index, stop):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(os.environ["BENCH_ECHO_PATH"])
    payload = b"x" * 1100
    while time.time() < stop:
        for _ in range(2):
            sock.sendall(payload)
            got = 0
            while got < len(payload):
                got += len(sock.recv(65536))
        counts[index] += 1
    sock.close()


def worker(index, start_at):
    time.sleep(max(0.0, start_at - time.time()))
    started[index] = time.time()
    (governed if MODE == "governed" else echo)(index, start_at + SECONDS)


if MODE == "governed":
    from iron_shim import runtime

    assert runtime.governor.client.wait_ready(10.0) == "ready"
print("ready", flush=True)
while not os.path.exists(GO):
    time.sleep(0.005)
with open(GO, encoding="utf-8") as f:
    START_AT = float(f.read())
threads = [threading.Thread(target=worker, args=(i, START_AT)) for i in range(THREADS)]
for t in threads:
    t.start()
cpu0 = time.process_time()
for t in threads:
    t.join()
write_results({"calls": sum(counts), "cpu": time.process_time() - cpu0, "late_ms": 1000 * (max(started) - START_AT)})
