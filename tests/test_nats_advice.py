"""What the NATS transport's errors advise, in each case its own: the advice must be one that
works in that case (a send cannot wait for room while NATS is unreachable), and the words must
name the case (a group or a system, the asker's message or the reply)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from actorkit import DEAD_LETTER_TOPIC, Actor, ActorSystem, MailboxFull, NotDelivered
from actorkit.testing import Probe

from .nats_support import SAFETY, NatsServer, requires_nats, transport

pytestmark = requires_nats


async def test_a_full_buffer_while_unreachable_advises_what_can_work(own: NatsServer) -> None:
    link = transport(own, max_buffered=1)
    async with ActorSystem("cut", transport=link) as system:
        ghost = system.remote("ghost", "/x")
        own.stop()
        await link.link_down.wait()
        ghost.tell(1)
        with pytest.raises(MailboxFull) as refused:
            ghost.tell(2)
    words = str(refused.value)
    assert "unreachable" in words and "link_up" in words and "max_buffered" in words
    assert "ref.send" not in words  # a send fails at once while disconnected


async def test_a_full_buffer_while_connected_advises_send(server: NatsServer) -> None:
    async with ActorSystem("busy", transport=transport(server, max_buffered=1)) as system:
        ghost = system.remote("ghost", "/x")
        ghost.tell(1)  # no await: the writer has not run yet
        with pytest.raises(MailboxFull, match=r"await ref\.send\(msg\)"):
            ghost.tell(2)


async def test_nobody_answering_names_a_group_or_a_system(server: NatsServer) -> None:
    async with ActorSystem("asker", transport=transport(server)) as system:
        with pytest.raises(NotDelivered) as group:
            await system.remote_group("nogroup").ask(1)
        with pytest.raises(NotDelivered) as lone:
            await system.remote("nosystem", "/x").send(1)
    assert "nobody answers for group:nogroup: no member of that group" in str(group.value)
    assert "that system" not in str(group.value)
    assert "nobody answers for nosystem:/x: that system is not connected" in str(lone.value)
    assert "group" not in str(lone.value)


class _Big(Actor):
    async def receive(self, message: Any) -> Any:
        return "x" * 2000


async def test_a_reply_too_big_for_nats_says_it_is_the_reply(
    own: NatsServer, tmp_path: Path
) -> None:
    own.configure(tmp_path / "small.conf", "max_payload: 1000\n")
    own.restart()
    async with ActorSystem("sizes", transport=transport(own)) as system:
        system.expose(await system.spawn(_Big, name="big"))
        with pytest.raises(ValueError) as refused:
            await system.remote("sizes", "/big").ask("small")
    assert str(refused.value).startswith("the reply of /big encodes to 2,0"), str(refused.value)
    assert "max_payload" in str(refused.value)


async def test_a_request_after_the_connection_closed_for_good_says_so(own: NatsServer) -> None:
    link = transport(own, max_reconnect_attempts=1)
    async with ActorSystem("doomed", transport=link) as system:
        letters = await Probe.spawn(system)
        system.subscribe(letters.ref, DEAD_LETTER_TOPIC)
        ghost = system.remote("ghost", "/x")
        own.stop()
        await link.link_down.wait()
        ghost.tell("buffered")
        assert (await letters.receive(timeout=SAFETY)).reason == "transport_closed"  # gone
        with pytest.raises(NotDelivered, match=r"closed for good.*max_reconnect_attempts"):
            await ghost.ask("after")


async def test_a_remote_ref_kept_past_its_systems_shutdown_says_so(server: NatsServer) -> None:
    """Not an outage: its reader must not go looking for a network fault."""
    async with ActorSystem("gone", transport=transport(server)) as system:
        ghost = system.remote("elsewhere", "/x")
    with pytest.raises(NotDelivered) as refused:
        await ghost.ask(1, timeout=SAFETY)
    assert "shut down" in str(refused.value)
    assert "not connected to NATS" not in str(refused.value)
