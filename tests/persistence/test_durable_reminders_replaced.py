"""A reminder replaced (started again under its key) before its overdue fire was delivered:
only the new one is delivered, as for any replaced reminder."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.persistence import DurableState
from actorkit.testing import ManualClock, snapshot

from .durable_support import MakeStore

pytestmark = pytest.mark.timeout(30)


class Owner(DurableState):
    def __init__(self) -> None:
        self.got: list[Any] = []

    async def receive(self, message: Any) -> Any:
        if message == "got":
            return self.got
        if isinstance(message, tuple):
            return await self.reminders.start(*message)
        self.got.append(message)
        return None


async def test_a_periodic_reminder_replaced_before_its_overdue_fire_sends_only_the_new_message(
    make: MakeStore,
) -> None:
    async with ActorSystem("first", store=make(), clock=ManualClock()) as system:
        owner = await system.spawn(Owner, name="owner")
        await owner.ask(("tick", "old", 10.0, 4.0))
    clock = ManualClock(21.0)  # the next process: "tick" is overdue, its fire armed at once
    async with ActorSystem("second", store=make(), clock=clock) as system:
        owner = await system.spawn(Owner, name="owner")
        await owner.ask(("tick", "new", 5.0, None))  # before the clock moved: nothing fired
        await clock.advance(0.0)
        assert await owner.ask("got") == []
        await clock.advance(5.0)
        assert await owner.ask("got") == ["new"]
        await clock.advance(20.0)
        assert await owner.ask("got") == ["new"]


class Draining(Owner):
    """Its "wait" handler holds it until `gate` is set: what is queued behind it is handled
    as its shutdown drains it."""

    gate: asyncio.Event

    async def receive(self, message: Any) -> Any:
        if message == "wait":
            await self.gate.wait()
            return None
        return await super().receive(message)


async def test_a_reminder_started_as_its_owner_drains_at_shutdown_is_kept_for_the_next_run(
    make: MakeStore, caplog: pytest.LogCaptureFixture
) -> None:
    """Its timers ended with the drain's start, so the reminder is not armed in this run; it
    is stored all the same, and its handler does not fail: the next run arms it."""
    Draining.gate = asyncio.Event()
    caplog.set_level(logging.ERROR, logger="actorkit")
    async with asyncio.timeout(10):
        async with ActorSystem("first", store=make(), clock=ManualClock()) as system:
            owner = await system.spawn(Draining, name="owner")
            owner.tell("wait")
            owner.tell(("later", "stored", 10.0, None))
            shutting = asyncio.ensure_future(system.shutdown())
            while not snapshot(owner).signals:  # its draining stop, behind "wait"
                await asyncio.sleep(0)
            Draining.gate.set()
            await shutting
        assert caplog.records == []
        clock = ManualClock()
        async with ActorSystem("second", store=make(), clock=clock) as system:
            owner = await system.spawn(Draining, name="owner")
            await clock.advance(10.0)
            assert await owner.ask("got") == ["stored"]
