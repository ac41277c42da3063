"""Round trips to a thread: `actorkit.to_thread` against `asyncio.to_thread`, on the same loop.

A loop busy with short yields lets go of the GIL for microseconds at a time, and CPython then
never asks it to hand the GIL over to a thread that waits for it (its convoy effect).
`actorkit.to_thread` gives the loop's turns to the thread while its call is out.

- `busy`: round trips a second beside one sender filling a bounded mailbox (the loop busy the
  whole time, as with many actors at work), `n` of them;
- `idle`: round trips a second on an idle loop, `100 * n` of them: what the turns' timer and
  the call's handshake (a lock taken twice) cost a call that comes back before the first turn.

Both sides run the same system and sender; only the call differs.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import actorkit
from actorkit import Actor, ActorSystem

from ._harness import Bench, Figures, Metric, Side, Stopwatch

ToThread = Callable[..., Awaitable[Any]]


class Sink(Actor):
    async def receive(self, message: Any) -> None:
        pass


@contextlib.asynccontextmanager
async def busy_loop(system: ActorSystem) -> AsyncIterator[None]:
    """A sender doing bounded sends into a full mailbox until the block ends."""
    sink = await system.spawn(Sink, mailbox_size=1000)
    done = asyncio.Event()

    async def send() -> None:
        while not done.is_set():
            await sink.send(0)

    sender = asyncio.create_task(send())
    try:
        yield
    finally:
        done.set()
        await sender


async def round_trips(to_thread: ToThread, count: int) -> float:
    """Round trips a second over `count` sequential calls of a function that returns at once."""
    with Stopwatch() as watch:
        for n in range(count):
            await to_thread(abs, n)
    return count / watch.seconds


def side(to_thread: ToThread) -> Side:
    async def run(n: int) -> Figures:
        async with ActorSystem(metrics=False) as system:
            idle = await round_trips(to_thread, 100 * n)
            async with busy_loop(system):
                busy = await round_trips(to_thread, n)
        return {"busy": busy, "idle": idle}

    return run


BENCHES = [
    Bench(
        "threads",
        side(actorkit.to_thread),
        side(asyncio.to_thread),
        (
            Metric("busy", "round trips/s", target=10.0),
            Metric("idle", "round trips/s", target=0.9),
        ),
        size=20,
        quick_size=5,
        explicit=True,
        baseline_is="asyncio.to_thread",
    )
]
