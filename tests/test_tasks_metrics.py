"""Task metrics: exported when metrics are on, absent when off (API 6)."""

from __future__ import annotations

from prometheus_client import generate_latest

from actorkit import ActorSystem

from .tasks_support import Echo, Journal, Worker, run


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
