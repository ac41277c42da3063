"""What fires first when an ask's timeout and a timer fall due at the same `ManualClock`
instant (docs/api.md §5, `ManualClock`): each mechanism keeps one clock entry, armed for its
earliest time, and entries due together fire in the order they were last armed, each
settled before the next. So the order replays exactly, run after run, but it is not always
the order the ask and the timer were made in: the ask deadlines' entry, fired for an earlier
ask, is armed again behind a timer made meanwhile."""

from __future__ import annotations

import asyncio
from typing import Any

from actorkit import Actor, ActorRef, ActorSystem, AskTimeout
from actorkit.testing import ManualClock

from .testing_support import Held

BOUND = 5.0


class Recorder(Actor):
    def __init__(self, seen: list[str]) -> None:
        self.seen = seen

    async def receive(self, message: Any) -> None:
        self.seen.append(message)


async def timed_out(held: ActorRef, gate: asyncio.Event, timeout: float, seen: list[str]) -> None:
    try:
        await held.ask(gate, timeout=timeout)
    except AskTimeout:
        seen.append(f"ask {timeout}")


async def order(clock: ManualClock, steps: list[tuple[str, float]]) -> list[str]:
    """What was seen, advancing to 5.0, after making each step in turn at time 0."""
    seen: list[str] = []
    async with asyncio.timeout(BOUND), ActorSystem(clock=clock, metrics=False) as system:
        held = await system.spawn(Held)
        recorder = await system.spawn(Recorder, seen)
        gate = asyncio.Event()
        asks = []
        for kind, due in steps:
            if kind == "ask":
                asks.append(asyncio.ensure_future(timed_out(held, gate, due, seen)))
                await clock.settle()  # filed: its deadline armed, or its group joined
            else:
                system.schedule_once(due, recorder, f"timer {due}")
        await clock.advance(5.0)
        gate.set()
        await asyncio.gather(*asks)
    return seen


async def test_an_ask_made_first_times_out_first(clock: ManualClock) -> None:
    assert await order(clock, [("ask", 5.0), ("timer", 5.0)]) == ["ask 5.0", "timer 5.0"]


async def test_a_timer_made_first_fires_first(clock: ManualClock) -> None:
    assert await order(clock, [("timer", 5.0), ("ask", 5.0)]) == ["timer 5.0", "ask 5.0"]


async def test_the_order_is_that_of_the_entries_last_armed(clock: ManualClock) -> None:
    """The ask for 5.0 is made before the timer, but the deadlines' entry is armed for the
    ask for 2.0; fired there, it is armed again for 5.0, after the timer queue's entry."""
    steps = [("ask", 2.0), ("ask", 5.0), ("timer", 5.0)]
    assert await order(clock, steps) == ["ask 2.0", "timer 5.0", "ask 5.0"]


async def test_the_order_replays_exactly(make_clock: Any) -> None:
    """The first timer for 5.0 is made before any ask, yet fires after the ask for 5.0: both
    entries fired at 2.0, and the deadlines' was armed again first."""
    steps = [("timer", 5.0), ("ask", 2.0), ("ask", 5.0), ("timer", 2.0), ("timer", 5.0)]
    runs = [await order(make_clock(), steps) for _ in range(3)]
    assert runs[0] == runs[1] == runs[2]
    assert runs[0] == ["ask 2.0", "timer 2.0", "ask 5.0", "timer 5.0", "timer 5.0"]
