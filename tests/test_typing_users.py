"""The programs under tests/typing_users/ are type-checked as a user's code (mypy strict in
the repo's config; pyright strict in theirs, `pyright --pythonpath .venv/bin/python -p
tests/typing_users/pyrightconfig.json`): each must stay importable Python."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

from tests import typing_users

MODULES = sorted(info.name for info in pkgutil.iter_modules(typing_users.__path__))


def test_every_program_is_listed() -> None:
    assert len(MODULES) >= 10, MODULES


@pytest.mark.parametrize("name", MODULES)
def test_program_imports(name: str) -> None:
    module = importlib.import_module(f"tests.typing_users.{name}")
    assert module.__doc__, f"{name} says what part of the documented API it exercises"
