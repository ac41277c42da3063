"""A nats-py whose subscriptions `_direct` cannot reach into (another version's internals):
every message then takes the subscription's own task, and still arrives, in order."""

from __future__ import annotations

import asyncio

import pytest
from nats.aio.subscription import Subscription

from actorkit import ActorSystem
from actorkit._nats._direct import Direct
from actorkit.testing import Probe

from .nats_support import SAFETY, Keeper, NatsServer, link_of, requires_nats, transport

pytestmark = requires_nats


async def test_everything_crosses_when_no_subscription_can_be_taken_over(
    server: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(_: Direct, __: Subscription) -> bool:
        return False

    monkeypatch.setattr(Direct, "install", refused)
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("far", transport=transport(server)) as far,
        ActorSystem("near", transport=transport(server)) as near,
    ):
        far.expose(await far.spawn(Keeper, name="keeper"))
        probe = await Probe.spawn(far)
        far.subscribe(probe.ref, "news")
        await link_of(far).flush()
        keeper = near.remote("far", "/keeper")
        keeper.tell("told")
        await keeper.send("sent")
        assert await keeper.ask("asked") == 3
        assert await keeper.ask("got") == ["told", "sent", "asked"]
        near.publish("news", "published")
        await probe.expect("published")
