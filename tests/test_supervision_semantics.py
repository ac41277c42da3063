"""Supervision against OTP's and Akka's semantics where the two differ from a first guess:
the intensity window's edge, when a backoff resets (API 9, "Supervision")."""

from __future__ import annotations

from typing import Any

from actorkit import Actor, ActorSystem, ChildSpec, OneForOne, Supervisor
from actorkit.testing import ManualClock, snapshot


class Crashing(Actor):
    """Logs each start at the clock's time; fails on "crash"."""

    def __init__(self, clock: ManualClock, starts: list[float]) -> None:
        self.clock = clock
        self.starts = starts

    async def on_start(self) -> None:
        self.starts.append(self.clock.now())

    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("crashed")
        return message


async def test_a_restart_exactly_within_seconds_ago_is_still_in_the_window(
    clock: ManualClock,
) -> None:
    """OTP keeps a restart made `Period` seconds ago in the window (`R >= Now - Period`):
    `max_restarts=1, within=1.0` allows one restart in any closed 1-second window."""
    starts: list[float] = []
    async with ActorSystem(clock=clock) as system:
        outer = await system.spawn(
            Supervisor,
            [ChildSpec(Crashing, clock, starts, name="c")],
            OneForOne(max_restarts=1, within=1.0),
            name="sup",
        )
        child = system.lookup("/sup/c")
        assert child is not None
        child.tell("crash")  # t=0: the one restart the window allows
        await clock.advance(1.0)
        child.tell("crash")  # t=1.0: the second restart in [0, 1]: the supervisor gives up
        await clock.advance(0)
        assert snapshot(outer).restarts == 1
