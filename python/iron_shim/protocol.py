"""Builders and validators for the messages of protocol/SPEC.md section 3 (version 1)."""
from __future__ import annotations

import itertools
import os
import sys
from _socket import gethostname
import time

from .codec import repeat_map, unpackb
from .errors import ProtocolError
from .named_tuple import NamedTuple
from .wire_hints import parse_chunk_hints, parse_hints  # noqa: F401 (protocol.parse_hints as before)

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up (see named_tuple.py)
if TYPE_CHECKING:
    from typing import Any, Dict, FrozenSet, List, Mapping, Optional, Tuple

VERSION = 1
_MAX_ID = 1 << 32
_ids = itertools.count(1)

REQUEST_ACTIONS = ("allow", "deny", "modify")
RESPONSE_ACTIONS = ("allow", "redact", "deny")
#: welcome.features (3.2): the supervisor parses bodies sent as their JSON bytes (body_json, 3.4 and 3.6).
BODY_JSON = "body_json"
NO_FEATURES: FrozenSet[str] = frozenset()


def next_id() -> int:
    """A fresh correlation id in [1, 2^32); itertools.count is atomic under the GIL."""
    return next(_ids) % _MAX_ID or next(_ids) % _MAX_ID


#: The wire features this shim takes (3.1): grants (3.4a).
HELLO_FEATURES = ["grant"]


def hello(msg_id: int, agent: str, nonce: bytes, shim_version: str, parent_pid: Optional[int]) -> Dict[str, Any]:
    """The first message on every connection (3.1): no token, a nonce that starts the challenge (3.1a)."""
    return {
        "v": VERSION,
        "type": "hello",
        "id": msg_id,
        "agent": agent,
        "nonce": nonce,
        "pid": os.getpid(),
        "python": "%d.%d.%d" % sys.version_info[:3],
        "shim": shim_version,
        "host": gethostname(),
        "executable": sys.executable or "",
        "parent_pid": parent_pid,
        "features": HELLO_FEATURES,
    }


#: An agent sends the same few header sets again and again: each is encoded once (codec.repeat_map).
repeat_map("headers")


def llm_request(
    msg_id: int,
    call: str,
    provider: str,
    endpoint: str,
    model: Optional[str],
    method: str,
    url: str,
    headers: Dict[str, str],
    body: Any,
    stream: bool,
    est_input: int,
    est_output: Optional[int],
    library: str,
    attrs: Dict[str, str],
    body_json: Optional[bytes] = None,
) -> Dict[str, Any]:
    """An LLM call about to leave the process (3.4); with body_json (the body's own UTF-8 JSON bytes,
    only to a supervisor whose welcome listed the feature) the parsed body is not sent."""
    return {
        "v": VERSION,
        "type": "llm.request",
        "id": msg_id,
        "call": call,
        "provider": provider,
        "endpoint": endpoint,
        "model": model,
        "method": method,
        "url": url,
        "headers": headers,
        **({"body": body} if body_json is None else {"body_json": body_json}),
        "stream": stream,
        "est_tokens": {"input": est_input, "output": est_output},
        "library": library,
        "attrs": attrs,
    }


def llm_response(
    msg_id: int,
    call: str,
    status: int,
    usage: Optional[Dict[str, int]],
    output: str,
    body: Any,
    latency_ms: float,
    stream: bool,
    complete: bool,
    error: Optional[str],
    request_id: Optional[str],
    model: Optional[str],
    retry_after: Optional[float] = None,
    body_json: Optional[bytes] = None,
) -> Dict[str, Any]:
    """What came back for a call (3.6); retry_after (seconds the provider asked to wait) only when it sent one;
    body_json (the body's own UTF-8 JSON bytes) in place of the parsed body, as in llm_request."""
    msg = {
        "v": VERSION,
        "type": "llm.response",
        "id": msg_id,
        "call": call,
        "status": status,
        "usage": usage,
        "output": output,
        **({"body": body} if body_json is None else {"body_json": body_json}),
        "latency_ms": float(latency_ms),
        "stream": stream,
        "complete": complete,
        "error": error,
        "request_id": request_id,
        "model": model,
    }
    if retry_after is not None:
        msg["retry_after"] = float(retry_after)
    return msg


def llm_chunk(msg_id: int, call: str, index: int, text: str, done: bool) -> Dict[str, Any]:
    """One text delta of a watched stream, or its end (3.6a)."""
    return {"v": VERSION, "type": "llm.chunk", "id": msg_id, "call": call, "index": index, "text": text, "done": done}


def llm_chunks(
    msg_id: int, call: str, index: int, texts: List[str], done: bool, released: bool = False
) -> Dict[str, Any]:
    """Every text delta read so far in one message, and the end when it was read too (3.6a, chunk_batch);
    released: the shim gave the agent this read without asking (chunk_hints matched none of it)."""
    msg = {"v": VERSION, "type": "llm.chunk", "id": msg_id, "call": call, "index": index, "texts": texts, "done": done}
    if released:
        msg["released"] = True
    return msg


def heartbeat(msg_id: int, inflight: int) -> Dict[str, Any]:
    """Proof of life sent by the I/O thread every heartbeat_ms (3.7)."""
    return {"v": VERSION, "type": "heartbeat", "id": msg_id, "ts": time.time(), "inflight": inflight}


def bye(msg_id: int, reason: str) -> Dict[str, Any]:
    """Goodbye at interpreter exit or uninstall (3.8)."""
    return {"v": VERSION, "type": "bye", "id": msg_id, "reason": reason}


def parse_incoming(payload: bytes) -> Dict[str, Any]:
    """Decodes a supervisor payload and checks the three keys every message carries."""
    msg = unpackb(payload)
    if not isinstance(msg, dict):
        raise ProtocolError(f"message: expected a map, got {type(msg).__name__}")
    if msg.get("v") != VERSION:
        raise ProtocolError(f"message: expected v {VERSION}, got {msg.get('v')!r}")
    if not isinstance(msg.get("type"), str):
        raise ProtocolError(f"message: expected a string type, got {msg.get('type')!r}")
    msg_id = msg.get("id")
    if type(msg_id) is not int or not 0 <= msg_id < _MAX_ID:
        raise ProtocolError(f"message: expected an id in [0, 2^32), got {msg_id!r}")
    return msg


class Welcome(NamedTuple):
    """The supervisor accepted the hello (3.2)."""

    agent: str
    session: str
    settings: Dict[str, Any]
    budget: Optional[Dict[str, Any]] = None
    features: FrozenSet[str] = NO_FEATURES


class Decision(NamedTuple):
    """The engine's answer to an llm.request or llm.response (3.5)."""

    call: str
    action: str
    policy: Optional[str]
    code: Optional[str]
    reason: Optional[str]
    status: Optional[int]
    retry_after: Optional[float]
    body: Any
    url: Optional[str] = None
    stream_chunks: bool = False
    timeout_ms: Optional[int] = None
    chunk_batch: bool = False
    response_decision: bool = True
    response_hints: Optional[Tuple[Tuple[str, bool], ...]] = None
    chunk_hints: Optional[Tuple[Tuple[str, bool, bool], ...]] = None


class ChunkDecision(NamedTuple):
    """The engine's answer to an llm.chunk: what the agent receives in place of the delta (3.6a).

    For a batch (texts sent): texts holds one text per delta decided (fewer after a deny) and
    text what was still held at the end (done)."""

    call: str
    action: str
    text: str
    policy: Optional[str]
    code: Optional[str]
    reason: Optional[str]
    status: Optional[int]
    texts: Optional[List[str]] = None


def _opt(msg: Mapping[str, Any], key: str, kind: Any, what: str) -> Any:
    """An optional field of the given type, else a protocol error naming it."""
    value = msg.get(key)
    if value is not None and (not isinstance(value, kind) or isinstance(value, bool) and kind is not bool):
        raise ProtocolError(f"{msg.get('type')}: {key} must be {what} or nil, got {value!r}")
    return value


def parse_welcome(msg: Mapping[str, Any]) -> Welcome:
    """Validates a welcome; settings default to an empty map."""
    agent = _opt(msg, "agent", str, "a string") or ""
    session = _opt(msg, "session", str, "a string") or ""
    settings = _opt(msg, "settings", dict, "a map") or {}
    return Welcome(agent, session, settings, parse_budget(msg.get("budget")), parse_features(msg.get("features")))


def parse_features(value: Any) -> FrozenSet[str]:
    """welcome.features: the wire features the supervisor takes (an old one sends none; off-spec: none)."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        return NO_FEATURES
    return frozenset(value)


def parse_budget(value: Any) -> Optional[Dict[str, Any]]:
    """The agent's tightest budget ({scope, limit, spent, reserved, left} in micro-dollars); None when
    there is none or it is off-spec (budget figures are informational: never fail a call over them)."""
    if not isinstance(value, dict) or not isinstance(value.get("scope"), str):
        return None
    get = value.get  # every decision carries one: no generator, no comprehension
    limit, spent, reserved, left = get("limit"), get("spent"), get("reserved"), get("left")
    if type(limit) is not int or type(spent) is not int or type(reserved) is not int or type(left) is not int:
        return None
    return {"scope": value["scope"], "limit": limit, "spent": spent, "reserved": reserved, "left": left}


def parse_reject(msg: Mapping[str, Any]) -> Tuple[str, str]:
    """(code, reason) of a reject or error message."""
    code = _opt(msg, "code", str, "a string") or "IRON_ERR_PROTOCOL"
    reason = _opt(msg, "reason", str, "a string") or "no reason given"
    return code, reason


def parse_decision(msg: Mapping[str, Any], actions: Tuple[str, ...]) -> Decision:
    """Validates a decision against the actions allowed at this point of the call. A field that is absent (most
    of them, on most decisions) is not looked at twice: _opt is a Python call, ~1 k instructions each."""
    get = msg.get
    action = get("action")
    if action not in actions:
        raise ProtocolError(f"decision: action must be one of {', '.join(actions)}, got {action!r}")
    status = None if get("status") is None else _opt(msg, "status", int, "an int")
    retry = None if get("retry_after") is None else _opt(msg, "retry_after", (int, float), "a number")
    body = get("body")
    if action in ("modify", "redact") and body is None:
        raise ProtocolError(f"decision: {action} needs a body")
    url = _opt(msg, "url", str, "a string") if action == "modify" else None
    if url is not None and not url.lower().startswith(("http://", "https://")):
        raise ProtocolError(f"decision: url must be an http(s) URL, got {url!r}")
    timeout_ms = None if get("timeout_ms") is None else _opt(msg, "timeout_ms", int, "an int")
    if timeout_ms is not None and timeout_ms <= 0:
        raise ProtocolError(f"decision: timeout_ms must be a positive int, got {timeout_ms!r}")
    call = get("call")
    if type(call) is not str:
        call = _opt(msg, "call", str, "a string")
    hints = get("response_hints")
    chunk_hints = get("chunk_hints")
    return Decision(
        call or "",
        action,
        None if get("policy") is None else _opt(msg, "policy", str, "a string"),
        None if get("code") is None else _opt(msg, "code", str, "a string"),
        None if get("reason") is None else _opt(msg, "reason", str, "a string"),
        status,
        float(retry) if retry is not None else None,
        body,
        url,
        get("stream_chunks") is not None and _opt(msg, "stream_chunks", bool, "a bool") is True,
        timeout_ms,
        get("chunk_batch") is not None and _opt(msg, "chunk_batch", bool, "a bool") is True,
        get("response_decision") is None or _opt(msg, "response_decision", bool, "a bool") is not False,
        None if hints is None else parse_hints(hints),
        None if chunk_hints is None else parse_chunk_hints(chunk_hints),
    )


def parse_chunk_decision(msg: Mapping[str, Any], original: str) -> ChunkDecision:
    """Validates a decision answering an llm.chunk; an allow without text keeps the original delta."""
    action = msg.get("action")
    if action not in RESPONSE_ACTIONS:
        raise ProtocolError(f"decision: action must be one of {', '.join(RESPONSE_ACTIONS)}, got {action!r}")
    text = _opt(msg, "text", str, "a string")
    if text is None and action == "redact":
        raise ProtocolError("decision: a redact of a chunk needs a text")
    return ChunkDecision(
        call=_opt(msg, "call", str, "a string") or "",
        action=action,
        text=original if text is None else text,
        policy=_opt(msg, "policy", str, "a string"),
        code=_opt(msg, "code", str, "a string"),
        reason=_opt(msg, "reason", str, "a string"),
        status=_opt(msg, "status", int, "an int"),
    )


def parse_chunks_decision(msg: Mapping[str, Any], originals: List[str], done: bool) -> ChunkDecision:
    """Validates a decision answering a batched llm.chunk: one text per delta (fewer only on a deny)."""
    action = msg.get("action")
    if action not in RESPONSE_ACTIONS:
        raise ProtocolError(f"decision: action must be one of {', '.join(RESPONSE_ACTIONS)}, got {action!r}")
    texts = msg.get("texts")
    if texts is None and action == "allow" and msg.get("text") is None:
        texts, rest = list(originals), ""
    else:
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            raise ProtocolError(f"decision: texts must be an array of strings, got {texts!r}")
        if len(texts) > len(originals) or (action != "deny" and len(texts) != len(originals)):
            raise ProtocolError(f"decision: expected {len(originals)} texts, got {len(texts)}")
        rest = _opt(msg, "text", str, "a string") or ""
    if rest and not done:
        raise ProtocolError("decision: a text beside texts is only allowed at the end of the stream")
    return ChunkDecision(
        call=_opt(msg, "call", str, "a string") or "",
        action=action,
        text=rest,
        policy=_opt(msg, "policy", str, "a string"),
        code=_opt(msg, "code", str, "a string"),
        reason=_opt(msg, "reason", str, "a string"),
        status=_opt(msg, "status", int, "an int"),
        texts=texts,
    )
