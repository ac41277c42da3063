"""What reaches a restarting pool goes to its new members; it never waits on one."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import ActorSystem
from actorkit.testing import ManualClock, snapshot

from .invariants import assert_settled
from .pool_support import first_of, key_owned_by, make_it_give_up, restarting_root
from .test_pools import Member, seen_by_member


async def test_what_reaches_a_restarting_pool_goes_to_its_new_members(
    clock: ManualClock,
) -> None:
    # The root restarts the pool one (manual) second after it gives up: a window in which the
    # pool has no members and messages queue in the pool's own mailbox.
    async with ActorSystem(clock=clock, supervisor=restarting_root(1.0)) as system:
        pool = await system.spawn_pool(Member, size=2, name="pool")
        await make_it_give_up(pool, clock)
        asks = [asyncio.ensure_future(pool.ask(f"ask{i}", timeout=30.0)) for i in range(4)]
        pool.tell("tell0")
        await clock.settle()
        assert snapshot(pool).accounting.queued == 5  # queued at the pool itself, for now

        await clock.advance(1.0)  # the pool restarts: new members get the backlog
        answers = await asyncio.gather(*asks)
        assert sorted(answers) == ["0", "0", "1", "1"]  # answered by members, not the pool
        seen: dict[str, Any] = {m.name: await m.ask("seen") for m in pool.members}
        assert sorted(x for got in seen.values() for x in got) == [
            "ask0",
            "ask1",
            "ask2",
            "ask3",
            "tell0",
        ]
        assert snapshot(pool).restarts == 1
        await assert_settled(system)


def same_key(message: object) -> object:
    return 0


async def test_a_restarted_pool_never_waits_on_a_member_that_waits_on_it(
    clock: ManualClock,
) -> None:
    """The backlog of a restarting pool holds a crash and then an ask for the same member.
    The member fails on the crash and waits for its supervisor, the pool; the pool, never
    waiting on its members, decides at once, so the ask is answered without any timeout."""
    # Restarted after 10 s, when the pool's own 5 s restart window has slid past the crashes
    # that made it give up (a restarted pool keeps its restart history).
    async with ActorSystem(clock=clock, supervisor=restarting_root(10.0)) as system:
        pool = await system.spawn_pool(
            Member, size=2, routing="consistent_hash", hash_key=same_key, name="pool"
        )
        await make_it_give_up(pool, clock)
        pool.tell("crash")
        answer = asyncio.ensure_future(pool.ask("after the crash", timeout=30.0))
        await clock.advance(10.0)  # the restart; no ask timeout (30 s) is ever reached
        async with asyncio.timeout(5.0):  # safety net only
            owner = await answer
        assert owner in ("0", "1")
        assert clock.now() == 10.0
        assert system.dead_letters.count == 0
        await assert_settled(system)


class HeldStart:
    """Holds member 0's `on_start` while `holding` is set, until `gate` is set; `entered`
    says it is held."""

    def __init__(self) -> None:
        self.holding = False
        self.gate, self.entered = asyncio.Event(), asyncio.Event()

    def member(self) -> type[Member]:
        hold = self

        class SlowStart(Member):
            async def on_start(self) -> None:
                if hold.holding and self.name == "0":
                    hold.entered.set()
                    await hold.gate.wait()

        return SlowStart


@pytest.mark.parametrize("routing", ["round_robin", "consistent_hash"])
async def test_a_restarted_pool_routes_to_every_member_after_a_tell_during_its_start(
    clock: ManualClock, routing: str
) -> None:
    """A tell while the restarted pool's member 0 is still starting waits at the pool, for
    every member; once all have started, messages are spread over every member again."""
    hold = HeldStart()
    SlowStart = hold.member()

    async with ActorSystem(clock=clock, supervisor=restarting_root(1.0)) as system:
        pool = await system.spawn_pool(
            SlowStart,
            size=3,
            routing=routing,
            hash_key=(lambda m: m) if routing == "consistent_hash" else None,
            name="pool",
        )
        await make_it_give_up(pool, clock)
        hold.holding = True
        await clock.advance(1.0)
        async with asyncio.timeout(5.0):  # safety net only
            await hold.entered.wait()
        pool.tell(-1)  # the pool's only child is member 0, still starting
        hold.holding = False
        hold.gate.set()
        await clock.settle()
        assert snapshot(pool).state == "running"

        for i in range(300):
            pool.tell(i)
        seen = await seen_by_member(pool)
        counts = {name: sum(x in range(300) for x in got) for name, got in seen.items()}
        assert sorted(counts) == ["0", "1", "2"]
        assert all(count > 50 for count in counts.values()), counts
        await assert_settled(system)


@pytest.mark.parametrize(
    ("routing", "size"),
    [("consistent_hash", 2), ("broadcast", 2), ("round_robin", 1), ("least_loaded", 1)],
)
async def test_what_is_sent_while_a_restarted_pool_starts_its_members_follows_what_it_holds(
    clock: ManualClock, routing: str, size: int
) -> None:
    """A tell while the restarting pool has no member waits in its mailbox; an ask and a tell
    sent after it, while the first new member is starting, wait there behind it, so each
    member gets the three in order, and a key reaches its owner among all the members (not
    member 0, then the only one started)."""
    hold = HeldStart()
    SlowStart = hold.member()

    async with (
        asyncio.timeout(5.0),
        ActorSystem(clock=clock, supervisor=restarting_root(1.0)) as system,
    ):
        hash_key = first_of if routing == "consistent_hash" else None
        pool = await system.spawn_pool(
            SlowStart, size=size, routing=routing, hash_key=hash_key, name="pool"
        )
        key = 0 if hash_key is None else await key_owned_by(pool, "1")
        await make_it_give_up(pool, clock)  # restarted with new members, which saw nothing
        pool.tell((key, "before"))  # no member: waits in the pool's own mailbox
        hold.holding = True
        await clock.advance(1.0)  # the restart; member 0 holds in its `on_start`
        await hold.entered.wait()
        answer = asyncio.ensure_future(pool.ask((key, "asked"), timeout=30.0))
        await clock.settle()  # asked
        pool.tell((key, "after"))
        hold.holding = False
        hold.gate.set()
        owner = await answer

        in_order = [(key, "before"), (key, "asked"), (key, "after")]
        receivers = {"consistent_hash": ["1"], "broadcast": ["0", "1"]}.get(routing, ["0"])
        assert owner in receivers
        expected = {str(i): in_order if str(i) in receivers else [] for i in range(size)}
        assert await seen_by_member(pool) == expected
        assert system.dead_letters.count == 0
        await assert_settled(system)


async def test_a_broadcast_ask_handed_over_after_a_restart_reaches_every_member(
    clock: ManualClock,
) -> None:
    async with ActorSystem(clock=clock, supervisor=restarting_root(1.0)) as system:
        pool = await system.spawn_pool(Member, size=3, routing="broadcast", name="pool")
        await make_it_give_up(pool, clock)
        answer = asyncio.ensure_future(pool.ask("asked", timeout=30.0))
        await clock.settle()
        await clock.advance(1.0)  # the pool restarts and hands the ask over
        async with asyncio.timeout(5.0):  # safety net only
            assert await answer in {"0", "1", "2"}
        seen = await seen_by_member(pool)
        assert seen == {"0": ["asked"], "1": ["asked"], "2": ["asked"]}
        assert system.dead_letters.count == 0
        await assert_settled(system)
