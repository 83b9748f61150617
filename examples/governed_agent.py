"""An agent for the annotated iron.yaml: a few ordinary calls through plain urllib, so each
of iron's built-in policies gets something to decide. It knows nothing about iron.

    iron mock-llm --echo &                       # prints its base URL
    OPENAI_BASE_URL=http://127.0.0.1:PORT/v1 iron run --config examples/iron.yaml --trace
"""
import json
import os
import urllib.error
import urllib.request

BASE_URL = os.environ.get("OPENAI_BASE_URL", "https://api.openai.com/v1")
API_KEY = os.environ.get("OPENAI_API_KEY", "sk-no-key")


def chat(model, prompt, max_tokens=200, headers=None):
    """One chat completion; prints what came back (or the error iron answered with)."""
    body = {"model": model, "messages": [{"role": "user", "content": prompt}], "max_tokens": max_tokens}
    request = urllib.request.Request(
        BASE_URL + "/chat/completions", data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", "Authorization": "Bearer " + API_KEY, **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            reply = json.load(response)
            print(f"agent: {model} -> {reply['model']}: {reply['choices'][0]['message']['content']!r}")
    except urllib.error.HTTPError as error:
        detail = json.loads(error.read() or b"{}").get("error", {})
        print(f"agent: {model} refused with HTTP {error.code} {detail.get('code')}: {detail.get('message')}")


if __name__ == "__main__":
    # Safety: the email and the card number never leave the process (input redaction).
    chat("gpt-4o-mini", "My email is jane.doe@example.com and my card is 4111 1111 1111 1111. Repeat them.")
    # IP addresses may leave (input: ip: allow), but not come back (output redaction).
    chat("gpt-4o-mini", "Is host 10.20.30.40 reachable?")
    # Reliability: the provider fails three times in a row (a mock fault), the breaker opens ...
    for _ in range(3):
        chat("gpt-4o", "Draft a haiku.", headers={"x-mock-status": "500"})
    # ... and the next gpt-4o call is rerouted to the configured fallback.
    chat("gpt-4o", "Draft a haiku about circuit breakers.")
    # Cost: a call whose worst case does not fit the remaining budget is refused with 402.
    chat("gpt-4o", "Write a very long essay on the history of tea.", max_tokens=100000)
