"""Request shapes an outside user writes with asks, which the tuned benchmarks do not cover.

Issue 14 asks actorkit to beat hand-written asyncio on every actor workload, not only batched
ones, and says the workloads will be re-implemented independently. These are the shapes such a
re-implementation reaches for first; each is run against the raw side of `savina._common` (a
task and an `asyncio.Queue` per actor, a future per reply), both sides calling the same handler:

- `shape_ask_chain`: a client asks A, whose handler asks B, whose handler asks C; the replies
  flow back (three nested asks per request, every actor parked between requests);
- `shape_scatter_gather`: a client asks a coordinator, whose handler asks 10 workers at once
  (`asyncio.gather` of asks) and sums their replies;
- `shape_many_askers`: 100 client tasks, each asking one shared actor in a loop (one actor,
  many parked askers);
- `shape_pool_askers`: the same 100 clients asking a `round_robin` pool of 4;
- `shape_ask_short_timeout`: sequential asks with a 50 ms timeout; the raw side bounds its
  wait with `asyncio.timeout(0.05)`, as a hand-written client with that timeout does.

`_shapes_flow` holds the flow shapes (a backpressured pipeline, publish to parked
subscribers). `python -m benchmarks --only shapes` runs them all; none has a target yet.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable
from typing import Any

from actorkit import Actor

from ._harness import Bench, Figures, Metric, Side, Stopwatch
from ._shapes_flow import BENCHES as FLOW
from .messaging import Counter, Echo, RawActor, check
from .savina._common import raw_actors, system

CHAIN = 3
WORKERS = 10
CLIENTS = 100
POOL = 4
SHORT = 0.05


class Hop(Actor):
    """Adds one and asks the next hop, from inside its handler; the last hop answers."""

    def __init__(self, after: Any) -> None:
        self.after = after

    async def receive(self, message: int) -> int:
        if self.after is None:
            return message + 1
        answer: int = await self.after.ask(message + 1, timeout=5.0)
        return answer


class Coordinator(Actor):
    """Asks every worker at once and answers with the sum of their replies."""

    def __init__(self, workers: list[Any]) -> None:
        self.workers = workers

    async def receive(self, message: int) -> int:
        replies = await asyncio.gather(*[w.ask(message, timeout=5.0) for w in self.workers])
        return sum(replies)


Spawn = Callable[..., Awaitable[Any]]
"""`spawn(factory, *args)` on either side: an `ActorRef` or a raw actor."""


async def sequential(front: Any, n: int, factor: int, offset: int) -> Figures:
    """n requests one after the other; request i must be answered `i * factor + offset`."""
    ask = front.ask
    with Stopwatch() as watch:
        for i in range(n):
            answer = await ask(i, timeout=5.0)
            if answer != i * factor + offset:
                check(answer, i * factor + offset)
    return {"rate": n / watch.seconds}


async def chain(spawn: Spawn, n: int) -> Figures:
    hop = None
    for _ in range(CHAIN):
        hop = await spawn(Hop, hop)
    return await sequential(hop, n, 1, CHAIN)


async def scatter_gather(spawn: Spawn, n: int) -> Figures:
    workers = [await spawn(Echo) for _ in range(WORKERS)]
    figures = await sequential(await spawn(Coordinator, workers), n, WORKERS, 0)
    return {"rate": figures["rate"], "asks": figures["rate"] * (WORKERS + 1)}


async def crowd(target: Any, n: int) -> Figures:
    """CLIENTS tasks share n asks of `Counter` (each adds 1); the count is checked at the end."""
    each = n // CLIENTS

    async def client() -> int:
        ask = target.ask
        last = 0
        for _ in range(each):
            count = await ask(1, timeout=5.0)
            if count <= last:
                check(count > last, True)
            last = count
        return last

    with Stopwatch() as watch:
        await asyncio.gather(*[client() for _ in range(CLIENTS)])
    check(await target.ask(0, timeout=5.0), each * CLIENTS)
    return {"rate": each * CLIENTS / watch.seconds}


async def many_askers(spawn: Spawn, n: int) -> Figures:
    return await crowd(await spawn(Counter), n)


class RawPool:
    """A hand-written round-robin pool: `itertools.cycle` over raw actors; an ask goes to
    the next member, as a tell does."""

    def __init__(self, members: list[RawActor]) -> None:
        self.members = members
        self.turn = itertools.cycle(members)

    async def ask(self, message: object, timeout: float = 5.0) -> Any:
        return await next(self.turn).ask(message, timeout)


async def pool_crowd(pool: Any, n: int) -> Figures:
    """`crowd` over a pool of `Echo`: every reply is checked, as a pool has no single count."""
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


Workload = Callable[[Spawn, int], Awaitable[Figures]]


def both(workload: Workload) -> tuple[Side, Side]:
    """The workload over actors spawned in `ActorSystem()` defaults, and over raw actors."""

    async def on_actorkit(n: int) -> Figures:
        async with system() as actors:
            return await workload(actors.spawn, n)

    async def by_hand(n: int) -> Figures:
        async with raw_actors() as raw:

            async def spawn(factory: type[Actor], *args: Any) -> Any:
                return raw.spawn(factory, *args)

            return await workload(spawn, n)

    return on_actorkit, by_hand


async def pool_actorkit(n: int) -> Figures:
    async with system() as actors:
        return await pool_crowd(await actors.spawn_pool(Echo, size=POOL), n)


async def pool_raw(n: int) -> Figures:
    async with raw_actors() as raw:
        return await pool_crowd(RawPool([raw.spawn(Echo) for _ in range(POOL)]), n)


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
    shape("shape_pool_askers", (pool_actorkit, pool_raw), 100_000),
    shape("shape_ask_short_timeout", (short_actorkit, short_raw), 20_000),
    *FLOW,
]
GROUP = "shapes"

__all__ = ["BENCHES", "GROUP"]
