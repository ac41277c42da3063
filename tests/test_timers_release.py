"""A `schedule_once` timer pending past its target's stop keeps nothing of the actor alive
(API 5): the handle holds the ref, and so the stopped cell, until due, possibly for hours."""

from __future__ import annotations

import gc
import weakref
from typing import Any

from actorkit import Actor, ActorSystem
from actorkit._timers import TimerHandle
from actorkit.testing import ManualClock, instance


class Payload:
    """Something big an actor is given at spawn."""


class Holder(Actor):
    def __init__(self, payload: Payload, *, spare: Payload) -> None:
        self.payload = payload
        self.spare = spare

    async def receive(self, message: Any) -> Any:
        return message


async def test_a_pending_one_off_timer_keeps_no_stopped_actor_alive(clock: ManualClock) -> None:
    async with ActorSystem(clock=clock) as system:
        payload, spare = Payload(), Payload()
        ref = await system.spawn(Holder, payload, spare=spare)
        gone: list[weakref.ref[object]] = [
            weakref.ref(payload),
            weakref.ref(spare),
            weakref.ref(instance(ref)),
        ]
        del payload, spare
        handle, path = system.schedule_once(3600.0, ref, "late"), ref.path
        await ref.stop()
        del ref
        gc.collect()
        assert [alive() for alive in gone] == [None, None, None]
        assert handle.active  # what happens when it falls due is unchanged:
        await clock.advance(3600.0)
        assert system.dead_letters.by_reason == {"stopped": 1}
        assert [(d.recipient, d.message) for d in system.dead_letters.recent] == [(path, "late")]
        assert not handle.active


async def test_a_cancelled_periodic_timer_is_let_go_once_its_entry_is_due(
    clock: ManualClock,
) -> None:
    """The queue follows a periodic timer's live target, to end it when the target stops:
    cancelling the timer ends that too, or an actor that lives for days would keep every
    periodic timer ever scheduled to it and cancelled."""
    async with ActorSystem(clock=clock) as system:
        ref = await system.spawn(Holder, Payload(), spare=Payload())
        before = live_handles()
        for _ in range(10):
            system.schedule_every(60.0, ref, "tick").cancel()
        await clock.advance(60.0)
        assert live_handles() == before
        holder = instance(ref)
        assert isinstance(holder, Holder) and holder.payload is not None  # the target lives on


def live_handles() -> int:
    return sum(1 for obj in gc.get_objects() if type(obj) is TimerHandle)
