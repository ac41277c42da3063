"""The system and the handles it gives out (a timer's, a task's) are identities, as refs are
(API 1): a copy of one, or of a message or an actor's state holding one, is the one itself,
and `pickle` refuses it saying so. A shallow copy of a timer's handle was a second handle:
cancelling it said True while the timer still fired, and the count of pending timers went
below zero; a deep copy walked into the event loop and failed there."""

from __future__ import annotations

import asyncio
import copy
import pickle
from typing import Any

import pytest

from actorkit import Actor, ActorSystem
from actorkit.testing import ManualClock, pending_timers

pytestmark = pytest.mark.timeout(10)


class Agent(Actor):
    capabilities = ("work",)

    def __init__(self, seen: list[Any]) -> None:
        self.seen = seen

    async def receive(self, message: Any) -> Any:
        self.seen.append(message)
        return message


async def test_a_timer_cancelled_through_a_copy_of_its_handle_never_fires() -> None:
    clock = ManualClock()
    seen: list[Any] = []
    async with asyncio.timeout(5), ActorSystem(clock=clock, metrics=False) as system:
        ref = await system.spawn(Agent, seen)
        for make in (copy.copy, copy.deepcopy):
            handle = system.schedule_once(1.0, ref, "tick")
            assert make(handle) is handle
            assert make(handle).cancel() is True and not handle.active
        await clock.advance(2.0)
        assert seen == [] and pending_timers(system) == 0


async def test_the_system_and_its_handles_copy_as_themselves_and_refuse_pickle() -> None:
    clock = ManualClock()
    async with asyncio.timeout(5), ActorSystem(clock=clock, metrics=False) as system:
        ref = await system.spawn(Agent, [])
        task = await system.submit("job")
        timer = system.schedule_every(1.0, ref, "tick")
        state = {"system": system, "task": task, "timer": timer, "counts": [1, 2]}
        copied = copy.deepcopy(state)
        assert copied["counts"] == [1, 2] and copied["counts"] is not state["counts"]
        for key in ("system", "task", "timer"):
            assert copied[key] is state[key] and copy.copy(state[key]) is state[key]
            with pytest.raises(TypeError, match=rf"cannot pickle {type(state[key]).__name__}"):
                pickle.dumps(state[key])
        assert (await task).payload == "job"
        timer.cancel()
