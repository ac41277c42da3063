"""docs/api.md §9 Router: a pool that restarts its members holds what is sent meanwhile in
its own mailbox and hands it over to them once they run, past their bound, since the pool
took it. A member whose handler runs before that hand-over (its restart's `on_start` queued
it work) and sends to its pool waits for room there like any sender; let in by the
hand-over, its message is the pool's as much as what was held before it, and reaches the
members as that did: the send neither fails with `MailboxFull` nor loses the message,
though the hand-over filled the members past their bound (the sender's own mailbox too)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import DEFAULT_MAILBOX_SIZE, Actor, ActorSystem, PoolRef
from actorkit.testing import ManualClock

from .pool_support import make_it_give_up, restarting_root

BOUND = 10.0
MEMBER_BOUND = 4


class Member(Actor):
    """Fails on "crash" (for `make_it_give_up`); once `armed`, member 0's start queues it
    "go", on which it sends "mine" to the pool (`pools[0]`), noting how that went."""

    def __init__(self, armed: list[Any], pools: list[PoolRef], seen: list[Any]) -> None:
        self.armed = armed
        self.pools = pools
        self.seen = seen

    async def on_start(self) -> None:
        if self.armed and self.name == "0":
            self.ref.tell("go")

    async def receive(self, message: Any) -> None:
        if message == "crash":
            raise RuntimeError("crash")
        if message == "go":
            try:
                await self.pools[0].send("mine")
            except Exception as error:  # what the test says went wrong
                self.armed.append(error)
            else:
                self.armed.append("sent")
            return
        self.seen.append((self.name, message))


def one_key(message: Any) -> str:
    return "one key"


@pytest.mark.parametrize("routing", ["broadcast", "round_robin", "consistent_hash"])
async def test_a_member_let_into_its_restarting_pool_has_its_send_handed_over(
    routing: str, clock: ManualClock
) -> None:
    async with (
        asyncio.timeout(BOUND),
        ActorSystem(clock=clock, supervisor=restarting_root(1.0)) as system,
    ):
        armed: list[Any] = []
        pools: list[PoolRef] = []
        seen: list[Any] = []
        size = 2 if routing == "broadcast" else 1  # else alone, the key's owner too
        pool = await system.spawn_pool(
            Member,
            armed,
            pools,
            seen,
            size=size,
            routing=routing,
            hash_key=one_key if routing == "consistent_hash" else None,
            mailbox_size=MEMBER_BOUND,
        )
        pools.append(pool)
        await make_it_give_up(pool, clock)  # restarting: what is sent waits in its mailbox
        held = DEFAULT_MAILBOX_SIZE  # as much as it holds
        for n in range(held):
            pool.tell(n)
        armed.append("armed")
        await clock.advance(1.0)  # the pool restarts, and hands over what it held
        await clock.settle()
        assert armed == ["armed", "sent"]
        copies = size if routing == "broadcast" else 1
        assert sum(message == "mine" for _, message in seen) == copies
        assert len(seen) == (held + 1) * copies
        assert system.accounting().balanced
