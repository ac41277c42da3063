"""A `self.stop()` that reached an actor while its failure awaited the decision ends with the
instance a restart replaces: the new instance does not inherit it (api.md, Supervision)."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorSystem, OneForOne


class StopsWhileDecided(Actor):
    """On "restart-me", starts a task that calls `self.stop()`, then fails with `ValueError`
    (restarted); on "resume-me", fails with `KeyError` (resumed); echoes anything else."""

    def __init__(self, asked: asyncio.Event) -> None:
        self.asked = asked

    async def receive(self, message: Any) -> Any:
        if message == "restart-me":
            self.stopper = asyncio.ensure_future(self._stop_later())
            raise ValueError("restarted")
        if message == "resume-me":
            raise KeyError("resumed")
        return message

    async def _stop_later(self) -> None:
        self.stop()  # reaches the actor while its failure awaits the decision
        self.asked.set()


async def test_a_stop_asked_during_a_restart_decision_does_not_outlive_the_instance() -> None:
    asked = asyncio.Event()
    supervisor = OneForOne(decider={ValueError: "restart", KeyError: "resume"})
    async with asyncio.timeout(10), ActorSystem(supervisor=supervisor) as system:
        ref = await system.spawn(StopsWhileDecided, asked, restart="transient")
        ref.tell("restart-me")
        await asked.wait()
        assert await ref.ask("after the restart") == "after the restart"
        ref.tell("resume-me")  # a resume carries out only a stop this instance asked for
        assert await ref.ask("after the resume") == "after the resume"
        assert ref.is_alive
