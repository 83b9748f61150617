"""AWS Bedrock's runtime wire: Converse, ConverseStream, InvokeModel and InvokeModelWithResponseStream.

What the botocore interceptor (interceptors/botocore_.py) needs to govern them: the usage and text of
an answer, the stream accumulator and text shape over ConverseStream's binary event stream
(aws_eventstream.py; InvokeModelWithResponseStream's are in bedrock_invoke_stream.py), and Bedrock's
error codes for a denial (raised as botocore's ClientError).
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional

from .aws_eventstream import EventStreamParser, denial_frame, frame_json, json_frame
from .bedrock_invoke_stream import InvokeStream, InvokeStreamShape
from .providers import BEDROCK
from .sse import SSEEvent
from .stream_text import MORE_SHAPES, Delta, TextShape, private_copy
from .streams import MORE_ACCUMULATORS, Accumulator
from .usage import converse_usage

#: Operation -> endpoint name in llm.request.
ENDPOINTS = {
    "Converse": "converse",
    "ConverseStream": "converse-stream",
    "InvokeModel": "invoke",
    "InvokeModelWithResponseStream": "invoke-stream",
}
#: Endpoints whose answer is a binary event stream, and the member of the parsed answer that holds it.
STREAMS = {"converse-stream": "stream", "invoke-stream": "body"}


class BedrockStream(Accumulator):
    """ConverseStream events: contentBlockDelta text, messageStop, metadata usage; exceptions end it."""

    def new_parser(self) -> Any:
        """Binary event-stream frames, not server-sent events."""
        return EventStreamParser()

    def on_event(self, event: SSEEvent) -> Optional[bytes]:
        """One decoded frame: its name is the event type, its data the JSON payload."""
        obj, error = frame_json(event)
        if not isinstance(obj, dict):
            return None
        if error is not None:
            self.error = error
        elif event.event == "contentBlockDelta":
            delta = obj.get("delta")
            if isinstance(delta, dict):
                self.add_text(obj.get("contentBlockIndex"), delta.get("text"))
        elif event.event == "messageStop":
            self.done = True
        elif event.event == "metadata":
            self.usage = converse_usage(obj.get("usage")) or self.usage
        return None


class BedrockShape(TextShape):
    """ConverseStream for the chunk filter: contentBlockDelta delta.text; metadata or an exception ends it."""

    def deltas(self, name: str, obj: Dict[str, Any]) -> List[Delta]:
        """A contentBlockDelta's text delta (tool-use and reasoning deltas are not output text)."""
        delta = obj.get("delta")
        if name == "contentBlockDelta" and isinstance(delta, dict) and isinstance(delta.get("text"), str):
            return [("text", delta["text"])] if delta["text"] else []
        return []

    def set_text(self, obj: Dict[str, Any], where: Any, text: str) -> None:
        """Puts text in delta.text."""
        obj["delta"]["text"] = text

    def remainder(self, last: Dict[str, Any], where: Any, text: str) -> Dict[str, Any]:
        """A contentBlockDelta like the last one, carrying the held text."""
        extra = private_copy(last)
        extra["delta"] = {"text": text}
        return extra

    def key(self, obj: Dict[str, Any], where: Any) -> Any:
        """The content block's index."""
        return obj.get("contentBlockIndex", 0)

    def closes(self, name: str, obj: Optional[Dict[str, Any]]) -> bool:
        """contentBlockStop and messageStop come after a block's text."""
        return name in ("contentBlockStop", "messageStop")

    def ends(self, name: str, data: str, obj: Optional[Dict[str, Any]]) -> bool:
        """metadata is the last event; an exception ends the stream too."""
        return name == "metadata" or name.startswith("exception:")

    def encode(self, name: str, obj: Any) -> bytes:
        """A rewritten event is a new frame with fresh checksums."""
        return json_frame(name, obj)

    def error_event(self, error: Any, iron: Dict[str, Any], sequence: Optional[int]) -> bytes:
        """An error frame botocore raises as EventStreamError (a ClientError) with Bedrock's code."""
        return denial_frame(error, iron)


MORE_ACCUMULATORS[BEDROCK] = (
    lambda kind, endpoint: InvokeStream(kind) if endpoint == "invoke-stream" else BedrockStream(kind)
)
MORE_SHAPES[BEDROCK] = lambda endpoint: InvokeStreamShape() if endpoint == "invoke-stream" else BedrockShape()
