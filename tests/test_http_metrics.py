"""/metrics over a real socket: series that move with traffic, and none when off (API 7)."""

from __future__ import annotations

import asyncio
import logging
from typing import NoReturn

import pytest
from prometheus_client.parser import text_string_to_metric_families

from actorkit import ActorSystem

from .http_support import Echo, fetch
from .promql_support import promtool_says, requires_promtool


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(text: str, name: str, **labels: str) -> float:
    return samples(text).get((name, tuple(sorted(labels.items()))), 0.0)


async def test_metrics_move_after_traffic_and_histograms_have_buckets() -> None:
    async with ActorSystem() as system:
        server = await system.serve_http(port=0)
        ref = await system.spawn(Echo, name="echo")
        _, before = await fetch(f"{server.url}/metrics")
        for i in range(20):
            ref.tell(i)
        assert await ref.ask("x") == "x"
        with pytest.raises(ValueError):
            await ref.ask("crash")
        await ref.ask("sync")
        system.publish("nobody.listens", 1)
        status, after = await fetch(f"{server.url}/metrics")
        assert status == 200
        processed = "actorkit_messages_processed_total"
        assert value(before, processed, actor_type="Echo") == 0
        assert value(after, processed, actor_type="Echo") == 22
        assert (
            value(after, "actorkit_actor_failures_total", actor_type="Echo", exception="ValueError")
            == 1
        )
        assert value(after, "actorkit_actor_restarts_total", actor_type="Echo") == 1
        assert value(after, "actorkit_asks_total", actor_type="Echo", outcome="ok") == 2
        assert value(after, "actorkit_asks_total", actor_type="Echo", outcome="error") == 1
        assert value(after, "actorkit_dead_letters_total", reason="no_subscribers") == 1
        assert value(after, "actorkit_actors", actor_type="Echo", state="running") == 1
        buckets = [
            k for k in samples(after) if k[0] == "actorkit_message_processing_seconds_bucket"
        ]
        assert len(buckets) > 10
        assert value(after, "actorkit_message_processing_seconds_count", actor_type="Echo") == 22
        assert (
            value(after, "actorkit_message_processing_seconds_bucket", actor_type="Echo", le="+Inf")
            == 22
        )
        assert value(after, "actorkit_ask_seconds_count", actor_type="Echo") == 3


async def test_unnamed_actors_add_no_per_instance_series() -> None:
    async with ActorSystem() as system:
        server = await system.serve_http(port=0)
        await system.spawn(Echo)
        _, one = await fetch(f"{server.url}/metrics")
        for _ in range(1000):
            await system.spawn(Echo)
        _, many = await fetch(f"{server.url}/metrics")
        # A busy machine may stall the loop once meanwhile (a series by cause, not instance).
        blocked = "actorkit_event_loop_blocked_total"
        assert {k for k in samples(many) if k[0] != blocked} == {
            k for k in samples(one) if k[0] != blocked
        }
        assert value(many, "actorkit_actors", actor_type="Echo", state="running") == 1001
        assert "$" not in many


async def test_metrics_off_means_no_actorkit_series() -> None:
    async with ActorSystem(metrics=False) as system:
        server = await system.serve_http(port=0)
        ref = await system.spawn(Echo)
        await ref.ask(1)
        status, text = await fetch(f"{server.url}/metrics")
        assert status == 200
        assert "actorkit_" not in text


@requires_promtool
async def test_promtool_finds_nothing_wrong_with_a_busy_exposition() -> None:
    async with ActorSystem() as system:
        server = await system.serve_http(port=0)
        refs = [await system.spawn(Echo) for _ in range(10)]
        for ref in refs:
            for i in range(100):
                ref.tell(i)
        with pytest.raises(ValueError):
            await refs[0].ask("crash")
        system.publish("a.b", 1)
        await asyncio.gather(*(ref.ask("sync") for ref in refs))
        _, text = await fetch(f"{server.url}/metrics")
    assert await promtool_says(text) == (0, "")


class Broken:
    """A collector of the user's in the system's registry, failing as a bug would."""

    def collect(self) -> NoReturn:
        raise RuntimeError("collector bug")


async def test_a_collector_that_raises_answers_500_and_is_logged_with_its_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Only requests aiohttp cannot parse are logged as one quiet line: a failure of the
    scrape itself is an ERROR that shows where it came from."""
    async with ActorSystem() as system:
        server = await system.serve_http(port=0)
        system.metrics.registry.register(Broken())
        status, _ = await fetch(f"{server.url}/metrics")
    assert status == 500
    [record] = [r for r in caplog.records if r.name == "actorkit.http"]
    assert record.levelno == logging.ERROR
    assert record.getMessage() == "Error handling request from 127.0.0.1"
    assert record.exc_info is not None and str(record.exc_info[1]) == "collector bug"
