"""Request shapes an outside user writes with asks, which the tuned benchmarks do not cover.

Issue 14 asks actorkit to beat hand-written asyncio on every actor workload, not only batched
ones, and says the workloads will be re-implemented independently. These are the shapes such a
re-implementation reaches for first; each is run against raw actors as `savina._common` has
them (a task and an `asyncio.Queue` per actor, a future per reply), both sides calling the
same handlers:

- `shape_ask_chain`: a client asks A, whose handler asks B, whose handler asks C; the replies
  flow back (three nested asks per request, every actor parked between requests);
- `shape_scatter_gather`: a client asks a coordinator, whose handler asks 10 workers at once
  (`asyncio.gather` of asks) and sums their replies;
- `shape_many_askers`: 100 client tasks, each asking one shared actor in a loop (one actor,
  many parked askers);
- `shape_pool_askers`: the same 100 clients asking a pool of 4, one figure per routing
  (`round_robin`, `random`, `least_loaded`, `consistent_hash`) against the same routing by
  hand;
- `shape_ask_short_timeout`: sequential asks with a 50 ms timeout; the raw side bounds its
  wait with `asyncio.timeout(0.05)`, as a hand-written client with that timeout does;
- `shape_future_asks`: sequential asks, the chain, scatter-gather and many askers again,
  against raw actors whose `ask` returns the reply's future instead of a coroutine
  (`_shapes_asks.FutureActor`), the leaner way to write them by hand.

`_shapes_asks` holds the ask workloads, `_shapes_flow` the flow shapes (a backpressured
pipeline, sends into a pool, publish to parked subscribers). `python -m benchmarks --only
shapes` runs them all; none has a target yet.
"""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import Awaitable, Callable
from typing import Any

from ._harness import Bench, Figures, Metric, Side, Stopwatch
from ._shapes_asks import CLIENTS, FUTURE_SIDES, both, chain, many_askers, scatter_gather
from ._shapes_flow import BENCHES as FLOW
from .messaging import Echo, RawActor, check
from .savina._common import raw_actors, system

POOL = 4
ROUTINGS = ("round_robin", "random", "least_loaded", "consistent_hash")
SHORT = 0.05


class RawPool:
    """A hand-written pool over raw actors, one method per routing: an ask is the chosen
    member's ask, with no coroutine of the pool's own (a client picking the member itself
    would write no more). `consistent_hash` is `hash(key) % size`, as in `pools`."""

    def __init__(self, members: list[RawActor], routing: str) -> None:
        self.members = members
        self.turn = itertools.cycle(members)
        self.ask: Callable[..., Awaitable[Any]] = getattr(self, routing)

    def round_robin(self, message: object, timeout: float = 5.0) -> Awaitable[Any]:
        return next(self.turn).ask(message, timeout)

    def random(self, message: object, timeout: float = 5.0) -> Awaitable[Any]:
        return random.choice(self.members).ask(message, timeout)

    def least_loaded(self, message: object, timeout: float = 5.0) -> Awaitable[Any]:
        return min(self.members, key=lambda member: member.queue.qsize()).ask(message, timeout)

    def consistent_hash(self, message: object, timeout: float = 5.0) -> Awaitable[Any]:
        return self.members[hash(message) % len(self.members)].ask(message, timeout)


async def pool_crowd(pool: Any, n: int) -> Figures:
    """`_shapes_asks.crowd` over a pool of `Echo`: every reply is checked, as a pool has no
    single count."""
    each = n // CLIENTS

    async def client(index: int) -> None:
        ask = pool.ask
        for i in range(each):
            answer = await ask(index + i, timeout=5.0)
            if answer != index + i:
                check(answer, index + i)

    with Stopwatch() as watch:
        await asyncio.gather(*[client(index) for index in range(CLIENTS)])
    return {"rate": each * CLIENTS / watch.seconds}


class ShortRaw(RawActor):
    """A raw actor whose asks are bounded by their timeout, as `asyncio.timeout` does it."""

    async def ask(self, message: object, timeout: float = 5.0) -> Any:
        async with asyncio.timeout(timeout):
            return await RawActor.ask(self, message)


async def short_asks(target: Any, n: int) -> Figures:
    ask = target.ask
    with Stopwatch() as watch:
        for i in range(n):
            answer = await ask(i, timeout=SHORT)
            if answer != i:
                check(answer, i)
    return {"rate": n / watch.seconds}


async def pool_actorkit(n: int) -> Figures:
    rates = {}
    for routing in ROUTINGS:
        async with system() as actors:
            hash_key = identity if routing == "consistent_hash" else None
            pool = await actors.spawn_pool(Echo, size=POOL, routing=routing, hash_key=hash_key)
            rates[routing] = (await pool_crowd(pool, n))["rate"]
    return rates


async def pool_raw(n: int) -> Figures:
    rates = {}
    for routing in ROUTINGS:
        async with raw_actors() as raw:
            pool = RawPool([raw.spawn(Echo) for _ in range(POOL)], routing)
            rates[routing] = (await pool_crowd(pool, n))["rate"]
    return rates


def identity(message: object) -> object:
    return message


async def short_actorkit(n: int) -> Figures:
    async with system() as actors:
        return await short_asks(await actors.spawn(Echo), n)


async def short_raw(n: int) -> Figures:
    actor = ShortRaw(Echo().receive)
    try:
        return await short_asks(actor, n)
    finally:
        await actor.close()


def shape(name: str, sides: tuple[Side, Side], size: int, *metrics: Metric) -> Bench:
    return Bench(
        name,
        *sides,
        metrics or (Metric("rate", "requests/s"),),
        size=size,
        quick_size=size // 20,
        explicit=True,
    )


BENCHES: list[Bench] = [
    shape(
        "shape_ask_chain",
        both(chain),
        20_000,
        Metric("rate", "requests/s"),
    ),
    shape(
        "shape_scatter_gather",
        both(scatter_gather),
        5_000,
        Metric("rate", "requests/s"),
        Metric("asks", "asks/s"),
    ),
    shape("shape_many_askers", both(many_askers), 100_000),
    shape(
        "shape_pool_askers",
        (pool_actorkit, pool_raw),
        100_000,
        *(Metric(routing, "requests/s") for routing in ROUTINGS),
    ),
    shape("shape_ask_short_timeout", (short_actorkit, short_raw), 20_000),
    shape(
        "shape_future_asks",
        FUTURE_SIDES,
        20_000,
        *(Metric(name, "requests/s") for name in ("ask", "chain", "scatter", "many")),
    ),
    *FLOW,
]
GROUP = "shapes"

__all__ = ["BENCHES", "GROUP"]
