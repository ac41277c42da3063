"""Persistence metrics: plain counters per actor class, and the store's commits, turned into
Prometheus families at scrape time through the metrics layer's `add_source` hook (as the
task layer does), so a persist touches integers only and no prometheus_client call."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Literal

from .._errors import PersistenceConflict
from .._stats import DURATION_BUCKETS, Histogram

if TYPE_CHECKING:
    from prometheus_client.core import Metric

BATCH_BUCKETS: tuple[float, ...] = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
"""Writes per commit: 1 when nothing else was waiting, up to the store's batch limit."""

RECOVERY_BUCKETS: tuple[float, ...] = (
    0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0,
)  # fmt: skip

Operation = Literal["persist", "save", "snapshot", "recovery", "reminder"]
KNOWN_FAILURES: tuple[tuple[Operation, str], ...] = (
    ("persist", "error"), ("persist", "conflict"), ("save", "error"), ("save", "conflict"),
    ("snapshot", "error"), ("recovery", "error"), ("reminder", "error"),
)  # fmt: skip
"""The (operation, kind) pairs a store failure can take, exported at 0 for every durable class
so that `increase()` sees the first one. Only the fenced writes (`persist`, `save`) conflict."""


class DurableStats:
    """What is counted for one durable actor class (the `actor_type` label)."""

    __slots__ = (
        "events_persisted", "events_replayed", "failures", "persist_seconds", "recovery_failures",
        "recovery_seconds", "states_saved",
    )  # fmt: skip

    def __init__(self) -> None:
        self.events_persisted: int = 0
        self.events_replayed: int = 0
        self.states_saved: int = 0
        self.failures: dict[tuple[str, str], int] = {}
        """Store failures by (operation, kind): counted where they are raised, never on success."""
        self.persist_seconds: Histogram = Histogram(DURATION_BUCKETS)
        """Persists and saves alike: the time a durable write takes, by class."""
        self.recovery_seconds: Histogram = Histogram(RECOVERY_BUCKETS)
        """Recoveries that finished; those that raised are `recovery_failures`."""
        self.recovery_failures: int = 0
        """Recoveries that raised, whatever raised it (the store, a row that does not decode,
        `apply` or `restore`): a failed one is no sample of `recovery_seconds`, so without
        this it would show nowhere (at a first spawn there is no crash report either)."""

    def failed(self, operation: Operation, error: BaseException) -> None:
        key = (operation, "conflict" if isinstance(error, PersistenceConflict) else "error")
        self.failures[key] = self.failures.get(key, 0) + 1


class PersistenceMetrics:
    """Per class name, plus the commits the store reports through its `on_commit` hook."""

    def __init__(self) -> None:
        self.by_class: dict[str, DurableStats] = {}
        self.batch_size: Histogram = Histogram(BATCH_BUCKETS)
        self.commit_seconds: Histogram = Histogram(DURATION_BUCKETS)

    def of(self, actor_type: str) -> DurableStats:
        stats = self.by_class.get(actor_type)
        if stats is None:
            stats = self.by_class[actor_type] = DurableStats()
        return stats

    def committed(self, writes: int, seconds: float) -> None:
        self.batch_size.observe(writes)
        self.commit_seconds.observe(seconds)


def collect(metrics: PersistenceMetrics) -> Iterator[Metric]:
    from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily

    names = sorted(metrics.by_class)
    for attr, doc in (
        ("events_persisted", "Events written by persist, by actor class"),
        ("events_replayed", "Events replayed through apply during recovery, by actor class"),
        ("states_saved", "States written by save (DurableState), by actor class"),
        ("recovery_failures", "Recoveries of durable actors that failed, by actor class"),
    ):
        counter = CounterMetricFamily(f"actorkit_{attr}", doc, labels=["actor_type"])
        for name in names:
            counter.add_metric([name], getattr(metrics.by_class[name], attr))
        yield counter
    failures = CounterMetricFamily(
        "actorkit_persistence_failures",
        "Store failures of durable actors, by class, operation and kind (conflict or error)",
        labels=["actor_type", "operation", "kind"],
    )
    for name in names:
        counted = metrics.by_class[name].failures
        for operation, kind in sorted({*KNOWN_FAILURES, *counted}):
            failures.add_metric([name, operation, kind], counted.get((operation, kind), 0))
    yield failures
    for attr, doc in (
        ("persist_seconds", "Time from persist or save to durable (encode, queue, commit)"),
        ("recovery_seconds", "Time a recovery of a durable actor took, for those that finished"),
    ):
        family = HistogramMetricFamily(f"actorkit_{attr}", doc, labels=["actor_type"])
        for name in names:
            histogram: Histogram = getattr(metrics.by_class[name], attr)
            family.add_metric([name], histogram.cumulative(), histogram.sum)
        yield family
    for histogram, metric, doc in (
        (metrics.batch_size, "actorkit_store_commit_writes", "Writes (appends, saves) per commit"),
        (metrics.commit_seconds, "actorkit_store_commit_seconds", "Time one commit took"),
    ):
        family = HistogramMetricFamily(metric, doc)
        family.add_metric([], histogram.cumulative(), histogram.sum)
        yield family
