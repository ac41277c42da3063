"""docs/observability.md's `actorkit_actors{state}` values beyond `starting` (pinned in
tests/test_metrics.py), each seen while an actor is in it, and its "Nothing is logged on the
happy path"."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
import pytest

from actorkit import Actor, ActorRef, ActorSystem, Backoff, OneForOne
from actorkit.testing import ManualClock

from .docs_promises_support import BOUND, Echo
from .metrics_truth_support import scraped


def states(system: ActorSystem, actor_type: str) -> dict[str, float]:
    return {
        dict(labels)["state"]: value
        for (name, labels), value in scraped(system).items()
        if name == "actorkit_actors" and ("actor_type", actor_type) in labels
    }


class Child(Actor):
    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("crash on purpose")
        return message


class Patient(Actor):
    """Restarts its child after a 5 s backoff, so the child waits `restarting` meanwhile."""

    supervisor_strategy = OneForOne(backoff=Backoff(min=5.0, max=5.0, jitter=0))

    async def on_start(self) -> None:
        self.child = await self.spawn(Child, name="child")

    async def receive(self, message: Any) -> ActorRef:
        return self.child


class Busy(Actor):
    """Keeps handling a message while its child fails: the failure waits for it, and the
    child is `suspended` meanwhile."""

    async def on_start(self) -> None:
        self.child = await self.spawn(Child, name="child")

    async def receive(self, message: tuple[asyncio.Event, asyncio.Event]) -> None:
        entered, release = message
        self.child.tell("crash")
        entered.set()
        await release.wait()


class Lingering(Actor):
    def __init__(self, stopping: asyncio.Event, release: asyncio.Event) -> None:
        self.stopping, self.release = stopping, release

    async def receive(self, message: Any) -> Any:
        return message

    async def on_stop(self) -> None:
        self.stopping.set()
        await self.release.wait()


async def test_a_child_waiting_out_its_backoff_is_restarting(clock: ManualClock) -> None:
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock) as system:
        child = await (await system.spawn(Patient)).ask("child")
        child.tell("crash")
        await clock.settle()
        assert states(system, "Child") == {"restarting": 1}
        await clock.advance(5.0)
        assert states(system, "Child") == {"running": 1}


async def test_a_failed_child_awaiting_its_busy_supervisor_is_suspended(clock: ManualClock) -> None:
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock) as system:
        busy = await system.spawn(Busy)
        entered, release = asyncio.Event(), asyncio.Event()
        busy.tell((entered, release))
        await entered.wait()
        await clock.settle()
        assert states(system, "Child") == {"suspended": 1}
        release.set()
        await clock.settle()
        assert states(system, "Child") == {"running": 1}


async def test_an_actor_in_its_on_stop_is_stopping() -> None:
    async with asyncio.timeout(BOUND), ActorSystem() as system:
        stopping, release = asyncio.Event(), asyncio.Event()
        ref = await system.spawn(Lingering, stopping, release)
        stop = asyncio.ensure_future(ref.stop())
        await stopping.wait()
        assert states(system, "Lingering") == {"stopping": 1}
        release.set()
        await stop
        assert states(system, "Lingering") == {}


class Subscriber(Actor):
    async def on_start(self) -> None:
        self.subscribe("events.*")

    async def receive(self, message: Any) -> Any:
        return message


async def test_nothing_is_logged_on_the_happy_path(caplog: pytest.LogCaptureFixture) -> None:
    """Spawns, tells, asks, a publish, a timer, every endpoint read, stops and a shutdown:
    no record at any level on the `actorkit` loggers."""
    caplog.set_level(logging.DEBUG, logger="actorkit")
    async with asyncio.timeout(BOUND):
        async with ActorSystem("happy") as system:
            echo = await system.spawn(Echo, name="echo")
            subscriber = await system.spawn(Subscriber)
            echo.tell("told")
            assert await echo.ask("asked") == "asked"
            assert system.publish("events.x", 1) == 1
            system.schedule_once(0.0, echo, "tick")
            server = await system.serve_http(port=0)
            async with aiohttp.ClientSession() as session:
                for path in ("/metrics", "/healthz", "/actors", "/actors?path=/echo&limit=1"):
                    async with session.get(server.url + path) as response:
                        assert response.status == 200, path
            await subscriber.stop()
            await server.close()
        logged = [r for r in caplog.records if r.name.startswith("actorkit")]
        assert logged == [], [(r.name, r.levelname, r.getMessage()) for r in logged]
