"""A pool member told to drain (a `resize` down) while a handler of its is suspended: its stop
has begun, and a timer started then is not armed (API 5), a one-shot timer still pending under
the key included. Started again in place, it would stay armed, and counted, until the stop
reached the member's loop."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from actorkit import Actor, ActorSystem
from actorkit.testing import ManualClock, pending_timers


@dataclass
class Shared:
    held: dict[str, asyncio.Event] = field(
        default_factory=lambda: {"0": asyncio.Event(), "1": asyncio.Event()}
    )
    release: asyncio.Event = field(default_factory=asyncio.Event)
    seen: dict[str, Any] = field(default_factory=dict)


class Member(Actor):
    def __init__(self, shared: Shared) -> None:
        self.shared = shared

    async def receive(self, message: Any) -> None:
        name = self.ref.path.rsplit("/", 1)[-1]
        if message != "hold":
            self.shared.seen[name] = message  # a tick: none should come
            return
        self.timers.start_once("idle", "first", 10.0)
        self.shared.held[name].set()
        await self.shared.release.wait()
        self.timers.start_once("idle", "again", 10.0)  # the same key, later: in place if live
        self.shared.seen[name] = (self.timers.is_active("idle"), len(self.timers))


async def test_a_member_told_to_drain_arms_no_timer_started_again(clock: ManualClock) -> None:
    shared = Shared()
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        pool = await system.spawn_pool(Member, shared, size=2)
        for member in pool.members:
            member.tell("hold")
        await asyncio.gather(*(held.wait() for held in shared.held.values()))
        resizing = asyncio.create_task(pool.resize(1))  # "1" leaves: the highest running
        await clock.settle()  # the pool told it to drain; its handler is still suspended
        assert [member.path.rsplit("/", 1)[-1] for member in pool.members] == ["0"]
        shared.release.set()
        await resizing
        assert shared.seen == {"0": (True, 1), "1": (False, 0)}
        assert pending_timers(system) == 1  # member 0's, started again in place
        await clock.advance(20.0)
        assert shared.seen == {"0": "again", "1": (False, 0)}
        assert pending_timers(system) == 0
