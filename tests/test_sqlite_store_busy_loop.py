"""A SQLite store's calls come back while the loop is busy with short yields.

aiosqlite's thread needs the GIL back each time the sqlite3 module returns from SQLite. A loop
busy with short yields lets go of the GIL for microseconds at a time, and CPython then never
asks it to hand the GIL over (its convoy effect): a persist took a median of 250 ms, up to
0.9 s, against 0.27 ms on an idle loop. The store gives its thread turns (`_thread_turns`)."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from actorkit import ActorSystem, _thread_turns
from actorkit.persistence import DurableState, SQLiteStore

from .busy_loop_support import SENDS_BOUND, busy

SAVES = 20


class Profile(DurableState):
    async def receive(self, message: Any) -> Any:
        await self.save({"n": message})
        return self.state


async def test_saves_on_a_sqlite_store_come_back_while_the_loop_is_busy(tmp_path: Path) -> None:
    async with (
        asyncio.timeout(60),
        ActorSystem(metrics=False, store=SQLiteStore(tmp_path / "store.db")) as system,
    ):
        profile = await system.spawn(Profile, persistence_id="profile")
        async with busy(system) as sends:
            for n in range(SAVES):
                assert await profile.ask(n, timeout=30) == {"n": n}
    assert sends[0] < SENDS_BOUND, "the saves waited for the GIL while the loop was busy"


STORES = 10


async def test_closes_of_sqlite_stores_come_back_while_the_loop_is_busy(tmp_path: Path) -> None:
    stores = [SQLiteStore(tmp_path / f"store-{i}.db") for i in range(STORES)]
    async with asyncio.timeout(60), ActorSystem(metrics=False) as system:
        for store in stores:
            await store.open()
        async with busy(system) as sends:
            for store in stores:
                await store.close()
    assert sends[0] < SENDS_BOUND, "the closes waited for the GIL while the loop was busy"


PERIODS = 10
"""Periods the stores' writes are held out for: a turn each, at most."""


async def test_stores_with_calls_out_share_the_loop_s_turns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The turns are the loop's, not each store's: with a timer per store, a loop where ten
    stores' writes were out slept ten turns every `PERIOD`, and one where twenty were spent
    all its time in them (several systems side by side, each with its store)."""
    stores = [SQLiteStore(tmp_path / f"store-{i}.db") for i in range(STORES)]
    lockers = []
    turns: list[float] = []
    sleep = time.sleep
    monkeypatch.setattr(
        time, "sleep", lambda s: turns.append(s) if s == _thread_turns.SLICE else sleep(s)
    )
    loop = asyncio.get_running_loop()
    async with asyncio.timeout(30):
        for i, store in enumerate(stores):
            await store.open()
            locker = sqlite3.connect(tmp_path / f"store-{i}.db", isolation_level=None)
            locker.execute("BEGIN IMMEDIATE")  # each store's write waits for it
            lockers.append(locker)
        turns.clear()  # the opens' own
        writes = [asyncio.ensure_future(store.append("p", 0, [b"x"])) for store in stores]
        later = loop.create_future()
        loop.call_later(PERIODS * _thread_turns.PERIOD, later.set_result, None)
        await later
        taken = len(turns)
        for locker in lockers:
            locker.execute("COMMIT")
            locker.close()
        await asyncio.gather(*writes)
        for store in stores:
            await store.close()
    assert 0 < taken <= PERIODS, f"{taken} turns in {PERIODS} periods"
