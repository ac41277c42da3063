"""Task throughput: 100,000 tasks over 100 agents with 5 capability mixes, against a plain
`asyncio.PriorityQueue` drained by 100 consumer tasks, both on the same uvloop loop.

Every task is submitted in one burst and then awaited, so most of them wait in the queue and
each finished task pulls the next one. The baseline does no capability matching and has no
deadlines, retries or status: `ratio` is the price of all of that, per task. Two handlers:
`instant` returns at once, so a baseline consumer drains the queue without ever yielding
(the harshest comparison); `one_await` awaits once per task, as an agent doing I/O would.

Run: python benchmarks/tasks.py [--quick] [--runs N] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import json
import pstats
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

# Runnable as a plain script from a checkout that has not been pip-installed.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import actorkit
from actorkit import Actor, ActorSystem, Task

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


async def measure(name: str, n: int, runs: int) -> dict[str, Any]:
    work = WORKS[name]
    tasks = workload(n)
    sides = {"actorkit": actorkit_side, "baseline": baseline_side}
    rates: dict[str, list[float]] = {side: [] for side in sides}
    for run in range(runs):
        order = list(sides) if run % 2 == 0 else list(reversed(sides))
        for side in order:
            gc.collect()
            rates[side].append(await sides[side](work, tasks))
    actorkit_rate = statistics.median(rates["actorkit"])
    baseline_rate = statistics.median(rates["baseline"])
    return {
        "bench": "tasks",
        "handler": name,
        "actorkit": round(actorkit_rate),
        "baseline": round(baseline_rate),
        "ratio": round(actorkit_rate / baseline_rate, 3),
        "unit": "tasks/s",
        "n": n,
        "agents": AGENTS,
        "runs": runs,
        "loop": type(asyncio.get_running_loop()).__module__.split(".")[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10,000 tasks, one run per side")
    parser.add_argument("--runs", type=int, help="runs per side (median); default 3, 1 if quick")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the actorkit side once instead"
    )
    args = parser.parse_args()
    n = 10_000 if args.quick else 100_000
    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(actorkit.run, actorkit_side(instant, workload(n)))
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(15)
        return
    runs = args.runs or (1 if args.quick else 3)
    for name in WORKS:
        print(json.dumps(actorkit.run(measure(name, n, runs))), flush=True)


if __name__ == "__main__":
    main()
