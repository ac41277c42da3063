"""An agent whose task its supervisor cut (a strategy's `shutdown` time passed while it
handled it) is about to restart or stop: like one with a `ref.stop()` queued, it takes no
task and shows so in `agents()` until that is done (API 6, 9 "Tasks"; README "Tasks for
agents", "Started means dispatched")."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from actorkit import (
    Actor,
    ActorStopped,
    ActorSystem,
    ChildSpec,
    OneForAll,
    OneForOne,
    Supervisor,
    Task,
    TaskHandle,
    TaskStatus,
)

BOUND = 0.05


class Agent(Actor):
    """Hangs in a task whose payload is "hang"; answers any other at once."""

    capabilities = ("w",)

    def __init__(self, entered: asyncio.Event) -> None:
        self.entered = entered

    async def receive(self, message: Any) -> Any:
        if isinstance(message, Task):
            if message.payload == "hang":
                self.entered.set()
                await asyncio.Event().wait()
            if message.payload == "hang, then raise":
                self.entered.set()
                try:
                    await asyncio.Event().wait()
                except asyncio.CancelledError:
                    raise ValueError("raised as the cut reached it") from None
            return (message.payload, message.attempt)
        raise RuntimeError("a sibling crashed")


async def _cut(
    system: ActorSystem, strategy: OneForAll | OneForOne, payload: str = "hang"
) -> TaskHandle:
    """`/sup/w` hangs in a task; `/sup/c` crashes, and the strategy cuts `/sup/w`'s task."""
    entered = asyncio.Event()
    specs = [ChildSpec(Agent, entered, name="w"), ChildSpec(Agent, entered, name="c")]
    await system.spawn(Supervisor, specs, strategy, name="sup", restart="temporary")
    hung = await system.submit(payload, requires=("w",))
    await entered.wait()
    crasher = system.lookup("/sup/c")
    assert crasher is not None
    crasher.tell("crash")
    with pytest.raises(ActorStopped, match="cut by its supervisor's shutdown time"):
        await hung
    return hung


def _states(system: ActorSystem, path: str) -> list[str]:
    (info,) = [a for a in system.agents() if a.path == path]
    return [state for _, state in info.history]


async def test_a_sibling_s_restart_cutting_an_agent_s_task_gives_it_no_task_before_it() -> None:
    async with asyncio.timeout(5), ActorSystem() as system:
        await _cut(system, OneForAll(shutdown=BOUND))
        # The cut instance's failure is in; its restart is still to come.
        assert _states(system, "/sup/w")[-1] == "restarting"
        after = await system.submit("after", requires=("w",))
        assert after.status is TaskStatus.PENDING  # not dispatched to an agent about to restart
        assert await after == ("after", 1)
        assert _states(system, "/sup/w") == ["idle", "busy", "restarting", "busy", "idle"]


async def test_a_give_up_cutting_an_agent_s_task_gives_it_no_task_before_it_stops() -> None:
    async with asyncio.timeout(5), ActorSystem() as system:
        await _cut(system, OneForOne(max_restarts=0, shutdown=BOUND))
        assert _states(system, "/sup/w")[-1] == "stopped"
        after = await system.submit("after", requires=("w",))
        assert after.status is TaskStatus.PENDING  # not dispatched to an agent about to stop
        assert after.cancel() is True


@pytest.mark.parametrize("payload", ["hang", "hang, then raise"])
async def test_the_crash_report_of_a_cut_task_names_the_task(
    caplog: pytest.LogCaptureFixture, payload: str
) -> None:
    """The cut's failure is reported to the task a loop turn before the crash report is
    logged: the report still says what the agent was handling, also when the handler
    raises an error of its own as the cut reaches it."""
    caplog.set_level(logging.ERROR, logger="actorkit")
    async with asyncio.timeout(5), ActorSystem() as system:
        await _cut(system, OneForAll(shutdown=BOUND), payload)
        after = await system.submit("after", requires=("w",))
        await after  # the restart is done: so is its crash report
    (cut,) = [r for r in caplog.records if getattr(r, "actor_path", None) == "/sup/w"]
    assert getattr(cut, "message_type", None) == "Task"
    assert "failed handling Task" in cut.getMessage()


async def test_the_crash_report_of_a_force_stopped_task_raising_late_names_the_task(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A forced stop (`ref.stop(timeout=)`) fails the task at once; the error its handler
    raises as the cancellation reaches it is still reported with the task."""
    caplog.set_level(logging.ERROR, logger="actorkit")
    entered = asyncio.Event()
    async with asyncio.timeout(5), ActorSystem() as system:
        ref = await system.spawn(Agent, entered, name="w")
        hung = await system.submit("hang, then raise")
        await entered.wait()
        await ref.stop(timeout=BOUND)
        with pytest.raises(ActorStopped):
            await hung
    (late,) = [r for r in caplog.records if getattr(r, "actor_path", None) == "/w"]
    assert getattr(late, "message_type", None) == "Task"
