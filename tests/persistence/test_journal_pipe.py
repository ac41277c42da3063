"""`python -m actorkit journal ... | head`: a reader that goes away is no error, however much of
the output is still in the command's buffer when it does."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from tests.processes import communicate

from .conftest import UVLOOP_ONLY
from .fencing import ROOT
from .test_journal import write_history


@UVLOOP_ONLY
async def test_a_reader_gone_before_the_last_buffered_lines_is_no_error(tmp_path: Path) -> None:
    """Python buffers a pipe's output (unless PYTHONUNBUFFERED is set, as in this test suite's
    own environment): a short history is written only as the command ends, after the reader
    went away. A pipe whose reading end is closed makes that certain."""
    url = f"sqlite:///{tmp_path / 'bank.db'}"
    await write_history(url)
    read, write = os.pipe()
    os.close(read)
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    try:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "actorkit", "journal", url, "acct-42", cwd=ROOT,
            env=environment, stdout=write, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
    finally:
        os.close(write)
    _, err = await communicate(proc)
    assert (proc.returncode, err.decode()) == (0, "")
