"""/metrics builds and writes its families a part per loop turn, a group of classes or of
samples at a time, so that a process with many actor classes does not stop its actors for the
whole text at each scrape; and the text is the one a one-step read of the registry gives.
docs/observability.md, "Scrape floods"."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Iterator
from typing import Any

import pytest
from prometheus_client import generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.openmetrics.exposition import generate_latest as openmetrics_latest

from actorkit import ActorSystem, _metric_families
from actorkit import _metric_scrape as scrape
from actorkit import _metric_text as text_parts
from actorkit._metric_filter import Exposed

from .http_support import fetch, spawn_classes

CLASSES = 400
STALL = 0.06
"""Seconds of the loop thread's CPU: under a third of what one scrape of `CLASSES` classes
held the loop for when its text was built in one turn (190-230 ms on a loaded 2-core
machine), many times a part's 2 ms (3-25 ms of wall time measured, the machine loaded)."""


class Gaps:
    """The most CPU the loop's thread spent between two turns of a task that yields every
    turn: what a part held the loop for, where wall time would count the test process's
    waits for a core on a loaded machine too."""

    def __init__(self) -> None:
        self.longest = 0.0
        self.turns = 0
        self.task = asyncio.create_task(self._tick())

    async def _tick(self) -> None:
        last = time.thread_time()
        while True:
            await asyncio.sleep(0)
            now = time.thread_time()
            self.longest = max(self.longest, now - last)
            self.turns += 1
            last = now


async def test_a_scrape_of_many_classes_holds_the_loop_for_a_part_at_a_time() -> None:
    async with asyncio.timeout(60), ActorSystem() as system:
        server = await system.serve_http(port=0)
        await spawn_classes(system, CLASSES)
        status, _ = await fetch(f"{server.url}/metrics")  # imports and first allocations
        assert status == 200
        # A full collection of the test process's heap is not the scrape's work. Frozen for
        # good: unfreezing would hand the collector back the heap conftest froze.
        gc.freeze()
        gaps = Gaps()
        status, text = await fetch(f"{server.url}/metrics")
        gaps.task.cancel()
        assert status == 200
    assert text.count("actorkit_messages_processed_total{") == CLASSES
    assert gaps.turns > CLASSES // scrape.CLASS_SLICE  # in parts, a turn or more each
    assert gaps.longest < STALL, f"the loop was held {gaps.longest * 1000:.0f} ms of CPU"


@pytest.mark.parametrize(
    ("accept", "query", "written"),
    [
        ({}, "", generate_latest),
        ({"Accept": "application/openmetrics-text; version=1.0.0"}, "", openmetrics_latest),
        (
            {},
            "?name[]=actorkit_ask_seconds&name[]=actorkit_asks_total&name[]=actorkit_dead_letters",
            None,
        ),
    ],
)
async def test_the_text_written_in_parts_is_the_one_step_text(
    monkeypatch: pytest.MonkeyPatch,
    accept: dict[str, str],
    query: str,
    written: Any,
) -> None:
    monkeypatch.setattr(scrape, "CLASS_SLICE", 3)
    monkeypatch.setattr(text_parts, "SAMPLE_SLICE", 7)
    async with asyncio.timeout(30), ActorSystem() as system:
        server = await system.serve_http(port=0)
        await spawn_classes(system, 10)
        status, text = await fetch(f"{server.url}/metrics{query}", headers=accept)
        registry = system.metrics.registry
        if written is None:
            names = ["actorkit_ask_seconds", "actorkit_asks_total", "actorkit_dead_letters"]
            one_step = generate_latest(Exposed(registry).restricted_registry(names)).decode()
        else:
            one_step = written(registry).decode()
    assert status == 200
    assert "Kind0009" in text or written is None
    assert 'actorkit_mailbox_fill_ratio{actor_type="Kind0009"}' in text or written is None
    lines = [line for line in text.splitlines() if "event_loop_lag" not in line]
    assert lines == [line for line in one_step.splitlines() if "event_loop_lag" not in line]


async def test_a_failing_builder_on_metrics_is_logged_and_what_it_did_not_hide_served(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parts are let go and the families built in one step, as any reader of the
    registry gets them: those before the fault, and every source's."""

    def broken(scrape: object) -> Iterator[Metric]:
        yield GaugeMetricFamily("actorkit_before_the_fault", "built before it", value=1)
        raise RuntimeError("a builder's fault")

    builders = _metric_families.BUILDERS
    monkeypatch.setattr(_metric_families, "BUILDERS", (builders[0], broken, *builders[1:]))
    async with asyncio.timeout(30), ActorSystem() as system:
        server = await system.serve_http(port=0)
        await spawn_classes(system, 3)
        caplog.clear()  # the registry read the families once when the system started
        status, text = await fetch(f"{server.url}/metrics")
    assert status == 200
    assert 'actorkit_actors{actor_type="Kind0002",state="running"} 1.0' in text
    assert "actorkit_before_the_fault 1.0" in text
    assert "actorkit_tasks_pending 0.0" in text  # the task layer's source
    assert "actorkit_asks_total" not in text  # built after the fault
    failed = [r for r in caplog.records if r.getMessage() == "actorkit metrics collector failed"]
    assert len(failed) == 1
