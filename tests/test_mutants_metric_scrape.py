"""/metrics over loop turns shows what a one-step read would: a class a part of the classes
begins with shows once in a family whose other labels are sorted among the classes
(`actorkit_event_loop_blocked`), an actor stopped while the scrape walks the others counts
in no gauge, and a sample-name filter keeps its family's metadata. docs/observability.md,
"/metrics"."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from prometheus_client.core import CounterMetricFamily, Metric

from actorkit import Actor, ActorSystem
from actorkit import _metric_scrape as scrape

from .http_support import Idle, fetch, spawn_classes
from .test_http_metrics import samples

OPENMETRICS = {"Accept": "application/openmetrics-text; version=1.0.0"}


class Kind0004(Actor):
    """Sorted right after `spawn_classes`'s first four: the first class of the second part."""

    async def receive(self, message: Any) -> Any:
        end = time.monotonic() + message  # holds the loop like a time.sleep would
        while time.monotonic() < end:
            pass
        return message


@pytest.mark.usefixtures("collector_paused")  # the loop's blocks are counted in real time
async def test_a_class_that_begins_a_part_shows_once_in_the_blocked_family() -> None:
    async with asyncio.timeout(30), ActorSystem(blocked_threshold=0.05) as system:
        server = await system.serve_http(port=0)
        await spawn_classes(system, scrape.CLASS_SLICE)
        hog = await system.spawn(Kind0004)
        assert await hog.ask(0.3) == 0.3
        status, text = await fetch(f"{server.url}/metrics")
    assert status == 200
    blocked = [
        line for line in text.splitlines() if line.startswith("actorkit_event_loop_blocked_total")
    ]
    assert blocked.count('actorkit_event_loop_blocked_total{actor_type="Kind0004"} 1.0') == 1
    assert len(blocked) == len(set(blocked))


async def test_an_actor_stopped_while_a_scrape_walks_the_others_counts_in_no_gauge(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The scrape walks the actors live when it began, a slice per loop turn: the ones
    stopped meanwhile are gone, in no state, with no mailbox."""
    monkeypatch.setattr(scrape, "SLICE", 4)
    walking = asyncio.Event()
    fold = scrape.Scrape.fold

    def noted(self: scrape.Scrape, cells: Any) -> None:
        walking.set()
        fold(self, cells)

    monkeypatch.setattr(scrape.Scrape, "fold", noted)
    async with asyncio.timeout(30), ActorSystem() as system:
        server = await system.serve_http(port=0)
        idle = [await system.spawn(Idle, mailbox_size=8) for _ in range(40)]
        walking.clear()  # set by the registry's first read, when the system started
        scraping = asyncio.create_task(fetch(f"{server.url}/metrics"))
        await walking.wait()  # its first slice: the last actors are walked ten turns on
        await asyncio.gather(*(ref.stop() for ref in idle[-5:]))
        assert not scraping.done()
        status, text = await scraping
    assert status == 200
    series = samples(text)
    states = {
        dict(labels)["state"]: count
        for (name, labels), count in series.items()
        if name == "actorkit_actors" and dict(labels)["actor_type"] == "Idle"
    }
    assert states == {"running": 35}


async def test_a_sample_name_filter_keeps_its_familys_unit() -> None:
    """`name[]=work_seconds_total` gives the samples of `work_seconds`, under the header the
    unfiltered body gives it, its `# UNIT` line included."""

    def source() -> list[Metric]:
        return [CounterMetricFamily("work_seconds", "Time worked", value=3, unit="seconds")]

    async with asyncio.timeout(30), ActorSystem() as system:
        system.metrics.add_source(source)
        server = await system.serve_http(port=0)
        _, whole = await fetch(f"{server.url}/metrics", headers=OPENMETRICS)
        status, text = await fetch(
            f"{server.url}/metrics?name[]=work_seconds_total", headers=OPENMETRICS
        )
    assert status == 200
    family = [line for line in whole.splitlines() if "work_seconds" in line]
    assert "# UNIT work_seconds seconds" in family
    assert text.splitlines() == [*family, "# EOF"]
