"""iron's injected sitecustomize: install the shim from IRON_* variables, then run the user's own.

`iron run` puts this directory first on PYTHONPATH (and <repo>/python after it). PYTHONPATH is
left as it is, so child Python processes are governed too (they report IRON_PARENT_PID).
Nothing here may raise into the agent. A shim that cannot be installed fails closed: the reason
goes to stderr and the process ends (exit 70) before it can make an ungoverned call, unless the
user chose fail-open (IRON_FAIL_OPEN=1), when it runs on, ungoverned, saying so.
"""


def _iron_boot():
    """Install, then chain; both steps are isolated from each other and from the agent."""
    import os
    import sys

    if os.environ.get("IRON_ENDPOINT"):
        try:
            from iron_shim.bootstrap import install_from_env

            install_from_env()
        except Exception as exc:  # noqa: BLE001 - the package itself could not be imported
            fail_open = os.environ.get("IRON_FAIL_OPEN", "").strip().lower() in ("1", "true", "yes", "on")
            if fail_open:
                consequence = "IRON_FAIL_OPEN is set, so this process runs UNGOVERNED"
            else:
                consequence = (
                    "refusing to run ungoverned (IRON_ERR_INTERNAL, exit 70; set IRON_FAIL_OPEN=1 to run anyway)"
                )
            try:
                sys.stderr.write(
                    "iron_shim: could not import the shim (%s: %s); %s\n" % (type(exc).__name__, exc, consequence)
                )
                sys.stderr.flush()
            except Exception:  # noqa: BLE001
                pass
            if not fail_open:
                os._exit(70)
    _chain(os, sys)


def _chain(os, sys):
    """Imports the sitecustomize that would have run without us (if any), exactly once."""
    here = os.path.dirname(os.path.abspath(__file__))
    ours = sys.modules.get("sitecustomize")
    saved = list(sys.path)
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    sys.modules.pop("sitecustomize", None)
    try:
        import importlib

        importlib.import_module("sitecustomize")
    except ImportError as exc:
        if getattr(exc, "name", None) != "sitecustomize":
            _report(sys, exc)
        if ours is not None:
            sys.modules["sitecustomize"] = ours
    except Exception as exc:  # noqa: BLE001 - as Python itself reports a failing sitecustomize
        _report(sys, exc)
        if ours is not None:
            sys.modules["sitecustomize"] = ours
    finally:
        sys.path[:] = saved


def _report(sys, exc):
    """The message Python prints for a sitecustomize that fails."""
    try:
        sys.stderr.write(
            "Error in sitecustomize; set PYTHONVERBOSE for traceback:\n%s: %s\n" % (type(exc).__name__, exc)
        )
    except Exception:  # noqa: BLE001
        pass


try:
    _iron_boot()
except Exception:  # noqa: BLE001 - never raise from sitecustomize
    pass
