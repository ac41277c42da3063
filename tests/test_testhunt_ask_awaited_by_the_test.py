"""docs/api.md, Clock: an ask's timeout on a `ManualClock` passes only as the clock is
advanced, so an ask the test awaits itself, with nothing advancing the clock, waits for its
reply however long real time runs; started as a task, it times out at the `advance` that
passes its deadline."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import ActorSystem, AskTimeout
from actorkit.testing import ManualClock

from .testing_support import Held

SAFETY = 10.0
REAL_WAIT = 0.2  # seconds of real time, twice the ask's timeout on the clock


async def test_an_ask_times_out_at_the_advance_past_its_deadline_never_on_real_time(
    clock: ManualClock,
) -> None:
    gate = asyncio.Event()
    async with asyncio.timeout(SAFETY), ActorSystem(clock=clock) as system:
        ref = await system.spawn(Held)
        asked = asyncio.ensure_future(ref.ask(gate, timeout=REAL_WAIT / 2))
        done, _ = await asyncio.wait([asked], timeout=REAL_WAIT)
        assert not done  # real time passed its timeout: the clock did not
        await clock.advance(REAL_WAIT / 2)
        with pytest.raises(AskTimeout):
            await asked
        gate.set()
