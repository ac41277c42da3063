"""Plain counters kept by the runtime for each actor class, read by the metrics collector at
scrape time. Nothing here takes a lock: the hot path adds to integers and appends a duration
to a list that is folded into the buckets `FOLD_AT` at a time, which is why metrics cost
little when they are on."""

from __future__ import annotations

import asyncio
from bisect import bisect_left, bisect_right

from ._errors import ActorStopped, AskTimeout

# Seconds. From a microsecond handler to a ten-second one; Prometheus adds +Inf.
DURATION_BUCKETS: tuple[float, ...] = (
    1e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3,
    0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
)  # fmt: skip


FOLD_AT = 512
"""Samples a histogram holds before its owner's next sample folds them into the buckets. A
fold is a pause of tens of microseconds (both histograms of a sequential ask fold on the same
ask); at 512 such asks are 0.2% of them, under p99 with the ask deadlines' rotation and the
garbage collector's passes, where at 256 they made p98 twice the raw round trip's."""

FOLD_PAIRS = 2 * FOLD_AT
"""`ClassStats.pairs` holds two samples a lone ask: folded at `FOLD_AT` each."""


class Histogram:
    """Non-cumulative bucket counts plus sum; made cumulative only when scraped.

    The per-batch and per-ask paths (`_receive.run`, written out there) only append
    a duration to `pending` (a lone ask's two to `ClassStats.pairs`), and `fold` puts
    `FOLD_AT` of them in their buckets at once (a sort and a bisection per bucket, in C;
    bucketing each with `bisect` in C costs three times the sort): finding each sample's
    bucket as it came cost
    about three times as much per sample (benchmarks/RESULTS.md, "where the remaining gaps
    are"). Reads (`counts`, `sum`, `cumulative`) count the pending samples in without
    folding them, so what is read is exact and a read never changes the histogram; only the
    system's own loop folds. `observe` is for the rare paths.
    """

    __slots__ = ("_counts", "_sum", "buckets", "half", "paired", "pending")

    def __init__(
        self,
        buckets: tuple[float, ...] = DURATION_BUCKETS,
        paired: list[float] | None = None,
        half: int = 0,
    ) -> None:
        self.buckets: tuple[float, ...] = buckets
        self._counts = [0] * (len(buckets) + 1)
        self._sum = 0.0
        self.pending: list[float] = []
        """Samples not yet in the buckets: appended by the hot paths, which call `fold`
        once it holds `FOLD_AT`."""
        self.paired: list[float] | None = paired
        """`ClassStats.pairs`, which holds this histogram's samples at `half`, `half + 2`, ...
        until `ClassStats.fold_pairs` adds them: pending too, so the reads count them in."""
        self.half: int = half

    def observe(self, value: float, times: int = 1) -> None:
        self._counts[bisect_left(self.buckets, value)] += times
        self._sum += value * times

    def record(self, value: float) -> None:
        """One sample (what `_receive.run` and `TaskLayer._finish` write out)."""
        pending = self.pending
        pending.append(value)
        if len(pending) >= FOLD_AT:
            self.fold()

    def fold(self) -> None:
        pending = self.pending
        self.add(pending)
        pending.clear()

    def add(self, samples: list[float]) -> None:
        """Put `samples` in the buckets (sorting the list)."""
        samples.sort()
        self._sum += _add_sorted(samples, self.buckets, self._counts)

    def _view(self) -> tuple[list[int], float]:
        paired = self.paired
        samples = self.pending + paired[self.half :: 2] if paired else list(self.pending)
        samples.sort()
        counts = list(self._counts)
        return counts, self._sum + _add_sorted(samples, self.buckets, counts)

    @property
    def counts(self) -> list[int]:
        return self._view()[0]

    @property
    def sum(self) -> float:
        return self._view()[1]

    @property
    def count(self) -> int:
        paired = self.paired
        return sum(self._counts) + len(self.pending) + (len(paired) // 2 if paired else 0)

    def cumulative(self) -> list[tuple[str, float]]:
        """The `le` buckets as Prometheus expects them: cumulative, `+Inf` last."""
        counts = self.counts
        total = 0
        buckets: list[tuple[str, float]] = []
        for bound, count in zip(self.buckets, counts, strict=False):
            total += count
            buckets.append((repr(float(bound)), total))
        buckets.append(("+Inf", total + counts[-1]))
        return buckets


def _add_sorted(samples: list[float], bounds: tuple[float, ...], counts: list[int]) -> float:
    """Count sorted `samples` into `counts`, each in the first bucket whose bound it does not
    exceed (as `bisect_left` over the bounds places one value), the rest in +Inf; returns
    their sum."""
    total = len(samples)
    below = 0
    for i, bound in enumerate(bounds):
        if below == total:
            break
        at = bisect_right(samples, bound, below)
        counts[i] += at - below
        below = at
    counts[-1] += total - below
    return sum(samples)


class ClassStats:
    """Everything counted for one actor class (the `actor_type` label)."""

    __slots__ = (
        "ask_seconds",
        "asks",
        "dropped",
        "failures",
        "gave_up",
        "name",
        "pairs",
        "processed_retired",
        "processing",
        "restarts",
        "spawned",
        "stopped",
    )

    def __init__(self, name: str) -> None:
        self.name: str = name
        self.spawned: int = 0
        self.stopped: int = 0
        self.restarts: int = 0
        self.gave_up: int = 0
        self.dropped: int = 0
        self.processed_retired: int = 0
        self.failures: dict[str, int] = {}
        self.asks: dict[str, int] = {"error": 0, "timeout": 0, "stopped": 0, "cancelled": 0}
        self.pairs: list[float] = []
        """A lone ask's batch, timed at its end: its handling time and the ask's, two by two
        (`_receive.run` appends both, one list and one fold check where two took two)."""
        self.processing: Histogram = Histogram(paired=self.pairs, half=0)
        self.ask_seconds: Histogram = Histogram(paired=self.pairs, half=1)

    def fold_pairs(self) -> None:
        pairs = self.pairs
        self.processing.add(pairs[0::2])
        self.ask_seconds.add(pairs[1::2])
        pairs.clear()

    def batch_cut(self, seconds: float, handled: int) -> None:
        """A batch a forced stop cut off in its handler after `handled` messages: they are
        counted as processed, so each is a sample, at the batch's mean as any batch's."""
        self.processing.observe(seconds / handled, handled)

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
