"""The whole programs the docs open with type-check as they stand: they are what a user
pastes first into a project checked by mypy strict (the fragments further on leave names to
the reader, and `tests/typing_users/` covers the API they show). One mypy run checks both,
each as a module of its own: a run's first seconds go to the standard library's stubs."""

from __future__ import annotations

import os
from pathlib import Path

from .test_docs_samples import run_script, sample
from .test_readme import python_block


def test_the_first_examples_are_clean_under_mypy_strict(tmp_path: Path) -> None:
    programs = {
        "readme_first.py": python_block(),
        "api_md_s1_first.py": sample("docs/api.md", "## 1. System and actors"),
    }
    for name, program in programs.items():
        (tmp_path / name).write_text(program)
    strict = ("--config-file", os.devnull, "--strict", "--cache-dir", str(tmp_path / "cache"))
    run_script(tmp_path, "-m", "mypy", *strict, *programs)
