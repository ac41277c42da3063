"""Withdrawn ticks still in the queue when the actor's handling ends otherwise: a failed handler
does not carry the loop onto one, and a restart, a stop or `cancel_all` lets none arrive and
none become a dead letter."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, OneForOne
from actorkit.testing import ManualClock, snapshot

from .invariants import assert_invariants
from .timer_cancel_support import WIDE, arm, held_with_ticks
from .timers_support import Stepper


class Failing(Stepper):
    async def receive(self, message: Any) -> Any:
        if message == ("tick", 0):
            raise RuntimeError("the first tick fails")
        return await super().receive(message)


async def test_a_failed_handler_does_not_carry_the_loop_onto_a_withdrawn_tick(
    clock: ManualClock,
) -> None:
    """A message whose handler failed left the queue without counting down the loop's reach:
    a tick withdrawn just behind it must not be handled after the actor resumes."""
    seen: list[Any] = []

    class Resuming(Actor):
        supervisor_strategy = OneForOne(decider=lambda error: "resume")

        async def on_start(self) -> None:
            self.child = await self.spawn(Failing, seen, mailbox_size=None)

        async def receive(self, message: Any) -> Any:
            return self.child

    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        parent = await system.spawn(Resuming)
        ref = await parent.ask("child")
        await ref.ask(arm(WIDE))
        gate = asyncio.Event()

        def withdraw_behind_the_first(actor: Actor) -> None:
            for key in range(1, WIDE, 2):
                assert actor.timers.cancel(key)

        ref.tell(("hold", gate, withdraw_behind_the_first))
        await clock.advance(1.0)
        gate.set()
        await ref.ask(lambda actor: None)
        assert seen == [("tick", key) for key in range(2, WIDE, 2)]
        assert_invariants(system)


@pytest.mark.parametrize("end", ["restart", "stop", "cancel_all"])
async def test_withdrawn_ticks_still_in_the_queue_at_a_restart_or_stop(
    clock: ManualClock, end: str
) -> None:
    """Half the ticks withdrawn, the rest ended by a restart, a stop or `cancel_all` while
    the withdrawn ones are still in the queue: none arrives, none is a dead letter."""
    seen: list[Any] = []

    def then(actor: Actor) -> None:
        for key in range(0, WIDE, 2):
            assert actor.timers.cancel(key)
        if end == "restart":
            raise RuntimeError("restart with withdrawn ticks queued")
        if end == "stop":
            actor.stop()
        if end == "cancel_all":
            actor.timers.cancel_all()

    async with asyncio.timeout(5), ActorSystem(clock=clock) as system:
        ref, gate, _ = await held_with_ticks(
            system, clock, seen, WIDE, then, mailbox_size=None, restart="transient"
        )
        gate.set()
        await clock.settle()
        assert_invariants(system)
        assert ref.is_alive == (end != "stop")
        if end != "stop":
            await ref.ask(lambda actor: None)
        assert seen == [] and system.dead_letters.count == 0
        box = snapshot(ref).accounting
        assert box.queued == 0 and box.dead_lettered == 0
        assert_invariants(system)
