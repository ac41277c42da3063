"""Supervision in cases a mutation review of the supervision modules found the suites left
open: a decider that is a mapping and can also be called is read, and checked, as a mapping."""

from __future__ import annotations

from typing import Any

import pytest

from actorkit import Actor, ActorSystem, Directive, OneForOne
from actorkit.testing import ManualClock

from .supervision_support import Worker


class CallableMapping(dict[Any, Any]):
    """A mapping that can also be called: the decider is the mapping, never the call."""

    def __call__(self, error: BaseException) -> Directive:
        return "stop"


async def test_a_callable_mapping_decider_is_read_as_a_mapping(clock: ManualClock) -> None:
    journal: list[str] = []
    decider = CallableMapping({RuntimeError: "resume"})

    class Parent(Actor):
        supervisor_strategy = OneForOne(decider=decider)

        async def receive(self, message: Any) -> Any:
            return await self.spawn(Worker, journal, "w", name="w")

    async with ActorSystem(clock=clock) as system:
        parent = await system.spawn(Parent, name="p")
        child = await parent.ask("spawn")
        child.tell("crash")
        await clock.settle()
        assert child.is_alive  # resumed, as the mapping says: the call would have stopped it
        assert journal == ["start w"]


def test_a_callable_mapping_decider_is_checked_as_a_mapping_when_made() -> None:
    with pytest.raises(ValueError, match="decider directive for ValueError must be one of"):
        OneForOne(decider=CallableMapping({ValueError: "bogus"}))
    with pytest.raises(ValueError, match="decider key KeyboardInterrupt is never decided on"):
        OneForOne(decider=CallableMapping({KeyboardInterrupt: "stop"}))
