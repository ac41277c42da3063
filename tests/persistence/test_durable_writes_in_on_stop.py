"""Writes from `on_stop`, which docs/persistence.md ("Who writes") allows the live instance:
kept at a stop, at a shutdown (before the store closes) and before a restart (the next
instance replays them), refused with `ActorStopped` after a forced stop."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import ActorStopped, ActorSystem
from actorkit.persistence import DurableState, EventSourced

from .durable_support import Deposited, SharedMemoryStore, journal

CLOSING = 100
"""What each `on_stop` deposits (`EventSourced`) or adds (`DurableState`)."""


class Closing(EventSourced):
    """Deposits `CLOSING` in its `on_stop`; notes what that write came to."""

    def __init__(self, outcomes: list[object]) -> None:
        self.balance = 0
        self.outcomes = outcomes

    def apply(self, event: Any) -> None:
        self.balance += event.amount

    async def on_stop(self) -> None:
        try:
            await self.persist(Deposited(CLOSING))
        except Exception as error:
            self.outcomes.append(error)
            raise
        self.outcomes.append(self.balance)

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("crash")
        if isinstance(message, asyncio.Event):
            message.set()
            await asyncio.Event().wait()  # only a forced stop ends it
        elif isinstance(message, int):
            await self.persist(Deposited(message))
        return self.balance


class ClosingState(DurableState):
    """`DurableState`'s counterpart: adds `CLOSING` to its state in its `on_stop`."""

    def __init__(self, outcomes: list[object]) -> None:
        self.outcomes = outcomes

    async def on_stop(self) -> None:
        try:
            await self.save((self.state or 0) + CLOSING)
        except Exception as error:
            self.outcomes.append(error)
            raise
        self.outcomes.append(self.state)

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("crash")
        if isinstance(message, asyncio.Event):
            message.set()
            await asyncio.Event().wait()
        elif isinstance(message, int):
            await self.save((self.state or 0) + message)
        return self.state or 0


CLASSES = [Closing, ClosingState]


async def amounts(store: SharedMemoryStore, cls: type) -> object:
    """The journal's deposits (`EventSourced`) or the stored state (`DurableState`)."""
    async with store:
        if cls is Closing:
            return [event.amount for event in await journal(store, "/a")]
        stored = await store.load_state("/a")
        return None if stored is None else stored.revision


@pytest.mark.parametrize("cls", CLASSES)
@pytest.mark.parametrize("end", ["stop", "shutdown"])
async def test_a_write_in_on_stop_is_durable_and_the_next_actor_recovers_it(
    cls: type, end: str
) -> None:
    async with asyncio.timeout(10):
        shared = SharedMemoryStore()
        outcomes: list[object] = []
        async with ActorSystem("z", store=shared.another()) as system:
            ref = await system.spawn(cls, outcomes, name="a")
            assert await ref.ask(1) == 1
            if end == "stop":
                await ref.stop()
        assert outcomes == [1 + CLOSING]
        assert await amounts(shared.another(), cls) == ([1, CLOSING] if cls is Closing else 2)
        async with ActorSystem("z", store=shared.another()) as system:
            ref = await system.spawn(cls, outcomes, name="a")
            assert (
                await ref.ask(0 if cls is Closing else 2) == 1 + CLOSING + (cls is not Closing) * 2
            )


@pytest.mark.parametrize("cls", CLASSES)
async def test_a_write_in_the_on_stop_before_a_restart_is_what_the_next_instance_recovers(
    cls: type,
) -> None:
    async with asyncio.timeout(10):
        shared = SharedMemoryStore()
        outcomes: list[object] = []
        async with ActorSystem("z", store=shared.another()) as system:
            ref = await system.spawn(cls, outcomes, name="a")
            await ref.ask(1)
            ref.tell("crash")
            assert (
                await ref.ask(0 if cls is Closing else 2) == 1 + CLOSING + (cls is not Closing) * 2
            )
            assert outcomes == [1 + CLOSING]
        # The journal (or state) agrees with the live instance: nothing written twice or lost.
        expected = [1, CLOSING, 0, CLOSING] if cls is Closing else 4
        assert await amounts(shared.another(), cls) == expected


@pytest.mark.parametrize("cls", CLASSES)
async def test_a_write_in_on_stop_after_a_forced_stop_is_refused_and_writes_nothing(
    cls: type,
) -> None:
    async with asyncio.timeout(10):
        shared = SharedMemoryStore()
        outcomes: list[object] = []
        async with ActorSystem("z", store=shared.another()) as system:
            ref = await system.spawn(cls, outcomes, name="a")
            await ref.ask(1)
            handling = asyncio.Event()
            ref.tell(handling)
            await handling.wait()
            await ref.stop(timeout=0.01)
            assert len(outcomes) == 1 and isinstance(outcomes[0], ActorStopped)
            assert "nothing was written" in str(outcomes[0])
            ref = await system.spawn(cls, outcomes, name="a")
            assert await ref.ask(0 if cls is Closing else 2) == 1 + (cls is not Closing) * 2
        assert await amounts(shared.another(), cls) == ([1, 0, CLOSING] if cls is Closing else 3)
