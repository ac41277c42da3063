"""Tasks that fail or are cancelled: `n` tasks over 50 agents, of which about 2% fail in
their handler (it raises after its one await), 2.5% are cancelled by their submitter while
pending and 2.5% while their handler runs, against a hand-written `asyncio.PriorityQueue`
drained by 50 consumer tasks that gives the same guarantees.

Every task is submitted in one burst, the pending ones to cancel are cancelled right after,
and then every handle (future) is awaited: each ends as it should, and the counts of
succeeded, failed and cancelled tasks are checked on both sides (and `system.tasks` on
actorkit's). A handler awaits once per task, as an agent doing I/O would; the running
cancels come from the loop while it does (the handler schedules its own task's cancel, as a
submitter reacting to it would, before its await).

The baseline is what a user writes to get those guarantees by hand: a failure is set on the
submitter's future; a cancel removes a pending task (its entry is dropped from the live ones,
and the consumer that pops it skips it) or cancels the consumer's await of a running one
(which the consumer takes back with `uncancel`, and goes on). Its consumers catch the failure
and go on with the same instance; actorkit's agents are supervised as by default, each failure
restarting the agent (`max_restarts` raised, or the 50 agents would soon exceed 3 restarts in
5 s), with crash reports made but not logged (one traceback per failure is the logging's cost).

What a task costs by how it ends (callgrind, Python 3.11, instructions per task of each side
run with every task ending that way, as measured when this benchmark was written; RESULTS.md
has later counts): one that succeeds 51k against the baseline's 34k; one
whose handler fails 173k against 48k, most of it its agent's supervision (the failure
reported to the root, decided there, the agent restarted; 142k when a decider resumes it
instead); one cancelled while running 72k against 45k; one cancelled while pending 49k
against 21k. At this workload's shares the ratio is mostly the success path's (`tasks`), with
about a tenth of the difference from the failures and a fortieth from the cancels.

Run: python -m benchmarks --only task_failures [--runs N] [--profile].
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

from actorkit import Actor, ActorSystem, OneForOne, Task, TaskCancelled

from ._harness import Bench, Figures, Metric

AGENTS = 50
PRIORITIES = 10
FAIL = 0.02
CANCEL_PENDING = 0.025
CANCEL_RUNNING = 0.025
STRATEGY = OneForOne(max_restarts=10**9, within=1.0)

OK, FAILS, CANCELLED_RUNNING, CANCELLED_PENDING = 0, 1, 2, 3


class Failed(Exception):
    """What a failing handler raises."""


Cancel = Callable[[int], object]
Work = Callable[[tuple[int, int]], Awaitable[int]]


def handler(cancel: Cancel) -> Work:
    """The one handler both sides run; `cancel(i)` is the side's own cancel of task `i`."""
    call_soon = asyncio.get_running_loop().call_soon

    async def work(payload: tuple[int, int]) -> int:
        i, kind = payload
        if kind == CANCELLED_RUNNING:
            call_soon(cancel, i)
        await asyncio.sleep(0)
        if kind == FAILS:
            raise Failed(i)
        return i

    return work


def workload(n: int) -> list[tuple[int, int]]:
    """`(priority, kind)` per task."""
    rng = random.Random(42)
    tasks = []
    for _ in range(n):
        roll = rng.random()
        if roll < FAIL:
            kind = FAILS
        elif roll < FAIL + CANCEL_RUNNING:
            kind = CANCELLED_RUNNING
        elif roll < FAIL + CANCEL_RUNNING + CANCEL_PENDING:
            kind = CANCELLED_PENDING
        else:
            kind = OK
        tasks.append((rng.randrange(PRIORITIES), kind))
    return tasks


def expected(tasks: list[tuple[int, int]]) -> tuple[int, int, int]:
    """(succeeded, failed, cancelled)."""
    kinds = [kind for _, kind in tasks]
    failed = kinds.count(FAILS)
    cancelled = kinds.count(CANCELLED_PENDING) + kinds.count(CANCELLED_RUNNING)
    return len(kinds) - failed - cancelled, failed, cancelled


class Agent(Actor):
    capabilities = ("work",)

    def __init__(self, work: Work) -> None:
        self.work = work

    async def receive(self, message: Task) -> Any:
        return await self.work(message.payload)


async def actorkit_side(n: int) -> Figures:
    tasks = workload(n)
    quiet = logging.getLogger("actorkit")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        async with ActorSystem("bench", supervisor=STRATEGY) as system:
            handles: list[Any] = []
            work = handler(lambda i: handles[i].cancel())
            for _ in range(AGENTS):
                await system.spawn(Agent, work)
            start = time.perf_counter()
            submit = system.submit
            for i, (priority, kind) in enumerate(tasks):
                handles.append(await submit((i, kind), priority))
            for handle, (_, kind) in zip(handles, tasks, strict=True):
                if kind == CANCELLED_PENDING:
                    handle.cancel()
            counts = [0, 0, 0]
            for handle in handles:
                try:
                    await handle
                except Failed:
                    counts[1] += 1
                except TaskCancelled:
                    counts[2] += 1
                else:
                    counts[0] += 1
            seconds = time.perf_counter() - start
            by_status = system.tasks.by_status
    finally:
        quiet.setLevel(level)
    assert tuple(counts) == expected(tasks), (counts, expected(tasks))
    statuses = (by_status["succeeded"], by_status["failed"], by_status["cancelled"])
    assert statuses == expected(tasks), (by_status, expected(tasks))
    return {"rate": n / seconds}


Entry = list[Any]
"""`[-priority, i, payload, future]`: the payload blanked once the task is cancelled."""


class Queue:
    """The hand-written task queue: a priority queue of entries, the live ones by id, and the
    consumer running each started one, so that a cancel can reach it wherever it is."""

    def __init__(self) -> None:
        self.queue: asyncio.PriorityQueue[Entry] = asyncio.PriorityQueue()
        self.pending: dict[int, Entry] = {}
        self.running: dict[int, asyncio.Task[None]] = {}

    def submit(self, i: int, priority: int, payload: object) -> asyncio.Future[int]:
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        entry = [-priority, i, payload, future]
        self.pending[i] = entry
        self.queue.put_nowait(entry)
        return future

    def cancel(self, i: int) -> bool:
        entry = self.pending.pop(i, None)
        if entry is not None:
            entry[2] = None
            return bool(entry[3].cancel())
        consumer = self.running.get(i)
        if consumer is None:
            return False
        consumer.cancel()
        return True

    async def consume(self, work: Work) -> None:
        queue, pending, running = self.queue, self.pending, self.running
        me = asyncio.current_task()
        assert me is not None
        while True:
            _, i, payload, future = await queue.get()
            if payload is None:  # cancelled while pending
                continue
            del pending[i]
            running[i] = me
            try:
                result = await work(payload)
            except asyncio.CancelledError:
                me.uncancel()  # its task's cancel, not the consumer's
                future.cancel()
            except Exception as error:
                future.set_exception(error)
            else:
                future.set_result(result)
            finally:
                del running[i]


async def baseline_side(n: int) -> Figures:
    tasks = workload(n)
    loop = asyncio.get_running_loop()
    queue = Queue()
    work = handler(queue.cancel)
    consumers = [loop.create_task(queue.consume(work)) for _ in range(AGENTS)]
    await asyncio.sleep(0)
    start = time.perf_counter()
    futures = [queue.submit(i, priority, (i, kind)) for i, (priority, kind) in enumerate(tasks)]
    for i, (_, kind) in enumerate(tasks):
        if kind == CANCELLED_PENDING:
            queue.cancel(i)
    counts = [0, 0, 0]
    for future in futures:
        try:
            await future
        except Failed:
            counts[1] += 1
        except asyncio.CancelledError:
            counts[2] += 1
        else:
            counts[0] += 1
    seconds = time.perf_counter() - start
    for consumer in consumers:
        consumer.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.gather(*consumers)
    assert tuple(counts) == expected(tasks), (counts, expected(tasks))
    return {"rate": n / seconds}


BENCHES = [
    Bench(
        "task_failures",
        actorkit_side,
        baseline_side,
        (Metric("rate", "tasks/s"),),
        size=50_000,
        quick_size=5_000,
        baseline_is="asyncio.PriorityQueue, 50 consumers, failures and cancels by hand",
    ),
]
