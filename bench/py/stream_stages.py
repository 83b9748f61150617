"""Profile agent for bench/stream-stages.mjs: streamed calls to the local mock, each stage timed.

Run as an agent (shim injected). For every streamed call it records, in wall-clock µs relative to the
call's start: each supervisor round trip (message type, sent, answered) and each fire-and-forget post,
the first body bytes the HTTP library handed over, the first and last chunk the caller saw. The same
calls without iron (shim uninstalled) give the baseline. BENCH_LIB: httpx (default), urllib, aiohttp."""
import asyncio
import json
import os
import socket
import time

_create_connection = socket.create_connection


def _nodelay_connection(*args, **kwargs):
    sock = _create_connection(*args, **kwargs)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


socket.create_connection = _nodelay_connection

from benchlib import chat_body, write_results
from iron_shim import client as shim_client
from iron_shim import runtime

BASE = os.environ["BENCH_BASE_URL"]
CALLS = int(os.environ.get("BENCH_CALLS", "300"))
LIB = os.environ.get("BENCH_LIB", "httpx")
SETTINGS = runtime._settings
now = lambda: time.time_ns() // 1000  # noqa: E731 - wall clock µs, comparable with the supervisor's
trace = []

_request, _request_async, _post = shim_client.Client.request, shim_client.Client.request_async, shim_client.Client.post


def _timed_request(self, msg):
    t = now()
    try:
        return _request(self, msg)
    finally:
        trace.append({"type": msg.get("type"), "id": msg.get("id"), "sent": t, "answered": now()})


async def _timed_request_async(self, msg):
    t = now()
    try:
        return await _request_async(self, msg)
    finally:
        trace.append({"type": msg.get("type"), "id": msg.get("id"), "sent": t, "answered": now()})


def _timed_post(self, msg):
    t = now()
    _post(self, msg)
    trace.append({"type": msg.get("type"), "id": msg.get("id"), "sent": t, "posted": now()})


shim_client.Client.request, shim_client.Client.request_async, shim_client.Client.post = (
    _timed_request,
    _timed_request_async,
    _timed_post,
)

if hasattr(shim_client.Client, "begin"):  # pipelined asks: sent by begin(), answered by finish()
    _begin, _finish, _begun = shim_client.Client.begin, shim_client.Client.finish, {}

    def _timed_begin(self, msg):
        _begun[msg.get("id")] = (msg.get("type"), now())
        return _begin(self, msg)

    def _timed_finish(self, pending):
        try:
            return _finish(self, pending)
        finally:
            kind, t = _begun.pop(pending.msg_id, (None, None))
            trace.append({"type": kind, "id": pending.msg_id, "sent": t, "answered": now()})

    shim_client.Client.begin, shim_client.Client.finish = _timed_begin, _timed_finish


def _mark(name, fn):
    """Records when fn was entered and left (the first time per call)."""

    def marked(*args, **kwargs):
        t = now()
        try:
            return fn(*args, **kwargs)
        finally:
            trace.append({"type": name, "id": None, "sent": t, "answered": now()})

    return marked


from iron_shim import tap as shim_tap

for name in ("_ReadAhead", "ReadAhead", "Pipeline"):  # before issue 14's streams work, after, and pipelined
    if hasattr(shim_tap, name):
        getattr(shim_tap, name).__init__ = _mark("readahead.start", getattr(shim_tap, name).__init__)
if hasattr(shim_tap, "Pipeline"):  # the pipelined asks (read_ahead.Pipeline)
    shim_tap.Pipeline._pump = _mark("pipeline helper (start..end)", shim_tap.Pipeline._pump)
    shim_tap.Pipeline._flush = _mark("pipeline flush (prepare+send)", shim_tap.Pipeline._flush)
    shim_tap.Pipeline._answer = _mark("pipeline answer (wait+build)", shim_tap.Pipeline._answer)
shim_tap.StreamTap.feed = _mark("tap.feed", shim_tap.StreamTap.feed)
shim_tap.StreamTap.tail = _mark("tap.tail", shim_tap.StreamTap.tail)
shim_tap.StreamTap.finish = _mark("tap.finish", shim_tap.StreamTap.finish)
from iron_shim import stream_side as shim_stream_side

shim_stream_side.StreamReporter.open = _mark("reporter.open", shim_stream_side.StreamReporter.open)
try:
    from iron_shim import tee as shim_tee  # the tee moved out of tap.py with the pipelined asks
except ImportError:
    shim_tee = shim_tap
shim_tee.tee = _mark("tee() called", shim_tee.tee)
shim_tap.ChunkFilter.on_events = _mark("filter.on_events", shim_tap.ChunkFilter.on_events)
if LIB == "httpx":
    import httpx
    from iron_shim.interceptors import httpx_ as shim_httpx

    shim_httpx.HttpxExchange.tap_stream = _mark("exchange.tap_stream", shim_httpx.HttpxExchange.tap_stream)

    httpx.HTTPTransport.handle_request = _mark("http.send+headers", httpx.HTTPTransport.handle_request)
body = json.dumps(chat_body(stream=True)).encode()
headers = {"authorization": "Bearer sk-bench-not-a-real-key", "content-type": "application/json"}


def stream_httpx(client):
    first = None
    with client.stream("POST", "/chat/completions", content=body, headers=headers) as response:
        for chunk in response.iter_bytes():
            if chunk and first is None:
                first = now()
    return first


def stream_urllib(_):
    import urllib.request

    first = None
    req = urllib.request.Request(BASE + "/chat/completions", data=body, headers=headers, method="POST")
    with urllib.request.urlopen(req) as response:
        while True:
            chunk = response.read1(65536) if hasattr(response, "read1") else response.read(65536)
            if not chunk:
                break
            if first is None:
                first = now()
    return first


async def stream_aiohttp(session):
    first = None
    async with session.post(BASE + "/chat/completions", data=body, headers=headers) as response:
        async for chunk in response.content.iter_any():
            if chunk and first is None:
                first = now()
    return first


def run(side, n, one, client):
    out = []
    for _ in range(n):
        del trace[:]
        t0 = now()
        first = one(client)
        end = now()
        out.append(
            {
                "side": side,
                "t0": t0,
                "first": first - t0,
                "last": end - t0,
                "trace": [
                    {k: (v - t0 if k in ("sent", "answered", "posted") else v) for k, v in m.items()} for m in trace
                ],
            }
        )
    return out


async def arun(side, n, session):
    out = []
    for _ in range(n):
        del trace[:]
        t0 = now()
        first = await stream_aiohttp(session)
        end = now()
        out.append(
            {
                "side": side,
                "t0": t0,
                "first": first - t0,
                "last": end - t0,
                "trace": [
                    {k: (v - t0 if k in ("sent", "answered", "posted") else v) for k, v in m.items()} for m in trace
                ],
            }
        )
    return out


def shim(on):
    if on:
        runtime.install(SETTINGS, wait=True)
    else:
        runtime.uninstall()


async def amain():
    import aiohttp

    samples = []
    async with aiohttp.ClientSession() as session:
        for r in range(12):
            for side in ("iron", "plain") if r % 2 == 0 else ("plain", "iron"):
                shim(side == "iron")
                got = await arun(side, max(1, CALLS // 10), session)
                if r >= 2:
                    samples += got
    return samples


if LIB == "aiohttp":
    samples = asyncio.run(amain())
else:
    samples = []
    client = None
    if LIB == "httpx":
        import httpx

        client = httpx.Client(base_url=BASE, timeout=30)
    one = stream_httpx if LIB == "httpx" else stream_urllib
    for r in range(12):  # two warm-up rounds
        for side in ("iron", "plain") if r % 2 == 0 else ("plain", "iron"):
            shim(side == "iron")
            got = run(side, max(1, CALLS // 10), one, client)
            if r >= 2:
                samples += got
write_results(samples)
