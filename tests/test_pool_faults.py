"""Pools under faults: a pool that lost every member answers asks with `ActorStopped` and
turns tells into dead letters (never spinning on its own mailbox, never answering for
nobody); what reaches a pool while it restarts is handed to the new members, asks answered by
a member, without the pool ever waiting on a member."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import pytest

from actorkit import Actor, ActorStopped, ActorSystem, Backoff, OneForOne, PoolRef
from actorkit.testing import ManualClock, snapshot

from .invariants import assert_settled
from .test_pools import Member, seen_by_member


def restarting_root(after: float) -> OneForOne:
    """A root that restarts what gives up `after` (manual) seconds later."""
    return OneForOne(max_restarts=10, within=60.0, backoff=Backoff(min=after, max=after, jitter=0))


async def make_it_give_up(pool: PoolRef, clock: ManualClock) -> None:
    """A fourth member crash within 5 s: the pool exceeds its intensity and gives up, and
    waits (restarting, without members) for its supervisor's backoff. The crashes are asked
    of one member, so that a broadcast pool gives up the same way."""
    member = pool.members[0]
    for _ in range(4):
        with pytest.raises(RuntimeError):
            await member.ask("crash")
    await clock.settle()
    assert pool.members == [] and snapshot(pool).state == "restarting"


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
        for _ in range(20):  # the pool handles them once each, then parks: no busy loop
            await asyncio.sleep(0)
        actor = snapshot(pool)
        assert actor.parked
        assert (actor.accounting.accepted, actor.accounting.processed) == (3, 3)  # ask too
        assert [(d.message, d.reason) for d in system.dead_letters.recent][-2:] == [
            ("told", "stopped"),
            ("sent", "stopped"),
        ]
        assert pool.is_alive  # the pool itself was not stopped
        await assert_settled(system)


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


async def test_a_broadcast_reaches_the_members_after_a_full_one_and_counts_its_copy(
    clock: ManualClock,
) -> None:
    """Member 1 is busy with its one-message mailbox full, between two members with room.
    A tell, a timer and a publish to the pool each reach members 0 and 2, and member 1's
    copy is its dead letter; the tell does not raise."""
    gate, busy = asyncio.Event(), asyncio.Event()

    class Held(Member):
        async def receive(self, message: Any) -> Any:
            if message == "hold":
                busy.set()
                await gate.wait()
            return await super().receive(message)

    async with ActorSystem(clock=clock) as system:
        pool = await system.spawn_pool(
            Held, size=3, routing="broadcast", name="pool", mailbox_size=1
        )
        full = pool.members[1]
        full.tell("hold")
        async with asyncio.timeout(5.0):  # safety net only
            await busy.wait()
        full.tell("filler")
        system.subscribe(pool, "news")

        pool.tell("told")
        system.schedule_once(1.0, pool, "timed")
        await clock.advance(1.0)
        system.publish("news", "published")
        await clock.settle()

        assert [(d.message, d.recipient, d.reason) for d in system.dead_letters.recent] == [
            ("told", "/pool/1", "mailbox_full"),
            ("timed", "/pool/1", "mailbox_full"),
            ("published", "/pool/1", "mailbox_full"),
        ]
        gate.set()
        seen = await seen_by_member(pool)
        assert seen == {
            "0": ["told", "timed", "published"],
            "1": ["hold", "filler"],
            "2": ["told", "timed", "published"],
        }
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


def first_of(message: tuple[int, str]) -> int:
    return message[0]


async def key_owned_by(pool: PoolRef, name: str) -> int:
    """A key (for `first_of`) that member `name` owns; each probe is one of its messages."""
    for key in range(100):
        if await pool.ask((key, "owner?")) == name:
            return key
    raise AssertionError(f"member {name} owns none of the first 100 keys")


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


async def test_a_broadcast_ask_is_answered_by_a_live_member_when_one_stops_before_it(
    clock: ManualClock,
) -> None:
    """The copy of the member that stopped first was never delivered: the others answer."""
    release = asyncio.Event()

    class Slow(Member):
        async def receive(self, message: Any) -> Any:
            if message == "wait":
                await release.wait()
            return await super().receive(message)

    async with asyncio.timeout(5.0), ActorSystem(clock=clock) as system:
        pool = await system.spawn_pool(
            Slow, size=3, routing="broadcast", restart="temporary", name="pool"
        )
        first, *others = pool.members
        for member in others:
            member.tell("wait")
        first.tell("crash")
        answer = asyncio.ensure_future(pool.ask("asked", timeout=1.0))
        await clock.settle()
        assert not first.is_alive and not answer.done()

        release.set()
        assert await answer in {"1", "2"}
        await assert_settled(system)


async def test_a_broadcast_ask_is_answered_by_a_live_member_when_one_stops_before_its_copy() -> (
    None
):
    """A member stopped between the routing and its copy (a parked one closes at once) was
    never sent its copy: that is no answer while another member can still give one."""
    async with asyncio.timeout(5.0), ActorSystem() as system:
        pool = await system.spawn_pool(
            Member, size=2, routing="broadcast", restart="temporary", name="pool"
        )
        answer = asyncio.ensure_future(pool.ask("asked", timeout=1.0))
        await asyncio.sleep(0)  # the copies are made, not yet sent
        await pool.members[0].stop()
        assert await answer == "1"
        await assert_settled(system)


class Stopper(Member):
    """Member 0 fails once `release` is set; member 1 sets it and stops member 0 before it
    replies, so member 0's queued copy fails undelivered in the same loop turn."""

    def __init__(self, release: asyncio.Event) -> None:
        super().__init__()
        self.release = release

    async def receive(self, message: Any) -> Any:
        if message == "crash later":
            await self.release.wait()
            raise RuntimeError("member crashed")
        if self.name == "1":
            self.release.set()
            first = self.system.lookup("/pool/0")
            assert first is not None
            await first.stop()
        return await super().receive(message)


async def test_a_broadcast_ask_prefers_a_reply_that_finished_with_an_undelivered_copy() -> None:
    """Member 0's copy fails undelivered and member 1 replies in the same loop turn: the
    asker, woken once with both done, gets the reply whatever order it looks in (sets of
    tasks iterate by address, so several tries)."""
    for _ in range(10):
        async with asyncio.timeout(5.0), ActorSystem() as system:
            pool = await system.spawn_pool(
                Stopper,
                asyncio.Event(),
                size=2,
                routing="broadcast",
                restart="temporary",
                name="pool",
            )
            pool.members[0].tell("crash later")
            assert await pool.ask("asked", timeout=1.0) == "1"
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
