"""Orphan guard: an agent spawned by iron exits when its supervisor is gone and does not come back.

Why: if the supervisor dies (crash, SIGKILL), an agent it spawned would keep running and
keep calling LLMs with every call denied (fail closed), forever and unobserved. When
IRON_SPAWNED=1 and the connection has been down for IRON_ORPHAN_EXIT_MS (default 10000;
0 disables), the shim writes one line to stderr and ends the process with os._exit(EXIT_CODE).
Agents that joined a supervisor on their own (not spawned) are never terminated.
The I/O thread drives it: lost() when the connection drops or cannot be made, found() on
every welcome, and check() while it waits to reconnect.
"""
from __future__ import annotations

import os
import time
from typing import Callable, Optional

from .internal import note

EXIT_CODE = 75  # EX_TEMPFAIL: the supervisor went away; a restart under a new supervisor may succeed


class OrphanGuard:
    """Tracks how long the supervisor has been unreachable and exits when that is too long."""

    def __init__(self, spawned: bool, orphan_exit_ms: int, exit_fn: Optional[Callable[[int], None]] = None) -> None:
        """Armed only for spawned agents with a non-zero limit."""
        self.enabled = bool(spawned) and orphan_exit_ms > 0
        self.limit = orphan_exit_ms / 1000.0
        self.since: Optional[float] = None
        self._exit = exit_fn or os._exit

    def lost(self, now: Optional[float] = None) -> None:
        """Starts the clock at the first failure (later failures keep the first time)."""
        if self.since is None:
            self.since = time.monotonic() if now is None else now

    def found(self) -> None:
        """The supervisor answered: stop the clock."""
        self.since = None

    def remaining(self, now: float) -> float:
        """Seconds before the process would be ended (infinite when disarmed or connected)."""
        if not self.enabled or self.since is None:
            return float("inf")
        return self.since + self.limit - now

    def check(self, now: Optional[float] = None) -> None:
        """Ends the process once the limit has passed."""
        now = time.monotonic() if now is None else now
        if self.remaining(now) <= 0:
            note(
                f"supervisor unreachable for {self.limit * 1000:.0f} ms and this agent was spawned by iron "
                f"(IRON_SPAWNED=1): exiting with code {EXIT_CODE} so no orphan lingers "
                "(set IRON_ORPHAN_EXIT_MS=0 to disable)"
            )
            self._exit(EXIT_CODE)
