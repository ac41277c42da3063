"""Prometheus metrics: the runtime's plain counters turned into metric families at scrape time.

Each system has its own `CollectorRegistry` (`system.metrics.registry`), so two systems in one
process never mix, and nothing registers in prometheus_client's global registry. Labels are
the actor class (`actor_type`), never a path: 100,000 unnamed actors make no more series than
one. Rare events (spawn, stop, failure, restart, give-up) arrive through the instrument
interface; per-message work only touches integers on the cell and its class's `ClassStats`.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from ._stats import ClassStats, Histogram

if TYPE_CHECKING:
    from ._cell import Cell
    from ._system import ActorSystem

logger = logging.getLogger("actorkit")

LAG_INTERVAL = 0.25
"""Seconds between event-loop lag probes: cheap (one loop callback), fine enough to see
a handler that blocks the loop."""

LAG_BUCKETS: tuple[float, ...] = (0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0)


class Metrics:
    """The metrics of one system. With `ActorSystem(metrics=False)` it still exists (so code
    can read `system.metrics.enabled`) but counts nothing and registers no collector."""

    def __init__(self, system: ActorSystem, enabled: bool) -> None:
        self.enabled = enabled
        self.registry = CollectorRegistry(auto_describe=False)
        self._system = system
        self._by_class: dict[type, ClassStats] = {}
        self.loop_lag = Histogram(LAG_BUCKETS)
        self._probe: asyncio.TimerHandle | None = None
        self.sources: list[Callable[[], Iterable[Metric]]] = []
        if enabled:
            self.registry.register(_Collector(self))
            system.instruments.add(self)

    def add_source(self, source: Callable[[], Iterable[Metric]]) -> None:
        """Let a layer (tasks, transports) contribute families without the core knowing it."""
        self.sources.append(source)

    def stats_for(self, cls: type) -> ClassStats | None:
        if not self.enabled:
            return None
        stats = self._by_class.get(cls)
        if stats is None:
            stats = self._by_class[cls] = ClassStats(cls.__name__)
        return stats

    def classes(self) -> list[ClassStats]:
        return list(self._by_class.values())

    # --- the event-loop lag probe ------------------------------------------------------
    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        if self.enabled:
            self._schedule(loop)

    def _schedule(self, loop: asyncio.AbstractEventLoop) -> None:
        due = loop.time() + LAG_INTERVAL
        self._probe = loop.call_at(due, self._measure, loop, due)

    def _measure(self, loop: asyncio.AbstractEventLoop, due: float) -> None:
        lag = max(0.0, loop.time() - due)
        self.loop_lag.observe(lag)
        self._schedule(loop)

    def stop(self) -> None:
        if self._probe is not None:
            self._probe.cancel()
            self._probe = None

    # --- instrument events (rare) -------------------------------------------------------
    def spawned(self, cell: Cell) -> None:
        if cell.stats is not None:
            cell.stats.spawned += 1

    def stopped(self, cell: Cell) -> None:
        stats = cell.stats
        if stats is not None:
            stats.stopped += 1
            stats.processed_retired += cell.mailbox.processed

    def failed(self, cell: Cell, error: BaseException) -> None:
        stats = cell.stats
        if stats is not None:
            name = type(error).__name__
            stats.failures[name] = stats.failures.get(name, 0) + 1

    def restarted(self, cell: Cell) -> None:
        if cell.stats is not None:
            cell.stats.restarts += 1

    def resumed(self, cell: Cell) -> None:
        """Resumes are visible as failures without restarts; nothing more to count."""

    def gave_up(self, cell: Cell) -> None:
        if cell.stats is not None:
            cell.stats.gave_up += 1


def _histogram(family: HistogramMetricFamily, labels: list[str], histogram: Histogram) -> None:
    cumulative = 0
    buckets: list[tuple[str, float]] = []
    for bound, count in zip(histogram.buckets, histogram.counts, strict=False):
        cumulative += count
        buckets.append((repr(float(bound)), cumulative))
    cumulative += histogram.counts[-1]
    buckets.append(("+Inf", cumulative))
    family.add_metric(labels, buckets, histogram.sum)


class _Collector(Collector):
    """Builds every `actorkit_*` family from plain counters when Prometheus scrapes."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    def collect(self) -> Iterator[Metric]:
        try:
            yield from self._collect()
        except Exception:
            # A broken collector must not take the endpoint (or the system) down.
            logger.exception("actorkit metrics collector failed")

    def _collect(self) -> Iterable[Metric]:
        metrics = self._metrics
        system = metrics._system
        classes = metrics.classes()
        by_name: dict[str, list[ClassStats]] = defaultdict(list)
        for stats in classes:
            by_name[stats.name].append(stats)

        alive: dict[tuple[str, str], int] = defaultdict(int)
        processed_live: dict[str, int] = defaultdict(int)
        depth_sum: dict[str, int] = defaultdict(int)
        depth_max: dict[str, int] = defaultdict(int)
        for cell in system.cells():
            cell_stats = cell.stats
            if cell_stats is None:
                continue
            name = cell_stats.name
            alive[(name, cell.state)] += 1
            processed_live[name] += cell.mailbox.processed
            depth = len(cell.mailbox)
            depth_sum[name] += depth
            if depth > depth_max[name]:
                depth_max[name] = depth

        actors = GaugeMetricFamily(
            "actorkit_actors", "Live actors by class and state", labels=["actor_type", "state"]
        )
        for (name, state), count in sorted(alive.items()):
            actors.add_metric([name, state], count)
        yield actors

        def counter(metric: str, doc: str, attr: str) -> CounterMetricFamily:
            family = CounterMetricFamily(metric, doc, labels=["actor_type"])
            for name, group in sorted(by_name.items()):
                family.add_metric([name], sum(getattr(stats, attr) for stats in group))
            return family

        yield counter("actorkit_actor_spawned", "Actors spawned", "spawned")
        yield counter("actorkit_actor_stopped", "Actors stopped for good", "stopped")
        yield counter("actorkit_actor_restarts", "Completed actor restarts", "restarts")
        yield counter(
            "actorkit_supervisor_escalations",
            "Supervisors that exceeded their restart intensity and escalated",
            "gave_up",
        )
        yield counter(
            "actorkit_mailbox_dropped", "Tells refused because the mailbox was full", "dropped"
        )

        failures = CounterMetricFamily(
            "actorkit_actor_failures",
            "Handler failures by class and exception type",
            labels=["actor_type", "exception"],
        )
        for name, group in sorted(by_name.items()):
            merged: dict[str, int] = defaultdict(int)
            for stats in group:
                for exception, count in stats.failures.items():
                    merged[exception] += count
            for exception, count in sorted(merged.items()):
                failures.add_metric([name, exception], count)
        yield failures

        processed = CounterMetricFamily(
            "actorkit_messages_processed", "Messages handled successfully", labels=["actor_type"]
        )
        for name, group in sorted(by_name.items()):
            retired = sum(stats.processed_retired for stats in group)
            processed.add_metric([name], retired + processed_live[name])
        yield processed

        yield from self._histograms(
            "actorkit_message_processing_seconds",
            "Time handling a message (per drained batch, at the batch mean)",
            by_name,
            "processing",
        )

        mailbox = GaugeMetricFamily(
            "actorkit_mailbox_size", "Queued messages, summed over actors", labels=["actor_type"]
        )
        mailbox_max = GaugeMetricFamily(
            "actorkit_mailbox_size_max", "Largest mailbox of any actor", labels=["actor_type"]
        )
        for name in sorted(by_name):
            mailbox.add_metric([name], depth_sum[name])
            mailbox_max.add_metric([name], depth_max[name])
        yield mailbox
        yield mailbox_max

        asks = CounterMetricFamily(
            "actorkit_asks", "Asks by outcome", labels=["actor_type", "outcome"]
        )
        for name, group in sorted(by_name.items()):
            for outcome in ("ok", "error", "timeout", "stopped", "cancelled"):
                total = sum(stats.asks_by_outcome()[outcome] for stats in group)
                asks.add_metric([name, outcome], total)
        yield asks
        yield from self._histograms(
            "actorkit_ask_seconds",
            "Time from an ask until its reply is ready",
            by_name,
            "ask_seconds",
        )

        dead = CounterMetricFamily(
            "actorkit_dead_letters", "Undelivered messages by reason", labels=["reason"]
        )
        for reason, count in sorted(system.dead_letters.by_reason.items()):
            dead.add_metric([reason], count)
        yield dead

        router = system.router
        yield CounterMetricFamily(
            "actorkit_published_messages", "Messages published", value=router.published
        )
        yield CounterMetricFamily(
            "actorkit_publish_deliveries",
            "Deliveries made by publishes",
            value=router.delivered,
        )
        yield GaugeMetricFamily(
            "actorkit_timers_pending", "Timers waiting to fire", value=system.pending_timers
        )
        lag = HistogramMetricFamily(
            "actorkit_event_loop_lag_seconds",
            f"How late the loop runs a callback scheduled every {LAG_INTERVAL}s",
        )
        _histogram(lag, [], metrics.loop_lag)
        yield lag
        for source in metrics.sources:
            try:
                yield from source()
            except Exception:
                # One broken source must not hide the families of the others.
                logger.exception(
                    "actorkit metrics source %s failed",
                    getattr(source, "__qualname__", None) or repr(source),
                )

    @staticmethod
    def _histograms(
        metric: str, doc: str, by_name: dict[str, list[ClassStats]], attr: str
    ) -> Iterator[Metric]:
        family = HistogramMetricFamily(metric, doc, labels=["actor_type"])
        for name, group in sorted(by_name.items()):
            merged = Histogram()
            for stats in group:
                histogram: Histogram = getattr(stats, attr)
                merged.counts = [
                    a + b for a, b in zip(merged.counts, histogram.counts, strict=True)
                ]
                merged.sum += histogram.sum
            _histogram(family, [name], merged)
        yield family
