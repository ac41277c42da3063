"""`journal` on a path that is no regular file: said at once, never waited on; and its output
to a reader that went away."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from actorkit.persistence._journal import print_journal
from tests.cli_support import JOURNAL_ERROR, run_cli

from .test_journal import write_history


def test_a_fifo_for_the_store_is_refused_without_opening_it(tmp_path: Path) -> None:
    """Opening a FIFO waits for a writer that never comes: the command would hang."""
    fifo = tmp_path / "store.db"
    os.mkfifo(fifo)
    result = run_cli("journal", f"sqlite:///{fifo}", "/acct", timeout=15)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"{JOURNAL_ERROR}{fifo} is not a regular file: pass the store's database file\n"
    )


async def test_a_path_that_cannot_be_looked_at_is_refused_with_the_system_s_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not "no store": the file may well be there (a loop of links, a directory it cannot
    enter), and the user is told what stopped the look."""
    loop = tmp_path / "store.db"
    os.symlink(loop, loop)
    assert await print_journal(f"sqlite:///{loop}", "/acct") == 1
    assert capsys.readouterr().err == (
        f"{JOURNAL_ERROR}cannot read {loop}: {os.strerror(errno.ELOOP)}\n"
    )


async def test_output_whose_reader_went_away_ends_the_command_quietly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`journal ... | head`: what is left in the buffer goes nowhere, and the status is 0."""
    url = f"sqlite:///{tmp_path / 'bank.db'}"
    await write_history(url)
    read, write = os.pipe()
    os.close(read)
    with open(write, "w") as out:  # noqa: ASYNC230 - a pipe nobody reads: never blocks
        assert await print_journal(url, "acct-42", out=out) == 0
        out.write("after\n")  # into the null device now
    assert capsys.readouterr().err == ""
