"""A broadcast pool's ask from another system, held in the pool's mailbox while the pool
restarts, then copied to the new members: as for a local one
(`test_pool_broadcast_held_ask_outcomes`), its copies answer only while the ask waits at the
exposing side, whose own deadline (`PoolRef.ask`'s there: `offer` queues a `Reply` only at a
plain actor) ends it; past that, they are still handled, with their replies dropped and no
member counting them `ok` in `actorkit_asks_total`. The asker gets the `AskTimeout` of a
remote ask, which names both causes of the silence."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import ActorSystem, AskTimeout
from actorkit.testing import ManualClock

from .metrics_truth_support import sample, scraped
from .nats_support import SAFETY, NatsServer, requires_nats, transport
from .test_pool_broadcast_held_ask_outcomes import restarting

pytestmark = requires_nats


@pytest.mark.parametrize("when", ["held", "queued"])
async def test_copies_of_a_held_remote_broadcast_ask_past_its_deadline_are_not_counted_ok(
    server: NatsServer, when: str
) -> None:
    """`held`: the deadline comes while the pool holds the ask; `queued`: once its copies
    wait at the members, busy with a broadcast tell held with it."""
    gate, release = asyncio.Event(), asyncio.Event()
    handled: list[str] = []
    clock = ManualClock()  # the exposing side's: the asker's deadline runs on real time
    async with (
        asyncio.timeout(SAFETY),
        ActorSystem("asking", transport=transport(server)) as asking,
        ActorSystem("serving", clock=clock, transport=transport(server)) as serving,
    ):
        pool = await restarting(serving, clock, gate, handled, release)
        serving.expose(pool)
        remote = asking.remote("serving", "/pool")
        if when == "queued":
            pool.tell("hold")
        else:
            release.set()
        with pytest.raises(AskTimeout, match="process serving it stopped answering"):
            await remote.ask("held", timeout=0.2)  # its deadline on real time (distributed.md)
        if when == "queued":
            gate.set()
            await clock.settle()  # each member holds "hold", its copy of the ask queued
        await clock.advance(0.2)  # the exposing side's deadline of the held ask
        gate.set()
        release.set()
        await clock.settle()
        assert sorted(handled) == sorted(
            ["0:held", "1:held"] + (["0:hold", "1:hold"] if when == "queued" else [])
        )
        samples = scraped(serving)
        assert sample(samples, "actorkit_asks_total", actor_type="Member", outcome="ok") == 0
        assert sample(samples, "actorkit_asks_total", actor_type="Pool", outcome="timeout") == 1
