"""/metrics writes each part of its families as soon as it is built, and each source's
families as soon as that source was called, a source per loop turn: few of prometheus_client's
`Sample`s (tuples the garbage collector tracks) are alive at a time, so that a scrape of
thousands of classes does not set off full collections of the process. And the text stays
the one a one-step read of the registry gives. docs/observability.md, "Scrape floods"."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.openmetrics.exposition import generate_latest as openmetrics_latest
from prometheus_client.samples import Sample

from actorkit import ActorSystem, _metric_families
from actorkit import _metric_scrape as scrape
from actorkit import _metric_text as text_parts
from actorkit._metric_filter import Exposed

from .http_support import Echo, Turns, fetch, spawn_classes

OPENMETRICS = {"Accept": "application/openmetrics-text; version=1.0.0"}


def big(name: str, count: int) -> Callable[[], Iterator[Metric]]:
    """A source of one gauge family of `count` samples."""

    def source() -> Iterator[Metric]:
        family = GaugeMetricFamily(name, f"{count} series", labels=["n"])
        for n in range(count):
            family.add_metric([f"{n:04d}"], n)
        yield family

    return source


async def test_few_samples_are_alive_at_a_time_during_a_scrape(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """At every loop turn of the scrape, at most about a part of classes' samples or a
    source's are alive, not the text's thousands."""
    monkeypatch.setattr(scrape, "CLASS_SLICE", 4)
    monkeypatch.setattr(text_parts, "SAMPLE_SLICE", 32)
    most = 0

    async def count() -> None:
        nonlocal most
        while True:
            await asyncio.sleep(0)
            alive = sum(isinstance(thing, Sample) for thing in gc.get_objects())
            most = max(most, alive)

    async with asyncio.timeout(60), ActorSystem() as system:
        system.metrics.add_source(big("first_source", 300))
        system.metrics.add_source(big("second_source", 300))
        server = await system.serve_http(port=0)
        await spawn_classes(system, 48)
        await fetch(f"{server.url}/metrics")  # imports and first allocations
        gc.collect()
        # What is alive now is not the scrape's: `get_objects` leaves it out. Frozen for good:
        # unfreezing would hand the collector back the heap conftest froze after collection.
        gc.freeze()
        counter = asyncio.create_task(count())
        status, text = await fetch(f"{server.url}/metrics")
        counter.cancel()
    assert status == 200
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    per_class = sum('actor_type="Kind0000"' in line for line in lines)
    assert len(lines) > 48 * per_class > 0
    bound = 2 * max(4 * per_class, 300)
    assert most < bound, f"{most} samples alive at once, of {len(lines)}"


async def test_each_part_of_the_classes_is_built_in_a_loop_turn_of_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(scrape, "CLASS_SLICE", 4)
    built: list[tuple[int, list[str]]] = []
    actors = _metric_families.actors

    def noted(part: scrape.Scrape) -> Iterator[Metric]:
        built.append((turns.count, [name for name in part.names if name.startswith("Kind")]))
        return actors(part)

    builders = tuple(noted if b is actors else b for b in _metric_families.BUILDERS)
    per_class = frozenset(noted if b is actors else b for b in _metric_families.PER_CLASS)
    async with asyncio.timeout(30), ActorSystem() as system:
        server = await system.serve_http(port=0)
        await spawn_classes(system, 48)
        monkeypatch.setattr(_metric_families, "BUILDERS", builders)
        monkeypatch.setattr(_metric_families, "PER_CLASS", per_class)
        turns = Turns()
        status, text = await fetch(f"{server.url}/metrics")
        turns.task.cancel()
    assert status == 200
    assert 'actorkit_actor_spawned_total{actor_type="Kind0047"} 1.0' in text
    assert [names for _, names in built] == [
        [f"Kind{i:04d}" for i in range(start, start + 4)] for start in range(0, 48, 4)
    ]
    assert len({turn for turn, _ in built}) == 48 // 4


async def test_each_source_is_called_in_a_turn_of_its_own_and_written_before_the_next(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(text_parts, "SAMPLE_SLICE", 16)
    writes: list[tuple[int, str]] = []
    called: dict[str, int] = {}

    def noting(accept: str) -> tuple[Callable[[Any], bytes], str]:
        writer, content_type = choose_encoder(accept)

        def noted(collector: Any) -> bytes:
            writes.extend((turns.count, family.name) for family in collector.collect())
            written: bytes = writer(collector)
            return written

        return noted, content_type

    def calling(name: str) -> Callable[[], Iterator[Metric]]:
        source = big(name, 100)

        def noted() -> Iterator[Metric]:
            called[name] = turns.count
            return source()

        return noted

    async with asyncio.timeout(30), ActorSystem() as system:
        system.metrics.add_source(calling("first_source"))
        system.metrics.add_source(calling("second_source"))
        server = await system.serve_http(port=0)
        monkeypatch.setattr(text_parts, "choose_encoder", noting)
        turns = Turns()
        status, text = await fetch(f"{server.url}/metrics")
        turns.task.cancel()
    assert status == 200
    assert 'second_source{n="0099"} 99.0' in text
    first = {turn for turn, name in writes if name == "first_source"}
    assert len(first) >= 100 // 16
    assert called["first_source"] <= min(first)
    assert max(first) < called["second_source"]
    assert called["second_source"] <= min(turn for turn, name in writes if name == "second_source")


@pytest.mark.parametrize(
    ("accept", "names"),
    [
        ({}, None),
        (OPENMETRICS, None),
        (
            {},
            [
                "actorkit_actor_failures_total",  # only the last class's: a header late
                "actorkit_mailbox_fill_ratio",
                "counted_total",
                "counted_created",
                "big_source",
                "broken_before_its_fault",
            ],
        ),
        (OPENMETRICS, ["counted", "actorkit_asks", "actorkit_ask_seconds_bucket"]),
    ],
)
async def test_parts_and_sources_written_as_they_come_join_into_the_one_step_text(
    monkeypatch: pytest.MonkeyPatch, accept: dict[str, str], names: list[str] | None
) -> None:
    """With sources: one too big for a slice, a counter with `_created` samples (which the
    Prometheus format moves after the others), one that fails after a family."""
    monkeypatch.setattr(scrape, "CLASS_SLICE", 3)
    monkeypatch.setattr(text_parts, "SAMPLE_SLICE", 7)
    counters = CollectorRegistry()
    counted = Counter("counted", "A counter of the user's", ["kind"], registry=counters)
    for kind in ("a", "b", "c"):
        counted.labels(kind).inc()

    def broken() -> Iterator[Metric]:
        yield GaugeMetricFamily("broken_before_its_fault", "yielded first", value=1)
        raise RuntimeError("a source's fault")

    async with asyncio.timeout(30), ActorSystem() as system:
        system.metrics.add_source(big("big_source", 20))
        system.metrics.add_source(counted.collect)
        system.metrics.add_source(broken)
        server = await system.serve_http(port=0)
        await spawn_classes(system, 10)
        late = await system.spawn(type("Kind9999", (Echo,), {}))
        with pytest.raises(ValueError, match="crash on purpose"):
            await late.ask("crash")
        query = "".join(f"&name[]={name}" for name in names or ())
        status, text = await fetch(f"{server.url}/metrics?{query[1:]}", headers=accept)
        registry = system.metrics.registry
        read: Any = registry if names is None else Exposed(registry).restricted_registry(names)
        one_step = (openmetrics_latest if accept else generate_latest)(read).decode()
    assert status == 200
    assert "counted_created" in one_step
    if names is None:
        assert "Kind9999" in text and "broken_before_its_fault 1.0" in text
    lines = [line for line in text.splitlines() if "event_loop_lag" not in line]
    assert lines == [line for line in one_step.splitlines() if "event_loop_lag" not in line]
