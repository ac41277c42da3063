"""distributed.md: messages nats-py drops as a slow consumer are a WARNING at the 1st, 10th,
100th and every 1,000th drop on a connection (each of the others at DEBUG), since they come
in floods; the NATS test of the drops themselves sees only the first."""

from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace
from typing import Any

import nats.errors
import pytest

from actorkit._nats._heard import Heard


async def _back() -> None:
    return None


async def test_slow_consumer_drops_warn_at_the_1st_10th_100th_and_every_1000th(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with asyncio.timeout(30):
        system: Any = SimpleNamespace(name="sink", loop=asyncio.get_running_loop())
        heard = Heard(None, system, False, _back)  # type: ignore[arg-type]
        caplog.set_level(logging.DEBUG, logger="actorkit")
        for _ in range(3000):
            await heard.error_cb(nats.errors.SlowConsumerError("s", "", 1, None))  # type: ignore[arg-type]
    levels = [r.levelno for r in caplog.records if "a slow consumer" in r.getMessage()]
    assert len(levels) == 3000  # each drop logged, the most at DEBUG
    warned = [n + 1 for n, level in enumerate(levels) if level == logging.WARNING]
    assert warned == [1, 10, 100, 1000, 2000, 3000]
    assert heard.drops == 3000
