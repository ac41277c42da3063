"""The subscriptions a server refused the link's user are kept for `start` and the groups'
health, but a refused group's refusal comes again at every reconnect of a link whose life has
no bound: at most 1,000 are kept."""

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


async def test_the_refused_subscriptions_kept_stop_at_a_thousand(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with asyncio.timeout(30):
        system: Any = SimpleNamespace(name="walled", loop=asyncio.get_running_loop())
        nc: Any = SimpleNamespace(is_reconnecting=False, is_connected=True)
        denied: list[Exception] = []
        heard = Heard(nc, system, False, _back, denied)
        refusal = nats.errors.Error(
            'nats: permissions violation for subscription to "actorkit.group.packers"'
        )
        with caplog.at_level(logging.ERROR, logger="actorkit"):  # a warning each, not read
            for _ in range(1_200):
                await heard.error_cb(refusal)
            await heard.error_cb(nats.errors.Error("nats: some other error"))
        assert len(denied) == 1_000
        assert heard.last is not None and "other" in str(heard.last)
