"""Starts that fail: no server at all, and a server that goes away in the middle of the start.
Each fails within its `connect_timeout` (plus the close's own bound), and nothing of either
connection (nats-py's connect, reconnection, reader, pinger or flusher) outlives it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit._nats._probes import Probes
from actorkit.nats import NatsTransport

from .invariants import TaskSnapshot
from .nats_support import SAFETY, NatsServer, link_of, requires_nats, transport
from .processes import HeldPort

pytestmark = requires_nats


async def test_a_start_with_no_server_fails_in_time_and_leaves_nothing_running() -> None:
    with HeldPort(shared=False) as nowhere:
        tasks = TaskSnapshot()
        url = f"nats://127.0.0.1:{nowhere.port}"
        # 1 s, not less: the bound's seconds of slack would hide a start that waits several
        # times its connect_timeout (4 x fails it here; at 0.3 s, 12 x would pass)
        system = ActorSystem(
            "lonely", transport=NatsTransport(url, connect_timeout=1, reconnect_time_wait=0.05)
        )
        async with asyncio.timeout(4):  # connect_timeout, then the close's own bound
            with pytest.raises(ConnectionError, match="cannot connect system 'lonely'"):
                await system.start()
        await tasks.assert_no_leaks()  # nats-py's first connect, retrying for ever


async def test_a_server_gone_in_the_middle_of_the_start_fails_it_and_leaves_nothing(
    own: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The requests' connection is up, then the server stops before the topics connection
    opens: that one fails after its `connect_timeout`, and the requests' one, reconnecting
    meanwhile, is closed with it."""
    claim = Probes.claim

    async def claim_then_lose_the_server(self: Probes, name: str) -> Any:
        await claim(self, name)
        own.stop()

    monkeypatch.setattr(Probes, "claim", claim_then_lose_the_server)
    tasks = TaskSnapshot()
    system = ActorSystem("halfway", transport=transport(own, connect_timeout=0.5))
    async with asyncio.timeout(6):
        with pytest.raises(ConnectionError, match="cannot connect system 'halfway'"):
            await system.start()
    await tasks.assert_no_leaks()
    monkeypatch.setattr(Probes, "claim", claim)
    own.start()  # the same name starts again on a new transport, as after any failed start
    async with asyncio.timeout(10), ActorSystem("halfway", transport=transport(own)) as again:
        assert link_of(again).health()["state"] == "connected"


async def test_a_start_the_server_ends_with_an_error_leaves_no_connection_open(
    own: NatsServer, tmp_path: Path
) -> None:
    """The server allows one subscription per connection: the start's second closes the
    requests' connection for good (nats-py does so on the server's error line), and the
    link's ending closed what was open then. The topics connection, opened after that, was
    left connected and subscribed, its reader, pinger and flusher running, by the failed
    start's close, which waited for the ending and did nothing more."""
    own.configure(tmp_path / "one.conf", "max_subscriptions: 1\n")
    own.restart()
    for _ in range(3):
        tasks = TaskSnapshot()
        system = ActorSystem("refused", transport=transport(own))
        async with asyncio.timeout(SAFETY):
            with pytest.raises(ConnectionError, match=r"server's error .*[Ss]ubscriptions"):
                await system.start()
        await tasks.assert_no_leaks()
