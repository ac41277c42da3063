"""A strategy's `shutdown=0` (OTP's `brutal_kill`) stops the children a restart takes without
waiting, idle or not; the cut's WARNING ("ran past its supervisor's shutdown time: its work is
cut") is for a child that was doing something, never for one parked idle, parked after its
failure, or waiting out a backoff: a restart of a group of idle workers logs no line per
worker claiming it ran past a time it never had (API 9, "Supervision")."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from actorkit import ActorStopped, ActorSystem, Backoff, ChildSpec, OneForAll, Supervisor
from actorkit.testing import ManualClock

from .supervision_cut_support import Hanging
from .supervision_support import Worker


def cut_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.levelno == logging.WARNING and "shutdown time" in record.getMessage()
    ]


class Hangs(Hanging):
    """Says when its "hang" handler has begun: the cut then meets a child at work."""

    begun: asyncio.Event

    async def receive(self, message: Any) -> Any:
        if message == "hang":
            type(self).begun.set()
        return await super().receive(message)


class Hiring(Supervisor):
    """Spawns a worker of the label it is sent (OTP's `start_child`)."""

    async def receive(self, message: Any) -> Any:
        journal, label = message
        return await self.spawn(Worker, journal, label, name=label)


async def test_brutal_kill_of_idle_children_logs_no_cut(
    clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    journal: list[str] = []
    strategy = OneForAll(shutdown=0, backoff=Backoff(min=1.0, max=1.0, jitter=0))
    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        sup = await system.spawn(
            Hiring,
            [ChildSpec(Worker, journal, label, name=label) for label in "ab"],
            strategy,
            name="sup",
        )
        a = system.lookup("/sup/a")
        assert a is not None
        with caplog.at_level(logging.WARNING, logger="actorkit"):
            a.tell("crash")  # b idle, a parked after its failure
            await clock.advance(0.5)
            c = await sup.ask((journal, "c"))  # started while a and b wait out the backoff
            c.tell("crash")
            await clock.advance(1.0)
        assert cut_lines(caplog) == []
        assert journal == ["start a", "start b", "start c", "start a", "start b", "start c"]
        assert await sup.ask((journal, "d")) is not None


async def test_brutal_kill_of_a_busy_child_still_logs_its_cut(
    caplog: pytest.LogCaptureFixture,
) -> None:
    journal: list[str] = []
    Hangs.begun = asyncio.Event()
    async with asyncio.timeout(5), ActorSystem() as system:
        sup = await system.spawn(
            Supervisor,
            [ChildSpec(Worker, journal, "a", name="a"), ChildSpec(Hangs, journal, "b", name="b")],
            OneForAll(shutdown=0),
            name="sup",
        )
        a, b = system.lookup("/sup/a"), system.lookup("/sup/b")
        assert a is not None and b is not None
        hung = asyncio.ensure_future(b.ask("hang"))
        await Hangs.begun.wait()
        with caplog.at_level(logging.WARNING, logger="actorkit"):
            a.tell("crash")
            with pytest.raises(ActorStopped, match="shutdown time"):
                await hung
        assert [line for line in cut_lines(caplog) if "ran past" in line] == [
            "/sup/b ran past its supervisor's shutdown time (0s): its work is cut, and it restarts"
        ]
        assert await sup.ask("still there") is None


async def test_a_dormant_or_idle_child_with_on_stop_is_stopped_without_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Its `on_stop` skipped is what `brutal_kill` asks for, no cut to report."""
    journal: list[str] = []
    async with asyncio.timeout(5), ActorSystem() as system:
        sup = await system.spawn(
            Supervisor,
            [ChildSpec(Worker, journal, label, name=label) for label in "ab"],
            OneForAll(shutdown=0),
            name="sup",
        )
        b = system.lookup("/sup/b")
        assert b is not None
        with caplog.at_level(logging.WARNING, logger="actorkit"):
            b.tell("crash")
            await sup.ask("after the restart")
            assert await b.ask("handled") == 0
        assert cut_lines(caplog) == []
        assert journal == ["start a", "start b", "start a", "start b"]
