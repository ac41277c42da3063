"""A server that refuses a system's credentials: the start fails as soon as the refusal is
heard, not after `connect_timeout`, and nothing of the refused connection goes on trying."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import ActorSystem
from actorkit.nats import NatsTransport

from .invariants import TaskSnapshot
from .nats_support import Credentials, NatsServer, requires_nats

pytestmark = requires_nats


@pytest.mark.parametrize("credentials", [{}, {"token": "guess"}], ids=["none", "wrong"])
async def test_a_refused_start_fails_at_once_and_leaves_nothing_retrying(
    credentials: Credentials,
) -> None:
    guarded = NatsServer("--auth", "t0ken-s3cret")
    guarded.start()
    try:
        tasks = TaskSnapshot()
        refused = ActorSystem(
            "refused", transport=NatsTransport(guarded.url, connect_timeout=60, **credentials)
        )
        async with asyncio.timeout(20):  # a third of the connect_timeout it waited out before
            with pytest.raises(ConnectionRefusedError, match="refused system 'refused'"):
                await refused.start()
        await tasks.assert_no_leaks()  # nats-py's connect, retrying every reconnect_time_wait
    finally:
        guarded.stop()
