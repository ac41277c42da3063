"""Resizing a pool: new members start before `resize` returns; leaving members get no new
traffic, handle what they already hold and stop, so nothing is lost; the size survives a
restart of the pool."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorStopped, ActorSystem, AskTimeout
from actorkit.testing import ManualClock, snapshot

from .invariants import assert_settled
from .pool_support import first_of, key_owned_by, make_it_give_up, restarting_root
from .test_pools import Member, seen_by_member


class Gated(Actor):
    """Holds every message until its gate opens, so mailboxes fill up behind it."""

    def __init__(self, gate: asyncio.Event, handled: list[tuple[str, Any]]) -> None:
        self.gate = gate
        self.handled = handled

    async def receive(self, message: Any) -> str:
        await self.gate.wait()
        self.handled.append((self.name, message))
        return self.name


@pytest.mark.parametrize("routing", ["round_robin", "random", "least_loaded", "broadcast"])
async def test_growing_adds_started_members_that_get_traffic(routing: str) -> None:
    async with ActorSystem() as system:
        pool = await system.spawn_pool(Member, size=2, routing=routing, name="pool")
        await pool.resize(4)
        assert [m.path for m in pool.members] == [f"/pool/{i}" for i in range(4)]
        assert pool.size == 4
        for i in range(400):
            pool.tell(i)
        seen = await seen_by_member(pool)
        assert all(seen.values()), {name: len(got) for name, got in seen.items()}
        await assert_settled(system)


async def test_shrinking_drains_the_leaving_members_and_loses_nothing() -> None:
    handled: list[tuple[str, Any]] = []
    gate = asyncio.Event()
    async with ActorSystem() as system:
        pool = await system.spawn_pool(Gated, gate, handled, size=4, name="pool")
        for i in range(40):
            pool.tell(i)  # ten queued at each member, all waiting on the gate
        shrinking = asyncio.ensure_future(pool.resize(1))
        for _ in range(10):
            await asyncio.sleep(0)  # the pool has taken the leaving members out of the routing
        assert [m.name for m in pool.members] == ["0"]
        for i in range(40, 50):
            pool.tell(i)  # only member 0 is routed to now
        assert not shrinking.done()  # the leaving members still hold their messages
        gate.set()
        async with asyncio.timeout(5.0):
            await shrinking
        assert sorted(message for _, message in handled) == list(range(50))
        assert {message for name, message in handled if name != "0"} <= set(range(40))
        assert [m.path for m in pool.members] == ["/pool/0"]
        assert system.lookup("/pool/3") is None
        assert system.dead_letters.count == 0
        await assert_settled(system)


async def test_growing_after_a_loss_reuses_the_free_names() -> None:
    async with ActorSystem() as system:
        pool = await system.spawn_pool(Member, size=3, name="pool")
        await pool.members[1].stop()  # stopped from outside: not replaced by itself
        assert [m.name for m in pool.members] == ["0", "2"]
        await pool.resize(4)
        assert sorted(m.name for m in pool.members) == ["0", "1", "2", "3"]


async def test_consistent_hash_routes_every_key_to_a_live_member_after_a_shrink() -> None:
    async with ActorSystem() as system:
        pool = await system.spawn_pool(
            Member, size=4, routing="consistent_hash", hash_key=lambda m: m, name="pool"
        )
        await pool.resize(2)
        owners = {await pool.ask(key) for key in range(100)}
        assert owners == {"0", "1"}


async def test_the_new_size_survives_a_restart_of_the_pool(clock: ManualClock) -> None:
    async with ActorSystem(clock=clock, supervisor=restarting_root(1.0)) as system:
        pool = await system.spawn_pool(Member, size=2, name="pool")
        await pool.resize(3)
        await make_it_give_up(pool, clock)
        await clock.advance(1.0)
        assert snapshot(pool).restarts == 1
        assert sorted(m.name for m in pool.members) == ["0", "1", "2"]


async def test_a_resize_queued_at_a_restarting_pool_runs_after_the_restart(
    clock: ManualClock,
) -> None:
    async with ActorSystem(clock=clock, supervisor=restarting_root(1.0)) as system:
        pool = await system.spawn_pool(Member, size=2, name="pool")
        await make_it_give_up(pool, clock)
        resizing = asyncio.ensure_future(pool.resize(3, timeout=30.0))
        await clock.settle()
        await clock.advance(1.0)
        async with asyncio.timeout(5.0):  # safety net only
            await resizing
        assert sorted(m.name for m in pool.members) == ["0", "1", "2"]


async def test_resize_refuses_bad_sizes_and_stopped_pools() -> None:
    async with ActorSystem() as system:
        pool = await system.spawn_pool(Member, size=2)
        for bad in (0, -1):
            with pytest.raises(ValueError, match="pool size must be an int >= 1"):
                await pool.resize(bad)
        for wrong in (1.5, "2", True):
            with pytest.raises(TypeError, match="pool size must be an int >= 1, got"):
                await pool.resize(wrong)  # type: ignore[arg-type]
        await pool.stop()
        with pytest.raises(ActorStopped):
            await pool.resize(3)


async def test_a_member_that_fails_to_start_fails_the_resize_not_the_pool(
    clock: ManualClock,
) -> None:
    """As OTP's `start_child`: the caller hears why; the pool keeps its members, what they
    hold and the members that did start, and that size."""
    gate = asyncio.Event()
    handled: list[tuple[str, Any]] = []
    starts = 0

    class Flaky(Gated):
        async def on_start(self) -> None:
            nonlocal starts
            starts += 1
            if starts == 4:  # the second of the two new members
                raise RuntimeError("cannot start")

    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        pool = await system.spawn_pool(Flaky, gate, handled, size=2, name="pool")
        for i in range(4):
            pool.tell(i)
        answer = asyncio.ensure_future(pool.ask("asked", timeout=30.0))
        with pytest.raises(RuntimeError, match="cannot start"):
            await pool.resize(4)

        assert [m.name for m in pool.members] == ["0", "1", "2"]
        assert pool.size == 3
        gate.set()
        assert await answer in {"0", "1"}
        assert sorted(str(message) for _, message in handled) == ["0", "1", "2", "3", "asked"]
        await clock.settle()  # a pool that failed over it would be restarted by now
        assert snapshot(pool).failures == 0 and snapshot(pool).restarts == 0
        assert system.dead_letters.count == 0
        await assert_settled(system)


@pytest.mark.parametrize(("restart", "answered_by"), [("permanent", "0"), ("temporary", "1")])
async def test_a_pool_passing_on_an_ask_to_a_new_member_still_supervises_it(
    clock: ManualClock, restart: str, answered_by: str
) -> None:
    """An ask that found a pool without members waits behind the resize that adds some, and
    the pool then passes it on to its owner, behind a message that member fails on. The pool
    goes on rather than await the reply: the member awaits the pool's decision first. So
    the pool decides, and the ask is answered long before its timeout: by the restarted
    member, or, once a `temporary` one has stopped, by the other, as any ask it held."""
    starting, failing = asyncio.Event(), asyncio.Event()
    armed = False

    class FailsLater(Member):
        async def on_start(self) -> None:
            if armed:
                await starting.wait()

        async def receive(self, message: Any) -> Any:
            if message[1] == "fail":
                await failing.wait()
                raise RuntimeError("member crashed")
            return await super().receive(message)

    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        pool = await system.spawn_pool(
            FailsLater,
            size=2,
            routing="consistent_hash",
            hash_key=first_of,
            restart=restart,
            name="pool",
        )
        key = await key_owned_by(pool, "0")  # also by the new member 0, with the same names
        for member in pool.members:
            await member.stop()
        armed = True
        resizing = asyncio.ensure_future(pool.resize(2))
        await clock.settle()  # member 0 starts: nothing is routed yet
        pool.tell((key, "fail"))  # both wait behind the resize, in the pool's mailbox
        answer = asyncio.ensure_future(pool.ask((key, "asked"), timeout=30.0))
        await clock.settle()
        starting.set()
        await resizing
        await clock.settle()  # the pool has passed the ask on to member 0, behind "fail"
        assert snapshot(pool).parked
        failing.set()
        await clock.settle()

        assert answer.done() and answer.result() == answered_by
        assert [m.name for m in pool.members] == (["0", "1"] if restart == "permanent" else ["1"])
        assert clock.now() == 0.0
        await assert_settled(system)


async def test_the_resize_timeout_is_on_the_system_clock(clock: ManualClock) -> None:
    """A member draining a held message keeps the shrink waiting; advancing the manual clock
    past the timeout ends it, as it ends every other runtime wait (docs/api.md, Clock)."""
    gate = asyncio.Event()
    async with ActorSystem(clock=clock) as system:
        pool = await system.spawn_pool(Gated, gate, [], size=2, routing="broadcast")
        pool.tell("held")
        await clock.settle()
        resizing = asyncio.ensure_future(pool.resize(1, timeout=60.0))
        await clock.advance(59.0)
        assert not resizing.done()
        await clock.advance(1.0)
        assert resizing.done()
        with pytest.raises(AskTimeout, match=r"did not finish within 60\.0 s"):
            resizing.result()
        gate.set()


class FailsAtOne(Actor):
    """Waits for its gate on "hold"; member 1 fails on "boom"; answers anything else."""

    def __init__(self, gate: asyncio.Event) -> None:
        self.gate = gate

    async def receive(self, message: Any) -> tuple[str, Any]:
        if message == "hold":
            await self.gate.wait()
        elif message == "boom" and self.name == "1":
            raise RuntimeError("boom")
        return (self.name, message)


async def test_asks_held_by_a_leaving_member_that_fails_are_answered_by_a_staying_one(
    clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    """A member leaving a shrink stops at its failure rather than finish its queue: the asks
    the pool gave it go to the members that stay, as from any member stopping for good. Its
    crash report says it stopped because it was stopping, not that the system shut down."""
    gate = asyncio.Event()
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        pool = await system.spawn_pool(FailsAtOne, gate, size=2, name="pool")
        for message in ("hold", "hold", "boom", "boom"):
            pool.tell(message)  # round robin: each member holds, then member 1 will fail
        asks = [asyncio.ensure_future(pool.ask(i, timeout=3.0)) for i in range(4)]
        await clock.settle()
        shrinking = asyncio.ensure_future(pool.resize(1))
        await clock.settle()
        gate.set()
        await shrinking
        assert sorted(await asyncio.gather(*asks)) == [("0", i) for i in range(4)]
        assert system.dead_letters.count == 0
        await assert_settled(system)
        reports = [r for r in caplog.records if getattr(r, "actor_path", "") == "/pool/1"]
        assert [r.directive for r in reports] == ["stop (stopping)"]  # type: ignore[attr-defined]
