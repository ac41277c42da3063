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
from actorkit._nats._refused_publish import RefusedPublishes


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


async def test_refused_publishes_are_each_a_dead_letter_and_a_few_warnings_per_kind(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A reply to an inbox the user may not publish to is refused again at each ask: one
    warning each for the 1st, 10th, 100th and every 1,000th of a kind, not one per reply. A
    refused request with no request waiting to end is a dead letter too, once its loop turn's
    refusals are in."""
    rejected: list[tuple[str, object, str]] = []
    core: Any = SimpleNamespace(
        prefix="Jobs",
        system_name="walled",
        rejected={"send_failed": 0},
        reject=lambda reason, message, where: rejected.append((reason, message, where)),
    )
    requests: Any = SimpleNamespace(replies="_INBOX.>", sent=lambda: iter(()))
    refused = RefusedPublishes(core, requests)
    reply = nats.errors.Error('nats: permissions violation for publish to "_inbox.abc.7"')
    request = nats.errors.Error('nats: permissions violation for publish to "jobs.actor.b"')
    with caplog.at_level(logging.WARNING, logger="actorkit"):
        assert all(refused.heard(reply) for _ in range(1_000))
        assert refused.heard(request)
        assert not refused.heard(nats.errors.Error("nats: some other error"))
    assert len(rejected) == 1_000
    settled = asyncio.Event()
    asyncio.get_running_loop().call_soon(settled.set)  # after the refusals' settling
    await settled.wait()
    assert len(rejected) == 1_001 and rejected[-1] == ("send_failed", None, "jobs.actor.b")
    said = [record.getMessage() for record in caplog.records]
    assert len(said) == 5 and all("'_inbox.abc.7', a reply" in line for line in said[:4])
    assert "(1,000 of this kind so far)" in said[3]
    assert "'jobs.actor.b', a request or tell" in said[4] and "so far" not in said[4]
