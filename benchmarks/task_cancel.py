"""Pending tasks ended in bulk: `n` tasks that no agent can serve, cancelled one by one, or
failed by a shutdown, against a hand-written pending queue (a heap of entries, a dict of the
live ones by id, an `asyncio.Future` each) whose cancel pops the entry from the dict, blanks
it in the heap and cancels the future.

- `submission`: every task cancelled in the order it was submitted (a batch given up);
- `random`: in a random order (the tasks of one user among many);
- `awaited`: cancelled in submission order, then every handle (future) awaited, which raises
  `TaskCancelled` (`CancelledError`): the error's cost, which the other two leave unpaid as
  asyncio does for a cancelled future nobody awaits;
- `shutdown`: the system shut down with the tasks pending over `SETS` requirement sets, each
  failing with `ActorStopped`, against cancelling every future of the queue.

Each figure is microseconds of CPU per task for that phase alone (the submits are not
counted), after a full collection of the garbage collector: one falling in a phase would
charge it for the garbage of the phases before. Metrics are on, as by default: a cancel is
counted and its time since the submit goes into the tasks' histogram.

The ceilings, 8 and 20 times the queue's cost, sit above what a cancel in submission order
and a shutdown cost (4.7-5.6 and 6.7-7.5 times) and below what they cost with a
`TaskCancelled` built per cancel (15-17) and with every requirement set's head compared per
task at shutdown (some 165). `random` and `awaited` have none: the one is bound by memory
(the queue's own cost doubles between runs), the other by the error each await raises, on
both sides.

Run: python -m benchmarks --only task_cancel [--runs N] [--check].
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import heapq
import random
import time
from typing import Any

from actorkit import ActorSystem, TaskCancelled

from ._harness import Bench, Figures, Metric

NOBODY = ("nobody",)
"""A requirement no agent has (none is spawned): every task stays pending."""
SETS = 1_000
"""Requirement sets the `shutdown` tasks are spread over."""


def shuffled(n: int) -> list[int]:
    order = list(range(n))
    random.Random(7).shuffle(order)
    return order


def started() -> float:
    gc.collect()
    return time.process_time()


def per_task_us(start: float, n: int) -> float:
    return (time.process_time() - start) / n * 1e6


async def actorkit_cancels(n: int, order: list[int] | None, awaited: bool = False) -> float:
    async with ActorSystem("bench") as system:
        submit = system.submit
        handles = [await submit(i, requires=NOBODY) for i in range(n)]
        if order is not None:
            handles = [handles[i] for i in order]
        start = started()
        for handle in handles:
            handle.cancel()
        if awaited:
            for handle in handles:
                with contextlib.suppress(TaskCancelled):
                    await handle
        return per_task_us(start, n)


async def actorkit_shutdown(n: int) -> float:
    system = await ActorSystem("bench").start()
    submit = system.submit
    handles = [await submit(i, requires=(f"r{i % SETS}",)) for i in range(n)]
    start = started()
    await system.shutdown()
    cost = per_task_us(start, n)
    assert system.tasks.by_status["failed"] == len(handles)
    return cost


async def actorkit_side(n: int) -> Figures:
    return {
        "submission": await actorkit_cancels(n, None),
        "random": await actorkit_cancels(n, shuffled(n)),
        "awaited": await actorkit_cancels(n, None, awaited=True),
        "shutdown": await actorkit_shutdown(n),
    }


class Queue:
    """The hand-written pending queue: what a task's cancel needs, and no more."""

    def __init__(self) -> None:
        self.heap: list[list[Any]] = []
        self.live: dict[int, list[Any]] = {}

    def submit(self, i: int, payload: object) -> asyncio.Future[object]:
        future: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        entry = [0, i, payload, future]
        heapq.heappush(self.heap, entry)
        self.live[i] = entry
        return future

    def cancel(self, i: int) -> bool:
        entry = self.live.pop(i, None)
        if entry is None:
            return False
        future = entry[3]
        entry[3] = None
        return bool(future.cancel())


async def raw_cancels(n: int, order: list[int] | None, awaited: bool = False) -> float:
    queue = Queue()
    futures = [queue.submit(i, i) for i in range(n)]
    ids = order if order is not None else range(n)
    start = started()
    for i in ids:
        queue.cancel(i)
    if awaited:
        for future in futures:
            with contextlib.suppress(asyncio.CancelledError):
                await future
    return per_task_us(start, n)


async def raw_shutdown(n: int) -> float:
    queue = Queue()
    futures = [queue.submit(i, i) for i in range(n)]
    start = started()
    for i in list(queue.live):
        queue.cancel(i)
    cost = per_task_us(start, n)
    assert all(future.cancelled() for future in futures)
    return cost


async def raw_side(n: int) -> Figures:
    return {
        "submission": await raw_cancels(n, None),
        "random": await raw_cancels(n, shuffled(n)),
        "awaited": await raw_cancels(n, None, awaited=True),
        "shutdown": await raw_shutdown(n),
    }


BENCHES = [
    Bench(
        "task_cancel",
        actorkit_side,
        raw_side,
        (
            Metric("submission", "us/task", higher_is_better=False, target=8.0),
            Metric("random", "us/task", higher_is_better=False),
            Metric("awaited", "us/task", higher_is_better=False),
            Metric("shutdown", "us/task", higher_is_better=False, target=20.0),
        ),
        size=50_000,
        quick_size=5_000,
        baseline_is="a heap, a dict of live entries and a future per task",
    ),
]
