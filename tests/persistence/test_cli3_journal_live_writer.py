"""`python -m actorkit journal` on the journal of a running system: it prints the events
committed when it starts and ends, however fast the system appends meanwhile."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from actorkit.persistence import SQLiteStore
from actorkit.persistence._payload import encode
from actorkit.persistence._sql_store import PAGE
from tests.processes import communicate, end

from .conftest import UVLOOP_ONLY
from .fencing import ROOT

LINE = "x" * 300
"""Long enough that the first page's lines fill the pipe many times over: the command is
still printing its first page when the test appends."""


@UVLOOP_ONLY
async def test_events_appended_while_the_journal_prints_are_left_for_the_next_run(
    tmp_path: Path,
) -> None:
    """A reader that followed the journal to whatever end it had by then would never end
    while a system appended faster than it prints (200-event batches outrun it), and its
    file (`journal URL ID > file`) would grow for as long as the system runs."""
    path = tmp_path / "live.db"
    before = PAGE + 1  # a second page, read after the first is printed
    async with SQLiteStore(str(path)) as store:  # open: a running system's log and -shm
        await store.append("/hot", 0, [encode(f"{i}{LINE}") for i in range(before)])
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "actorkit", "journal", f"sqlite:///{path}", "/hot",
            cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            limit=1024,  # read no further ahead than the test asks
        )  # fmt: skip
        try:
            assert proc.stdout is not None
            async with asyncio.timeout(30):
                first = await proc.stdout.readline()
            assert first.startswith(b"1\t")
            await store.append("/hot", before, [encode(LINE) for _ in range(2 * PAGE)])
            rest, err = await communicate(proc)
        finally:
            await end(proc)
    lines = (first + rest).decode().splitlines()
    assert (proc.returncode, err.decode()) == (0, "")
    assert [int(line.split("\t", 1)[0]) for line in lines] == list(range(1, before + 1))
