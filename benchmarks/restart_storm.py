"""A restart storm under a backoff: n actors supervised `one_for_one` with a backoff, each sent
`FAILURES` messages that fail, timed until every one has restarted that many times.

Each failure's restart waits out its backoff while the others fail: thousands of restarts
wait at once under one supervisor, which is where a restart that looked at every waiting one
would cost n² (`tests/test_supervision_backoff_storm.py` counts that it does not). The
baseline is the hand-written equivalent: a consumer task per queue that catches the failure,
makes a fresh instance after the same delay (`Backoff.delay`'s formula and jitter) and goes
on. Both report restarts per second and the process's CPU per restart: the waits are the
same on both sides, so the CPU is the runtime's own cost. Crash reports are silenced on the
actorkit side (one traceback per failure is the logging's cost, not the restart's).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from typing import Any

from actorkit import Actor, ActorSystem, Backoff, OneForOne

from ._harness import Bench, Figures, Metric

FAILURES = 5
"""Failing messages per actor: delays of 10, 20, 40, 80 and 100 ms, times the jitter."""
BACKOFF = Backoff(min=0.01, max=0.1, jitter=0.2)
STRATEGY = OneForOne(max_restarts=10**6, within=1.0, backoff=BACKOFF)
CPU_TARGET = 8.0
"""The most CPU per restart, over the baseline's: 4-5 when the restarts waiting out their
backoff add nothing to a restart's cost (as without a backoff); a restart that looked at
every waiting one reads 80 at 5,000 actors."""


class Failing(Actor):
    """Counts its instances; every message but "get" fails."""

    def __init__(self, starts: list[int]) -> None:
        self.starts = starts

    async def on_start(self) -> None:
        self.starts[0] += 1

    async def receive(self, message: Any) -> int:
        if message == "get":
            return 1
        raise RuntimeError("fails on purpose")


def _figures(restarts: int, wall: float, cpu: float) -> Figures:
    return {"rate": restarts / wall, "cpu": cpu / restarts * 1e6}


async def storm(n: int) -> Figures:
    starts = [0]
    quiet = logging.getLogger("actorkit")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        async with ActorSystem("bench", supervisor=STRATEGY, metrics=False) as system:
            refs = [await system.spawn(Failing, starts, mailbox_size=None) for _ in range(n)]
            cpu, wall = time.process_time(), time.perf_counter()
            for ref in refs:
                for _ in range(FAILURES):
                    ref.tell("fail")
            await asyncio.gather(*(ref.ask("get", timeout=120.0) for ref in refs))
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        quiet.setLevel(level)
    assert starts[0] == n * (FAILURES + 1), (starts[0], n * (FAILURES + 1))
    return _figures(n * FAILURES, wall, cpu)


class Instance:
    """The baseline's actor: a fresh one per restart, its start counted as `Failing`'s."""

    def __init__(self, starts: list[int]) -> None:
        starts[0] += 1

    def receive(self, message: object) -> int:
        if message == "get":
            return 1
        raise RuntimeError("fails on purpose")


Job = tuple[object, "asyncio.Future[int] | None"]


async def _worker(queue: asyncio.Queue[Job], starts: list[int]) -> None:
    instance = Instance(starts)
    failures = 0
    while True:
        message, reply = await queue.get()
        try:
            answer = instance.receive(message)
        except RuntimeError:
            failures += 1
            base = min(BACKOFF.max, BACKOFF.min * 2.0 ** (failures - 1))
            await asyncio.sleep(base * (1.0 + random.uniform(0.0, BACKOFF.jitter)))
            instance = Instance(starts)
            continue
        if reply is not None:
            reply.set_result(answer)


async def raw_storm(n: int) -> Figures:
    starts = [0]
    loop = asyncio.get_running_loop()
    queues: list[asyncio.Queue[Job]] = [asyncio.Queue() for _ in range(n)]
    workers = [loop.create_task(_worker(queue, starts)) for queue in queues]
    await asyncio.sleep(0)  # each started, parked in its `get`
    cpu, wall = time.process_time(), time.perf_counter()
    replies = []
    for queue in queues:
        for _ in range(FAILURES):
            queue.put_nowait(("fail", None))
        reply: asyncio.Future[int] = loop.create_future()
        queue.put_nowait(("get", reply))
        replies.append(reply)
    await asyncio.gather(*replies)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    for worker in workers:
        worker.cancel()
    await asyncio.gather(*workers, return_exceptions=True)
    assert starts[0] == n * (FAILURES + 1), (starts[0], n * (FAILURES + 1))
    return _figures(n * FAILURES, wall, cpu)


BENCHES = [
    Bench(
        "restart_storm",
        storm,
        raw_storm,
        (
            Metric("rate", "restarts/s"),
            Metric("cpu", "us/restart", higher_is_better=False, target=CPU_TARGET),
        ),
        size=5_000,
        quick_size=1_000,
        per_n=FAILURES,
    ),
]
