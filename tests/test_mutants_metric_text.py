"""/metrics through prometheus_client's own writers, at the corners the part-at-a-time
writing must keep to: a family with more samples than a loop turn's slice whose lines the
Prometheus writer reorders (a user counter's `_created`), and a body joined a part per loop
turn. docs/observability.md, "Scrape floods"."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.openmetrics.exposition import generate_latest as openmetrics_latest

from actorkit import ActorSystem, _http_endpoints
from actorkit._metric_text import SAMPLE_SLICE, _Body

from .http_support import Turns, fetch, spawn_classes

OPENMETRICS = {"Accept": "application/openmetrics-text; version=1.0.0"}


async def test_a_counter_source_with_more_samples_than_a_slice_is_written_whole() -> None:
    """Its `_created` lines come after all its `_total` ones in the Prometheus format: it
    cannot be written a slice at a time, yet it is served, as one call writes it."""
    counters = CollectorRegistry()
    counted = Counter("many", "A counter of the user's", ["n"], registry=counters)
    for n in range(SAMPLE_SLICE):  # twice SAMPLE_SLICE samples: `_total` and `_created`
        counted.labels(f"{n:04d}").inc()
    async with asyncio.timeout(30), ActorSystem() as system:
        system.metrics.add_source(counted.collect)
        server = await system.serve_http(port=0)
        status, text = await fetch(f"{server.url}/metrics?name[]=many")
        open_status, open_text = await fetch(
            f"{server.url}/metrics?name[]=many", headers=OPENMETRICS
        )
    assert (status, open_status) == (200, 200)
    assert text == generate_latest(counters).decode()
    assert open_text == openmetrics_latest(counters).decode()  # type: ignore[no-untyped-call]


async def test_the_body_is_joined_a_part_per_loop_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tens of megabytes at thousands of classes: joined whole, it would be a loop turn of
    its own, longer than a part's."""
    monkeypatch.setattr(_http_endpoints, "PART", 1024)
    joined: list[int] = []
    add = _Body.add

    def noted(body: Any, piece: bytes) -> bool:
        was_joined: bool = add(body, piece)
        if was_joined:
            joined.append(turns.count)
        return was_joined

    monkeypatch.setattr(_Body, "add", noted)
    async with asyncio.timeout(30), ActorSystem() as system:
        server = await system.serve_http(port=0)
        await spawn_classes(system, 16)
        turns = Turns()
        status, _ = await fetch(f"{server.url}/metrics")
        turns.task.cancel()
    assert status == 200
    assert len(joined) >= 10
    assert len(set(joined)) == len(joined), joined
