"""Pools: `pool_round_robin`, `pool_consistent_hash`: tells through a pool of 4 members
against a hand-written router over 4 raw queue consumers (`itertools.cycle` for round robin,
`hash(key) % 4` for hashing, the simplest sticky routing one would write)."""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any, Protocol, cast

from actorkit import ActorRef, ActorSystem

from ._harness import Bench, Figures, Metric, Side, Stopwatch
from .messaging import Counter, RawActor, Target, check

POOL_SIZE = 4


def key(message: int) -> int:
    """The consistent-hash key: the message itself (both sides)."""
    return message


class PoolTarget(Protocol):
    @property
    def members(self) -> Sequence[Target]: ...

    def tell(self, message: Any, /) -> None: ...


class RawPool:
    """N raw queue consumers behind a hand-written router."""

    def __init__(self, routing: str, size: int) -> None:
        self.members = [RawActor(Counter().receive) for _ in range(size)]
        puts = [member.queue.put_nowait for member in self.members]
        if routing == "round_robin":
            following = itertools.cycle(puts).__next__

            def tell(message: Any) -> None:
                following()(message)

        else:

            def tell(message: Any) -> None:
                puts[hash(key(message)) % size](message)

        self.tell = tell

    async def close(self) -> None:
        for member in self.members:
            await member.close()


@contextlib.asynccontextmanager
async def actorkit_pool(routing: str) -> AsyncIterator[PoolTarget]:
    async with ActorSystem("bench") as system:
        pool = await system.spawn_pool(
            Counter,
            size=POOL_SIZE,
            routing=routing,
            hash_key=key if routing == "consistent_hash" else None,
            mailbox_size=None,
        )
        members: list[ActorRef] = cast(Any, pool).members
        check(len(members), POOL_SIZE)
        target = cast(PoolTarget, pool)
        yield _Pool(target.tell, members)


class _Pool:
    def __init__(self, tell: Callable[[Any], None], members: Sequence[Target]) -> None:
        self.tell = tell
        self.members = members


@contextlib.asynccontextmanager
async def raw_pool(routing: str) -> AsyncIterator[PoolTarget]:
    pool = RawPool(routing, POOL_SIZE)
    try:
        yield pool
    finally:
        await pool.close()


async def pool_tell(pool: PoolTarget, n: int) -> Figures:
    """n tells through the pool, then one ask to each member behind them."""
    tell = pool.tell
    with Stopwatch() as watch:
        for i in range(n):
            tell(i)
        totals = [await member.ask(0, timeout=60.0) for member in pool.members]
    check(sum(totals), n * (n - 1) // 2)
    return {"rate": n / watch.seconds}


def pool_sides(routing: str) -> tuple[Side, Side]:
    def side(opener: Callable[[str], contextlib.AbstractAsyncContextManager[PoolTarget]]) -> Side:
        async def run(n: int) -> Figures:
            async with opener(routing) as pool:
                return await pool_tell(pool, n)

        return run

    return side(actorkit_pool), side(raw_pool)


BENCHES = [
    Bench(
        "pool_round_robin",
        *pool_sides("round_robin"),
        (Metric("rate", "msgs/s", target=0.7),),
        size=200_000,
        quick_size=20_000,
    ),
    Bench(
        "pool_consistent_hash",
        *pool_sides("consistent_hash"),
        (Metric("rate", "msgs/s", target=1.0),),
        size=200_000,
        quick_size=20_000,
    ),
]
