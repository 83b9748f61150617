"""The agent `iron demo` runs: four chat completions through plain urllib.

It knows nothing about iron. Run it under `iron run` (or `iron demo`) and each call is
governed before it leaves the process: the first is allowed, the second is rewritten by a
custom policy, the third has personal data redacted by the safety policy before it leaves,
and the fourth is denied by the budget and comes back as an HTTP 402, exactly as an API
error from OpenAI would.
"""
import json
import os
import urllib.error
import urllib.request

BASE_URL = os.environ.get("OPENAI_BASE_URL", "https://api.openai.com/v1")
API_KEY = os.environ.get("OPENAI_API_KEY", "sk-no-key")


def chat(model, prompt, max_tokens, echo=False):
    """One OpenAI chat completion, the way any stdlib-only client would send it."""
    body = {"model": model, "messages": [{"role": "user", "content": prompt}], "max_tokens": max_tokens}
    headers = {"Content-Type": "application/json", "Authorization": "Bearer " + API_KEY}
    if echo:
        # iron mock-llm's echo header: the reply repeats what the provider received.
        headers["x-mock-echo"] = "1"
    request = urllib.request.Request(
        BASE_URL + "/chat/completions", data=json.dumps(body).encode(), headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            reply = json.load(response)
            text = reply["choices"][0]["message"]["content"]
            print(f"agent: {model} -> {reply['model']}: {text!r}")
    except urllib.error.HTTPError as error:
        detail = json.loads(error.read() or b"{}").get("error", {})
        print(f"agent: {model} refused with HTTP {error.code} {detail.get('code')}: {detail.get('message')}")


if __name__ == "__main__":
    chat("gpt-4o-mini", "Summarise the plot of Hamlet in one line.", 100)
    chat("gpt-4o", "Suggest three names for a cat.", 150)
    chat("gpt-4o-mini", "Draft a reply to jane.doe@example.com; my card is 4111 1111 1111 1111.", 100, echo=True)
    chat("gpt-4o", "Write a very long essay on the history of tea.", 4000)
