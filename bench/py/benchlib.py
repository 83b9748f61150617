"""Shared by the benchmark agents: a typical chat request and answer, and writing samples for bench/*.mjs."""
import json
import os

URL = "https://api.openai.com/v1/chat/completions"
SYSTEM = ("You are a careful assistant for a logistics company. Answer briefly, cite the order id, "
          "and never invent tracking numbers. If the question is not about an order, say so politely.")
USER = ("Hi, my order 48213-B was supposed to arrive on Tuesday but the tracking page has not changed "
        "since Sunday evening. Can you tell me where it is and whether I should expect it this week? Thanks!")


def chat_body(model="gpt-4o-mini", stream=False):
    """A typical chat completion request body, as the OpenAI SDK sends it."""
    body = {"messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": USER}],
            "model": model, "max_tokens": 256, "temperature": 0.2}
    if stream:
        body["stream"] = True
    return body


def chat_headers(api_key="sk-bench-not-a-real-key"):
    """The headers the OpenAI Python SDK sends (the shim scrubs the secret ones)."""
    return [("host", "api.openai.com"), ("accept-encoding", "gzip, deflate"), ("connection", "keep-alive"),
            ("accept", "application/json"), ("content-type", "application/json"),
            ("user-agent", "OpenAI/Python 1.51.0"), ("x-stainless-lang", "python"),
            ("x-stainless-package-version", "1.51.0"), ("x-stainless-os", "Linux"),
            ("x-stainless-arch", "x64"), ("x-stainless-runtime", "CPython"),
            ("x-stainless-runtime-version", "3.11.2"), ("authorization", "Bearer " + api_key),
            ("x-stainless-async", "false"), ("x-stainless-retry-count", "0")]


def chat_reply():
    """The bytes of a provider's short chat completion answer (a read response, for gov.responses.after)."""
    return json.dumps({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1733600000, "model": "gpt-4o-mini",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "It is on its way."},
                     "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 80, "completion_tokens": 8, "total_tokens": 88},
    }).encode()


def write_results(results):
    """Hands the samples to the Node side (a JSON file named by BENCH_OUT)."""
    with open(os.environ["BENCH_OUT"], "w", encoding="utf-8") as f:
        json.dump(results, f)
