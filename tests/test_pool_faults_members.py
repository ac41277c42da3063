"""A member that fails: its asks are answered by another, a failing hash key dead-letters."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import ActorSystem, AskTimeout, PoolRef
from actorkit.testing import ManualClock, snapshot

from .invariants import assert_settled
from .test_pool_faults_broadcast import held_member
from .test_pools import Member, seen_by_member


def key_or_fail(message: object) -> object:
    if message == "keyless":
        raise KeyError("no key in this message")
    return message


async def test_a_publish_whose_hash_key_fails_is_a_dead_letter_and_the_pool_runs_on(
    clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    """As from a timer: the pool logs the failure and records the message; a crash would
    restart the pool and drop what its members hold."""
    async with ActorSystem(clock=clock) as system:
        pool = await system.spawn_pool(
            Member, size=2, routing="consistent_hash", hash_key=key_or_fail, name="pool"
        )
        system.subscribe(pool, "news")
        system.publish("news", "keyless")
        system.publish("news", "keyed")
        await clock.settle()

        assert snapshot(pool).restarts == 0
        assert [(d.message, d.recipient, d.reason) for d in system.dead_letters.recent] == [
            ("keyless", "/pool", "undeliverable")
        ]
        assert "pool /pool could not route str: KeyError" in caplog.text
        seen = await seen_by_member(pool)
        assert sorted(x for got in seen.values() for x in got) == ["keyed"]
        await assert_settled(system)


def key_of(message: object) -> object:
    return "k" if message in ("crash", "asked", "who") else message


@pytest.mark.parametrize("routing", ["round_robin", "consistent_hash"])
async def test_an_ask_queued_at_a_temporary_member_that_fails_is_answered_by_another(
    routing: str, clock: ManualClock
) -> None:
    """The pool runs on with live members, so an ask routed to the member that fails before
    handling it is routed again rather than failed with `ActorStopped`; a tell queued there
    is a dead letter of that member, never handled by a sibling (it may have reached the
    member by another way than the pool, and a sibling could then handle it twice)."""
    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        hash_key = key_of if routing == "consistent_hash" else None
        pool = await system.spawn_pool(
            Member, size=3, routing=routing, hash_key=hash_key, restart="temporary", name="pool"
        )
        assert isinstance(pool, PoolRef)
        owner = "0" if hash_key is None else await pool.ask("who")  # round robin: 0 first
        doomed = system.lookup(f"/pool/{owner}")
        assert doomed is not None
        pool.tell("crash")  # all of these queue before any member runs: the ask waits
        if routing == "round_robin":  # behind "crash", at the same member
            pool.tell("one")
            pool.tell("two")
        doomed.tell("direct")
        answer = await pool.ask("asked", timeout=1.0)

        assert answer != doomed.name and not doomed.is_alive
        assert [(d.message, d.recipient, d.reason) for d in system.dead_letters.recent] == [
            ("direct", doomed.path, "stopping")
        ]
        seen = await seen_by_member(pool)
        assert seen[answer][-1] == "asked"
        assert "direct" not in [x for got in seen.values() for x in got]
        await assert_settled(system)


async def test_an_ask_waiting_for_room_at_a_member_that_fails_is_answered_by_another(
    clock: ManualClock,
) -> None:
    """An ask the pool routed to a full member waits for room there; when that member stops
    for good, the ask has not begun either, so another member answers it."""
    release = asyncio.Event()

    class Blocking(Member):
        async def receive(self, message: Any) -> Any:
            if message == "block":
                await release.wait()
                raise RuntimeError("member crashed")
            return await super().receive(message)

    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        pool = await system.spawn_pool(
            Blocking, size=2, restart="temporary", mailbox_size=1, name="pool"
        )
        first = pool.members[0]
        pool.tell("block")  # round robin: member 0, then 1, 0, 1, 0
        await clock.settle()
        pool.tell("filler")
        await clock.settle()
        pool.tell("queued")  # member 0 is full
        pool.tell("filler")
        answer = asyncio.ensure_future(pool.ask("asked", timeout=1.0))
        await clock.settle()
        assert not answer.done()

        release.set()
        assert await answer == "1"
        assert not first.is_alive
        await assert_settled(system)


async def test_an_ask_given_up_at_a_stopping_member_whose_key_fails_is_let_go(
    clock: ManualClock,
) -> None:
    """An ask made of a member directly, given up by its asker, is still in that member's
    mailbox when the member stops: routing it again fails on its key, which nobody is left
    to hear, and the pool and its other member run on."""
    gate, busy = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        pool = await system.spawn_pool(
            held_member(gate, busy), size=2, routing="consistent_hash", hash_key=key_or_fail
        )
        first, other = pool.members
        first.tell("hold")
        await busy.wait()
        asking = asyncio.ensure_future(first.ask("keyless", timeout=0.5))
        await clock.advance(0.5)
        with pytest.raises(AskTimeout):
            await asking
        stopping = asyncio.ensure_future(first.stop())
        await clock.settle()
        gate.set()
        await stopping
        await clock.settle()
        assert snapshot(pool).state == "running" and snapshot(pool).failures == 0
        assert await pool.ask("keyed") == other.name
        await assert_settled(system)
