"""Child processes: a governed process that starts another with an environment of its own choosing
(env={...} without the IRON_* variables or iron's PYTHONPATH entries) still hands them on, so a Python
child installs the shim as every child does. A child started with ``python -I`` / ``-E`` ignores
PYTHONPATH: it is governed only when the iron-shim package is installed in that interpreter (its
iron_shim.pth still runs), so starting one says so on stderr. os.exec*/posix_spawn are not wrapped."""
from __future__ import annotations

import functools
import os
import re
from types import ModuleType
from typing import Any, Dict, List, Mapping

from ..internal import note
from . import base

_OFF = ("0", "false", "no", "off")
_PYTHON = re.compile(r"python[0-9.]*(\.exe)?$")
_warned: List[bool] = []


class ChildEnvInterceptor(base.Interceptor):
    """Patches subprocess.Popen.__init__ (subprocess.run, call, check_output and asyncio's come through it)."""

    name = "subprocess"
    module = "subprocess"

    def patch(self, module: ModuleType) -> None:
        """An env= argument gets the governing variables it lacks."""
        self.wrap(module.Popen, "__init__", _init)


def _init(original: Any) -> Any:
    """The wrapper of Popen.__init__."""

    @functools.wraps(original)  # keeps Popen's signature for introspection
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        """Adds the governing variables to an explicit env while the shim is installed."""
        if base.current() is not None:
            env = kwargs.get("env")
            if env is not None:
                kwargs["env"] = with_iron(env, os.environ)
            command = args[0] if args else kwargs.get("args")
            if isinstance(command, (list, tuple)) and isolated_python(list(command)) and not _warned:
                _warned.append(True)
                note(
                    f"{command[0]} is started with -I/-E, which ignores PYTHONPATH: it is governed only "
                    "when the iron-shim package is installed in that interpreter (pip install <iron>/python)"
                )
        original(self, *args, **kwargs)

    return __init__


def with_iron(env: Mapping[Any, Any], ours: Mapping[str, str]) -> Dict[Any, Any]:
    """env plus every IRON_* variable of ours it lacks and iron's PYTHONPATH entries in front of its own
    (none of it when children are not governed: IRON_GOVERN_CHILDREN=0)."""
    if not ours.get("IRON_ENDPOINT") or ours.get("IRON_GOVERN_CHILDREN", "1").strip().lower() in _OFF:
        return dict(env)
    merged = dict(env)
    for key, value in ours.items():
        if key.startswith("IRON_") and key not in merged and key.encode() not in merged:
            merged[key] = value
    boot = [p for p in ours.get("PYTHONPATH", "").split(os.pathsep) if p and _is_ours(p)]
    theirs = merged.get("PYTHONPATH")
    if boot and isinstance(theirs, (str, type(None))):
        rest = [p for p in (theirs or "").split(os.pathsep) if p and p not in boot]
        merged["PYTHONPATH"] = os.pathsep.join(boot + rest)
    return merged


def _is_ours(entry: str) -> bool:
    """True for the shim's boot directory (sitecustomize) and the directory holding the package."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # .../iron_shim
    absolute = os.path.abspath(entry)
    return absolute in (os.path.join(here, "_boot"), os.path.dirname(here))


def isolated_python(command: List[Any]) -> bool:
    """True for a Python interpreter started with -I or -E (alone or in a flag group like -Im)."""
    if not command or not _PYTHON.search(os.path.basename(str(command[0]))):
        return False
    args = [str(arg) for arg in command[1:]]
    at = 0
    while at < len(args):
        text = args[at]
        if not text.startswith("-") or text.startswith("--") or text == "-":
            return False
        for i, flag in enumerate(text[1:]):
            if flag in "IE":
                return True
            if flag in "cmXW":  # this option takes an argument: the rest of the group, or the next word
                if flag in "cm":
                    return False
                at += 1 if i + 2 < len(text) else 2
                break
        else:
            at += 1
    return False
