"""A pool subscribed to the dead-letter topic gets each record as it gets any publish: routed
in the recording's turn, as a tell to the pool is, so a full member refuses its copy (counted
as its class's refused tell, never a dead letter again) rather than take it past its bound
(docs/api.md §4 and §9, "A publish to a subscribed pool")."""

from __future__ import annotations

import asyncio
from typing import Any

from prometheus_client import generate_latest

from actorkit import DEAD_LETTER_TOPIC, Actor, ActorSystem, DeadLetter
from actorkit.testing import snapshot


class Member(Actor):
    """Blocks on "block" until `gate` is set; answers "got" with the records it handled."""

    def __init__(self, entered: asyncio.Event, gate: asyncio.Event) -> None:
        self.entered, self.gate = entered, gate
        self.got: list[Any] = []

    async def receive(self, message: Any) -> Any:
        if message == "block":
            self.entered.set()
            await self.gate.wait()
        elif message == "got":
            return list(self.got)
        elif isinstance(message, DeadLetter):
            self.got.append(message.message)
        return None


class Gone(Actor):
    async def receive(self, message: Any) -> Any:
        return None


async def test_a_full_member_of_a_pool_watching_dead_letters_refuses_their_copies() -> None:
    entered, gate = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(5), ActorSystem() as system:
        pool = await system.spawn_pool(Member, entered, gate, size=1, mailbox_size=2, name="p")
        system.subscribe(pool, DEAD_LETTER_TOPIC)
        pool.tell("block")
        await entered.wait()
        gone = await system.spawn(Gone)
        await gone.stop()
        try:
            for n in range(5):
                gone.tell(n)
            await pool.resize(1)  # the pool has handled whatever reached its own mailbox
            member = pool.members[0]
            assert snapshot(member).accounting.queued == 2
            assert system.dead_letters.by_reason == {"stopped": 5}
            text = generate_latest(system.metrics.registry).decode()
            assert 'actorkit_mailbox_dropped_total{actor_type="Member"} 3.0' in text
        finally:
            gate.set()
        assert await pool.ask("got") == [0, 1]
