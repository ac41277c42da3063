"""Per-request actors: spawn, one ask, stop, over and over (an actor per request or per job).

Each shape is timed on its own and reported as churns per second:

- `plain`: an actor with only `receive`, spawned, asked and stopped from outside;
- `on_start`: one with an `on_start`, which `spawn` waits for (API §9);
- `on_stop`: one with an `on_stop`, which `ref.stop()` waits for;
- `child`: the plain one spawned, asked and stopped by another actor from inside its handler;
- `temporary`: the plain one spawned with `restart="temporary"`;
- `self_stop`: one that calls `self.stop()` as it answers (`restart="transient"`, so its exit
  is a stop), the asker not waiting for its end;
- `concurrent`: `CONCURRENT` churners at once (`asyncio.gather`), each churning plain actors.

The baseline is what a careful asyncio programmer writes for each: an `asyncio.Queue` and a
task per actor, a future for the reply, `task.cancel()` and an await of the task to stop it.
Its start code runs in the task before it reads its queue, and the spawner waits on a future
the task answers after it (as `spawn` returns once `on_start` finished); its stop code runs in
the task as it is cancelled, the stopper awaiting it; a task that stops itself returns after
answering (held in a set until done, as asyncio's documentation asks); the child shape's loop
runs in the handler of a task of the same kind.

    python -m benchmarks.churn 2000 [--shapes plain on_start ...] [--sides actorkit raw]

counts each shape under `valgrind --tool=callgrind` at n and 3n churns and prints the
difference divided by 2n: instructions per churn, a figure a loaded machine does not move.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import gc
from collections.abc import Awaitable, Callable
from typing import Any

from actorkit import Actor, ActorRef, ActorSystem
from actorkit._watchdog import BLOCKED_THRESHOLD

from ._callgrind import callgrind_count, per_unit
from ._churn_common import CONCURRENT, Tally
from ._churn_raw import RAW
from ._harness import Bench, Figures, Metric, Stopwatch
from .messaging import check

SHAPES = ("plain", "on_start", "on_stop", "child", "temporary", "self_stop", "concurrent")
TIME_SCALE = 50.0
"""How much slower Python runs under callgrind (`benchmarks.instructions`' `--time-scale`)."""


class Echo(Actor):
    async def receive(self, message: object) -> object:
        return message


class Starts(Actor):
    def __init__(self, tally: Tally) -> None:
        self.tally = tally

    async def on_start(self) -> None:
        self.tally.started += 1

    async def receive(self, message: object) -> object:
        return message


class Stops(Actor):
    def __init__(self, tally: Tally) -> None:
        self.tally = tally

    async def receive(self, message: object) -> object:
        return message

    async def on_stop(self) -> None:
        self.tally.stopped += 1


class Once(Actor):
    """Answers one request, and stops."""

    async def receive(self, message: object) -> object:
        self.stop()
        return message


class Churner(Actor):
    """Churns as many plain actors as it is asked to, from inside its handler."""

    async def receive(self, n: int) -> int:
        return await _ak_churns(self.spawn, n, Echo)


# --- actorkit ------------------------------------------------------------------------------
async def _ak_churns(
    spawn: Callable[..., Awaitable[ActorRef]],
    n: int,
    factory: type[Actor],
    *args: Any,
    **options: Any,
) -> int:
    """n actors of `factory`, each spawned by `spawn`, asked once and stopped."""
    total = 0
    for i in range(n):
        ref = await spawn(factory, *args, **options)
        total += await ref.ask(i)
        await ref.stop()
    return total


async def _ak_plain(system: ActorSystem, n: int, tally: Tally) -> int:
    return await _ak_churns(system.spawn, n, Echo)


async def _ak_on_start(system: ActorSystem, n: int, tally: Tally) -> int:
    return await _ak_churns(system.spawn, n, Starts, tally)


async def _ak_on_stop(system: ActorSystem, n: int, tally: Tally) -> int:
    return await _ak_churns(system.spawn, n, Stops, tally)


async def _ak_child(system: ActorSystem, n: int, tally: Tally) -> int:
    churner = await system.spawn(Churner)
    total: int = await churner.ask(n, timeout=600.0)
    await churner.stop()
    return total


async def _ak_temporary(system: ActorSystem, n: int, tally: Tally) -> int:
    return await _ak_churns(system.spawn, n, Echo, restart="temporary")


async def _ak_self_stop(system: ActorSystem, n: int, tally: Tally) -> int:
    spawn = system.spawn
    total = 0
    for i in range(n):
        ref = await spawn(Once, restart="transient")
        total += await ref.ask(i)
    await asyncio.sleep(0)  # the last one's stop, carried out after its answer
    check(ref.is_alive, False)
    return total


async def _ak_concurrent(system: ActorSystem, n: int, tally: Tally) -> int:
    each = n // CONCURRENT
    totals = await asyncio.gather(*(_ak_plain(system, each, tally) for _ in range(CONCURRENT)))
    return sum(totals)


AK: dict[str, Callable[[ActorSystem, int, Tally], Awaitable[int]]] = {
    "plain": _ak_plain,
    "on_start": _ak_on_start,
    "on_stop": _ak_on_stop,
    "child": _ak_child,
    "temporary": _ak_temporary,
    "self_stop": _ak_self_stop,
    "concurrent": _ak_concurrent,
}


def _expected(shape: str, n: int) -> tuple[int, int, int]:
    """The sum of the answers, and the `on_start`s and `on_stop`s run."""
    churns = n // CONCURRENT * CONCURRENT if shape == "concurrent" else n
    total = sum(range(n // CONCURRENT)) * CONCURRENT if shape == "concurrent" else sum(range(n))
    return (
        total,
        churns if shape == "on_start" else 0,
        churns if shape == "on_stop" else 0,
    )


def _churns(shape: str, n: int) -> int:
    return n // CONCURRENT * CONCURRENT if shape == "concurrent" else n


async def ak_shape(shape: str, n: int, counted: bool = False) -> float:
    """Seconds for n churns of `shape` on actorkit, checked: every answer, every hook, and
    no actor left but the system's. Under callgrind (`counted`), the watchdog, which would
    find the slowed loop blocked and whose thread callgrind counts, looks away."""
    tally = Tally()
    blocked = 3600.0 if counted else BLOCKED_THRESHOLD
    async with ActorSystem("bench", blocked_threshold=blocked) as system:
        gc.collect()
        with Stopwatch() as watch:
            total = await AK[shape](system, n, tally)
        check((total, tally.started, tally.stopped), _expected(shape, n))
        check(system.actor_count, 0)
        check(system.accounting().balanced, True)
    return watch.seconds


async def raw_shape(shape: str, n: int) -> float:
    tally = Tally()
    gc.collect()
    with Stopwatch() as watch:
        total = await RAW[shape](n, tally)
    check((total, tally.started, tally.stopped), _expected(shape, n))
    return watch.seconds


async def churn(n: int) -> Figures:
    return {shape: _churns(shape, n) / await ak_shape(shape, n) for shape in SHAPES}


async def raw_churn(n: int) -> Figures:
    return {shape: _churns(shape, n) / await raw_shape(shape, n) for shape in SHAPES}


BENCHES = [
    Bench(
        "churn",
        churn,
        raw_churn,
        tuple(Metric(shape, "churns/s") for shape in SHAPES),
        size=10_000,
        quick_size=2_000,
    ),
]


# --- instructions per churn under callgrind ------------------------------------------------
def _counted(side: str, shape: str, n: int) -> int:
    return callgrind_count("benchmarks.churn", [side, shape, str(n)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="churns; 3n is run too")
    parser.add_argument("--shapes", nargs="+", choices=SHAPES, default=list(SHAPES))
    parser.add_argument("--sides", nargs="+", choices=("actorkit", "raw"), default=["actorkit"])
    parser.add_argument("--child", nargs=2, metavar=("SIDE", "SHAPE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        import uvloop

        from actorkit import _clock, _metrics

        side, shape = args.child
        # As in `benchmarks.instructions`: the clock's resolution stretched by how much slower
        # callgrind runs, so that the ask deadlines' rotation comes as often per churn as in
        # a real run; the loop lag probe's interval too.
        _clock.SystemClock.resolution *= TIME_SCALE
        _metrics.LAG_INTERVAL *= TIME_SCALE  # type: ignore[attr-defined]  # the copy it reads
        if side == "actorkit":
            uvloop.run(ak_shape(shape, args.n, counted=True))
        else:
            uvloop.run(raw_shape(shape, args.n))
        return
    for shape in args.shapes:
        for side in args.sides:
            count = functools.partial(_counted, side, shape)
            per = per_unit(count, args.n, 2 * _churns(shape, args.n))
            print(f"{shape} {side}: {per:,.0f} instructions per churn", flush=True)


if __name__ == "__main__":
    main()
