"""The NATS transport in an anyio host: a system whose start an anyio cancel scope cuts
short (the host torn down while it starts) has closed its connections and let its name go
by the time the scope ends, and a remote ask under `move_on_after` leaves nothing waiting."""

from __future__ import annotations

import asyncio
from typing import Any

import anyio
import pytest

from actorkit import Actor, ActorSystem
from actorkit.nats import NatsTransport
from actorkit.testing import pending_asks

from .anyio_support import cancel_after_turns
from .invariants import TaskSnapshot
from .nats_support import NatsServer, requires_nats

pytestmark = [requires_nats, pytest.mark.timeout(90)]


class Echo(Actor):
    """Answers with the message; `"slow"` only once the test releases it, so that each
    `move_on_after` below cuts an ask still waiting for its reply."""

    def __init__(self, release: asyncio.Event | None = None) -> None:
        self.release = release

    async def receive(self, message: Any) -> Any:
        if message == "slow" and self.release is not None:
            await self.release.wait()
        return message


def transport(server: NatsServer) -> NatsTransport:
    return NatsTransport(server.url, reconnect_time_wait=0.05)


async def test_a_system_whose_start_a_cancelled_scope_cut_short_is_closed_when_it_ends(
    server: NatsServer,
) -> None:
    async with asyncio.timeout(80):
        for turns in range(0, 40, 3):  # from before the first connection to after the start
            tasks = TaskSnapshot()
            with anyio.CancelScope() as scope:
                cancel_after_turns(scope, turns)
                async with ActorSystem("cut", transport=transport(server)):
                    await anyio.sleep_forever()
            assert scope.cancelled_caught
            # Its name is free at once: the connection that claimed it has closed.
            async with ActorSystem("cut", transport=transport(server)) as again:
                again.expose(await again.spawn(Echo, name="echo"))
            await tasks.assert_no_leaks()


async def test_a_remote_ask_under_move_on_after_leaves_nothing_waiting(server: NatsServer) -> None:
    async with (
        asyncio.timeout(60),
        ActorSystem("here", transport=transport(server)) as here,
        ActorSystem("there", transport=transport(server)) as there,
    ):
        release = asyncio.Event()
        there.expose(await there.spawn(Echo, release, name="echo"))
        remote = here.remote("there", "/echo")
        assert await remote.ask("ready", timeout=10) == "ready"
        for delay in (0.0, 0.0005, 0.001, 0.002, 0.005, 0.02):
            with anyio.move_on_after(delay) as scope:
                await remote.ask("slow", timeout=10)
            assert scope.cancelled_caught
            assert pending_asks(here) == 0
            release.set()  # the held handler returns; its reply has no ask left to reach
            assert await remote.ask("sync", timeout=10) == "sync"  # queued behind it
            release.clear()
        assert await remote.ask("after", timeout=10) == "after"
