"""A NATS user without the subscribe permissions a system needs (its replies' `_INBOX.>`, its
own subject, the topics) fails the start, naming them: the server refuses such a subscription
with an error line and keeps the connection, so the system ran "connected" and healthy while
every ask to it found no responder, every reply to its asks was withheld (each an
`AskTimeout` blaming the handler), or no publish reached it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from actorkit import ActorSystem
from actorkit.nats import NatsTransport

from .nats_support import NatsServer, requires_nats

pytestmark = requires_nats

DENIED = ("_INBOX.>", "actorkit.actor.>", "actorkit.topic.>")


@pytest.fixture
def guarded(tmp_path: Path) -> Iterator[NatsServer]:
    users = [
        "{user: full, password: pw}",
        *(
            f'{{user: "no{n}", password: pw, permissions: {{subscribe: {{deny: "{subject}"}}}}}}'
            for n, subject in enumerate(DENIED)
        ),
    ]
    server = NatsServer()
    server.configure(tmp_path / "users.conf", f"authorization {{ users = [{', '.join(users)}] }}")
    server.start()
    try:
        yield server
    finally:
        server.stop()


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
