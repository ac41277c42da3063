"""A pool member's handler that sends to its own pool from a task it started and awaits
(docs/api.md §2: "so is an ask made from a task its handler started"; a member's `send`
likewise): with its own mailbox full, the routing's pick of the member itself goes to
another member, since only the member could make room, once the handler awaiting that task
returned."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem

BOUND = 5.0


class Forwards(Actor):
    """Told `("fill", pool)`, it fills its own mailbox of one, then sends `"part"` through the
    pool from a task it awaits, and says where each `"part"` was handled."""

    def __init__(self, seen: asyncio.Queue[Any]) -> None:
        self.seen = seen

    async def receive(self, message: Any) -> Any:
        if isinstance(message, tuple):
            _, pool = message
            self.ref.tell("filler")  # its mailbox of one is full now
            await asyncio.create_task(pool.send("part"))
        elif message == "part":
            self.seen.put_nowait(self.name)


@pytest.mark.parametrize("routing", ["round_robin", "random", "least_loaded"])
async def test_a_member_sending_from_its_task_while_full_reaches_another(routing: str) -> None:
    seen: asyncio.Queue[Any] = asyncio.Queue()
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        pool = await system.spawn_pool(
            Forwards, seen, size=2, routing=routing, mailbox_size=1, name="pool"
        )
        first = pool.members[0]
        for _ in range(20):  # `random` and `least_loaded` pick the sender some of the time
            first.tell(("fill", pool))
            assert await seen.get() == "1"
            await first.ask("sync")  # its "filler" handled: room again for the next round
        assert system.dead_letters.count == 0
