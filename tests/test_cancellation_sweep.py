"""The awaited calls of the core, each cancelled at every loop turn it can be cut at, up to
after its end (`cancelling.cancelled_after`), as an `asyncio.timeout` around it would: nothing
is left behind (no waiter, pending ask, task or socket), the effect is whole or absent, and the
next call of the kind works. `ask` and `send` are in test_cancellation.py, `spawn` in
test_hardening_half_started.py and test_lifecycle_corners_cancelled_spawn.py, the durable
calls in tests/persistence/test_durable_cancellation.py, NATS in test_nats_cancellation.py."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from actorkit import Actor, ActorSystem
from actorkit.testing import ManualClock, pending_asks, snapshot

from .cancelling import cancelled_after
from .invariants import TaskSnapshot, assert_settled
from .processes import HeldPort

TURNS = range(8)


class Member(Actor):
    """Its start and its handling each span a loop turn, so a cancellation can land in them."""

    def __init__(self, stopped: list[str] | None = None, started: list[str] | None = None) -> None:
        self.stopped = stopped
        self.started = started

    async def on_start(self) -> None:
        await asyncio.sleep(0)
        if self.started is not None:
            self.started.append(self.path)

    async def receive(self, message: Any) -> Any:
        await asyncio.sleep(0)
        return message

    async def on_stop(self) -> None:
        if self.stopped is not None:
            self.stopped.append(self.path)


async def test_a_cancelled_serve_http_leaves_its_port_free() -> None:
    """On asyncio's own loop `create_server` yields once after it starts listening: cut
    there, the bind left a listening socket that nothing held or could close."""
    async with asyncio.timeout(30), ActorSystem("web") as system:
        await (await system.serve_http(port=0)).close()  # aiohttp loaded: the turns are the bind's
        for turns in TURNS:
            with HeldPort(shared=True) as held:  # the server binds it; no one else can
                served = await cancelled_after(turns, system.serve_http(port=held.port))
                if served is not None:
                    await served.close()
                again = await system.serve_http(port=held.port)  # EADDRINUSE if left listening
                await again.close()


@pytest.mark.parametrize("call", ["shutdown", "aexit"])
async def test_a_cancelled_shutdown_still_stops_every_actor(call: str) -> None:
    """The shutdown runs in a task of its own: its caller giving up does not cut it short,
    and a later call waits for the same one."""
    async with asyncio.timeout(30):
        for turns in TURNS:
            tasks = TaskSnapshot()
            stopped: list[str] = []
            system = await ActorSystem(metrics=False).start()
            refs = [await system.spawn(Member, stopped, name=f"m{i}") for i in range(3)]
            for ref in refs:
                ref.tell("queued")  # drained first
            ending = system.shutdown() if call == "shutdown" else system.__aexit__(None, None, None)
            await cancelled_after(turns, ending)
            await system.shutdown()
            assert sorted(stopped) == ["/m0", "/m1", "/m2"]
            assert system.accounting().processed == 3
            assert pending_asks(system) == 0
            await tasks.assert_no_leaks()


async def test_a_cancelled_spawn_pool_leaves_no_member_and_frees_its_name() -> None:
    """The name is free at once; the members already started are stopped in the pool's task
    right after (docs/api.md §9), their `on_stop` run."""
    async with asyncio.timeout(30), ActorSystem(metrics=False) as system:
        for turns in TURNS:
            tasks = TaskSnapshot()
            started: list[str] = []
            stopped: list[str] = []
            spawning = system.spawn_pool(Member, stopped, started, name="pool")
            pool = await cancelled_after(turns, spawning)
            if pool is None:
                assert system.lookup("/pool") is None
                await tasks.assert_no_leaks()
                assert system.actor_count == 0
                assert sorted(stopped) == sorted(started)
            else:
                await pool.stop()
            pool = await system.spawn_pool(Member, size=2, name="pool")
            assert await pool.ask("after") == "after"
            await pool.stop()
        await assert_settled(system)


@pytest.mark.parametrize("size", [1, 5], ids=["shrink", "grow"])
async def test_a_cancelled_resize_leaves_the_pool_whole(size: int) -> None:
    """Delivered, a resize is carried out (as a delivered ask is handled), else not at all:
    the pool has every member of the size it reports, and the timeout's clock timer ended
    with its caller (it would fire into a finished `asyncio.timeout` and raise)."""
    clock = ManualClock()
    async with asyncio.timeout(30), ActorSystem(metrics=False, clock=clock) as system:
        pool = await system.spawn_pool(Member, size=3, name="pool")
        for turns in TURNS:
            await cancelled_after(turns, pool.resize(size))
            await clock.settle()  # what the pool took goes on to its end
            assert pool.size in (3, size)
            assert len(pool.members) == pool.size == len(snapshot(pool).children)
            assert pending_asks(system) == 0
            await pool.resize(3)
            assert await pool.ask("after") == "after"
        await clock.advance(60.0)  # past every resize's timeout
        await assert_settled(system)


async def test_a_cancelled_broadcast_ask_leaves_no_copy_waiting() -> None:
    async with asyncio.timeout(30), ActorSystem(metrics=False) as system:
        pool = await system.spawn_pool(Member, size=3, routing="broadcast", name="pool")
        for turns in TURNS:
            tasks = TaskSnapshot()
            answer = await cancelled_after(turns, pool.ask("each", timeout=60))
            assert answer in (None, "each")
            await tasks.assert_no_leaks()  # the copies' own asks ended with it
            assert pending_asks(system) == 0
        assert await pool.ask("after") == "after"
        await assert_settled(system)


class Busy(Actor):
    def __init__(self, entered: asyncio.Event, release: asyncio.Event) -> None:
        self.entered = entered
        self.release = release

    async def receive(self, message: Any) -> Any:
        self.entered.set()
        await self.release.wait()


async def test_stops_cancelled_during_a_long_handler_queue_one_stop_that_still_happens() -> None:
    """A stop asked for is carried out after the handler, whether or not its caller still
    waits (as OTP's `gen_server:stop` timing out leaves the stop under way). A caller that
    retries under a timeout joins the stop already queued: one stop per attempt would wait,
    with its future, until the handler ends."""
    entered, release = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(30), ActorSystem(metrics=False) as system:
        ref = await system.spawn(Busy, entered, release)
        ref.tell("work")
        await entered.wait()
        for turns in (1, 2, 1, 3):
            await cancelled_after(turns, ref.stop())
        # Read into a local: mypy keeps a property narrowed by an assert past the awaits.
        alive = ref.is_alive
        assert alive and snapshot(ref).signals == 1
        release.set()
        await ref.stop()  # joins it, and returns once it has stopped
        assert not ref.is_alive
        assert system.accounting().processed == 1
        await assert_settled(system)


class Holder(Actor):
    """Records what it gets; `"hold"` keeps it busy until `release` is set."""

    def __init__(self, holding: asyncio.Event, release: asyncio.Event) -> None:
        self.holding = holding
        self.release = release
        self.got: list[Any] = []

    async def receive(self, message: Any) -> Any:
        if message == "got":
            return self.got
        if message == "hold":
            self.holding.set()
            await self.release.wait()
        else:
            self.got.append(message)
        return None


async def test_a_cancelled_broadcast_send_has_reached_the_members_before_the_full_one() -> None:
    """It waits for room at each member in turn (docs/api.md §9): cancelled while it waits at
    one, the members before have their copy, that one and those after have none."""
    holding, release = asyncio.Event(), asyncio.Event()
    async with asyncio.timeout(30), ActorSystem(metrics=False) as system:
        pool = await system.spawn_pool(
            Holder, holding, release, size=3, routing="broadcast", mailbox_size=1, name="pool"
        )
        first, full, last = pool.members
        full.tell("hold")
        await holding.wait()
        full.tell("filler")  # busy, and its mailbox full
        await cancelled_after(3, pool.send("cast"))  # cut short or not: the asserts below tell
        release.set()
        assert [await member.ask("got") for member in (first, full, last)] == [
            ["cast"],
            ["filler"],
            [],
        ]
        assert all(snapshot(member).reserved == 0 for member in pool.members)
        await assert_settled(system)
