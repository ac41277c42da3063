"""What the tests of `self.timers.cancel` withdrawing queued ticks share
(`tests/test_timer_cancel_withdrawn_*.py`): how many ticks are queued to pass the receive
loop's reach, a step that arms that many one-shot timers, and a `Stepper` held in a handler
with its ticks queued behind it."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorSystem
from actorkit._mailbox import BATCH
from actorkit.testing import ManualClock, snapshot

from .timers_support import Stepper

WIDE = 3 * BATCH + 7
"""Ticks queued at once: past the receive loop's reach between two of its yields."""


def arm(count: int, delay: float = 1.0) -> Any:
    def step(actor: Actor) -> None:
        for key in range(count):
            actor.timers.start_once(key, ("tick", key), delay)

    return step


async def held_with_ticks(
    system: ActorSystem,
    clock: ManualClock,
    seen: list[Any],
    count: int,
    step: Any = None,
    **spawn: Any,
) -> tuple[Any, asyncio.Event, Actor]:
    """A `Stepper` with `count` ticks queued behind a handler held on the returned gate, which
    then runs `step`; and its instance, for plain code to call its timers."""
    ref = await system.spawn(Stepper, seen, **spawn)
    instance: Actor = await ref.ask(lambda actor: actor)
    await ref.ask(arm(count))
    gate = asyncio.Event()
    ref.tell(("hold", gate, step or (lambda actor: None)))
    await clock.advance(1.0)
    assert snapshot(ref).accounting.queued == count
    return ref, gate, instance
