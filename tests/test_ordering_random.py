"""Message order and exactly-once handling under seeded random traffic (ordering_support):
senders mixing tell, send, ask, publish and timers; receivers failing under every directive
with a backoff, dormant until their first message, durable (recovering at each restart),
pool members (hash and other routings, resizes, member restarts and stops), stopped
orderly or forcibly, and forwarding to a watcher before they stop."""

from __future__ import annotations

import asyncio
import time

import pytest

from .ordering_driver import scenario

pytestmark = pytest.mark.timeout(30)


async def test_seeded_random_traffic_keeps_order_and_handles_each_message_once() -> None:
    """Seeds run for up to 4 s per event loop (each a few ms): a failure names its seed, which
    `scenario(seed)` replays alone."""
    started = time.monotonic()
    seed = 0
    async with asyncio.timeout(10):
        while time.monotonic() - started < 4 and seed < 400:
            problems = await scenario(seed, hash_resize=seed % 2 == 1)
            assert problems == [], f"seed {seed}: {problems[:5]}"
            seed += 1
    assert seed >= 20
