"""Bench agent for bench/http-overhead.mjs: real httpx calls to the local mock provider, timed here.

Run as an agent (shim injected); the shim is uninstalled and installed again between rounds, so
calls with and without iron alternate in one process over one httpx client: non-streamed chat
completions (whole call) and streamed ones (time to the first chunk and to the last)."""
import os
import socket
import time

import httpx

_create_connection = socket.create_connection


def _nodelay_connection(*args, **kwargs):
    """httpx 0.23 (Debian's) writes headers and body in two sends and has no socket_options: without
    TCP_NODELAY every call waits out a 40 ms delayed ACK, on both sides of the comparison alike."""
    sock = _create_connection(*args, **kwargs)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


socket.create_connection = _nodelay_connection

from benchlib import chat_body, write_results
from iron_shim import runtime

BASE = os.environ["BENCH_BASE_URL"]
CALLS = int(os.environ["BENCH_CALLS"])
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "10"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "30"))
perf = time.perf_counter_ns
SETTINGS = runtime._settings

client = httpx.Client(base_url=BASE, headers={"authorization": "Bearer sk-bench-not-a-real-key"}, timeout=30)
plain, stream = chat_body(), chat_body(stream=True)
results = {side: {"total": [], "first": [], "last": []} for side in ("iron", "plain")}


def one_plain():
    t0 = perf()
    response = client.post("/chat/completions", json=plain)
    response.read()
    assert response.status_code == 200, response.text
    return perf() - t0


def one_stream():
    t0 = perf()
    t_first = None
    with client.stream("POST", "/chat/completions", json=stream) as response:
        assert response.status_code == 200
        for chunk in response.iter_bytes():
            if chunk and t_first is None:
                t_first = perf()
    return t_first - t0, perf() - t0


def run(side, n):
    """n plain and n streamed calls, recorded under side ("iron" or "plain")."""
    out = results[side]
    for _ in range(n):
        out["total"].append(one_plain() / 1000.0)
        f, l = one_stream()
        out["first"].append(f / 1000.0)
        out["last"].append(l / 1000.0)


def shim(on):
    """Installs (and waits for the connection) or uninstalls the shim."""
    if on:
        runtime.install(SETTINGS, wait=True)
    else:
        runtime.uninstall()


for side in ("iron", "plain"):
    shim(side == "iron")
    run(side, WARMUP)
results = {side: {"total": [], "first": [], "last": []} for side in ("iron", "plain")}
for r in range(ROUNDS):
    for side in (("iron", "plain") if r % 2 == 0 else ("plain", "iron")):
        shim(side == "iron")
        governed = runtime.governor is not None
        assert governed == (side == "iron")
        run(side, max(1, CALLS // ROUNDS))
client.close()
write_results(results)
