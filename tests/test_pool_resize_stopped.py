"""A pool stopped with resizes in hand or queued: each caller hears `ActorStopped` (a queued
one `NotDelivered`, as it never began), and the pool's own `Resize` request is no dead letter,
since nothing a user sent was lost (docs/api.md, `PoolRef.resize`)."""

from __future__ import annotations

import asyncio
import contextlib
import random
from typing import Any

import pytest

from actorkit import (
    DEFAULT_MAILBOX_SIZE,
    Actor,
    ActorStopped,
    ActorSystem,
    MailboxFull,
    NotDelivered,
    PoolRef,
)
from actorkit._pool_checks import Resize
from actorkit.testing import ManualClock, snapshot

from .invariants import assert_invariants
from .pool_support import make_it_give_up, restarting_root
from .test_pools import Member as Echo

SAYS_RESIZE = r"pool /pool .*resiz|resizing pool /pool"
"""The caller of a resize hears of it in a resize's words, the pool named."""


class HeldStart(Actor):
    """Its `on_start` says it began, then waits for `gate`: a pool growing by it is held in
    its resize for as long as the test likes."""

    def __init__(self, gate: asyncio.Event, starting: asyncio.Event) -> None:
        self.gate = gate
        self.starting = starting

    async def on_start(self) -> None:
        self.starting.set()
        await self.gate.wait()

    async def receive(self, message: Any) -> Any:
        return message


async def until(condition: Any, turns: int = 1000) -> None:
    """Yield loop turns until `condition()` holds; within `turns`, or the test fails."""
    for _ in range(turns):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError(f"not within {turns} loop turns")


async def held_resizes(
    system: ActorSystem, gate: asyncio.Event
) -> tuple[PoolRef, asyncio.Future[None], asyncio.Future[None]]:
    """A pool in the middle of a resize (its new member's `on_start` waits for `gate`) with a
    second resize queued behind it."""
    starting = asyncio.Event()
    gate.set()
    pool = await system.spawn_pool(HeldStart, gate, starting, size=1, name="pool")
    gate.clear()
    starting.clear()
    in_hand = asyncio.ensure_future(pool.resize(2))
    await starting.wait()
    queued = asyncio.ensure_future(pool.resize(3))
    await until(lambda: snapshot(pool).accounting.queued == 1)
    assert snapshot(pool).accounting.handling == 1
    return pool, in_hand, queued


def assert_no_dead_letters(system: ActorSystem) -> None:
    letters = system.dead_letters
    assert letters.count == 0, letters.recent
    assert letters.by_reason == {}


async def assert_both_failed_and_no_dead_letter(
    system: ActorSystem, in_hand: asyncio.Future[None], queued: asyncio.Future[None]
) -> None:
    """A forced end: the resize in hand was cut part-way, the queued one never began."""
    assert_no_dead_letters(system)
    with pytest.raises(ActorStopped, match=SAYS_RESIZE):
        await in_hand
    with pytest.raises(NotDelivered, match=SAYS_RESIZE):
        await queued
    assert_invariants(system)


async def test_a_forced_stop_fails_both_resizes_and_records_no_dead_letter() -> None:
    async with asyncio.timeout(10), ActorSystem() as system:
        pool, in_hand, queued = await held_resizes(system, asyncio.Event())
        await pool.stop(timeout=0)
        await assert_both_failed_and_no_dead_letter(system, in_hand, queued)


async def test_an_orderly_stop_ends_the_resize_in_hand_and_refuses_the_queued_one() -> None:
    gate = asyncio.Event()
    async with asyncio.timeout(10), ActorSystem() as system:
        pool, in_hand, queued = await held_resizes(system, gate)
        stopping = asyncio.ensure_future(pool.stop())
        await until(lambda: snapshot(pool).signals == 1)
        gate.set()
        await in_hand  # the message in hand finishes: the pool grew to 2
        await stopping
        assert_no_dead_letters(system)
        with pytest.raises(NotDelivered, match=SAYS_RESIZE):
            await queued
        assert_invariants(system)


async def test_a_forced_shutdown_fails_both_resizes_and_records_no_dead_letter() -> None:
    async with asyncio.timeout(10):
        system = ActorSystem()
        async with system:
            _, in_hand, queued = await held_resizes(system, asyncio.Event())
            await system.shutdown(timeout=0)
        await assert_both_failed_and_no_dead_letter(system, in_hand, queued)


async def test_a_resize_never_waits_for_room_at_the_pools_full_mailbox(
    clock: ManualClock,
) -> None:
    """A pool waiting out its restart holds what is sent to it: its own mailbox may fill up.
    The resize goes past the bound, queued at once, and a stop then fails it like any other
    queued resize; only the tells the pool held are dead letters."""
    async with (
        asyncio.timeout(30),
        ActorSystem(clock=clock, supervisor=restarting_root(1.0)) as system,
    ):
        pool = await system.spawn_pool(Echo, size=2, name="pool")
        await make_it_give_up(pool, clock)
        for i in range(DEFAULT_MAILBOX_SIZE):
            pool.tell(i)
        with pytest.raises(MailboxFull):
            pool.tell("one too many")
        resizing = asyncio.ensure_future(pool.resize(3))
        await until(lambda: snapshot(pool).accounting.queued == DEFAULT_MAILBOX_SIZE + 1)
        await pool.stop(timeout=0)
        letters = system.dead_letters
        assert not [letter for letter in letters.recent if type(letter.message) is Resize]
        assert letters.by_reason == {"stopping": DEFAULT_MAILBOX_SIZE}
        with pytest.raises(NotDelivered, match=SAYS_RESIZE):
            await resizing
        assert_invariants(system)


class Member(Actor):
    async def on_start(self) -> None:
        for _ in range(random.randrange(3)):
            await asyncio.sleep(0)

    async def receive(self, message: Any) -> Any:
        return message


@pytest.mark.parametrize("stop", ["orderly", "forced", "shutdown"])
async def test_resizes_racing_a_stop_never_leave_a_dead_letter(stop: str) -> None:
    """Seeded interleavings of a stop with a resize under way, queued or not yet sent."""
    async with asyncio.timeout(60):
        for seed in range(60):
            random.seed(seed)
            system = ActorSystem()
            async with system:
                pool = await system.spawn_pool(Member, size=2, name="pool")
                resizing = asyncio.ensure_future(pool.resize(random.choice([1, 3, 5])))
                for _ in range(random.randrange(6)):
                    await asyncio.sleep(0)
                if stop == "orderly":
                    await pool.stop()
                elif stop == "forced":
                    await pool.stop(timeout=0)
                else:
                    await system.shutdown(timeout=0)
                with contextlib.suppress(ActorStopped):
                    await resizing
            assert system.dead_letters.count == 0, (seed, system.dead_letters.recent)
            assert_invariants(system)
