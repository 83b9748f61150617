"""A long-running agent for the TypeScript API example: it asks an OpenAI-compatible API a
question every 0.2 s — mostly gpt-4o-mini, every third time gpt-4 — until it is stopped.

Like any agent it knows nothing about iron: run it under `iron run` or `sup.spawn()` and
every call is governed.
"""
import itertools
import json
import os
import time
import urllib.error
import urllib.request

BASE_URL = os.environ.get("OPENAI_BASE_URL", "https://api.openai.com/v1")
API_KEY = os.environ.get("OPENAI_API_KEY", "sk-no-key")


def ask(model, prompt):
    """One chat completion; prints the answer or the refusal."""
    body = {"model": model, "messages": [{"role": "user", "content": prompt}], "max_tokens": 50}
    request = urllib.request.Request(BASE_URL + "/chat/completions", data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "Authorization": "Bearer " + API_KEY})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            print(f"worker: {model}: {json.load(response)['choices'][0]['message']['content']!r}", flush=True)
    except urllib.error.HTTPError as error:
        print(f"worker: {model} refused with HTTP {error.code}", flush=True)


if __name__ == "__main__":
    for n in itertools.count(1):
        ask("gpt-4" if n % 3 == 0 else "gpt-4o-mini", f"Give me fact number {n} about tea.")
        time.sleep(0.2)
