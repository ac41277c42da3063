"""Pools where they meet pub-sub: a pool subscribed to a topic routes each publish as a tell
(every member under `broadcast`), counted once, also across a `resize`."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorSystem
from actorkit.testing import ManualClock, Probe

from .test_pool_faults_broadcast import held_member


async def test_a_broadcast_pool_subscribed_to_a_topic_gives_each_publish_to_every_member(
    clock: ManualClock,
) -> None:
    async with ActorSystem("topics", clock=clock) as system:
        probe = await Probe.spawn(system)

        class Member(Actor):
            async def receive(self, message: Any) -> None:
                probe.ref.tell((self.name, message))

        pool = await system.spawn_pool(Member, size=3, name="b", routing="broadcast")
        system.subscribe(pool, "news")
        assert system.publish("news", "first") == 1  # the pool, counted as one actor
        await clock.settle()
        got = sorted([await probe.receive() for _ in range(probe.pending)])
        assert got == [("0", "first"), ("1", "first"), ("2", "first")]
        await pool.resize(1)
        assert system.publish("news", "second") == 1
        await clock.settle()
        assert await probe.receive() == ("0", "second")
        probe.expect_empty()


async def test_a_publish_the_pool_cannot_route_to_a_full_member_is_a_dead_letter(
    clock: ManualClock,
) -> None:
    """A publish has no sender to raise `MailboxFull` at: the pool records it, never loses it."""
    gate, busy = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(5.0), ActorSystem("topics", clock=clock) as system:
        pool = await system.spawn_pool(held_member(gate, busy), size=1, mailbox_size=1, name="p")
        system.subscribe(pool, "news")
        pool.tell("hold")
        await busy.wait()
        pool.tell("filler")  # the one member is busy and its mailbox full
        assert system.publish("news", "published") == 0  # routed at once: nobody took it
        await clock.settle()
        assert [(d.message, d.recipient, d.reason) for d in system.dead_letters.recent] == [
            ("published", "/p", "mailbox_full")
        ]
        gate.set()
