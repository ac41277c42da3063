"""Actors the timer tests share: one that drives its own timers, one that runs steps sent to it;
and the model of the withdrawal tests (timers cancelled, watches ended) one per handler."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorRef, ActorSystem
from actorkit.testing import ManualClock


class Ticker(Actor):
    def __init__(self, probe_ref: Any) -> None:
        self.probe_ref = probe_ref

    async def receive(self, message: Any) -> Any:
        if isinstance(message, tuple) and message[0] == "every":
            self.timers.start_every(message[1], message[2], message[3])
        elif isinstance(message, tuple) and message[0] == "once":
            self.timers.start_once(message[1], message[2], message[3])
        elif isinstance(message, tuple) and message[0] == "cancel":
            return self.timers.cancel(message[1])
        elif message == "crash":
            raise RuntimeError("crash")
        elif message == "active":
            return len(self.timers)
        else:
            self.probe_ref.tell(message)
        return None


class Stepper(Actor):
    """Runs the steps it is sent inside itself and notes every other message in `seen`; on
    `("hold", gate, step)` it waits for the gate first, so ticks can queue behind it."""

    def __init__(self, seen: list[Any]) -> None:
        self.seen = seen

    async def receive(self, message: Any) -> Any:
        if isinstance(message, tuple) and message[0] == "hold":
            _, gate, step = message
            await gate.wait()
            return step(self)
        if callable(message):
            return message(self)
        self.seen.append(message)
        return None


async def tick_refused_as_full(
    system: ActorSystem, clock: ManualClock, ref: ActorRef
) -> asyncio.Event:
    """A `Stepper` with `mailbox_size=1` held in a handler and its one place taken when its
    timer "k" (due in 1 s) fires: the tick is a dead letter `mailbox_full`. Returns the
    gate that lets the handler go."""
    gate = asyncio.Event()
    ref.tell(("hold", gate, lambda actor: None))
    await clock.settle()
    ref.tell("filler")  # the one place in the mailbox
    await clock.advance(1.0)
    assert [(d.message, d.reason) for d in system.dead_letters.recent] == [("tick", "mailbox_full")]
    return gate


def withdrawn_by(index: int, wide: int) -> list[int]:
    """Whom the handler of message `index` of `wide` withdraws: the next one (about to be
    reached) and one far behind (past the loop's reach), every third spared."""
    return [other for other in (index + 1, wide - 1 - index) if index < other < wide and other % 3]


def arriving(wide: int) -> tuple[list[int], set[int]]:
    """The messages that still arrive, in order, when each handler withdraws `withdrawn_by`
    its own index, and the set withdrawn."""
    expected: list[int] = []
    withdrawn: set[int] = set()
    for index in range(wide):
        if index not in withdrawn:
            expected.append(index)
            withdrawn.update(withdrawn_by(index, wide))
    return expected, withdrawn
