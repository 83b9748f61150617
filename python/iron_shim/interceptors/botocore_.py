"""botocore (boto3, AWS Bedrock): governed through botocore's own event hooks, before signing.

Every bedrock-runtime client gets two handlers when it is created (Session.create_client is wrapped
for that only): `before-call.bedrock-runtime` sees the serialised request before botocore builds and
signs it, so a redacted body is what SigV4 signs (no stale signature ever leaves), and a denial is
returned in place of the HTTP call, which botocore raises as its own ClientError with Bedrock's code;
`after-call.bedrock-runtime` reports the answer (Converse, InvokeModel: read whole, redacted or denied
in place) or taps the binary event stream of ConverseStream and InvokeModelWithResponseStream before
botocore decodes it.
"""
from __future__ import annotations

import functools
import io
import json
from types import ModuleType
from typing import Any, Dict, Iterator, Optional

from ..bedrock import ENDPOINTS, STREAMS
from ..denial import SyntheticResponse
from ..errors import PolicyDenied
from ..internal import swallow
from ..providers import BEDROCK, Target
from ..tap import StreamTap
from ..tee import tee
from . import base

LIBRARY = "botocore"
SERVICE = "bedrock-runtime"
_CALL = "iron_call"


class BotocoreInterceptor(base.Interceptor):
    """Wraps botocore.session.Session.create_client to hook each bedrock-runtime client's events."""

    name = LIBRARY
    module = "botocore.session"

    def patch(self, module: ModuleType) -> None:
        """The handlers are botocore's own extension point; the wrapper only installs them."""

        def factory(original: Any) -> Any:
            """create_client(...) and then, for bedrock-runtime, the two handlers."""

            @functools.wraps(original)
            def create_client(session: Any, *args: Any, **kwargs: Any) -> Any:
                """The client as botocore made it, with iron's handlers on its own event emitter."""
                client = original(session, *args, **kwargs)
                try:
                    hook(client)
                except Exception as exc:  # noqa: BLE001 - a client we cannot hook still works
                    swallow("hooking a botocore client", exc)
                return client

            return create_client

        self.wrap(module.Session, "create_client", factory)


def hook(client: Any) -> None:
    """Registers before-call and after-call for a bedrock-runtime client (others are left alone)."""
    if client.meta.service_model.service_name != SERVICE:
        return
    events = client.meta.events
    events.register(f"before-call.{SERVICE}", functools.partial(before_call, client))
    events.register(f"after-call.{SERVICE}", functools.partial(after_call, client))


def _bytes(body: Any) -> Optional[bytes]:
    """A serialised request body as bytes (file-like InvokeModel bodies are not read)."""
    if isinstance(body, str):
        return body.encode("utf-8")
    return bytes(body) if isinstance(body, (bytes, bytearray, memoryview)) else None


def before_call(client: Any, model: Any, params: Dict[str, Any], context: Dict[str, Any], **_: Any) -> Any:
    """The request before signing: None lets it go (maybe with a new body); a (response, parsed) pair denies."""
    gov = base.current()
    endpoint = ENDPOINTS.get(model.name)
    if gov is None or endpoint is None or base.active():
        return None
    target = Target(BEDROCK, BEDROCK, endpoint, True, False)
    headers = list((params.get("headers") or {}).items())
    try:
        verdict = gov.before(target, params["method"], params["url"], headers, _bytes(params.get("body")), LIBRARY)
    except PolicyDenied:
        raise
    except Exception as exc:  # noqa: BLE001 - a shim bug before the decision fails closed (or open)
        verdict = gov.on_bug(target, exc)
    if verdict.action == "deny" and verdict.response is not None:
        return error_pair(params["url"], verdict.response)
    if verdict.action == "send":
        if verdict.body is not None:
            params["body"] = verdict.body  # signed later, by botocore, over these bytes
        if verdict.url is not None:
            params["url"] = verdict.url  # a reroute: botocore signs for the host it now goes to
        for name, value in verdict.headers:
            params["headers"][name] = value
        context[_CALL] = verdict.call
    return None


class _Raw:
    """The raw body AWSResponse.content reads (stream() yields the bytes once)."""

    def __init__(self, data: bytes) -> None:
        """data: the whole body."""
        self.data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        """The body in one piece."""
        yield self.data

    def close(self) -> None:
        """Nothing to release."""


def parsed_error(synthetic: SyntheticResponse) -> Dict[str, Any]:
    """What botocore's parser makes of Bedrock's error response: Error.Code, Error.Message, metadata."""
    headers = dict(synthetic.headers)
    body = json.loads(synthetic.body)
    return {
        "Error": {"Code": body.get("__type") or headers.get("x-amzn-errortype"), "Message": body.get("message")},
        "ResponseMetadata": {
            "RequestId": headers.get("x-request-id"),
            "HTTPStatusCode": synthetic.status,
            "HTTPHeaders": headers,
            "RetryAttempts": 0,
        },
        "iron": body.get("iron"),
    }


def error_pair(url: str, synthetic: SyntheticResponse) -> Any:
    """(AWSResponse, parsed) for before-call: botocore raises it as client.exceptions.<Code>."""
    from botocore.awsrequest import AWSResponse  # botocore is imported: this runs inside it

    response = AWSResponse(url, synthetic.status, dict(synthetic.headers), _Raw(synthetic.body))
    return response, parsed_error(synthetic)


class _TappedRaw:
    """An event stream's raw body with the stream tap in its byte path (botocore decodes what it yields)."""

    def __init__(self, inner: Any, tap: StreamTap) -> None:
        """inner: urllib3's response, which EventStream reads with stream()."""
        self.inner, self.tap = inner, tap

    def stream(self, *args: Any, **kwargs: Any) -> Iterator[bytes]:
        """The frames as the tap passes, rewrites or ends them. A stream the tap ended is reported before
        its error frame goes out: botocore raises on that frame and never asks for more."""
        tap = self.tap
        for out in tee(tap, self.inner.stream(*args, **kwargs)):
            if tap.ended:
                tap.finish()
            yield out

    def close(self) -> None:
        """Closing the stream early still reports it."""
        try:
            self.inner.close()
        finally:
            self.tap.finish("closed before the end")

    def __getattr__(self, name: str) -> Any:
        """Everything else as urllib3's response has it."""
        return getattr(self.inner, name)


def after_call(
    client: Any, http_response: Any, parsed: Dict[str, Any], model: Any, context: Dict[str, Any], **_: Any
) -> None:
    """Reports the answer; a stream is tapped, a whole answer redacted in place or raised as a ClientError."""
    call = context.pop(_CALL, None)
    gov = base.current()
    if call is None or gov is None:
        return
    status = http_response.status_code
    header = http_response.headers.get
    member = STREAMS.get(ENDPOINTS.get(model.name, ""))
    stream = parsed.get(member) if member is not None and status < 300 else None
    if stream is not None and hasattr(stream, "_raw_stream"):
        tap = gov.streams.open(call, status, header, encoding="")
        stream._raw_stream = _TappedRaw(stream._raw_stream, tap)
        return
    invoke = model.name == "InvokeModel" and status < 300 and hasattr(parsed.get("body"), "read")
    body = parsed["body"].read() if invoke else http_response.content
    outcome = gov.responses.after(call, status, header, body)
    if outcome.action == "deny" and outcome.response is not None:
        error = parsed_error(outcome.response)
        raise client.exceptions.from_code(error["Error"]["Code"])(error, model.name)
    replacement = outcome.body if outcome.action == "replace" else None
    if invoke:
        _set_body(parsed, replacement if replacement is not None else body)
    elif replacement is not None:
        redacted = json.loads(replacement)
        for key in list(parsed):
            if key in redacted:
                parsed[key] = redacted[key]


def _set_body(parsed: Dict[str, Any], data: bytes) -> None:
    """InvokeModel's body again, as botocore's StreamingBody over the bytes the agent may see."""
    from botocore.response import StreamingBody

    parsed["body"] = StreamingBody(io.BytesIO(data), len(data))
