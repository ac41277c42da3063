"""Checks of API.md's signatures: the contract names a call's parameters, their kinds and
defaults; a signature may add parameters of its own, but may not rename, reorder, move or
change the default of one the contract names, since outside checks call those as written."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def contract_parameters(spec: str, names: Mapping[str, object]) -> list[inspect.Parameter]:
    """The parameters of API.md's `spec` (a parameter list as written there, defaults
    evaluated among `names`)."""
    template = eval(f"lambda {spec}: None", dict(names))  # a literal of this suite
    return list(inspect.signature(template).parameters.values())


def assert_signature(
    call: Callable[..., Any], spec: str, names: Mapping[str, object] | None = None
) -> None:
    actual = inspect.signature(call).parameters
    expected = contract_parameters(spec, names or {})
    for param in expected:
        assert param.name in actual, f"{call.__qualname__} has no parameter {param.name}"
        got = actual[param.name]
        assert got.kind == param.kind, f"{call.__qualname__}({param.name}) is {got.kind}"
        assert got.default == param.default, (
            f"{call.__qualname__}({param.name}=) defaults to {got.default!r}, not {param.default!r}"
        )
    order = [name for name, p in actual.items() if p.kind in POSITIONAL]
    named = [p.name for p in expected if p.kind in POSITIONAL]
    assert order[: len(named)] == named, f"{call.__qualname__} takes {order} positionally"


def assert_awaited(owner: type, awaited: list[str], plain: list[str]) -> None:
    """API 9: which calls are awaited and which are plain."""
    for name in awaited:
        assert inspect.iscoroutinefunction(getattr(owner, name)), f"{name} must be awaited"
    for name in plain:
        assert not inspect.iscoroutinefunction(getattr(owner, name)), f"{name} must be plain"
