"""A step written once as a generator and driven two ways: blocking on the calling thread, or awaiting.

A flow yields what it needs from outside (a message to send, an Ask for the chunk filter, a timeout to
wait for the welcome) and receives the answer; an exception the answer raised is thrown into the flow
at its yield. run() answers with a blocking function, arun() with a coroutine function, so the
asyncio twin of a step is not written twice.
"""
from __future__ import annotations

from typing import Any, Awaitable, Callable, Generator, TypeVar

T = TypeVar("T")
Flow = Generator[Any, Any, T]


def run(flow: Flow[T], answer: Callable[[Any], Any]) -> T:
    """Drives a flow to its end, answering each thing it yields by a blocking call."""
    try:
        question = next(flow)
        while True:
            try:
                reply = answer(question)
            except BaseException as exc:  # noqa: BLE001 - the flow decides what a failed answer means
                question = flow.throw(exc)
            else:
                question = flow.send(reply)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]


async def arun(flow: Flow[T], answer: Callable[[Any], Awaitable[Any]]) -> T:
    """The asyncio driver: each thing the flow yields is answered by awaiting answer(it)."""
    try:
        question = next(flow)
        while True:
            try:
                reply = await answer(question)
            except BaseException as exc:  # noqa: BLE001
                question = flow.throw(exc)
            else:
                question = flow.send(reply)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
