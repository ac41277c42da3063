"""The ask workloads of `shapes`, each written once over a `spawn` that gives an actorkit ref
or a raw actor, so that both sides run the same handlers and the same client code.

Two raw sides: `RawActor`, whose `ask` is a coroutine (as everywhere in `benchmarks`), and
`FutureActor`, whose `ask` puts the request and returns its future, with no coroutine at all:
what a hand-written program that keeps a future per request naturally writes, and the leaner
of the two where asks are gathered, since `asyncio.gather` wraps every coroutine in a task
but takes a future as it is.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from actorkit import Actor

from ._harness import Figures, Side, Stopwatch
from .messaging import Counter, Echo, RawActor, Request, check
from .savina._common import Raw, system

CHAIN = 3
WORKERS = 10
CLIENTS = 100


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


async def single(spawn: Spawn, n: int) -> Figures:
    """The `ask` bench's shape: sequential asks of one echo actor."""
    return await sequential(await spawn(Echo), n, 1, 0)


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


class FutureActor(RawActor):
    """A raw actor whose `ask` is a plain call that returns the reply's future."""

    def ask(self, message: object, timeout: float = 5.0) -> asyncio.Future[Any]:  # type: ignore[override]
        future = asyncio.get_running_loop().create_future()
        self.queue.put_nowait(Request(message, future))
        return future


class Hand(Raw):
    """Raw actors of one kind, each running a fresh instance's `receive` (these handlers
    never use `self.ref`)."""

    def __init__(self, kind: type[RawActor]) -> None:
        super().__init__()
        self.kind = kind

    async def spawn_one(self, factory: type[Actor], *args: Any) -> RawActor:
        actor = self.kind(factory(*args).receive)
        self.actors.append(actor)
        return actor


Workload = Callable[[Spawn, int], Awaitable[Figures]]


def on_actorkit(workload: Workload) -> Side:
    """The workload over actors spawned in `ActorSystem()` defaults."""

    async def run(n: int) -> Figures:
        async with system() as actors:
            return await workload(actors.spawn, n)

    return run


def by_hand(workload: Workload, kind: type[RawActor] = RawActor) -> Side:
    async def run(n: int) -> Figures:
        hand = Hand(kind)
        try:
            return await workload(hand.spawn_one, n)
        finally:
            await hand.close()

    return run


def both(workload: Workload) -> tuple[Side, Side]:
    return on_actorkit(workload), by_hand(workload)


FUTURE_SHAPES = {"ask": single, "chain": chain, "scatter": scatter_gather, "many": many_askers}


def each_shape(side: Callable[[Workload], Side]) -> Side:
    """One side running every shape of `FUTURE_SHAPES`, at n / 4 for `scatter`."""
    sides = {name: side(workload) for name, workload in FUTURE_SHAPES.items()}
    sizes = {"ask": 1.0, "chain": 1.0, "scatter": 0.25, "many": 5.0}

    async def run(n: int) -> Figures:
        return {name: (await sides[name](int(n * sizes[name])))["rate"] for name in sides}

    return run


FUTURE_SIDES = (each_shape(on_actorkit), each_shape(lambda w: by_hand(w, FutureActor)))
