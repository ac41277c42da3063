"""A store's `on_commit` observer that raises a `BaseExceptionGroup` holding a
`KeyboardInterrupt` or `SystemExit` (an observer that ran a `TaskGroup` whose child asked
the program to exit; `asyncio.TaskGroup` raises a child's exit bare, a hand-made group does
not): that is the exit it holds, as the runtime reads such a group everywhere else
(`_failure`), and goes on as a bare exit does there: the exit itself, out of the caller's
`persist` on `MemoryStore` (and out of the event loop from the SQL stores' writer, as a bare
one). A group of anything else is still logged and contained."""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Any

import pytest

from actorkit.persistence import MemoryStore

from ..processes import communicate, process

pytestmark = pytest.mark.timeout(30)


def raising(error: BaseException) -> Any:
    def observer(writes: int, seconds: float) -> None:
        raise error

    return observer


@pytest.mark.parametrize("exit_", [SystemExit(3), KeyboardInterrupt()], ids=["exit", "interrupt"])
async def test_a_group_holding_an_exit_is_that_exit(exit_: BaseException) -> None:
    inner = BaseExceptionGroup("inner", [ValueError("beside it"), exit_])
    store = MemoryStore()
    async with asyncio.timeout(10), store:
        store.on_commit = raising(BaseExceptionGroup("observer", [RuntimeError("one"), inner]))
        with pytest.raises(type(exit_)) as raised:
            await store.append("a", 0, [b"1"])
        assert raised.value is exit_
        store.on_commit = None
        assert await store.highest_seq("a") == 1  # the commit stands, as under a bare exit


async def test_a_group_of_no_exit_is_still_contained(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="actorkit")
    store = MemoryStore()
    async with asyncio.timeout(10), store:
        group = BaseExceptionGroup("observer", [RuntimeError("one"), asyncio.CancelledError()])
        store.on_commit = raising(group)
        assert isinstance(await store.append("a", 0, [b"1"]), float)
    assert caplog.text.count("commit observer failed") == 1


SCRIPT = """
import asyncio, os, sys, tempfile
from actorkit.persistence import SQLiteStore

def observer(writes, seconds):
    exit = SystemExit(3)
    raise exit if sys.argv[1] == "bare" else BaseExceptionGroup("g", [ValueError("x"), exit])

async def main():
    async with SQLiteStore(os.path.join(tempfile.mkdtemp(), "db.sqlite")) as store:
        store.on_commit = observer
        await store.append("a", 0, [b"1"])
        print("answered")

asyncio.run(main())
"""


@pytest.mark.parametrize("raised", ["bare", "group"])
async def test_the_sql_writer_lets_a_group_s_exit_out_of_the_loop_as_a_bare_one(
    raised: str,
) -> None:
    """From the SQLite store's writer task: asyncio lets a bare exit out of the loop, and
    keeps a group in the task as its failure; the group's exit leaves as the bare one does."""
    async with process(sys.executable, "-c", SCRIPT, raised) as proc:
        out, _ = await communicate(proc)
    assert proc.returncode == 3, out.decode()
    assert b"answered" not in out
