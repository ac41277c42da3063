"""An ask or send made while its system's transport is still starting, after the connection
is up but before the subscription for replies is in place, fails at once with `NotDelivered`,
as one made before the connection is up does: it used to go out with a reply subject of no
inbox (`.<token>`), which nobody answers, and wait out its whole timeout."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, NotDelivered
from actorkit._nats import _probes
from actorkit.nats import NatsTransport

from .nats_support import NatsServer, requires_nats

pytestmark = requires_nats

LONG = 60.0
"""The ask's own timeout: far past the test's bound, so only failing at once passes."""
BOUND = 10.0


class Echo(Actor):
    async def receive(self, message: Any) -> Any:
        return message


@pytest.mark.parametrize("kind", ["ask", "send"])
async def test_an_ask_before_the_replies_subscription_fails_at_once_and_one_after_start_works(
    server: NatsServer, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    claiming = asyncio.Event()
    release = asyncio.Event()
    claim = _probes.Probes.claim

    async def held_claim(self: _probes.Probes, name: str) -> None:
        if name == "late":  # the starting system: connected, its replies' subscription not yet
            claiming.set()
            await release.wait()
        await claim(self, name)

    monkeypatch.setattr(_probes.Probes, "claim", held_claim)
    async with (
        asyncio.timeout(BOUND),
        ActorSystem("early", transport=NatsTransport(server.url)) as early,
    ):
        early.expose(await early.spawn(Echo, name="echo"))
        late = ActorSystem("late", transport=NatsTransport(server.url, send_timeout=LONG))
        starting = asyncio.create_task(late.start())
        await claiming.wait()
        echo = late.remote("early", "/echo")
        with pytest.raises(NotDelivered, match="starting"):
            if kind == "ask":
                await echo.ask("hi", timeout=LONG)
            else:
                await echo.send("hi")
        release.set()
        await starting
        try:
            assert await echo.ask("hi", timeout=LONG) == "hi"
        finally:
            await late.shutdown()
