"""A fault in one of actorkit's own metric families (a builder that raises) is logged and
the scrape goes on: the families built before it and every `add_source` family are still
served, as they are when a user's source fails (`test_callbacks`). The sources were
skipped: a fault of the runtime's hid the tasks', NATS' and persistence's families, and the
user's."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from prometheus_client import generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric

from actorkit import Actor, ActorSystem, _metric_families


class Plain(Actor):
    async def receive(self, message: object) -> object:
        return message


def source() -> Iterator[Metric]:
    yield GaugeMetricFamily("user_family", "a user's source", value=7)


async def test_a_failing_builder_is_logged_and_the_sources_are_still_served(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(scrape: object) -> Iterator[Metric]:
        yield GaugeMetricFamily("actorkit_before_the_fault", "built before it", value=1)
        raise RuntimeError("a builder's fault")

    builders = _metric_families.BUILDERS
    monkeypatch.setattr(_metric_families, "BUILDERS", (builders[0], broken, *builders[1:]))
    async with ActorSystem() as system:
        system.metrics.add_source(source)
        await system.spawn(Plain, name="plain")
        text = generate_latest(system.metrics.registry).decode()
    assert "actorkit_actors{" in text  # built before the fault
    assert "actorkit_before_the_fault 1.0" in text
    assert "user_family 7.0" in text
    assert "actorkit_tasks_pending 0.0" in text  # the task layer's source
    failed = [r for r in caplog.records if r.getMessage() == "actorkit metrics collector failed"]
    assert failed and all(record.levelno == logging.ERROR for record in failed)
