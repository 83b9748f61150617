"""Bodies as the agent reads them: a tapped byte iterator (tee) and its asyncio twin (atee).

A watched stream (chunk filter) goes through the tap's pipeline on a blocking reader (read_ahead.py),
and reads ahead in a task of its own on an event loop, so what arrives while an ask is in flight goes
to the engine with the next ask (never an ask per chunk).
"""
from __future__ import annotations

from typing import Any, AsyncIterator, Callable, Iterable, Iterator, Optional

from .read_ahead import Pipeline
from .tap import StreamTap


def tee(tap: StreamTap, chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Yields what the agent sees from a body's chunks; the end of the body, an error or a deny finishes the tap.

    A watched stream (chunk filter) goes through a pipeline (read_ahead.py): what arrives while an ask is
    in flight goes to the engine with the next ask (never an ask per chunk)."""
    if tap.filter is not None:
        yield from _watched(tap, tap.pipeline(_next_of(iter(chunks))))
        return
    try:
        for chunk in chunks:
            out = tap.feed(chunk)
            if out:
                yield out
            if tap.ended:
                break
        else:
            rest = tap.tail()
            if rest:
                yield rest
    except GeneratorExit:
        raise
    except BaseException as exc:
        tap.finish(f"{type(exc).__name__}: {exc}")
        raise
    tap.finish()


def _watched(tap: StreamTap, pipe: Pipeline) -> Iterator[bytes]:
    """tee() for a watched stream: the pipeline's outputs; its end includes the held text (tail)."""
    try:
        while True:
            out = pipe.next()
            if out is None:
                break
            if out:
                yield out
            if tap.ended:
                break
    except GeneratorExit:
        raise
    except BaseException as exc:
        tap.finish(f"{type(exc).__name__}: {exc}")
        raise
    tap.finish()


def _next_of(chunks: Iterator[bytes]) -> Callable[[], Optional[bytes]]:
    """An iterator as a read function: the next chunk, None at the end."""
    return lambda: next(chunks, None)


async def atee(tap: StreamTap, chunks: Any) -> AsyncIterator[bytes]:
    """The async twin of tee() for async byte streams (a watched stream reads ahead in a task)."""
    source = _aread_ahead(chunks) if tap.filter is not None else chunks
    try:
        async for chunk in source:
            out = await tap.afeed(chunk)
            if out:
                yield out
            if tap.ended:
                break
        else:
            rest = await tap.atail()
            if rest:
                yield rest
    except GeneratorExit:
        raise
    except BaseException as exc:
        tap.finish(f"{type(exc).__name__}: {exc}")
        raise
    finally:
        if source is not chunks:
            await source.aclose()
    tap.finish()


async def _aread_ahead(chunks: Any) -> AsyncIterator[bytes]:
    """Reads a body's chunks in a task of its own; yields everything read since the last yield, joined."""
    import asyncio

    queue: "asyncio.Queue[Any]" = asyncio.Queue()
    end = object()

    async def pump() -> None:
        """Every chunk into the queue, then the end (or the error)."""
        try:
            async for chunk in chunks:
                queue.put_nowait(chunk)
        except BaseException as exc:  # noqa: BLE001 - raised again in the agent's task
            queue.put_nowait(exc)
            if isinstance(exc, asyncio.CancelledError):
                raise
        queue.put_nowait(end)

    task = asyncio.ensure_future(pump())
    try:
        while True:
            items = [await queue.get()]
            while not queue.empty():
                items.append(queue.get_nowait())
            data = [item for item in items if isinstance(item, bytes)]
            if data:
                yield b"".join(data)
            for item in items:
                if isinstance(item, BaseException):
                    raise item
                if item is end:
                    return
    finally:
        if not task.done():
            task.cancel()
