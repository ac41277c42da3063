"""The loop's own measures run on real time, whatever the system's clock: under a
`ManualClock` never advanced, a loop held outside any actor is counted by the watchdog once
and shows as one lag sample at least as late as the hold less the probe's interval. The
first sample comes an interval after the start, none before it. The hold lasts until the
watchdog has reported it and at least `HELD` seconds, so nothing depends on how long a fixed
block lasts on a loaded machine; the stalls counted are those reported while it holds."""

from __future__ import annotations

import asyncio
import time

import pytest

from actorkit import ActorSystem
from actorkit._stats import LAG_INTERVAL
from actorkit.testing import ManualClock

from .test_obshunt2_watchdog import Named, blocked_counts, hold_until_reported, named

__all__ = ["named"]  # the fixture, shared with test_obshunt2_watchdog.py

pytestmark = pytest.mark.usefixtures("collector_paused")

THRESHOLD = 0.2
"""Seconds: well under the hold, and over what a loaded machine stalls a loop by itself."""
HELD = 3 * LAG_INTERVAL
"""Seconds the loop is held at least: the probe due within it is late by two intervals."""
RESOLUTION = 0.01
"""Seconds a loop's clock may lag real time by: uvloop's reads whole milliseconds."""


async def test_a_loop_held_under_a_manual_clock_is_counted_once_and_shows_as_one_late_sample(
    named: Named,
) -> None:
    async with (
        asyncio.timeout(15),
        ActorSystem(clock=ManualClock(), blocked_threshold=THRESHOLD) as system,
    ):
        lag = system.metrics.loop_lag
        assert lag.count == 0  # the first probe is due an interval after the start
        began = time.monotonic()
        hold_until_reported(until=began + HELD)  # holds the loop, as a time.sleep would
        held = time.monotonic() - began
        while lag.count == 0:  # the probe, overdue, runs at the loop's next turn
            await asyncio.sleep(0)
        assert lag.count == 1
        assert lag.sum >= held - LAG_INTERVAL - RESOLUTION
        counts = blocked_counts(system)
    # Once while held; a loaded machine may stall the whole process elsewhere in the test,
    # which the log and the counter show alike.
    assert named.outside_held == 1
    assert named.named == []
    assert counts == {"(outside actors)": float(named.outside)}
