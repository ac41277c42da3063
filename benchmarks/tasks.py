"""Task throughput: 100,000 tasks over 100 agents with 5 capability mixes, against a plain
`asyncio.PriorityQueue` drained by 100 consumer tasks, both on the same uvloop loop.

Every task is submitted in one burst and then awaited, so most of them wait in the queue and
each finished task pulls the next one. The baseline does no capability matching and has no
deadlines, retries or status: `ratio` is the price of all of that, per task. Two handlers:
`instant` returns at once, so a baseline consumer drains the queue without ever yielding
(the harshest comparison); `one_await` awaits once per task, as an agent doing I/O would.

Run: python -m benchmarks --only tasks [--runs N] [--check] [--profile]. Both handlers run in
each run of a side, so a run handles 2n tasks.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

from actorkit import Actor, ActorSystem, Task

from ._harness import Bench, Figures, Metric, Side

AGENTS = 100
AGENT_MIXES: list[tuple[str, ...]] = [
    ("cpu",),
    ("cpu", "en"),
    ("cpu", "fr"),
    ("cpu", "gpu"),
    ("cpu", "en", "fr", "gpu"),
]
"""Twenty agents of each mix; every task requirement below can be served by some of them."""
TASK_MIXES: list[tuple[str, ...]] = [(), ("en",), ("fr",), ("gpu",), ("en", "fr")]
PRIORITIES = 10


Work = Callable[[int], Awaitable[int]]


async def instant(payload: int) -> int:
    return payload


async def one_await(payload: int) -> int:
    """Stands for an agent that awaits I/O once per task: every handler yields to the loop."""
    await asyncio.sleep(0)
    return payload


WORKS: dict[str, Work] = {"instant": instant, "one_await": one_await}
"""Both sides run the same handler, so a difference is the scheduling alone."""


class Agent(Actor):
    def __init__(self, work: Work) -> None:
        self.work = work

    async def receive(self, message: Task) -> Any:
        return await self.work(message.payload)


def workload(n: int) -> list[tuple[int, tuple[str, ...]]]:
    rng = random.Random(42)
    return [(rng.randrange(PRIORITIES), rng.choice(TASK_MIXES)) for _ in range(n)]


async def actorkit_side(work: Work, tasks: list[tuple[int, tuple[str, ...]]]) -> float:
    async with ActorSystem("bench") as system:
        for i in range(AGENTS):
            await system.spawn(Agent, work, capabilities=AGENT_MIXES[i % len(AGENT_MIXES)])
        start = time.perf_counter()
        submit = system.submit
        handles = [
            await submit(i, priority, requires=requires)
            for i, (priority, requires) in enumerate(tasks)
        ]
        for handle in handles:
            await handle
        seconds = time.perf_counter() - start
    return len(tasks) / seconds


async def baseline_side(work: Work, tasks: list[tuple[int, tuple[str, ...]]]) -> float:
    loop = asyncio.get_running_loop()
    queue: asyncio.PriorityQueue[tuple[int, int, int, asyncio.Future[int]]] = (
        asyncio.PriorityQueue()
    )

    async def consumer() -> None:
        while True:
            _, _, payload, future = await queue.get()
            future.set_result(await work(payload))

    consumers = [loop.create_task(consumer()) for _ in range(AGENTS)]
    await asyncio.sleep(0)
    start = time.perf_counter()
    futures = []
    for i, (priority, _) in enumerate(tasks):
        future: asyncio.Future[int] = loop.create_future()
        queue.put_nowait((-priority, i, i, future))
        futures.append(future)
    for future in futures:
        await future
    seconds = time.perf_counter() - start
    for task in consumers:
        task.cancel()
    await asyncio.gather(*consumers, return_exceptions=True)
    return len(tasks) / seconds


def side(run: Callable[[Work, list[tuple[int, tuple[str, ...]]]], Awaitable[float]]) -> Side:
    async def both_handlers(n: int) -> Figures:
        tasks = workload(n)
        return {name: await run(work, tasks) for name, work in WORKS.items()}

    return both_handlers


BENCHES = [
    Bench(
        "tasks",
        side(actorkit_side),
        side(baseline_side),
        (
            Metric("instant", "tasks/s", target=0.5),
            Metric("one_await", "tasks/s", target=0.5),
        ),
        size=100_000,
        quick_size=10_000,
        baseline_is="asyncio.PriorityQueue, 100 consumers",
        per_n=2,
    ),
]
