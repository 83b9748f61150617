"""Recognises an LLM call from method + URL (+ headers + JSON body) and extracts what policies need."""
from __future__ import annotations

from typing import Any, Callable, Dict, NamedTuple, Optional, Sequence, Tuple
from urllib.parse import unquote, urlsplit

from . import json_body
from .provider_facts import COMPATIBLE_HOSTS, GEMINI_PATH, OLLAMA_ENDPOINTS, OLLAMA_PATH
from .settings import ProviderConfig

OPENAI, ANTHROPIC, GEMINI, OLLAMA = "openai", "anthropic", "gemini", "ollama"
#: AWS Bedrock: governed inside botocore (interceptors/botocore_.py), never by URL.
BEDROCK = "bedrock"
#: Azure OpenAI: OpenAI's wire with Azure's errors and content filter; its own provider in events, breakers
#: and rate limits (an Azure outage is not OpenAI's).
AZURE = "azure"
#: Ollama's own port: its /api/ paths there are Ollama for sure; elsewhere the body must say so.
OLLAMA_PORT = 11434
_AZURE_SUFFIX = ".openai.azure.com"
# Keys whose string values are not prompt text (ids, roles, media payloads, options).
_NOT_TEXT = frozenset(
    (
        "model",
        "role",
        "type",
        "image_url",
        "input_image",
        "image",
        "source",
        "file",
        "file_data",
        "file_id",
        "input_audio",
        "audio",
        "data",
        "url",
        "stream",
        "stream_options",
        "id",
        "tool_call_id",
        "call_id",
        "cache_control",
        "media_type",
        "detail",
        "encoding_format",
        "user",
        "metadata",
        "service_tier",
        "inlineData",
        "fileData",
        "mimeType",
        "generationConfig",
        "safetySettings",
        "images",
        "options",
        "inferenceConfig",
        "additionalModelRequestFields",
        "guardrailConfig",
        "toolConfig",
        "bytes",
        "anthropic_version",
        "format",
        "keep_alive",
        "context",
    )
)


class Target(NamedTuple):
    """The cheap, body-free part of recognition: who and which endpoint."""

    provider: str
    kind: str
    endpoint: str
    known: bool
    add_usage: bool


class CallInfo(NamedTuple):
    """An LLM call, recognised: everything llm.request needs besides ids and headers."""

    target: Target
    model: Optional[str]
    stream: bool
    body: Any
    est_input: int
    est_output: Optional[int]
    #: The body's own bytes when they may travel as body_json (json_body.py), else None.
    json_bytes: Optional[bytes] = None


def _endpoint(path: str) -> Optional[str]:
    """Endpoint by path suffix (OpenAI-compatible or Anthropic messages)."""
    if path.endswith("/chat/completions"):
        return "chat.completions"
    if path.endswith("/responses"):
        return "responses"
    if path.endswith("/completions"):
        return "completions"
    if path.endswith("/embeddings"):
        return "embeddings"
    if path.endswith("/messages"):
        return "messages"
    return None


def _gemini(path: str) -> Optional[Tuple[str, str]]:
    """(model, endpoint) for Gemini's distinctive `models/{model}:generateContent` paths, on any host."""
    found = GEMINI_PATH.search(path)
    return (unquote(found.group(1)), found.group(2)) if found else None


def _ollama(path: str) -> Optional[str]:
    """The endpoint of Ollama's own `/api/chat` and `/api/generate` paths."""
    found = OLLAMA_PATH.search(path)
    return OLLAMA_ENDPOINTS[found.group(1)] if found else None


def maybe_llm(method: str, url: str) -> bool:
    """A POST to a path ending like an LLM endpoint (whoever serves it)."""
    if method.upper() != "POST":
        return False
    path = url.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    return _endpoint(path) is not None or _gemini(path) is not None or _ollama(path) is not None


#: (url, providers) -> the Target matched for a POST to it: an agent calls the same few URLs again and again.
#: Only matches that did not consult a header are kept (bounded).
_MATCHES: Dict[Tuple[str, Sequence[ProviderConfig]], Target] = {}
_MATCHES_LIMIT = 256


def match_url(
    method: str, url: str, header: Callable[[str], Optional[str]], providers: Sequence[ProviderConfig] = ()
) -> Optional[Target]:
    """Returns a Target for a governed endpoint, or None fast (no body parsing, no round trip)."""
    if method.upper() != "POST":
        return None
    try:
        key = (url, providers)
        return _MATCHES[key]
    except (KeyError, TypeError):  # TypeError: unhashable providers (a list): matched every time
        pass
    target = _match_post(url, header, providers)
    if target is not None and (target.known or target.endpoint != "messages"):
        try:
            if len(_MATCHES) >= _MATCHES_LIMIT:
                _MATCHES.clear()
            _MATCHES[key] = target
        except TypeError:
            pass
    return target


def _match_post(
    url: str, header: Callable[[str], Optional[str]], providers: Sequence[ProviderConfig]
) -> Optional[Target]:
    """match_url for a POST, uncached."""
    path = url.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    gemini = _gemini(path)
    if gemini is not None:
        return Target(GEMINI, GEMINI, gemini[1], True, False)
    ollama = _ollama(path)
    if ollama is not None:
        return Target(OLLAMA, OLLAMA, ollama, _port(url) == OLLAMA_PORT, False)
    endpoint = _endpoint(path)
    if endpoint is None:
        return None
    for config in providers:
        base = config.base_url
        if url.startswith(base) and (len(url) == len(base) or url[len(base)] in "/?#"):
            if (endpoint == "messages") != (config.kind == ANTHROPIC):
                continue
            return Target(config.name, config.kind, endpoint, True, config.kind == OPENAI)
    host = (urlsplit(url).hostname or "").lower()
    if host == "api.openai.com":
        return None if endpoint == "messages" else Target(OPENAI, OPENAI, endpoint, True, True)
    if host == "api.anthropic.com":
        return Target(ANTHROPIC, ANTHROPIC, endpoint, True, False) if endpoint == "messages" else None
    if host.endswith(_AZURE_SUFFIX) or "/openai/deployments/" in path:
        return None if endpoint == "messages" else Target(AZURE, AZURE, endpoint, True, False)
    if host in COMPATIBLE_HOSTS:
        return None if endpoint == "messages" else Target(COMPATIBLE_HOSTS[host], OPENAI, endpoint, True, False)
    if endpoint == "messages":
        if path.endswith("/v1/messages") or header("anthropic-version") is not None:
            return Target(ANTHROPIC, ANTHROPIC, endpoint, False, False)
        return None
    return Target(OPENAI, OPENAI, endpoint, False, False)


def inspect(target: Target, url: str, body: Optional[bytes]) -> Optional[CallInfo]:
    """Parses the JSON body; on an unknown host a body without a model means it is not an LLM call."""
    obj: Any = None
    raw: Optional[bytes] = None
    if body:
        try:
            obj, raw = json_body.loads(body)
        except (ValueError, UnicodeDecodeError):
            obj = None
    fields = obj if isinstance(obj, dict) else {}
    if target.kind in (GEMINI, OLLAMA, BEDROCK):
        if target.kind == GEMINI:
            info: Optional[CallInfo] = _inspect_gemini(target, url, obj, fields)
        elif target.kind == OLLAMA:
            info = _inspect_ollama(target, obj, fields)
        else:
            info = _inspect_bedrock(target, url, obj, fields)
        return info._replace(json_bytes=raw) if info is not None and raw is not None else info
    model = fields.get("model")
    if not isinstance(model, str):
        model = _azure_deployment(url) if target.known else None
    if not target.known and not isinstance(fields.get("model"), str):
        return None
    return CallInfo(
        target=target,
        model=model,
        stream=fields.get("stream") is True,
        body=obj,
        est_input=estimate_tokens(obj),
        est_output=_max_output(fields),
        json_bytes=raw,
    )


def _inspect_gemini(target: Target, url: str, obj: Any, fields: Any) -> CallInfo:
    """Gemini: the model is in the path, streaming is the endpoint, the cap is generationConfig.maxOutputTokens."""
    found = _gemini(url.split("?", 1)[0].split("#", 1)[0].rstrip("/"))
    config = fields.get("generationConfig")
    cap = config.get("maxOutputTokens") if isinstance(config, dict) else None
    return CallInfo(
        target=target,
        model=found[0] if found else None,
        stream=target.endpoint == "streamGenerateContent",
        body=obj,
        est_input=estimate_tokens(obj),
        est_output=cap if type(cap) is int else None,
    )


def _inspect_ollama(target: Target, obj: Any, fields: Any) -> Optional[CallInfo]:
    """Ollama streams unless told `"stream": false`; its cap is options.num_predict. Off its own port a
    body without a model and the endpoint's prompt field (messages, prompt) is some other app's /api/."""
    model = fields.get("model")
    wants = "messages" if target.endpoint == "ollama.chat" else "prompt"
    if not isinstance(model, str) or (not target.known and wants not in fields):
        return None
    options = fields.get("options")
    cap = options.get("num_predict") if isinstance(options, dict) else None
    return CallInfo(
        target=target,
        model=model,
        stream=fields.get("stream") is not False,
        body=obj,
        est_input=estimate_tokens(obj),
        est_output=cap if type(cap) is int and cap >= 0 else None,
    )


def _inspect_bedrock(target: Target, url: str, obj: Any, fields: Any) -> CallInfo:
    """Bedrock (botocore's request, before signing): the model id is in the path /model/{modelId}/..."""
    path = urlsplit(url).path
    at = path.find("/model/")
    model = unquote(path[at + len("/model/") :].split("/", 1)[0]) if at >= 0 else None
    if target.endpoint in ("invoke", "invoke-stream"):
        cap = fields.get("max_tokens", fields.get("max_gen_len"))
    else:
        config = fields.get("inferenceConfig")
        cap = config.get("maxTokens") if isinstance(config, dict) else None
    return CallInfo(
        target=target,
        model=model or None,
        stream=target.endpoint in ("converse-stream", "invoke-stream"),
        body=obj,
        est_input=estimate_tokens(obj),
        est_output=cap if type(cap) is int and cap >= 0 else None,
    )


def _port(url: str) -> Optional[int]:
    """The URL's explicit port, None when absent or malformed."""
    try:
        return urlsplit(url).port
    except ValueError:
        return None


def _azure_deployment(url: str) -> Optional[str]:
    """Azure puts the deployment (model) in the path: /openai/deployments/<name>/..."""
    marker = "/deployments/"
    at = url.find(marker)
    if at < 0:
        return None
    name = url[at + len(marker) :].split("/", 1)[0].split("?", 1)[0]
    return name or None


def _max_output(fields: Any) -> Optional[int]:
    """The request's output cap: max_tokens, max_completion_tokens or max_output_tokens."""
    for key in ("max_tokens", "max_completion_tokens", "max_output_tokens"):
        value = fields.get(key)
        if type(value) is int:
            return value
    return None


def text_chars(value: Any) -> int:
    """Characters of prompt text in a JSON body (media, ids and options skipped)."""
    total = 0
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is str:
            if not item.startswith("data:"):
                total += len(item)
        elif kind is dict:
            for key, child in item.items():
                if key not in _NOT_TEXT:
                    stack.append(child)
        elif kind is list:
            stack.extend(item)
    return total


def estimate_tokens(body: Any) -> int:
    """A rough prompt size: about four characters per token."""
    chars = text_chars(body)
    return (chars + 3) // 4
