"""`self.stop()` is never lost to a resume: asked in a handler that then fails, or while the
failure is being decided, the instance does not run on. A `permanent` actor is restarted (a
normal exit of a permanent child, OTP), a `transient` or `temporary` one stops for good."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

import pytest

from actorkit import Actor, ActorSystem, OneForOne, Terminated
from actorkit.testing import Probe, snapshot


class Child(Actor):
    """Numbers its instances; on "fail" raises, after `self.stop()` if `stop_first`."""

    def __init__(self, instances: list[Actor], stop_first: bool) -> None:
        self.number = len(instances)
        instances.append(self)
        self.stop_first = stop_first

    async def receive(self, message: Any) -> int:
        if message == "fail":
            if self.stop_first:
                self.stop()
            raise ValueError("after asking to stop" if self.stop_first else "plain failure")
        return self.number


class Parent(Actor):
    """Resumes every failure (its `decider` may first call the failing instance's `stop()`),
    and tells `probe` when its child stops for good."""

    def __init__(self, instances: list[Actor], stop_in_decider: bool, probe: Probe) -> None:
        def decider(error: BaseException) -> Literal["resume"]:
            if stop_in_decider:
                instances[-1].stop()  # the child is suspended, awaiting this decision
            return "resume"

        self.supervisor_strategy = OneForOne(decider=decider)
        self.instances = instances
        self.probe = probe

    async def receive(self, message: Any) -> Any:
        if isinstance(message, Terminated):
            self.probe.ref.tell(message)
            return None
        restart, stop_first = message
        child = await self.spawn(Child, self.instances, stop_first, name="c", restart=restart)
        self.watch(child)
        return child


@pytest.mark.parametrize("restart", ["permanent", "transient", "temporary"])
@pytest.mark.parametrize("where", ["in-the-failing-handler", "while-suspended"])
async def test_a_self_stop_is_carried_out_when_the_failure_is_resumed(
    restart: str, where: str
) -> None:
    instances: list[Actor] = []
    in_handler = where == "in-the-failing-handler"
    async with asyncio.timeout(10), ActorSystem(metrics=False) as system:
        probe = await Probe.spawn(system)
        parent = await system.spawn(Parent, instances, not in_handler, probe)
        child = await parent.ask((restart, in_handler))
        assert await child.ask("number") == 0
        child.tell("fail")
        if restart == "permanent":
            assert await child.ask("number") == 1  # handled by the restarted instance
            assert snapshot(child).restarts == 1
        else:
            terminated = await probe.expect(Terminated)
            assert terminated.ref == child and not child.is_alive
            assert len(instances) == 1
