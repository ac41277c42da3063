"""`append` cancelled while the batch that took its write is in flight returns (with its
cancellation) only once that batch has committed, so that what its caller reads next is the
truth: a cancelled `persist` reads the journal back to learn whether its events were stored."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from actorkit.persistence import SQLiteStore
from actorkit.persistence._sqlite_db import SQLiteTransaction

pytestmark = pytest.mark.timeout(30)


async def test_an_append_cancelled_in_its_batch_returns_after_the_commit(tmp_path: Path) -> None:
    seen: list[str] = []
    async with SQLiteStore(tmp_path / "store.db") as store:
        store.on_commit = lambda writes, seconds: seen.append("committed")
        commits = store._commits  # noqa: SLF001 - its batches, held open here
        assert commits is not None
        begin = commits._begin  # noqa: SLF001
        entered = asyncio.Event()
        gate: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        @asynccontextmanager
        async def held(alone: bool) -> AsyncIterator[SQLiteTransaction]:
            async with begin(alone) as tx:
                entered.set()
                await gate
                yield tx

        commits._begin = held  # noqa: SLF001
        append = asyncio.ensure_future(store.append("a", 0, [b"x"]))
        append.add_done_callback(lambda _: seen.append("returned"))
        await entered.wait()
        append.cancel()
        gate.set_result(None)
        with pytest.raises(asyncio.CancelledError):
            await append
        assert seen == ["committed", "returned"]
        assert await store.highest_seq("a") == 1
