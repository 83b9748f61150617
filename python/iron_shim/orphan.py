"""Orphan guard: an agent spawned by iron exits when its supervisor is gone and does not come back.

Why: if the supervisor dies (crash, SIGKILL), an agent it spawned would keep running and
keep calling LLMs with every call denied (fail closed), forever and unobserved. When
IRON_SPAWNED=1 and the connection has been down for IRON_ORPHAN_EXIT_MS (default 10000;
0 disables), the shim writes one line to stderr and ends the process with os._exit(EXIT_CODE).
When the supervisor is known to be dead — IRON_SUPERVISOR_PID was our parent and no longer is,
or that pid is gone (its start time changed) — it does not wait: it exits as soon as the link
drops. An agent that leads its own process group (as iron spawns it) first ends the rest of
its group (SIGTERM + SIGCONT, up to 1 s, then SIGKILL), so grandchildren do not linger either.
Agents that joined a supervisor on their own (not spawned) are never terminated.

Linux's parent-death signal (prctl PR_SET_PDEATHSIG) is deliberately not used: the kernel would
kill the agent the moment the supervisor dies, before it could end the processes it started.
The I/O thread drives the guard: lost() when the connection drops or cannot be made, found() on
every welcome, and check() while it waits to reconnect.
"""
from __future__ import annotations

import os
import time

from .internal import note

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up (see named_tuple.py)
if TYPE_CHECKING:
    from typing import Callable, List, Optional

EXIT_CODE = 75  # EX_TEMPFAIL: the supervisor went away; a restart under a new supervisor may succeed
GROUP_GRACE_S = 1.0


def _env_pid(name: str) -> Optional[int]:
    """A positive pid from the environment, or None."""
    try:
        pid = int(os.environ.get(name, ""))
    except ValueError:
        return None
    return pid if pid > 0 else None


def _stat(pid: int) -> Optional[List[str]]:
    """/proc/<pid>/stat fields from the state on (field 3 first), or None when gone or not Linux."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            raw = f.read().decode("latin-1")
    except OSError:
        return None
    return raw[raw.rfind(")") + 2 :].split()


def _start_ticks(pid: int) -> Optional[str]:
    """The process start time in clock ticks (field 22): with the pid, it names one process."""
    fields = _stat(pid)
    return fields[19] if fields and len(fields) > 19 else None


def _group_members(pgid: int) -> Optional[List[int]]:
    """Live (non-zombie) processes of a group other than this one; None without /proc."""
    try:
        entries = os.listdir("/proc")
    except OSError:
        return None
    me = os.getpid()
    members = []
    for entry in entries:
        if not entry.isdigit() or int(entry) == me:
            continue
        fields = _stat(int(entry))
        if fields and len(fields) > 2 and fields[2] == str(pgid) and fields[0] not in ("Z", "X"):
            members.append(int(entry))
    return members


class OrphanGuard:
    """Tracks how long the supervisor has been unreachable and exits when that is too long."""

    def __init__(
        self,
        spawned: bool,
        orphan_exit_ms: int,
        exit_fn: Optional[Callable[[int], None]] = None,
        supervisor_pid: Optional[int] = None,
    ) -> None:
        """Armed only for spawned agents with a non-zero limit; the supervisor pid comes from IRON_SUPERVISOR_PID."""
        self.enabled = bool(spawned) and orphan_exit_ms > 0
        self.limit = orphan_exit_ms / 1000.0
        self.since: Optional[float] = None
        self._exit = exit_fn or os._exit
        self.supervisor_pid = supervisor_pid if supervisor_pid is not None else _env_pid("IRON_SUPERVISOR_PID")
        self._direct = self.supervisor_pid is not None and os.getppid() == self.supervisor_pid
        self._ticks = _start_ticks(self.supervisor_pid) if self.supervisor_pid is not None else None

    def lost(self, now: Optional[float] = None) -> None:
        """Starts the clock at the first failure (later failures keep the first time)."""
        if self.since is None:
            self.since = time.monotonic() if now is None else now

    def found(self) -> None:
        """The supervisor answered: stop the clock."""
        self.since = None

    def supervisor_gone(self) -> bool:
        """True when the supervisor process is known to be dead (not merely unreachable)."""
        pid = self.supervisor_pid
        if pid is None:
            return False
        if self._direct:
            return os.getppid() != pid
        if self._ticks is not None:
            return _start_ticks(pid) != self._ticks
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except OSError:
            return False
        return False

    def remaining(self, now: float) -> float:
        """Seconds before the process would be ended (infinite when disarmed or connected)."""
        if not self.enabled or self.since is None:
            return float("inf")
        if self.supervisor_gone():
            return 0.0
        return self.since + self.limit - now

    def check(self, now: Optional[float] = None) -> None:
        """Ends the process (and the rest of its group, when it leads one) once the limit has passed."""
        now = time.monotonic() if now is None else now
        if self.remaining(now) > 0:
            return
        if self.supervisor_gone():
            why = f"the supervisor (pid {self.supervisor_pid}) is gone"
        else:
            why = f"supervisor unreachable for {self.limit * 1000:.0f} ms"
        note(
            f"{why} and this agent was spawned by iron (IRON_SPAWNED=1): exiting with code {EXIT_CODE} "
            "so no orphan lingers (set IRON_ORPHAN_EXIT_MS=0 to disable)"
        )
        self._end_group()
        self._exit(EXIT_CODE)

    def _end_group(self) -> None:
        """As the leader of its own process group, terminate everything else in it first."""
        import signal  # only on the way out: signal pulls in enum, a cost every agent's start-up would pay

        try:
            pgid = os.getpgrp()
            if pgid != os.getpid():
                return
            members = _group_members(pgid)
            if members is None:
                os.killpg(pgid, signal.SIGKILL)  # no /proc: cannot spare ourselves, and we are exiting anyway
                return
            for sig in (signal.SIGTERM, signal.SIGCONT):
                for pid in members:
                    _kill(pid, sig)
            deadline = time.monotonic() + GROUP_GRACE_S
            while members and time.monotonic() < deadline:
                time.sleep(0.02)
                members = [pid for pid in members if pid in (_group_members(pgid) or [])]
            for pid in members:
                _kill(pid, signal.SIGKILL)
        except Exception:  # noqa: BLE001 - ending the group is best effort; exiting is not
            pass


def _kill(pid: int, sig: int) -> None:
    """Signals one process, ignoring one that is already gone."""
    try:
        os.kill(pid, sig)
    except OSError:
        pass
