"""Bench agent for bench/roundtrip.mjs, run by Debian's python3 with the shim injected (sup.spawn).

Times, in the same process and interleaved in rounds so machine noise hits every method alike:
- shim:        the shim's client round trip of a typical llm.request (encode, send, the supervisor's
               decision, reply, decode), the headline figure;
- shim_call:   a whole governed call without HTTP: Governor.before() + Governor.after();
- echo:        the same bytes over a raw AF_UNIX socket to a Node echo server (the transport floor);
- pyzmq:       pyzmq + msgpack (C) sending the same llm.request to the same supervisor ROUTER;
- pyzmq_echo:  pyzmq to iron's ROUTER socket that only echoes (libzmq + the ZMTP socket, no policies);
- zmtp_echo:   the shim's stdlib ZMTP connection to that echo ROUTER, read by the calling thread.
"""
import gc
import json
import os
import socket
import sys
import time

import msgpack
import zmq

from benchlib import URL, chat_body, chat_headers, write_results
from iron_shim import handshake, protocol, runtime, zmtp
from iron_shim.codec import packb
from iron_shim.connection import Connection

CALLS = int(os.environ["BENCH_CALLS"])
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "10"))
WARMUP = int(os.environ.get("BENCH_WARMUP", "500"))
perf = time.perf_counter_ns

gov = runtime.governor
client = gov.client
if client.wait_ready(10.0) != "ready":
    sys.exit(f"shim not connected: {client.status()}")

body = chat_body()
headers_list = chat_headers()
scrubbed = {k: v for k, v in headers_list if k not in ("authorization",)}
response_body = json.dumps({"id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o-mini",
                            "choices": [{"index": 0, "message": {"role": "assistant", "content": "It is on its way."},
                                         "finish_reason": "stop"}],
                            "usage": {"prompt_tokens": 80, "completion_tokens": 8, "total_tokens": 88}}).encode()


def fresh_body(n):
    """The typical body with a new last message each call (as agents send): no engine cache hits on it."""
    return dict(body, messages=[body["messages"][0], dict(body["messages"][1], content=body["messages"][1]["content"]
                                                          + " (ref %d)" % n)])


def request_msg(call_id, n=0):
    """The llm.request the shim sends for the typical chat call."""
    return protocol.llm_request(protocol.next_id(), call_id, "openai", "chat.completions", "gpt-4o-mini", "POST",
                                URL, scrubbed, fresh_body(n), False, 80, 256, "httpx", {})


def response_msg(call_id):
    """Its llm.response (sent untimed, so the engine settles and forgets the call)."""
    return protocol.llm_response(protocol.next_id(), call_id, 200, {"input_tokens": 80, "output_tokens": 8},
                                 "It is on its way.", None, 1.0, False, True, None, None, "gpt-4o-mini")


FRAME = zmtp.encode_frame(packb(request_msg("c-0000000000000000")))
counter = [0]


def next_call():
    counter[0] += 1
    return "c-%016x" % counter[0], counter[0]


def m_shim():
    call, n = next_call()
    msg = request_msg(call, n)
    t0 = perf()
    reply = client.request(msg)
    t1 = perf()
    assert reply["action"] == "allow", reply
    client.request(response_msg(call))
    return t1 - t0


target = gov.match("POST", URL, lambda name: None)
header_map = dict(headers_list)


def m_shim_call():
    data = json.dumps(fresh_body(next_call()[1])).encode()
    t0 = perf()
    verdict = gov.before(target, "POST", URL, headers_list, data, "httpx")
    outcome = gov.responses.after(verdict.call, 200, header_map.get, response_body)
    t1 = perf()
    assert verdict.action == "send" and outcome.action == "keep", (verdict, outcome)
    return t1 - t0


echo = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
echo.connect(os.environ["BENCH_ECHO_PATH"])
n_frame = len(FRAME)


def m_echo():
    t0 = perf()
    echo.sendall(FRAME)
    got = 0
    while got < n_frame:
        got += len(echo.recv(65536))
    return perf() - t0


ctx = zmq.Context()
dealer = ctx.socket(zmq.DEALER)
dealer.setsockopt(zmq.LINGER, 0)
dealer.connect(os.environ["IRON_ENDPOINT"])
# The challenge-response of SPEC 3.1a, with the shim's own proof functions.
nonce = handshake.new_nonce()
hello_payload = msgpack.packb(protocol.hello(protocol.next_id(), os.environ["IRON_AGENT_ID"], nonce, "bench", None))
dealer.send(hello_payload)
challenge = msgpack.unpackb(dealer.recv())
assert challenge["type"] == "challenge", challenge
auth_key, auth_ctx = handshake.token_key(os.environ["IRON_TOKEN"]), handshake.context(hello_payload)
assert handshake.supervisor_proved(auth_key, nonce, challenge["nonce"], auth_ctx, challenge["proofs"])
dealer.send(msgpack.packb({"v": 1, "type": "proof", "id": protocol.next_id(),
                           "proof": handshake.client_proof(auth_key, nonce, challenge["nonce"], auth_ctx)}))
welcome = msgpack.unpackb(dealer.recv())
assert welcome["type"] == "welcome", welcome


def m_pyzmq():
    call, n = next_call()
    msg = request_msg(call, n)
    t0 = perf()
    dealer.send(msgpack.packb(msg))
    reply = msgpack.unpackb(dealer.recv())
    t1 = perf()
    assert reply["action"] == "allow", reply
    dealer.send(msgpack.packb(response_msg(call)))
    dealer.recv()
    return t1 - t0


echo_dealer = ctx.socket(zmq.DEALER)
echo_dealer.setsockopt(zmq.LINGER, 0)
echo_dealer.connect(os.environ["BENCH_ZMQ_ECHO"])
PAYLOAD = packb(request_msg("c-0000000000000000"))


def m_pyzmq_echo():
    t0 = perf()
    echo_dealer.send(PAYLOAD)
    echo_dealer.recv()
    return perf() - t0


conn = Connection.open(os.environ["BENCH_ZMQ_ECHO"], time.monotonic() + 5)


def m_zmtp_echo():
    t0 = perf()
    conn.send(FRAME)
    frames = []
    while not frames:
        frames = [f for f in conn.read_frames() if f.command is None]
    return perf() - t0


METHODS = {"shim": (m_shim, 1), "shim_call": (m_shim_call, 4), "echo": (m_echo, 1), "pyzmq": (m_pyzmq, 1),
           "pyzmq_echo": (m_pyzmq_echo, 1), "zmtp_echo": (m_zmtp_echo, 1)}
only = [m for m in os.environ.get("BENCH_METHODS", ",".join(METHODS)).split(",") if m]
samples = {name: [] for name in only}
cpu = {name: 0.0 for name in only}
for name in only:
    fn = METHODS[name][0]
    for _ in range(WARMUP):
        fn()
gc.collect()
for r in range(ROUNDS):
    for name in only:
        fn, divisor = METHODS[name]
        out = samples[name]
        c0 = time.process_time()
        for _ in range(max(1, CALLS // ROUNDS // divisor)):
            out.append(fn())
        cpu[name] += time.process_time() - c0
    sys.stderr.write(f"round {r + 1}/{ROUNDS}\n")
write_results({"samples": {name: [ns / 1000.0 for ns in values] for name, values in samples.items()},
               "cpu_us": {name: 1e6 * cpu[name] / max(1, len(samples[name])) for name in only}})
conn.close()
dealer.close()
echo_dealer.close()
ctx.term()
