"""A full mailbox refusing a copy (a broadcast's, a publish's, a dead-letter watcher's) in a
system built with `metrics=False`: the refusal is what it is with metrics on, a dead letter or
a copy the watcher misses, with no class counts to keep."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import DEAD_LETTER_TOPIC, Actor, ActorRef, ActorSystem
from actorkit.testing import ManualClock


class Blocking(Actor):
    """On "hold", waits for the gate it was given: its one-message mailbox then fills."""

    def __init__(self, gate: asyncio.Event) -> None:
        self.gate = gate

    async def receive(self, message: Any) -> Any:
        if message == "hold":
            await self.gate.wait()


async def fill(clock: ManualClock, *refs: ActorRef) -> None:
    for ref in refs:
        ref.tell("hold")
    await clock.settle()  # each is in its handler, waiting for the gate
    for ref in refs:
        ref.tell("filler")


async def test_a_broadcast_refused_by_every_member_is_a_dead_letter_of_each(
    clock: ManualClock,
) -> None:
    gate = asyncio.Event()
    async with ActorSystem(clock=clock, metrics=False) as system:
        pool = await system.spawn_pool(
            Blocking, gate, size=2, routing="broadcast", name="pool", mailbox_size=1
        )
        await fill(clock, *pool.members)
        pool.tell("told")
        assert [(d.message, d.recipient, d.reason) for d in system.dead_letters.recent] == [
            ("told", "/pool/0", "mailbox_full"),
            ("told", "/pool/1", "mailbox_full"),
        ]
        gate.set()


async def test_a_publish_refused_by_a_full_subscriber_is_its_dead_letter(
    clock: ManualClock,
) -> None:
    gate = asyncio.Event()
    async with ActorSystem(clock=clock, metrics=False) as system:
        full = await system.spawn(Blocking, gate, name="full", mailbox_size=1)
        await fill(clock, full)
        system.subscribe(full, "news")
        assert system.publish("news", "published") == 0
        assert [(d.message, d.recipient, d.reason) for d in system.dead_letters.recent] == [
            ("published", "/full", "mailbox_full")
        ]
        gate.set()


async def test_a_full_dead_letter_watcher_misses_the_copy_and_the_letter_counts_once(
    clock: ManualClock,
) -> None:
    gate = asyncio.Event()
    async with ActorSystem(clock=clock, metrics=False) as system:
        watcher = await system.spawn(Blocking, gate, name="watcher", mailbox_size=1)
        await fill(clock, watcher)
        system.subscribe(watcher, DEAD_LETTER_TOPIC)
        assert system.publish("nobody.listens", "lost") == 0
        assert [(d.message, d.reason) for d in system.dead_letters.recent] == [
            ("lost", "no_subscribers")
        ]
        assert system.dead_letters.count == 1
        gate.set()
