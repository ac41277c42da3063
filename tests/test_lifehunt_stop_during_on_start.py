"""A stop asked while `on_start` runs (docs/api.md §9, Actors and stopping): `on_start` finishes,
the actor stops, and `spawn` returns its ref already stopped."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, NotDelivered
from actorkit.testing import ManualClock

from .test_ask_timeout_hints_spawn import Gated


class Parent(Actor):
    def __init__(self, gate: asyncio.Event, seen: list[str]) -> None:
        self.gate, self.seen = gate, seen

    async def on_start(self) -> None:
        await self.spawn(Gated, self.gate, name="kid")
        self.seen.append("started")

    async def on_stop(self) -> None:
        self.seen.append("stopped")

    async def receive(self, message: Any) -> Any:
        return message


async def test_spawn_returns_a_stopped_ref_once_its_on_start_finished(clock: ManualClock) -> None:
    gate = asyncio.Event()
    seen: list[str] = []
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        spawning = asyncio.ensure_future(system.spawn(Parent, gate, seen, name="p"))
        await clock.settle()
        ref = system.lookup("/p")
        assert ref is not None
        stopping = asyncio.ensure_future(ref.stop())
        await clock.settle()
        assert not spawning.done() and not stopping.done()
        gate.set()
        spawned = await spawning
        await stopping
        assert spawned == ref and seen == ["started", "stopped"]
        assert system.lookup("/p") is None and system.lookup("/p/kid") is None
        with pytest.raises(NotDelivered):
            await spawned.ask("hi", timeout=1.0)
