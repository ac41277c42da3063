"""Timers: scheduling and firing 100,000 one-shot timers, the memory of pending ones, and an
idle timer re-armed on every message.

The actorkit side uses `system.schedule_once(delay, ref, message)`; the baseline is what one
would hand-write on the loop: `loop.call_at(when, queue.put_nowait, message)` into a raw
queue consumer. Both deliver to the same `Countdown` handler, which resolves a future when
the last message arrives.

- `schedule`: timers created per second (all due at once, `delay=0`);
- `fire`: from the last `schedule` call until every message has been handled;
- `bytes`: what one pending timer costs (tracemalloc, in its own pass), with 100,000 of them
  scheduled an hour ahead and cancelled afterwards. Issue 7's target is absolute: at most
  200 B per pending timer. (The loop's own timer handle and libuv's `uv_timer_t` are included
  on both sides: uvloop allocates them with `PyMem_RawMalloc`, which tracemalloc sees.)

`timer_rearm` (messages/s): an actor that starts its idle timer again on every message, as a
session does (Akka's `setReceiveTimeout`): `self.timers.start_once(key, msg, 60)` with the
message's key, against the same actor arming it by hand (`loop.call_later` and `cancel()` of
the one before, in a dict by key), on the same system, loop and process, so the ratio is the
timer's cost alone. `one_key`: every message the same key; `sessions`: 1,000 keys in turn.
Target: at least the hand-written side's rate.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from functools import partial
from typing import Any, Protocol

from actorkit import Actor, ActorSystem

from ._harness import Bench, Figures, Metric, Side, Stopwatch, Traced
from .messaging import RawActor

TICK = "tick"
"""Every timer's message: one shared object, so its memory is not counted per timer."""
FAR = 3600.0


class Countdown(Actor):
    """Counts messages; resolves `done` at the `goal`-th."""

    def __init__(self, goal: int, done: asyncio.Future[None]) -> None:
        self.goal = goal
        self.done = done
        self.count = 0

    async def receive(self, message: object) -> None:
        self.count += 1
        if self.count == self.goal:
            self.done.set_result(None)


class Cancellable(Protocol):
    def cancel(self) -> object: ...


Schedule = Callable[[float, Any], Cancellable]


@contextlib.asynccontextmanager
async def actorkit_timers(done: asyncio.Future[None], goal: int) -> AsyncIterator[Schedule]:
    async with ActorSystem("bench") as system:
        ref = await system.spawn(Countdown, goal, done, mailbox_size=None)
        schedule_once = system.schedule_once

        def schedule(delay: float, message: Any) -> Cancellable:
            return schedule_once(delay, ref, message)

        yield schedule


@contextlib.asynccontextmanager
async def raw_timers(done: asyncio.Future[None], goal: int) -> AsyncIterator[Schedule]:
    loop = asyncio.get_running_loop()
    consumer = RawActor(Countdown(goal, done).receive)
    put = consumer.queue.put_nowait
    call_at = loop.call_at
    time = loop.time

    def schedule(delay: float, message: Any) -> Cancellable:
        return call_at(time() + delay, put, message)

    try:
        yield schedule
    finally:
        await consumer.close()


Opener = Callable[[asyncio.Future[None], int], contextlib.AbstractAsyncContextManager[Schedule]]

IDLE = 60.0
"""The idle timeout each message restarts: no timer fires during a run."""
USERS = 1000
DONE = "done"
EXPIRED = "expired"


class Sessions(Actor):
    """Starts the idle timer of the message's key again on every message."""

    def __init__(self) -> None:
        self.seen = 0

    async def receive(self, message: object) -> int | None:
        if message is DONE:
            return self.seen
        self.seen += 1
        self.timers.start_once(message, EXPIRED, IDLE)
        return None


class HandSessions(Actor):
    """The same by hand: a loop timer per message, and `cancel()` of the one it replaces."""

    def __init__(self) -> None:
        self.seen = 0
        self.handles: dict[object, asyncio.TimerHandle] = {}
        self.call_later = asyncio.get_running_loop().call_later

    async def receive(self, message: object) -> int | None:
        if message is DONE:
            return self.seen
        self.seen += 1
        handles = self.handles
        handle = handles.get(message)
        if handle is not None:
            handle.cancel()
        handles[message] = self.call_later(IDLE, self.ref.tell, EXPIRED)
        return None

    async def on_stop(self) -> None:
        for handle in self.handles.values():
            handle.cancel()


async def rearmed(factory: type[Actor], keys: int, n: int) -> float:
    """Messages per second through `factory`, `n` tells over `keys` keys, then an ask."""
    async with ActorSystem("bench") as system:
        ref = await system.spawn(factory, mailbox_size=None)
        tell = ref.tell
        with Stopwatch() as watch:
            for i in range(n):
                tell(i % keys)
            seen = await ref.ask(DONE, timeout=60.0)
        assert seen == n, (seen, n)
    return n / watch.seconds


def rearm_side(factory: type[Actor]) -> Side:
    async def run(n: int) -> Figures:
        return {
            "one_key": await rearmed(factory, 1, n),
            "sessions": await rearmed(factory, USERS, n),
        }

    return run


async def timers(opener: Opener, n: int) -> Figures:
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()
    async with opener(done, n) as schedule:
        with Stopwatch() as scheduling:
            for _ in range(n):
                schedule(0.0, TICK)
        with Stopwatch() as firing:
            await asyncio.wait_for(done, 60.0)

        pending: list[Cancellable | None] = [None] * n  # allocated before tracing starts
        with Traced() as traced:
            for i in range(n):
                pending[i] = schedule(FAR, TICK)
        for handle in pending:
            assert handle is not None
            handle.cancel()
    return {
        "schedule": n / scheduling.seconds,
        "fire": n / firing.seconds,
        "bytes": traced.bytes / n,
    }


def side(opener: Opener) -> Side:
    return partial(timers, opener)


BENCHES = [
    Bench(
        "timers",
        side(actorkit_timers),
        side(raw_timers),
        (
            Metric("schedule", "timers/s"),
            Metric("fire", "timers/s", target=0.8),
            Metric("bytes", "B/timer", higher_is_better=False, target=200.0, absolute=True),
        ),
        size=100_000,
        quick_size=10_000,
    ),
    Bench(
        "timer_rearm",
        rearm_side(Sessions),
        rearm_side(HandSessions),
        (Metric("one_key", "msgs/s", target=1.0), Metric("sessions", "msgs/s", target=1.0)),
        size=200_000,
        quick_size=20_000,
        baseline_is="the same actor: loop.call_later + cancel() by hand",
        min_runs=3,
    ),
]
