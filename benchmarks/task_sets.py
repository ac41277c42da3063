"""Tasks over many capability and requirement sets: K agents with capabilities
`{"a", "b<i>"}`, tasks requiring `{"a"}`, `{"b<i>"}` or both (random i), priorities 0-3,
submitted in one burst and awaited in turn; against a hand-written dispatcher (a heap per
requirement set, a set of idle agents, a worker task and queue per agent) on the same loop.

There are 2K+1 requirement sets and every agent fits `{"a"}`: assignment must cost no more
per task at K=1000 than at K=10 (`k10` against `k1000`), which it does only if nothing is
scanned per set (see `actorkit._tasks._idle` and `_compatible`). The baseline knows the shape
of the sets and looks up three heaps per agent. The figure is tasks per second from the
first submit until the last handle is awaited; the agents and workers are made before.

Run: python -m benchmarks --only task_sets [--runs N] [--check].
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

from actorkit import Actor, ActorSystem, Task

from ._harness import Bench, Figures, Metric

AGENTS = {"k10": 10, "k1000": 1000}
Work = list[tuple[tuple[str, ...], int]]
"""Each task's requirements and priority."""
Entry = tuple[int, int, int, "asyncio.Future[int]"]


def workload(k: int, n: int) -> Work:
    rng = random.Random(1)
    tasks: Work = []
    for _ in range(n):
        i, kind = rng.randrange(k), rng.randrange(3)
        needs = ("a",) if kind == 0 else (f"b{i}",) if kind == 1 else ("a", f"b{i}")
        tasks.append((needs, rng.randrange(4)))
    return tasks


class Agent(Actor):
    async def receive(self, message: Task) -> Any:
        return message.payload


async def actorkit_side(k: int, tasks: Work) -> float:
    async with ActorSystem("bench", metrics=False) as system:
        for i in range(k):
            await system.spawn(Agent, capabilities=("a", f"b{i}"))
        start = time.perf_counter()
        submit = system.submit
        handles = [
            await submit(j, priority=priority, requires=needs)
            for j, (needs, priority) in enumerate(tasks)
        ]
        for handle in handles:
            await handle
        return len(tasks) / (time.perf_counter() - start)


class Dispatcher:
    """What an application would write knowing its sets: agent i serves `{"a"}`, `{"b<i>"}`
    and `{"a", "b<i>"}`; a task goes to any idle agent that fits, a free agent takes the best
    head of its three heaps."""

    def __init__(self, k: int) -> None:
        loop = asyncio.get_running_loop()
        self.pending: dict[tuple[str, ...], list[Entry]] = {}
        self.seq = itertools.count()
        self.idle = set(range(k))
        self.queues: list[asyncio.Queue[Entry]] = [asyncio.Queue() for _ in range(k)]
        self.serves = [(("a",), (f"b{i}",), ("a", f"b{i}")) for i in range(k)]
        self.workers = [loop.create_task(self.work(i)) for i in range(k)]

    def submit(self, payload: int, priority: int, needs: tuple[str, ...]) -> asyncio.Future[int]:
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        entry = (-priority, next(self.seq), payload, future)
        if needs == ("a",):
            if self.idle:
                self.queues[self.idle.pop()].put_nowait(entry)
                return future
        else:
            i = int(needs[-1][1:])
            if i in self.idle:
                self.idle.discard(i)
                self.queues[i].put_nowait(entry)
                return future
        heapq.heappush(self.pending.setdefault(needs, []), entry)
        return future

    def free(self, i: int) -> None:
        best: list[Entry] | None = None
        for needs in self.serves[i]:
            heap = self.pending.get(needs)
            if heap and (best is None or heap[0][:2] < best[0][:2]):
                best = heap
        if best is None:
            self.idle.add(i)
        else:
            self.queues[i].put_nowait(heapq.heappop(best))

    async def work(self, i: int) -> None:
        queue = self.queues[i]
        while True:
            _, _, payload, future = await queue.get()
            future.set_result(payload)
            self.free(i)


async def baseline_side(k: int, tasks: Work) -> float:
    dispatcher = Dispatcher(k)
    await asyncio.sleep(0)
    start = time.perf_counter()
    futures = [dispatcher.submit(j, priority, needs) for j, (needs, priority) in enumerate(tasks)]
    for future in futures:
        await future
    seconds = time.perf_counter() - start
    for worker in dispatcher.workers:
        worker.cancel()
    await asyncio.gather(*dispatcher.workers, return_exceptions=True)
    return len(tasks) / seconds


def side(run: Callable[[int, Work], Awaitable[float]]) -> Callable[[int], Awaitable[Figures]]:
    async def both_sizes(n: int) -> Figures:
        return {name: await run(k, workload(k, n)) for name, k in AGENTS.items()}

    return both_sizes


BENCHES = [
    Bench(
        "task_sets",
        side(actorkit_side),
        side(baseline_side),
        (
            Metric("k10", "tasks/s", target=0.5),
            Metric("k1000", "tasks/s", target=0.4),
        ),
        size=40_000,
        quick_size=4_000,
        baseline_is="a heap per requirement set and a queue per agent, hand-written",
        per_n=2,
    ),
]
