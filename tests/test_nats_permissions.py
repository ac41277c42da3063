"""A NATS user without the subscribe permissions a system needs (its replies' `_INBOX.>`, its
own subject, the topics) fails the start, naming them: the server refuses such a subscription
with an error line and keeps the connection, so the system ran "connected" and healthy while
every ask to it found no responder, every reply to its asks was withheld (each an
`AskTimeout` blaming the handler), or no publish reached it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path

import nats.errors
import pytest

from actorkit import ActorSystem, AskTimeout, NotDelivered
from actorkit._nats._round_trip import round_trip
from actorkit.nats import NatsTransport

from .nats_support import Keeper, NatsServer, requires_nats, with_users

pytestmark = requires_nats

DENIED = ("_INBOX.>", "actorkit.actor.>", "actorkit.topic.>")


@pytest.fixture
def guarded(tmp_path: Path) -> Iterator[NatsServer]:
    users = [
        "{user: full, password: pw}",
        '{user: nogroup, password: pw, permissions: {subscribe: {deny: "actorkit.group.>"}}}',
        '{user: mute, password: pw, permissions: {publish: {deny: "_INBOX.>"}}}',
        '{user: hushed, password: pw, permissions: {publish: {deny: "actorkit.topic.>"}}}',
        *(
            f'{{user: "no{n}", password: pw, permissions: {{subscribe: {{deny: "{subject}"}}}}}}'
            for n, subject in enumerate(DENIED)
        ),
    ]
    yield from with_users(tmp_path, users)


@pytest.mark.parametrize("n", range(len(DENIED)), ids=DENIED)
async def test_a_subscription_the_server_refuses_fails_the_start_naming_it(
    guarded: NatsServer, n: int
) -> None:
    link = NatsTransport(guarded.url, user=f"no{n}", password="pw", connect_timeout=5)
    system = ActorSystem("walled", transport=link)
    async with asyncio.timeout(15):
        with pytest.raises(ConnectionRefusedError, match="subscribe permission") as refused:
            await system.start()
    said = str(refused.value)
    assert "refused system 'walled'" in said
    assert all(
        needed in said for needed in ("_INBOX.>", "actorkit.actor.walled", "actorkit.topic.>")
    )
    assert link.link_down.is_set() and not link.link_up.is_set()  # nothing left open


async def test_a_user_with_every_permission_starts(guarded: NatsServer) -> None:
    link = NatsTransport(guarded.url, user="full", password="pw")
    async with asyncio.timeout(15), ActorSystem("open", transport=link) as system:
        assert system.remote("open", "/x").is_alive


async def test_a_queue_group_the_server_refuses_is_a_failed_group(guarded: NatsServer) -> None:
    """`expose(..., group=)` subscribes in the background: the server's refusal came as a
    logged warning only, `flush()` returned and the health read `ok` while the group went
    unserved. It is a failed group, as one the client refuses."""
    link = NatsTransport(guarded.url, user="nogroup", password="pw")
    async with asyncio.timeout(15), ActorSystem("member", transport=link) as system:
        system.expose(await system.spawn(Keeper, name="k"), group="Packers")
        with pytest.raises(nats.errors.Error, match="permissions violation") as refused:
            await link.flush()
        assert "actorkit.group.packers" in str(refused.value)
        assert link.health()["failed_groups"] == ["Packers"]
        with pytest.raises(NotDelivered, match="no member of that group"):
            await system.remote_group("Packers").ask("work", timeout=5)


async def test_a_refused_group_exposed_again_subscribes_again(guarded: NatsServer) -> None:
    """A failed group is "not served until exposed again": exposing it again retries the
    subscription (refused again here, the user's permissions unchanged), not the old
    failure kept."""
    link = NatsTransport(guarded.url, user="nogroup", password="pw")
    async with asyncio.timeout(15), ActorSystem("member", transport=link) as system:
        keeper = await system.spawn(Keeper, name="k")
        system.expose(keeper, group="Packers")
        with pytest.raises(nats.errors.Error, match="permissions violation"):
            await link.flush()
        assert link.health()["failed_groups"] == ["Packers"]
        system.expose(keeper, group="Packers")
        assert link.health()["failed_groups"] == []  # subscribing again
        with pytest.raises(nats.errors.Error, match="permissions violation"):
            await link.flush()
        assert link.health()["failed_groups"] == ["Packers"]


async def test_health_reads_a_refused_group_without_a_flush(guarded: NatsServer) -> None:
    """`health()` is what a probe reads, with no `flush` before it: a refusal the link has
    heard fails the group there too."""
    link = NatsTransport(guarded.url, user="nogroup", password="pw")
    async with asyncio.timeout(15), ActorSystem("member", transport=link) as system:
        system.expose(await system.spawn(Keeper, name="k"), group="Packers")
        nc = link._link.nc  # noqa: SLF001 - a round trip that is not the transport's flush
        assert nc is not None
        await asyncio.gather(*link._exposure.pending())  # noqa: SLF001 - its SUB queued
        # Two PINGs (nats-py writes one ahead of a SUB its flusher still holds): the server's
        # refusal comes ahead of the second PONG.
        await round_trip(nc, 5.0)
        assert link.health()["failed_groups"] == ["Packers"]


async def test_a_reply_the_server_refuses_is_a_dead_letter_and_a_warning_naming_it(
    guarded: NatsServer, caplog: pytest.LogCaptureFixture
) -> None:
    """A user that may not publish to `_INBOX.>` has every reply it sends refused by the
    server, an error line on a connection it keeps: the reply was lost with nats-py's bare
    error logged, counted nowhere, and its asker waited out its timeout, told only of a slow
    handler or a stopped process."""
    caplog.set_level(logging.WARNING, "actorkit")
    mute = NatsTransport(guarded.url, user="mute", password="pw")
    asking = NatsTransport(guarded.url, user="full", password="pw")
    async with asyncio.timeout(15), ActorSystem("mute", transport=mute) as responder:
        responder.expose(await responder.spawn(Keeper, name="k"))
        async with ActorSystem("asker", transport=asking) as asker:
            with pytest.raises(AskTimeout) as timed_out:
                await asker.remote("mute", "/k").ask("hi", timeout=0.5)
        await mute.flush()  # the refusal comes ahead of the round trip's PONG
        assert responder.dead_letters.by_reason == {"send_failed": 1}
        assert mute.rejected["send_failed"] == 1
        [letter] = responder.dead_letters.recent
        assert letter.recipient is not None and letter.recipient.startswith("_inbox.")
    said = [r.getMessage() for r in caplog.records if "publish" in r.getMessage()]
    assert len(said) == 1, said
    assert "NATS refused system 'mute' publish permission" in said[0]
    assert f"{letter.recipient!r}" in said[0] and "a reply to another system's" in said[0]
    assert "_INBOX.>" in said[0] and "allow_responses" in said[0]
    hint = str(timed_out.value)
    assert "may not publish to _INBOX.>" in hint and "permissions violation" in hint


async def test_a_publish_the_server_refuses_is_a_dead_letter_and_a_warning_naming_it(
    guarded: NatsServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "actorkit")
    hushed = NatsTransport(guarded.url, user="hushed", password="pw")
    async with asyncio.timeout(15), ActorSystem("hushed", transport=hushed) as system:
        assert system.publish("news", "unheard") == 0
        await hushed.flush()  # the refusal comes ahead of the round trip's PONG
        assert system.dead_letters.by_reason == {"send_failed": 1}
        [letter] = system.dead_letters.recent
        assert letter.recipient == "actorkit.topic.news" and letter.message is None
    said = [r.getMessage() for r in caplog.records if "publish" in r.getMessage()]
    assert len(said) == 1 and "'actorkit.topic.news', a publish to a topic" in said[0], said
