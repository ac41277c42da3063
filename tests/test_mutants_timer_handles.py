"""System timers (API 5) at the corners a mutation review found untested: a periodic tick
of one system to an actor of another whose stop has begun ends the timer unsent, as its
own system's timers end when an actor's stop begins; and a cancelled timer whose entry
waits until due lets go of its target's ref."""

from __future__ import annotations

import asyncio
import gc
import weakref
from typing import Any

from actorkit import Actor, ActorSystem
from actorkit.testing import ManualClock, snapshot

BOUND = 10.0


class Holder(Actor):
    """Notes each message; one of events waits until released."""

    def __init__(self, seen: list[Any]) -> None:
        self.seen = seen

    async def receive(self, message: Any) -> None:
        if isinstance(message, tuple):
            entered, release = message
            self.seen.append("held")
            entered.set()
            await release.wait()
        else:
            self.seen.append(message)


async def test_a_tick_due_to_another_systems_draining_actor_ends_its_timer_unsent() -> None:
    seen: list[Any] = []
    clock = ManualClock()
    async with asyncio.timeout(BOUND), ActorSystem("timing", clock=clock) as timing:
        draining = ActorSystem("draining")
        await draining.start()
        ref = await draining.spawn(Holder, seen)
        handle = timing.schedule_every(1.0, ref, "tick")
        first, second = (asyncio.Event(), asyncio.Event()), (asyncio.Event(), asyncio.Event())
        ref.tell(first)
        ref.tell(second)
        await first[0].wait()
        shutdown = asyncio.ensure_future(draining.shutdown(timeout=BOUND))
        while not snapshot(ref).signals:  # the shutdown's draining stop, behind `first`
            await asyncio.sleep(0)
        first[1].set()  # its stop begins once this handler returns: then it drains `second`
        await second[0].wait()
        assert snapshot(ref).state == "stopping"
        await clock.advance(1.0)
        assert not handle.active  # ended, not sent
        second[1].set()
        await shutdown
    assert seen == ["held", "held"]
    assert [letter.message for letter in draining.dead_letters.recent] == []


async def test_a_cancelled_timer_waiting_for_its_entry_keeps_no_ref_of_its_target() -> None:
    clock = ManualClock()
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Holder, [])
        held = weakref.ref(ref)
        handle = system.schedule_once(3600.0, ref, "late")
        assert handle.cancel()
        await ref.stop()
        del ref
        gc.collect()
        assert held() is None
        await clock.advance(3600.0)
        assert system.dead_letters.count == 0
