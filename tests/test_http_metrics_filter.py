"""`/metrics?name[]=...`, prometheus_client's filter, over every family the unfiltered
`/metrics` shows (docs/observability.md "HTTP")."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from urllib.parse import urlencode

from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.parser import text_string_to_metric_families

from actorkit import ActorSystem

from .http_support import Echo, fetch


def late_families() -> Iterator[Metric]:
    yield GaugeMetricFamily("late_gauge", "A family added after start", value=7)
    late = HistogramMetricFamily("late_seconds", "A histogram added after start")
    late.add_metric([], [("1.0", 2), ("+Inf", 3)], 4.5)
    yield late


def shown(text: str) -> dict[str, float]:
    return {
        sample.name: sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if not sample.labels or "le" not in sample.labels
    }


async def filtered(url: str, *names: str) -> str:
    status, text = await fetch(f"{url}/metrics?{urlencode([('name[]', n) for n in names])}")
    assert status == 200
    return text


async def test_the_filter_sees_families_added_after_the_system_and_server_started() -> None:
    """The NATS link, the durable layer's history and `metrics.add_source` add families once
    the collector is registered: prometheus_client's own filter looks only at the names a
    collector had then, and answered an empty 200 for each of them."""
    async with asyncio.timeout(10), ActorSystem() as system:
        server = await system.serve_http(port=0)
        system.metrics.add_source(late_families)
        _, whole = await fetch(f"{server.url}/metrics")
        assert shown(whole)["late_gauge"] == 7
        assert shown(await filtered(server.url, "late_gauge")) == {"late_gauge": 7}
        assert shown(await filtered(server.url, "late_seconds_count")) == {"late_seconds_count": 3}


async def test_a_family_name_gives_the_whole_family_as_a_sample_name_gives_its_samples() -> None:
    """A histogram's family name is no sample's: filtered by it, prometheus_client answered
    nothing, though it is the name the docs and a dashboard give."""
    async with asyncio.timeout(10), ActorSystem() as system:
        server = await system.serve_http(port=0)
        ref = await system.spawn(Echo)
        await ref.ask("x")
        histogram = "actorkit_message_processing_seconds"
        whole = list(text_string_to_metric_families(await filtered(server.url, histogram)))
        assert [family.name for family in whole] == [histogram]
        names = {sample.name for sample in whole[0].samples}
        assert {f"{histogram}_bucket", f"{histogram}_sum", f"{histogram}_count"} <= names
        counter = await filtered(server.url, "actorkit_messages_processed")
        assert shown(counter)["actorkit_messages_processed_total"] == 1
        only = shown(await filtered(server.url, f"{histogram}_count", "actorkit_actors"))
        assert set(only) == {f"{histogram}_count", "actorkit_actors"}
        assert shown(await filtered(server.url, "nothing_of_that_name")) == {}
