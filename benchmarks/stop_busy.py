"""Stopping many busy actors at once: `asyncio.gather(*(ref.stop() for ref in refs))`.

Each of n actors is in a handler that awaits (a shared event) with `QUEUED` messages queued
behind it when the stops are asked for; the event is set once they all are, so every stop
waits for its actor's current message to finish, then dead-letters the rest. The baseline
is the hand-written equivalent: a task per actor over an `asyncio.Queue`, whose loop checks
a stop flag after each message and counts what its queue still holds as lost; its stop sets
the flag and awaits every task. Both sides time the same span: from the stops asked for
(the flag set) to the last actor gone, the handlers' release inside it. The figure is taken
at n and at ten times n (`rate_x10`): a cost per actor that grows with their number shows.

`ref.stop()` is a coroutine function (API.md section 9), so `gather` wraps each stop in a task
of its own, which the baseline's stop (a flag) does not pay: the same hand-written actors
stopped by a coroutine each, under `gather`, read about 0.55 of the baseline at 1k (2.9 us an
actor against 1.6), so 0.5 is out of reach of any stop that waits for its actor. The targets
keep what the stop of a busy actor gained (0.10-0.13 and 0.19-0.22 before, 0.16-0.19 and 0.31
after, on 2 shared cores).
"""

from __future__ import annotations

import asyncio

from actorkit import Actor, ActorSystem

from ._harness import Bench, Figures, Metric, Stopwatch
from .messaging import check

QUEUED = 3
"""Messages queued behind the one being handled, at each actor."""
GROWTH = 10


class Gate:
    """The handlers' shared release, and a count of those holding their first message."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.holding = 0
        self.all_holding = asyncio.Event()
        self.release = asyncio.Event()

    async def hold(self) -> None:
        self.holding += 1
        if self.holding == self.n:
            self.all_holding.set()
        await self.release.wait()


class Busy(Actor):
    """Holds its first message until the gate opens; the rest queue behind it."""

    def __init__(self, gate: Gate) -> None:
        self.gate = gate

    async def receive(self, message: object) -> None:
        if message == "hold":
            await self.gate.hold()


async def _actorkit(n: int) -> float:
    """Seconds from the stops asked for to the last of n busy actors gone."""
    gate = Gate(n)
    async with ActorSystem("bench") as system:
        refs = [await system.spawn(Busy, gate) for _ in range(n)]
        for ref in refs:
            ref.tell("hold")
            for i in range(QUEUED):
                ref.tell(i)
        await gate.all_holding.wait()
        with Stopwatch() as watch:
            stopping = asyncio.gather(*(ref.stop() for ref in refs))
            await asyncio.sleep(0)  # the stops are asked for: the held messages finish first
            gate.release.set()
            await stopping
        check(sum(ref.is_alive for ref in refs), 0)
        check(system.dead_letters.by_reason, {"stopping": n * QUEUED})
    return watch.seconds


async def _raw(n: int) -> float:
    """The same with a task per actor over a queue, checking a stop flag after each message."""
    gate = Gate(n)
    stopped, lost = [False], [0]

    async def run(queue: asyncio.Queue[object]) -> None:
        while not stopped[0]:
            if await queue.get() == "hold":
                await gate.hold()
        lost[0] += queue.qsize()

    loop = asyncio.get_running_loop()
    queues: list[asyncio.Queue[object]] = [asyncio.Queue() for _ in range(n)]
    tasks = [loop.create_task(run(queue)) for queue in queues]
    for queue in queues:
        queue.put_nowait("hold")
        for i in range(QUEUED):
            queue.put_nowait(i)
    await gate.all_holding.wait()
    with Stopwatch() as watch:
        stopped[0] = True
        stopping = asyncio.gather(*tasks)
        await asyncio.sleep(0)
        gate.release.set()
        await stopping
    check(lost[0], n * QUEUED)
    return watch.seconds


async def stop_busy(n: int) -> Figures:
    return {"rate": n / await _actorkit(n), "rate_x10": GROWTH * n / await _actorkit(GROWTH * n)}


async def raw_stop_busy(n: int) -> Figures:
    return {"rate": n / await _raw(n), "rate_x10": GROWTH * n / await _raw(GROWTH * n)}


BENCHES = [
    Bench(
        "stop_busy",
        stop_busy,
        raw_stop_busy,
        (
            Metric("rate", "busy actors stopped/s", target=0.14),
            Metric("rate_x10", "busy actors stopped/s (10x as many)", target=0.25),
        ),
        size=1_000,
        quick_size=1_000,
    ),
]
