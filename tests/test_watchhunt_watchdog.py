"""The watchdog counts a stall in a supervisor's decider under the code that holds the loop:
an actor's `supervisor_strategy` under that actor's class, the system's own `supervisor=`
outside actors, never under the runtime's private root class. Each blocking call holds the
loop until the watchdog has reported it, so nothing depends on how long a fixed block lasts."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

import pytest

from actorkit import Actor, ActorSystem, OneForOne

from .test_obshunt2_watchdog import THRESHOLD, Named, blocked_counts, hold_until_reported, named

__all__ = ["named"]  # the fixture, shared with test_obshunt2_watchdog.py

pytestmark = pytest.mark.usefixtures("collector_paused")

BOUND = 15.0
"""Seconds each test gets in all: far beyond the reports it waits for."""


def blocking_decider(error: BaseException) -> Literal["resume"]:
    hold_until_reported()
    return "resume"


class Fails(Actor):
    async def receive(self, message: Any) -> Any:
        if message == "boom":
            raise ValueError("to be decided on")
        return message


class Decides(Actor):
    supervisor_strategy = OneForOne(decider=blocking_decider)

    async def receive(self, message: Any) -> Any:
        return await self.spawn(Fails, name="failing")


async def test_an_actor_s_decider_holding_the_loop_counts_under_that_actor(
    named: Named,
) -> None:
    async with asyncio.timeout(BOUND), ActorSystem(blocked_threshold=THRESHOLD) as system:
        parent = await system.spawn(Decides, name="parent")
        child = await parent.ask("spawn")
        child.tell("boom")
        assert await child.ask("after") == "after"  # resumed once the decider returned
        counts = blocked_counts(system)
    assert named.named == [("/parent", "Decides")]
    assert counts == {"Decides": 1.0}


async def test_the_system_supervisor_s_decider_holding_the_loop_counts_outside_actors(
    named: Named,
) -> None:
    supervisor = OneForOne(decider=blocking_decider)
    async with (
        asyncio.timeout(BOUND),
        ActorSystem(blocked_threshold=THRESHOLD, supervisor=supervisor) as system,
    ):
        child = await system.spawn(Fails, name="failing")
        child.tell("boom")
        assert await child.ask("after") == "after"
        counts = blocked_counts(system)
    assert named.named == []  # no actor of the user's held it: the root is none
    assert named.outside == 1
    assert counts == {"(outside actors)": 1.0}
