"""The installed governor as the wrappers see it: the runtime sets it, the wrappers read it on every call."""
from __future__ import annotations


TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up (see named_tuple.py)
if TYPE_CHECKING:
    from typing import List, Optional
    from ..governor import Governor

#: The installed governor, read by every wrapper on every call (None: not installed, pass through).
_GOVERNOR: List[Optional["Governor"]] = [None]


def current() -> Optional["Governor"]:
    """The governor now: the runtime sets it and the wrappers read it per call, so neither imports the other."""
    return _GOVERNOR[0]


def set_current(governor: Optional["Governor"]) -> None:
    """Installs (or, with None, removes) the governor; the runtime calls this."""
    _GOVERNOR[0] = governor
