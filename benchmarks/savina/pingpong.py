"""Ping-pong, counting and fork-join throughput: two actors and a few, one message at a time
or in batches.

- ping-pong: two actors, n round trips by tell; every message wakes an actor that has
  nothing else queued (the shape of a request-reply chain);
- ping-pong with a reply timeout: the same, each ping given a timeout that its pong cancels,
  as a careful client gives a request (`self.timers`; by hand, `call_later` and `cancel()`);
  no target, a measure of what the timeout adds;
- counting: n tells to one counter, then one ask behind them (batched throughput);
- fork-join throughput: n messages told to each of 60 actors, then one ask to each.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from actorkit import Actor, ActorSystem

from .._harness import Bench, Figures, Metric, Side, Stopwatch
from ._common import Done, check, figures, raw_actors, savina, system

PONG = "pong"
GET = "get"
WORKERS = 60


class Ponger(Actor):
    async def receive(self, message: Any) -> None:
        message.tell(PONG)


class Pinger(Actor):
    def __init__(self, ponger: Any, n: int, done: Done) -> None:
        self.ponger = ponger
        self.left = n
        self.pongs = 0
        self.done = done

    async def receive(self, message: object) -> None:
        if message is PONG:
            self.pongs += 1
        if self.left == 0:
            self.done.tell(self.pongs)
            return
        self.left -= 1
        self.ponger.tell(self.ref)


REPLY = "reply"
NO_PONG = "no pong"


class TimedPinger(Pinger):
    """Gives each ping a reply timeout, cancelled by its pong (none is ever late)."""

    async def receive(self, message: object) -> None:
        if message is PONG:
            self.timers.cancel(REPLY)
            self.pongs += 1
        elif message is NO_PONG:
            raise TimeoutError("no pong within its reply timeout")
        if self.left == 0:
            self.done.tell(self.pongs)
            return
        self.left -= 1
        self.timers.start_once(REPLY, NO_PONG, 5.0)
        self.ponger.tell(self.ref)


class HandTimers:
    """What a hand-written actor keeps for its timeouts: a loop timer by key, and `cancel()`
    of the one a key had (as `timers.HandSessions`)."""

    def __init__(self, ref: Any) -> None:
        self.tell = ref.tell
        self.call_later = asyncio.get_running_loop().call_later
        self.handles: dict[object, asyncio.TimerHandle] = {}

    def start_once(self, key: object, message: object, delay: float) -> None:
        handle = self.handles.get(key)
        if handle is not None:
            handle.cancel()
        self.handles[key] = self.call_later(delay, self.tell, message)

    def cancel(self, key: object) -> None:
        handle = self.handles.pop(key, None)
        if handle is not None:
            handle.cancel()


class HandTimedPinger(TimedPinger):
    """The raw side's: the same handler, over `HandTimers`."""

    @functools.cached_property
    def timers(self) -> Any:
        return HandTimers(self.ref)


class Counter(Actor):
    """Counts the messages it is told; answers `GET` with the count (counting), or adds the
    ints it is told and answers `GET` with the sum (fork-join)."""

    def __init__(self) -> None:
        self.total = 0

    async def receive(self, message: Any) -> int | None:
        if message is GET:
            return self.total
        self.total += message
        return None


def pingpong_sides(pinger: type[Pinger], hand: type[Pinger]) -> tuple[Side, Side]:
    """Both sides of a ping-pong whose pinger is `pinger` here and `hand` by hand."""

    async def on_actorkit(n: int) -> Figures:
        async with system() as actors:
            done = Done()
            ponger = await actors.spawn(Ponger)
            first = await actors.spawn(pinger, ponger, n, done)
            with Stopwatch() as watch:
                first.tell(GET)
                pongs = await done
        check(pongs, n)
        return figures(2 * n, watch.seconds)

    async def by_hand(n: int) -> Figures:
        async with raw_actors() as raw:
            done = Done()
            first = raw.spawn(hand, raw.spawn(Ponger), n, done)
            with Stopwatch() as watch:
                first.tell(GET)
                pongs = await done
        check(pongs, n)
        return figures(2 * n, watch.seconds)

    return on_actorkit, by_hand


pingpong_actorkit, pingpong_raw = pingpong_sides(Pinger, Pinger)
pingpong_timeout_actorkit, pingpong_timeout_raw = pingpong_sides(TimedPinger, HandTimedPinger)


async def count(counter: Any, n: int) -> Figures:
    tell = counter.tell
    with Stopwatch() as watch:
        for _ in range(n):
            tell(1)
        total = await counter.ask(GET, timeout=60.0)
    check(total, n)
    return figures(n, watch.seconds)


async def counting_actorkit(n: int) -> Figures:
    async with system() as actors:
        return await count(await actors.spawn(Counter, mailbox_size=None), n)


async def counting_raw(n: int) -> Figures:
    async with raw_actors() as raw:
        return await count(raw.spawn(Counter), n)


async def fork_join(workers: list[Any], n: int) -> Figures:
    tells = [worker.tell for worker in workers]
    with Stopwatch() as watch:
        for i in range(n):
            for tell in tells:
                tell(i)
        totals = [await worker.ask(GET, timeout=60.0) for worker in workers]
    check(totals, [n * (n - 1) // 2] * len(workers))
    return figures(n * len(workers), watch.seconds)


async def fork_join_actorkit(n: int) -> Figures:
    async with system() as actors:
        return await fork_join(await spawn_all(actors, Counter, WORKERS), n)


async def fork_join_raw(n: int) -> Figures:
    async with raw_actors() as raw:
        return await fork_join([raw.spawn(Counter) for _ in range(WORKERS)], n)


async def spawn_all(actors: ActorSystem, factory: type[Actor], count: int) -> list[Any]:
    return [await actors.spawn(factory, mailbox_size=None) for _ in range(count)]


BENCHES = [
    savina("savina_pingpong", pingpong_actorkit, pingpong_raw, size=100_000, quick=2_000, per_n=2),
    Bench(
        "savina_pingpong_timeout",
        pingpong_timeout_actorkit,
        pingpong_timeout_raw,
        (Metric("rate", "msgs/s"),),
        size=100_000,
        quick_size=2_000,
        explicit=True,
        per_n=2,
    ),
    savina("savina_counting", counting_actorkit, counting_raw, size=500_000, quick=10_000),
    savina(
        "savina_fork_join",
        fork_join_actorkit,
        fork_join_raw,
        size=20_000,
        quick=500,
        per_n=WORKERS,
    ),
]
