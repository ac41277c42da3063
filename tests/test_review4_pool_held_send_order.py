"""docs/api.md §9 Order and delivery, Router: messages from one sender reach the member they
are routed to in the order sent, and a sender waiting for room keeps its place. A pool
that (re)starts its members holds what is sent meanwhile in its own mailbox, bounded as one
member's is; a `send` that waited for room there, let in by the hand-over, must not be
overtaken by what its sender sends the pool next, which goes straight to a member."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import DEFAULT_MAILBOX_SIZE, Actor, ActorSystem
from actorkit.testing import ManualClock

from .pool_support import make_it_give_up, restarting_root

BOUND = 10.0


class Member(Actor):
    """Notes what it gets; fails on "crash" (for `make_it_give_up`)."""

    def __init__(self, seen: list[Any]) -> None:
        self.seen = seen

    async def receive(self, message: Any) -> None:
        if message == "crash":
            raise RuntimeError("crash")
        self.seen.append(message)


def key(message: Any) -> Any:
    """The filling tells spread over the members; the sender's own messages share a key."""
    return message if isinstance(message, int) else "mine"


async def test_a_send_let_into_the_held_pool_by_its_hand_over_is_not_overtaken(
    clock: ManualClock,
) -> None:
    async with (
        asyncio.timeout(BOUND),
        ActorSystem(clock=clock, supervisor=restarting_root(1.0)) as system,
    ):
        seen: list[Any] = []
        pool = await system.spawn_pool(
            Member, seen, size=2, routing="consistent_hash", hash_key=key
        )
        await make_it_give_up(pool, clock)  # restarting: what is sent waits in its mailbox
        for n in range(DEFAULT_MAILBOX_SIZE):  # as much as it holds
            pool.tell(n)

        async def sender() -> None:
            for n in range(3):
                await pool.send(("sent", n))  # the first waits for room
                pool.tell(("told", n))

        sending = asyncio.create_task(sender())
        await clock.settle()
        assert not sending.done()  # waiting for room in the pool's full mailbox
        await clock.advance(1.0)  # the pool restarts, and hands over what it held
        await sending
        await clock.settle()
        mine = [message for message in seen if isinstance(message, tuple)]
        assert mine == [(kind, n) for n in range(3) for kind in ("sent", "told")]
        assert len(seen) == DEFAULT_MAILBOX_SIZE + 6
        assert system.accounting().balanced
