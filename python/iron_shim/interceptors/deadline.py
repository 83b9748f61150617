"""The call deadline a decision may carry (timeout_ms, SPEC 3.5), applied the way each library
times out: no bytes for that long (connecting, sending or waiting for the answer) ends the call.
A caller's own shorter timeout always wins."""
from __future__ import annotations

import socket
from typing import Any, Optional, Tuple

_PHASES = ("connect", "read", "write", "pool")


def tighter(current: Any, limit: float) -> float:
    """The smaller of a caller's timeout (a number, or None / a sentinel for none) and the limit."""
    if isinstance(current, (int, float)) and not isinstance(current, bool) and current > 0:
        return min(float(current), limit)
    return limit


def httpx_extensions(extensions: Any, limit: float) -> dict:
    """httpx's per-request timeout (extensions["timeout"]: connect/read/write/pool), tightened."""
    ext = dict(extensions or {})
    current = ext.get("timeout") or {}
    ext["timeout"] = {phase: tighter(current.get(phase), limit) for phase in _PHASES}
    return ext


def requests_args(args: Tuple[Any, ...], kwargs: dict, limit: float) -> Tuple[Tuple[Any, ...], dict]:
    """HTTPAdapter.send(request, stream, timeout, ...): the timeout argument, tightened."""
    if len(args) >= 2:
        current = args[1]
        return args[:1] + (_requests_timeout(current, limit),) + args[2:], kwargs
    kwargs = dict(kwargs)
    kwargs["timeout"] = _requests_timeout(kwargs.get("timeout"), limit)
    return args, kwargs


def _requests_timeout(current: Any, limit: float) -> Any:
    """A number, a (connect, read) pair, or an urllib3 Timeout: each part at most the limit."""
    if isinstance(current, tuple) and len(current) == 2:
        return (tighter(current[0], limit), tighter(current[1], limit))
    connect = getattr(current, "connect_timeout", None)
    read = getattr(current, "read_timeout", None)
    if connect is not None or read is not None:  # urllib3.Timeout
        return (tighter(connect, limit), tighter(read, limit))
    return tighter(current, limit)


def urllib_timeout(current: Any, limit: float) -> float:
    """urllib's Request.timeout (socket._GLOBAL_DEFAULT_TIMEOUT when none was given), tightened."""
    if current is socket._GLOBAL_DEFAULT_TIMEOUT:  # type: ignore[attr-defined]
        current = socket.getdefaulttimeout()
    return tighter(current, limit)


def aiohttp_timeout(aiohttp: Any, session: Any, current: Any, limit: float) -> Any:
    """An aiohttp.ClientTimeout whose connect and read limits are at most the limit."""
    base: Optional[Any] = current if isinstance(current, aiohttp.ClientTimeout) else getattr(session, "timeout", None)
    total = getattr(base, "total", None)
    if isinstance(current, (int, float)) and not isinstance(current, bool):
        total = current  # the deprecated plain-number form means total
    return aiohttp.ClientTimeout(
        total=total,
        connect=getattr(base, "connect", None),
        sock_connect=tighter(getattr(base, "sock_connect", None), limit),
        sock_read=tighter(getattr(base, "sock_read", None), limit),
    )
