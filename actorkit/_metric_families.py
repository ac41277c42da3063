"""The `actorkit_*` families, built when Prometheus scrapes: one small builder per concern
(actors, failures, messages, asks, dead letters, publishing, timers, the event loop), chained
by the system's collector, then the families of the layers that registered a source.

Only this module (and the layers' own sources) imports prometheus_client; it is loaded when a
system with metrics starts. Every builder reads one `Scrape` (`_metric_scrape`): the
per-class counters grouped by class name and the live cells walked once, however many
builders read them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, get_args

from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from ._dead_letters import Reason
from ._metric_scrape import Scrape
from ._metric_sources import families_of, names_of, written_sources
from ._stats import LAG_INTERVAL
from ._watchdog import OUTSIDE

if TYPE_CHECKING:
    from ._metric_text import Text
    from ._metrics import Metrics
    from ._router import Router
    from ._runtime import Runtime
    from ._watchdog import Watchdog

logger = logging.getLogger("actorkit")

ASK_OUTCOMES = ("ok", "error", "timeout", "stopped", "cancelled")
DEAD_LETTER_REASONS: tuple[str, ...] = get_args(Reason)
"""Exported at 0 before their first dead letter, as every label value known in advance is:
Prometheus's `increase()` reads a series' first sample as its start, so a series that
appeared at 5 would show no increase, and an alert on it would miss that first burst."""


def _per_class_counter(scrape: Scrape, metric: str, doc: str, attr: str) -> CounterMetricFamily:
    family = CounterMetricFamily(metric, doc, labels=["actor_type"])
    for name in scrape.names:
        family.add_metric([name], scrape.total(name, attr))
    return family


def _per_class_histogram(scrape: Scrape, metric: str, doc: str, attr: str) -> Metric:
    family = HistogramMetricFamily(metric, doc, labels=["actor_type"])
    for name in scrape.names:
        histogram = scrape.histogram(name, attr)
        family.add_metric([name], histogram.cumulative(), histogram.sum)
    return family


def actors(scrape: Scrape) -> Iterator[Metric]:
    live = GaugeMetricFamily(
        "actorkit_actors", "Live actors by class and state", labels=["actor_type", "state"]
    )
    for (name, state), count in scrape.run("alive", scrape.alive, lambda key: key[0]):
        live.add_metric([name, state], count)
    yield live
    yield _per_class_counter(scrape, "actorkit_actor_spawned", "Actors spawned", "spawned")
    yield _per_class_counter(scrape, "actorkit_actor_stopped", "Actors stopped for good", "stopped")
    yield _per_class_counter(
        scrape, "actorkit_actor_restarts", "Completed actor restarts", "restarts"
    )
    yield escalations(scrape)
    yield _per_class_counter(
        scrape, "actorkit_mailbox_dropped", "Tells refused because the mailbox was full", "dropped"
    )


ROOT_TYPE = "ActorSystem"
"""The `actor_type` of the system's own supervisor (`ActorSystem(supervisor=...)`), whose
give-up fails the system."""


def escalations(scrape: Scrape) -> Metric:
    """Per class, and the root's at 0 from the start: its give-up is the one an alert must
    not miss, and `increase()` reads a series' first sample as its start. A class named
    `ROOT_TYPE` shares the root's series, as classes of one name share theirs: Prometheus
    keeps one sample per series and scrape, so a second would hide the root's."""
    family = CounterMetricFamily(
        "actorkit_supervisor_escalations",
        "Supervisors that exceeded their restart intensity and escalated",
        labels=["actor_type"],
    )
    root = scrape.metrics.root_gave_up
    for name in scrape.names:
        shared = root if name == ROOT_TYPE else 0
        family.add_metric([name], scrape.total(name, "gave_up") + shared)
    if ROOT_TYPE not in scrape.by_name and scrape.last:
        family.add_metric([ROOT_TYPE], root)
    return family


def failures(scrape: Scrape) -> Iterator[Metric]:
    family = CounterMetricFamily(
        "actorkit_actor_failures",
        "Handler failures by class and exception type",
        labels=["actor_type", "exception"],
    )
    for name in scrape.names:
        for exception, count in sorted(scrape.by_name[name].failures.items()):
            family.add_metric([name, exception], count)
    yield family


def messages(scrape: Scrape) -> Iterator[Metric]:
    processed = CounterMetricFamily(
        "actorkit_messages_processed", "Messages handled successfully", labels=["actor_type"]
    )
    for name in scrape.names:
        processed.add_metric([name], scrape.retired[name] + scrape.processed_live[name])
    yield processed
    yield _per_class_histogram(
        scrape,
        "actorkit_message_processing_seconds",
        "Time handling a message (per drained batch, at the batch mean)",
        "processing",
    )
    size = GaugeMetricFamily(
        "actorkit_mailbox_size", "Queued messages, summed over actors", labels=["actor_type"]
    )
    largest = GaugeMetricFamily(
        "actorkit_mailbox_size_max", "Largest mailbox of any actor", labels=["actor_type"]
    )
    for name in scrape.names:
        size.add_metric([name], scrape.depth_sum[name])
        largest.add_metric([name], scrape.depth_max[name])
    yield size
    yield largest
    fill = GaugeMetricFamily(
        "actorkit_mailbox_fill_ratio",
        "Fullest bounded mailbox of the class: queued messages / its mailbox_size",
        labels=["actor_type"],
    )
    for name, ratio in scrape.run("fill", scrape.fill_max, str):
        fill.add_metric([name], ratio)
    yield fill


def asks(scrape: Scrape) -> Iterator[Metric]:
    family = CounterMetricFamily(
        "actorkit_asks", "Asks by outcome", labels=["actor_type", "outcome"]
    )
    for name in scrape.names:
        outcomes = scrape.by_name[name].asks_by_outcome()
        for outcome in ASK_OUTCOMES:
            family.add_metric([name, outcome], outcomes[outcome])
    yield family
    yield _per_class_histogram(
        scrape, "actorkit_ask_seconds", "Time from an ask until its reply is ready", "ask_seconds"
    )


def dead_letters(scrape: Scrape) -> Iterator[Metric]:
    family = CounterMetricFamily(
        "actorkit_dead_letters", "Undelivered messages by reason", labels=["reason"]
    )
    counted = scrape.runtime.dead_letters.by_reason
    for reason in sorted({*DEAD_LETTER_REASONS, *counted}):
        family.add_metric([reason], counted.get(reason, 0))
    yield family


def publishing(scrape: Scrape) -> Iterator[Metric]:
    router = scrape.router
    yield CounterMetricFamily(
        "actorkit_published_messages", "Messages published", value=router.published
    )
    yield CounterMetricFamily(
        "actorkit_publish_deliveries", "Deliveries made by publishes", value=router.delivered
    )


def timers(scrape: Scrape) -> Iterator[Metric]:
    yield GaugeMetricFamily(
        "actorkit_timers_pending", "Timers waiting to fire", value=scrape.runtime.timers.pending
    )


def loop_lag(scrape: Scrape) -> Iterator[Metric]:
    lag = HistogramMetricFamily(
        "actorkit_event_loop_lag_seconds",
        f"How late the loop runs a callback scheduled every {LAG_INTERVAL}s",
    )
    loop_lag = scrape.metrics.loop_lag
    lag.add_metric([], loop_lag.cumulative(), loop_lag.sum)
    yield lag


def blocked(scrape: Scrape) -> Iterator[Metric]:
    watchdog = scrape.watchdog
    family = CounterMetricFamily(
        "actorkit_event_loop_blocked",
        f"Times a handler held the event loop longer than {watchdog.threshold}s",
        labels=["actor_type"],
    )
    counted = watchdog.counts()  # the watchdog's thread adds to them
    others = (name for name in (OUTSIDE, *counted) if scrape.within(name))
    for name in sorted({*scrape.names, *others}):
        family.add_metric([name], counted.get(name, 0))
    yield family


Builder = Callable[[Scrape], Iterable[Metric]]
BUILDERS: tuple[Builder, ...] = (
    actors,
    failures,
    messages,
    asks,
    dead_letters,
    publishing,
    timers,
    loop_lag,
    blocked,
)
PER_CLASS: frozenset[Builder] = frozenset({actors, failures, messages, asks, blocked})
"""The builders whose families have a series per class, built a part of the classes at a
time (`Scrape.parts`); the others are built once, from the whole scrape."""


class SystemCollector(Collector):
    """Every `actorkit_*` family of one system: the builders', then each source's. Failures
    are logged and never take the endpoint down: a broken builder ends this collector's part
    of the scrape, a broken source is skipped and the next one still runs."""

    def __init__(
        self, runtime: Runtime, router: Router, watchdog: Watchdog, metrics: Metrics
    ) -> None:
        self._observed = (runtime, router, watchdog)
        self._metrics = metrics
        self.gathered: Scrape | None = None
        """The live actors' figures `gather` folded, for the next `collect` only."""
        self.built: list[Metric] | None = None
        self.sourced: list[Metric] | None = None
        """The families `gather` built and the sources', written, for the same `collect`."""

    async def gather(self, text: Text) -> None:
        """Fold the live actors' figures a slice per loop turn (`Scrape.gather`), build the
        families a part of the classes per turn, then call each source in a turn of its
        own, all written as they come (`text`), for the `collect` that the caller makes
        next, without a turn in between; any other reader of the registry gets them built
        in one step. A builder that fails leaves them to that step, which logs it."""
        scrape = await Scrape.gather(*self._observed, self._metrics)
        try:
            built: list[Metric] | None = await scrape.build(BUILDERS, PER_CLASS, text)
        except Exception:
            built = None
        taken = {name for family in built or () for name in names_of(family)}
        sourced = await written_sources(self._metrics.sources, text, self._observed[0], taken)
        self.gathered, self.built, self.sourced = scrape, built, sourced

    def forget(self) -> None:
        self.gathered = self.built = self.sourced = None

    def collect(self) -> Iterator[Metric]:
        scrape, built, sourced = self.gathered, self.built, self.sourced
        self.forget()
        taken: set[str] = set()
        try:
            if built is not None:
                yield from built
            else:
                if scrape is None:
                    scrape = Scrape.whole(*self._observed, self._metrics)
                for builder in BUILDERS:
                    for family in builder(scrape):
                        taken.update(names_of(family))
                        yield family
        except Exception:  # the sources are served all the same, as after a failed source
            logger.exception("actorkit metrics collector failed")
        if sourced is not None:
            yield from sourced
            return
        for source in self._metrics.sources:
            yield from families_of(source, self._observed[0], taken)

    def describe(self) -> list[Metric]:
        """The family names, so that a registry refuses a second system's collector instead
        of serving two sets of the same families."""
        return list(self.collect())
