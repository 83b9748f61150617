import json, os, sys, time, urllib.request
sys.path.insert(0, "/work/main/bench/py")
from benchlib import chat_body
URL = os.environ["BENCH_BASE_URL"].rstrip("/") + "/chat/completions"
CALLS = int(os.environ.get("BENCH_CALLS", "1000"))
HEADERS = {"content-type": "application/json", "authorization": "Bearer sk-bench-not-a-real-key"}
perf = time.perf_counter_ns
log = []
from iron_shim import connection as K, client as C
osend = K.Connection.send
def tsend(self, data):
    t = perf(); osend(self, data); log.append(("send", t, perf(), len(data)))
K.Connection.send = tsend
orw = K.Connection.read_within
def trw(self, t):
    r = orw(self, t); log.append(("recv", perf(), r is not None)); return r
K.Connection.read_within = trw
orq = C.Client.request
def trq(self, msg):
    t = perf(); r = orq(self, msg); log.append(("req", t, perf(), msg.get("type"))); return r
C.Client.request = trq
def one(n):
    body = chat_body(); body["messages"][1]["content"] += " (ref %d)" % n
    data = json.dumps(body).encode()
    t0 = perf()
    with urllib.request.urlopen(urllib.request.Request(URL, data=data, headers=HEADERS, method="POST")) as response:
        answer = json.loads(response.read())
    log.append(("call", t0, perf()))
for i in range(CALLS): one(i)
json.dump(log, open("/tmp/exp/py-times.json", "w"))
