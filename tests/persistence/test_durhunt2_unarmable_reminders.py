"""A stored reminder whose period no timer takes (below 1e-9 or from 1e9 seconds, or not a
number: a row another program wrote, or one `put_reminder` took before it checked the period)
or, with a period, a due time that is no finite time. The owner's recovery arms its reminders
as timers, and such a row failed every start with the timers' own `ValueError` ("interval must
be at least 1e-09 seconds ..., got 1e-12; use schedule_once for a single message"), naming
neither the reminder nor its owner. It fails the recovery as a reminder whose message no longer
decodes does (docs/persistence.md, "Two live owners, and messages that no longer decode":
nothing stored is skipped silently): a `PersistenceError` naming the reminder and how to clear
it; once deleted, the owner starts."""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.persistence import DurableState, PersistenceError, SQLiteStore, StoredReminder
from actorkit.persistence._payload import encode
from actorkit.testing import ManualClock

pytestmark = pytest.mark.timeout(30)


class Owner(DurableState):
    got: list[tuple[object, float]] = []
    clock: ManualClock

    async def receive(self, message: Any) -> Any:
        Owner.got.append((message, Owner.clock.now()))


async def _stored(path: Path, every: float | None, due: float = 5.0) -> None:
    """Reminders "bad" and "good" of /owner, then the row of "bad" changed behind the store's
    back, as another program or an older version would have written it."""
    async with SQLiteStore(path) as store:
        await store.put_reminder("/owner", StoredReminder("bad", 5.0, 1.0, encode("bad")))
        await store.put_reminder("/owner", StoredReminder("good", 3.0, None, encode("good")))
    with sqlite3.connect(path) as connection:
        connection.execute(
            "UPDATE actorkit_reminders SET due = ?, every = ? WHERE key = 'bad'", (due, every)
        )
    connection.close()


@pytest.mark.parametrize(
    ("every", "due", "says"),
    [
        (1e-12, 5.0, "its period 1e-12 is not"),
        (0.0, 5.0, "its period 0.0 is not"),
        (-1.0, 5.0, "its period -1.0 is not"),
        (1e9, 5.0, "its period 1000000000.0 is not"),  # the first a timer refuses
        (1e12, 5.0, "its period 1000000000000.0 is not"),
        (math.inf, 5.0, "its period inf is not"),
        (1.0, -math.inf, "its due time -inf is not"),
    ],
)
async def test_a_stored_reminder_no_timer_takes_fails_recovery_naming_it(
    tmp_path: Path, every: float, due: float, says: str
) -> None:
    path = tmp_path / "store.db"
    await _stored(path, every, due)
    Owner.got, Owner.clock = [], ManualClock()
    async with ActorSystem("r", store=SQLiteStore(path), clock=Owner.clock) as system:
        with pytest.raises(PersistenceError) as refused:
            await system.spawn(Owner, name="owner")
        said = str(refused.value)
        assert said.startswith("reminder 'bad' of '/owner' cannot be armed: ")
        assert says in said
        assert "delete_reminder('/owner', 'bad')" in said
        store = system.store
        assert store is not None
        assert [r.key for r in await store.reminders("/owner")] == ["bad", "good"]  # untouched
        assert await store.delete_reminder("/owner", "bad")
        await system.spawn(Owner, name="owner")
        await Owner.clock.advance(4.0)
    assert Owner.got == [("good", 3.0)]


async def test_a_stored_one_shot_reminder_due_at_minus_infinity_fires_at_once(
    tmp_path: Path,
) -> None:
    """Without a period a due time long past is only overdue: it fires after recovery."""
    path = tmp_path / "store.db"
    await _stored(path, None, -math.inf)
    Owner.got, Owner.clock = [], ManualClock()
    async with ActorSystem("r", store=SQLiteStore(path), clock=Owner.clock) as system:
        await system.spawn(Owner, name="owner")
        await Owner.clock.advance(4.0)
    assert Owner.got == [("bad", 0.0), ("good", 3.0)]
