"""Where a modify decision may send a call (SPEC 3.5 url): the call carries the agent's own headers,
API key included, so a supervisor — or whoever answers in its place — may move it only to the host
it was going to, a built-in provider's, or a provider configured where the agent trusts it."""
from __future__ import annotations

from typing import Iterable, Optional
from urllib.parse import urlsplit

from .settings import ProviderConfig, Settings

#: Hosts of the providers the shim knows by itself.
BUILT_IN = ("api.openai.com", "api.anthropic.com")
_AZURE_SUFFIX = ".openai.azure.com"


def refusal(url: str, original: str, local: Settings, effective: Settings) -> Optional[str]:
    """None when url may be followed, else why not. Providers from the welcome count only over ipc://
    (a socket in the user's own runtime directory); over TCP the welcome is not yet proof of anything."""
    host = _host(url)
    if not host:
        return f"modify.url {url!r} names no host"
    if host == _host(original) or host in BUILT_IN or host.endswith(_AZURE_SUFFIX):
        return None
    trusted = list(local.providers)
    if (local.endpoint or "").startswith("ipc://"):
        trusted += effective.providers
    if host in _hosts(trusted):
        return None
    return (
        f"the supervisor's modify decision sends this call to {host!r}, which is neither its own host "
        f"({_host(original)!r}) nor a configured provider's; expected one of "
        f"{sorted(set(_hosts(trusted)) | set(BUILT_IN) | {_host(original)})}"
    )


def _host(url: str) -> str:
    """The lower-case host name of a URL ('' when it has none)."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _hosts(providers: Iterable[ProviderConfig]) -> Iterable[str]:
    """The hosts of these providers' base URLs."""
    return [h for h in (_host(p.base_url) for p in providers) if h]
