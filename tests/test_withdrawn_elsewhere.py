"""Withdrawn ticks (`_withdraw`) still in a queue, seen by what reads a mailbox from outside
the receive loop: a `least_loaded` pool's choice of member, a pool member's hand-back of the
asks it had not begun, a forced stop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from actorkit import Actor, ActorSystem
from actorkit.testing import ManualClock, snapshot

from .invariants import assert_invariants

TICKS = 300
"""Ticks queued behind a held handler: past the receive loop's batch."""


class Held(Actor):
    """Notes what it receives in `seen`, by member; runs callables sent to it; on
    `("hold", gate)` waits for the gate, so that ticks can queue behind it."""

    def __init__(self, seen: list[Any]) -> None:
        self.seen = seen

    async def receive(self, message: Any) -> Any:
        if isinstance(message, tuple) and message[0] == "hold":
            await message[1].wait()
            return None
        if isinstance(message, tuple) and message[0] == "fail":
            raise RuntimeError("a member's failure")
        if callable(message):
            return message(self)
        self.seen.append((self.name, message))
        return self.name


@asynccontextmanager
async def opened(gate: asyncio.Event) -> AsyncIterator[None]:
    """The gate opens as the test ends, failed or not: no held handler outlives it."""
    try:
        yield
    finally:
        gate.set()


def arm(actor: Actor) -> Actor:
    for key in range(TICKS):
        actor.timers.start_once(key, ("tick", key), 1.0)
    return actor


async def test_a_least_loaded_pool_counts_no_withdrawn_tick_as_load(clock: ManualClock) -> None:
    """Member 0, held, cancelled its timers whose ticks queued meanwhile: nothing is queued
    for it, and its queue is not swept before the handler returns. Member 1, held too, has
    two messages queued: the next message goes to member 0."""
    seen: list[Any] = []
    gate = asyncio.Event()
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system, opened(gate):
        pool = await system.spawn_pool(
            Held, seen, size=2, routing="least_loaded", mailbox_size=None
        )
        first, second = pool.members
        instance = await first.ask(arm)
        first.tell(("hold", gate))
        second.tell(("hold", gate))
        second.tell("x1")
        second.tell("x2")
        await clock.advance(1.0)
        assert snapshot(first).accounting.queued == TICKS
        for key in range(TICKS):
            assert instance.timers.cancel(key)
        assert snapshot(first).accounting.queued == 0
        pool.tell("next")
        assert snapshot(first).accounting.queued == 1
        gate.set()
        await clock.settle()
        assert sorted(seen) == [("0", "next"), ("1", "x1"), ("1", "x2")]
        assert_invariants(system)


async def test_a_member_stopping_with_withdrawn_ticks_queued_hands_its_asks_on(
    clock: ManualClock,
) -> None:
    """A `temporary` member fails while held, half its ticks withdrawn and asks queued among
    them: the asks reach the other member, the ticks none, and the counts balance."""
    seen: list[Any] = []
    gate = asyncio.Event()
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system, opened(gate):
        pool = await system.spawn_pool(
            Held, seen, size=2, routing="round_robin", mailbox_size=None, restart="temporary"
        )
        first = pool.members[0]
        instance = await first.ask(arm)
        first.tell(("hold", gate))
        first.tell(("fail",))
        await clock.advance(1.0)
        asks = [asyncio.ensure_future(first.ask(("ask", i))) for i in range(3)]
        await clock.settle()
        for key in range(0, TICKS, 2):
            assert instance.timers.cancel(key)
        assert snapshot(first).accounting.queued == 1 + TICKS // 2 + 3
        gate.set()
        assert await asyncio.gather(*asks) == ["1", "1", "1"]
        await clock.settle()
        assert not first.is_alive
        assert seen == [("1", ("ask", i)) for i in range(3)]
        assert_invariants(system)


async def test_a_forced_stop_with_withdrawn_ticks_queued_letters_only_the_rest(
    clock: ManualClock,
) -> None:
    seen: list[Any] = []
    gate = asyncio.Event()
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system, opened(gate):
        ref = await system.spawn(Held, seen, mailbox_size=None)
        instance = await ref.ask(arm)
        ref.tell(("hold", gate))
        await clock.advance(1.0)
        ref.tell("after")
        for key in range(1, TICKS):
            assert instance.timers.cancel(key)
        await ref.stop(timeout=0.01)  # forced: the handler is still held
        letters: list[Any] = [letter.message for letter in system.dead_letters.recent]
        assert sorted(m if m == "after" else m[0] for m in letters) == ["after", "hold"]
        box = snapshot(ref).accounting
        assert box.queued == 0 and box.dead_lettered == 2 and box.accepted == 3
        assert_invariants(system)
        gate.set()
