"""A stored reminder whose key `start` and `put_reminder` refuse (empty, or over 1024 bytes: a
row another program wrote to the SQLite file) is armed at every start of its owner, and "ends
only by cancel" (docs/persistence.md, "At least once, ended only by cancel"). `cancel` and
`store.delete_reminder` refused its key with a `ValueError`, so nothing in the API could end
it. They take it now; what no store holds (NUL, a lone surrogate) they still refuse."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.persistence import DurableState, SQLiteStore, StoredReminder
from actorkit.persistence._payload import encode
from actorkit.testing import ManualClock

from .conftest import MakeStore

pytestmark = pytest.mark.timeout(60)

LONG = "k" * 2000


class Owner(DurableState):
    got: list[tuple[object, float]] = []
    clock: ManualClock

    async def receive(self, message: Any) -> Any:
        if isinstance(message, tuple):
            return await self.reminders.cancel(message[1])
        Owner.got.append((message, Owner.clock.now()))
        return None


async def _written_by_another_program(path: Path) -> None:
    """Periodic reminders under the keys "" and `LONG` of /owner, through rows changed behind
    the store's back."""
    async with SQLiteStore(path) as store:
        for key, due in (("empty", 1.0), ("long", 1.5)):
            await store.put_reminder("/owner", StoredReminder(key, due, 1.0, encode(key)))
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE actorkit_reminders SET key = '' WHERE key = 'empty'")
        connection.execute("UPDATE actorkit_reminders SET key = ? WHERE key = 'long'", (LONG,))
    connection.close()


async def test_cancel_ends_a_reminder_whose_key_start_refuses(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    await _written_by_another_program(path)
    Owner.got, Owner.clock = [], ManualClock()
    async with asyncio.timeout(20):
        async with ActorSystem("r", store=SQLiteStore(path), clock=Owner.clock) as system:
            ref = await system.spawn(Owner, name="owner")
            await Owner.clock.advance(2.0)
            assert Owner.got == [("empty", 1.0), ("long", 1.5), ("empty", 2.0)]
            assert await ref.ask(("cancel", "")) is True
            assert await ref.ask(("cancel", LONG)) is True
            assert await ref.ask(("cancel", "")) is False
            store = system.store
            assert store is not None
            assert await store.reminders("/owner") == []
            await Owner.clock.advance(3.0)
            assert Owner.got == [("empty", 1.0), ("long", 1.5), ("empty", 2.0)]


async def test_the_store_deletes_a_reminder_whose_key_put_reminder_refuses(
    tmp_path: Path,
) -> None:
    path = tmp_path / "store.db"
    await _written_by_another_program(path)
    async with SQLiteStore(path) as store:
        assert await store.delete_reminder("/owner", "") is True
        assert await store.delete_reminder("/owner", LONG) is True
        assert await store.delete_reminder("/owner", "") is False
        assert await store.reminders("/owner") == []


async def test_every_store_takes_such_a_key_to_delete_and_fails_no_write_beside_it(
    make_store: MakeStore,
) -> None:
    """Deleting what is not there: no store's database refuses the key (PostgreSQL's index
    would refuse a key this long in a row, not in a lookup), so the writes of the group
    commit's batch it joins go in."""
    async with asyncio.timeout(30), make_store() as store:
        outcomes = await asyncio.gather(
            store.delete_reminder("a", ""),
            store.delete_reminder("a", "k" * 5000),
            store.append("a", 0, [encode(1)]),
            store.put_reminder("a", StoredReminder("k", 1.0, None, encode(2))),
        )
        assert (outcomes[0], outcomes[1], outcomes[3]) == (False, False, None)
        assert await store.highest_seq("a") == 1
        assert [r.key for r in await store.reminders("a")] == ["k"]


@pytest.mark.parametrize(
    ("key", "says"),
    [
        ("k\x00", "must not contain NUL"),
        ("k\udcff", "no lone surrogate"),
        (5, "must be a non-empty str, got 5"),
    ],
)
async def test_a_key_no_store_holds_is_still_refused_on_delete(
    tmp_path: Path, key: object, says: str
) -> None:
    async with SQLiteStore(tmp_path / "s.db") as store:
        with pytest.raises(ValueError, match=says):
            await store.delete_reminder("a", key)  # type: ignore[arg-type]
