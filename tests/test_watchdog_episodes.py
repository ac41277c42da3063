"""Each blocking episode is counted, and reported once the stall passes the threshold (not
some multiple of it). The handler blocks the loop until the watchdog has reported it, so
nothing here depends on how long a fixed block lasts."""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

import pytest

from actorkit import Actor, ActorSystem

REPORT_BOUND = 5.0
"""Seconds a handler holds the loop waiting for the report: far beyond the threshold."""


class Reported(logging.Handler):
    """Sets the event of the episode under way when the watchdog names an actor."""

    def __init__(self) -> None:
        super().__init__()
        self.episode = threading.Event()
        self.stalls: list[float] = []

    def emit(self, record: logging.LogRecord) -> None:
        if "blocked the event loop" in record.getMessage():
            assert isinstance(record.args, tuple)
            stalled = record.args[2]  # the seconds it blocked
            assert isinstance(stalled, float)
            self.stalls.append(stalled)
            self.episode.set()


class Blocker(Actor):
    async def receive(self, message: threading.Event) -> bool:
        return message.wait(REPORT_BOUND)  # holds the loop, as a time.sleep would


@pytest.fixture
def reported() -> Any:
    handler = Reported()
    logger = logging.getLogger("actorkit")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


async def test_every_blocking_episode_is_counted_and_reported_past_the_threshold(
    reported: Reported,
) -> None:
    threshold = 0.5  # a late watchdog thread has a second of slack under the 3x bound
    async with (
        asyncio.timeout(4 * REPORT_BOUND),
        ActorSystem(blocked_threshold=threshold) as system,
    ):
        blocker = await system.spawn(Blocker)
        for _ in range(3):  # a heartbeat that beat once and never again tells two apart
            reported.episode = threading.Event()
            assert await blocker.ask(reported.episode, timeout=2 * REPORT_BOUND) is True
        blocked = system.metrics.registry.get_sample_value(
            "actorkit_event_loop_blocked_total", {"actor_type": "Blocker"}
        )
    assert blocked == 3.0
    assert len(reported.stalls) == 3
    assert all(threshold <= stall < 3 * threshold for stall in reported.stalls)
