"""A broadcast pool's ask held in its mailbox while the pool restarts, then copied to the new
members: the copies answer only while its asker waits. One whose asker has its answer already
(its deadline came, or it left) is handled late with its reply dropped, as a plain ask timed
out in a queue is, and no member counts it `ok` in `actorkit_asks_total`: the asker got no
reply, and the pool counted what it got."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, AskTimeout, OneForOne, PoolRef
from actorkit.testing import ManualClock

from .metrics_truth_support import sample, scraped


def restarted_slowly(
    gate: asyncio.Event, handled: list[str], release: asyncio.Event
) -> type[Actor]:
    """A member that fails on "boom" and waits for `release` on "hold"; the instances after
    the first two wait for `gate` to start."""
    started = 0

    class Member(Actor):
        async def on_start(self) -> None:
            nonlocal started
            started += 1
            if started > 2:
                await gate.wait()

        async def receive(self, message: Any) -> Any:
            if message == "boom":
                raise KeyError("boom")
            if message == "hold":
                await release.wait()
            handled.append(f"{self.name}:{message}")
            return self.name

    return Member


async def restarting(
    system: ActorSystem,
    clock: ManualClock,
    gate: asyncio.Event,
    handled: list[str],
    release: asyncio.Event,
) -> PoolRef:
    """A broadcast pool of two `restarted_slowly` members, failed once: it gave up and is
    restarting, its new members waiting for `gate`, so what it is asked now it holds."""
    pool = await system.spawn_pool(
        restarted_slowly(gate, handled, release),
        size=2,
        routing="broadcast",
        name="pool",
        supervisor=OneForOne(max_restarts=0),  # a failure makes the pool give up, restart
    )
    with pytest.raises(KeyError):
        await pool.ask("boom")
    await clock.settle()  # the pool restarts; its new members wait for the gate
    return pool


@pytest.mark.parametrize("when", ["held", "queued"])
@pytest.mark.parametrize("gives_up", ["timeout", "cancelled"])
async def test_copies_of_a_held_broadcast_ask_its_asker_gave_up_are_not_counted_ok(
    clock: ManualClock, gives_up: str, when: str
) -> None:
    """`held`: the asker gives up while the pool holds its ask; `queued`: once the copies
    wait at the members, busy with a broadcast tell held with it."""
    gate, release = asyncio.Event(), asyncio.Event()
    handled: list[str] = []
    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        pool = await restarting(system, clock, gate, handled, release)
        if when == "queued":
            pool.tell("hold")
        else:
            release.set()
        asked = asyncio.ensure_future(pool.ask("held", timeout=1.0))
        await clock.settle()
        if when == "queued":
            gate.set()
            await clock.settle()  # each member holds "hold", its copy of the ask queued
        if gives_up == "timeout":
            await clock.advance(1.0)
            with pytest.raises(AskTimeout):
                await asked
        else:
            asked.cancel()
            with pytest.raises(asyncio.CancelledError):
                await asked
        gate.set()
        release.set()
        await clock.settle()
        assert sorted(handled) == sorted(
            ["0:held", "1:held"] + (["0:hold", "1:hold"] if when == "queued" else [])
        )  # still handled, replies dropped
        samples = scraped(system)
        assert sample(samples, "actorkit_asks_total", actor_type="Member", outcome="ok") == 0
        assert sample(samples, "actorkit_asks_total", actor_type="Pool", outcome=gives_up) == 1


async def test_copies_of_a_held_broadcast_ask_answer_it_and_count_ok(clock: ManualClock) -> None:
    gate, release = asyncio.Event(), asyncio.Event()
    handled: list[str] = []
    release.set()
    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        pool = await restarting(system, clock, gate, handled, release)
        asked = asyncio.ensure_future(pool.ask("held", timeout=1.0))
        await clock.settle()
        gate.set()
        assert await asked in {"0", "1"}
        await clock.settle()
        samples = scraped(system)
        assert sample(samples, "actorkit_asks_total", actor_type="Member", outcome="ok") == 2
