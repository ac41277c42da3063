"""Actor lifecycle: spawning idle actors, their memory, and stopping them all; and stopping
one actor with a full queue.

A `Population` is n idle actors (actorkit; spawned by the system, or by an actor from inside
its handler) or n idle consumer tasks, each on its own `asyncio.Queue` (baseline);
`lifecycle` times spawning and stopping one, then measures the memory of another in a
separate, traced pass. `stop_queued` stops an actor holding a message with n queued behind
it, against a consumer task that finishes its message and then drains its queue, counting
what it drops.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Protocol

from actorkit import Actor, ActorStopped, ActorSystem, NotDelivered

from ._harness import Bench, Figures, Metric, Stopwatch, kib_each, rss_bytes
from .messaging import Request, check, consume


class Idle(Actor):
    """No `on_start`, so spawn does not wait for the actor's first turn."""


async def idle(message: object) -> None:
    """The baseline consumers' handler (never called: nobody sends to them)."""


class Population(Protocol):
    async def open(self) -> None: ...
    async def spawn(self, n: int) -> None: ...
    async def stop(self) -> None: ...


class Actors:
    def __init__(self) -> None:
        self.system = ActorSystem("bench")

    async def open(self) -> None:
        await self.system.start()

    async def spawn(self, n: int) -> None:
        spawn = self.system.spawn
        for _ in range(n):
            await spawn(Idle)

    async def stop(self) -> None:
        await self.system.shutdown()


class Parent(Actor):
    """Spawns as many idle children as it is asked to, from inside its own handler."""

    async def receive(self, n: int) -> None:
        spawn = self.spawn
        for _ in range(n):
            await spawn(Idle)


class Children:
    """Idle actors spawned by an actor (the path of `self.spawn`), stopped with the system."""

    def __init__(self) -> None:
        self.system = ActorSystem("bench")

    async def open(self) -> None:
        await self.system.start()
        self.parent = await self.system.spawn(Parent)

    async def spawn(self, n: int) -> None:
        await self.parent.ask(n, timeout=600.0)

    async def stop(self) -> None:
        await self.system.shutdown()


class Tasks:
    def __init__(self) -> None:
        self.tasks: list[asyncio.Task[None]] = []

    async def open(self) -> None:
        pass

    async def spawn(self, n: int) -> None:
        create_task = asyncio.get_running_loop().create_task
        self.tasks += [create_task(consume(asyncio.Queue(), idle)) for _ in range(n)]

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


async def lifecycle(make: type[Population], n: int, *, memory: bool) -> Figures:
    """Spawn n (until each has reached its first wait), stop them all; then, if `memory`,
    the traced memory per actor of a fresh population."""
    population = make()
    await population.open()
    with Stopwatch() as spawning:
        await population.spawn(n)
        await asyncio.sleep(0)
    with Stopwatch() as stopping:
        await population.stop()
    figures = {"rate": n / spawning.seconds, "stop": stopping.seconds}
    if memory:
        population = make()
        await population.open()
        figures["memory"] = await kib_each(n, partial(population.spawn, n))
        await population.stop()
    return figures


async def million(n: int) -> Figures:
    """n idle actors at once: the process's resident memory with all of them alive (1M in
    at most 2.5 GiB), what each added to it, and the spawn and stop times. actorkit
    only: a baseline in the same process would inherit the first side's freed arenas."""
    before = rss_bytes()
    population = Actors()
    await population.open()
    with Stopwatch() as spawning:
        await population.spawn(n)
        await asyncio.sleep(0)
    after = rss_bytes()
    with Stopwatch() as stopping:
        await population.stop()
    return {
        "rss": after / 2**30,
        "kib_each": (after - before) / n / 1024,
        "rate": n / spawning.seconds,
        "stop": stopping.seconds,
    }


class Holds(Actor):
    """Holds its first message until released, so that the rest queue behind it."""

    def __init__(self, holding: asyncio.Event, release: asyncio.Event) -> None:
        self.holding, self.release = holding, release

    async def receive(self, message: object) -> None:
        if message == "hold":
            self.holding.set()
            await self.release.wait()


async def stop_queued(n: int) -> Figures:
    """The stop of an actor in a handler with n messages queued, one in a hundred an ask:
    each tell a dead letter `stopping`, each ask one too and failed with `NotDelivered`."""
    asks = n // 100
    async with ActorSystem("bench") as system:
        holding, release = asyncio.Event(), asyncio.Event()
        ref = await system.spawn(Holds, holding, release, mailbox_size=None)
        ref.tell("hold")
        await holding.wait()
        for i in range(n - asks):
            ref.tell(i)
        asked = [asyncio.ensure_future(ref.ask(i, timeout=600.0)) for i in range(asks)]
        await asyncio.sleep(0)  # the asks are queued
        with Stopwatch() as watch:
            stopping = asyncio.ensure_future(ref.stop())
            await asyncio.sleep(0)  # the stop is asked for: the held message finishes first
            release.set()
            await stopping
        answers = await asyncio.gather(*asked, return_exceptions=True)
        check(sum(type(answer) is NotDelivered for answer in answers), asks)
        check(system.dead_letters.by_reason, {"stopping": n})
    return {"rate": n / watch.seconds}


async def raw_stop_queued(n: int) -> Figures:
    """A consumer task asked to stop finishes its message, then drains its queue: asks
    fail, the rest are counted lost."""
    asks = n // 100
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[object] = asyncio.Queue()
    holding, release = asyncio.Event(), asyncio.Event()
    stopped, lost = [False], [0]

    async def run() -> None:
        while not stopped[0]:
            if await queue.get() == "hold":
                holding.set()
                await release.wait()
        while not queue.empty():
            message = queue.get_nowait()
            if type(message) is Request:
                message.future.set_exception(ActorStopped("stopped before handling it"))
            else:
                lost[0] += 1

    task = loop.create_task(run())
    queue.put_nowait("hold")
    await holding.wait()
    for i in range(n - asks):
        queue.put_nowait(i)
    asked = [loop.create_future() for _ in range(asks)]
    for i, future in enumerate(asked):
        queue.put_nowait(Request(i, future))
    with Stopwatch() as watch:
        stopped[0] = True
        release.set()
        await task
    answers = await asyncio.gather(*asked, return_exceptions=True)
    check((sum(type(a) is ActorStopped for a in answers), lost[0]), (asks, n - asks))
    return {"rate": n / watch.seconds}


RATE = Metric("rate", "actors/s", target=1.0)

BENCHES = [
    Bench(
        "spawn",
        partial(lifecycle, Actors, memory=True),
        partial(lifecycle, Tasks, memory=True),
        (RATE, Metric("memory", "KiB/actor", higher_is_better=False, target=1.5)),
        size=10_000,
        quick_size=2_000,
    ),
    Bench(
        "spawn_child",
        partial(lifecycle, Children, memory=False),
        partial(lifecycle, Tasks, memory=False),
        (RATE,),
        size=10_000,
        quick_size=2_000,
    ),
    Bench(
        "spawn_100k",
        partial(lifecycle, Actors, memory=False),
        partial(lifecycle, Tasks, memory=False),
        (Metric("rate", "actors/s"), Metric("stop", "s", higher_is_better=False, target=1.0)),
        size=100_000,
        quick_size=None,
    ),
    Bench(
        "stop_queued",
        stop_queued,
        raw_stop_queued,
        (Metric("rate", "queued msgs/s", target=1.0),),
        size=100_000,
        quick_size=10_000,
    ),
    Bench(
        "spawn_1m",
        million,
        None,
        (
            Metric("rss", "GiB", higher_is_better=False, target=2.5, absolute=True),
            Metric("kib_each", "KiB/actor RSS", higher_is_better=False),
            Metric("rate", "actors/s"),
            Metric("stop", "s", higher_is_better=False),
        ),
        size=1_000_000,
        quick_size=None,
        explicit=True,
        max_runs=1,
    ),
]
