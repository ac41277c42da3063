"""What is sent to a pool while it restarts its members waits in the pool's own mailbox, and
is then routed in the order it was sent (docs/api.md §9 Router). The pool took it: a `send`
returned at once, so its sender was told nothing could be lost. Handed over, it goes to the
member the routing picks past that member's bound, as a held ask does, rather than become a
dead letter `mailbox_full` because bounded members filled with what was handed over before it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, OneForOne
from actorkit.testing import ManualClock

ROUTINGS = ("round_robin", "random", "least_loaded", "consistent_hash", "broadcast")
SENT = 6


class Member(Actor):
    """Waits for the gate in its `on_start`; fails on "fail"; notes anything else."""

    def __init__(self, seen: list[tuple[str, Any]], gate: asyncio.Event) -> None:
        self.seen, self.gate = seen, gate

    async def on_start(self) -> None:
        await self.gate.wait()

    async def receive(self, message: Any) -> None:
        if message == "fail":
            raise ValueError("the member failed")
        self.seen.append((self.name, message))


@pytest.mark.parametrize("routing", ROUTINGS)
async def test_sends_and_tells_held_while_the_pool_restarts_reach_bounded_members(
    routing: str, clock: ManualClock
) -> None:
    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        seen: list[tuple[str, Any]] = []
        gate = asyncio.Event()
        gate.set()
        hash_key = (lambda message: message) if routing == "consistent_hash" else None
        pool = await system.spawn_pool(
            Member,
            seen,
            gate,
            size=2,
            routing=routing,
            hash_key=hash_key,
            mailbox_size=1,
            supervisor=OneForOne(max_restarts=0),  # a member's failure restarts the pool
        )
        gate.clear()
        pool.members[0].tell("fail")
        await clock.settle()  # the pool restarts: its new members wait in their on_start
        for n in range(SENT):
            await pool.send(("sent", n))
            pool.tell(("told", n))
        gate.set()
        await clock.settle()
        copies = 2 if routing == "broadcast" else 1
        assert len(seen) == 2 * SENT * copies
        for name in ("0", "1"):  # each member got its share in the order it was sent
            mine = [message for who, message in seen if who == name]
            assert mine == sorted(mine, key=lambda message: (message[1], message[0] == "told"))
        assert system.dead_letters.count == 0
        assert system.accounting().balanced
