"""The installed governor, built on the first call that needs it: start-up imports only the client.

A process that never makes an HTTP call through a governed library (``python -c pass``, most child
processes) never imports the request, response and stream sides at all."""
from __future__ import annotations


TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up (see named_tuple.py)
if TYPE_CHECKING:
    from typing import Any, Optional
    from .client import Client
    from .governor import Governor


class LazyGovernor:
    """Holds the client now; everything else is the real Governor's, built on first use."""

    def __init__(self, client: "Client") -> None:
        """The client connects in the background from install(); the governor waits for a call."""
        self.client = client
        self._real: Optional["Governor"] = None

    def __getattr__(self, name: str) -> Any:
        """Any other attribute is the real governor's (imported and built the first time)."""
        real = self._real
        if real is None:
            from .governor import Governor

            real = self._real = Governor(self.client)
        return getattr(real, name)
