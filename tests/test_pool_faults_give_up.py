"""A pool that lost its members: asks wait for its restart or fail, tells dead-letter."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest

from actorkit import Actor, ActorStopped, ActorSystem, OneForOne, PoolRef
from actorkit.testing import snapshot

from .invariants import assert_settled
from .test_pools import Member


class Fragile(Actor):
    async def receive(self, message: Any) -> Any:
        if message == "crash":
            raise RuntimeError("crash")
        return message


async def test_asks_made_while_a_pool_gives_up_wait_for_its_restart() -> None:
    """The last member of a pool that gives up stops while the pool itself still runs (it
    fails right after): an ask that reaches it then, or that finds no member, waits in the
    pool's mailbox for the new members, as a tell does. They were failed with ActorStopped at
    once, without a yield, so a caller asking in a loop failed hundreds in a row."""
    async with asyncio.timeout(10), ActorSystem() as system:
        pool = await system.spawn_pool(Fragile, size=4, name="pool")
        answered: list[Any] = []
        for n in range(100):  # two give-ups, each restarting the pool (the root allows 3)
            with contextlib.suppress(RuntimeError):  # the crashes' own asks
                answered.append(await pool.ask("crash" if n % 10 == 9 else n, timeout=2.0))
        assert answered == [n for n in range(100) if n % 10 != 9]
        assert system.failure is None


@pytest.mark.parametrize("routing", ["round_robin", "random", "least_loaded", "broadcast"])
async def test_a_pool_whose_members_all_stopped_fails_asks_and_dead_letters_tells(
    routing: str,
) -> None:
    async with ActorSystem() as system:
        pool = await system.spawn_pool(Member, size=2, routing=routing, name="pool")
        assert isinstance(pool, PoolRef)
        for member in pool.members:
            await member.stop()
        with pytest.raises(ActorStopped, match="every member of pool /pool has stopped"):
            await pool.ask("hello", timeout=1.0)
        pool.tell("told")
        await pool.send("sent")
        for _ in range(20):  # nothing reached the pool: it stays parked, no busy loop
            await asyncio.sleep(0)
        actor = snapshot(pool)
        assert actor.parked
        assert (actor.accounting.accepted, actor.accounting.processed) == (0, 0)  # ask too
        assert [(d.message, d.reason) for d in system.dead_letters.recent][-2:] == [
            ("told", "stopped"),
            ("sent", "stopped"),
        ]
        assert pool.is_alive  # the pool itself was not stopped
        await assert_settled(system)


async def test_a_pool_s_supervisor_sets_how_often_its_members_may_fail() -> None:
    async with asyncio.timeout(10), ActorSystem() as system:
        pool = await system.spawn_pool(
            Fragile, size=2, name="pool", supervisor=OneForOne(max_restarts=20, within=60.0)
        )
        for _ in range(10):
            with pytest.raises(RuntimeError):
                await pool.ask("crash")
        assert snapshot(pool).restarts == 0  # the default (3 within 5 s) would have given up
        assert await pool.ask("still", timeout=2.0) == "still"


class Held(Actor):
    """Holds its pool's only member in a handler until the test releases it."""

    release: asyncio.Event

    async def receive(self, message: Any) -> Any:
        if message == "hold":
            await self.release.wait()
        return message


async def test_an_ask_given_up_before_a_pool_without_members_handles_it_is_let_go() -> None:
    """The asker cancels while its ask waits at the pool's last member, which is stopping
    for good: its stop hands the ask back to the pool, which has no member to pass it on to
    and nobody to tell, so it is a dead letter, and the pool runs on."""
    Held.release = asyncio.Event()
    async with asyncio.timeout(5.0), ActorSystem() as system:
        pool = await system.spawn_pool(Held, size=1, name="pool")
        pool.tell("hold")
        asking = asyncio.ensure_future(pool.ask("hello", timeout=1.0))
        await asyncio.sleep(0)  # queued at the member, behind "hold"
        stopping = asyncio.ensure_future(pool.members[0].stop())
        await asyncio.sleep(0)
        asking.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asking
        Held.release.set()
        await stopping
        with pytest.raises(ActorStopped, match="every member of pool /pool has stopped"):
            await pool.ask("again", timeout=1.0)
        assert asking.cancelled()
        assert [(d.message, d.recipient, d.reason) for d in system.dead_letters.recent] == [
            ("hello", "/pool", "stopped")
        ]
        assert snapshot(pool).failures == 0 and pool.is_alive
        await assert_settled(system)
