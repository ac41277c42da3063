"""Actor lifecycle: spawning idle actors, their memory, and stopping them all.

A `Population` is n idle actors (actorkit; spawned by the system, or by an actor from inside
its handler) or n idle consumer tasks, each on its own `asyncio.Queue` (baseline);
`lifecycle` times spawning and stopping one, then measures the memory of another in a
separate, traced pass.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Protocol

from actorkit import Actor, ActorSystem

from ._harness import Bench, Figures, Metric, Stopwatch, kib_each, rss_bytes
from .messaging import consume


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
