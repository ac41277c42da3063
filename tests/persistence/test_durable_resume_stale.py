"""A supervisor's "resume" keeps an instance and its state; a durable instance whose state no
longer matches its journal has nothing to keep, so the resume restarts it (recovery reads the
journal again), while one whose failure left it matching is resumed as any actor."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

import pytest

from actorkit import Actor, ActorSystem, OneForOne
from actorkit.persistence import DurableState, EventSourced, PersistenceConflict

from .durable_support import Deposited, SharedMemoryStore
from .event_sourced_support import Account

pytestmark = pytest.mark.timeout(30)

RESUME_ALL = OneForOne(decider={Exception: "resume"})


class Fragile(EventSourced):
    """Its `apply` fails once on 13, after the event was stored."""

    fail_once: ClassVar[bool] = True

    def __init__(self) -> None:
        self.total = 0

    def apply(self, event: Any) -> None:
        if event.amount == 13 and Fragile.fail_once:
            Fragile.fail_once = False
            raise ValueError("unlucky")
        self.total += event.amount

    async def receive(self, message: Any) -> Any:
        if message == "total":
            return self.total
        await self.persist(Deposited(message))
        return self.total


async def test_an_instance_whose_apply_failed_after_the_write_is_restarted_not_resumed() -> None:
    Fragile.fail_once = True
    async with (
        asyncio.timeout(10),
        ActorSystem("apply", store=SharedMemoryStore(), supervisor=RESUME_ALL) as system,
    ):
        fragile = await system.spawn(Fragile, name="fragile")
        assert await fragile.ask(1) == 1
        with pytest.raises(ValueError, match="unlucky"):
            await fragile.ask(13)
        assert await fragile.ask("total") == 14  # the stored 13 is in the state, by recovery
        assert await fragile.ask(1) == 15


class Counter(DurableState):
    async def receive(self, message: Any) -> Any:
        if message == "get":
            return self.state
        await self.save((self.state or 0) + message)
        return self.state


@pytest.mark.parametrize(
    ("kind", "read"), [(Account, "started_with"), (Counter, "get")], ids=["events", "state"]
)
async def test_an_instance_that_lost_a_conflict_is_restarted_not_resumed(
    kind: type[Actor], read: str
) -> None:
    store = SharedMemoryStore()
    async with asyncio.timeout(10), ActorSystem("one", store=store, supervisor=RESUME_ALL) as one:
        mine = await one.spawn(kind, name="it")
        assert await mine.ask(1) == 1
        async with ActorSystem("two", store=store.another()) as two:
            other = await two.spawn(kind, name="it")
            assert await other.ask(5) == 6
        with pytest.raises(PersistenceConflict):
            await mine.ask(2)
        assert await mine.ask(read) == 6  # recovered again, with the other's write
        assert await mine.ask(2) == 8


async def test_a_durable_instance_that_failed_before_writing_is_resumed() -> None:
    async with (
        asyncio.timeout(10),
        ActorSystem("kept", store=SharedMemoryStore(), supervisor=RESUME_ALL) as system,
    ):
        acct = await system.spawn(Account, name="acct")
        assert await acct.ask(2) == 2
        with pytest.raises(RuntimeError, match="crash"):
            await acct.ask("crash")
        assert await acct.ask("started_with") == 0  # the same instance: on_start not run again
        assert await acct.ask(1) == 3
