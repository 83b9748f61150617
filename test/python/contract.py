"""The behaviour every interceptor owes, written once and run per library and per sync/async flavour.

A concrete test case mixes Contract into ShimTestCase and implements call(), stream() and get(). The
tests live by topic in contract_calls.py and contract_streams.py; contract_base.py holds what they share."""
from __future__ import annotations

from .contract_base import CHAT, CLAUDE, Result
from .contract_calls import CallContract
from .contract_streams import StreamContract
from .router_peer import RouterPeer

__all__ = ["CHAT", "CLAUDE", "Contract", "Result", "RouterPeer"]


class Contract(CallContract, StreamContract):
    """Behaviours: allow, deny (both shapes), modify, raise, fail closed/open, timeout, reject, non-LLM
    untouched, streaming reassembly with include_usage add/strip, early close, redaction."""
