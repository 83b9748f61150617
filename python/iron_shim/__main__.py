"""`python -m iron_shim script.py [args]`: run a script exactly like `python script.py`, governed."""
from __future__ import annotations

import os
import runpy
import sys
from typing import List, Optional


def main(argv: Optional[List[str]] = None) -> int:
    """Installs the shim from the environment, then runs the script as __main__."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        sys.stderr.write("usage: python -m iron_shim script.py [args...]\n"
                         "Runs script.py with every LLM call governed (IRON_ENDPOINT and IRON_TOKEN must be set).\n")
        return 0 if args else 2
    script = args[0]
    if not os.path.isfile(script):
        sys.stderr.write(f"iron_shim: expected a script file, got {script!r} (not found)\n")
        return 2
    from .bootstrap import install_from_env

    install_from_env()
    sys.argv = args
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    runpy.run_path(script, run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
