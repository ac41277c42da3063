"""A reminder's due time and period written with `store.put_reminder`: numbers of seconds as
every other one is taken (docs/api.md §8: a float subclass such as numpy's float64 as its
plain float, any integer such as an `IntEnum` member as its plain int), which is "what
`reminders.start` takes" (docs/persistence.md, "What every store guarantees"). They were
refused, a period of 2.0 with "every must be ... seconds from 1e-09 to below 1e+09, ...,
got 2.0", a due time of 5.0 with "must be a finite time ..., got 5.0"."""

from __future__ import annotations

import enum
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.persistence import DurableState, MemoryStore, SQLiteStore, StoredReminder
from actorkit.persistence._binding import encode
from actorkit.testing import ManualClock

from ..hostile_values import RaisingCompare, RaisingFloat
from .durable_support import MakeStore

pytestmark = pytest.mark.timeout(30)


@pytest.fixture(params=["memory", "sqlite"])
def make(request: pytest.FixtureRequest, tmp_path: Path) -> MakeStore:
    if request.param == "memory":
        return MemoryStore
    return lambda: SQLiteStore(tmp_path / "store.db")


class Seconds(enum.IntEnum):
    TWO = 2
    FIVE = 5


class Float(float):
    """A float of a library's own type, as numpy's float64 is."""


NUMBERS = [
    (Float(5.0), Float(2.0)),
    (Seconds.FIVE, Seconds.TWO),
    (RaisingFloat(5.0), RaisingCompare(2)),  # none of their own methods runs
]


@pytest.mark.parametrize(("due", "every"), NUMBERS, ids=["float type", "IntEnum", "raising"])
async def test_a_due_time_and_period_of_number_types_are_kept_as_plain_floats(
    make: MakeStore, due: float, every: float
) -> None:
    message = encode("tick", "message")
    async with make() as store:
        await store.put_reminder("/owner", StoredReminder("k", due, every, message))
        [kept] = await store.reminders("/owner")
    assert (type(kept.due), kept.due, type(kept.every), kept.every) == (float, 5.0, float, 2.0)


class Owner(DurableState):
    got: list[tuple[object, float]]
    clock: ManualClock

    async def receive(self, message: Any) -> Any:
        Owner.got.append((message, Owner.clock.now()))


async def test_a_reminder_put_with_an_int_enum_period_is_armed_on_its_grid() -> None:
    Owner.got, Owner.clock = [], ManualClock()
    async with ActorSystem("r", store=MemoryStore(), clock=Owner.clock) as system:
        store = system.store
        assert store is not None
        reminder = StoredReminder("k", Seconds.FIVE, Seconds.TWO, encode("tick", "message"))
        await store.put_reminder("/owner", reminder)
        await system.spawn(Owner, name="owner")
        await Owner.clock.advance(9.5)
    assert Owner.got == [("tick", 5.0), ("tick", 7.0), ("tick", 9.0)]


@pytest.mark.parametrize(
    ("due", "every", "says"),
    [
        ("soon", None, r"due must be a finite time .*, got str 'soon'"),
        (True, None, r"due must be a finite time .*, got bool True"),
        (Decimal(5), None, r"due must be a finite time .*, got Decimal Decimal\('5'\)"),
        (float("inf"), None, r"due must be a finite time .*, got inf"),
        (10**400, None, r"due must be a finite time"),
        (5.0, "2", r"every must be None \(once\) or seconds .*, got str '2'"),
        (5.0, False, r"every must be None \(once\) or seconds .*, got bool False"),
        (5.0, Seconds(2) * 0, r"every must be None \(once\) or seconds .*, got 0$"),
        (5.0, Float(1e-12), r"every must be None \(once\) or seconds .*, got 1e-12$"),
    ],
)
async def test_what_is_no_number_or_out_of_range_is_refused_saying_what_it_is(
    due: object, every: object, says: str
) -> None:
    async with MemoryStore() as store:
        reminder = StoredReminder("k", due, every, b"x")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match=says):
            await store.put_reminder("/owner", reminder)
        assert await store.reminders("/owner") == []
