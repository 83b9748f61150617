"""`python -m iron_shim script.py [args]` (or `-m module [args]`): run a program exactly like
`python script.py`, with every LLM call governed by the supervisor at IRON_ENDPOINT."""
from __future__ import annotations

import os
import runpy
import sys
from typing import List, Optional

USAGE = """usage: python -m iron_shim script.py [args...]
       python -m iron_shim -m module [args...]

Runs the program with every LLM call governed by the iron supervisor at IRON_ENDPOINT,
joining it with the token in IRON_TOKEN (iron serve prints both). IRON_AGENT_ID names the
agent (default: the script's name).
"""


def main(argv: Optional[List[str]] = None) -> int:
    """Installs the shim from the environment, then runs the script (or module) as __main__."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        sys.stderr.write(USAGE)
        return 0 if args else 2
    module = None
    if args[0] == "-m":
        if len(args) < 2:
            sys.stderr.write("iron_shim: -m needs a module name\n" + USAGE)
            return 2
        module, args = args[1], args[1:]
    elif not os.path.isfile(args[0]):
        sys.stderr.write(f"iron_shim: expected a script file, got {args[0]!r} (not found)\n")
        return 2
    if not os.environ.get("IRON_ENDPOINT"):
        # Asked to run governed: never run ungoverned by mistake (fail closed).
        sys.stderr.write("iron_shim: IRON_ENDPOINT is not set; set it (and IRON_TOKEN) to what `iron serve` prints\n")
        return 2
    from .bootstrap import install_from_env

    # argv first: the agent's default name is its script's (or module's) name.
    sys.argv = [module.rsplit(".", 1)[-1]] + args[1:] if module else args
    install_from_env()
    if module:
        sys.argv[0] = module
        runpy.run_module(module, run_name="__main__", alter_sys=True)
        return 0
    sys.path[0] = os.path.dirname(os.path.abspath(args[0]))
    runpy.run_path(args[0], run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
