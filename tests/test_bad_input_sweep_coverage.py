"""The sweep's table covers the public API: every parameter is swept or exempt."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

import actorkit
import actorkit.nats
import actorkit.persistence
import actorkit.testing

from .sweep_calls import SWEPT
from .sweep_exempt import EXEMPT


def _parameters(owner: str, fn: Callable[..., Any]) -> Iterator[str]:
    for param in inspect.signature(fn).parameters.values():
        if param.name in ("self", "cls") or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        yield f"{owner}:{param.name}"


def public_parameters() -> set[str]:
    """Every (callable, parameter) pair of the public API, as "Class.method:param"."""
    modules: list[ModuleType] = [actorkit, actorkit.testing, actorkit.nats, actorkit.persistence]
    pairs: set[str] = set()
    for module in modules:
        for name in module.__all__:
            obj = getattr(module, name)
            if not isinstance(obj, type):
                if callable(obj):
                    pairs.update(_parameters(name, obj))
                continue
            for attr in ("__init__", *dir(obj)):
                if attr.startswith("_") and attr != "__init__":
                    continue
                static = inspect.getattr_static(obj, attr)
                owner = next(k for k in obj.__mro__ if attr in vars(k))
                if (
                    owner is object
                    or owner.__module__ == "builtins"
                    or isinstance(static, property)
                ):
                    continue  # inherited from Python itself (a StrEnum's str methods)
                fn = getattr(obj, attr, None)  # `Actor.tell`: refused on the class
                if callable(fn) and not isinstance(fn, type):
                    pairs.update(_parameters(f"{name}.{attr}", fn))
    return pairs


def test_every_public_parameter_is_swept_or_exempt() -> None:
    public = public_parameters()
    assert public - SWEPT.keys() - EXEMPT.keys() == set(), "place these in SWEPT or EXEMPT"
    assert SWEPT.keys() - public == set(), "SWEPT names parameters that no longer exist"
    assert EXEMPT.keys() - public == set(), "EXEMPT names parameters that no longer exist"
    assert SWEPT.keys().isdisjoint(EXEMPT.keys())
