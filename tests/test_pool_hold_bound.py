"""What a pool's own mailbox holds while it starts members (docs/api.md §9): as much as one
member's mailbox takes, the default bound at least, and without bound for unbounded members,
so that a pool whose tells never find a member full does not refuse them while it waits."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import DEFAULT_MAILBOX_SIZE, Actor, ActorSystem, MailboxFull
from actorkit.testing import ManualClock

BOUND = 10.0


class Member(Actor):
    """Counts what it gets; stops itself on "leave"; waits for `gate` in its `on_start`
    once the test sets one."""

    def __init__(self, gates: dict[str, asyncio.Event], counted: list[int]) -> None:
        self.gates, self.counted = gates, counted

    async def on_start(self) -> None:
        gate = self.gates.get(self.name)
        if gate is not None:
            await gate.wait()

    async def receive(self, message: Any) -> None:
        if message == "leave":
            self.stop()
        else:
            self.counted[0] += 1


@pytest.mark.parametrize(
    ("mailbox_size", "held"),
    [(None, 2 * DEFAULT_MAILBOX_SIZE), (10, DEFAULT_MAILBOX_SIZE), (15_000, 15_000)],
)
async def test_a_pool_holds_while_it_starts_what_one_member_takes_the_default_at_least(
    mailbox_size: int | None, held: int, clock: ManualClock
) -> None:
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock) as system:
        gates: dict[str, asyncio.Event] = {}
        counted = [0]
        pool = await system.spawn_pool(
            Member, gates, counted, size=1, mailbox_size=mailbox_size, restart="temporary"
        )
        pool.members[0].tell("leave")
        await clock.settle()
        gates["0"] = asyncio.Event()
        growing = asyncio.create_task(pool.resize(1))
        await clock.settle()  # the new member is in its `on_start`: the pool holds
        for n in range(held):
            pool.tell(n)
        if mailbox_size is not None:
            with pytest.raises(MailboxFull, match="mailbox_size"):
                pool.tell("one too many")
        gates["0"].set()
        await growing
        await clock.settle()
        assert counted == [held]
        assert system.accounting().balanced
