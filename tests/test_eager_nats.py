"""NATS under an eager task factory (`asyncio.eager_task_factory`): a task that ends in its
first step has ended when `create_task` returns, its done callbacks not yet run, and
`asyncio.gather` of tasks already done returns without a loop turn (Python 3.12)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import nats.errors
import pytest

from actorkit import Actor, ActorSystem

from .nats_support import SAFETY, NatsServer, refused_subscriptions, requires_nats, transport
from .test_eager_tasks import EAGER_MARKS, eager

pytestmark = [requires_nats, *EAGER_MARKS]


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return message


async def test_a_group_join_refused_at_once_is_failed_when_flush_raises_and_joined_again(
    server: NatsServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The subscription failed inside `expose`: `flush` raised its error before the group was
    listed as failed, and an `expose` right after found it still joining and tried nothing."""
    link = transport(server)
    async with (
        eager(),
        asyncio.timeout(SAFETY),
        ActorSystem("joining", transport=link) as system,
    ):
        echo = await system.spawn(Echo, name="echo")
        with refused_subscriptions(link, monkeypatch), caplog.at_level(logging.WARNING, "actorkit"):
            system.expose(echo, group="g")
            with pytest.raises(nats.errors.ConnectionDrainingError):
                await link.flush()
            assert "could not join the NATS queue group 'g'" in caplog.text
            assert link.health()["failed_groups"] == ["g"]
        system.expose(echo, group="g")  # tries again
        await link.flush()
        assert link.health()["failed_groups"] == []
        assert await system.remote_group("g").ask("hi") == "hi"
