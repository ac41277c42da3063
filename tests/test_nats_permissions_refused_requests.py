"""An ask or send whose own request the NATS server refuses (this system's user lacks publish
permission on its subject) fails at once with `NotDelivered` naming the subject and the
permission to grant: the server says so at once, with an error line on the connection, and
the asker waited out its whole timeout. Each refusal ends one request, the oldest waiting on
that subject, so the count stays exact: a refusal that no request accounts for (a tell's) is
a dead letter. And the advice about refused replies names the inbox prefix the connection
actually uses."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import nats.errors
import pytest

from actorkit import ActorSystem, AskTimeout, NotDelivered
from actorkit._nats._client import Client
from actorkit._nats._core import Core
from actorkit._nats._frames import ASK
from actorkit._nats._outbound import Outbox
from actorkit._nats._probes import Probes
from actorkit._nats._refused_publish import RefusedPublishes
from actorkit.nats import NatsTransport

from .nats_support import SAFETY, Gate, Keeper, NatsServer, link_of, requires_nats, with_users
from .test_nats_outbox import connected_link, listening

pytestmark = requires_nats

DENIED = '["actorkit.actor.far", "actorkit.group.packers", "actorkit.actor.orders"]'
LONG = 60.0
"""An ask's or send's own timeout: far past each test's bound, so only failing fast passes."""
BOUND = 10.0


@pytest.fixture
def guarded(tmp_path: Path) -> Iterator[NatsServer]:
    users = [
        "{user: full, password: pw}",
        f"{{user: curbed, password: pw, permissions: {{publish: {{deny: {DENIED}}}}}}}",
        '{user: mute, password: pw, permissions: {publish: {deny: "_REPLIES.>"}}}',
    ]
    yield from with_users(tmp_path, users)


def curbed(server: NatsServer) -> NatsTransport:
    return NatsTransport(server.url, user="curbed", password="pw", send_timeout=LONG)


def full(server: NatsServer) -> NatsTransport:
    return NatsTransport(server.url, user="full", password="pw")


async def test_an_ask_the_server_refuses_fails_at_once_naming_the_permission(
    guarded: NatsServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "actorkit")
    link = curbed(guarded)
    async with asyncio.timeout(BOUND), ActorSystem("far", transport=full(guarded)) as far:
        far.expose(await far.spawn(Keeper, name="k"))
        async with ActorSystem("asker", transport=link) as asker:
            with pytest.raises(NotDelivered) as refused:
                await asker.remote("far", "/k").ask("hi", timeout=LONG)
            said = str(refused.value)
            assert "publish permission on 'actorkit.actor.far'" in said, said
            assert "system 'asker'" in said and "far:/k" in said
            assert await far.ask("/k", "got") == []  # nothing handled it
            assert asker.dead_letters.by_reason == {}  # answered with an error instead
            assert link.rejected["send_failed"] == 1
            assert link.asks["stopped"] == 1 and link.asks["timeout"] == 0
    warned = [r.getMessage() for r in caplog.records if "refused system" in r.getMessage()]
    assert len(warned) == 1 and "NotDelivered" in warned[0], warned


async def test_a_send_the_server_refuses_fails_at_once(guarded: NatsServer) -> None:
    async with asyncio.timeout(BOUND), ActorSystem("far", transport=full(guarded)) as far:
        far.expose(await far.spawn(Keeper, name="k"))
        async with ActorSystem("asker", transport=curbed(guarded)) as asker:
            with pytest.raises(NotDelivered, match=r"permission on 'actorkit\.actor\.far'"):
                await asker.remote("far", "/k").send("hi")


async def test_an_ask_to_a_path_with_a_colon_the_server_refuses_fails_at_once(
    guarded: NatsServer,
) -> None:
    """An actor's name may hold a ':': the request's subject is its system's all the same."""
    async with asyncio.timeout(BOUND), ActorSystem("asker", transport=curbed(guarded)) as asker:
        with pytest.raises(NotDelivered, match=r"permission on 'actorkit\.actor\.far'"):
            await asker.remote("far", "/k:1").ask("hi", timeout=LONG)


async def test_an_ask_to_a_group_the_server_refuses_fails_at_once(guarded: NatsServer) -> None:
    async with asyncio.timeout(BOUND), ActorSystem("member", transport=full(guarded)) as member:
        member.expose(await member.spawn(Keeper, name="k"), group="packers")
        await link_of(member).flush()  # its queue group's subscription is in
        async with ActorSystem("asker", transport=curbed(guarded)) as asker:
            with pytest.raises(NotDelivered, match=r"permission on 'actorkit\.group\.packers'"):
                await asker.remote_group("packers").ask("hi", timeout=LONG)


async def test_each_refusal_ends_one_request_of_many(guarded: NatsServer) -> None:
    """Five asks in flight to the refused subject: five refusals, each ending one."""
    link = curbed(guarded)
    async with asyncio.timeout(BOUND), ActorSystem("asker", transport=link) as asker:
        far = asker.remote("far", "/k")
        asks = [far.ask(n, timeout=LONG) for n in range(5)]
        ended = await asyncio.gather(*asks, return_exceptions=True)
        assert all(isinstance(error, NotDelivered) for error in ended), ended
        assert link.rejected["send_failed"] == 5 and asker.dead_letters.count == 0


async def test_a_refused_tell_ahead_of_an_ask_keeps_the_count_exact(
    guarded: NatsServer,
) -> None:
    """The tell's refusal comes first and ends the ask (its own is sure to follow while the
    permission stands); the ask's then finds no request waiting and is the dead letter: two
    losses, two accounted for."""
    link = curbed(guarded)
    async with asyncio.timeout(BOUND), ActorSystem("asker", transport=link) as asker:
        far = asker.remote("far", "/k")
        far.tell("first")
        with pytest.raises(NotDelivered):
            await far.ask("second", timeout=LONG)
        await link.flush()  # both refusals come ahead of the round trip's PONG
        assert asker.dead_letters.by_reason == {"send_failed": 1}
        assert link.rejected["send_failed"] == 2


async def test_a_refusal_ends_no_request_to_another_subject(guarded: NatsServer) -> None:
    """An ask held by a permitted target is in flight while one to the refused subject is
    refused: only the refused one ends."""
    arrived, release = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(BOUND), ActorSystem("near", transport=full(guarded)) as near:
        near.expose(await near.spawn(Gate, arrived, release, name="gate"))
        async with ActorSystem("asker", transport=curbed(guarded)) as asker:
            held = asyncio.ensure_future(asker.remote("near", "/gate").ask("held", timeout=LONG))
            await arrived.wait()
            with pytest.raises(NotDelivered):
                await asker.remote("far", "/k").ask("refused", timeout=LONG)
            assert not held.done()
            release.set()
            assert await held == "held"


async def test_a_refusal_two_subjects_differing_in_case_could_be_ends_neither(
    guarded: NatsServer,
) -> None:
    """nats-py lowercases the server's error: a refusal of `actorkit.actor.orders` could be
    for `actorkit.actor.Orders` too, a subject NATS keeps apart and this user may publish to.
    With requests to both waiting, it ends neither (`NotDelivered` promises the request was
    not handled): the refused one waits out its timeout, as before."""
    arrived, release = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(BOUND), ActorSystem("Orders", transport=full(guarded)) as orders:
        orders.expose(await orders.spawn(Gate, arrived, release, name="gate"))
        async with ActorSystem("asker", transport=curbed(guarded)) as asker:
            held = asyncio.ensure_future(asker.remote("Orders", "/gate").ask("held", timeout=LONG))
            await arrived.wait()
            with pytest.raises(AskTimeout):
                await asker.remote("orders", "/k").ask("refused", timeout=0.5)
            release.set()
            assert await held == "held"


async def test_the_advice_on_refused_replies_names_the_inbox_prefix_in_use(
    guarded: NatsServer, caplog: pytest.LogCaptureFixture
) -> None:
    """With nats-py's `inbox_prefix` set, replies go to `_REPLIES.>`, not `_INBOX.>`: the
    asker's timeout and the serving system's warning name the prefix the connection uses."""
    caplog.set_level(logging.WARNING, "actorkit")
    mute = NatsTransport(guarded.url, user="mute", password="pw", inbox_prefix="_REPLIES")
    asking = NatsTransport(guarded.url, user="full", password="pw", inbox_prefix="_REPLIES")
    async with asyncio.timeout(BOUND), ActorSystem("mute", transport=mute) as responder:
        responder.expose(await responder.spawn(Keeper, name="k"))
        async with ActorSystem("asker", transport=asking) as asker:
            with pytest.raises(AskTimeout) as timed_out:
                await asker.remote("mute", "/k").ask("hi", timeout=0.5)
        await mute.flush()  # the refusal comes ahead of the round trip's PONG
        assert responder.dead_letters.by_reason == {"send_failed": 1}
    hint = str(timed_out.value)
    assert "may not publish to _REPLIES.>" in hint and "_INBOX" not in hint, hint
    said = [r.getMessage() for r in caplog.records if "refused system" in r.getMessage()]
    assert len(said) == 1 and "a reply to another system's" in said[0], said
    assert "_REPLIES.>" in said[0] and "_INBOX" not in said[0], said


async def test_a_refusal_ends_no_request_still_in_the_outbound_queue() -> None:
    """The server cannot have refused what nats-py was never handed: of two refusals, the
    first ends the ask that went out, the second (a tell's, say) ends none, though an ask to
    the same subject waits in the queue behind a tell, and is only counted."""
    published: list[str] = []

    async def publish(subject: str, payload: bytes, reply: str = "") -> None:
        published.append(subject)

    link = connected_link()
    link.nc = cast(Client, SimpleNamespace(is_connected=True, max_payload=1 << 20, publish=publish))
    core = Core("actorkit", link)
    outbox = Outbox(core, cast(Probes, None), max_buffered=10)  # its writer never runs
    requests = listening(core, outbox)
    refused = RefusedPublishes(core, requests)
    far = core.actor_subject("far")
    out = asyncio.ensure_future(requests.request(far, ASK, "/k", "far:/k", "out", SAFETY))
    await asyncio.sleep(0)  # a turn, not a wait for time: its publish
    assert published == [far]
    outbox.tell(far, "/k", "far:/k", "ahead")
    behind = asyncio.ensure_future(requests.request(far, ASK, "/k", "far:/k", "queued", SAFETY))
    await asyncio.sleep(0)  # a turn: it queues behind the tell
    assert len(outbox) == 2
    refusal = nats.errors.Error(f'nats: permissions violation for publish to "{far}"')
    assert refused.heard(refusal) and refused.heard(refusal)
    async with asyncio.timeout(SAFETY):
        with pytest.raises(NotDelivered, match="never got the request"):
            await out
    assert not behind.done() and core.rejected["send_failed"] == 2
    requests.close("the test ended")  # still queued: certainly not sent
    with pytest.raises(NotDelivered, match="before it left the outbound queue"):
        await behind
