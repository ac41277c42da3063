"""A broadcast ask sends each member its copy from a task of its own. A member that stops in
the loop turn before its copy is sent never gets it: that copy is a dead letter `stopped`, as a
broadcast tell's copy to a stopped member is, rather than dropped with nobody told while
another member answers (api.md 9, Order and delivery: what is not handled is accounted for)."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorSystem


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return (self.name, message)


async def test_a_copy_to_a_member_stopped_before_it_was_sent_is_a_dead_letter() -> None:
    async with asyncio.timeout(5), ActorSystem() as system:
        pool = await system.spawn_pool(Echo, size=2, routing="broadcast", name="p")
        leaving = pool.members[1]
        asking = asyncio.ensure_future(pool.ask("x", timeout=1.0))
        await asyncio.sleep(0)  # the ask made its copies' tasks; none has run yet
        await leaving.stop(timeout=0)  # closes member 1 before its copy is sent
        assert await asking == ("0", "x")
        await system.shutdown()
    assert [(d.message, d.reason, d.recipient) for d in system.dead_letters.recent] == [
        ("x", "stopped", "/p/1")
    ]
    assert system.accounting().balanced
