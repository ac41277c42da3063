"""The one measuring loop shared by every workload.

A `Bench` has two sides, actorkit and a baseline, each an async function that runs the workload
once at size `n` and returns its figures (`{"rate": ..., "p99": ...}`). The baseline is raw
asyncio unless `Bench.baseline_is` says otherwise (`metrics=False` for the metrics overhead, one
exact subscription for the topic index). `measure` runs both sides `runs` times on the SAME
uvloop loop, alternating which goes first, and reports the median of each figure as one JSON
line. Because both sides share the loop, the process and the moment, their ratio survives a
noisy machine even when the absolute numbers do not.

`ratio` is always actorkit / baseline, taken per run (the two sides of a run are adjacent in
time) and then the median over runs: a stall of the machine that slows one run of one side
spoils that run's ratio only, where the ratio of the two medians moves as soon as two of three
runs of one side were slow. `higher_is_better` says how to read it: for a rate the
target is a floor (ratio >= target), for a cost (latency, memory, seconds) a ceiling
(ratio <= target). A metric with `absolute=True` compares actorkit's own value with the target
instead (bytes per timer, GiB for a million actors), and a bench may have no baseline at all.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import statistics
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import actorkit

Figures = dict[str, float]
Side = Callable[[int], Awaitable[Figures]]

RAW = "raw asyncio"
SIDE_TIMEOUT = 300.0
"""A side that takes longer than this is reported as an error instead of hanging the run."""


@dataclass(frozen=True)
class Metric:
    """One figure a bench reports: the key in the sides' results, its unit and its target."""

    name: str
    unit: str
    higher_is_better: bool = True
    target: float | None = None
    absolute: bool = False
    """The target applies to actorkit's value itself, not to the ratio."""


@dataclass(frozen=True)
class Bench:
    name: str
    actorkit: Side
    baseline: Side | None
    metrics: tuple[Metric, ...]
    size: int
    quick_size: int | None
    """The size under `--quick`; None skips the bench there."""
    baseline_is: str = RAW
    """What the baseline side runs, for the reader and the chart."""
    explicit: bool = False
    """Run only when named with `--only`: never in the default or quick run."""
    max_runs: int | None = None
    """Cap on runs per side, for a bench too slow or too big to repeat."""
    min_runs: int = 1
    """Floor on runs per side, for a cheap bench whose ratio sits close to its target, so
    that the median is not one or two runs' luck."""
    per_n: int = 1
    """Messages per unit of `n` (deliveries per publish), for `--profile`'s cost per message."""
    messages: Callable[[int], int] | None = None
    """Messages (or actors) a run of size `n` handles, for `--profile`, where that is not
    proportional to `n` (fib(n)); `n * per_n` when None."""


@dataclass
class Figure:
    bench: str
    metric: Metric
    actorkit: float | None
    baseline: float | None
    n: int
    runs: int
    loop: str
    baseline_is: str | None = RAW
    error: str | None = None
    paired: list[float] = field(default_factory=list)
    """actorkit / baseline of each run; their median is the ratio."""

    @property
    def ratio(self) -> float | None:
        if self.actorkit is None or not self.baseline:
            return None
        if self.paired:
            return statistics.median(self.paired)
        return self.actorkit / self.baseline

    @property
    def passed(self) -> bool | None:
        """None without a target; False for a miss or an error."""
        target = self.metric.target
        if target is None:
            return None
        value = self.actorkit if self.metric.absolute else self.ratio
        if value is None:
            return False
        return value >= target if self.metric.higher_is_better else value <= target

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
            "target_on": "value" if self.metric.absolute else "ratio",
            "pass": self.passed,
            "n": self.n,
            "runs": self.runs,
            "loop": self.loop,
            "baseline_is": self.baseline_is,
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


def medians(samples: list[Figures]) -> Figures:
    """The median of each figure over several runs of one side."""
    return {key: statistics.median(sample[key] for sample in samples) for key in samples[0]}


@dataclass
class Traced:
    """`with Traced() as traced: ...` then `traced.bytes`: what the block left allocated
    (tracemalloc, after a full collection; use it in a pass of its own, since tracing slows
    everything down)."""

    bytes: int = 0
    _before: int = field(default=0, repr=False)

    def __enter__(self) -> Traced:
        gc.collect()
        tracemalloc.start()
        self._before = tracemalloc.get_traced_memory()[0]
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            gc.collect()
            self.bytes = tracemalloc.get_traced_memory()[0] - self._before
        finally:
            tracemalloc.stop()


async def kib_each(n: int, make: Callable[[], Awaitable[object]]) -> float:
    """Memory that `make()` leaves allocated, per item, in KiB."""
    with Traced() as traced:
        await make()
        await asyncio.sleep(0)  # let new tasks reach their first wait
    return traced.bytes / n / 1024


def rss_bytes() -> int:
    """The process's resident set size now (Linux `/proc`; 0 where it is not available)."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


async def _run_side(side: Side, n: int) -> Figures:
    # One loop turn first: the loop holds the handle it ran last until it runs another, and
    # that handle may hold the last side's whole workload (a finished `gather` and its tasks),
    # which would otherwise stay alive through this side's collections.
    await asyncio.sleep(0)
    gc.collect()
    async with asyncio.timeout(SIDE_TIMEOUT):
        return await side(n)


async def _measure(bench: Bench, n: int, runs: int) -> list[Figure]:
    sides = {"actorkit": bench.actorkit}
    if bench.baseline is not None:
        sides["baseline"] = bench.baseline
    runs = max(runs, bench.min_runs)
    if bench.max_runs is not None:
        runs = min(runs, bench.max_runs)
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
        if name in errors:
            return None
        values = [sample[metric] for sample in samples.get(name, ()) if metric in sample]
        return statistics.median(values) if values else None

    def paired(metric: str) -> list[float]:
        if errors or bench.baseline is None:
            return []
        return [
            ours[metric] / theirs[metric]
            for ours, theirs in zip(samples["actorkit"], samples["baseline"], strict=True)
            if metric in ours and theirs.get(metric)
        ]

    failure = "; ".join(errors.values()) or None
    return [
        Figure(
            bench.name,
            metric,
            median("actorkit", metric.name),
            median("baseline", metric.name),
            n,
            runs,
            loop,
            bench.baseline_is if bench.baseline is not None else None,
            failure,
            paired(metric.name),
        )
        for metric in bench.metrics
    ]


def measure(bench: Bench, n: int, runs: int) -> list[Figure]:
    """Both sides, `runs` times each, on one fresh uvloop loop; the median of each figure."""
    return actorkit.run(_measure(bench, n, runs))
