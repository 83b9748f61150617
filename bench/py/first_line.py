"""Bench agent for bench/startup.mjs: prints one line at once and exits (time to the agent's first line)."""
print("first line", flush=True)
