"""The one measuring loop shared by every workload.

A `Bench` has two sides, actorkit and a raw-asyncio baseline, each an async function that runs
the workload once at size `n` and returns its figures (`{"rate": ..., "p99": ...}`). `measure`
runs both sides `runs` times on the SAME uvloop loop, alternating which goes first, and reports
the median of each figure as one JSON line. Because both sides share the loop, the process and
the moment, their ratio survives a noisy machine even when the absolute numbers do not.

`ratio` is always actorkit / baseline. `higher_is_better` says how to read it: for a rate the
target is a floor (ratio >= target), for a cost (latency, memory, seconds) a ceiling
(ratio <= target).
"""

from __future__ import annotations

import asyncio
import cProfile
import gc
import json
import pstats
import statistics
import sys
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import actorkit

Figures = dict[str, float]
Side = Callable[[int], Awaitable[Figures]]

SIDE_TIMEOUT = 300.0
"""A side that takes longer than this is reported as an error instead of hanging the run."""


@dataclass(frozen=True)
class Metric:
    """One figure a bench reports: the key in the sides' results, its unit and its target."""

    name: str
    unit: str
    higher_is_better: bool = True
    target: float | None = None


@dataclass(frozen=True)
class Bench:
    name: str
    actorkit: Side
    baseline: Side
    metrics: tuple[Metric, ...]
    size: int
    quick_size: int | None
    """The size under `--quick`; None skips the bench there."""


@dataclass
class Figure:
    bench: str
    metric: Metric
    actorkit: float | None
    baseline: float | None
    n: int
    runs: int
    loop: str
    error: str | None = None

    @property
    def ratio(self) -> float | None:
        if self.actorkit is None or not self.baseline:
            return None
        return self.actorkit / self.baseline

    @property
    def passed(self) -> bool | None:
        """None without a target; False for a miss or an error."""
        target = self.metric.target
        if target is None:
            return None
        ratio = self.ratio
        if ratio is None:
            return False
        return ratio >= target if self.metric.higher_is_better else ratio <= target

    def json(self) -> str:
        record: dict[str, Any] = {
            "bench": self.bench,
            "metric": self.metric.name,
            "actorkit": _round(self.actorkit),
            "baseline": _round(self.baseline),
            "ratio": None if self.ratio is None else round(self.ratio, 3),
            "higher_is_better": self.metric.higher_is_better,
            "unit": self.metric.unit,
            "target": self.metric.target,
            "pass": self.passed,
            "n": self.n,
            "runs": self.runs,
            "loop": self.loop,
        }
        if self.error is not None:
            record["error"] = self.error
        return json.dumps(record)


def _round(value: float | None) -> float | None:
    return None if value is None else float(f"{value:.4g}")


@dataclass
class Stopwatch:
    """`with Stopwatch() as watch: ...` then `watch.seconds`."""

    seconds: float = 0.0
    _start: float = field(default=0.0, repr=False)

    def __enter__(self) -> Stopwatch:
        self._start = time.perf_counter()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.seconds = time.perf_counter() - self._start


def percentiles_us(seconds: list[float]) -> Figures:
    """p50 and p99 of a list of durations, in microseconds."""
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    return {"p50": cuts[49] * 1e6, "p99": cuts[98] * 1e6}


async def kib_each(n: int, make: Callable[[], Awaitable[object]]) -> float:
    """Memory that `make()` leaves allocated, per item, in KiB (tracemalloc; its own pass,
    since tracing slows everything down)."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        await make()
        await asyncio.sleep(0)  # let new tasks reach their first wait
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return (after - before) / n / 1024


async def _run_side(side: Side, n: int) -> Figures:
    gc.collect()
    async with asyncio.timeout(SIDE_TIMEOUT):
        return await side(n)


async def _measure(bench: Bench, n: int, runs: int) -> list[Figure]:
    sides = {"actorkit": bench.actorkit, "baseline": bench.baseline}
    samples: dict[str, list[Figures]] = {name: [] for name in sides}
    errors: dict[str, str] = {}
    for run in range(runs):
        order = list(sides) if run % 2 == 0 else list(reversed(sides))
        for name in order:
            if name in errors:
                continue
            try:
                samples[name].append(await _run_side(sides[name], n))
            except Exception as error:  # reported in the figure, and a miss under --check
                errors[name] = f"{name}: {type(error).__name__}: {error}"
    loop = type(asyncio.get_running_loop()).__module__.split(".")[0]

    def median(name: str, metric: str) -> float | None:
        values = [sample[metric] for sample in samples[name]]
        return statistics.median(values) if values else None

    failure = "; ".join(errors.values()) or None
    return [
        Figure(
            bench.name,
            metric,
            median("actorkit", metric.name) if "actorkit" not in errors else None,
            median("baseline", metric.name) if "baseline" not in errors else None,
            n,
            runs,
            loop,
            failure,
        )
        for metric in bench.metrics
    ]


def measure(bench: Bench, n: int, runs: int) -> list[Figure]:
    """Both sides, `runs` times each, on one fresh uvloop loop; the median of each figure."""
    return actorkit.run(_measure(bench, n, runs))


async def _profile(bench: Bench, n: int, top: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        await bench.actorkit(n)
    finally:
        profiler.disable()
    print(f"--- cProfile of {bench.name} (actorkit side, n={n}) ---", file=sys.stderr)
    pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(top)


def profile(bench: Bench, n: int, top: int = 10) -> None:
    """Run the actorkit side once under cProfile; print the `top` functions by tottime."""
    actorkit.run(_profile(bench, n, top))
