"""Values the exported families carry, checked against what happened: failures counted per
exception type, escalations, mailbox depth summed and maximised per class, every sample in
`+Inf`, the `le` edges dashboards are built on, and a loop-lag probe never negative."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, OneForOne, Supervisor, SupervisorGaveUp
from actorkit._stats import DURATION_BUCKETS, Histogram
from actorkit.testing import ManualClock

from .http_support import Echo
from .supervision_support import specs


class Held(Actor):
    """Blocks in its first message until released, so what follows it stays queued."""

    def __init__(self, entered: asyncio.Event, release: asyncio.Event) -> None:
        self.entered = entered
        self.release = release

    async def receive(self, message: Any) -> None:
        if message == "hold":
            self.entered.set()
            await self.release.wait()


async def test_failures_are_counted_per_exception_type() -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(Echo)
        for _ in range(2):
            with pytest.raises(ValueError):
                await ref.ask("crash")
        assert await ref.ask("sync") == "sync"
        failures = system.metrics.registry.get_sample_value(
            "actorkit_actor_failures_total", {"actor_type": "Echo", "exception": "ValueError"}
        )
    assert failures == 2.0


class FailsToStart(Actor):
    async def on_start(self) -> None:
        raise RuntimeError("on_start failed on purpose")


async def test_an_on_start_failing_at_spawn_counts_as_spawned_and_stopped_not_failed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Its error goes to the `spawn` caller, not to a supervisor: no failure, no crash report;
    spawned minus stopped still counts the live actors (observability.md)."""
    async with ActorSystem() as system:
        with pytest.raises(RuntimeError, match="on purpose"):
            await system.spawn(FailsToStart)
        registry = system.metrics.registry
        labels = {"actor_type": "FailsToStart"}
        counts = [
            registry.get_sample_value(f"actorkit_actor_{what}_total", labels)
            for what in ("spawned", "stopped", "restarts")
        ]
        failures = registry.get_sample_value(
            "actorkit_actor_failures_total", {**labels, "exception": "RuntimeError"}
        )
    assert (counts, failures) == ([1.0, 1.0, 0.0], None)
    assert "FailsToStart" not in caplog.text


async def test_mailbox_size_sums_the_class_and_its_max_is_the_deepest() -> None:
    release = asyncio.Event()
    async with asyncio.timeout(10), ActorSystem() as system:
        for queued in (2, 3):
            entered = asyncio.Event()
            ref = await system.spawn(Held, entered, release)
            ref.tell("hold")
            await entered.wait()
            for i in range(queued):
                ref.tell(i)
        registry = system.metrics.registry
        size = registry.get_sample_value("actorkit_mailbox_size", {"actor_type": "Held"})
        deepest = registry.get_sample_value("actorkit_mailbox_size_max", {"actor_type": "Held"})
        release.set()
    assert (size, deepest) == (5.0, 3.0)


def test_the_inf_bucket_counts_every_sample_even_past_the_last_bound() -> None:
    """`+Inf` is the histogram's `_count`: a sample above the last bound is still a sample."""
    histogram = Histogram()
    for value in (DURATION_BUCKETS[0], DURATION_BUCKETS[-1], 20.0, math.inf):
        histogram.observe(value)
    histogram.record(30.0)  # pending, not yet folded
    cumulative = histogram.cumulative()
    assert cumulative[0] == ("1e-06", 1.0)
    assert cumulative[-2] == ("10.0", 2.0)
    assert cumulative[-1] == ("+Inf", 5.0)


EDGES = {
    "actorkit_message_processing_seconds": (
        "1e-06 5e-06 1e-05 2.5e-05 5e-05 0.0001 0.00025 0.0005 0.001 0.0025 0.005 "
        "0.01 0.025 0.05 0.1 0.25 0.5 1.0 2.5 5.0 10.0 +Inf"
    ),
    "actorkit_event_loop_lag_seconds": "0.0005 0.001 0.005 0.01 0.05 0.1 0.5 1.0 5.0 +Inf",
    "actorkit_task_seconds": (
        "0.001 0.005 0.01 0.05 0.1 0.5 1.0 5.0 10.0 30.0 60.0 300.0 1800.0 +Inf"
    ),
}
"""The `le` edges as exported: dashboards and recording rules name them, so a change here is
a change for every user's queries."""


async def test_histograms_are_exported_with_their_le_edges() -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(Echo)
        assert await ref.ask("x") == "x"
        families = {family.name: family for family in system.metrics.registry.collect()}
    for name, edges in EDGES.items():
        exported = [
            sample.labels["le"]
            for sample in families[name].samples
            if sample.name == f"{name}_bucket" and sample.labels.get("actor_type") in (None, "Echo")
        ]
        assert " ".join(exported) == edges, name


async def test_a_lag_probe_run_early_records_no_negative_lag() -> None:
    """asyncio may run a timer up to its clock resolution early: that is no lag, and a
    negative one would pull the `_sum` below what the buckets say."""
    async with ActorSystem() as system:
        metrics = system.metrics
        loop = asyncio.get_running_loop()
        before = metrics.loop_lag.count
        probe = metrics._probe  # noqa: SLF001  # replaced by the one the call schedules
        assert probe is not None
        probe.cancel()
        metrics._measure(loop, loop.time() + 1.0)  # noqa: SLF001  # a probe due in a second
        assert metrics.loop_lag.count == before + 1
        assert metrics.loop_lag.sum >= 0.0
        assert metrics.loop_lag.counts[0] >= 1


async def test_a_supervisor_that_gives_up_is_counted_as_an_escalation(
    clock: ManualClock,
) -> None:
    journal: list[str] = []
    async with ActorSystem(clock=clock) as system:
        await system.spawn(Supervisor, specs(journal, "w"), OneForOne(max_restarts=0), name="s")
        worker = system.lookup("/s/w")
        assert worker is not None
        worker.tell("crash")
        await clock.settle()
        escalations = system.metrics.registry.get_sample_value(
            "actorkit_supervisor_escalations_total", {"actor_type": "Supervisor"}
        )
    assert escalations == 1.0


async def test_the_root_supervisor_giving_up_is_counted_as_an_escalation(
    clock: ManualClock,
) -> None:
    """The system's own supervisor (`ActorSystem(supervisor=...)`) is a supervisor too: its
    give-up, which fails the system, is counted under `actor_type="ActorSystem"`, exported
    at 0 before it so that `increase()` sees it."""
    system = ActorSystem(clock=clock, supervisor=OneForOne(max_restarts=0))
    async with asyncio.timeout(5):
        await system.start()
        sample = system.metrics.registry.get_sample_value
        labels = {"actor_type": "ActorSystem"}
        assert sample("actorkit_supervisor_escalations_total", labels) == 0.0
        worker = await system.spawn(Echo)
        worker.tell("crash")
        await clock.settle()
        assert isinstance(system.failure, SupervisorGaveUp)
        assert sample("actorkit_supervisor_escalations_total", labels) == 1.0
        await system.shutdown()


async def test_publishes_count_each_publish_once_and_each_delivery() -> None:
    async with ActorSystem() as system:
        refs = [await system.spawn(Echo) for _ in range(2)]
        for ref in refs:
            system.subscribe(ref, "news.*")
        assert system.publish("news.a", "x") == 2
        assert system.publish("other", "y") == 0  # no subscriber: published, none delivered
        sample = system.metrics.registry.get_sample_value
        assert sample("actorkit_published_messages_total", {}) == 2.0
        assert sample("actorkit_publish_deliveries_total", {}) == 2.0
