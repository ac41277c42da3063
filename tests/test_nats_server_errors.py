"""Connections nats-py closes for good on its own: on an error line from the server (it does
so for any but a stale connection or a permissions violation: here, a group joined past
the server's `max_subscriptions`), and when a finite `max_reconnect_attempts` runs out during
a `flush`. What is refused afterwards says which it was, and a waiting `flush` fails at once."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import nats.errors
import pytest

from actorkit import ActorSystem, NotDelivered

from .nats_support import SAFETY, NatsServer, requires_nats, transport
from .nats_systems_support import Echo

pytestmark = requires_nats


async def test_a_connection_closed_on_a_server_error_says_so_not_max_reconnect_attempts(
    own: NatsServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Its two inboxes and its own subject are the three subscriptions this server allows on
    the requests' connection: the group's is one too many."""
    caplog.set_level(logging.ERROR, "actorkit")
    own.configure(tmp_path / "few.conf", "max_subscriptions: 3\n")
    own.restart()
    link = transport(own)
    async with asyncio.timeout(SAFETY), ActorSystem("crowded", transport=link) as system:
        echo = await system.spawn(Echo, name="echo")
        system.expose(echo, group="jobs")
        await link.link_down.wait()
        await link._link.ended()  # noqa: SLF001
        assert link.health()["state"] == "closed"
        with pytest.raises(NotDelivered, match=r"(?i)maximum subscriptions exceeded") as refused:
            await system.remote("crowded", "/echo").ask("hi", timeout=SAFETY)
        assert "max_reconnect_attempts" not in str(refused.value)
    said = [r.getMessage() for r in caplog.records if "closed for good" in r.getMessage()]
    assert len(said) == 1 and "maximum subscriptions exceeded" in said[0].lower(), said


async def test_a_flush_waiting_for_the_link_fails_at_once_when_it_closes_for_good(
    own: NatsServer,
) -> None:
    """Begun during an outage, it waits for the connection to come back; once nats-py gave up
    on it, that wait would last the flush's whole timeout, to end in a bare TimeoutError."""
    link = transport(own, max_reconnect_attempts=1)
    async with asyncio.timeout(SAFETY / 2), ActorSystem("doomed", transport=link):
        own.stop()
        await link.link_down.wait()
        with pytest.raises(nats.errors.ConnectionClosedError):
            await link.flush(timeout=SAFETY)
