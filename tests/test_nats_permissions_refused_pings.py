"""Pings the NATS server refuses this system's user (no publish permission on the subject):
the name claim at start, and the probe after an outage of a target with tells buffered for
it. Each was taken for a request's refusal: the claim waited out its second and passed as if
the name were free, with a warning about a lost tell and a dead letter no message of the
system's was; the probe pinged again each second until `buffer_timeout`, a dead letter each,
while the tells waited to become dead letters `unreachable` and an ask queued behind them
its own timeout. Now the claim fails the start naming the permission, and the probe's
refusal drops what was buffered at once, as refused."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from actorkit import ActorSystem, NotDelivered
from actorkit.nats import NatsTransport

from .nats_support import NatsServer, requires_nats, with_users

pytestmark = requires_nats

DENIED = '["actorkit.actor.far", "actorkit.actor.walled"]'
LONG = 60.0
"""An ask's timeout and a probe's `buffer_timeout`: far past each test's bound, so only
failing fast passes."""
BOUND = 15.0


@pytest.fixture
def guarded(tmp_path: Path) -> Iterator[NatsServer]:
    users = [f"{{user: curbed, password: pw, permissions: {{publish: {{deny: {DENIED}}}}}}}"]
    yield from with_users(tmp_path, users)


def curbed(server: NatsServer) -> NatsTransport:
    return NatsTransport(
        server.url, user="curbed", password="pw", buffer_timeout=LONG, reconnect_time_wait=0.05
    )


async def test_a_name_claim_the_server_refuses_fails_the_start_naming_the_permission(
    guarded: NatsServer,
) -> None:
    link = curbed(guarded)
    system = ActorSystem("walled", transport=link)
    async with asyncio.timeout(BOUND):
        with pytest.raises(ConnectionRefusedError) as refused:
            await system.start()
    said = str(refused.value)
    assert "refused system 'walled' publish permission on 'actorkit.actor.walled'" in said, said
    assert (
        "name" in said and "give its NATS user publish permission on actorkit.actor.walled" in said
    )
    assert link.link_down.is_set() and not link.link_up.is_set()  # nothing left open
    assert link.rejected["send_failed"] == 0 and system.dead_letters.count == 0


async def test_a_probe_the_server_refuses_drops_what_was_buffered_at_once(
    guarded: NatsServer, caplog: pytest.LogCaptureFixture
) -> None:
    """A tell buffered for `far` through an outage, and an ask queued behind it after the
    reconnect: the probe's refusal makes the tell a dead letter `send_failed` (its message
    kept), and the ask goes out and fails at once, refused in turn."""
    caplog.set_level(logging.WARNING, "actorkit")
    link = curbed(guarded)
    async with asyncio.timeout(BOUND), ActorSystem("asker", transport=link) as asker:
        far = asker.remote("far", "/k")
        guarded.stop()
        await link.link_down.wait()
        far.tell("buffered")
        guarded.start()
        await link.link_up.wait()
        with pytest.raises(NotDelivered, match=r"permission on 'actorkit\.actor\.far'"):
            await far.ask("behind it", timeout=LONG)
        await link.flush()
        letters = [(d.reason, d.message) for d in asker.dead_letters.recent]
        assert letters == [("send_failed", "buffered")], letters
        assert link.rejected["send_failed"] == 2  # the tell and the ask; the ping lost nothing
    said = [r.getMessage() for r in caplog.records if "actorkit.actor.far" in r.getMessage()]
    assert any("ping" in line and "buffered" in line for line in said), said


async def test_a_target_refused_then_granted_and_silent_after_the_next_outage_is_unreachable(
    guarded: NatsServer, tmp_path: Path
) -> None:
    """A probe's refusal is for the outage it followed: granted its permission meanwhile, the
    target, silent after the next outage, is given up on as silent (`unreachable`), not with
    the words of a refusal the server no longer makes."""
    link = NatsTransport(
        guarded.url, user="curbed", password="pw", buffer_timeout=0.3, reconnect_time_wait=0.05
    )
    async with asyncio.timeout(BOUND), ActorSystem("asker", transport=link) as asker:
        far = asker.remote("far", "/k")
        guarded.stop()
        await link.link_down.wait()
        far.tell("refused")
        guarded.start()
        await link.link_up.wait()
        await link.flush(timeout=BOUND)  # the probe was refused: the tell dropped
        guarded.stop()
        await link.link_down.wait()
        far.tell("unanswered")
        granted = "{user: curbed, password: pw}"
        guarded.configure(tmp_path / "users.conf", f"authorization {{ users = [{granted}] }}")
        guarded.start()
        await link.link_up.wait()
        await link.flush(timeout=BOUND)  # nobody answered the probe: the tell dropped
        letters = [(d.reason, d.message) for d in asker.dead_letters.recent]
        assert letters == [("send_failed", "refused"), ("unreachable", "unanswered")], letters
