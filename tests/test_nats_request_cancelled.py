"""`actorkit_nats_requests_total{outcome}` counts a remote ask or send its caller gave up on
(its task cancelled, an `asyncio.timeout` around it) as `cancelled`, as
`actorkit_asks_total` counts a local one: under `error` it read as a failure of the remote
actor, and an alert on errors fired for the asker's own cancellations."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import ActorSystem

from .nats_support import SAFETY, Gate, NatsServer, requires_nats, transport
from .nats_systems_support import metric

pytestmark = requires_nats


async def test_a_remote_ask_its_caller_cancelled_counts_as_cancelled(server: NatsServer) -> None:
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("cancelling", transport=transport(server)) as asker,
        ActorSystem("held", transport=transport(server)) as held,
    ):
        arrived, release = asyncio.Event(), asyncio.Event()
        held.expose(await held.spawn(Gate, arrived, release, name="gate"))
        asking = asyncio.ensure_future(asker.remote("held", "/gate").ask("held"))
        await arrived.wait()  # the ask is in the gate's hands: its asker waits for the reply
        asking.cancel()
        with pytest.raises(asyncio.CancelledError):
            await asking
        release.set()
        outcomes = {
            outcome: await metric(asker, f'actorkit_nats_requests_total{{outcome="{outcome}"}}')
            for outcome in ("ok", "error", "timeout", "stopped", "cancelled")
        }
    assert outcomes == {"ok": 0.0, "error": 0.0, "timeout": 0.0, "stopped": 0.0, "cancelled": 1.0}
