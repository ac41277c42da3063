"""`persist()` with no events from an instance that may not write: refused as a write with
events is, not silently returned. An empty persist of the live, recovered instance stays a
no-op (docs/persistence.md, "Who writes" and "persist")."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import ActorStopped, ActorSystem
from actorkit.persistence import EventSourced, MemoryStore, SQLiteStore, Store
from actorkit.testing import instance

pytestmark = pytest.mark.timeout(30)


class Tally(EventSourced):
    def __init__(self) -> None:
        self.seen: list[object] = []

    def apply(self, event: object) -> None:
        self.seen.append(event)

    async def receive(self, message: object) -> object:
        if message == "crash":
            raise RuntimeError("crash")
        if message == "empty":
            await self.persist()
        elif message is not None:
            await self.persist(message)
        return list(self.seen)


class EarlyTally(Tally):
    """Calls `persist()` from a task `__init__` started, which runs before recovery."""

    def __init__(self, outcome: asyncio.Future[object]) -> None:
        super().__init__()
        self.task = asyncio.ensure_future(self._early(outcome))

    async def _early(self, outcome: asyncio.Future[object]) -> None:
        try:
            await self.persist()
        except Exception as error:
            outcome.set_result(error)
        else:
            outcome.set_result(None)


def make(kind: str, tmp_path: Any) -> Store:
    return MemoryStore() if kind == "memory" else SQLiteStore(str(tmp_path / "s.db"))


STORES = ["memory", "sqlite"]


@pytest.mark.parametrize("kind", STORES)
@pytest.mark.parametrize("retired", ["restarted", "stopped"])
async def test_an_empty_persist_of_a_retired_instance_raises_as_a_write_with_events_does(
    kind: str, retired: str, tmp_path: Any
) -> None:
    async with asyncio.timeout(10):
        async with ActorSystem("z", store=make(kind, tmp_path)) as system:
            ref = await system.spawn(Tally, name="a")
            assert await ref.ask(1) == [1]
            assert await ref.ask("empty") == [1]  # live and recovered: a no-op
            old: Any = instance(ref)
            if retired == "restarted":
                with pytest.raises(RuntimeError, match="crash"):
                    await ref.ask("crash")
                assert await ref.ask(None) == [1]
            else:
                await ref.stop()
            with pytest.raises(ActorStopped) as full:
                await old.persist(2)
            with pytest.raises(ActorStopped) as empty:
                await old.persist()
            assert str(empty.value) == str(full.value)
            assert "nothing was written" in str(empty.value)


@pytest.mark.parametrize("kind", STORES)
async def test_an_empty_persist_before_recovery_raises_as_a_write_with_events_does(
    kind: str, tmp_path: Any
) -> None:
    async with asyncio.timeout(10):
        async with ActorSystem("z", store=make(kind, tmp_path)) as system:
            outcome: asyncio.Future[object] = asyncio.get_running_loop().create_future()
            ref = await system.spawn(EarlyTally, outcome, name="a")
            refused = await outcome
            assert isinstance(refused, RuntimeError), refused
            assert str(refused).startswith("persist refused: /a has not finished recovering")
            assert await ref.ask(1) == [1]


async def test_an_empty_persist_of_an_unspawned_instance_says_it_was_not_spawned() -> None:
    with pytest.raises(AttributeError, match="was not spawned"):
        await Tally().persist()
