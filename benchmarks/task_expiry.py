"""Tasks that expire: `n` tasks submitted with deadlines that no agent meets, against a
hand-written pending queue with a `call_at` per task that fails its future with the same error.

- `shared`: every task is given the same seconds to start, as a burst submitted with one
  timeout is, so they expire in the order of submission;
- `spread`: 50 ms more or less at random, so tasks expire out of submission order.

The figure is tasks per second of CPU from the first submit until every handle (future) has
been awaited and raised `DeadlineExceeded`: the submits, the expiries and the awaits, while
the wait for the deadlines costs nothing. Counting the submits too keeps the figure from
hanging on which phase a full collection of the garbage collector falls in. No agent is
spawned: every task waits in the index.

Run: python -m benchmarks --only task_expiry [--runs N] [--check].
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import random
import time
from collections.abc import Awaitable, Callable

from actorkit import ActorSystem, DeadlineExceeded

from ._harness import Bench, Figures, Metric

SPREAD = 0.05
"""Seconds over which the `spread` deadlines fall."""
SUBMIT_ALLOWANCE = 20e-6
"""Seconds per submit allowed before the first deadline: the deadlines must all fall after
the burst, or the figure would count the expiry of tasks still being submitted."""

Offsets = list[float]
"""Each task's deadline, in seconds after the least one given."""


def offsets(n: int, spread: bool) -> Offsets:
    if not spread:
        return [0.0] * n
    rng = random.Random(7)
    return [rng.random() * SPREAD for _ in range(n)]


def _least(n: int) -> float:
    return 0.02 + n * SUBMIT_ALLOWANCE


def _too_slow(loop: asyncio.AbstractEventLoop, start: float, n: int) -> None:
    if loop.time() >= start + _least(n):
        raise RuntimeError("the submits ran past the first deadline: raise SUBMIT_ALLOWANCE")


async def actorkit_expiry(deadlines: Offsets) -> float:
    async with ActorSystem("bench", metrics=False) as system:
        loop = asyncio.get_running_loop()
        started, least = loop.time(), _least(len(deadlines))
        start = time.process_time()
        submit = system.submit
        handles = [await submit(i, deadline=least + at) for i, at in enumerate(deadlines)]
        _too_slow(loop, started, len(deadlines))
        for handle in handles:
            with contextlib.suppress(DeadlineExceeded):
                await handle
        return len(deadlines) / (time.process_time() - start)


async def raw_expiry(deadlines: Offsets) -> float:
    loop = asyncio.get_running_loop()
    started, least = loop.time(), _least(len(deadlines))
    start = time.process_time()
    queue: list[tuple[int, int, asyncio.Future[int]]] = []
    pending: dict[int, asyncio.Future[int]] = {}

    def expire(i: int) -> None:
        future = pending.pop(i, None)
        if future is not None:
            future.set_exception(DeadlineExceeded(f"task {i} was not started before its deadline"))

    futures = []
    for i, at in enumerate(deadlines):
        future: asyncio.Future[int] = loop.create_future()
        heapq.heappush(queue, (0, i, future))
        pending[i] = future
        loop.call_at(loop.time() + least + at, expire, i)
        futures.append(future)
    _too_slow(loop, started, len(deadlines))
    for future in futures:
        with contextlib.suppress(DeadlineExceeded):
            await future
    return len(deadlines) / (time.process_time() - start)


def side(run: Callable[[Offsets], Awaitable[float]]) -> Callable[[int], Awaitable[Figures]]:
    async def both_shapes(n: int) -> Figures:
        return {
            "shared": await run(offsets(n, spread=False)),
            "spread": await run(offsets(n, spread=True)),
        }

    return both_shapes


BENCHES = [
    Bench(
        "task_expiry",
        side(actorkit_expiry),
        side(raw_expiry),
        (
            Metric("shared", "tasks/s of CPU", target=0.5),
            Metric("spread", "tasks/s of CPU", target=0.5),
        ),
        size=20_000,
        quick_size=2_000,
        baseline_is="a heap, a dict and loop.call_at per task",
        per_n=2,
    ),
]
