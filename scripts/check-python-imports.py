#!/usr/bin/env python3
"""Fails when the shim's modules import each other in a circle (issue 13: layers only point down).

Every import counts: at module level, inside functions (lazy) and under `if TYPE_CHECKING:`, because
a circle is a circle for the reader even when Python happens to resolve it. Prints each circle as
`a -> b -> a` and exits 1; prints one OK line and exits 0 otherwise. Stdlib only.

Usage: python3 scripts/check-python-imports.py [package directory, default python/iron_shim]
"""
import ast
import os
import sys
from typing import Dict, List, Optional, Set


def module_name(root: str, package: str, path: str) -> str:
    """iron_shim.interceptors.base for python/iron_shim/interceptors/base.py."""
    rel = os.path.relpath(path, root)[:-3].split(os.sep)
    if rel[-1] == "__init__":
        rel = rel[:-1]
    return ".".join([package] + rel)


def resolve(current: str, is_package: bool, level: int, target: Optional[str]) -> str:
    """The absolute name a relative import (level dots) means inside module current."""
    parts = current.split(".")
    base = parts if is_package else parts[:-1]
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join(base + ([target] if target else []))


def imports_of(path: str, name: str, known: Set[str]) -> Set[str]:
    """The package's own modules that the file at path imports (an imported name may be a module)."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    is_package = path.endswith("__init__.py")
    found: Set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                found.add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = resolve(name, is_package, node.level, node.module) if node.level else (node.module or "")
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in known else base)  # `from . import x` imports module x, not the package
    return {m for m in found if m in known and m != name}


def cycles(graph: Dict[str, Set[str]]) -> List[List[str]]:
    """One circle per strongly connected group of modules (Tarjan), as a path that returns to its start."""
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on_stack: Set[str] = set()
    groups: List[List[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return [path_through(graph, set(group)) for group in groups]


def path_through(graph: Dict[str, Set[str]], group: Set[str]) -> List[str]:
    """A shortest circle from the group's first module back to itself, staying inside the group."""
    start = min(group)
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for nxt in sorted(graph[node] & group):
            if nxt == start:
                return paths[node] + [start]
            if nxt not in paths:
                paths[nxt] = paths[node] + [nxt]
                queue.append(nxt)
    return sorted(group)


def main() -> int:
    """Builds the import graph of the package and reports its circles."""
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "python", "iron_shim")
    root = os.path.normpath(root)
    package = os.path.basename(root)
    files = {}
    for folder, _, names in os.walk(root):
        for file in names:
            if file.endswith(".py"):
                path = os.path.join(folder, file)
                files[module_name(root, package, path)] = path
    known = set(files)
    graph = {name: imports_of(path, name, known) for name, path in files.items()}
    found = cycles(graph)
    if not found:
        print(f"python imports: no circles among the {len(files)} modules of {package}")
        return 0
    for circle in found:
        print("python imports: circle: " + " -> ".join(circle), file=sys.stderr)
    print(
        f"python imports: {len(found)} circle(s) in {package}; a module may only import modules below it "
        "(move the shared piece down, or pass it in)",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
