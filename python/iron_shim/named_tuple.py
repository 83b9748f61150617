"""typing.NamedTuple's class syntax without importing typing, which an agent's start-up would pay for.

typing pulls in re and enum: about a quarter of what the shim added to ``python -c pass``. The
start-up modules therefore say ``TYPE_CHECKING = False`` (mypy reads any name TYPE_CHECKING as
typing's) and declare their records with this NamedTuple: the type checker sees typing's, the
interpreter builds the same class with collections.namedtuple (fields and defaults from the class
body's annotations, the body's methods and docstring kept).
"""
from __future__ import annotations

import collections

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NamedTuple as NamedTuple
else:
    #: What the class body holds that is not a field or one of the body's own attributes to keep.
    _NOT_COPIED = frozenset(("__module__", "__qualname__", "__annotations__", "__dict__", "__weakref__"))

    class _Builder(type):
        """`class X(NamedTuple): a: int; b: str = ""` becomes collections.namedtuple("X", "a b", defaults=("",))."""

        def __new__(mcs, name, bases, body):  # noqa: N804 - a metaclass's first argument
            if not bases:
                return super().__new__(mcs, name, bases, body)
            fields = tuple(body.get("__annotations__", {}))
            defaults = [body[field] for field in fields if field in body]
            if defaults and any(field not in body for field in fields[len(fields) - len(defaults) :]):
                raise TypeError(f"{name}: a field without a default follows one with a default")
            cls = collections.namedtuple(name, fields, defaults=defaults, module=body.get("__module__"))
            cls.__qualname__ = body.get("__qualname__", name)
            cls.__annotations__ = body.get("__annotations__", {})
            for key, value in body.items():
                if key not in fields and key not in _NOT_COPIED:
                    setattr(cls, key, value)
            return cls

    class NamedTuple(metaclass=_Builder):
        """Base of a record class: the class statement returns a collections.namedtuple."""
