"""Remote asks that wait for room at a full mailbox are bounded as remote sends are.

docs/distributed.md promises that a peer "cannot pile up work past the bounds": at most
`MAX_WAITING_SENDS` requests from other systems wait for room in one process, and past that
one is refused with `MailboxFull`. An ask waits for room like a send (API.md §9), each in a
coroutine holding its message until the timeout its sender chose (up to a billion seconds),
so asks must count toward the same bound, or a peer holds as much memory as it likes."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import DEAD_LETTER_TOPIC, ActorSystem, MailboxFull
from actorkit._nats import _taken
from actorkit.testing import Probe

from .nats_support import SAFETY, Gate, NatsServer, link_of, requires_nats, transport
from .nats_systems_support import Echo

pytestmark = requires_nats


async def test_remote_asks_waiting_for_room_count_toward_the_bound_of_waiting_requests(
    server: NatsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_taken, "MAX_WAITING_SENDS", 3, raising=False)
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("target", transport=transport(server)) as system,
        ActorSystem("caller", transport=transport(server)) as caller,
    ):
        arrived, release = asyncio.Event(), asyncio.Event()
        system.expose(await system.spawn(Gate, arrived, release, name="gate", mailbox_size=1))
        system.expose(await system.spawn(Echo, name="echo"))
        letters = await Probe.spawn(system)
        system.subscribe(letters.ref, DEAD_LETTER_TOPIC)
        await link_of(system).flush()
        gate = caller.remote("target", "/gate")
        gate.tell("held")
        await arrived.wait()
        gate.tell("queued")  # the mailbox is full
        waiting: list[asyncio.Future[Any]] = [
            asyncio.ensure_future(gate.ask(f"waits {i}", timeout=SAFETY)) for i in range(3)
        ]
        # One subscription carries every request to "target", in order: once the echo
        # answers, the three asks reached the full mailbox.
        assert await caller.remote("target", "/echo").ask("barrier") == ("echo", "barrier")
        assert not any(ask.done() for ask in waiting)
        with pytest.raises(MailboxFull, match="already wait for room"):
            await gate.ask("one too many", timeout=2.0)
        letter = await letters.receive(SAFETY)
        assert (letter.reason, letter.message) == ("mailbox_full", "one too many")
        release.set()
        assert [await ask for ask in waiting] == [f"waits {i}" for i in range(3)]
        assert await gate.ask("room again", timeout=SAFETY) == "room again"
