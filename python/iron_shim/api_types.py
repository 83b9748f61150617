"""What iron_shim.status() returns: typed, so editors and type checkers know every key."""
from __future__ import annotations

from typing import Any, Dict, Optional, TypedDict

MICROS_PER_USD = 1_000_000


class BudgetStatus(TypedDict):
    """The tightest budget this agent's calls count against, as the supervisor last reported it.

    ``scope`` is a budget scope name (``global``, ``agent:<id>``, ``run:<id>#<n>``, optionally with a
    period such as ``@day:2026-11-27``); amounts are in USD. Budgets keyed on attribution
    (``user:u42``) depend on each call's context and are not included.
    """

    scope: str
    limit_usd: float
    spent_usd: float
    reserved_usd: float
    left_usd: float


class Status(TypedDict):
    """A snapshot of the shim in this process."""

    #: True while the shim is installed (its patches are in place).
    installed: bool
    #: True while a welcomed connection to the supervisor is up.
    connected: bool
    #: Connection state: uninstalled, idle, connecting, ready, down, rejected or closed.
    state: str
    #: The agent id the supervisor knows this process as (after its welcome), else the name asked for.
    agent: Optional[str]
    #: This connection's session id (appears in the supervisor's events).
    session: Optional[str]
    endpoint: Optional[str]
    #: Calls waiting for a decision right now.
    inflight: int
    #: The last connection problem (or the reject reason), or None.
    error: Optional[str]
    #: USD this agent may still spend before a call is denied for budget, or None when unlimited/unknown.
    budget_left_usd: Optional[float]
    #: The budget behind budget_left_usd, or None.
    budget: Optional[BudgetStatus]


def _usd(micros: int) -> float:
    """Micro-dollars as USD."""
    return micros / MICROS_PER_USD


def build(raw: Dict[str, Any], installed: bool) -> Status:
    """A Status from the client's snapshot (budget figures in micro-dollars on the wire)."""
    wire = raw.get("budget")
    budget: Optional[BudgetStatus] = None
    if isinstance(wire, dict):
        budget = BudgetStatus(
            scope=wire["scope"],
            limit_usd=_usd(wire["limit"]),
            spent_usd=_usd(wire["spent"]),
            reserved_usd=_usd(wire["reserved"]),
            left_usd=_usd(wire["left"]),
        )
    return Status(
        installed=installed,
        connected=bool(raw.get("connected")),
        state=str(raw.get("state")),
        agent=raw.get("agent"),
        session=raw.get("session"),
        endpoint=raw.get("endpoint"),
        inflight=int(raw.get("inflight") or 0),
        error=raw.get("error"),
        budget_left_usd=budget["left_usd"] if budget is not None else None,
        budget=budget,
    )
