"""A metrics source whose family another family of the scrape already gives (another source's,
as two actors' sources of one name; a name of actorkit's own; a
family whose samples take another's names, `x_total` beside a counter `x`) is a broken
source, as one that raises: logged with its name, and the rest of the scrape served. A
`CollectorRegistry` refuses such a collector when it is registered; the sources, called at
each scrape, bypassed it, and every scrape held a family twice, which `promtool check
metrics` refuses ("second HELP line") and OpenMetrics forbids."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable

import pytest
from prometheus_client import generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from actorkit import ActorSystem

from .http_support import fetch
from .promql_support import promtool_says, requires_promtool

OPENMETRICS = "application/openmetrics-text; version=1.0.0"


def queue_depth() -> Iterable[Metric]:
    return [GaugeMetricFamily("queue_depth", "queued jobs", value=3)]


def queue_depth_again() -> Iterable[Metric]:
    return [GaugeMetricFamily("queue_depth", "queued jobs, counted elsewhere", value=4)]


def timers_of_mine() -> Iterable[Metric]:
    return [GaugeMetricFamily("actorkit_timers_pending", "my timers", value=7)]


def jobs() -> Iterable[Metric]:
    return [CounterMetricFamily("jobs", "jobs done", value=4)]


def jobs_total() -> Iterable[Metric]:
    return [GaugeMetricFamily("jobs_total", "jobs done, again", value=4)]


def jobs_started() -> Iterable[Metric]:
    return [CounterMetricFamily("jobs", "jobs done", value=4, created=1.7e9)]


def jobs_created() -> Iterable[Metric]:
    return [GaugeMetricFamily("jobs_created", "when jobs were made", value=1.7e9)]


def twice_in_one_call() -> Iterable[Metric]:
    return [
        GaugeMetricFamily("shard_depth", "per shard", value=1),
        GaugeMetricFamily("shard_depth", "per shard", value=2),
    ]


@requires_promtool
@pytest.mark.parametrize(
    ("sources", "says"),
    [
        ([queue_depth, queue_depth_again], "queue_depth is given already"),
        ([timers_of_mine], "actorkit_timers_pending is given already"),
        ([jobs, jobs_total], "jobs_total is given already"),
        ([jobs_started, jobs_created], "jobs_created is given already"),
        ([twice_in_one_call], "shard_depth is given already"),
    ],
)
async def test_a_family_given_twice_is_refused_and_the_scrape_stays_valid(
    sources: list[Callable[[], Iterable[Metric]]],
    says: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with asyncio.timeout(30), ActorSystem("sourced") as system:
        for source in sources:
            system.metrics.add_source(source)
        server = await system.serve_http(port=0)
        texts = [
            (await fetch(f"{server.url}/metrics", headers={"Accept": accept}))[1]
            for accept in ("text/plain", OPENMETRICS)
        ]
        texts.append(generate_latest(system.metrics.registry).decode())
    for text in texts:
        helps = [line.split()[2] for line in text.splitlines() if line.startswith("# HELP ")]
        assert len(helps) == len(set(helps))
        assert "actorkit_actors" in helps
    for text in (texts[0], texts[2]):  # promtool reads the Prometheus text format
        assert await promtool_says(text) == (0, "")
    failed = [
        record
        for record in caplog.records
        if record.getMessage().startswith("actorkit metrics source ")
        and record.levelno == logging.ERROR
    ]
    assert len(failed) == 3  # a log line for each of the three scrapes
    assert failed[0].exc_info is not None
    assert says in str(failed[0].exc_info[1])
    assert failed[0].getMessage() == f"actorkit metrics source {sources[-1].__qualname__} failed"
