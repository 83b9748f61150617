"""Shim settings: environment and install() arguments -> defaults -> validation -> frozen object."""
from __future__ import annotations

import os
import sys
from collections.abc import Mapping

from .errors import CONFIG, IronError
from .named_tuple import NamedTuple

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up (see named_tuple.py)
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, List, Optional, Tuple

    _Parser = Callable[[Any], Any]

#: IRON_PARENT_PID as this process inherited it (install() later sets it to our pid for our children).
_INHERITED_PARENT_PID = os.environ.get("IRON_PARENT_PID")

DEFAULT_TIMEOUT_MS = 5000
DEFAULT_HEARTBEAT_MS = 1000
DEFAULT_ORPHAN_EXIT_MS = 10000
ON_DENY_VALUES = ("response", "raise")
PROVIDER_KINDS = ("openai", "anthropic")


class ProviderConfig(NamedTuple):
    """An extra base URL to govern, speaking the OpenAI or Anthropic wire format."""

    name: str
    kind: str
    base_url: str


class Settings(NamedTuple):
    """Every knob of the shim, validated once (immutable); welcome settings apply with merged_welcome()."""

    endpoint: Optional[str] = None
    agent: Optional[str] = None
    token: Optional[str] = None
    tls_fingerprint: Optional[str] = None
    timeout_ms: int = DEFAULT_TIMEOUT_MS
    fail_open: bool = False
    on_deny: str = "response"
    heartbeat_ms: int = DEFAULT_HEARTBEAT_MS
    providers: Tuple[ProviderConfig, ...] = ()
    strict: bool = False
    debug: bool = False
    spawned: bool = False
    parent_pid: Optional[int] = None
    orphan_exit_ms: int = DEFAULT_ORPHAN_EXIT_MS
    warnings: Tuple[str, ...] = ()
    allow_uninstall: bool = False  # welcome only: under iron run, uninstall() works only when the supervisor says so

    def merged_welcome(self, welcome: Mapping[str, Any]) -> "Settings":
        """Applies welcome.settings (they win over the environment); bad entries are ignored."""
        values, problems = _validate(welcome, _WELCOME_KEYS, "welcome.settings.")
        return self._replace(warnings=self.warnings + tuple(problems), **values)


def _parse_bool(value: Any) -> bool:
    """Accepts real booleans and the usual spellings from the environment."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ValueError("1/true/yes/on or 0/false/no/off")


def _parse_ms(value: Any) -> int:
    """A non-negative integer number of milliseconds."""
    if isinstance(value, bool):
        raise ValueError("a non-negative integer (milliseconds)")
    try:
        number = int(str(value).strip()) if not isinstance(value, (int, float)) else int(value)
    except ValueError:
        raise ValueError("a non-negative integer (milliseconds)") from None
    if number < 0:
        raise ValueError("a non-negative integer (milliseconds)")
    return number


def _parse_positive_ms(value: Any) -> int:
    """Milliseconds that must be at least 1."""
    try:
        number = _parse_ms(value)
    except ValueError:
        number = 0
    if number < 1:
        raise ValueError("a positive integer (milliseconds)")
    return number


def _parse_on_deny(value: Any) -> str:
    """One of "response" or "raise"."""
    text = str(value).strip().lower()
    if text not in ON_DENY_VALUES:
        raise ValueError('"response" or "raise"')
    return text


def _parse_providers(value: Any) -> Tuple[ProviderConfig, ...]:
    """A JSON array (or list) of {name, kind, base_url} maps."""
    expected = 'a JSON array of {"name", "kind": "openai"|"anthropic", "base_url": "http(s)://..."}'
    if isinstance(value, str):
        import json  # only when IRON_PROVIDERS is set

        try:
            items = json.loads(value)
        except ValueError:
            raise ValueError("valid JSON") from None
    else:
        items = value
    if not isinstance(items, (list, tuple)):
        raise ValueError(expected)
    result: List[ProviderConfig] = []
    for item in items:
        if isinstance(item, ProviderConfig):
            result.append(item)
            continue
        if not isinstance(item, Mapping):
            raise ValueError(expected)
        name, kind, base = item.get("name"), item.get("kind"), item.get("base_url")
        if not (
            isinstance(name, str)
            and name
            and kind in PROVIDER_KINDS
            and isinstance(base, str)
            and base.lower().startswith(("http://", "https://"))
        ):
            raise ValueError(expected)
        result.append(ProviderConfig(name, kind, base.rstrip("/")))
    return tuple(result)


def _parse_text(value: Any) -> Optional[str]:
    """A non-empty string, or None when empty."""
    text = str(value).strip()
    return text or None


def _parse_endpoint(value: Any) -> Optional[str]:
    """ipc://path, tcp://host:port or tls://host:port."""
    text = str(value).strip()
    if not text:
        return None
    if not text.startswith(("ipc://", "tcp://", "tls://")):
        raise ValueError("ipc://<path>, tcp://<host>:<port> or tls://<host>:<port>")
    return text


def _parse_fingerprint(value: Any) -> Optional[str]:
    """The tls:// certificate's SHA-256 (64 hex digits, colons allowed), or None when empty."""
    if value is None or str(value).strip() == "":
        return None
    from .tls_pin import normalize_fingerprint

    return normalize_fingerprint(str(value))


def _parse_pid(value: Any) -> Optional[int]:
    """A positive process id, or None when empty."""
    if value is None or str(value).strip() == "":
        return None
    number = int(str(value).strip())
    if number <= 0:
        raise ValueError("a positive process id")
    return number


# key -> (environment variable, parser)
_ENV: Dict[str, Tuple[str, _Parser]] = {
    "endpoint": ("IRON_ENDPOINT", _parse_endpoint),
    "agent": ("IRON_AGENT_ID", _parse_text),
    "token": ("IRON_TOKEN", _parse_text),
    "tls_fingerprint": ("IRON_TLS_FINGERPRINT", _parse_fingerprint),
    "timeout_ms": ("IRON_TIMEOUT_MS", _parse_positive_ms),
    "fail_open": ("IRON_FAIL_OPEN", _parse_bool),
    "on_deny": ("IRON_ON_DENY", _parse_on_deny),
    "providers": ("IRON_PROVIDERS", _parse_providers),
    "strict": ("IRON_SHIM_STRICT", _parse_bool),
    "debug": ("IRON_SHIM_DEBUG", _parse_bool),
    "spawned": ("IRON_SPAWNED", _parse_bool),
    "parent_pid": ("IRON_PARENT_PID", _parse_pid),
    "orphan_exit_ms": ("IRON_ORPHAN_EXIT_MS", _parse_ms),
}
_KEYS: Dict[str, _Parser] = {key: parser for key, (_, parser) in _ENV.items()}
_KEYS["heartbeat_ms"] = _parse_positive_ms
_WELCOME_KEYS: Dict[str, _Parser] = {
    key: _KEYS[key] for key in ("timeout_ms", "fail_open", "on_deny", "heartbeat_ms", "providers")
}
_WELCOME_KEYS["allow_uninstall"] = _parse_bool


def _validate(
    values: Mapping[str, Any], parsers: Mapping[str, _Parser], prefix: str
) -> Tuple[Dict[str, Any], List[str]]:
    """Parses each known key; a bad value becomes a message naming it, the expected and the got."""
    good: Dict[str, Any] = {}
    problems: List[str] = []
    for key, raw in values.items():
        parser = parsers.get(key)
        if parser is None or raw is None:
            continue
        try:
            good[key] = parser(raw)
        except (ValueError, TypeError) as exc:
            expected = str(exc)
            problems.append(f"{prefix}{key}: expected {expected}, got {_describe(raw)}; using the default")
    return good, problems


def _describe(value: Any) -> str:
    """A short, safe rendering of a bad value."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def from_env(environ: Optional[Mapping[str, str]] = None) -> Settings:
    """Reads every IRON_* variable once; bad values warn (naming the variable) and fall back."""
    env = os.environ if environ is None else environ
    raw = {key: env[var] for key, (var, _) in _ENV.items() if var in env}
    if environ is None and raw.get("parent_pid") == str(os.getpid()):
        raw["parent_pid"] = _INHERITED_PARENT_PID  # our own export for children, not our parent
    good, problems = _validate(raw, _KEYS, "")
    renamed = [_rename_problem(p) for p in problems]
    return Settings(warnings=tuple(renamed), **good)


def _rename_problem(problem: str) -> str:
    """Names the environment variable instead of the settings key."""
    key, rest = problem.split(":", 1)
    return f"{_ENV[key][0]}:{rest}"


def with_overrides(base: Settings, overrides: Mapping[str, Any]) -> Settings:
    """install(...) arguments over the environment; unknown keys and bad values raise IRON_ERR_CONFIG."""
    unknown = sorted(set(overrides) - set(_KEYS))
    if unknown:
        raise IronError(
            CONFIG, f"install(): unknown setting {unknown[0]!r}; expected one of {', '.join(sorted(_KEYS))}"
        )
    good, problems = _validate(overrides, _KEYS, "install(): ")
    if problems:
        raise IronError(CONFIG, problems[0].replace("; using the default", ""))
    return base._replace(**good)


def warn(settings: Settings) -> None:
    """Prints each configuration problem once to stderr (never the value of a token)."""
    for problem in settings.warnings:
        if "IRON_TOKEN" in problem or "token:" in problem:
            problem = problem.split(", got", 1)[0] + "; using the default"
        try:
            sys.stderr.write(f"iron_shim: {problem}\n")
        except Exception:  # noqa: BLE001 - a closed stderr must not break the agent
            pass
