"""A root supervisor that has decided to give up (or to escalate) fails the system even when
a shutdown's forced stop cuts in while it still stops its children: the decision was taken,
so `system.failure` holds it and `async with` raises `SystemFailed`, as OTP's application
master hears of a supervisor that reached its intensity however its children ended."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, OneForOne, SupervisorGaveUp, SystemFailed

BOUND = 5.0


class Busy(Actor):
    """Handles one message for ever: the root's stop of it waits on that handler."""

    def __init__(self, entered: asyncio.Event) -> None:
        self.entered = entered

    async def receive(self, message: Any) -> Any:
        self.entered.set()
        await asyncio.Event().wait()


class Fails(Actor):
    """Fails its message; its `on_stop` runs once its supervisor acts on that failure, and
    holds the supervisor there until a forced stop cancels it."""

    def __init__(self, stopping: asyncio.Event) -> None:
        self.stopping = stopping

    async def receive(self, message: Any) -> Any:
        raise ValueError("the cause")

    async def on_stop(self) -> None:
        self.stopping.set()
        await asyncio.Event().wait()


async def fail_with_a_busy_sibling(system: ActorSystem) -> None:
    """The root acts on a failure while a sibling is mid-handler, then a forced shutdown."""
    entered, stopping = asyncio.Event(), asyncio.Event()
    busy = await system.spawn(Busy, entered, name="busy")
    fails = await system.spawn(Fails, stopping, name="fails")
    busy.tell("work")
    await entered.wait()
    with pytest.raises(ValueError):
        await fails.ask("go")
    await stopping.wait()  # the root is carrying out its decision
    await system.shutdown(timeout=0)


async def test_a_root_give_up_cut_by_a_forced_shutdown_still_fails_the_system() -> None:
    system = ActorSystem(supervisor=OneForOne(max_restarts=0))
    with pytest.raises(SystemFailed) as raised:
        async with asyncio.timeout(BOUND), system:
            await fail_with_a_busy_sibling(system)
    assert isinstance(system.failure, SupervisorGaveUp)
    assert isinstance(system.failure.__cause__, ValueError)
    assert raised.value.__cause__ is system.failure
    assert not system.healthy


async def test_a_root_escalation_cut_by_a_forced_shutdown_still_fails_the_system() -> None:
    system = ActorSystem(supervisor=OneForOne(decider={ValueError: "escalate"}))
    with pytest.raises(SystemFailed) as raised:
        async with asyncio.timeout(BOUND), system:
            await fail_with_a_busy_sibling(system)
    assert isinstance(system.failure, ValueError)
    assert raised.value.__cause__ is system.failure
