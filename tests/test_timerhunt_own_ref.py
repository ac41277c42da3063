"""A periodic timer to a `Ref` of the user's own (an adapter, a fake): what that ref does
when asked whether it lives is no part of a timer's delivery (api.md §5: to a ref that is no
local actor it ticks until cancelled), so it cannot cost the timers due with it."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorSystem
from actorkit.testing import ManualClock, pending_timers


class Recorder(Actor):
    def __init__(self, got: list[object]) -> None:
        self.got = got

    async def receive(self, message: Any) -> None:
        self.got.append(message)


class Adapter:
    """A `Ref` of the user's own whose `is_alive` raises once what it wraps has closed."""

    name = "adapter"
    path = "/adapter"

    def __init__(self) -> None:
        self.closed = False
        self.told: list[object] = []

    @property
    def is_alive(self) -> bool:
        if self.closed:
            raise ConnectionError("the adapter's connection is closed")
        return True

    def tell(self, message: Any) -> None:
        self.told.append(message)

    async def send(self, message: Any) -> None:
        self.told.append(message)

    async def ask(self, message: Any, timeout: float = 5.0) -> Any:
        return message


async def test_a_raising_is_alive_of_a_ref_of_the_user_s_own_costs_no_timer(
    clock: ManualClock,
) -> None:
    got: list[object] = []
    async with asyncio.timeout(10), ActorSystem(metrics=False, clock=clock) as system:
        other = await system.spawn(Recorder, got)
        adapter = Adapter()
        ticking = system.schedule_every(1.0, adapter, "tick")
        system.schedule_once(1.0, other, "due with it")
        system.schedule_once(2.0, other, "due after it")
        adapter.closed = True
        await clock.advance(2.0)
        assert got == ["due with it", "due after it"]
        assert adapter.told == ["tick", "tick"]  # it ticks until cancelled
        assert ticking.active and ticking.cancel()
        assert pending_timers(system) == 0
        assert system.dead_letters.count == 0
