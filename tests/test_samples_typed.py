"""The whole programs the docs open with type-check as they stand: they are what a user
pastes first into a project checked by mypy strict (the fragments further on leave names to
the reader, and `tests/typing_users/` covers the API they show)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from .test_docs_samples import run_script, sample
from .test_readme import python_block


@pytest.mark.parametrize(
    "program",
    [
        pytest.param(python_block, id="README"),
        pytest.param(lambda: sample("docs/api.md", "## 1. System and actors"), id="api.md §1"),
    ],
)
def test_the_first_example_is_clean_under_mypy_strict(
    tmp_path: Path, program: Callable[[], str]
) -> None:
    strict = ("--config-file", os.devnull, "--strict", "--cache-dir", str(tmp_path))
    run_script(tmp_path, "-m", "mypy", *strict, "-c", program())
