"""`python -m actorkit journal` on a plain `pip install actorkit`: `--help` lists the command to
every user, and without the persistence extra it says what to install, in the one error
form, as `demo --nats` does without the NATS extra."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .cli_support import JOURNAL_ERROR

WITHOUT = """
import runpy, sys

class Uninstalled:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in {gone!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)

sys.meta_path.insert(0, Uninstalled())
runpy.run_module("actorkit", run_name="__main__", alter_sys=True)
"""


@pytest.mark.parametrize(
    ("gone", "named"),
    [
        (("msgspec", "aiosqlite", "asyncpg"), "msgspec"),  # the extra not installed at all
        (("aiosqlite",), "aiosqlite"),  # imported only once the store opens
    ],
)
def test_journal_without_the_persistence_extra_says_what_to_install(
    gone: tuple[str, ...], named: str, tmp_path: object
) -> None:
    store = f"sqlite:///{tmp_path}/app.db"
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT.format(gone=gone), "journal", store, "/alice"],
        capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert result.stderr == (
        f"{JOURNAL_ERROR}journal needs the persistence extra ({named} is missing): "
        "pip install 'actorkit[persistence]'\n"
    )
