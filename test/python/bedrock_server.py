"""A Bedrock runtime on 127.0.0.1 for the botocore tests: Converse, ConverseStream (binary event stream),
InvokeModel and InvokeModelWithResponseStream (Anthropic and Llama bodies), echoing the last user text,
and checking each request's SigV4 signature with botocore's own signer
over the body that arrived (a stale one is a 403)."""
from __future__ import annotations

import base64
import http.server
import json
import os
import threading
from typing import Any, Dict, List, Tuple
from urllib.parse import unquote

from iron_shim.aws_eventstream import event_frame

REGION, ACCESS_KEY, SECRET_KEY = "us-east-1", "AKIAIRONTEST", "iron-test-secret"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def bedrock_client(url: str) -> Any:
    """A real botocore bedrock-runtime client (service model subset in test/fixtures/botocore-data) aimed at `url`."""
    os.environ["AWS_DATA_PATH"] = os.path.join(ROOT, "test", "fixtures", "botocore-data")
    import botocore.session
    from botocore.config import Config

    return botocore.session.get_session().create_client(
        "bedrock-runtime",
        region_name=REGION,
        endpoint_url=url,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        config=Config(retries={"max_attempts": 1}),
    )


def signature_ok(method: str, url: str, headers: Dict[str, str], body: bytes) -> bool:
    """Recomputes the request's SigV4 signature (botocore's signer, the request's own timestamp)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    given = headers.get("authorization", "")
    signed = [h for h in given.split("SignedHeaders=")[-1].split(",")[0].split(";") if h]
    request = AWSRequest(method=method, url=url, data=body, headers={h: headers[h] for h in signed if h in headers})
    request.context["timestamp"] = headers.get("x-amz-date", "")
    auth = SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY), "bedrock", REGION)
    canonical = auth.canonical_request(request)
    expected = auth.signature(auth.string_to_sign(request, canonical), request)
    return given.endswith("Signature=" + expected)


def last_user_text(body: Dict[str, Any]) -> str:
    """Converse messages' or an Anthropic body's last user text, or a Llama body's prompt."""
    if isinstance(body.get("prompt"), str):
        return str(body["prompt"])
    text = ""
    for message in body.get("messages") or ():
        content = message.get("content")
        parts = [{"text": content}] if isinstance(content, str) else content or ()
        if message.get("role") == "user":
            text = "".join(p.get("text", "") for p in parts if isinstance(p, dict))
    return text


class BedrockServer:
    """One server per test; `bodies` holds each request body that arrived, as JSON."""

    def __init__(self) -> None:
        """Starts serving on an ephemeral port."""
        self.bodies: List[Any] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                url = f"http://{headers['host']}{self.path}"
                if not signature_ok("POST", url, headers, raw):
                    return self._send(
                        403,
                        {"message": "The request signature we calculated does not match"},
                        "InvalidSignatureException",
                    )
                body = json.loads(raw)
                server.bodies.append(body)
                _, _, model, operation = self.path.split("/", 3)
                text = last_user_text(body)
                if operation == "converse":
                    return self._send(200, converse_answer(text))
                if operation == "invoke":
                    return self._send(200, invoke_answer(unquote(model), text))
                if operation == "invoke-with-response-stream":
                    return self._stream(invoke_stream_events(unquote(model), text))
                self._stream(stream_events(text))

            def _send(self, status: int, obj: Any, error: str = "") -> None:
                data = json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("x-amzn-requestid", "req-1")
                if error:
                    self.send_header("x-amzn-errortype", error)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _stream(self, events: List[Tuple[str, Dict[str, Any]]]) -> None:
                self.send_response(200)
                self.send_header("content-type", "application/vnd.amazon.eventstream")
                self.send_header("transfer-encoding", "chunked")
                self.end_headers()
                try:
                    for name, obj in events:
                        frame = event_frame(name, json.dumps(obj).encode())
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(frame), frame))
                    self.wfile.write(b"0\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client closed the stream early

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        """Stops serving."""
        self.httpd.shutdown()
        self.httpd.server_close()


def tokens(text: str) -> int:
    """The server's token count: one per word."""
    return len(text.split())


def converse_answer(text: str) -> Dict[str, Any]:
    """A Converse response echoing text."""
    usage = {"inputTokens": tokens(text), "outputTokens": tokens(text), "totalTokens": 2 * tokens(text)}
    message = {"role": "assistant", "content": [{"text": text}]}
    return {"output": {"message": message}, "stopReason": "end_turn", "usage": usage, "metrics": {"latencyMs": 3}}


def invoke_answer(model: str, text: str) -> Dict[str, Any]:
    """An InvokeModel body: Anthropic's message, or Llama's generation."""
    if model.startswith("meta."):
        return {
            "generation": text,
            "prompt_token_count": tokens(text),
            "generation_token_count": tokens(text),
            "stop_reason": "stop",
        }
    usage = {"input_tokens": tokens(text), "output_tokens": tokens(text)}
    content = [{"type": "text", "text": text}]
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "content": content,
        "stop_reason": "end_turn",
        "usage": usage,
    }


def stream_events(text: str) -> List[Tuple[str, Dict[str, Any]]]:
    """ConverseStream's events for an echo of text, four characters a delta."""
    events: List[Tuple[str, Dict[str, Any]]] = [("messageStart", {"role": "assistant"})]
    for at in range(0, len(text), 4):
        events.append(("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": text[at : at + 4]}}))
    usage = {"inputTokens": tokens(text), "outputTokens": tokens(text), "totalTokens": 2 * tokens(text)}
    events += [
        ("contentBlockStop", {"contentBlockIndex": 0}),
        ("messageStop", {"stopReason": "end_turn"}),
        ("metadata", {"usage": usage, "metrics": {"latencyMs": 3}}),
    ]
    return events


def invoke_stream_events(model: str, text: str) -> List[Tuple[str, Dict[str, Any]]]:
    """InvokeModelWithResponseStream's chunk events (base64 bodies) for an echo of text, four characters a
    delta: Anthropic's Messages events, or Llama's generation bodies; the last carries the invocation
    metrics (the only place the stream gives the whole input and output counts)."""
    n = tokens(text)
    metrics = {"inputTokenCount": n, "outputTokenCount": n, "invocationLatency": 9, "firstByteLatency": 3}
    pieces = [text[at : at + 4] for at in range(0, len(text), 4)]
    if model.startswith("meta."):
        bodies: List[Dict[str, Any]] = [
            {
                "generation": piece,
                "prompt_token_count": n if at == 0 else None,
                "generation_token_count": at + 1,
                "stop_reason": None,
            }
            for at, piece in enumerate(pieces)
        ]
        bodies.append(
            {
                "generation": "",
                "prompt_token_count": None,
                "generation_token_count": n,
                "stop_reason": "stop",
                "amazon-bedrock-invocationMetrics": metrics,
            }
        )
    else:
        message = {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "content": [],
            "model": model,
            "usage": {"input_tokens": n, "output_tokens": 1},
        }
        bodies = [
            {"type": "message_start", "message": message},
            {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        ]
        bodies += [
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}}
            for piece in pieces
        ]
        bodies += [
            {"type": "content_block_stop", "index": 0},
            {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": n}},
            {"type": "message_stop", "amazon-bedrock-invocationMetrics": metrics},
        ]
    return [("chunk", {"bytes": base64.b64encode(json.dumps(body).encode()).decode()}) for body in bodies]
