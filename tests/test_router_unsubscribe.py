"""Unsubscribing one pattern of several: the actor is still a subscriber, with all that a
publish needs to know of it (API 4, 9)."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorSystem


class Blocked(Actor):
    """Subscribes to `a` and `b`, then drops `b`; blocks on "wait" until `gate` is set."""

    def __init__(self, entered: asyncio.Event, gate: asyncio.Event) -> None:
        self.entered, self.gate = entered, gate

    async def on_start(self) -> None:
        self.subscribe("a")
        self.subscribe("b")
        self.unsubscribe("b")

    async def receive(self, message: Any) -> Any:
        if message == "wait":
            self.entered.set()
            await self.gate.wait()
        return message


async def test_a_refused_publish_after_a_partial_unsubscribe_names_the_actor() -> None:
    entered, gate = asyncio.Event(), asyncio.Event()
    async with ActorSystem() as system:
        blocked = await system.spawn(Blocked, entered, gate, mailbox_size=1)
        blocked.tell("wait")
        await entered.wait()
        try:
            assert system.publish("a", 1) == 1  # fills the mailbox
            assert system.publish("a", 2) == 0  # refused: recorded, never raised
            assert system.publish("b", 3) == 0  # `b` no longer reaches it
        finally:
            gate.set()
        assert system.dead_letters.by_reason == {"mailbox_full": 1, "no_subscribers": 1}
        assert [(d.message, d.recipient) for d in system.dead_letters.recent] == [
            (2, blocked.path),
            (3, "b"),
        ]
