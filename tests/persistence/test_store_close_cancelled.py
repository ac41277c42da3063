"""The store's close cut short by the end of its loop: `asyncio.run` cancels every task left,
the closing task among them when its caller stopped waiting for it (a timeout around a
shutdown). Its connections close all the same."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from actorkit.persistence import SQLiteStore


async def test_a_close_cancelled_while_it_drains_the_writes_still_closes_the_connections(
    tmp_path: Path,
) -> None:
    """Cut short while it waited for a write in flight, the close left the connections open;
    aiosqlite's thread, which is no daemon, then kept the process from exiting, for ever."""
    path = tmp_path / "store.db"
    async with asyncio.timeout(20):
        store = SQLiteStore(path, timeout=0.5)
        await store.open()
        await store.append("a", 0, [b"1"])
        connections = list(store._connections)  # noqa: SLF001 - their threads are the point
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # the write waits for it, up to the store's timeout
        try:
            writing = asyncio.ensure_future(store.append("a", 1, [b"2"]))
            closing = asyncio.ensure_future(store.close())
            while store._commits is not None:  # noqa: SLF001 - until the close drains
                await asyncio.sleep(0)
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()
            await asyncio.gather(closing, writing, return_exceptions=True)
            for conn in connections:
                await asyncio.to_thread(conn._thread.join, 5)  # noqa: SLF001
            assert [conn._thread.is_alive() for conn in connections] == [False, False]  # noqa: SLF001
        finally:
            holder.execute("ROLLBACK")
            holder.close()
            for conn in connections:
                if conn._thread.is_alive():  # noqa: SLF001 - or this process would not exit
                    conn.stop()
