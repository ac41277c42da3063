"""Two systems on one event loop: a handler of one that blocks the loop blocks the other's
too, and each watchdog reports it, but only its own system counts it under the actor's
class; for the other it was blocked outside its actors."""

from __future__ import annotations

import asyncio
import logging
import re

import pytest
from prometheus_client import generate_latest

from actorkit import ActorSystem

from .test_watchdog import Hog

pytestmark = pytest.mark.usefixtures("collector_paused")


async def test_a_blocking_handler_counts_for_its_own_system_only(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, "actorkit")
    async with (
        asyncio.timeout(10),
        ActorSystem("owner", blocked_threshold=0.05) as owner,
        ActorSystem("neighbour", blocked_threshold=0.05) as neighbour,
    ):
        hog = await owner.spawn(Hog, name="hog")
        assert await hog.ask(0.3) == "done"
        own = generate_latest(owner.metrics.registry).decode()
        other = generate_latest(neighbour.metrics.registry).decode()
    assert 'actorkit_event_loop_blocked_total{actor_type="Hog"} 1.0' in own
    assert 'actor_type="Hog"' not in other
    # A loaded machine may also deschedule the whole process past the threshold: a stall
    # outside any handler, which each system counts as such. The hog is told once, by name.
    outside = re.search(
        r'actorkit_event_loop_blocked_total\{actor_type="\(outside actors\)"\} (\S+)', other
    )
    assert outside is not None and float(outside.group(1)) >= 1.0
    told = [
        r.getMessage()
        for r in caplog.records
        if "neighbour" in r.getMessage() and "/hog of system owner" in r.getMessage()
    ]
    assert len(told) == 1  # the neighbour's warning names whose handler it was
    assert "outside its actors' handlers (in actor /hog of system owner)" in told[0]
