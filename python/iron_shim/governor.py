"""The library-independent call flow every interceptor uses: before() -> Verdict, after() -> Outcome."""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any, Dict, Iterable, Optional, Tuple, Union

from . import denial as denials
from . import admission, protocol, providers, reroute, scrub
from .calls import KEEP, PASS, Call, Outcome, Verdict, is_event_stream, json_bytes
from .client import CLOSED, READY, REJECTED, Client
from .context import current_attrs
from .decision_rules import HeaderGet, as_no_decision, checked, denied, to_denial
from .errors import DECISION_TIMEOUT, INTERNAL, PROTOCOL, IronError, NoDecision, PolicyDenied, ProtocolError
from .flow import Flow, arun, run
from .internal import swallow

if TYPE_CHECKING:
    from .response_side import ResponseReporter
    from .stream_side import StreamReporter

__all__ = ["Governor", "Call", "Verdict", "Outcome", "PASS", "KEEP", "is_event_stream"]

#: What a call whose matching failed on a shim bug is taken for, when it looks like an LLM call: it is denied.
BROKEN = providers.Target("unknown", providers.OPENAI, "unknown", False, False)

#: Asked of the provider for streams the shim rewrites (usage strip, chunk filter): bytes it can parse.
IDENTITY = (("accept-encoding", "identity"),)


class Governor:
    """Turns requests into llm.request/decision round trips; its reporters handle the responses."""

    def __init__(self, client: Client) -> None:
        """Uses the client's effective settings (welcome settings win) at every call."""
        self.client = client
        self._responses: Optional["ResponseReporter"] = None
        self._streams: Optional["StreamReporter"] = None

    @property
    def responses(self) -> "ResponseReporter":
        """The response side, imported on the first response (start-up pays only for what it uses)."""
        if self._responses is None:
            from .response_side import ResponseReporter

            self._responses = ResponseReporter(self.client)
        return self._responses

    @property
    def streams(self) -> "StreamReporter":
        """The stream side (tap, chunk filter), imported on the first streamed response."""
        if self._streams is None:
            from .stream_side import StreamReporter

            self._streams = StreamReporter(self.client)
        return self._streams

    def match(self, method: str, url: str, header: HeaderGet) -> Optional[providers.Target]:
        """The cheap first step: is this URL a governed LLM endpoint? (no body, no round trip).

        Before the first welcome, a call that may be an LLM call to a provider the shim does not know
        yet waits for the handshake (up to timeout_ms): providers configured in the supervisor arrive
        with the welcome, and a call must not go out misnamed or ungoverned for lack of them."""
        return run(self._matching(method, url, header), self.client.wait_ready)

    async def match_async(self, method: str, url: str, header: HeaderGet) -> Optional[providers.Target]:
        """match() for a coroutine: waits for the welcome without blocking the event loop."""
        return await arun(self._matching(method, url, header), self.client.wait_ready_async)

    def _matching(self, method: str, url: str, header: HeaderGet) -> Flow[Optional[providers.Target]]:
        """The match flow: yields the time to wait for the welcome when it must, then matches again."""
        target = self._match(method, url, header)
        if self._needs_welcome(method, url, target):
            yield self.client.base.timeout_ms / 1000.0
            target = self._match(method, url, header)
        return target

    def _match(self, method: str, url: str, header: HeaderGet) -> Optional[providers.Target]:
        """match_url with the effective providers; a bug on an LLM-shaped call takes it for one (BROKEN,
        denied unless fail_open), any other call passes (it cannot be an LLM call)."""
        try:
            return providers.match_url(method, url, header, self.client.settings.providers)
        except Exception as exc:  # noqa: BLE001
            swallow("match_url", exc)
            return BROKEN if providers.maybe_llm(method, url) else None

    def _needs_welcome(self, method: str, url: str, target: Optional[providers.Target]) -> bool:
        """True before the first welcome for a POST to an LLM-shaped path that no known provider claims."""
        client = self.client
        if client.welcomed or (target is not None and target.known) or client.state in (REJECTED, CLOSED):
            return False
        return providers.maybe_llm(method, url)

    # ----- request side -----

    def on_bug(self, target: providers.Target, exc: Exception) -> Verdict:
        """An interceptor failed before the decision on a governed URL: fail closed (or open)."""
        swallow("interceptor before the decision", exc)
        info = providers.CallInfo(target, None, False, None, 0, None)
        return self._no_decision(Call(info, "unknown"), NoDecision(INTERNAL, f"shim error: {exc!r}"))

    def _prepare(
        self,
        target: providers.Target,
        method: str,
        url: str,
        headers: Iterable[Tuple[Any, Any]],
        body: Optional[bytes],
        library: str,
    ) -> Union[Verdict, Tuple[Call, dict]]:
        """Recognises the call and builds its llm.request; a bug here fails closed."""
        call: Optional[Call] = None
        if target is BROKEN:
            return self.on_bug(target, RuntimeError("the call could not be matched to a provider"))
        try:
            info = providers.inspect(target, url, body)
            if info is None:
                return PASS
            call = Call(info, library)
            raw = info.json_bytes if protocol.BODY_JSON in self.client.link.features else None
            msg = protocol.llm_request(
                protocol.next_id(),
                call.id,
                target.provider,
                target.endpoint,
                info.model,
                method.upper(),
                scrub.url(url),
                scrub.headers(headers),
                info.body,
                info.stream,
                info.est_input,
                info.est_output,
                library,
                current_attrs(),
                raw,
            )
            return call, msg
        except Exception as exc:  # noqa: BLE001 - a bug on a governed URL fails closed (or open)
            if call is None:
                return self.on_bug(target, exc)
            swallow("before()", exc)
            return self._no_decision(call, NoDecision(INTERNAL, f"shim error before the decision: {exc!r}"))

    def before(
        self,
        target: providers.Target,
        method: str,
        url: str,
        headers: Iterable[Tuple[Any, Any]],
        body: Optional[bytes],
        library: str,
    ) -> Verdict:
        """Asks the engine about a request (blocking the calling thread up to timeout_ms)."""
        return run(self._asking(target, method, url, headers, body, library), self.client.request)

    async def before_async(
        self,
        target: providers.Target,
        method: str,
        url: str,
        headers: Iterable[Tuple[Any, Any]],
        body: Optional[bytes],
        library: str,
    ) -> Verdict:
        """before() for a coroutine: waits on a future instead of blocking the loop."""
        return await arun(self._asking(target, method, url, headers, body, library), self.client.request_async)

    def _asking(
        self,
        target: providers.Target,
        method: str,
        url: str,
        headers: Iterable[Tuple[Any, Any]],
        body: Optional[bytes],
        library: str,
    ) -> Flow[Verdict]:
        """The request flow: yields the llm.request, receives the decision (or the failure to get one)."""
        prepared = self._prepare(target, method, url, headers, body, library)
        if isinstance(prepared, Verdict):
            return prepared
        call, msg = prepared
        if self.client.link.grant is not None:
            granted = self._admitted(call, msg)
            if granted is not None:
                return self._send(call, None, None, granted.stream_chunks)
        try:
            reply = yield msg
        except IronError as exc:
            return self._no_decision(call, as_no_decision(exc))
        return self._decide(call, reply, url)

    def _admitted(self, call: Call, msg: Dict[str, Any]) -> Optional[protocol.Decision]:
        """Admits the call under the link's grant (admission.py, SPEC 3.4a) after reading what the supervisor
        pushed meanwhile (a grant's end): sends its llm.request without waiting and takes the decision that
        earned the grant as this call's. None: ask, as without a grant."""
        client = self.client
        client.drain()
        grant = client.link.grant
        if grant is None or client.link.state != READY:
            return None
        info = call.info
        if not grant.admit(msg, info.body, info.json_bytes, time.monotonic()):
            return None
        msg["admitted"] = grant.id
        if not client.send_admitted(msg):
            del msg["admitted"]
            return None
        decision = grant.decision
        call.deadline_ms = decision.timeout_ms
        call.chunk_batch = decision.chunk_batch
        call.response_decision = decision.response_decision
        call.response_hints = decision.response_hints
        call.chunk_hints = decision.chunk_hints if decision.chunk_batch else None
        return decision

    def _decide(self, call: Call, reply: dict, url: str) -> Verdict:
        """Applies a request decision: allow, modify (new body) or deny."""
        try:
            if reply.get("type") == "error":
                code, reason = protocol.parse_reject(reply)
                return self._no_decision(call, NoDecision(code, f"the supervisor could not decide: {reason}"))
            decision = checked(protocol.parse_decision(reply, protocol.REQUEST_ACTIONS), call)
            if decision.action == "deny":
                return self._deny(call, to_denial(call, decision, "denied by policy"))
            call.deadline_ms = decision.timeout_ms
            call.chunk_batch = decision.chunk_batch
            call.response_decision = decision.response_decision
            call.response_hints = decision.response_hints
            call.chunk_hints = decision.chunk_hints if decision.chunk_batch else None
            if "grant" in reply and decision.action == "allow":
                self.client.link.grant = admission.from_reply(reply, decision)
            if decision.action == "modify":
                if decision.url is not None:
                    why = reroute.refusal(decision.url, url, self.client.base, self.client.settings)
                    if why is not None:
                        return self._deny(call, denials.Denial(call.id, PROTOCOL, why, decision.policy, 403, None))
                return self._send(call, decision.body, decision.url, decision.stream_chunks)
            return self._send(call, None, None, decision.stream_chunks)
        except PolicyDenied:
            raise
        except ProtocolError as exc:
            return self._no_decision(call, NoDecision(PROTOCOL, exc.message))
        except Exception as exc:  # noqa: BLE001
            swallow("decision", exc)
            return self._no_decision(call, NoDecision(INTERNAL, f"shim error applying the decision: {exc!r}"))

    def _send(self, call: Call, new_body: Any, url: Optional[str], chunks: bool) -> Verdict:
        """Lets the call go: modified body and URL, the usage request the shim adds, the chunk watch."""
        body = new_body if new_body is not None else call.info.body
        info = call.info
        if (
            info.target.add_usage
            and info.stream
            and info.target.endpoint in ("chat.completions", "completions")
            and isinstance(body, dict)
        ):
            options = body.get("stream_options")
            if options is None or (isinstance(options, dict) and "include_usage" not in options):
                body = dict(body)
                body["stream_options"] = dict(options or {}, include_usage=True)
                call.added_usage = True
        call.chunks = chunks and info.stream
        changed = new_body is not None or call.added_usage
        call.started = time.perf_counter()
        headers = IDENTITY if call.added_usage or call.chunks else ()
        timeout = call.deadline_ms / 1000.0 if call.deadline_ms else None
        return Verdict("send", call, json_bytes(body) if changed else None, None, url, headers, timeout)

    def _deny(self, call: Call, denial: denials.Denial) -> Verdict:
        """Raises PolicyDenied (on_deny=raise) or returns the provider-format error response."""
        return Verdict("deny", call, None, denied(self.client.settings, call, denial))

    def _no_decision(self, call: Call, failure: NoDecision) -> Verdict:
        """Fail closed (deny 503 with the failure's code) or, when fail_open, allow and report nothing."""
        if self.client.settings.fail_open:
            call.report = False
            call.started = time.perf_counter()
            return Verdict("send", call, None, None)
        if failure.code == DECISION_TIMEOUT:
            self._post_failure(call, f"{failure.code}: {failure.reason}")
        return self._deny(call, denials.Denial(call.id, failure.code, failure.reason, None, failure.status, None))

    def failed(self, call: Optional[Call], exc: BaseException) -> None:
        """The HTTP call itself raised (connection error, cancelled): report status 0 so the engine settles."""
        if call is not None and call.report:
            call.report = False
            error = f"{type(exc).__name__}: {exc}"
            if call.deadline_ms and _is_timeout(exc):
                error = f"timed out (iron's deadline for this call: {call.deadline_ms} ms): {error}"
            self._post_failure(call, error)

    def _post_failure(self, call: Call, error: str) -> None:
        """Fire-and-forget llm.response for a call that produced no response (timeout, transport error)."""
        self.client.link.grant = None  # a failure may open a breaker: ask again (SPEC 3.4a)
        try:
            self.client.post(
                protocol.llm_response(
                    protocol.next_id(),
                    call.id,
                    0,
                    None,
                    "",
                    None,
                    (time.perf_counter() - call.started) * 1000.0,
                    call.info.stream,
                    False,
                    error[:1000],
                    None,
                    None,
                )
            )
        except Exception as exc:  # noqa: BLE001
            swallow("failure report", exc)


def _is_timeout(exc: BaseException) -> bool:
    """A timeout from any client library (socket.timeout, httpx/requests/aiohttp timeout classes),
    also when wrapped (urllib's URLError.reason, a raise ... from, an exception during handling)."""
    import socket

    seen = 0
    current: object = exc
    while isinstance(current, BaseException) and seen < 5:
        if isinstance(current, (TimeoutError, socket.timeout)):
            return True
        if any("Timeout" in cls.__name__ for cls in type(current).__mro__):
            return True
        reason = getattr(current, "reason", None)
        current = reason if isinstance(reason, BaseException) else (current.__cause__ or current.__context__)
        seen += 1
    return False
