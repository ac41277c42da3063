"""Task metrics: exported when metrics are on, absent when off (API 6)."""

from __future__ import annotations

import asyncio

import pytest
from prometheus_client import generate_latest

from actorkit import ActorSystem, TaskStatus
from actorkit.testing import ManualClock

from .tasks_support import Block, Echo, Fail, Journal, Worker, run


async def test_task_metrics_are_exported() -> None:
    journal: Journal = []
    async with ActorSystem() as system:
        await system.spawn(Worker, journal, name="w")
        await run(system, "ok")
        await system.submit("stranded", requires=["nobody"])
        text = generate_latest(system.metrics.registry).decode()
    assert 'actorkit_tasks_total{status="succeeded"} 1.0' in text
    assert 'actorkit_tasks_total{status="expired"} 0.0' in text
    assert "actorkit_tasks_pending 1.0" in text
    assert "actorkit_tasks_running 0.0" in text
    assert "actorkit_task_seconds_count 1.0" in text


async def test_no_task_metrics_when_metrics_are_off() -> None:
    async with ActorSystem(metrics=False) as system:
        await system.spawn(Echo)
        await run(system, "ok")
        assert "actorkit_tasks" not in generate_latest(system.metrics.registry).decode()


def _gauges(system: ActorSystem) -> tuple[float | None, ...]:
    registry = system.metrics.registry
    return tuple(
        registry.get_sample_value(name)
        for name in (
            "actorkit_tasks_pending",
            "actorkit_tasks_running",
            "actorkit_task_seconds_count",
        )
    )


async def test_the_task_gauges_follow_a_cancel_on_a_busy_agent_and_a_retry() -> None:
    """Pending and running are counts of the tasks' statuses, whatever the agents do: a task
    cancelled while its agent is still in it runs no more, and a retried one is running
    again, not counted twice."""
    journal: Journal = []
    async with ActorSystem() as system:
        await system.spawn(Worker, journal, name="w")
        gate = Block()
        held = await system.submit(gate)
        await gate.entered.wait()
        flaky = await system.submit(Fail("flaky", 1), retries=1)
        later = await system.submit("later")
        assert (system.tasks.pending, system.tasks.running) == (2, 1)
        assert held.cancel() is True
        assert system.agents()[0].state == "busy"  # still inside the cancelled task
        assert _gauges(system) == (2.0, 0.0, 1.0)
        gate.release.set()
        assert await flaky == ("w", "flaky")
        assert await later == ("w", "later")
        assert _gauges(system) == (0.0, 0.0, 3.0)
    assert [attempt for _, label, attempt in journal if label == "flaky"] == [1, 2]


async def test_every_way_of_finishing_is_counted_under_its_status() -> None:
    journal: Journal = []
    clock = ManualClock()
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        await system.spawn(Worker, journal, name="w")
        assert await run(system, "ok") == ("w", "ok")
        with pytest.raises(RuntimeError):
            await run(system, Fail("broken", 1))
        stranded = await system.submit("stranded", requires=["nobody"])
        assert stranded.cancel() is True
        late = await system.submit("late", requires=["nobody"], deadline=1.0)
        await clock.advance(1.0)
        assert late.status is TaskStatus.EXPIRED
        registry = system.metrics.registry
        counted = {
            status: registry.get_sample_value("actorkit_tasks_total", {"status": status})
            for status in ("succeeded", "failed", "expired", "cancelled")
        }
    assert counted == {"succeeded": 1.0, "failed": 1.0, "expired": 1.0, "cancelled": 1.0}
