"""The name a joining agent announces when IRON_AGENT_ID does not give one."""
from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up (see named_tuple.py)
if TYPE_CHECKING:
    from typing import List, Optional


def default_agent_name() -> str:
    """The name a joining agent without IRON_AGENT_ID announces: its script's (or module's) name.

    Read from the interpreter's own command line (sys.orig_argv, else /proc/self/cmdline), not
    sys.argv, which `-m` and `python -m iron_shim script.py` rewrite while the shim is starting."""
    command = list(getattr(sys, "orig_argv", None) or _proc_cmdline() or [])
    name = _program_name(command[1:]) if command else None
    if name is None:
        argv = getattr(sys, "argv", None) or [""]
        name = os.path.splitext(os.path.basename(argv[0] or ""))[0]
    return name if name and name not in ("-c", "-m", "-") else "python"


def _proc_cmdline() -> List[str]:
    """This process's full command line on Linux (Python 3.9 has no sys.orig_argv)."""
    try:
        with open("/proc/self/cmdline", "rb") as f:
            return [part.decode(errors="replace") for part in f.read().split(b"\0") if part]
    except OSError:
        return []


def _program_name(args: List[str]) -> Optional[str]:
    """The script or module an interpreter command line runs (through `-m iron_shim` too); None for -c/stdin."""
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "-m" and i + 1 < len(args):
            module = args[i + 1]
            if module != "iron_shim":
                return module
            args, i = args[i + 2 :], 0  # python -m iron_shim [-m module | script.py] ...
            continue
        if arg == "-c" or arg == "-":
            return None
        if arg in ("-W", "-X"):
            i += 2
            continue
        if arg.startswith("-"):
            i += 1
            continue
        return os.path.splitext(os.path.basename(arg))[0]
    return None
