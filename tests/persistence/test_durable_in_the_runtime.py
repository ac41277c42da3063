"""Durable actors meeting the rest of the runtime: a `Supervisor`'s group strategies, death
watch, a pool's shrink and grow, and shutdown, each with a persist in flight or a recovery
that fails, where a restart, a stop or a drain could lose or reorder what was acknowledged."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from actorkit import (
    Actor,
    ActorRef,
    ActorSystem,
    ChildSpec,
    OneForAll,
    OneForOne,
    PersistenceError,
    RestForOne,
    Supervisor,
    Terminated,
)
from actorkit.persistence import EventSourced, MemoryStore, SQLiteStore

from .durable_support import journal
from .instances_support import HeldWrites

pytestmark = pytest.mark.timeout(30)


class Tally(EventSourced):
    """Persists each int it is asked; answers with every event applied so far."""

    def __init__(self, started: list[str] | None = None) -> None:
        self.items: list[int] = []
        self.started = started

    def apply(self, event: Any) -> None:
        self.items.append(event)

    def snapshot(self) -> object:
        return self.items

    def restore(self, snapshot: Any) -> None:
        self.items = snapshot

    async def on_start(self) -> None:
        if self.started is not None:
            self.started.append(self.path)

    async def receive(self, message: Any) -> Any:
        if message == "boom":
            raise RuntimeError("boom")
        if isinstance(message, int):
            await self.persist(message)
        return list(self.items)


class Crasher(Actor):
    def __init__(self, started: list[str] | None = None) -> None:
        self.started = started

    async def on_start(self) -> None:
        if self.started is not None:
            self.started.append(self.path)

    async def receive(self, message: Any) -> Any:
        if message == "get":
            return "running"
        raise RuntimeError("a sibling failed")


class Watcher(Actor):
    """Watches each ref it is asked; resolves `got` with the first `Terminated`."""

    def __init__(self, got: asyncio.Future[Terminated]) -> None:
        self.got = got

    async def receive(self, message: Any) -> Any:
        if isinstance(message, Terminated):
            self.got.set_result(message)
        else:
            self.watch(message)


class Opener(Actor):
    """Opens the store's gate when it stops: the moment a shutdown has begun."""

    def __init__(self, gate: asyncio.Event) -> None:
        self.gate = gate

    async def on_stop(self) -> None:
        self.gate.set()


class Recoveries(MemoryStore):
    """The next `fails` recoveries (their snapshot read) fail with `PersistenceError`; so do
    appends while `down`. `recovered` is set at each recovery that read the store."""

    def __init__(self) -> None:
        super().__init__()
        self.fails = 0
        self.down = False
        self.recovered = asyncio.Event()

    async def load_snapshot(self, persistence_id: str) -> Any:
        if self.fails:
            self.fails -= 1
            raise PersistenceError("the database is gone")
        self.recovered.set()
        return await super().load_snapshot(persistence_id)

    async def append(self, persistence_id: str, expected_seq: int, payloads: Any) -> float:
        if self.down:
            raise PersistenceError("the database is gone")
        return await super().append(persistence_id, expected_seq, payloads)


class HeldSQLite(SQLiteStore):
    """Holds each append until `gate` is open: a persist in flight on a store that outlives
    the system, so the journal can be read after its shutdown."""

    def __init__(self, path: Path, gate: asyncio.Event) -> None:
        super().__init__(path)
        self.gate = gate
        self.holding = asyncio.Event()

    async def append(
        self, persistence_id: str, expected_seq: int, payloads: Sequence[bytes]
    ) -> float:
        self.holding.set()
        await self.gate.wait()
        return await super().append(persistence_id, expected_seq, payloads)


def child(system: ActorSystem, path: str) -> ActorRef:
    ref = system.lookup(path)
    assert ref is not None
    return ref


async def yielded_until(done: Any) -> None:
    """Lets the loop run until `done()` holds; bounded by the test's timeout, never a delay."""
    while not done():
        await asyncio.sleep(0)


@pytest.mark.parametrize(
    "strategy", [OneForAll(), RestForOne()], ids=["one_for_all", "rest_for_one"]
)
async def test_a_sibling_failure_restarts_a_durable_child_after_its_persist_in_flight_lands(
    strategy: OneForAll | RestForOne,
) -> None:
    store = HeldWrites()
    specs = [ChildSpec(Crasher, name="b"), ChildSpec(Tally, name="a")]
    async with ActorSystem("group", store=store) as system:
        await system.spawn(Supervisor, specs, strategy, name="sup")
        tally = child(system, "/sup/a")
        assert await tally.ask(1) == [1]
        store.gate = asyncio.Event()
        persisting = asyncio.ensure_future(tally.ask(2))
        await store.holding.wait()
        child(system, "/sup/b").tell("fail")  # stops the durable sibling, then restarts both
        store.gate.set()
        assert await persisting == [1, 2]  # the stop let the handler finish its persist
        # The new instance recovered the acknowledged event and writes after it, no conflict.
        assert await tally.ask(3) == [1, 2, 3]
        assert await journal(store, "/sup/a") == [1, 2, 3]


@pytest.mark.parametrize(
    "strategy", [OneForAll(), RestForOne()], ids=["one_for_all", "rest_for_one"]
)
async def test_a_durable_child_whose_recovery_fails_in_a_group_restart_is_restarted_again(
    strategy: OneForAll | RestForOne,
) -> None:
    store = Recoveries()
    started: list[str] = []
    specs = [
        ChildSpec(Crasher, started, name="b"),
        ChildSpec(Tally, started, name="a"),
        ChildSpec(Crasher, started, name="c"),
    ]
    async with ActorSystem("group", store=store) as system:
        await system.spawn(Supervisor, specs, strategy, name="sup")
        assert await child(system, "/sup/a").ask(1) == [1]
        store.fails = 1
        store.recovered.clear()
        child(system, "/sup/b").tell("fail")
        await store.recovered.wait()  # the second try read the store
        assert await child(system, "/sup/a").ask("get") == [1]
        assert await child(system, "/sup/c").ask("get") == "running"
        assert started[:3] == ["/sup/b", "/sup/a", "/sup/c"]
        # Every child is running again, the durable one started once its recovery succeeded,
        # after the siblings before it and before those after it.
        assert started[-2:] == ["/sup/a", "/sup/c"]
        assert started.count("/sup/a") == 2  # the instance whose recovery failed never started
        assert all(child(system, path).is_alive for path in ("/sup/b", "/sup/a", "/sup/c"))


async def test_a_watcher_hears_the_persistence_error_of_a_durable_actor_its_supervisor_stops() -> (
    None
):
    store = Recoveries()
    root = OneForOne(decider={PersistenceError: "stop"})
    async with ActorSystem("watch", store=store, supervisor=root) as system:
        tally = await system.spawn(Tally, name="t")
        got: asyncio.Future[Terminated] = asyncio.get_running_loop().create_future()
        await (await system.spawn(Watcher, got, name="w")).ask(tally)
        store.down = True
        with pytest.raises(PersistenceError):
            await tally.ask(1)
        terminated = await got
        assert terminated.ref == tally
        assert isinstance(terminated.reason, PersistenceError)
        assert not tally.is_alive
        assert await journal(store, "/t") == []


async def test_a_watcher_hears_the_recovery_failure_that_stopped_a_restarting_durable_actor() -> (
    None
):
    store = Recoveries()
    root = OneForOne(decider={PersistenceError: "stop"})
    async with ActorSystem("watch", store=store, supervisor=root) as system:
        tally = await system.spawn(Tally, name="t")
        assert await tally.ask(1) == [1]
        got: asyncio.Future[Terminated] = asyncio.get_running_loop().create_future()
        await (await system.spawn(Watcher, got, name="w")).ask(tally)
        store.fails = 1
        tally.tell("boom")  # restarted; the restart's recovery fails, and "stop" decides
        terminated = await got
        assert isinstance(terminated.reason, PersistenceError)
        assert not tally.is_alive
        # The id is free again: a new actor on it recovers what the first one wrote.
        again = await system.spawn(Tally, name="t")
        assert await again.ask("get") == [1]


async def test_a_member_shrunk_away_mid_persist_keeps_its_event_for_the_grow_bringing_it_back() -> (
    None
):
    store = HeldWrites()
    async with ActorSystem("pool", store=store) as system:
        pool = await system.spawn_pool(Tally, size=2, name="pool")
        leaving = pool.members[1]
        assert await leaving.ask(1) == [1]
        store.gate = asyncio.Event()
        persisting = asyncio.ensure_future(leaving.ask(2))
        await store.holding.wait()
        shrinking = asyncio.ensure_future(pool.resize(1))
        await yielded_until(lambda: len(pool.members) == 1)  # out of the routing, draining
        store.gate.set()
        await shrinking
        assert await persisting == [1, 2]
        assert not leaving.is_alive
        await pool.resize(2)
        back = pool.members[1]
        assert back.path == "/pool/1"
        assert await back.ask(3) == [1, 2, 3]  # recovered, and writes after it: no conflict
        assert await journal(store, "/pool/1") == [1, 2, 3]
        assert await journal(store, "/pool/0") == []


async def test_shutdown_answers_the_asks_queued_behind_a_persist_in_flight_and_keeps_their_events(
    tmp_path: Path,
) -> None:
    gate = asyncio.Event()
    store = HeldSQLite(tmp_path / "down.db", gate)
    system = ActorSystem("down", store=store)
    await system.start()
    tally = await system.spawn(Tally, name="t")
    await system.spawn(Opener, gate, name="opener")  # stopped first: the gate opens then
    asks = [asyncio.ensure_future(tally.ask(n, timeout=10.0)) for n in range(5)]
    await store.holding.wait()  # the first persist is in flight, the others queued behind it
    await system.shutdown(timeout=10.0)
    assert await asyncio.gather(*asks) == [list(range(n + 1)) for n in range(5)]
    async with SQLiteStore(tmp_path / "down.db") as reopened:
        assert await journal(reopened, "/t") == [0, 1, 2, 3, 4]
