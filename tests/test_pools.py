"""Pools: routings, supervision of members, stopping (API 4, 9)."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import pytest

from actorkit import Actor, ActorSystem, PoolRef
from actorkit.testing import ManualClock, instance, snapshot


class Member(Actor):
    def __init__(self, tag: str = "m") -> None:
        self.tag = tag
        self.seen: list[Any] = []

    async def receive(self, message: Any) -> Any:
        if message == "seen":
            return list(self.seen)
        if message == "who":
            return self.name
        if message == "crash":
            raise RuntimeError("member crashed")
        self.seen.append(message)
        return self.name


async def seen_by_member(pool: PoolRef) -> dict[str, list[Any]]:
    return {member.name: list(await member.ask("seen")) for member in pool.members}


async def test_members_are_children_named_by_index() -> None:
    async with ActorSystem() as system:
        pool = await system.spawn_pool(Member, "x", size=3, name="pool")
        assert isinstance(pool, PoolRef)
        assert [m.path for m in pool.members] == ["/pool/0", "/pool/1", "/pool/2"]
        assert system.lookup("/pool") == pool


async def test_round_robin_distributes_evenly() -> None:
    async with ActorSystem() as system:
        pool = await system.spawn_pool(Member, size=4)
        assert isinstance(pool, PoolRef)
        for i in range(400):
            pool.tell(i)
        counts = {name: len(seen) for name, seen in (await seen_by_member(pool)).items()}
        assert counts == {"0": 100, "1": 100, "2": 100, "3": 100}


async def test_random_reaches_every_member() -> None:
    async with ActorSystem() as system:
        pool = await system.spawn_pool(Member, size=3, routing="random")
        assert isinstance(pool, PoolRef)
        for i in range(300):
            pool.tell(i)
        counts = [len(seen) for seen in (await seen_by_member(pool)).values()]
        assert sum(counts) == 300
        assert min(counts) > 50


async def test_least_loaded_prefers_an_idle_member() -> None:
    gate, entered = asyncio.Event(), asyncio.Event()

    class Slow(Member):
        async def receive(self, message: Any) -> Any:
            if message == "block":
                entered.set()
                await gate.wait()
            return await super().receive(message)

    async with ActorSystem() as system:
        pool = await system.spawn_pool(Slow, size=2, routing="least_loaded")
        assert isinstance(pool, PoolRef)
        pool.tell("block")  # both idle: goes to one of them, which then stays busy
        await entered.wait()
        answers = Counter([await pool.ask("who") for _ in range(5)])
        assert len(answers) == 1  # every ask went to the idle member
        busy = ({"0", "1"} - set(answers)).pop()
        gate.set()
        assert "block" in await system.ask(f"{pool.path}/{busy}", "seen")


class HeldRestart(Member):
    """Member `0` waits for `gate` in the `on_stop` of a restart: its pool, which carries the
    restart out, decides on no other member's failure until then."""

    def __init__(self, gate: asyncio.Event) -> None:
        super().__init__()
        self.gate = gate

    async def on_stop(self) -> None:
        if self.name == "0":
            await self.gate.wait()


async def hold_two_members(pool: PoolRef, clock: ManualClock) -> None:
    """Member 0 restarting, member 1 failed and waiting for its pool's decision meanwhile:
    both handle nothing until the gate opens, however short their queues."""
    first, second = pool.members[:2]
    first.tell("crash")
    second.tell("crash")
    await clock.settle()
    assert [snapshot(member).state for member in (first, second)] == ["restarting", "suspended"]


async def test_least_loaded_routes_around_members_that_cannot_handle_now(
    clock: ManualClock,
) -> None:
    """A suspended member is parked on an empty mailbox, as an idle one is: it must still
    count behind every running member, or messages wait out its restart (Akka's
    SmallestMailbox scores a suspended routee last too)."""
    gate = asyncio.Event()
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        pool = await system.spawn_pool(HeldRestart, gate, size=3, routing="least_loaded")
        await hold_two_members(pool, clock)
        for i in range(4):
            pool.tell(i)
            await clock.settle()
        assert await pool.members[2].ask("seen") == [0, 1, 2, 3]
        gate.set()


async def test_least_loaded_still_routes_when_no_member_can_handle_now(
    clock: ManualClock,
) -> None:
    """Nothing is refused or dropped: the messages wait at the members for their restarts."""
    gate = asyncio.Event()
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        pool = await system.spawn_pool(HeldRestart, gate, size=2, routing="least_loaded")
        await hold_two_members(pool, clock)
        asking = asyncio.ensure_future(pool.ask("asked"))
        pool.tell("told")
        await clock.settle()
        assert not asking.done()
        gate.set()
        assert await asking in {"0", "1"}
        seen = await seen_by_member(pool)
        assert sorted(seen["0"] + seen["1"]) == ["asked", "told"]
        assert system.dead_letters.count == 0


async def test_consistent_hash_keeps_a_key_with_its_owner_while_it_awaits_its_restart(
    clock: ManualClock,
) -> None:
    gate = asyncio.Event()
    async with asyncio.timeout(10), ActorSystem(clock=clock) as system:
        pool = await system.spawn_pool(
            HeldRestart, gate, size=3, routing="consistent_hash", hash_key=lambda m: m[0]
        )
        owners = {key: await pool.ask((key, "asked")) for key in range(40)}
        key = next(key for key, owner in owners.items() if owner == "1")
        await hold_two_members(pool, clock)
        pool.tell((key, "told"))
        await clock.settle()
        assert snapshot(pool.members[1]).accounting.queued == 1
        gate.set()
        assert await pool.ask((key, "after")) == "1"
        assert await pool.members[1].ask("seen") == [(key, "told"), (key, "after")]


async def test_consistent_hash_is_sticky_per_key() -> None:
    async with ActorSystem() as system:
        pool = await system.spawn_pool(
            Member, size=4, routing="consistent_hash", hash_key=lambda m: m[0]
        )
        owners: dict[str, set[str]] = {}
        # Enough keys that they never all land on one member: str hashes are salted per
        # process, and six keys did so for one PYTHONHASHSEED in a few hundred.
        users = [f"user-{i}" for i in range(40)]
        for round_ in range(5):
            for user in users:
                owners.setdefault(user, set()).add(await pool.ask((user, round_)))
        assert all(len(members) == 1 for members in owners.values())
        assert len({next(iter(m)) for m in owners.values()}) > 1


async def test_consistent_hash_tells_reach_the_member_that_answers_asks() -> None:
    """A tell takes the ring's slot table in place; an ask the ring's lookup: one owner."""
    async with ActorSystem() as system:
        pool = await system.spawn_pool(
            Member, size=4, routing="consistent_hash", hash_key=lambda m: m[0]
        )
        keys = [*range(300), *(f"user-{i}" for i in range(300)), 2**70, -5, 1.5]
        for key in keys:
            pool.tell((key, "told"))
        seen = await seen_by_member(pool)
        told_to = {message[0]: name for name, got in seen.items() for message in got}
        assert len(told_to) == len(keys)
        for key in keys:
            assert await pool.ask((key, "asked")) == told_to[key]
        assert len(set(told_to.values())) == 4


async def test_broadcast_reaches_all_and_first_reply_answers_an_ask() -> None:
    async with ActorSystem() as system:
        pool = await system.spawn_pool(Member, size=3, routing="broadcast")
        assert isinstance(pool, PoolRef)
        pool.tell("hello")
        await pool.send("again")
        assert await pool.ask("ping") in {"0", "1", "2"}
        seen = await seen_by_member(pool)
        assert all(messages[:2] == ["hello", "again"] for messages in seen.values())


async def test_crashed_member_restarts_and_pool_keeps_serving() -> None:
    async with ActorSystem() as system:
        pool = await system.spawn_pool(Member, size=2, name="p")
        assert isinstance(pool, PoolRef)
        first = pool.members[0]
        with pytest.raises(RuntimeError):
            await first.ask("crash")
        results = [await pool.ask(i) for i in range(4)]
        assert sorted(results) == ["0", "0", "1", "1"]
        assert first.is_alive and snapshot(first).restarts == 1
        assert pool.members[0] == first


async def test_pool_stop_stops_every_member_and_later_tells_are_dead_letters() -> None:
    async with ActorSystem() as system:
        pool = await system.spawn_pool(Member, size=3)
        assert isinstance(pool, PoolRef)
        members = pool.members
        await pool.stop()
        assert not pool.is_alive
        assert not any(member.is_alive for member in members)
        pool.tell("late")
        assert system.dead_letters.by_reason == {"stopped": 1}


async def test_spawn_options_apply_to_members_and_kwargs_to_the_factory() -> None:
    async with ActorSystem() as system:
        pool = await system.spawn_pool(Member, tag="t", size=2, mailbox_size=7, capabilities=("x",))
        assert isinstance(pool, PoolRef)
        for member in pool.members:
            assert snapshot(member).capacity == 7
            assert snapshot(member).capabilities == frozenset({"x"})
            assert instance(member).tag == "t"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"size": 0}, "size must be an int >= 1"),
        ({"routing": "fastest"}, "routing must be one of"),
        ({"routing": "consistent_hash"}, "needs hash_key"),
        ({"hash_key": len}, "only used with routing='consistent_hash'"),
    ],
)
async def test_bad_pool_arguments(kwargs: dict[str, Any], message: str) -> None:
    async with ActorSystem() as system:
        with pytest.raises(ValueError, match=message):
            await system.spawn_pool(Member, **kwargs)
        with pytest.raises(TypeError):
            await system.spawn_pool(42)  # type: ignore[arg-type]
