"""The whole programs the docs open with type-check as they stand: they are what a user
pastes first into a project checked by mypy strict (the fragments further on leave names to
the reader, and `tests/typing_users/` covers the API they show)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from .test_docs_samples import sample
from .test_readme import python_block

ROOT = Path(__file__).resolve().parent.parent


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
    result = subprocess.run(
        [
            sys.executable, "-m", "mypy", "--config-file", os.devnull, "--strict",
            "--cache-dir", str(tmp_path), "-c", program(),
        ],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
