"""A member leaving a pool's shrink is out of the routing at once, and its own subscriptions
go with it then: publishes that keep coming must not keep its drain from ending (docs/api.md
§9, `resize`), as its timers must not."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorSystem
from actorkit.testing import subscription_count


class Member(Actor):
    """Subscribes itself to the beat, as members that each want every event do."""

    async def on_start(self) -> None:
        self.subscribe("beat")

    async def receive(self, message: Any) -> Any:
        return None


class Pump(Actor):
    """A steady publisher: one beat per message, and the next message told to itself."""

    def __init__(self) -> None:
        self.on = True

    async def receive(self, message: Any) -> Any:
        if message == "off":
            self.on = False
        elif self.on:
            self.system.publish("beat", message)
            self.ref.tell(message + 1)


async def test_a_shrink_returns_while_publishes_keep_reaching_its_leaving_member() -> None:
    async with asyncio.timeout(5), ActorSystem() as system:
        pool = await system.spawn_pool(Member, size=2, name="p")
        pump = await system.spawn(Pump)
        pump.tell(0)
        try:
            await pool.resize(1)
            assert [ref.name for ref in pool.members] == ["0"]
            assert subscription_count(system) == 1
        finally:
            pump.tell("off")
