"""A pool member whose handler `send`s to its own pool while its own mailbox is full: the
routing may pick the sender, where only it could make room once the handler returns. The pool
routes the send to another member; with nobody else, the send raises `MailboxFull`, as a send
to the actor's own full mailbox does."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, MailboxFull

BOUND = 5.0


class Forwards(Actor):
    """Told `("fill", pool)`, it fills its own mailbox of one, then sends `"part"` through the
    pool and says where each `"part"` was handled."""

    def __init__(self, seen: asyncio.Queue[Any]) -> None:
        self.seen = seen

    async def receive(self, message: Any) -> Any:
        if isinstance(message, tuple):
            _, pool = message
            self.ref.tell("filler")  # its mailbox of one is full now
            try:
                await pool.send("part")
            except MailboxFull as error:
                self.seen.put_nowait(error)
        elif message == "part":
            self.seen.put_nowait(self.name)


@pytest.mark.parametrize("routing", ["round_robin", "random", "least_loaded"])
async def test_a_member_sending_to_its_pool_while_full_reaches_another(routing: str) -> None:
    seen: asyncio.Queue[Any] = asyncio.Queue()
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        pool = await system.spawn_pool(
            Forwards, seen, size=2, routing=routing, mailbox_size=1, name="pool"
        )
        first = pool.members[0]  # told directly: round robin's next pick is this member
        for _ in range(20):  # `random` and `least_loaded` pick the sender some of the time
            first.tell(("fill", pool))
            assert await seen.get() == "1"
            await first.ask("sync")  # its "filler" handled: room again for the next round


async def test_the_only_member_sending_to_its_pool_while_full_gets_mailbox_full() -> None:
    seen: asyncio.Queue[Any] = asyncio.Queue()
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        pool = await system.spawn_pool(Forwards, seen, size=1, mailbox_size=1, name="pool")
        pool.members[0].tell(("fill", pool))
        error = await seen.get()
        assert isinstance(error, MailboxFull)
        assert "its own full mailbox" in str(error)
