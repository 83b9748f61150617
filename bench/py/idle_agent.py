"""Bench agent for bench/startup.mjs and bench/memory.mjs: hands out its connection settings (for
short-lived joiners), optionally imports httpx, says ready, then idles until stopped."""
import json
import os
import sys
import time

if os.environ.get("BENCH_IMPORT_HTTPX") == "1":
    import httpx  # noqa: F401
if os.environ.get("BENCH_ENV_OUT"):
    with open(os.environ["BENCH_ENV_OUT"], "w", encoding="utf-8") as f:
        json.dump({k: os.environ[k] for k in ("IRON_ENDPOINT", "IRON_AGENT_ID", "IRON_TOKEN")}, f)
if "iron_shim" in sys.modules:
    from iron_shim import runtime

    runtime.governor.client.wait_ready(10.0)
print("ready", flush=True)
while True:
    time.sleep(1)
