"""`snapshot_every` set where the class statement's check does not see it: by `__init__` (from
a spawn argument, so that each actor has its own cadence) or on the class after its
statement. It is checked as each instance starts, refused before anything is read or
written, and it is configuration, not state: the default snapshot does not keep it, so a
recovery does not set an earlier instance's cadence over the one the new instance was
built with."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any

import pytest

import actorkit
from actorkit import ActorSystem
from actorkit.persistence import EventSourced, MemoryStore

from .durable_support import journal

pytestmark = pytest.mark.timeout(30)


@actorkit.message(name="tests.optshunt.Added")
@dataclass(frozen=True)
class Added:
    amount: int


class Tally(EventSourced):
    """Persists each int it is asked and answers its total; asked "every", its cadence."""

    def __init__(self, every: Any = None) -> None:
        self.total = 0
        if every is not None:
            self.snapshot_every = every

    def apply(self, event: Any) -> None:
        self.total += event.amount

    async def receive(self, message: Any) -> Any:
        if message == "every":
            return self.snapshot_every
        await self.persist(Added(message))
        return self.total


@pytest.mark.parametrize(
    ("every", "error", "shown"),
    [("2", TypeError, "str '2'"), (2.5, TypeError, "float 2.5"), (-1, ValueError, "-1")],
)
async def test_a_bad_snapshot_every_set_by_init_is_refused_at_spawn_before_any_write(
    every: object, error: type[Exception], shown: str
) -> None:
    """Refused in the class statement's words, with the error README's table gives (a
    `TypeError` for no int, a `ValueError` for a negative one). Before: spawn succeeded, and
    each persist then wrote its events and raised an unrelated `TypeError` (`unsupported
    operand type(s) for //`), telling its caller the write failed when it was stored; a
    negative cadence silently took no snapshot."""
    words = f"Tally.snapshot_every must be an int >= 0 (0 = never), got {shown}"
    async with asyncio.timeout(10):
        async with ActorSystem("every", store=(store := MemoryStore())) as system:
            with pytest.raises(error, match=re.escape(words)):
                await system.spawn(Tally, every, name="t")
            assert system.lookup("/t") is None
            assert system.healthy
            assert await journal(store, "/t") == []


async def test_a_bad_snapshot_every_set_on_the_class_afterwards_is_refused_at_spawn() -> None:
    class Later(Tally):
        pass

    Later.snapshot_every = "3"  # type: ignore[assignment]  # past the class statement's check
    async with asyncio.timeout(10):
        async with ActorSystem("later", store=(store := MemoryStore())) as system:
            with pytest.raises(TypeError, match=r"Later\.snapshot_every must be an int >= 0"):
                await system.spawn(Later, name="t")
            assert await journal(store, "/t") == []


async def test_a_cadence_from_init_is_kept_out_of_the_snapshot_and_not_restored() -> None:
    """Before: the default snapshot kept `snapshot_every` as state, and recovery set the
    earlier instance's cadence (2) over the one the new instance was built with (5)."""
    async with asyncio.timeout(10):
        async with ActorSystem("cadence", store=(store := MemoryStore())) as system:
            tally = await system.spawn(Tally, 2, name="t")
            for _ in range(4):
                await tally.ask(1)
            first = await store.load_snapshot("/t")
            assert first is not None
            assert first.seq == 4
            assert b"snapshot_every" not in first.payload  # the state is `total` alone
            await tally.stop()
            tally = await system.spawn(Tally, 5, name="t")
            assert await tally.ask("every") == 5
            assert await tally.ask(1) == 5
            latest = await store.load_snapshot("/t")
            assert latest is not None
            assert latest.seq == 5  # taken under 5; under 2 the fifth event takes none
