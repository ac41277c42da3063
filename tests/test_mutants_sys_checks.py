"""The system's and the message registry's bad-input errors that no other test reached: each
fails on a one-token change to `_system_checks` or `_registry`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

import actorkit
from actorkit import ActorSystem
from actorkit._registry import class_named, name_of


def test_metrics_that_is_not_a_bool_is_refused_naming_it() -> None:
    with pytest.raises(TypeError, match=r"metrics must be True or False, got str 'yes'"):
        ActorSystem("checks", metrics="yes")  # type: ignore[arg-type]


def test_a_class_given_with_a_name_keyword_is_registered_under_that_name() -> None:
    @dataclass
    class Keyworded:
        x: int

    assert actorkit.message(Keyworded, name="mutants.Keyworded") is Keyworded
    assert name_of(Keyworded) == "mutants.Keyworded"
    assert class_named("mutants.Keyworded") is Keyworded


def test_a_name_given_both_positionally_and_as_a_keyword_is_refused() -> None:
    with pytest.raises(TypeError, match="give the message type name once"):
        actorkit.message("mutants.One", name="mutants.Two")


def test_the_decorator_refuses_what_is_not_a_class() -> None:
    decorate: Any = actorkit.message("mutants.Function")
    with pytest.raises(TypeError, match=r"@actorkit.message decorates classes, got <function"):
        decorate(lambda: None)
    assert class_named("mutants.Function") is None
