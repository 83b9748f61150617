"""A notebook-style agent that joins a running `iron serve` from code: it installs the shim,
asks questions on behalf of two users (each call attributed with iron_shim.context), shows
what the shim knows (status), and uninstalls. With examples/serve.yaml each user has a small
budget: alice runs out while bob carries on.

    iron mock-llm &                                   # prints http://127.0.0.1:PORT/v1
    iron serve --config examples/serve.yaml           # prints the endpoint and the join token
    OPENAI_BASE_URL=http://127.0.0.1:PORT/v1 python examples/notebook_agent.py ENDPOINT [TOKEN_FILE]

iron_shim must be importable: `pip install ./python`, or PYTHONPATH=python.
"""
import json
import os
import sys
import urllib.error
import urllib.request

import iron_shim

BASE_URL = os.environ.get("OPENAI_BASE_URL", "https://api.openai.com/v1")
API_KEY = os.environ.get("OPENAI_API_KEY", "sk-no-key")


def ask(prompt):
    """One chat completion; returns the answer or the refusal."""
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": prompt}], "max_tokens": 50}
    request = urllib.request.Request(BASE_URL + "/chat/completions", data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "Authorization": "Bearer " + API_KEY})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)["choices"][0]["message"]["content"]
    except urllib.error.HTTPError as error:
        detail = json.loads(error.read() or b"{}").get("error", {})
        return f"refused: HTTP {error.code} {detail.get('code')}"


def main():
    endpoint = sys.argv[1]
    token_file = sys.argv[2] if len(sys.argv) > 2 else os.path.expanduser("~/.iron/join-token")
    with open(token_file) as f:
        token = f.read().strip()
    try:
        iron_shim.install(endpoint=endpoint, token=token, agent="notebook")
    except iron_shim.IronConnectionError as error:
        print(f"notebook: could not join ({error.code}): {error}")
        return 1
    print(f"notebook: joined as {iron_shim.status()['agent']!r}")
    for user in ("alice", "alice", "alice", "bob"):
        with iron_shim.context(user=user, task="faq"):
            print(f"notebook: for {user}: {ask('What is a good tea for mornings?')}")
    status = iron_shim.status()
    print(f"notebook: connected={status['connected']} agent={status['agent']} budget left={status['budget_left_usd']}")
    iron_shim.uninstall()
    return 0


if __name__ == "__main__":
    sys.exit(main())
