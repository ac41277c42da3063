"""`journal` on a path that is no regular file: said at once, never waited on."""

from __future__ import annotations

import os
from pathlib import Path

from tests.cli_support import run_cli


def test_a_fifo_for_the_store_is_refused_without_opening_it(tmp_path: Path) -> None:
    """Opening a FIFO waits for a writer that never comes: the command would hang."""
    fifo = tmp_path / "store.db"
    os.mkfifo(fifo)
    result = run_cli("journal", f"sqlite:///{fifo}", "/acct", timeout=15)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"error: {fifo} is not a regular file: pass the store's database file\n"
    )
