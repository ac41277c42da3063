"""An ask that times out while still queued behind a busy handler: the mailbox keeps its
envelope until the actor gets to it, but not the asker. The caller's future holds the
`AskTimeout` it raised, whose traceback holds the caller's frames and all their locals
(300 callers each holding 1 MiB kept 300 MiB, against 1 MiB for `asyncio.wait_for`)."""

from __future__ import annotations

import asyncio
import gc
import weakref
from typing import Any

import pytest

from actorkit import Actor, ActorRef, ActorSystem, AskTimeout
from actorkit.testing import ManualClock


class Held:
    """A caller's local: alive as long as the caller's frame is."""


class Busy(Actor):
    def __init__(self, gate: asyncio.Event) -> None:
        self.gate = gate
        self.handled: list[Any] = []

    async def receive(self, message: Any) -> Any:
        await self.gate.wait()
        self.handled.append(message)
        return message


async def ask_holding(ref: ActorRef, clock: ManualClock, kept: list[weakref.ref[Held]]) -> None:
    held = Held()
    kept.append(weakref.ref(held))
    asking = asyncio.ensure_future(ref.ask("queued", timeout=1.0))
    await asyncio.sleep(0)
    await clock.advance(1.0)
    with pytest.raises(AskTimeout):
        await asking


async def test_an_ask_timed_out_in_the_queue_does_not_keep_its_caller(clock: ManualClock) -> None:
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        gate = asyncio.Event()
        ref = await system.spawn(Busy, gate)
        ref.tell("first")  # in hand until the gate opens: the ask below stays queued
        kept: list[weakref.ref[Held]] = []
        try:
            await ask_holding(ref, clock, kept)
            gc.collect()
            assert kept[0]() is None, "the queued envelope kept the caller's frames"
        finally:
            gate.set()
        assert await ref.ask("after", timeout=5.0) == "after"
        assert system.dead_letters.count == 0, "a late message is handled, not a dead letter"
