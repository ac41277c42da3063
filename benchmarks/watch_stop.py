"""Watched actors stopped at once: n watcher/target pairs, each watcher watching one target,
then `asyncio.gather(*(target.stop() for target in targets))`, until every watcher has
handled its target's `Terminated`. The baseline is the hand-written equivalent: a task per
actor over an `asyncio.Queue`, a done callback per watch that queues the news to its
watcher's queue, and a stop coroutine per actor (a sentinel put, then its task awaited),
gathered as `ref.stop()` is. Both sides time the same span, from the stops asked for to the
last news handled.

    python -m benchmarks.watch_stop 2000

runs the actorkit side with and without watches at n and 3n pairs under `valgrind
--tool=callgrind`, counting the stop phase only (the span timed above, the collector off),
and prints the difference divided by 2n: instructions per pair, whose difference between
the two is what a `Terminated` costs from the target's close to its watcher's handler.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import gc
import sys
from collections.abc import Iterator

from actorkit import Actor, ActorRef, ActorSystem, Terminated
from actorkit._watchdog import BLOCKED_THRESHOLD

from ._callgrind import callgrind_count, per_unit
from ._harness import Bench, Figures, Metric, Stopwatch
from .messaging import check

SIDES = ("watch", "nowatch")
PHASE = ("sys_getswitchinterval", "sys_getdlopenflags")
"""The C functions whose calls mark the stop phase's start (counts zeroed) and end (dumped)."""


class Heard:
    """The watchers' shared count of the news they handled."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.count = 0
        self.all = asyncio.Event()

    def one(self) -> None:
        self.count += 1
        if self.count == self.n:
            self.all.set()


class Target(Actor):
    async def receive(self, message: object) -> None:
        return None


class Watcher(Actor):
    def __init__(self, target: ActorRef, heard: Heard, watching: bool) -> None:
        self.target = target
        self.heard = heard
        self.watching = watching

    async def on_start(self) -> None:
        if self.watching:
            self.watch(self.target)

    async def receive(self, message: object) -> None:
        if isinstance(message, Terminated) and message.ref == self.target:
            self.heard.one()


@contextlib.contextmanager
def _phase() -> Iterator[None]:
    """The span callgrind counts (`PHASE`), without the collector's passes, whose cost
    depends on everything else alive."""
    gc.collect()
    gc.disable()
    sys.getswitchinterval()
    try:
        yield
    finally:
        sys.getdlopenflags()
        gc.enable()


async def _actorkit(n: int, watching: bool = True, counted: bool = False) -> float:
    """Seconds from the stops of n watched actors asked for to the last `Terminated` handled.
    Under callgrind (`counted`), that span is marked, and the watchdog, which would find the
    slowed loop blocked, looks away."""
    heard = Heard(n)
    blocked = 3600.0 if counted else BLOCKED_THRESHOLD
    async with ActorSystem("bench", blocked_threshold=blocked) as system:
        targets = [await system.spawn(Target) for _ in range(n)]
        for target in targets:
            await system.spawn(Watcher, target, heard, watching)
        await asyncio.sleep(0)  # the watchers parked
        with _phase() if counted else contextlib.nullcontext(), Stopwatch() as watch:
            await asyncio.gather(*(target.stop() for target in targets))
            if watching:
                await heard.all.wait()
        check(heard.count, n if watching else 0)
        check(system.accounting().balanced, True)
    return watch.seconds


async def _raw(n: int) -> float:
    """The same with a task per actor over a queue, and a done callback per watch."""
    heard = Heard(n)
    end = object()

    async def target(queue: asyncio.Queue[object]) -> None:
        while await queue.get() is not end:
            pass

    async def watcher(queue: asyncio.Queue[object]) -> None:
        while True:
            news = await queue.get()
            if news is end:
                return
            heard.one()

    async def stop(queue: asyncio.Queue[object], task: asyncio.Task[None]) -> None:
        queue.put_nowait(end)
        await task

    loop = asyncio.get_running_loop()
    queues: list[asyncio.Queue[object]] = []
    tasks: list[asyncio.Task[None]] = []
    inboxes: list[asyncio.Queue[object]] = []
    watchers: list[asyncio.Task[None]] = []
    for _ in range(n):
        queue: asyncio.Queue[object] = asyncio.Queue()
        task = loop.create_task(target(queue))
        inbox: asyncio.Queue[object] = asyncio.Queue()
        watchers.append(loop.create_task(watcher(inbox)))

        def told(done: asyncio.Task[None], inbox: asyncio.Queue[object] = inbox) -> None:
            inbox.put_nowait(done.exception())

        task.add_done_callback(told)
        queues.append(queue)
        tasks.append(task)
        inboxes.append(inbox)
    await asyncio.sleep(0)
    with Stopwatch() as watch:
        await asyncio.gather(
            *(stop(queue, task) for queue, task in zip(queues, tasks, strict=True))
        )
        await heard.all.wait()
    await asyncio.gather(
        *(stop(inbox, task) for inbox, task in zip(inboxes, watchers, strict=True))
    )
    check(heard.count, n)
    return watch.seconds


async def watch_stop(n: int) -> Figures:
    return {"rate": n / await _actorkit(n)}


async def raw_watch_stop(n: int) -> Figures:
    return {"rate": n / await _raw(n)}


BENCHES = [
    Bench(
        "watch_stop",
        watch_stop,
        raw_watch_stop,
        (Metric("rate", "watched actors stopped and heard of/s"),),
        size=10_000,
        quick_size=1_000,
    ),
]


def _counted(side: str, n: int) -> int:
    """Instructions of the stop phase of one run of `side` under callgrind."""
    return callgrind_count("benchmarks.watch_stop", [side, str(n)], phase=PHASE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="pairs; 3n is run too")
    parser.add_argument("--sides", nargs="+", choices=SIDES, default=list(SIDES))
    parser.add_argument("--child", metavar="SIDE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        import uvloop

        uvloop.run(_actorkit(args.n, args.child == "watch", counted=True))
        return
    for side in args.sides:
        per = per_unit(functools.partial(_counted, side), args.n, 2 * args.n)
        print(f"{side}: {per:,.0f} instructions per pair", flush=True)


if __name__ == "__main__":
    main()
