"""How the cost of wide operations grows with their width. Not part of CI.

    python benchmarks/scale_edges.py [--check]

Each operation runs at a small and a large width in one process; the figure is the growth:
the cost per member (child, pool member) at the large width over the cost per member at the
small one. A linear operation reads about 1, a quadratic one up to the ratio of the widths
(64 here). The operations are those that once went quadratic (benchmarks/RESULTS.md, "scale
edges"): a `random` pick in a pool of thousands, the stop of a supervisor whose children
wait out a restart's backoff, a `rest_for_one` restart taking over a delayed one, and many
`one_for_one` children failing at once, an actor cancelling timers whose ticks are queued, and
one unwatching stopped actors whose `Terminated` is queued. The random pick's growth is over
that of a hand-written random pool in the same process (`BASELINES`): random access over 64
times the members misses the cache more whatever picks them (1.7-2.7 for either alone).
`--check` exits 1 when a growth passes `LIMIT`.
tests/test_scale_edges.py runs the same operations small, for what they do rather than how
long they take.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import random
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

# Runnable as a plain script from a checkout that has not been pip-installed.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from actorkit import Actor, ActorRef, ActorSystem, Backoff, OneForAll, OneForOne, RestForOne
from actorkit.testing import pending_timers

SMALL, LARGE = 250, 16_000
LIMIT = 2.0
"""A growth past this is no noise: linear reads 1.1-1.4 here, the quadratic code these
operations once ran 3 to 62 (up to LARGE / SMALL = 64, less where a linear part dominates)."""


@contextmanager
def timed() -> Iterator[list[float]]:
    """Seconds the block took, in the list it yields, without the garbage collector's pauses:
    a full collection lands in one of two timed runs and not the other, whatever they do."""
    took: list[float] = []
    gc.disable()
    began = time.perf_counter()
    try:
        yield took
    finally:
        took.append(time.perf_counter() - began)
        gc.enable()


class Sink(Actor):
    async def receive(self, message: Any) -> None:
        return None


async def random_tells(system: ActorSystem, size: int) -> float:
    """The fastest of three rounds of ten tells a member to a `random` pool of `size`: as many
    a member at both widths, so each width wakes its parked members as often."""
    messages = 10 * size
    pool = await system.spawn_pool(Sink, size=size, routing="random", mailbox_size=None)
    rounds = []
    for _ in range(3):
        with timed() as took:
            for message in range(messages):
                pool.tell(message)
        rounds.append(took[0])
    await pool.stop()
    return min(rounds)


async def _consume(queue: asyncio.Queue[int]) -> None:
    while True:
        await queue.get()


async def raw_random_puts(size: int) -> float:
    """The hand-written `random` pool, timed as `random_tells`: `random.choice` among `size`
    queues, each with a consumer task parked in its `get`. Its growth is what random access
    over a wider working set costs anyway (cache misses), which no pick can avoid."""
    queues: list[asyncio.Queue[int]] = [asyncio.Queue() for _ in range(size)]
    consumers = [asyncio.create_task(_consume(queue)) for queue in queues]
    await asyncio.sleep(0)  # each parked in its `get`
    rounds = []
    for _ in range(3):
        with timed() as took:
            for message in range(10 * size):
                random.choice(queues).put_nowait(message)
        rounds.append(took[0])
    for consumer in consumers:
        consumer.cancel()
    await asyncio.gather(*consumers, return_exceptions=True)
    return min(rounds)


class Fragile(Actor):
    async def receive(self, message: Any) -> None:
        if message == "crash":
            raise RuntimeError("crashed")


class Wide(Actor):
    """A supervisor of `size` children that restarts them all, a minute after a failure."""

    supervisor_strategy: OneForOne | OneForAll | RestForOne = OneForAll(
        backoff=Backoff(min=60.0, max=60.0, jitter=0.0)
    )

    def __init__(self, size: int) -> None:
        self.size = size
        self.kids: list[Any] = []

    async def on_start(self) -> None:
        for _ in range(self.size):
            self.kids.append(await self.spawn(Fragile))

    async def receive(self, message: Any) -> Any:
        if message == "all":
            return list(self.kids)
        return self.kids[message if isinstance(message, int) else 0]


class WideRestForOne(Wide):
    supervisor_strategy = RestForOne(backoff=Backoff(min=60.0, max=60.0, jitter=0.0))


class Lenient(Wide):
    supervisor_strategy = OneForOne(max_restarts=1_000_000)


async def stop_waiting_out_a_restart(system: ActorSystem, size: int) -> float:
    """The stop of a `Wide` of `size` while its children wait out the backoff."""
    wide = await system.spawn(Wide, size)
    first = await wide.ask("first")
    with suppress(RuntimeError):
        await first.ask("crash")
    await wide.ask("decided?")  # handled after the failure's report: every child stopped
    with timed() as took:
        await wide.stop()
    return took[0]


async def restart_over_a_delayed_one(system: ActorSystem, size: int) -> float:
    """A `rest_for_one` restart from the first child while those from the second on wait out
    the backoff of an earlier one, which it takes over."""
    wide = await system.spawn(WideRestForOne, size)
    first, second = await wide.ask(0), await wide.ask(1)
    with suppress(RuntimeError):
        await second.ask("crash")
    await wide.ask("decided?")
    with timed() as took:
        with suppress(RuntimeError):
            await first.ask("crash")
        await wide.ask("decided?")
    await wide.stop()  # its children, waiting out the backoff, would slow the next run
    return took[0]


async def all_fail_at_once(system: ActorSystem, size: int) -> float:
    """A `one_for_one` supervisor restarting each of its `size` children, all failed at once."""
    wide = await system.spawn(Lenient, size)
    children = await wide.ask("all")
    with timed() as took:
        for child in children:
            child.tell("crash")
        await asyncio.gather(*(child.ask("restarted?") for child in children))
    await wide.stop()
    return took[0]


class Overloaded(Actor):
    """A timeout timer per request, all fired while the actor was busy: their ticks are queued
    behind the replies, each of which cancels its request's timer (one per handler)."""

    def __init__(self) -> None:
        self.began = 0.0
        self.cancelled = self.timed_out = 0

    async def receive(self, message: Any) -> Any:
        if isinstance(message, tuple) and message[0] == "reply":
            self.cancelled += self.timers.cancel(message[1])
        elif isinstance(message, tuple) and message[0] == "timeout":
            self.timed_out += 1
        elif isinstance(message, int):  # requests: arm their timeouts, queue their replies
            for request in range(message):
                self.timers.start_once(request, ("timeout", request), 0.0)
                self.ref.tell(("reply", request))
            while pending_timers(self.system):  # every timeout fired: its tick is queued
                await asyncio.sleep(0.001)
            self.began = time.perf_counter()
        else:
            return time.perf_counter() - self.began, self.cancelled, self.timed_out
        return None


async def cancel_queued_ticks(system: ActorSystem, size: int) -> float:
    """`size` cancels, each in its own handler, of a timer whose tick is queued."""
    actor = await system.spawn(Overloaded, mailbox_size=None)
    with timed():  # the collector off while the actor handles the replies
        await actor.ask(size)
        took, cancelled, timed_out = await actor.ask("took", 3_600)
    assert (cancelled, timed_out) == (size, 0), (cancelled, timed_out)
    await actor.stop()
    return float(took)


class Watcher(Actor):
    """Watches actors that all stop while it is busy: their `Terminated` are queued behind
    its own messages, each of which unwatches one of them (one per handler)."""

    def __init__(self) -> None:
        self.began = 0.0
        self.terminated = 0

    async def receive(self, message: Any) -> Any:
        if isinstance(message, ActorRef):
            self.unwatch(message)
        elif isinstance(message, list):
            for ref in message:
                self.watch(ref)
                self.ref.tell(ref)
            for ref in message:
                await ref.stop()
            self.began = time.perf_counter()
        elif message == "took":
            return time.perf_counter() - self.began, self.terminated
        else:
            self.terminated += 1
        return None


async def unwatch_stopped(system: ActorSystem, size: int) -> float:
    """`size` unwatches, each in its own handler, of a stopped actor whose `Terminated` is
    queued."""
    watched = [await system.spawn(Sink) for _ in range(size)]
    watcher = await system.spawn(Watcher, mailbox_size=None)
    with timed():
        await watcher.ask(watched, 3_600)
        took, terminated = await watcher.ask("took", 3_600)
    assert terminated == 0, terminated
    await watcher.stop()
    return float(took)


OPERATIONS: dict[str, Callable[[ActorSystem, int], Awaitable[float]]] = {
    "random_pick": random_tells,
    "stop_in_backoff": stop_waiting_out_a_restart,
    "restart_over_delayed": restart_over_a_delayed_one,
    "one_for_one_all_fail": all_fail_at_once,
    "cancel_queued_ticks": cancel_queued_ticks,
    "unwatch_stopped": unwatch_stopped,
}


BASELINES: dict[str, Callable[[int], Awaitable[float]]] = {"random_pick": raw_random_puts}
"""Hand-written equivalents, run in the same process: an operation whose cost per member
grows with the working set alone reads its growth over theirs."""


async def growth(name: str) -> dict[str, Any]:
    operation = OPERATIONS[name]
    async with ActorSystem(metrics=False) as system:
        small = min([await operation(system, SMALL) for _ in range(2)])
        large = await operation(system, LARGE)
    grew = (large / LARGE) / (small / SMALL)
    figure = {"bench": f"scale.{name}", "small": small, "large": large, "growth": grew}
    baseline = BASELINES.get(name)
    if baseline is not None:
        raw_small = min([await baseline(SMALL) for _ in range(2)])
        raw_grew = (await baseline(LARGE) / LARGE) / (raw_small / SMALL)
        figure.update(own_growth=grew, baseline_growth=raw_grew, growth=grew / raw_grew)
    return figure


async def main(check: bool, only: list[str]) -> int:
    logging.getLogger("actorkit").setLevel(logging.CRITICAL)  # a crash report per failure
    missed = 0
    for name in only or OPERATIONS:
        figure = await growth(name)
        figure["limit"] = LIMIT
        print(json.dumps(figure), flush=True)
        missed += figure["growth"] > LIMIT
    return 1 if check and missed else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help=f"exit 1 past a growth of {LIMIT}")
    parser.add_argument("only", nargs="*", help=f"only these of {', '.join(OPERATIONS)}")
    arguments = parser.parse_args()
    sys.exit(asyncio.run(main(arguments.check, arguments.only)))
