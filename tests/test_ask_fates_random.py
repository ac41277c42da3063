"""Asks and sends at full mailboxes under seeded random deadlines, closes, granted places
and cancellations, many in one loop turn (ask_fates_driver): each message's fate is told,
counted and recorded alike, and the first of a deadline and a close decides an ask's."""

from __future__ import annotations

import asyncio

import pytest

from .ask_fates_driver import Driver, scenario, watch_deadlines
from .ask_fates_support import check

SEEDS = 400
BLOCKS = 4
"""The seeds in blocks, each a test: the workers share them, and each block's bound is a
quarter of the work (400 seeds in one test took 11 s alone and timed out at 20 s beside
other work)."""


@pytest.mark.parametrize("block", range(BLOCKS))
async def test_seeded_asks_meeting_deadlines_closes_and_cancellations_agree_on_their_fates(
    monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    """A failure names its seed, which `scenario(seed, [])` replays alone."""
    driver: list[Driver] = []
    watch_deadlines(monkeypatch, driver)
    async with asyncio.timeout(20):
        for seed in range(block * SEEDS // BLOCKS, (block + 1) * SEEDS // BLOCKS):
            problems = check(await scenario(seed, driver))
            assert problems == [], f"seed {seed}: {problems[:5]}"
