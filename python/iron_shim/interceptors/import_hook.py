"""Post-import hook: a sys.meta_path finder that patches a library right after it is first imported."""
from __future__ import annotations

import sys
import threading

from ..internal import swallow

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up (see named_tuple.py)
if TYPE_CHECKING:
    from importlib.machinery import ModuleSpec
    from types import ModuleType
    from typing import Any, Callable, Dict, Optional, Sequence

    Hook = Callable[[ModuleType], None]


class PostImportFinder:
    """Finds nothing itself: asks the finders after it, then wraps the loader's exec_module.

    A meta path finder only needs find_spec (and invalidate_caches); not subclassing
    importlib.abc.MetaPathFinder spares every agent the import of importlib.abc (and with it
    importlib.resources, tempfile, shutil...): about 10 ms of start-up."""

    def __init__(self, hooks: Dict[str, Hook]) -> None:
        """hooks maps a full module name (httpx, urllib.request) to the function that patches it."""
        self.hooks = hooks
        self._busy = threading.local()

    def invalidate_caches(self) -> None:
        """Nothing cached here (importlib.invalidate_caches() calls it on every finder)."""

    def find_spec(self, fullname: str, path: Optional[Sequence[str]], target: Any = None) -> Optional[ModuleSpec]:
        """Returns the real spec with a loader that calls our hook after the module executes."""
        hook = self.hooks.get(fullname)
        if hook is None or getattr(self._busy, fullname.replace(".", "_"), False):
            return None
        flag = fullname.replace(".", "_")
        setattr(self._busy, flag, True)
        try:
            spec = _find_after(self, fullname, path, target)
        finally:
            setattr(self._busy, flag, False)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        _hook_loader(spec.loader, hook)
        return spec


def _find_after(
    me: PostImportFinder, fullname: str, path: Optional[Sequence[str]], target: Any
) -> Optional[ModuleSpec]:
    """The spec the rest of sys.meta_path would have produced."""
    for finder in list(sys.meta_path):
        if finder is me:
            continue
        find = getattr(finder, "find_spec", None)
        if find is None:
            continue
        spec = find(fullname, path, target)
        if spec is not None:
            return spec  # type: ignore[no-any-return]
    return None


def _hook_loader(loader: Any, hook: Hook) -> None:
    """Shadows exec_module on this loader instance for one call, then removes the shadow."""
    original = loader.exec_module

    def exec_module(module: ModuleType) -> None:
        """Runs the real module code, restores the loader, then patches."""
        try:
            original(module)
        finally:
            try:
                del loader.exec_module
            except AttributeError:
                pass
        try:
            hook(module)
        except Exception as exc:  # noqa: BLE001 - never break the user's import
            swallow(f"post-import hook for {module.__name__}", exc)

    try:
        loader.exec_module = exec_module
    except (AttributeError, TypeError):
        pass  # a loader without an instance dict (built-in): the module is patched by instrument() instead


def install(finder: PostImportFinder) -> None:
    """Puts the finder first on sys.meta_path (once)."""
    if finder not in sys.meta_path:
        sys.meta_path.insert(0, finder)


def remove(finder: PostImportFinder) -> None:
    """Takes the finder off sys.meta_path."""
    try:
        sys.meta_path.remove(finder)
    except ValueError:
        pass
