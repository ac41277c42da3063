"""A shutdown cut short while the transport says goodbye (Ctrl-C, so the end of `asyncio.run`
cancels it) still closes both NATS connections: neither may outlive the loop."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest
from nats.aio.client import Client
from nats.aio.subscription import Subscription

from actorkit import ActorSystem
from actorkit._nats import _transport
from actorkit._nats._direct import leave
from actorkit.nats import NatsTransport

from .nats_support import SAFETY, NatsServer, link_of, requires_nats

pytestmark = requires_nats


def test_a_shutdown_cancelled_during_the_goodbye_still_closes_both_connections(
    own: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server is frozen, so leaving the system's subject waits for an answer; the main
    task is cancelled then, and `asyncio.run` cancels the shutdown in that wait. A sync test:
    the loop must be `asyncio.run`'s own."""
    system = ActorSystem("goodbye", transport=NatsTransport(own.url, connect_timeout=1))

    async def main() -> None:
        main_task = asyncio.current_task()
        assert main_task is not None

        async def leaving(
            nc: Client, sub: Subscription, timeout: float, shut: asyncio.Event, down: asyncio.Event
        ) -> None:
            main_task.cancel()  # Ctrl-C while the goodbye waits for the server
            await leave(nc, sub, timeout, shut, down)

        monkeypatch.setattr(_transport, "leave", leaving)
        async with asyncio.timeout(SAFETY):
            await system.start()
            assert own.process is not None
            os.kill(own.process.pid, signal.SIGSTOP)
            await system.shutdown()

    try:
        with pytest.raises(asyncio.CancelledError):
            asyncio.run(main())
    finally:
        assert own.process is not None
        os.kill(own.process.pid, signal.SIGCONT)
    link = link_of(system)._link  # noqa: SLF001 (both connections; health() tells of one)
    assert link.nc is not None and link.nc.is_closed
    assert link.topics is not None and link.topics.is_closed
