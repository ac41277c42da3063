"""A member leaving a pool's shrink drains what it holds, then stops: `resize` takes it out
of its subscriptions at once, since publishes that keep coming would never let its queue
empty (docs/api.md §9). A subscription made while it drains would bring that back, so it is
refused, as `spawn` and `submit` are then (`ActorStopped`); so is one made once its stop
began, when each publish could only be a dead letter. What reached it before is handled, not
lost: nothing published to it goes uncounted."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorStopped, ActorSystem
from actorkit.testing import ManualClock, subscription_count

from .pool_support import a_member_draining

BOUND = 5.0


class Member(Actor):
    """Holds its "hold" until `release`; "join" subscribes it to "t"; notes the rest."""

    def __init__(self, held: asyncio.Event, release: asyncio.Event, seen: list[Any]) -> None:
        self.held, self.release, self.seen = held, release, seen

    async def receive(self, message: Any) -> None:
        if message == "hold":
            self.held.set()
            await self.release.wait()
        elif message == "join":
            try:
                self.subscribe("t")
            except ActorStopped as refused:
                self.seen.append(refused)
        else:
            self.seen.append(message)


async def test_a_leaving_member_cannot_be_subscribed_while_it_drains(clock: ManualClock) -> None:
    held, release, seen = asyncio.Event(), asyncio.Event(), list[Any]()
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock) as system:
        async with a_member_draining(system, clock, Member, held, release, seen) as (_, leaving):
            with pytest.raises(ActorStopped, match=r"/1 is draining .* cannot subscribe to 't'"):
                system.subscribe(leaving, "t")
            assert subscription_count(system) == 0
            assert system.publish("t", "late") == 0
        assert seen == [] and system.dead_letters.by_reason == {"no_subscribers": 1}


async def test_a_leaving_members_own_subscribe_is_refused_and_its_queue_handled(
    clock: ManualClock,
) -> None:
    """What was queued at it before the shrink is handled by its drain: among it, its own
    subscribe, refused in its handler, which may catch it as a `spawn` there would be."""
    held, release, seen = asyncio.Event(), asyncio.Event(), list[Any]()
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock) as system:
        queued = ("a", "join", "b")
        async with a_member_draining(system, clock, Member, held, release, seen, queued=queued):
            pass
        assert [m if isinstance(m, str) else type(m) for m in seen] == ["a", ActorStopped, "b"]
        assert subscription_count(system) == 0 and system.dead_letters.count == 0


async def test_an_actor_whose_stop_began_cannot_be_subscribed() -> None:
    entered, gate = asyncio.Event(), asyncio.Event()

    class SlowStop(Actor):
        async def receive(self, message: Any) -> None:
            return None

        async def on_stop(self) -> None:
            entered.set()
            await gate.wait()

    async with asyncio.timeout(BOUND), ActorSystem() as system:
        ref = await system.spawn(SlowStop)
        stopping = asyncio.ensure_future(ref.stop())
        try:
            await entered.wait()
            with pytest.raises(ActorStopped, match=r"is stopping and cannot subscribe to 't'"):
                system.subscribe(ref, "t")
            assert subscription_count(system) == 0
        finally:
            gate.set()
            await stopping
