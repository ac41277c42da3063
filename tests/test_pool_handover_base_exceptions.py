"""A pool member's close hands the asks it had not begun to the pool, which routes them
again through the user's `hash_key`: one raising a `BaseException` that is not an
`Exception` is that ask's failure, as from `ask` (a tell's dead letter), not an escape
from the member's close part-way (the asks after it unrouted, its stop never answered)."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorSystem
from actorkit.testing import ManualClock

from .invariants import assert_settled


class Abort(BaseException):
    """A user's own `BaseException`: a failure like an `Exception` (`_failure`)."""


async def test_a_hash_key_raising_a_base_exception_in_a_hand_over_fails_only_its_ask(
    clock: ManualClock,
) -> None:
    entered, gate = asyncio.Event(), asyncio.Event()
    refusing: list[str] = []

    class Held(Actor):
        async def receive(self, message: Any) -> str:
            if message == "hold":
                entered.set()
                await gate.wait()
            return f"{self.name}:{message}"

    def hash_key(message: Any) -> Any:
        if message in refusing:
            raise Abort(message)
        return message

    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        pool = await system.spawn_pool(Held, size=2, routing="consistent_hash", hash_key=hash_key)
        first = pool.members[0]
        first.tell("hold")
        await entered.wait()
        bad = asyncio.ensure_future(first.ask("bad", timeout=4.0))
        first.tell("told")
        good = asyncio.ensure_future(first.ask("good", timeout=4.0))
        await clock.settle()
        refusing.extend(["bad", "told"])
        stopping = asyncio.ensure_future(first.stop())
        await clock.settle()
        gate.set()
        await stopping  # answered: the close that hands the asks over went to its end
        assert isinstance(bad.exception(), Abort)
        assert (await good) == "1:good"
        assert system.dead_letters.count == 1  # the tell: nobody to tell of its failure
        await assert_settled(system)
