"""A metrics source an actor adds in its `on_start` and removes in its `on_stop`: added again
at each restart, it is still one source (each restart's instance is another object, so its
method is another source, which the previous instance's `on_stop` removed); removed, the
scrape no longer calls it nor holds its actor. The same callable added twice is one source."""

from __future__ import annotations

import asyncio
import gc
import logging
import weakref
from collections.abc import Iterable
from typing import Any

import pytest
from prometheus_client import generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric

from actorkit import Actor, ActorSystem
from actorkit.testing import instance


class Queue(Actor):
    """Reports its queue's depth as a metrics source while it lives."""

    def __init__(self) -> None:
        self.depth = 0

    async def on_start(self) -> None:
        self.system.metrics.add_source(self.families)

    async def on_stop(self) -> None:
        self.system.metrics.remove_source(self.families)

    def families(self) -> Iterable[Metric]:
        return [GaugeMetricFamily("queue_depth", "queued jobs", value=self.depth)]

    async def receive(self, message: Any) -> Any:
        if message == "fail":
            raise RuntimeError("restart me")
        self.depth = message
        return message


def depths(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("queue_depth ")]


async def test_a_source_added_at_each_restart_and_removed_at_stop_is_one_source_then_none(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with asyncio.timeout(10), ActorSystem("sourced") as system:
        ref = await system.spawn(Queue)
        for _ in range(3):
            with pytest.raises(RuntimeError):
                await ref.ask("fail")
        assert await ref.ask(7) == 7
        assert depths(generate_latest(system.metrics.registry).decode()) == ["queue_depth 7.0"]
        gone = weakref.ref(instance(ref))
        await ref.stop()
        gc.collect()
        assert gone() is None  # the scrape's sources no longer hold the stopped actor
        assert depths(generate_latest(system.metrics.registry).decode()) == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR and "source" in r.msg]


def static_source() -> Iterable[Metric]:
    return [GaugeMetricFamily("static_value", "a figure", value=1)]


async def test_the_same_callable_added_twice_is_one_source_and_one_removal_ends_it() -> None:
    async with asyncio.timeout(10), ActorSystem("sourced") as system:
        system.metrics.add_source(static_source)
        system.metrics.add_source(static_source)
        text = generate_latest(system.metrics.registry).decode()
        assert text.count("# HELP static_value ") == 1
        system.metrics.remove_source(static_source)
        assert "static_value" not in generate_latest(system.metrics.registry).decode()
        with pytest.raises(
            ValueError, match=r"static_source at 0x[0-9a-f]+>, which is not a source"
        ):
            system.metrics.remove_source(static_source)


async def test_removing_what_was_never_added_or_no_callable_says_what_to_pass() -> None:
    async with asyncio.timeout(10), ActorSystem("sourced") as system:
        with pytest.raises(ValueError, match=r"pass what was given to add_source"):
            system.metrics.remove_source(list)
        with pytest.raises(TypeError, match=r"remove_source needs a callable returning metric"):
            system.metrics.remove_source(42)  # type: ignore[arg-type]
