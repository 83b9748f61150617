"""A real HTTP server on 127.0.0.1 port 0 that speaks the OpenAI and Anthropic wire formats exactly.

It stands in for the cloud providers (which cannot exist here): JSON bodies and SSE streams in the
shapes of PROVIDERS.md, chunked transfer encoding for streams, and a record of every request.
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Tuple

CHAT_MODEL = "gpt-4o-mini-2024-07-18"
CLAUDE_MODEL = "claude-3-5-sonnet-20241022"


def _j(obj: Any) -> str:
    """Compact JSON, as the providers send it."""
    return json.dumps(obj, separators=(",", ":"))


def chat_body(text: str = "Hello!") -> Dict[str, Any]:
    """A non-streamed chat.completion."""
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1700000000,
        "model": CHAT_MODEL,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text, "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": 9,
            "completion_tokens": 3,
            "total_tokens": 12,
            "prompt_tokens_details": {"cached_tokens": 2},
            "completion_tokens_details": {"reasoning_tokens": 1},
        },
        "system_fingerprint": "fp_1",
    }


def chat_sse(include_usage: bool, pieces: Tuple[str, ...] = ("Hel", "lo", "!")) -> List[str]:
    """The SSE events of a streamed chat completion, with or without stream_options.include_usage."""

    def chunk(delta: Dict[str, Any], finish: Any = None) -> str:
        obj: Dict[str, Any] = {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 1700000000,
            "model": CHAT_MODEL,
            "system_fingerprint": "fp_1",
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }
        if include_usage:
            obj["usage"] = None
        return f"data: {_j(obj)}\n\n"

    events = [chunk({"role": "assistant", "content": "", "refusal": None})]
    events += [chunk({"content": p}) for p in pieces]
    events.append(chunk({}, "stop"))
    if include_usage:
        usage = {
            "id": "chatcmpl-1",
            "object": "chat.completion.chunk",
            "created": 1700000000,
            "model": CHAT_MODEL,
            "system_fingerprint": "fp_1",
            "choices": [],
            "usage": {
                "prompt_tokens": 9,
                "completion_tokens": 3,
                "total_tokens": 12,
                "prompt_tokens_details": {"cached_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": 0},
            },
        }
        events.append(f"data: {_j(usage)}\n\n")
    events.append("data: [DONE]\n\n")
    return events


def anthropic_body(text: str = "Hello!") -> Dict[str, Any]:
    """A non-streamed Anthropic message."""
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": CLAUDE_MODEL,
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {
            "input_tokens": 25,
            "output_tokens": 15,
            "cache_creation_input_tokens": 3,
            "cache_read_input_tokens": 7,
        },
    }


def anthropic_sse() -> List[str]:
    """The SSE events of a streamed Anthropic message (ping included, usage cumulative)."""

    def ev(kind: str, obj: Dict[str, Any]) -> str:
        return f"event: {kind}\ndata: {_j(obj)}\n\n"

    return [
        ev(
            "message_start",
            {
                "type": "message_start",
                "message": {
                    "id": "msg_1",
                    "type": "message",
                    "role": "assistant",
                    "content": [],
                    "model": CLAUDE_MODEL,
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": {
                        "input_tokens": 25,
                        "output_tokens": 1,
                        "cache_creation_input_tokens": 0,
                        "cache_read_input_tokens": 5,
                    },
                },
            },
        ),
        ev(
            "content_block_start",
            {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        ),
        ev("ping", {"type": "ping"}),
        ev(
            "content_block_delta",
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hello"}},
        ),
        ev(
            "content_block_delta",
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "!"}},
        ),
        ev("content_block_stop", {"type": "content_block_stop", "index": 0}),
        ev(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": 15},
            },
        ),
        ev("message_stop", {"type": "message_stop"}),
    ]


def responses_sse() -> List[str]:
    """The SSE events of a streamed Responses API call."""
    final = {
        "id": "resp_1",
        "object": "response",
        "status": "completed",
        "model": "gpt-4.1-2025-04-14",
        "output": [
            {
                "type": "message",
                "id": "msg_1",
                "role": "assistant",
                "content": [{"type": "output_text", "text": "Hi there", "annotations": []}],
            }
        ],
        "usage": {
            "input_tokens": 12,
            "input_tokens_details": {"cached_tokens": 4},
            "output_tokens": 5,
            "output_tokens_details": {"reasoning_tokens": 2},
            "total_tokens": 17,
        },
    }
    start = dict(final, status="in_progress", output=[], usage=None)
    kinds = [
        ("response.created", {"response": start}),
        ("response.in_progress", {"response": start}),
        ("response.output_item.added", {"output_index": 0, "item": {"type": "message", "id": "msg_1"}}),
        ("response.content_part.added", {"item_id": "msg_1", "output_index": 0, "content_index": 0}),
        ("response.output_text.delta", {"item_id": "msg_1", "output_index": 0, "content_index": 0, "delta": "Hi"}),
        ("response.output_text.delta", {"item_id": "msg_1", "output_index": 0, "content_index": 0, "delta": " there"}),
        ("response.output_text.done", {"item_id": "msg_1", "text": "Hi there"}),
        ("response.content_part.done", {"item_id": "msg_1"}),
        ("response.output_item.done", {"output_index": 0}),
        ("response.completed", {"response": final}),
    ]
    return [
        f"event: {k}\ndata: {_j(dict({'type': k, 'sequence_number': i}, **v))}\n\n" for i, (k, v) in enumerate(kinds)
    ]


class LLMServer:
    """ThreadingHTTPServer on 127.0.0.1:0; `requests` records (method, path, headers, body) of each call."""

    def __init__(self) -> None:
        self.requests: List[Dict[str, Any]] = []
        self.delay = 0.0  # seconds between SSE events
        self.stall = 0.0  # seconds before answering a POST (timeouts)
        self.gate: Optional[threading.Event] = None  # set: an SSE body waits for it after its first two events
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._record(b"")
                self._json(200, {"object": "list", "data": []})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                self._record(raw)
                try:
                    body = json.loads(raw) if raw else {}
                except ValueError:
                    body = {}
                if outer.stall:
                    time.sleep(outer.stall)
                outer.route(self, self.path.split("?", 1)[0], body)

            def _record(self, raw: bytes) -> None:
                outer.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": raw,
                    }
                )

            def _json(self, status: int, obj: Any, headers: Tuple[Tuple[str, str], ...] = ()) -> None:
                data = json.dumps(obj).encode()
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("x-request-id", "req_test_1")
                self.end_headers()
                try:
                    self.wfile.write(data)
                except OSError:  # the client gave up (a timeout test)
                    self.close_connection = True

            def _cut_short(self) -> None:
                """A chunked JSON body whose connection drops in the middle of a chunk."""
                data = json.dumps(chat_body()).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                self.wfile.write(b"%x\r\n%s" % (len(data), data[: len(data) // 2]))
                self.wfile.flush()
                self.close_connection = True

            def _sse(self, events: List[str]) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream; charset=utf-8")
                self.send_header("Transfer-Encoding", "chunked")
                self.send_header("x-request-id", "req_test_sse")
                self.end_headers()
                try:
                    for at, event in enumerate(events):
                        data = event.encode()
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                        self.wfile.flush()
                        if at == 1 and outer.gate is not None:
                            outer.gate.wait(10)
                        if outer.delay:
                            time.sleep(outer.delay)
                    self.wfile.write(b"0\r\n\r\n")
                except OSError:
                    pass
                self.close_connection = True

        self.Handler = Handler
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def route(self, h: Any, path: str, body: Dict[str, Any]) -> None:
        """Answers like the provider that owns the path."""
        stream = body.get("stream") is True
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        if "/ratelimited" in path:
            # /ratelimited/: retry-after in seconds; /ratelimited-ms/: OpenAI's retry-after-ms wins over it.
            wait = (
                (("retry-after-ms", "1500"), ("retry-after", "2"))
                if "/ratelimited-ms/" in path
                else (("retry-after", "7"),)
            )
            return h._json(
                429, {"error": {"message": "slow down", "type": "rate_limit", "param": None, "code": None}}, wait
            )
        if "/cut-short/" in path:
            return h._cut_short()
        if path.endswith("/chat/completions"):
            if stream:
                return h._sse(chat_sse(include_usage))
            text = str(body.get("messages", [{}])[-1].get("content", "Hello!")) if body.get("echo") else "Hello!"
            return h._json(200, chat_body(text))
        if path.endswith("/responses"):
            if stream:
                return h._sse(responses_sse())
            return h._json(
                200,
                {
                    "id": "resp_1",
                    "object": "response",
                    "model": "gpt-4.1-2025-04-14",
                    "output": [{"type": "message", "content": [{"type": "output_text", "text": "Hi"}]}],
                    "usage": {"input_tokens": 3, "output_tokens": 1},
                },
            )
        if path.endswith("/messages/count_tokens"):
            return h._json(200, {"input_tokens": 10})
        if path.endswith("/messages"):
            return h._sse(anthropic_sse()) if stream else h._json(200, anthropic_body())
        if path.endswith("/embeddings"):
            return h._json(
                200,
                {
                    "object": "list",
                    "data": [{"object": "embedding", "index": 0, "embedding": [0.1]}],
                    "model": "text-embedding-3-small",
                    "usage": {"prompt_tokens": 2, "total_tokens": 2},
                },
            )
        return h._json(200, {"ok": True})

    def bodies(self) -> List[Any]:
        """The JSON bodies received, in order."""
        return [json.loads(r["body"]) if r["body"] else None for r in self.requests]

    def close(self) -> None:
        """Stops the server."""
        self.httpd.shutdown()
        self.httpd.server_close()
