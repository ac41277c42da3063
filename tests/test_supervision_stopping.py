"""Stopping: never restarted from outside, on_stop once, children first, sends after (API 3)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem

from .supervision_support import Worker


async def test_stop_from_outside_is_never_followed_by_a_restart() -> None:
    journal: list[str] = []
    async with ActorSystem() as system:
        ref = await system.spawn(Worker, journal, "w")
        await ref.stop()
        assert journal == ["start w", "stop w"]
        assert not ref.is_alive


async def test_on_stop_runs_once_per_instance_and_failures_there_are_contained(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class BadStop(Actor):
        async def on_stop(self) -> None:
            raise RuntimeError("on_stop broke")

        async def receive(self, message: Any) -> Any:
            return message

    async with ActorSystem() as system:
        ref = await system.spawn(BadStop, name="bad")
        await ref.stop()
        other = await system.spawn(BadStop)
        assert await other.ask(1) == 1
    assert any("on_stop of /bad" in r.getMessage() for r in caplog.records)


async def test_children_stop_before_parents_in_reverse_start_order() -> None:
    journal: list[str] = []

    class Parent(Worker):
        async def on_start(self) -> None:
            await super().on_start()
            await self.spawn(Worker, self.journal, f"{self.label}.1")
            await self.spawn(Worker, self.journal, f"{self.label}.2")

    async with ActorSystem() as system:
        await system.spawn(Parent, journal, "A")
        await system.spawn(Parent, journal, "B")
        journal.clear()
    assert journal == ["stop B.2", "stop B.1", "stop B", "stop A.2", "stop A.1", "stop A"]


async def test_sending_to_a_stopped_actor_yields_to_the_loop() -> None:
    async with ActorSystem() as system:
        ref = await system.spawn(Worker, [], "w")
        await ref.stop()
        other_ran = asyncio.Event()
        asyncio.get_running_loop().call_soon(other_ran.set)
        sent = 0
        while not other_ran.is_set():  # would spin forever if send never yielded
            await ref.send(sent)
            sent += 1
        assert sent >= 1
        assert system.dead_letters.by_reason["stopped"] == sent


class StopBreaks(Actor):
    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise ValueError("crash on purpose")
        return message

    async def on_stop(self) -> None:
        raise RuntimeError("on_stop broke")


async def test_an_on_stop_failure_is_logged_not_supervised_nor_counted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """README "What a failure is": `on_stop` runs when the instance is going anyway (a stop,
    a restart), so its error is logged and contained: no crash report, no supervisor decision,
    not in `actorkit_actor_failures_total`. Only the handler's failure counts here."""
    async with asyncio.timeout(10), ActorSystem() as system:
        restarted = await system.spawn(StopBreaks, name="restarted")
        with pytest.raises(ValueError):
            await restarted.ask("crash")  # the restart runs the failed instance's on_stop
        assert await restarted.ask("after") == "after"
        stopped = await system.spawn(StopBreaks, name="stopped")
        await stopped.stop()
        registry = system.metrics.registry
        labels = {"actor_type": "StopBreaks"}
        counts = [
            registry.get_sample_value("actorkit_actor_failures_total", {**labels, "exception": e})
            for e in ("ValueError", "RuntimeError")
        ]
        restarts = registry.get_sample_value("actorkit_actor_restarts_total", labels)
    assert (counts, restarts) == ([1.0, None], 1.0)
    logged = [r.getMessage() for r in caplog.records if "on_stop" in r.getMessage()]
    assert [m.split()[2] for m in logged] == ["/restarted", "/stopped", "/restarted"]
    reports = [r.getMessage() for r in caplog.records if "supervisor decided" in r.getMessage()]
    assert [("crash on purpose" in report) for report in reports] == [True]
