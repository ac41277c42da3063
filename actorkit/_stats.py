"""Plain counters kept by the runtime for each actor class, read by the metrics collector at
scrape time. Nothing here takes a lock or allocates per message: the hot path only adds to
integers and one bucket list, which is why metrics cost little when they are on."""

from __future__ import annotations

import asyncio
import math
from bisect import bisect_left

from ._errors import ActorStopped, AskTimeout

# Seconds. From a microsecond handler to a ten-second one; Prometheus adds +Inf.
DURATION_BUCKETS: tuple[float, ...] = (
    1e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3,
    0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
)  # fmt: skip


class Histogram:
    """Non-cumulative bucket counts plus sum; made cumulative only when scraped.

    The per-message paths (`Cell._loop`, `ClassStats.ask_answered`) find the bucket by scanning
    `bounds` from the bottom instead of calling `bisect_left`: a handful of float comparisons
    the interpreter specialises, cheaper than the call for the microsecond values that
    dominate there (see metrics_overhead in benchmarks/RESULTS.md), and a long scan only for
    a value so large that the scan is negligible beside it. `observe` is for the rare paths.
    """

    __slots__ = ("bounds", "buckets", "counts", "sum")

    def __init__(self, buckets: tuple[float, ...] = DURATION_BUCKETS) -> None:
        self.buckets = buckets
        self.bounds = (*buckets, math.inf)
        """The upper bounds with +Inf last, so a scan `while value > bounds[i]` always ends
        (NaN lands in the first bucket, as with `bisect_left`)."""
        self.counts = [0] * (len(buckets) + 1)
        self.sum = 0.0

    def observe(self, value: float, times: int = 1) -> None:
        self.counts[bisect_left(self.buckets, value)] += times
        self.sum += value * times

    @property
    def count(self) -> int:
        return sum(self.counts)

    def cumulative(self) -> list[tuple[str, float]]:
        """The `le` buckets as Prometheus expects them: cumulative, `+Inf` last."""
        total = 0
        buckets: list[tuple[str, float]] = []
        for bound, count in zip(self.buckets, self.counts, strict=False):
            total += count
            buckets.append((repr(float(bound)), total))
        buckets.append(("+Inf", total + self.counts[-1]))
        return buckets


class ClassStats:
    """Everything counted for one actor class (the `actor_type` label)."""

    __slots__ = (
        "ask_seconds",
        "asks",
        "dropped",
        "failures",
        "gave_up",
        "name",
        "processed_retired",
        "processing",
        "restarts",
        "spawned",
        "stopped",
    )

    def __init__(self, name: str) -> None:
        self.name = name
        self.spawned = 0
        self.stopped = 0
        self.restarts = 0
        self.gave_up = 0
        self.dropped = 0
        self.processed_retired = 0
        self.failures: dict[str, int] = {}
        self.asks: dict[str, int] = {"error": 0, "timeout": 0, "stopped": 0, "cancelled": 0}
        self.processing = Histogram()
        self.ask_seconds = Histogram()

    def ask_answered(self, seconds: float) -> None:
        """An ask's reply is ready after `seconds` (the ok count is this histogram's count
        less the failures, so nothing else is counted). The bucket is found by a scan, as in
        `Cell._loop`: see `Histogram`."""
        histogram = self.ask_seconds
        bounds = histogram.bounds
        i = 0
        while seconds > bounds[i]:
            i += 1
        histogram.counts[i] += 1
        histogram.sum += seconds

    def ask_failed(self, error: BaseException, seconds: float) -> None:
        if isinstance(error, asyncio.CancelledError):
            outcome = "cancelled"
        elif isinstance(error, AskTimeout):
            outcome = "timeout"
        elif isinstance(error, ActorStopped):
            outcome = "stopped"
        else:
            outcome = "error"
        self.asks[outcome] += 1
        self.ask_seconds.observe(seconds)

    def asks_by_outcome(self) -> dict[str, int]:
        """Every ask is observed in `ask_seconds`; those that did not fail succeeded."""
        return {**self.asks, "ok": self.ask_seconds.count - sum(self.asks.values())}


LAG_INTERVAL = 0.25
"""Seconds between event-loop lag probes: cheap (one loop callback), fine enough to see
a handler that blocks the loop."""

LAG_BUCKETS: tuple[float, ...] = (0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0)
