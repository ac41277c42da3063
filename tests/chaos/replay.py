"""What makes a chaos run replayable: which seeds run, one RNG per decision maker derived from
the seed, a virtual clock the test moves explicitly, and a safety net against hangs.

A run is a function of its seed and the event loop alone. Nothing in it reads the wall clock:
ask deadlines, restart intensity windows, backoff and task times are on a `VirtualClock` that
the driver moves by a fixed step per operation; senders give up after a number of loop turns,
not seconds; the `random` module (pool routing `random`, backoff jitter) is reseeded from the
seed for the run. Each actor and each producer draws from its own `random.Random(f"{seed}:{name}")`,
so one actor's draws never depend on how its work interleaved with another's.

Replay a failing seed (its id is in the test name, e.g. `[asyncio-seed22]`, and printed with
the run's fingerprint digest)::

    pytest tests/chaos -k seed22                     # one of the default seeds
    ACTORKIT_CHAOS_SEEDS=1234 pytest tests/chaos     # any seed
    ACTORKIT_CHAOS_SEEDS=1-500 pytest tests/chaos    # more seeds (also `1,7,42`)
    ACTORKIT_CHAOS_SCALE=20 pytest tests/chaos       # 20x the sizes (a different run)
"""

from __future__ import annotations

import asyncio
import heapq
import os
import random
from collections.abc import Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any

import pytest

from actorkit.testing import ManualClock

DEFAULT_SEEDS = (11, 22, 33)
SAFETY_SECONDS = 20.0
"""Per-test safety net at scale 1 (scaled with it): a hang fails the test, it never waits."""


def scale() -> int:
    raw = os.environ.get("ACTORKIT_CHAOS_SCALE", "1")
    value = int(raw)
    if value < 1:
        raise ValueError(f"ACTORKIT_CHAOS_SCALE must be an int >= 1, got {raw!r}")
    return value


def parse_seeds(raw: str) -> list[int]:
    """`17`, `17,42` or `100-199` (inclusive), or a mix: `1-3,17`."""
    chosen: list[int] = []
    for part in raw.replace(" ", "").split(","):
        first, dash, last = part.partition("-")
        if not first.isdigit() or (dash and not last.isdigit()):
            raise ValueError(f"ACTORKIT_CHAOS_SEEDS: expected 17, 17,42 or 1-100, got {raw!r}")
        chosen += range(int(first), int(last if dash else first) + 1)
    return chosen


def seeds() -> list[Any]:
    """The seeds to run, as pytest params whose id (`seed17`) `-k` selects."""
    raw = os.environ.get("ACTORKIT_CHAOS_SEEDS")
    chosen = parse_seeds(raw) if raw else DEFAULT_SEEDS
    return [pytest.param(seed, id=f"seed{seed}") for seed in chosen]


def replayed_seed() -> int:
    """The seed each scenario's replay test runs a second time: the first one to run."""
    first: int = seeds()[0].values[0]
    return first


_FIRST_RUNS: dict[tuple[object, ...], object] = {}
"""Outcomes of the replayed seed's runs, by event loop and key: (scenario, seed, parameters)."""


def _loop_key(key: tuple[object, ...]) -> tuple[object, ...]:
    return (type(asyncio.get_running_loop()).__module__, *key)


def remember(key: tuple[object, ...], outcome: object) -> None:
    """Keep the replayed seed's outcome for the scenario's replay test, which runs after it
    in the same module: the seed then costs one more run, not two."""
    if key[1] == replayed_seed():
        _FIRST_RUNS[_loop_key(key)] = outcome


async def assert_replays(key: tuple[object, ...], run: Callable[[], Awaitable[object]]) -> None:
    """Run the scenario again and compare with its first run (run now if the chaos test was
    not selected): a seed must reproduce its run exactly."""
    first = _FIRST_RUNS.pop(_loop_key(key), None)
    if first is None:
        first = await run()
    second = await run()
    if first != second:
        where = getattr(first, "first_difference", lambda other: "")(second)
        raise AssertionError(f"{key} did not replay its run: {where}")


def rng_for(seed: int, name: str) -> random.Random:
    """The RNG of one decision maker of one run. String seeds are hashed with SHA-512, so the
    same name gives the same stream in every process, whatever `PYTHONHASHSEED` is."""
    return random.Random(f"{seed}:{name}")


@asynccontextmanager
async def chaos_run(seed: int, name: str) -> Any:
    """One replayable run: the `random` module reseeded for it (and restored after), under a
    safety net that fails a hang instead of waiting for it."""
    print(f"chaos {name} seed={seed} scale={scale()} (replay: -k seed{seed})")
    saved = random.getstate()
    random.seed(f"{seed}:{name}:random-module")
    try:
        async with asyncio.timeout(SAFETY_SECONDS * scale()):
            yield
    finally:
        random.setstate(saved)


class VirtualClock(ManualClock):
    """A system clock that moves only when the driver calls `tick`. Unlike `ManualClock`'s
    `advance`, a tick fires what falls due at once, without waiting for the actors to go
    quiet: chaos keeps running between ticks. It buckets ask deadlines like the real clock."""

    resolution = 0.005

    def tick(self, seconds: float) -> None:
        """Move time forward by `seconds`, firing in time order everything that falls due."""
        target = self._now + seconds
        heap = self._heap
        while heap and heap[0][0] <= target:
            when, _, entry = heapq.heappop(heap)
            if not entry.cancelled:
                self._now = max(self._now, when)
                entry.callback()
        self._now = target


STEP_TURNS = 10
"""Loop turns `finish` lets pass between ticks of the virtual clock."""


async def finish(clock: VirtualClock, tasks: Iterable[asyncio.Future[Any]], step: float) -> None:
    """Let `tasks` end, moving the clock by `step` every few loop turns, so that deadlines
    still ahead fall due at a point fixed by the run itself, never by the wall clock."""
    waiting = [task for task in tasks if not task.done()]
    while waiting:
        for _ in range(STEP_TURNS):
            await asyncio.sleep(0)
        clock.tick(step)
        waiting = [task for task in waiting if not task.done()]
