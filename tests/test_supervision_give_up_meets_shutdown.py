"""A give-up that meets a shutdown (API 3, docs/api.md "a supervisor that is draining or
stopping restarts nothing"). The root decides on what reached it before its drain began: a
give-up there fails the system (`system.failure`, `SystemFailed`) though a shutdown has
begun. One that reaches it after, as its drain stops its children, is decided on by nobody,
as OTP's top supervisor decides on no exit while it terminates its children (it reports a
`shutdown_error`, and its application stops normally): it is logged and counted, and the
shutdown completes with no `system.failure`."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from actorkit import (
    Actor,
    ActorRef,
    ActorSystem,
    ChildSpec,
    OneForOne,
    Supervisor,
    SupervisorGaveUp,
    SystemFailed,
)

BOUND = 5.0


class Fails(Actor):
    """Fails every message; `stopped` is set as its supervisor stops it."""

    def __init__(self, entered: asyncio.Event, stopped: asyncio.Event) -> None:
        self.entered = entered
        self.stopped = stopped

    async def receive(self, message: Any) -> Any:
        self.entered.set()
        raise ValueError("the cause")

    async def on_stop(self) -> None:
        self.stopped.set()


class Last(Actor):
    """Started last, so stopped first by the root's drain: its `on_stop` fails `/s/w` and
    waits until `/s` has given up on it, while `/s` still runs."""

    def __init__(self, failing: ActorRef, stopped: asyncio.Event) -> None:
        self.failing = failing
        self.stopped = stopped

    async def receive(self, message: Any) -> None:
        return None

    async def on_stop(self) -> None:
        self.failing.tell("fail")
        await self.stopped.wait()


async def test_a_root_give_up_decided_as_a_shutdown_begins_fails_the_system() -> None:
    entered, stopped = asyncio.Event(), asyncio.Event()
    system = ActorSystem(supervisor=OneForOne(max_restarts=0))
    with pytest.raises(SystemFailed) as raised:
        async with asyncio.timeout(BOUND), system:
            ref = await system.spawn(Fails, entered, stopped, name="f")
            ref.tell("fail")
            await entered.wait()  # its report is the root's, ahead of the shutdown's stop
            await system.shutdown()
    assert isinstance(system.failure, SupervisorGaveUp)
    assert isinstance(system.failure.__cause__, ValueError)
    assert raised.value.__cause__ is system.failure


async def test_a_give_up_reaching_the_draining_root_is_logged_not_a_system_failure(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR, logger="actorkit")
    entered, stopped = asyncio.Event(), asyncio.Event()
    system = ActorSystem(supervisor=OneForOne(max_restarts=0))  # no top-level restart allowed
    async with asyncio.timeout(BOUND), system:
        specs = [ChildSpec(Fails, entered, stopped, name="w")]
        await system.spawn(Supervisor, specs, OneForOne(max_restarts=0), name="s")
        failing = system.lookup("/s/w")
        assert failing is not None
        await system.spawn(Last, failing, stopped, name="last")
    # The shutdown completed, and leaving `async with` raised nothing.
    assert system.failure is None
    assert not system.healthy
    assert system.lookup("/s") is None
    reports = {getattr(r, "actor_path", None): r for r in caplog.records}
    assert getattr(reports["/s/w"], "directive", None) == "give_up"
    gave_up = reports["/s"]  # reported once, with the give-up, and decided on by nobody
    assert "gave up: SupervisorGaveUp(" in gave_up.getMessage()
    assert getattr(gave_up, "directive", None) == "none (stopped or restarted already)"
    assert [getattr(r, "actor_path", None) for r in caplog.records].count("/s") == 1
