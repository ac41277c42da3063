"""An exposed actor cut by its supervisor's shutdown time while it handles a remote ask
(API 9, "Supervision"): the remote asker hears of it within its own bound, and the new
instance answers the next ask, over the same exposure."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import ActorStopped, ActorSystem, ChildSpec, OneForAll, Supervisor
from actorkit.testing import snapshot

from .nats_support import NatsServer, requires_nats, transport
from .supervision_cut_support import BOUND, Hanging, _hung
from .supervision_support import Worker

pytestmark = requires_nats


async def test_a_remote_ask_of_an_exposed_actor_cut_mid_handling_fails_within_its_bound(
    server: NatsServer,
) -> None:
    journal: list[str] = []
    async with (
        asyncio.timeout(10),
        ActorSystem("outside", transport=transport(server)) as outside,
        ActorSystem("inside", transport=transport(server)) as inside,
    ):
        await inside.spawn(
            Supervisor,
            [ChildSpec(Worker, journal, "a", name="a"), ChildSpec(Hanging, journal, "b", name="b")],
            OneForAll(shutdown=BOUND),
            name="sup",
        )
        a, b = inside.lookup("/sup/a"), inside.lookup("/sup/b")
        assert a is not None and b is not None
        inside.expose(b)
        remote = outside.remote("inside", "/sup/b")
        asked = asyncio.create_task(remote.ask("hang", timeout=3.0))
        await _hung(journal, "hangs b")
        a.tell("crash")
        async with asyncio.timeout(2.0):  # well within the ask's own bound
            with pytest.raises(ActorStopped, match="shutdown time"):
                await asked
        assert await remote.ask("handled", timeout=3.0) == 0
        assert snapshot(b).restarts == 1
