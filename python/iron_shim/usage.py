"""Reads usage, output text and model out of provider response bodies, normalised for llm.response."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from .providers import ANTHROPIC, BEDROCK, GEMINI, OLLAMA

Usage = Dict[str, int]


def _int(value: Any) -> int:
    """A token count, or 0 for anything that is not an int."""
    return value if type(value) is int else 0


def _sub(mapping: Any, key: str, field: str) -> int:
    """mapping[key][field] as a count, 0 when any part is missing."""
    inner = mapping.get(key) if isinstance(mapping, dict) else None
    return _int(inner.get(field)) if isinstance(inner, dict) else 0


def make_usage(
    input_tokens: int = 0, output_tokens: int = 0, cached: int = 0, creation: int = 0, reasoning: int = 0
) -> Usage:
    """The normalised usage map of SPEC.md 3.6."""
    return {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cached_input_tokens": cached,
        "cache_creation_input_tokens": creation,
        "reasoning_tokens": reasoning,
    }


def usage_of(kind: str, body: Any) -> Any:
    """The usage object of a response body (Gemini: usageMetadata, from the last chunk of a JSON array)."""
    if kind == GEMINI:
        for item in reversed(body if isinstance(body, list) else [body]):
            if isinstance(item, dict) and isinstance(item.get("usageMetadata"), dict):
                return item["usageMetadata"]
        return None
    if kind in (OLLAMA, BEDROCK):  # their counts are not under one "usage" key in every body
        return ollama_counts(body) if kind == OLLAMA else body if isinstance(body, dict) else None
    return body.get("usage") if isinstance(body, dict) else None


def ollama_counts(body: Any) -> Any:
    """Ollama's counts sit at the top level of its last (done) object: the object itself stands for usage."""
    if isinstance(body, dict) and ("prompt_eval_count" in body or "eval_count" in body):
        return body
    return None


def gemini_usage(usage: Any) -> Optional[Usage]:
    """usageMetadata: prompt (+ tool-use prompt) is all input, cached a part of it; thoughts are output."""
    if not isinstance(usage, dict):
        return None
    thoughts = _int(usage.get("thoughtsTokenCount"))
    return make_usage(
        _int(usage.get("promptTokenCount")) + _int(usage.get("toolUsePromptTokenCount")),
        _int(usage.get("candidatesTokenCount")) + thoughts,
        _int(usage.get("cachedContentTokenCount")),
        0,
        thoughts,
    )


def normalise(kind: str, usage: Any) -> Optional[Usage]:
    """Provider usage -> normalised usage (OpenAI chat/completions/embeddings, responses, Anthropic, Gemini)."""
    if not isinstance(usage, dict):
        return None
    if kind == GEMINI:
        return gemini_usage(usage)
    if kind == OLLAMA:
        return make_usage(_int(usage.get("prompt_eval_count")), _int(usage.get("eval_count")))
    if kind == BEDROCK:
        return bedrock_usage(usage)
    if "prompt_tokens" in usage or "completion_tokens" in usage:
        return make_usage(
            _int(usage.get("prompt_tokens")),
            _int(usage.get("completion_tokens")),
            _sub(usage, "prompt_tokens_details", "cached_tokens"),
            0,
            _sub(usage, "completion_tokens_details", "reasoning_tokens"),
        )
    if kind == ANTHROPIC:
        # SPEC 3.6: input_tokens counts ALL input; Anthropic reports cache reads and writes beside it.
        read, written = _int(usage.get("cache_read_input_tokens")), _int(usage.get("cache_creation_input_tokens"))
        return make_usage(
            _int(usage.get("input_tokens")) + read + written, _int(usage.get("output_tokens")), read, written, 0
        )
    if "input_tokens" in usage or "output_tokens" in usage:
        return make_usage(
            _int(usage.get("input_tokens")),
            _int(usage.get("output_tokens")),
            _sub(usage, "input_tokens_details", "cached_tokens"),
            0,
            _sub(usage, "output_tokens_details", "reasoning_tokens"),
        )
    return None


def _content_text(content: Any, types: Tuple[str, ...]) -> List[str]:
    """Text of a content value: a string, or a list of parts whose type is one of types."""
    if isinstance(content, str):
        return [content]
    texts: List[str] = []
    if isinstance(content, list):
        for part in content:
            if isinstance(part, dict) and part.get("type") in types and isinstance(part.get("text"), str):
                texts.append(part["text"])
    return texts


def gemini_parts(candidate: Any) -> List[str]:
    """The answer text of one Gemini candidate: its content's text parts, thoughts left out."""
    content = candidate.get("content") if isinstance(candidate, dict) else None
    texts: List[str] = []
    for part in (content.get("parts") if isinstance(content, dict) else None) or ():
        if isinstance(part, dict) and isinstance(part.get("text"), str) and part.get("thought") is not True:
            texts.append(part["text"])
    return texts


def _gemini_text(body: Any) -> str:
    """Candidates' text, per candidate index, over one response or a JSON array of stream chunks."""
    texts: Dict[int, List[str]] = {}
    for item in body if isinstance(body, list) else [body]:
        for position, candidate in enumerate((item.get("candidates") if isinstance(item, dict) else None) or ()):
            index = candidate.get("index", position) if isinstance(candidate, dict) else position
            texts.setdefault(index if type(index) is int else position, []).extend(gemini_parts(candidate))
    return "\n".join("".join(texts[i]) for i in sorted(texts))


def output_text(kind: str, endpoint: str, body: Any) -> str:
    """The assistant text of a non-streamed response (empty for embeddings and errors)."""
    if kind == GEMINI:
        return _gemini_text(body)
    if not isinstance(body, dict):
        return ""
    if kind == OLLAMA:
        return ollama_text(endpoint, body)
    if kind == BEDROCK:
        return bedrock_text(body)
    if kind == ANTHROPIC:
        return "".join(_content_text(body.get("content"), ("text",)))
    if endpoint == "responses":
        texts: List[str] = []
        for item in body.get("output") or ():
            if isinstance(item, dict) and item.get("type") == "message":
                texts.extend(_content_text(item.get("content"), ("output_text", "text")))
        return "".join(texts)
    choices: List[str] = []
    for choice in body.get("choices") or ():
        if not isinstance(choice, dict):
            continue
        parts = [choice["text"]] if isinstance(choice.get("text"), str) else []
        message = choice.get("message")
        if isinstance(message, dict):
            parts.extend(_content_text(message.get("content"), ("text", "output_text")))
        choices.append("".join(parts))
    return "\n".join(choices)


def converse_usage(usage: Any) -> Optional[Usage]:
    """Bedrock Converse usage: inputTokens leaves cache reads and writes out, so input is their sum."""
    if not isinstance(usage, dict):
        return None
    read, written = _int(usage.get("cacheReadInputTokens")), _int(usage.get("cacheWriteInputTokens"))
    return make_usage(_int(usage.get("inputTokens")) + read + written, _int(usage.get("outputTokens")), read, written)


def bedrock_usage(body: Any) -> Optional[Usage]:
    """A Bedrock answer's usage: Converse's, or an InvokeModel body's (Anthropic's usage, Llama's counts)."""
    inner = body.get("usage")
    if isinstance(inner, dict):
        return converse_usage(inner) if "inputTokens" in inner else normalise(ANTHROPIC, inner)
    if "prompt_token_count" in body or "generation_token_count" in body:
        return make_usage(_int(body.get("prompt_token_count")), _int(body.get("generation_token_count")))
    return None


def bedrock_text(body: Any) -> str:
    """A Bedrock answer's text: Converse's output.message.content, Anthropic's content, Llama's generation."""
    if not isinstance(body, dict):
        return ""
    if isinstance(body.get("generation"), str):
        return str(body["generation"])
    output = body.get("output")
    message = output.get("message") if isinstance(output, dict) else None
    content = message.get("content") if isinstance(message, dict) else body.get("content")
    return "".join(_content_text(content, ("text",))) + "".join(
        part["text"]
        for part in (content if isinstance(content, list) else ())
        if isinstance(part, dict) and "type" not in part and isinstance(part.get("text"), str)
    )


def ollama_text(endpoint: str, body: Any) -> str:
    """The text of one Ollama object: message.content (/api/chat) or response (/api/generate)."""
    if not isinstance(body, dict):
        return ""
    if endpoint == "ollama.generate":
        text = body.get("response")
    else:
        message = body.get("message")
        text = message.get("content") if isinstance(message, dict) else None
    return text if isinstance(text, str) else ""


def response_model(body: Any) -> Optional[str]:
    """The model that answered, from a response body (Gemini: modelVersion; a JSON array stream: its last chunk)."""
    if isinstance(body, list) and body:
        body = body[-1]
    if isinstance(body, dict):
        model = body.get("model") or body.get("modelVersion")
        if isinstance(model, str):
            return model
        response = body.get("response")
        if isinstance(response, dict) and isinstance(response.get("model"), str):
            return str(response["model"])
    return None


def error_text(body: Any) -> Optional[str]:
    """A provider error message from an error body (OpenAI, Anthropic or Gemini shape)."""
    if isinstance(body, list) and body:
        body = body[-1]
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            message = err.get("message")
            return message if isinstance(message, str) else str(err.get("type") or "error")
        if isinstance(err, str):
            return err
        if isinstance(body.get("message"), str) and body.get("type") == "error":
            return str(body["message"])
    return None


def finish_reasons(body: Any) -> List[str]:
    """choices[].finish_reason (OpenAI) and stop_reason (Anthropic) of a response body, at most 16."""
    if not isinstance(body, dict):
        return []
    reasons: List[str] = []
    choices = body.get("choices")
    if isinstance(choices, list):
        for choice in choices:
            reason = choice.get("finish_reason") if isinstance(choice, dict) else None
            if isinstance(reason, str):
                reasons.append(reason)
    if isinstance(body.get("stop_reason"), str):
        reasons.append(body["stop_reason"])
    return reasons[:16]
